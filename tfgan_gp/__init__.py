"""tfgan_gp: Wasserstein GANs with gradient penalty (and their relatives) for TensorFlow 2 / Keras 3."""
from tfgan_gp import (architectures, augment, averaging, callbacks, critic_batch, data, distribute, divergences, losses,
                      metrics, penalties, precision, run_directory, serving)
from tfgan_gp.critic_batch import CriticBatch
from tfgan_gp.gan import GAN, paper_adam
from tfgan_gp.spec import GANSpec, Optimizer
from tfgan_gp.train_config import TrainConfig
from tfgan_gp.training import Recipe, train

__version__ = "0.2.0"

__all__ = ["GAN", "CriticBatch", "GANSpec", "Optimizer", "Recipe", "TrainConfig", "__version__", "architectures",
           "augment", "averaging", "callbacks", "critic_batch", "data", "distribute", "divergences", "losses", "metrics",
           "paper_adam", "penalties", "precision", "run_directory", "serving", "train"]
