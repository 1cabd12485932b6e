"""Fully connected generator and critic: the paper's toy models (3 hidden layers of 512 ReLU), and MLPs on images.

Also the §5.2 "512-dim 4-layer ReLU MLP generator" (``depth=4``,
``output_shape=[64, 64, 3]``, ``output_activation="tanh"``,
``kernel_initializer="he_uniform"`` as in the authors' ``FCGenerator``), and
the fully connected GAN of the selection framework's architecture question
(Goodfellow et al. 2014's MLPs) on samples of any shape: the generator reshapes
its output to ``output_shape``, the critic flattens samples of ``input_shape``
(:func:`image_kwargs` gives both for an image shape).
"""
import math

import keras
from keras import layers

from tfgan_gp.architectures import common
from tfgan_gp.architectures.activations import ReLU
from tfgan_gp.architectures.checks import check_int
from tfgan_gp.architectures.convolutions import dense
from tfgan_gp.architectures.normalization import apply_normalization, normalization as norm_layer

IMAGE_WIDTH, IMAGE_DEPTH = 512, 4  # the §5.2 MLP generator


def _size(dim, shape, dim_name, shape_name):
    """``dim`` itself, or the number of values of ``shape`` (``None``: 2, a 2-D point); both must agree."""
    if shape is not None:
        shape = list(shape)
        if not shape or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape):
            raise ValueError(f"{shape_name} must be a non-empty list of positive integers. "
                             f"Received: {shape_name}={shape!r}")
        if dim is not None and dim != math.prod(shape):
            raise ValueError(f"{shape_name} must hold {dim_name}={dim} values. Received: {shape_name}={shape!r}")
        return math.prod(shape)
    return check_int(2 if dim is None else dim, dim_name)


def generator(latent_dim=2, output_dim=None, width=512, depth=3, output_activation=None, name="mlp_generator",
              num_classes=None, output_shape=None, kernel_initializer="glorot_uniform", normalization=None):
    """``z (B, latent_dim)`` [+ ``labels (B,)``] → ``(B, output_dim)``; ``depth`` ReLU layers of ``width``.

    ``output_dim``: values per sample (default: those of ``output_shape``, else 2).
    ``num_classes``: conditional (one-hot labels concatenated to ``z``, also with batch norm).
    ``output_shape``: reshape the output to ``(B, *output_shape)`` (e.g. an image's
    ``[H, W, C]``); it must hold ``output_dim`` values. ``kernel_initializer``: of the
    hidden layers. ``normalization``: ``None``/``none`` (the paper's), or ``batch``/``layer``
    between each hidden dense layer and its ReLU (DCGAN's batch norm in G, on an MLP).
    """
    output_dim = _size(output_dim, output_shape, "output_dim", "output_shape")
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    normalization = normalization or "none"
    if normalization not in ("batch", "layer", "none"):
        raise ValueError(f"normalization must be None, 'none', 'batch' or 'layer'. "
                         f"Received: normalization={normalization!r}")
    inputs, z, labels = common.generator_inputs(latent_dim, num_classes)
    x = common.concat_one_hot(z, labels, num_classes)
    plain = normalization == "none"  # the ReLU inside the dense layer, as before normalization was an option
    for i in range(depth):
        x = layers.Dense(width, activation="relu" if plain else None, kernel_initializer=kernel_initializer,
                         name=f"hidden_{i}")(x)
        if not plain:
            x = apply_normalization(norm_layer(normalization, name=f"norm_{i}"), x)
            x = ReLU(name=f"relu_{i}")(x)
    # float32 output: keeps the critic's score and the samples full precision under mixed policies
    outputs = layers.Dense(output_dim, activation=output_activation, dtype="float32", name="out")(x)
    if output_shape is not None:
        outputs = layers.Reshape(tuple(output_shape), dtype="float32", name="to_output_shape")(outputs)
    return keras.Model(inputs, outputs, name=name)


def critic(input_dim=None, width=512, depth=3, name="mlp_critic", num_classes=None, normalization=None,
           gradient_penalty=True, input_shape=None, conditioning="ac"):
    """``x (B, *input_shape)`` or ``(B, input_dim)`` → score ``(B, 1)`` [+ class logits ``(B, num_classes)``].

    ``input_shape``: the shape of one sample (e.g. ``[32, 32, 3]``), flattened before the
    first layer; ``input_dim`` is then its number of values (default: 2, a 2-D point).
    ``normalization=None`` is the paper's: none (safe with gradient penalties).
    ``layer``/``spectral`` go after/around each hidden dense layer; ``batch``
    needs ``gradient_penalty=False``. ``conditioning="projection"``: ``[x, labels]`` → score
    (Miyato & Koyama 2018's projection on the last hidden layer) instead of an AC-GAN head.
    """
    input_dim = _size(input_dim, input_shape, "input_dim", "input_shape")
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    normalization = common.critic_normalization(normalization, gradient_penalty, lambda _: "none")
    spectral = normalization == "spectral"
    inputs, x, labels = common.critic_inputs(input_shape or (input_dim,), num_classes, conditioning, name="x")
    if input_shape is not None:
        x = layers.Flatten(name="flatten")(x)
    for i in range(depth):
        x = dense(width, spectral=spectral, name=f"hidden_{i}")(x)
        x = apply_normalization(norm_layer(normalization, name=f"norm_{i}"), x)
        x = ReLU(name=f"relu_{i}")(x)
    return keras.Model(inputs, common.critic_outputs(x, num_classes, spectral, labels=labels), name=name)


def image_kwargs(shape, latent_dim=128, width=IMAGE_WIDTH, depth=IMAGE_DEPTH):
    """``(generator kwargs, critic kwargs)`` of a fully connected GAN on images of ``shape`` ``(H, W, C)``.

    The generator is the §5.2 MLP (``depth`` ReLU layers of ``width``, He-uniform, tanh
    output reshaped to the image); the critic flattens the image into an MLP of the same
    size. JSON-serialisable, so a run directory can rebuild the generator.
    """
    shape = [int(s) for s in shape]
    generator_kwargs = dict(latent_dim=latent_dim, output_shape=shape, output_activation="tanh", width=width,
                            depth=depth, kernel_initializer="he_uniform")
    return generator_kwargs, dict(input_shape=shape, width=width, depth=depth)


@common.FAMILIES.register("mlp")
class Family:
    """The fully connected family (§4 toy models, §5.2's MLP generator, any sample shape): :func:`generator` and :func:`critic`."""

    generator = staticmethod(generator)
    critic = staticmethod(critic)
