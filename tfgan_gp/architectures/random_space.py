"""The networks of the random architectures of Gulrajani et al. 2017, §5.1 (Table 1): families ``random_mlp`` and
``random_conv``, parameterised by nonlinearity, depth, batch norm and base width (drawn by
:mod:`tfgan_gp.selection.search_space`).

The authors' code for this experiment is not public; the networks here are our reading of it:

* images (``random_conv``): a DCGAN-like ladder. The generator maps ``z`` through a dense
  layer to a 4×4 map of ``base · 2^(s−1)`` channels (``s = log2(size/4)``), then ``s``
  nearest-neighbour up-sampling 3×3 convolutions halving the channels, ``depth − s − 1``
  stride-1 3×3 convolutions spread over the resolutions, and a 3×3 convolution to the image
  (tanh) — ``depth`` convolutions in all; the critic mirrors it with ``s`` conv+mean-pool
  steps doubling the channels, ``depth − s`` stride-1 convolutions, and a dense score.
  Normalization follows every convolution except the generator's last and the critic's first.
* 2-D toy data (``random_mlp``, the CPU-sized default of ``recipes/random_architectures.py``):
  ``depth`` hidden dense layers of ``base`` units, each followed by the normalization and
  the nonlinearity (a deviation: the paper ran this experiment on 32×32 ImageNet only).

Their shape arguments are those of the ``mlp`` and ``dcgan`` families.
"""
import math

import keras
from keras import layers, ops

from tfgan_gp.architectures import common
from tfgan_gp.architectures.blocks import activation as activation_layer
from tfgan_gp.architectures.convolutions import ConvMeanPool, UpsampleConv, conv
from tfgan_gp.architectures.normalization import apply_normalization, normalization as norm_layer

MLP, CONV = "random_mlp", "random_conv"


def critic_normalization(batch_norm, gradient_penalty):
    """``batch`` where a draw says batch norm, ``layer`` instead under a gradient penalty (paper §5.1)."""
    if not batch_norm:
        return "none"
    return "layer" if gradient_penalty else "batch"


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
        x = _norm_act(x, critic_normalization(batch_norm, gradient_penalty), nonlinearity, f"d_{i}")
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
    norm = critic_normalization(batch_norm, gradient_penalty)
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


@common.FAMILIES.register(MLP)
class MLPFamily:
    """The draws' MLPs on points (shape arguments as the ``mlp`` family's)."""

    generator = staticmethod(mlp_generator)
    critic = staticmethod(mlp_critic)


@common.FAMILIES.register(CONV)
class ConvFamily:
    """The draws' convolutional networks on square images (shape arguments as the ``dcgan`` family's)."""

    generator = staticmethod(conv_generator)
    critic = staticmethod(conv_critic)
