"""The paper's CIFAR-10 ResNet (Appendix F; the authors' ``gan_cifar_resnet.py``), 32×32 NHWC.

Generator: ``z (latent_dim) → dense 4·4·dim → 3 × up residual block → BN →
ReLU → 3×3 conv → tanh``. Critic: optimized first block (conv, ReLU,
conv-meanpool; shortcut meanpool-conv 1×1) → down block → 2 plain blocks →
ReLU → global mean → dense(1); no normalization. Parameter counts equal the
reference ``shared/bench/cifar_resnet_tf.py`` (dim 128: G 1,204,483,
D 1,053,825). Conditional (``num_classes``): conditional batch norm in the
generator's residual blocks (the final batch norm stays unconditional, as in
the authors' code) and an AC-GAN head (class logits) on the critic, which then
returns ``[score, logits]``; or, with ``conditioning="projection"``, a projection
critic (Miyato & Koyama 2018) taking ``[images, labels]`` and returning one score.
"""
import keras
from keras import layers

from tfgan_gp.architectures import common
from tfgan_gp.architectures.activations import ReLU
from tfgan_gp.architectures.blocks import ResidualBlock
from tfgan_gp.architectures.checks import check_int
from tfgan_gp.architectures.convolutions import conv, dense
from tfgan_gp.architectures.normalization import apply_normalization, batch_normalizing, normalization as norm_layer

IMAGE_SIZE = 32


def generator(latent_dim=128, dim=128, num_classes=None, normalization="batch", channels=3,
              name="resnet_cifar_generator"):
    """``z (B, latent_dim)`` [+ ``labels (B,)``] → images ``(B, 32, 32, channels)`` in [-1, 1].

    ``normalization``: ``batch`` (paper), ``layer``, ``spectral`` or ``none``;
    without batch norm a conditional generator gets one-hot labels next to ``z``.
    """
    check_int(dim, "dim")
    check_int(channels, "channels")
    inputs, z, labels = common.generator_inputs(latent_dim, num_classes)
    block_classes = num_classes if batch_normalizing(normalization) else None
    if not block_classes:
        z = common.concat_one_hot(z, labels, num_classes)
    spectral = normalization == "spectral"
    x = dense(4 * 4 * dim, spectral=spectral, name="dense")(z)
    x = layers.Reshape((4, 4, dim), name="to_4x4")(x)
    for i in range(3):
        block = ResidualBlock(dim, resample="up", normalization=normalization, num_classes=block_classes,
                              name=f"up_block_{i}")
        x = block([x, labels] if block_classes else x)
    x = apply_normalization(norm_layer(normalization, name="output_norm"), x)
    x = ReLU(name="output_relu")(x)
    x = conv(channels, 3, spectral=spectral, name="to_image")(x)
    return keras.Model(inputs, common.image_output(x), name=name)


def critic(dim=128, num_classes=None, normalization=None, gradient_penalty=True, channels=3,
           conditioning="ac", name="resnet_cifar_critic"):
    """Images ``(B, 32, 32, channels)`` → score ``(B, 1)`` [+ class logits ``(B, num_classes)``].

    ``normalization=None`` is the paper's: none. ``layer`` and ``spectral`` are
    allowed with a gradient penalty, ``batch`` only with ``gradient_penalty=False``.
    The first ("optimized") block never normalizes, as in the authors' code.
    ``conditioning="projection"``: ``[images, labels]`` → score, the class term
    projected on the pooled features (:class:`~tfgan_gp.architectures.common.ClassProjection`).
    """
    check_int(dim, "dim")
    check_int(channels, "channels")
    normalization = common.critic_normalization(normalization, gradient_penalty, lambda _: "none")
    inputs, images, labels = common.critic_inputs((IMAGE_SIZE, IMAGE_SIZE, channels), num_classes, conditioning)
    x = ResidualBlock(dim, resample="down", normalization=normalization, preactivate=False,
                      name="optimized_block")(images)
    x = ResidualBlock(dim, resample="down", normalization=normalization, name="down_block")(x)
    x = ResidualBlock(dim, normalization=normalization, name="block_0")(x)
    x = ResidualBlock(dim, normalization=normalization, name="block_1")(x)
    x = ReLU(name="relu")(x)
    x = layers.GlobalAveragePooling2D(name="mean")(x)
    return keras.Model(inputs, common.critic_outputs(x, num_classes, normalization == "spectral", labels=labels),
                       name=name)


@common.FAMILIES.register("resnet_cifar")
class Family:
    """The CIFAR-10 ResNets of Appendix F: :func:`generator` and :func:`critic`."""

    generator = staticmethod(generator)
    critic = staticmethod(critic)
