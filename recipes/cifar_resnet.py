"""CIFAR-10 ResNet WGAN-GP (Gulrajani et al. 2017, §5.3 and Appendix F).

    python -m recipes.cifar_resnet --logdir runs/cifar [--conditional]

Paper defaults: DIM 128, batch 64, n_critic 5, λ 10, Adam(2e-4, β₁ 0, β₂ 0.9) with the
learning rate decayed linearly to 0 over 100k generator iterations. ``--conditional``
adds conditional batch norm in G and an AC-GAN head on D (critic weight 1.0, generator
weight 0.1). Reported Inception scores: 7.86 unsupervised, 8.42 conditional.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

from export.run_dir import export_run  # noqa: E402
from tfgan_gp import recipe_flags, training  # noqa: E402
from tfgan_gp.data import images  # noqa: E402

FLAGS = flags.FLAGS
recipe_flags.define(logdir="runs/cifar_resnet", iterations=100_000, batch_size=64, n_critic=5, lambda_gp=10.0)
flag = recipe_flags.define_extra
flag(flags.DEFINE_integer, "dim", 128, "Channels of the ResNet (the paper's DIM).", lower_bound=1)
flag(flags.DEFINE_bool, "conditional", False, "Class-conditional model: conditional BN in G, AC-GAN head on D.")
flag(flags.DEFINE_float, "learning_rate", 2e-4, "Initial Adam learning rate (decays linearly to 0).", lower_bound=0.0)
flag(flags.DEFINE_integer, "eval_samples", 50_000, "Samples per Inception score / FID evaluation.", lower_bound=1)
flag(flags.DEFINE_string, "inception_weights", None, "Local InceptionV3 weights file (default: download ImageNet's).")

SHAPE = (32, 32, 3)


def recipe(f):
    """The Appendix F experiment for the flag values ``f``."""
    classes = 10 if f.conditional else None
    kwargs = dict(dim=f.dim, num_classes=classes)

    load = images.recipe_loader("cifar10", f.data_dir)

    def real(split="train"):
        return load(split, with_labels=f.conditional)

    def optimizers(iterations, n_critic):
        import keras
        adam = lambda updates: keras.optimizers.Adam(  # noqa: E731
            training.linear_decay(f.learning_rate, iterations, updates), beta_1=0.0, beta_2=0.9)
        return adam(1), adam(n_critic)

    return training.Recipe(
        name="cifar_resnet", architecture="resnet_cifar", generator_kwargs=kwargs, critic_kwargs=kwargs,
        latent_dim=128, real_data=real,
        synthetic_data=lambda: training.synthetic_images(SHAPE, num_classes=classes, seed=f.seed),
        optimizers=optimizers, num_classes=classes,
        gan_kwargs=dict(ac_critic_weight=1.0, ac_generator_weight=0.1),
        smoke_overrides={"generator": {"dim": 8}, "critic": {"dim": 8}},
        extra_callbacks=training.image_monitoring(f, "cifar10", SHAPE, f.eval_samples, f.inception_weights,
                                                  real_images=lambda: real("test")))


def run():
    f = training.flag_values(FLAGS)
    return training.train(recipe(f), f, exporter=export_run)


if __name__ == "__main__":
    app.run(training.main(run))
