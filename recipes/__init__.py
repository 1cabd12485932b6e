"""Runnable reproductions of the paper's experiments: ``python -m recipes.<name>`` (installed: ``tfgan_gp_recipes``).

A training recipe is one module (copy ``recipes/mnist.py`` to start a new one)::

    def define_flags(flag_values):          # the shared flags with this recipe's defaults + its own
        shared_flags.define_training_flags(flag_values, logdir="runs/mine", iterations=10_000)
        flags.DEFINE_integer("dim", 64, "Base width.", lower_bound=1, flag_values=flag_values)

    def recipe(args):                       # what the experiment is: its GAN, data, callbacks, settings
        return tg.Recipe("mine", gan=configs.gan_spec(args, architecture=..., latent_dim=...), data=...,
                         settings=configs.settings(args))

    def main(argv, flag_values):            # parsed flags -> tfgan_gp.train(Recipe, TrainConfig)
        args = shared_flags.values(flag_values, smoke=dict(dim=8))
        config = configs.train_config(args)   # (the configs check every value before anything is written)
        return tg.train(recipe(args), config)

    if __name__ == "__main__":
        entry.run(define_flags, main)

What recipes share, by job: :mod:`~recipes.shared_flags` (the shared flags, ``--smoke``/``--rehearsal`` sizes,
the parsed namespace), :mod:`~recipes.configs` (flags → ``GANSpec``, ``TrainConfig``, the run's settings),
:mod:`~recipes.entry` (the entry point and its one-sentence errors), :mod:`~recipes.images` (image data),
:mod:`~recipes.image_evaluation` (image evaluation flags and callbacks), :mod:`~recipes.standins` and
:mod:`~recipes.rehearsal` (offline stand-ins), :mod:`~recipes.problems` (the selection recipes' problem).

Importing the package keeps TensorFlow's C++ start-up lines (oneDNN notes, and on machines without an
NVIDIA driver the CUDA stub and ``cuInit`` messages) off the terminal; set ``TF_CPP_MIN_LOG_LEVEL=0``
to see everything.
"""
import contextlib
import os


def _has_nvidia_driver():
    return os.path.exists("/proc/driver/nvidia") or os.path.exists("/dev/nvidiactl")


@contextlib.contextmanager
def _stderr_silenced():
    """File descriptor 2 to /dev/null for the duration (C++ logging writes there directly)."""
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2" if _has_nvidia_driver() else "3"
    with _stderr_silenced():
        import tensorflow  # noqa: F401  (its shared libraries log at load time)
