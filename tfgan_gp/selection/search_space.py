"""Random generator/critic architectures from the space of Gulrajani et al. 2017, §5.1 (Table 1).

The paper samples, independently for the generator and the critic:

* nonlinearity: ReLU, LeakyReLU, ``softplus(2x + 2)/2 − 1``, tanh;
* depth: 4, 8, 12, 20;
* batch norm: yes/no (in the critic, layer norm instead of batch norm for WGAN-GP);
* base filter count: 32, 64, 128,

trains each architecture with WGAN-GP and with the standard GAN objective, and counts how
many reach an Inception-score threshold (Table 2). The networks of a draw are the families
``random_mlp`` (2-D points) and ``random_conv`` (images) of :mod:`tfgan_gp.architectures.random_space`.
"""
import dataclasses

import numpy as np

from tfgan_gp.architectures import random_space

PAPER_SPACE = dict(nonlinearities=("relu", "leaky_relu", "softplus", "tanh"), depths=(4, 8, 12, 20),
                   widths=(32, 64, 128))
NONLINEARITIES = PAPER_SPACE["nonlinearities"]


MLP, CONV = random_space.MLP, random_space.CONV


@dataclasses.dataclass(frozen=True)
class RandomArchitecture:
    """One draw from the space: nonlinearity, depth, batch norm and base width of G and of D."""

    g_nonlinearity: str
    d_nonlinearity: str
    g_depth: int
    d_depth: int
    g_batch_norm: bool
    d_batch_norm: bool
    g_width: int
    d_width: int

    def critic_normalization(self, gradient_penalty):
        """``batch`` where the draw says batch norm, ``layer`` instead under a gradient penalty (paper §5.1)."""
        return random_space.critic_normalization(self.d_batch_norm, gradient_penalty)

    def candidate(self, method, kind):
        """``method`` (a :class:`~tfgan_gp.selection.Candidate`) with this draw's networks for ``kind`` of data
        (``toy`` or ``images``); :meth:`~tfgan_gp.selection.problems.Problem.complete` adds the shapes
        (:func:`shapes`)."""
        return method.replace(
            architecture=MLP if kind == "toy" else CONV,
            generator_kwargs=dict(nonlinearity=self.g_nonlinearity, depth=self.g_depth,
                                  batch_norm=self.g_batch_norm, width=self.g_width),
            critic_kwargs=dict(nonlinearity=self.d_nonlinearity, depth=self.d_depth, batch_norm=self.d_batch_norm,
                               width=self.d_width))


def shapes(problem):
    """``{family: (generator kwargs, critic kwargs)}`` of the random families on ``problem``'s data: the shapes of
    its toy MLP (2-D points) or of its DCGAN (images), whose builders take the same shape arguments."""
    return {MLP: problem.shapes["mlp"]} if problem.kind == "toy" else {CONV: problem.shapes["dcgan"]}


def sample(rng, nonlinearities=NONLINEARITIES, depths=PAPER_SPACE["depths"], widths=PAPER_SPACE["widths"]):
    """A :class:`RandomArchitecture` drawn uniformly from the given choices with ``numpy`` generator ``rng``."""
    for name, choices in (("nonlinearities", nonlinearities), ("depths", depths), ("widths", widths)):
        if not len(choices):
            raise ValueError(f"{name} must offer at least one choice. Received: {name}={choices!r}")
    unknown = sorted(set(nonlinearities) - set(NONLINEARITIES))
    if unknown:
        raise ValueError(f"nonlinearities must come from {', '.join(NONLINEARITIES)}. Received: {unknown}")
    for name, choices in (("depths", depths), ("widths", widths)):
        if not all(isinstance(v, int) and v >= 1 for v in choices):
            raise ValueError(f"{name} must be positive integers. Received: {name}={choices!r}")

    def pick(choices):
        return choices[int(rng.integers(len(choices)))]

    return RandomArchitecture(
        g_nonlinearity=pick(tuple(nonlinearities)), d_nonlinearity=pick(tuple(nonlinearities)),
        g_depth=int(pick(tuple(depths))), d_depth=int(pick(tuple(depths))),
        g_batch_norm=bool(rng.integers(2)), d_batch_norm=bool(rng.integers(2)),
        g_width=int(pick(tuple(widths))), d_width=int(pick(tuple(widths))))


def outcome_table(scores, methods, thresholds):
    """Markdown of the paper's Table 2: per threshold, successes of each method, and for two methods how many
    architectures only the first, only the second, both or neither bring to the threshold.

    ``scores``: one ``{method: score}`` per architecture; a ``nan`` score (a diverged run) never succeeds.
    """
    header = ["min. score"] + [f"{m} succeeded" for m in methods]
    if len(methods) == 2:
        header += [f"only {methods[0]}", f"only {methods[1]}", "both", "neither"]
    lines = ["| " + " | ".join(header) + " |", "|" + "--:|" * len(header)]
    for threshold in thresholds:
        ok = {m: np.array([s[m] >= threshold for s in scores], bool) for m in methods}
        cells = [f"{threshold:g}"] + [str(int(ok[m].sum())) for m in methods]
        if len(methods) == 2:
            a, b = ok[methods[0]], ok[methods[1]]
            cells += [str(int(n)) for n in ((a & ~b).sum(), (b & ~a).sum(), (a & b).sum(), (~a & ~b).sum())]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
