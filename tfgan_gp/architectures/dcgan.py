"""DCGAN generator and critic (Radford et al. 2016) for 32×32 and 64×64 images, NHWC.

As in the authors' code (``gan_cifar.py`` for 32×32, ``gan_64x64.py`` for
64×64): the generator maps ``z`` to a 4×4 map of ``dim · 2^(n-1)`` channels
(``n`` = 3 stages for 32×32, 4 for 64×64) and doubles the resolution with
5×5 stride-2 transposed convolutions while halving the channels, then tanh;
the critic mirrors it with 5×5 stride-2 convolutions (no normalization after
the first), flattens and applies a dense layer. The knobs cover the paper's
§5.2 variants: ``activation`` (``relu``/``leaky_relu``/``tanh``/``gated``:
gated layers produce twice the channels and gate them pairwise),
``normalization``, ``constant_filters`` (the WGAN paper's crippled generator:
``dim`` channels everywhere) and ``dcgan_init`` (weights with standard
deviation 0.02, drawn uniformly as in the authors' code; the DCGAN paper
draws them from a normal).

Deviation: the authors' 32×32 generator batch-normalizes the dense layer's
4·4·4·dim outputs individually; here batch norm acts per channel after the
reshape, as in their 64×64 generator.
"""
import math

import keras
from keras import layers

from tfgan_gp.architectures import common
from tfgan_gp.architectures.blocks import activation as activation_layer, activation_width
from tfgan_gp.architectures.checks import check_choice, check_int
from tfgan_gp.architectures.convolutions import conv, dense, he_uniform_avg
from tfgan_gp.architectures.normalization import apply_normalization, batch_normalizing, normalization as norm_layer

IMAGE_SIZES = (32, 64)
DCGAN_STDDEV = 0.02


def _stages(image_size):
    check_choice(image_size, IMAGE_SIZES, "image_size")
    return int(math.log2(image_size // 4))


def _initializer(dcgan_init, dense_layer=False):
    """A fresh kernel initializer (a shared unseeded instance would repeat its values).

    DCGAN's standard deviation 0.02, or the authors' defaults (He for convs,
    Glorot for dense layers).
    """
    if dcgan_init:
        limit = DCGAN_STDDEV * math.sqrt(3.0)  # uniform with standard deviation 0.02
        return keras.initializers.RandomUniform(-limit, limit)
    return "glorot_uniform" if dense_layer else he_uniform_avg()


def _transposed_conv(filters, kernel_initializer, spectral, name):
    layer = layers.Conv2DTranspose(filters, 5, strides=2, padding="same",
                                   kernel_initializer=kernel_initializer, name=None if spectral else name)
    return layers.SpectralNormalization(layer, name=name) if spectral else layer


def generator(latent_dim=128, image_size=64, dim=64, channels=3, normalization="batch", activation="relu",
              constant_filters=False, dcgan_init=False, num_classes=None, name="dcgan_generator"):
    """``z (B, latent_dim)`` [+ ``labels (B,)``] → images ``(B, size, size, channels)`` in [-1, 1].

    Args:
        image_size: 32 or 64.
        dim: channels of the last hidden map (the first has ``dim · 2^(n-1)``).
        normalization: ``batch`` (DCGAN; conditional when ``num_classes``),
            ``layer``, ``spectral`` or ``none``.
        activation: ``relu`` (DCGAN), ``leaky_relu``, ``tanh`` or ``gated``.
        constant_filters: ``dim`` channels in every hidden map.
        dcgan_init: DCGAN's 0.02-std weights instead of the authors' defaults.
        num_classes: conditional generator (``[z, labels]`` inputs).
    """
    stages = _stages(image_size)
    check_int(dim, "dim")
    check_int(channels, "channels")
    width = activation_width(activation)
    spectral = normalization == "spectral"
    inputs, z, labels = common.generator_inputs(latent_dim, num_classes)
    norm_classes = num_classes if batch_normalizing(normalization) else None
    if not norm_classes:
        z = common.concat_one_hot(z, labels, num_classes)
    filters = [dim if constant_filters else dim * 2 ** (stages - 1 - i) for i in range(stages)]
    x = dense(4 * 4 * filters[0] * width, kernel_initializer=_initializer(dcgan_init, dense_layer=True),
              spectral=spectral, name="dense")(z)
    x = layers.Reshape((4, 4, filters[0] * width), name="to_4x4")(x)
    for i, f in enumerate(filters):
        if i:
            x = _transposed_conv(f * width, _initializer(dcgan_init), spectral, f"deconv_{i}")(x)
        x = apply_normalization(norm_layer(normalization, norm_classes, name=f"norm_{i}"), x, labels)
        x = activation_layer(activation, name=f"act_{i}")(x)
    x = _transposed_conv(channels, _initializer(dcgan_init), spectral, "to_image")(x)
    return keras.Model(inputs, common.image_output(x), name=name)


def critic(image_size=64, dim=64, channels=3, normalization=None, gradient_penalty=True,
           activation="leaky_relu", dcgan_init=False, num_classes=None, conditioning="ac", name="dcgan_critic"):
    """Images ``(B, image_size, image_size, channels)`` → score ``(B, 1)`` [+ class logits].

    ``normalization=None`` follows the authors: with a gradient penalty, layer
    norm at 64×64 and none at 32×32; without one, batch norm (DCGAN).
    ``activation``: ``leaky_relu`` (DCGAN, slope 0.2), ``relu``, ``tanh``, ``gated``.
    ``conditioning="projection"``: ``[images, labels]`` → score, the class term projected
    on the flattened features (Miyato & Koyama 2018) instead of an AC-GAN head.
    """
    stages = _stages(image_size)
    check_int(dim, "dim")
    check_int(channels, "channels")
    width = activation_width(activation)
    normalization = common.critic_normalization(
        normalization, gradient_penalty,
        lambda penalty: ("layer" if image_size == 64 else "none") if penalty else "batch")
    spectral = normalization == "spectral"
    inputs, x, labels = common.critic_inputs((image_size, image_size, channels), num_classes, conditioning)
    for i in range(stages):
        x = conv(dim * 2 ** i * width, 5, strides=2, kernel_initializer=_initializer(dcgan_init),
                 spectral=spectral, name=f"conv_{i}")(x)
        if i:
            x = apply_normalization(norm_layer(normalization, name=f"norm_{i}"), x)
        x = activation_layer(activation, name=f"act_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, common.critic_outputs(
        x, num_classes, spectral, lambda: _initializer(dcgan_init, dense_layer=True), labels=labels), name=name)


@common.FAMILIES.register("dcgan")
class Family:
    """The DCGAN family (§5.2 LSUN variants, the MNIST models): :func:`generator` and :func:`critic`."""

    generator = staticmethod(generator)
    critic = staticmethod(critic)
