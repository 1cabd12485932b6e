"""Random generator/critic architectures from the space of Gulrajani et al. 2017, §5.1 (Table 1).

The paper samples, independently for the generator and the critic:

* nonlinearity: ReLU, LeakyReLU, ``softplus(2x + 2)/2 − 1``, tanh;
* depth: 4, 8, 12, 20;
* batch norm: yes/no (in the critic, layer norm instead of batch norm for WGAN-GP);
* base filter count: 32, 64, 128,

trains each architecture with WGAN-GP and with the standard GAN objective, and counts how
many reach an Inception-score threshold (Table 2). The authors' code for this experiment is
not public; the networks here are our reading of it:

* images (the family ``random_conv``): a DCGAN-like ladder. The generator maps ``z`` through a dense
  layer to a 4×4 map of ``base · 2^(s−1)`` channels (``s = log2(size/4)``), then ``s``
  nearest-neighbour up-sampling 3×3 convolutions halving the channels, ``depth − s − 1``
  stride-1 3×3 convolutions spread over the resolutions, and a 3×3 convolution to the image
  (tanh) — ``depth`` convolutions in all; the critic mirrors it with ``s`` conv+mean-pool
  steps doubling the channels, ``depth − s`` stride-1 convolutions, and a dense score.
  Normalization follows every convolution except the generator's last and the critic's first.
* 2-D toy data (the family ``random_mlp``, the CPU-sized default of ``recipes/random_architectures.py``):
  ``depth`` hidden dense layers of ``base`` units, each followed by the normalization and
  the nonlinearity (a deviation: the paper ran this experiment on 32×32 ImageNet only).
"""
import dataclasses
import math

import keras
import numpy as np
from keras import layers, ops

from tfgan_gp import architectures
from tfgan_gp.architectures.blocks import activation as activation_layer
from tfgan_gp.architectures.convolutions import ConvMeanPool, UpsampleConv, conv
from tfgan_gp.architectures.normalization import apply_normalization, normalization as norm_layer

PAPER_SPACE = dict(nonlinearities=("relu", "leaky_relu", "softplus", "tanh"), depths=(4, 8, 12, 20),
                   widths=(32, 64, 128))
NONLINEARITIES = PAPER_SPACE["nonlinearities"]


MLP, CONV = "random_mlp", "random_conv"
"""The architecture families of the draws: MLPs on 2-D points, convolutional ladders on images."""


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
        return _critic_normalization(self.d_batch_norm, gradient_penalty)

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


def _critic_normalization(batch_norm, gradient_penalty):
    if not batch_norm:
        return "none"
    return "layer" if gradient_penalty else "batch"


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


def shifted_softplus(x):
    """``softplus(2x + 2)/2 − 1``: the paper's smooth ReLU-like nonlinearity (≈ x for large x, → −1 below)."""
    return ops.softplus(2.0 * x + 2.0) / 2.0 - 1.0


def _nonlinearity(kind, name):
    if kind == "softplus":
        return layers.Activation(shifted_softplus, name=name)
    return activation_layer(kind, name=name)


def _norm_act(x, normalization, nonlinearity, name):
    x = apply_normalization(norm_layer(normalization, name=f"{name}_norm"), x)
    return _nonlinearity(nonlinearity, f"{name}_act")(x)


def mlp_generator(nonlinearity, depth, batch_norm, width, latent_dim=2, output_dim=2):
    """``depth`` hidden dense layers of ``width`` units, each with its normalization and nonlinearity."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i in range(depth):
        x = layers.Dense(width, name=f"g_dense_{i}")(x)
        x = _norm_act(x, "batch" if batch_norm else "none", nonlinearity, f"g_{i}")
    return keras.Model(z, layers.Dense(output_dim, dtype="float32", name="g_out")(x), name="random_generator")


def mlp_critic(nonlinearity, depth, batch_norm, width, input_dim=2, gradient_penalty=True):
    """The generator's mirror, ending in a dense score; layer norm instead of batch norm under a gradient penalty."""
    points = keras.Input((input_dim,), name="x")
    x = points
    for i in range(depth):
        x = layers.Dense(width, name=f"d_dense_{i}")(x)
        x = _norm_act(x, _critic_normalization(batch_norm, gradient_penalty), nonlinearity, f"d_{i}")
    return keras.Model(points, layers.Dense(1, dtype="float32", name="d_out")(x), name="random_critic")


def _spread(extra, slots):
    """How many of ``extra`` stride-1 layers go at each of ``slots`` resolutions (as evenly as possible)."""
    return [extra // slots + (1 if i < extra % slots else 0) for i in range(slots)]


def _stages(image_size, depth, least, role):
    """The number of resolution changes (``log2(image_size / 4)``), checking the size and the ``role``'s depth."""
    stages = int(math.log2(image_size // 4)) if image_size >= 8 else 0
    if image_size < 8 or 4 * 2 ** stages != image_size:
        raise ValueError(f"image_size must be 4·2^k with k >= 1 (8, 16, 32, 64, ...). "
                         f"Received: image_size={image_size!r}")
    if depth < least(stages):
        raise ValueError(f"The {role}'s depth must be >= {least(stages)} at {image_size}x{image_size} (one "
                         f"convolution per resolution change{' plus the output' if role == 'generator' else ''}). "
                         f"Received: depth={depth}")
    return stages


def conv_generator(nonlinearity, depth, batch_norm, width, latent_dim=128, image_size=32, channels=3):
    """A DCGAN-like ladder of ``depth`` convolutions from ``z`` to a square image (see the module docstring)."""
    stages = _stages(image_size, depth, lambda s: s + 1, "generator")
    norm = "batch" if batch_norm else "none"
    z = keras.Input((latent_dim,), name="z")
    filters = width * 2 ** (stages - 1)
    x = layers.Reshape((4, 4, filters))(layers.Dense(16 * filters, name="g_dense")(z))
    x = _norm_act(x, norm, nonlinearity, "g_in")
    for stage, extra in enumerate(_spread(depth - stages - 1, stages)):
        for j in range(extra):
            x = _norm_act(conv(filters, 3, name=f"g_conv_{stage}_{j}")(x), norm, nonlinearity, f"g_{stage}_{j}")
        filters = max(filters // 2, 1)
        x = _norm_act(UpsampleConv(filters, name=f"g_up_{stage}")(x), norm, nonlinearity, f"g_up_{stage}")
    image = layers.Activation("tanh", dtype="float32", name="image")(conv(channels, 3, name="g_out")(x))
    return keras.Model(z, image, name="random_generator")


def conv_critic(nonlinearity, depth, batch_norm, width, image_size=32, channels=3, gradient_penalty=True):
    """The generator's mirror: ``depth`` convolutions down to a dense score (see the module docstring)."""
    stages = _stages(image_size, depth, lambda s: s, "critic")
    norm = _critic_normalization(batch_norm, gradient_penalty)
    images = keras.Input((image_size, image_size, channels), name="images")
    x, filters = images, width
    for stage, extra in enumerate(_spread(depth - stages, stages)):
        for j in range(extra):
            x = conv(filters, 3, name=f"d_conv_{stage}_{j}")(x)
            x = _norm_act(x, norm if (stage or j) else "none", nonlinearity, f"d_{stage}_{j}")
        x = ConvMeanPool(2 * filters, name=f"d_down_{stage}")(x)
        filters *= 2
        x = _norm_act(x, norm if (stage or extra) else "none", nonlinearity, f"d_down_{stage}")
    score = layers.Dense(1, dtype="float32", name="score")(layers.Flatten()(x))
    return keras.Model(images, score, name="random_critic")


@architectures.register(MLP)
class MLPFamily:
    """The draws' MLPs on points (shape arguments as the ``mlp`` family's)."""

    generator = staticmethod(mlp_generator)
    critic = staticmethod(mlp_critic)


@architectures.register(CONV)
class ConvFamily:
    """The draws' convolutional networks on square images (shape arguments as the ``dcgan`` family's)."""

    generator = staticmethod(conv_generator)
    critic = staticmethod(conv_critic)


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
