"""Fashion-MNIST on a CPU: recognisable clothing from a WGAN-GP on 2 cores, scored offline by a domain classifier.

    apt-get install dataset-fashion-mnist                      # the IDX files, offline (Debian)
    python -m recipes.fashion_mnist --logdir runs/fashion      # the CPU default (about 30 minutes on 2 cores)
    python -m recipes.fashion_mnist --logdir runs/fashion_c --conditional
    python -m recipes.fashion_mnist --logdir runs/fashion_paper --paper

Data: ``--data_dir`` (default: Debian's ``/usr/share/datasets/fashion-mnist`` when it is there, else
tensorflow-datasets' ``fashion_mnist``), 28×28 resized to the 32×32 of the package's DCGAN, 8-bit pixels
dequantized per batch. Evaluation (``--classifier_protocol domain``): every ``--eval_every`` iterations
FID/KID/precision/recall/density/coverage in the features of a small classifier trained once on the
training split (cached), its Inception score and the share of samples per class (``classes_covered``), each
beside its floor, the same measure between the real test and training splits. A grid of samples (one
column per class under ``--conditional``) goes to TensorBoard and ``samples_<iteration>.png``.

The default is the configuration measured best at equal time on 2 AVX-512 cores (BUILD.md, "Fashion-MNIST"):
the authors' MNIST model (``gan_mnist.py``: DCGAN G and D without batch norm, WGAN-GP, λ 10, n_critic 5,
Adam β = (0.5, 0.9)) at width ``--dim 32`` instead of 64 and batch 64 instead of 50, with Adam α = 2e-4 instead of
1e-4 and ``--precision auto`` (bfloat16 where the CPU has it natively: 0.125 s per generator iteration there, 1.55×
faster than float32), for 12,000 generator iterations instead of 200,000: about 30 minutes in all. ``--paper`` restores ``gan_mnist.py``'s settings (DIM 64, batch 50, α = 1e-4, 200,000
iterations, float32) for flags not given. Deviations from ``gan_mnist.py`` kept in both: 32×32 images and a
tanh output on [-1, 1] (theirs: G's 32×32 output cropped to 28×28, sigmoid on [0, 1]).
"""
from absl import flags

import tfgan_gp as tg

from . import configs, entry, image_evaluation, images, shared_flags, standins

SHAPE = (32, 32, 1)
CPU_DEFAULT = dict(dim=32, batch_size=64, learning_rate=2e-4, iterations=12_000, eval_every=500, precision="auto")
PAPER = dict(dim=64, batch_size=50, learning_rate=1e-4, iterations=200_000, eval_every=1_000, precision="float32")
"""``--paper``: ``gan_mnist.py``'s settings (its DIM, BATCH_SIZE, Adam α, ITERS), for the flags not given."""
SMOKE = dict(dim=8, eval_samples=64, final_eval_samples=64, reference_samples=64)
REHEARSAL = dict(dim=2)


def define_flags(flag_values):
    shared_flags.define_training_flags(flag_values, logdir="runs/fashion_mnist", **CPU_DEFAULT)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_integer("dim", CPU_DEFAULT["dim"], "Base filter count (gan_mnist.py's DIM: 64).", lower_bound=1,
                         **fv)
    flags.DEFINE_float("learning_rate", CPU_DEFAULT["learning_rate"], "Adam learning rate of both networks "
                       "(gan_mnist.py: 1e-4).", lower_bound=0.0, **fv)
    flags.DEFINE_bool("paper", False, "gan_mnist.py's settings (DIM 64, batch 50, Adam 1e-4, 200,000 iterations, "
                      "float32) for every flag not given.", **fv)
    shared_flags.define_conditional_flags(flag_values, "labels one-hot beside z in G")
    images.define_image_flags(flag_values)
    image_evaluation.define_evaluation_flags(flag_values, eval_samples=10_000, final_eval_samples=10_000,
                                             reference_samples=60_000, protocol="domain")
    shared_flags.define_architecture_flag(flag_values, ["dcgan"])


def recipe(args):
    """A Fashion-MNIST WGAN-GP for the flag values ``args``."""
    classes = 10 if args.conditional else None
    args.data_dir = images.local_copy("fashion_mnist", args.data_dir)
    load = images.image_loader("fashion_mnist", args, image_size=SHAPE[0], channels=SHAPE[-1])
    kwargs = dict(image_size=SHAPE[0], dim=args.dim, channels=SHAPE[-1], num_classes=classes)
    generator_kwargs = dict(kwargs, normalization="none")  # gan_mnist.py's WGAN-GP: no batch norm anywhere
    critic_kwargs = dict(kwargs, normalization="none", gradient_penalty=True)
    if args.architecture == "mlp":
        generator_kwargs, critic_kwargs = configs.mlp_image_kwargs(args, SHAPE, num_classes=classes)
    if args.conditional:
        critic_kwargs["conditioning"] = args.conditioning
    spec = configs.gan_spec(args, architecture=args.architecture, latent_dim=128, num_classes=classes,
                            generator_kwargs=generator_kwargs, critic_kwargs=critic_kwargs,
                            optimizer=tg.Optimizer("adam", args.learning_rate, beta_1=0.5, beta_2=0.9))

    def data():
        if args.smoke:
            return standins.synthetic_images(SHAPE, num_classes=classes, seed=args.seed)
        return load("train", with_labels=args.conditional, uint8=True)

    callbacks = image_evaluation.image_callbacks(args, "fashion_mnist", SHAPE, real_images=load, grid_samples=100)
    return tg.Recipe(name="fashion_mnist", gan=spec, data=data, dequantize=not args.smoke, callbacks=callbacks,
                     settings=configs.settings(args))


def main(argv, flag_values):
    paper = PAPER if flag_values["paper"].value else {}
    return entry.train(recipe, shared_flags.values(flag_values, smoke=SMOKE, rehearsal=REHEARSAL, **paper))


if __name__ == "__main__":
    entry.run(define_flags, main)
