"""LSUN bedrooms 64×64 and the §5.2 architecture study (Gulrajani et al. 2017, Figure 3).

    python -m recipes.lsun_bedrooms --logdir runs/lsun --architecture good --method wgan_gp
    python -m recipes.lsun_bedrooms --logdir runs/lsun_grid --all    # every architecture × method

Architectures (``tfgan_gp.architectures.resnet_64``): good, dcgan, no_norm_const_filters, mlp_g,
no_norm, gated, tanh, resnet101. Methods, as in the paper:

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
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

from export.run_dir import export_run  # noqa: E402
from tfgan_gp import recipe_flags, training  # noqa: E402
from tfgan_gp.architectures import resnet_64  # noqa: E402
from tfgan_gp.data import images  # noqa: E402

METHODS = {
    "wgan_gp": dict(loss="wasserstein", penalty="gp", n_critic=5),
    "wgan_clip": dict(loss="wasserstein", penalty="clip", n_critic=5),
    "dcgan": dict(loss="non_saturating", penalty="none", n_critic=1),
    "lsgan": dict(loss="least_squares", penalty="none", n_critic=1),
}
FLAGS = flags.FLAGS
recipe_flags.define(logdir="runs/lsun_bedrooms", iterations=200_000, batch_size=64, lambda_gp=10.0)
flag = recipe_flags.define_extra
flag(flags.DEFINE_enum, "architecture", "good", "Generator/critic pair of §5.2.", enum_values=resnet_64.VARIANTS)
flag(flags.DEFINE_enum, "method", "wgan_gp", "Training method (loss, regulariser, optimiser).",
     enum_values=sorted(METHODS))
flag(flags.DEFINE_bool, "all", False, "Run every architecture × method, one run directory each.")
flag(flags.DEFINE_integer, "dim", 64, "Base filter count.", lower_bound=1)
flag(flags.DEFINE_integer, "eval_samples", 10_000, "Samples per Inception score / FID evaluation.", lower_bound=1)
flag(flags.DEFINE_string, "inception_weights", None, "Local InceptionV3 weights file (default: download ImageNet's).")

SHAPE = (64, 64, 3)


def optimizers(method):
    """The method's optimisers as ``(iterations, n_critic) -> (g, d)``."""
    def make(iterations, n_critic):
        import keras
        if method == "wgan_gp":
            return tuple(keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9) for _ in range(2))
        if method == "wgan_clip":
            return tuple(keras.optimizers.RMSprop(5e-5) for _ in range(2))
        if method == "dcgan":
            return tuple(keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(2))
        return tuple(keras.optimizers.RMSprop(1e-4) for _ in range(2))
    return make


def recipe(f, architecture, method):
    """One (architecture, method) cell of the study for the flag values ``f``."""
    load = images.recipe_loader("lsun/bedroom", f.data_dir)

    def bedrooms(split="train"):
        return load(split, image_size=64)

    smoke_dim = {"dim": 4}
    return training.Recipe(
        name=f"lsun_{architecture}_{method}", architecture="resnet_64", latent_dim=128,
        generator_kwargs=dict(variant=architecture, dim=f.dim),
        critic_kwargs=dict(variant=architecture, dim=f.dim, gradient_penalty=method == "wgan_gp"),
        real_data=bedrooms, synthetic_data=lambda: training.synthetic_images(SHAPE, 64, seed=f.seed),
        optimizers=optimizers(method), in_memory=False,
        smoke_overrides={"generator": smoke_dim, "critic": smoke_dim},
        extra_callbacks=training.image_monitoring(f, "lsun_bedroom", SHAPE, f.eval_samples, f.inception_weights,
                                                  real_images=lambda: bedrooms("validation")))


def run():
    cells = ([(a, m) for a in resnet_64.VARIANTS for m in sorted(METHODS)] if FLAGS.all
             else [(FLAGS.architecture, FLAGS.method)])
    for architecture, method in cells:
        f = training.flag_values(FLAGS, **METHODS[method])
        if FLAGS.all:
            f.logdir = os.path.join(FLAGS.logdir, f"{architecture}_{method}")
        training.train(recipe(f, architecture, method), f, exporter=export_run)


if __name__ == "__main__":
    app.run(training.main(run))
