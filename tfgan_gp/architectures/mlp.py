"""Fully connected generator and critic: the paper's toy models (3 hidden layers of 512 ReLU)."""
import keras
from keras import layers


def _mlp(input_dim, output_dim, width, depth, name, output_activation=None):
    inputs = keras.Input((input_dim,))
    x = inputs
    for i in range(depth):
        x = layers.Dense(width, activation="relu", name=f"hidden_{i}")(x)
    # float32 output: keeps the critic's score and the samples full precision under mixed policies
    outputs = layers.Dense(output_dim, activation=output_activation, dtype="float32", name="out")(x)
    return keras.Model(inputs, outputs, name=name)


def generator(latent_dim=2, output_dim=2, width=512, depth=3, output_activation=None, name="mlp_generator"):
    """``z (B, latent_dim) -> (B, output_dim)``; ``depth`` hidden ReLU layers of ``width`` units."""
    return _mlp(latent_dim, output_dim, width, depth, name, output_activation)


def critic(input_dim=2, width=512, depth=3, name="mlp_critic"):
    """``x (B, input_dim) -> score (B, 1)``, no normalization (safe with gradient penalties)."""
    return _mlp(input_dim, 1, width, depth, name)
