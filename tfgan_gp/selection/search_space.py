"""Random generator/critic architectures from the space of Gulrajani et al. 2017, §5.1 (Table 1).

The paper samples, independently for the generator and the critic:

* nonlinearity: ReLU, LeakyReLU, ``softplus(2x + 2)/2 − 1``, tanh;
* depth: 4, 8, 12, 20;
* batch norm: yes/no (in the critic, layer norm instead of batch norm for WGAN-GP);
* base filter count: 32, 64, 128,

trains each architecture with WGAN-GP and with the standard GAN objective, and counts how
many reach an Inception-score threshold (Table 2). The authors' code for this experiment is
not public; the networks here are our reading of it:

* images (``conv_models``): a DCGAN-like ladder. The generator maps ``z`` through a dense
  layer to a 4×4 map of ``base · 2^(s−1)`` channels (``s = log2(size/4)``), then ``s``
  nearest-neighbour up-sampling 3×3 convolutions halving the channels, ``depth − s − 1``
  stride-1 3×3 convolutions spread over the resolutions, and a 3×3 convolution to the image
  (tanh) — ``depth`` convolutions in all; the critic mirrors it with ``s`` conv+mean-pool
  steps doubling the channels, ``depth − s`` stride-1 convolutions, and a dense score.
  Normalization follows every convolution except the generator's last and the critic's first.
* 2-D toy data (``mlp_models``, the CPU-sized default of ``recipes/random_architectures.py``):
  ``depth`` hidden dense layers of ``base`` units, each followed by the normalization and
  the nonlinearity (a deviation: the paper ran this experiment on 32×32 ImageNet only).
"""
import dataclasses
import math

import keras
import numpy as np
from keras import layers, ops

from tfgan_gp.architectures.blocks import activation as activation_layer
from tfgan_gp.architectures.convolutions import ConvMeanPool, UpsampleConv, conv
from tfgan_gp.architectures.normalization import apply_normalization, normalization as norm_layer

PAPER_SPACE = dict(nonlinearities=("relu", "leaky_relu", "softplus", "tanh"), depths=(4, 8, 12, 20),
                   widths=(32, 64, 128))
NONLINEARITIES = PAPER_SPACE["nonlinearities"]


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
        if not self.d_batch_norm:
            return "none"
        return "layer" if gradient_penalty else "batch"


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


def mlp_models(arch, gradient_penalty, data_dim=2, latent_dim=2):
    """``(generator, critic)`` MLPs for ``data_dim``-dimensional points (the CPU-sized toy variant)."""
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i in range(arch.g_depth):
        x = layers.Dense(arch.g_width, name=f"g_dense_{i}")(x)
        x = _norm_act(x, "batch" if arch.g_batch_norm else "none", arch.g_nonlinearity, f"g_{i}")
    generator = keras.Model(z, layers.Dense(data_dim, dtype="float32", name="g_out")(x), name="random_generator")
    points = keras.Input((data_dim,), name="x")
    x = points
    for i in range(arch.d_depth):
        x = layers.Dense(arch.d_width, name=f"d_dense_{i}")(x)
        x = _norm_act(x, arch.critic_normalization(gradient_penalty), arch.d_nonlinearity, f"d_{i}")
    critic = keras.Model(points, layers.Dense(1, dtype="float32", name="d_out")(x), name="random_critic")
    return generator, critic


def _spread(extra, slots):
    """How many of ``extra`` stride-1 layers go at each of ``slots`` resolutions (as evenly as possible)."""
    return [extra // slots + (1 if i < extra % slots else 0) for i in range(slots)]


def conv_models(arch, gradient_penalty, image_size=32, channels=3, latent_dim=128):
    """``(generator, critic)`` convolutional networks for square images (see the module docstring)."""
    stages = int(math.log2(image_size // 4))
    if image_size < 8 or 4 * 2 ** stages != image_size:
        raise ValueError(f"image_size must be 4·2^k with k >= 1 (8, 16, 32, 64, ...). "
                         f"Received: image_size={image_size!r}")
    for role, depth, least in (("g_depth", arch.g_depth, stages + 1), ("d_depth", arch.d_depth, stages)):
        if depth < least:
            raise ValueError(f"{role} must be >= {least} at {image_size}x{image_size} (one convolution per "
                             f"resolution change{' plus the output' if role == 'g_depth' else ''}). "
                             f"Received: {role}={depth}")
    g_norm = "batch" if arch.g_batch_norm else "none"
    z = keras.Input((latent_dim,), name="z")
    filters = arch.g_width * 2 ** (stages - 1)
    x = layers.Reshape((4, 4, filters))(layers.Dense(16 * filters, name="g_dense")(z))
    x = _norm_act(x, g_norm, arch.g_nonlinearity, "g_in")
    for stage, extra in enumerate(_spread(arch.g_depth - stages - 1, stages)):
        for j in range(extra):
            x = _norm_act(conv(filters, 3, name=f"g_conv_{stage}_{j}")(x), g_norm, arch.g_nonlinearity,
                          f"g_{stage}_{j}")
        filters = max(filters // 2, 1)
        x = _norm_act(UpsampleConv(filters, name=f"g_up_{stage}")(x), g_norm, arch.g_nonlinearity,
                      f"g_up_{stage}")
    image = layers.Activation("tanh", dtype="float32", name="image")(conv(channels, 3, name="g_out")(x))
    generator = keras.Model(z, image, name="random_generator")

    d_norm = arch.critic_normalization(gradient_penalty)
    images = keras.Input((image_size, image_size, channels), name="images")
    x, filters = images, arch.d_width
    for stage, extra in enumerate(_spread(arch.d_depth - stages, stages)):
        for j in range(extra):
            x = conv(filters, 3, name=f"d_conv_{stage}_{j}")(x)
            x = _norm_act(x, d_norm if (stage or j) else "none", arch.d_nonlinearity, f"d_{stage}_{j}")
        x = ConvMeanPool(2 * filters, name=f"d_down_{stage}")(x)
        filters *= 2
        x = _norm_act(x, d_norm if (stage or extra) else "none", arch.d_nonlinearity, f"d_down_{stage}")
    score = layers.Dense(1, dtype="float32", name="score")(layers.Flatten()(x))
    return generator, keras.Model(images, score, name="random_critic")


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
