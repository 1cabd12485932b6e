"""LSUN bedrooms 64×64 and the §5.2 architecture study (Gulrajani et al. 2017, Figure 2).

    python -m recipes.lsun_bedrooms --logdir runs/lsun --architecture good --method wgan_gp
    python -m recipes.lsun_bedrooms --logdir runs/lsun_grid --all    # every architecture × method

Architectures (``tfgan_gp.architectures.resnet_64``): good, dcgan, no_norm_const_filters, mlp_g,
no_norm, gated, tanh, resnet101; and ``mlp``, fully connected G and D (not part of ``--all``). Methods, as in the paper:

=============  ==================================  =========================  ========  ==============
method         loss                                regulariser                n_critic  optimiser
=============  ==================================  =========================  ========  ==============
``wgan_gp``    Wasserstein                         gradient penalty, λ 10     5         Adam(1e-4, 0.5, 0.9)
``wgan_clip``  Wasserstein                         weight clipping, c 0.01    5         RMSProp(5e-5)
``dcgan``      non-saturating (minimax critic)     none                       1         Adam(2e-4, 0.5, 0.999)
``lsgan``      least squares                       none                       1         RMSProp(1e-4)
=============  ==================================  =========================  ========  ==============

The critic uses layer norm where it normalizes under ``wgan_gp`` and batch norm for the
other methods. ``--loss``/``--penalty``/``--n_critic`` passed explicitly override the method's.
With ``--all`` each run writes to ``LOGDIR/<architecture>_<method>``.

Evaluation (the paper shows samples only): Inception score, FID and KID of ``--eval_samples``
(5,000) samples every ``--eval_every`` iterations and of ``--final_eval_samples`` (50,000) at the
end, against the first ``--reference_samples`` (50,000) training images (the validation split
holds 300, too few for a 2,048-dimensional covariance). Samples are drawn with batch statistics in
G's batch norm, as the authors' ``gan_64x64.py`` did.
"""
import os

from absl import flags

import tfgan_gp as tg
from tfgan_gp.architectures import resnet_64

from . import configs, entry, image_evaluation, images, shared_flags, standins

METHODS = {
    "wgan_gp": dict(loss="wasserstein", penalty="gp", n_critic=5),
    "wgan_clip": dict(loss="wasserstein", penalty="clip", n_critic=5),
    "dcgan": dict(loss="non_saturating", penalty="none", n_critic=1),
    "lsgan": dict(loss="least_squares", penalty="none", n_critic=1),
}
OPTIMIZERS = {"wgan_gp": tg.Optimizer("adam", 1e-4, beta_1=0.5, beta_2=0.9),
              "wgan_clip": tg.Optimizer("rmsprop", 5e-5),
              "dcgan": tg.Optimizer("adam", 2e-4, beta_1=0.5, beta_2=0.999),
              "lsgan": tg.Optimizer("rmsprop", 1e-4)}
"""Each method's optimizer, for both networks."""
SHAPE = (64, 64, 3)
SMOKE = dict(dim=4, eval_samples=64, final_eval_samples=64, reference_samples=64)
REHEARSAL = dict(dim=1)  # resnet101 needs a multiple of 4: see main


def define_flags(flag_values):
    shared_flags.define_training_flags(flag_values, logdir="runs/lsun_bedrooms", iterations=200_000)
    fv = dict(flag_values=flag_values)
    shared_flags.define_architecture_flag(flag_values, resnet_64.VARIANTS, "Generator/critic pair of §5.2, or mlp: "
                                          "fully connected G and D over the flattened images (4 hidden layers of "
                                          "8·dim).")
    flags.DEFINE_enum("method", "wgan_gp", sorted(METHODS), "Training method (loss, regulariser, optimiser).", **fv)
    flags.DEFINE_bool("all", False, "Run every architecture × method, one run directory each.", **fv)
    flags.DEFINE_integer("dim", 64, "Base filter count.", lower_bound=1, **fv)
    images.define_image_flags(flag_values)
    image_evaluation.define_evaluation_flags(flag_values)


def recipe(args, architecture, method):
    """One (architecture, method) cell of the study for the flag values ``args``."""
    generator_kwargs = dict(variant=architecture, dim=args.dim)
    critic_kwargs = dict(variant=architecture, dim=args.dim, gradient_penalty=method == "wgan_gp")
    if architecture == "mlp":
        generator_kwargs, critic_kwargs = configs.mlp_image_kwargs(args, SHAPE, gradient_penalty=method == "wgan_gp")
    spec = configs.gan_spec(args, architecture="mlp" if architecture == "mlp" else "resnet_64", latent_dim=128,
                            generator_kwargs=generator_kwargs, critic_kwargs=critic_kwargs,
                            optimizer=OPTIMIZERS[method])
    load = images.image_loader("lsun/bedroom", args, image_size=64, channels=3)

    def data():
        return standins.synthetic_images(SHAPE, 64, seed=args.seed) if args.smoke else load("train")

    return tg.Recipe(
        name=f"lsun_{architecture}_{method}", gan=spec, data=data, in_memory=False,
        callbacks=image_evaluation.image_callbacks(args, "lsun_bedroom", SHAPE, batch_statistics=True,
                                                   real_images=load),
        settings=configs.settings(args))


def main(argv, flag_values):
    cells = ([(a, m) for a in resnet_64.VARIANTS for m in sorted(METHODS)] if flag_values.all
             else [(flag_values.architecture, flag_values.method)])
    for architecture, method in cells:
        rehearsal = dict(REHEARSAL, dim=4) if architecture == "resnet101" else REHEARSAL
        args = shared_flags.values(flag_values, smoke=SMOKE, rehearsal=rehearsal, **METHODS[method])
        logdir = os.path.join(args.logdir, f"{architecture}_{method}") if args.all else args.logdir
        entry.train(lambda a: recipe(a, architecture, method), args, logdir=logdir)


if __name__ == "__main__":
    entry.run(define_flags, main)
