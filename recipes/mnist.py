"""Critic loss as an overfitting detector on MNIST (Gulrajani et al. 2017, §5.6, Figure 6).

    python -m recipes.mnist --logdir runs/mnist_1000                 # 1,000 training digits
    python -m recipes.mnist --logdir runs/mnist_full --num_train=0   # all 60,000, for comparison

With 1,000 digits the critic's loss on held-out digits drifts away from its loss on the
training digits (the critic overfits and the curves part); with the full set they stay
together. Each evaluation logs both (TensorBoard ``critic_loss/train`` and
``critic_loss/heldout``) and ``critic_loss.png`` in ``--logdir`` plots them.

Model: DCGAN-style convolutional G and D (the authors' ``gan_mnist.py``: DIM 64, batch 50,
Adam(1e-4, 0.5, 0.9), n_critic 5, λ 10). Deviation: digits are resized to 32×32 so the
package's 32×32 DCGAN serves (the authors cropped G's 32×32 output to 28×28).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

from export.run_dir import export_run  # noqa: E402
from tfgan_gp import recipe_flags, training  # noqa: E402
from tfgan_gp.data import images  # noqa: E402

FLAGS = flags.FLAGS
recipe_flags.define(logdir="runs/mnist", iterations=200_000, batch_size=50, n_critic=5, lambda_gp=10.0)
flag = recipe_flags.define_extra
flag(flags.DEFINE_integer, "num_train", 1000,
     "Training digits (a fixed random subset); 0 = all 60,000.", lower_bound=0)
flag(flags.DEFINE_integer, "dim", 64, "Base filter count (the authors' DIM).", lower_bound=1)
flag(flags.DEFINE_integer, "heldout_examples", 1000, "Held-out digits the critic loss is measured on.", lower_bound=1)

SHAPE = (32, 32, 1)


def recipe(f):
    """The §5.6 experiment for the flag values ``f``."""
    subset = f.num_train or None

    load = images.recipe_loader("mnist", f.data_dir)

    def digits(heldout=False):
        if heldout and subset is None:  # no complement of all digits: the test split
            return load("test", image_size=32, channels=1)
        return load(image_size=32, channels=1, num_examples=subset, heldout=heldout, seed=f.seed)

    def synthetic(heldout=False):
        return training.synthetic_images(SHAPE, num_examples=64, seed=f.seed + int(heldout))

    source = synthetic if f.smoke else digits

    def optimizers(iterations, n_critic):
        import keras
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))

    def monitoring(gan, logdir):
        from tfgan_gp.monitoring import CriticLossCurves, ImageSamples
        return [ImageSamples(logdir),
                CriticLossCurves(logdir, train=source(), heldout=source(heldout=True),
                                 num_examples=f.heldout_examples, batch_size=f.batch_size)]

    kwargs = dict(image_size=32, dim=f.dim, channels=1)
    return training.Recipe(
        name="mnist", architecture="dcgan", latent_dim=128,
        generator_kwargs=dict(kwargs, normalization="batch"),
        critic_kwargs=dict(kwargs, gradient_penalty=True, normalization="none"),
        real_data=digits, synthetic_data=synthetic, optimizers=optimizers,
        smoke_overrides={"generator": {"dim": 8}, "critic": {"dim": 8}}, extra_callbacks=monitoring)


def run():
    f = training.flag_values(FLAGS)
    return training.train(recipe(f), f, exporter=export_run)


if __name__ == "__main__":
    app.run(training.main(run))
