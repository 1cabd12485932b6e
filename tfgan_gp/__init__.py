"""tfgan_gp: Wasserstein GANs with gradient penalty (and their relatives) for TensorFlow 2 / Keras 3."""
from tfgan_gp import architectures, callbacks, data, divergences, losses, metrics, penalties, precision  # noqa: F401
from tfgan_gp.gan import GAN, paper_adam  # noqa: F401

__version__ = "0.1.0"
