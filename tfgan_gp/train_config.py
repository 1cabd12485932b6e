"""How to run a training: :class:`TrainConfig` (what GAN to train is a :class:`tfgan_gp.GANSpec`)."""
import dataclasses
from typing import Optional

from tfgan_gp import distribute, precision

RESUMABLE = {"resumable": True}
"""Field metadata of the settings a resumed run may change (:mod:`tfgan_gp.run_directory` skips them)."""


def check_int(value, name, minimum):
    """``ValueError`` unless ``value`` is an int (not a bool) >= ``minimum``; returns it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}. Received: {name}={value!r}")
    return value


MAX_ITERATIONS = 2 ** 62
"""Generator iterations a run may ask for (the counters are int64)."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to run a recipe; the defaults are the paper's (Gulrajani et al. 2017, Appendix).

    Attributes:
        logdir: the run directory (logs, checkpoints, the run record, the export); ``None``: train in memory
            and write nothing (the selection tool's runs, notebooks).
        iterations: generator iterations in total.
        batch_size: samples per critic minibatch (global, all replicas).
        precision: one of :data:`tfgan_gp.precision.NAMES`.
        distribute: one of :data:`tfgan_gp.distribute.STRATEGIES`.
        eval_every: generator iterations per Keras epoch (checkpoint, pictures, evaluation).
        seed: weights, noise and data order.
        export: write ``LOGDIR/export`` at the end.

    A resumed run may change ``iterations``, ``eval_every``, ``export``, ``precision``, ``distribute`` and
    ``logdir`` (how long and how to run, not what); see :mod:`tfgan_gp.run_directory`.
    """

    logdir: Optional[str] = dataclasses.field(default=None, metadata=RESUMABLE)
    iterations: int = dataclasses.field(default=100_000, metadata=RESUMABLE)
    batch_size: int = 64
    precision: str = dataclasses.field(default="auto", metadata=RESUMABLE)
    distribute: str = dataclasses.field(default="none", metadata=RESUMABLE)
    eval_every: int = dataclasses.field(default=1000, metadata=RESUMABLE)
    seed: int = 0
    export: bool = dataclasses.field(default=True, metadata=RESUMABLE)

    def __post_init__(self):
        for name in ("iterations", "batch_size", "eval_every"):
            check_int(getattr(self, name), name, minimum=1)
        check_int(self.seed, "seed", minimum=0)
        if self.iterations > MAX_ITERATIONS:
            raise ValueError(f"iterations must be at most 2**62 (the iteration counters are int64). "
                             f"Received: iterations={self.iterations}")
        if self.iterations % min(self.eval_every, self.iterations):
            raise ValueError(f"iterations must be a multiple of eval_every (each Keras epoch is eval_every "
                             f"iterations). Received: iterations={self.iterations}, eval_every={self.eval_every}")
        precision.check_name(self.precision)
        if self.distribute not in distribute.STRATEGIES:
            raise ValueError(f"distribute must be one of {', '.join(distribute.STRATEGIES)}. "
                             f"Received: distribute={self.distribute!r}")
        if self.logdir is not None and not isinstance(self.logdir, str):
            object.__setattr__(self, "logdir", str(self.logdir))  # (a pathlib.Path)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)
