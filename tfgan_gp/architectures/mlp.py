"""Fully connected generator and critic: the paper's toy models (3 hidden layers of 512 ReLU).

Also the §5.2 "512-dim 4-layer ReLU MLP generator" (``depth=4``,
``output_shape=[64, 64, 3]``, ``output_activation="tanh"``,
``kernel_initializer="he_uniform"`` as in the authors' ``FCGenerator``).
"""
import math

import keras
from keras import layers

from tfgan_gp.architectures import common
from tfgan_gp.architectures.activations import ReLU
from tfgan_gp.architectures.checks import check_int
from tfgan_gp.architectures.convolutions import dense
from tfgan_gp.architectures.normalization import apply_normalization, normalization as norm_layer


def generator(latent_dim=2, output_dim=2, width=512, depth=3, output_activation=None, name="mlp_generator",
              num_classes=None, output_shape=None, kernel_initializer="glorot_uniform"):
    """``z (B, latent_dim)`` [+ ``labels (B,)``] → ``(B, output_dim)``; ``depth`` ReLU layers of ``width``.

    ``num_classes``: conditional (one-hot labels concatenated to ``z``).
    ``output_shape``: reshape the output to ``(B, *output_shape)``; its product
    must equal ``output_dim``. ``kernel_initializer``: of the hidden layers.
    """
    check_int(output_dim, "output_dim")
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    if output_shape is not None and math.prod(output_shape) != output_dim:
        raise ValueError(f"output_shape must hold output_dim={output_dim} values. "
                         f"Received: output_shape={output_shape!r}")
    inputs, z, labels = common.generator_inputs(latent_dim, num_classes)
    x = common.concat_one_hot(z, labels, num_classes)
    for i in range(depth):
        x = layers.Dense(width, activation="relu", kernel_initializer=kernel_initializer,
                         name=f"hidden_{i}")(x)
    # float32 output: keeps the critic's score and the samples full precision under mixed policies
    outputs = layers.Dense(output_dim, activation=output_activation, dtype="float32", name="out")(x)
    if output_shape is not None:
        outputs = layers.Reshape(tuple(output_shape), dtype="float32", name="to_output_shape")(outputs)
    return keras.Model(inputs, outputs, name=name)


def critic(input_dim=2, width=512, depth=3, name="mlp_critic", num_classes=None, normalization=None,
           gradient_penalty=True):
    """``x (B, input_dim) -> score (B, 1)`` [+ class logits ``(B, num_classes)``].

    ``normalization=None`` is the paper's: none (safe with gradient penalties).
    ``layer``/``spectral`` go after/around each hidden dense layer; ``batch``
    needs ``gradient_penalty=False``.
    """
    check_int(input_dim, "input_dim")
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    normalization = common.critic_normalization(normalization, gradient_penalty, lambda _: "none")
    spectral = normalization == "spectral"
    inputs = keras.Input((input_dim,), name="x")
    x = inputs
    for i in range(depth):
        x = dense(width, spectral=spectral, name=f"hidden_{i}")(x)
        x = apply_normalization(norm_layer(normalization, name=f"norm_{i}"), x)
        x = ReLU(name=f"relu_{i}")(x)
    return keras.Model(inputs, common.critic_outputs(x, num_classes, spectral), name=name)
