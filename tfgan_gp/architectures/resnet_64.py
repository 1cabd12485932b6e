"""64×64 models of the paper's LSUN experiments (§5.2, authors' ``gan_64x64.py``), selected by ``variant``.

=========================  ==============================================  ==============================
variant                    generator                                       critic
=========================  ==============================================  ==============================
``good`` (default)         ResNet: dense → 4 up blocks (8d, 4d, 2d, d) →    conv → 4 down blocks
                           BN → ReLU → conv → tanh                          (2d, 4d, 8d, 8d) → dense
``dcgan``                  DCGAN                                            DCGAN
``no_norm_const_filters``  DCGAN without BN, ``d`` filters everywhere       DCGAN
``mlp_g``                  4 × ``8d`` ReLU MLP (512 at d = 64) → tanh       DCGAN
``no_norm``                DCGAN without BN                                 DCGAN without normalization
``gated``                  DCGAN with gated (sigmoid ⊙ tanh) units          DCGAN with gated units
``tanh``                   DCGAN with tanh units                            DCGAN with tanh units
``resnet101``              101-layer bottleneck ResNet, branches × 0.3,     its mirror, score / 5
                           tanh(x / 5)
=========================  ==============================================  ==============================

``d`` is ``dim`` (paper: 64). Critics follow the method: with
``gradient_penalty=True`` (WGAN-GP) layer norm replaces batch norm wherever the
critic normalizes; with ``False`` (DCGAN, LSGAN, WGAN with clipping) it is batch
norm. ``normalization`` overrides the critic's choice. Conditional models
(``num_classes``) use conditional batch norm in generators that have batch
norm, one-hot labels next to ``z`` in the others, and an AC-GAN head on the
critic (or a projection critic, ``conditioning="projection"``). Images are ``(B, 64, 64, 3)`` in [-1, 1].
"""
import keras
from keras import layers

from tfgan_gp.architectures import common, dcgan, mlp
from tfgan_gp.architectures.activations import ReLU
from tfgan_gp.architectures.blocks import BottleneckBlock, ResidualBlock
from tfgan_gp.architectures.checks import check_choice, check_int
from tfgan_gp.architectures.convolutions import conv, he_uniform_avg
from tfgan_gp.architectures.normalization import apply_normalization, normalization as norm_layer

IMAGE_SIZE = 64
CHANNELS = 3
VARIANTS = ("good", "dcgan", "no_norm_const_filters", "mlp_g", "no_norm", "gated", "tanh", "resnet101")
# resnet101: (filters as a multiple of dim, residual blocks at that width before resampling)
_RESNET101_STAGES = ((8, 6), (4, 6), (2, 6), (1, 6), (0.5, 5))


def _dcgan_generator_kwargs(variant):
    return {"dcgan": dict(dcgan_init=True),
            "no_norm_const_filters": dict(normalization="none", constant_filters=True),
            "no_norm": dict(normalization="none", dcgan_init=True),
            "gated": dict(activation="gated"),
            "tanh": dict(activation="tanh", dcgan_init=True)}[variant]


def _dcgan_critic_kwargs(variant, normalization):
    kwargs = {"gated": dict(activation="gated"),  # the authors' gated critic keeps default init
              "tanh": dict(activation="tanh", dcgan_init=True),
              "no_norm": dict(normalization="none", dcgan_init=True)}.get(variant, dict(dcgan_init=True))
    if normalization is not None:
        kwargs["normalization"] = normalization
    return kwargs


def generator(variant="good", dim=64, latent_dim=128, num_classes=None, name=None):
    """``z (B, latent_dim)`` [+ ``labels (B,)``] → images ``(B, 64, 64, 3)`` in [-1, 1]."""
    check_choice(variant, VARIANTS, "variant")
    name = name or f"resnet_64_{variant}_generator"
    if variant == "good":
        return _good_generator(latent_dim, check_int(dim, "dim"), num_classes, name)
    if variant == "resnet101":
        return _resnet101_generator(latent_dim, check_int(dim, "dim", multiple_of=4), num_classes, name)
    if variant == "mlp_g":
        return mlp.generator(latent_dim, IMAGE_SIZE * IMAGE_SIZE * CHANNELS, width=8 * check_int(dim, "dim"),
                             depth=4, output_activation="tanh", name=name, num_classes=num_classes,
                             output_shape=[IMAGE_SIZE, IMAGE_SIZE, CHANNELS], kernel_initializer="he_uniform")
    return dcgan.generator(latent_dim, IMAGE_SIZE, dim, CHANNELS, num_classes=num_classes, name=name,
                           **_dcgan_generator_kwargs(variant))


def critic(variant="good", dim=64, gradient_penalty=True, normalization=None, num_classes=None, conditioning="ac",
           name=None):
    """Images ``(B, 64, 64, 3)`` → score ``(B, 1)`` [+ class logits ``(B, num_classes)``].

    ``conditioning="projection"``: ``[images, labels]`` → score (Miyato & Koyama 2018's projection).
    """
    check_choice(variant, VARIANTS, "variant")
    name = name or f"resnet_64_{variant}_critic"
    if variant in ("good", "resnet101"):
        dim = check_int(dim, "dim", multiple_of=4 if variant == "resnet101" else 1)
        normalization = common.critic_normalization(
            normalization, gradient_penalty, lambda penalty: "layer" if penalty else "batch")
        build = _good_critic if variant == "good" else _resnet101_critic
        return build(dim, normalization, num_classes, conditioning, name)
    return dcgan.critic(IMAGE_SIZE, dim, CHANNELS, gradient_penalty=gradient_penalty, num_classes=num_classes,
                        conditioning=conditioning, name=name, **_dcgan_critic_kwargs(variant, normalization))


def _generator_start(latent_dim, filters, num_classes):
    """Inputs and the 4×4 map of ``filters`` channels; conditional batch norm carries the labels."""
    inputs, z, labels = common.generator_inputs(latent_dim, num_classes)
    x = layers.Dense(4 * 4 * filters, name="dense")(z)
    return inputs, labels, layers.Reshape((4, 4, filters), name="to_4x4")(x)


def _conditioned(block, x, labels):
    return block([x, labels] if labels is not None else x)


def _good_generator(latent_dim, dim, num_classes, name):
    inputs, labels, x = _generator_start(latent_dim, 8 * dim, num_classes)
    for i, mult in enumerate((8, 4, 2, 1)):
        block = ResidualBlock(mult * dim, resample="up", normalization="batch", num_classes=num_classes,
                              conv1_use_bias=False, name=f"up_block_{i}")
        x = _conditioned(block, x, labels)
    x = apply_normalization(norm_layer("batch", name="output_norm"), x)
    x = ReLU(name="output_relu")(x)
    x = conv(CHANNELS, 3, kernel_initializer=he_uniform_avg(), name="to_image")(x)
    return keras.Model(inputs, common.image_output(x), name=name)


def _good_critic(dim, normalization, num_classes, conditioning, name):
    spectral = normalization == "spectral"
    inputs, images, labels = common.critic_inputs((IMAGE_SIZE, IMAGE_SIZE, CHANNELS), num_classes, conditioning)
    x = conv(dim, 3, spectral=spectral, name="from_image")(images)
    for i, mult in enumerate((2, 4, 8, 8)):
        x = ResidualBlock(mult * dim, resample="down", normalization=normalization, conv1_use_bias=False,
                          name=f"down_block_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, common.critic_outputs(x, num_classes, spectral, labels=labels), name=name)


def _resnet101_generator(latent_dim, dim, num_classes, name):
    inputs, labels, x = _generator_start(latent_dim, 8 * dim, num_classes)
    for stage, (mult, repeats) in enumerate(_RESNET101_STAGES):
        if stage:
            block = BottleneckBlock(int(mult * dim), resample="up", num_classes=num_classes,
                                    name=f"up_{stage}")
            x = _conditioned(block, x, labels)
        for i in range(repeats):
            block = BottleneckBlock(int(mult * dim), num_classes=num_classes, name=f"block_{stage}_{i}")
            x = _conditioned(block, x, labels)
    x = conv(CHANNELS, 1, name="to_image")(x)
    return keras.Model(inputs, common.image_output(x, scale=0.2), name=name)


def _resnet101_critic(dim, normalization, num_classes, conditioning, name):
    spectral = normalization == "spectral"
    inputs, images, labels = common.critic_inputs((IMAGE_SIZE, IMAGE_SIZE, CHANNELS), num_classes, conditioning)
    x = conv(dim // 2, 1, spectral=spectral, name="from_image")(images)
    for stage, (mult, repeats) in enumerate(reversed(_RESNET101_STAGES)):
        if stage:
            x = BottleneckBlock(int(mult * dim), resample="down", normalization=normalization,
                                name=f"down_{stage}")(x)
        for i in range(repeats):
            x = BottleneckBlock(int(mult * dim), normalization=normalization, name=f"block_{stage}_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, common.critic_outputs(x, num_classes, spectral, score_scale=0.2, labels=labels),
                       name=name)


@common.FAMILIES.register("resnet_64")
class Family:
    """The 64×64 ResNets and the §5.2 architecture variants: :func:`generator` and :func:`critic`."""

    generator = staticmethod(generator)
    critic = staticmethod(critic)
