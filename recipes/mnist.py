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

This is the shortest training recipe: copy it to start a new one (see :mod:`recipes.common`).
"""
from absl import flags

import tfgan_gp as tg

from . import common

SHAPE = (32, 32, 1)
SMOKE = dict(dim=8)


def define_flags(flag_values):
    common.define_shared_flags(flag_values, logdir="runs/mnist", iterations=200_000, batch_size=50)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_integer("num_train", 1000, "Training digits (a fixed random subset); 0 = all 60,000.",
                         lower_bound=0, **fv)
    flags.DEFINE_integer("dim", 64, "Base filter count (the authors' DIM).", lower_bound=1, **fv)
    flags.DEFINE_integer("heldout_examples", 1000, "Held-out digits the critic loss is measured on.",
                         lower_bound=1, **fv)
    common.define_image_flags(flag_values)
    common.define_architecture_flag(flag_values, ["dcgan"])


def recipe(args):
    """The §5.6 experiment for the flag values ``args``."""
    subset = args.num_train or None
    load = common.image_loader("mnist", args, image_size=32, channels=1)

    def digits(heldout=False):
        if args.smoke:
            return common.synthetic_images(SHAPE, num_examples=64, seed=args.seed + int(heldout))
        if heldout and subset is None:  # no complement of all digits: the test split
            return load("test")
        return load(num_examples=subset, heldout=heldout, seed=args.seed)

    def optimizers(iterations, n_critic):
        import keras
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))

    def callbacks(gan, logdir):
        return [tg.callbacks.Samples(logdir),
                tg.callbacks.CriticLossCurves(logdir, train=digits(), heldout=digits(heldout=True),
                                              num_examples=args.heldout_examples, batch_size=args.batch_size)]

    kwargs = dict(image_size=32, dim=args.dim, channels=1)
    generator_kwargs, critic_kwargs = (dict(kwargs, normalization="batch"),
                                       dict(kwargs, gradient_penalty=True, normalization="none"))
    if args.architecture == "mlp":
        generator_kwargs, critic_kwargs = common.mlp_image_kwargs(args, SHAPE)
    return tg.Recipe(
        name="mnist", architecture=args.architecture, latent_dim=128,
        generator_kwargs=generator_kwargs, critic_kwargs=critic_kwargs,
        data=digits, optimizers=optimizers, callbacks=callbacks, config=common.run_config_extras(args))


def main(argv, flag_values):
    args = common.values(flag_values, smoke=SMOKE)
    gan = tg.train(recipe(args), common.train_config(args))
    common.print_outputs(args.logdir)
    return gan


if __name__ == "__main__":
    common.run(define_flags, main)
