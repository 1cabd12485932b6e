"""tfgan_gp: Wasserstein GANs with gradient penalty (and their relatives) for TensorFlow 2 / Keras 3."""
from tfgan_gp import (architectures, augment, averaging, callbacks, data, distribute, divergences, losses, metrics,
                      penalties, precision, regularizers, run_directory, serving)
from tfgan_gp.gan import GAN, paper_adam
from tfgan_gp.training import Recipe, TrainConfig, linear_decay, train

__version__ = "0.1.0"

__all__ = ["GAN", "Recipe", "TrainConfig", "__version__", "architectures", "augment", "averaging", "callbacks",
           "data", "distribute", "divergences", "linear_decay", "losses", "metrics", "paper_adam", "penalties",
           "precision", "regularizers", "run_directory", "serving", "train"]
