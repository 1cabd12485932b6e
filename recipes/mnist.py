"""Critic loss as an overfitting detector on MNIST (Gulrajani et al. 2017, §5.6, Figure 5b).

    python -m recipes.mnist --logdir runs/mnist_1000                          # 1,000 training digits
    python -m recipes.mnist --logdir runs/mnist_full --num_train=0            # all 60,000, for comparison
    python -m recipes.mnist --logdir runs/mnist_clip --method=wgan_clip       # Figure 5b, right: clipping

With 1,000 digits the critic's loss on held-out digits drifts away from its loss on the
training digits (the critic overfits and the curves part); with the full set they stay
together. Each evaluation logs both (TensorBoard ``critic_loss/train`` and
``critic_loss/heldout``) and ``critic_loss.png`` in ``--logdir`` plots them. The curves are the
critic's loss as the authors' code logged it, penalty included (``gan_mnist.py``'s
``disc_cost``: adversarial loss + λ·penalty), measured on the 1,000 training digits and on
``--heldout_examples`` held-out digits with fresh fakes (theirs: the last training minibatch and
the dev set).

Models, as the authors' ``gan_mnist.py``: DCGAN-style convolutional G and D, DIM 64, batch 50,
n_critic 5; ``--method=wgan_gp`` (their ``MODE = 'wgan-gp'``): no batch norm anywhere,
Adam(1e-4, 0.5, 0.9), λ 10; ``--method=wgan_clip`` (``MODE = 'wgan'``): batch norm in G and in D
after its first layer, RMSProp(5e-5), weights clipped to ±0.01. Deviation: digits are resized to
32×32 so the package's 32×32 DCGAN serves (the authors cropped G's 32×32 output to 28×28), and
G ends in tanh on [-1, 1] digits (theirs: sigmoid on [0, 1]).

This is the shortest training recipe: copy it to start a new one.
"""
from absl import flags

import tfgan_gp as tg

from . import configs, entry, images, shared_flags, standins

SHAPE = (32, 32, 1)
SMOKE = dict(dim=8)
REHEARSAL = dict(dim=4)
METHODS = {"wgan_gp": dict(loss="wasserstein", penalty="gp"), "wgan_clip": dict(loss="wasserstein", penalty="clip")}
OPTIMIZERS = {"wgan_gp": tg.Optimizer("adam", 1e-4, beta_1=0.5, beta_2=0.9),
              "wgan_clip": tg.Optimizer("rmsprop", 5e-5)}
"""gan_mnist.py's optimizer of each method, for both networks."""


def define_flags(flag_values):
    shared_flags.define_training_flags(flag_values, logdir="runs/mnist", iterations=200_000, batch_size=50)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_integer("num_train", 1000, "Training digits (a fixed random subset); 0 = all 60,000.",
                         lower_bound=0, **fv)
    flags.DEFINE_integer("dim", 64, "Base filter count (the authors' DIM).", lower_bound=1, **fv)
    flags.DEFINE_enum("method", "wgan_gp", sorted(METHODS), "wgan_gp: gradient penalty, no batch norm, Adam; "
                      "wgan_clip: weight clipping, batch norm, RMSProp (Figure 5b, left and right).", **fv)
    flags.DEFINE_integer("heldout_examples", 1000, "Held-out digits the critic loss is measured on.",
                         lower_bound=1, **fv)
    shared_flags.monitoring(flag_values, "heldout_examples")
    images.define_image_flags(flag_values)
    shared_flags.define_architecture_flag(flag_values, ["dcgan"])


def recipe(args):
    """The §5.6 experiment for the flag values ``args``."""
    subset = args.num_train or None
    load = images.image_loader("mnist", args, image_size=32, channels=1)
    clipping = args.method == "wgan_clip"

    def digits(heldout=False):
        if args.smoke:
            return standins.synthetic_images(SHAPE, num_examples=64, seed=args.seed + int(heldout))
        if heldout and subset is None:  # no complement of all digits: the test split
            return load("test")
        return load(num_examples=subset, heldout=heldout, seed=args.seed)

    def callbacks(gan, logdir):
        return [tg.callbacks.Samples(logdir),
                tg.callbacks.CriticLossCurves(logdir, train=digits(), heldout=digits(heldout=True),
                                              num_examples=args.heldout_examples, batch_size=args.batch_size,
                                              include_penalty=True)]

    kwargs = dict(image_size=32, dim=args.dim, channels=1)
    normalization = "batch" if clipping else "none"   # gan_mnist.py: batch norm only in the WGAN (clipping) mode
    generator_kwargs = dict(kwargs, normalization=normalization)
    critic_kwargs = dict(kwargs, gradient_penalty=not clipping, normalization=normalization)
    if args.architecture == "mlp":
        generator_kwargs, critic_kwargs = configs.mlp_image_kwargs(args, SHAPE, gradient_penalty=not clipping)
    spec = configs.gan_spec(args, architecture=args.architecture, latent_dim=128, generator_kwargs=generator_kwargs,
                            critic_kwargs=critic_kwargs, optimizer=OPTIMIZERS[args.method])
    return tg.Recipe(name="mnist", gan=spec, data=digits, callbacks=callbacks, settings=configs.settings(args))


def main(argv, flag_values):
    method = METHODS[flag_values["method"].value]
    return entry.train(recipe, shared_flags.values(flag_values, smoke=SMOKE, rehearsal=REHEARSAL, **method))


if __name__ == "__main__":
    entry.run(define_flags, main)
