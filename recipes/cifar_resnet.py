"""CIFAR-10 ResNet WGAN-GP (Gulrajani et al. 2017, §5.4, Table 3; architecture in Appendix F).

    python -m recipes.cifar_resnet --logdir runs/cifar [--conditional]
    python -m recipes.cifar_resnet --logdir runs/cifar_rehearsal --rehearsal   # the same, tiny and offline
    python -m recipes.cifar_resnet --logdir runs/cifar_10pc --fraction 0.1 --augment diffaugment

Paper defaults (the authors' ``gan_cifar_resnet.py``): DIM 128, batch 64, n_critic 5, λ 10,
Adam(2e-4, β₁ 0, β₂ 0.9) with the learning rate decayed linearly to 0 over 100k generator
iterations, generator updates on 2 × 64 samples (``--generator_batch_multiple``, their
``GEN_BS_MULTIPLE``), training images dequantized as ``(x + u)/128 − 1``, ``u ~ U[0, 1)`` drawn
afresh for every batch. ``--conditional`` adds conditional batch norm in G and an AC-GAN head on D
(critic weight 1.0, generator weight 0.1); ``--conditioning=projection`` replaces the AC-GAN head by a
projection critic (Miyato & Koyama 2018: ``D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩``). Reported Inception
scores (Table 3): 7.86 unsupervised, 8.42 conditional, computed with the 2015 Inception graph: pass
``--classifier_protocol ttur --inception_graph classify_image_graph_def.pb`` to score the same way
(default ``keras``: Keras' InceptionV3, not comparable with the paper).

Evaluation: Inception score, FID and KID of ``--eval_samples`` (5,000) samples every ``--eval_every``
(1,000) iterations, and of ``--final_eval_samples`` (50,000, the paper's count) at the end. The
FID/KID reference is the statistics of the 50,000 CIFAR-10 training images (the published
convention, Heusel et al. 2017). Samples are drawn with the generator's batch norm normalising each
batch of 100 by its own statistics, as the authors' code did (its batch norm always used batch
statistics); the exported generator uses the moving averages.

Data-efficient training (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training",
CIFAR-10 with 10% and 20% of the data): ``--fraction 0.1`` trains on the first 5,000 of the 50,000
training images (the first ones, as their StyleGAN2 code's ``--num-samples``; their BigGAN code drew a
seeded random subset), while the FID/KID reference stays the statistics of all 50,000 (their metrics,
too, read the full training set). ``--augment diffaugment`` applies their transforms
(``--augment_policy``, default ``color,translation,cutout``, their strongest; their BigGAN CIFAR runs used
``translation,cutout``) to reals and fakes before the critic; ``--augment ada`` adapts the probability.
Their 10% table is for BigGAN and StyleGAN2 (e.g. BigGAN FID 39.78 → 22.40 with DiffAugment): this
recipe pairs the augmentation with the paper's ResNet WGAN-GP instead, so those numbers are not its targets.
"""
from absl import flags

import tfgan_gp as tg

from . import configs, entry, image_evaluation, images, rehearsal, shared_flags, standins

SHAPE = (32, 32, 3)
SMOKE = dict(dim=8, eval_samples=64, final_eval_samples=64, reference_samples=64)
REHEARSAL = dict(dim=1)


def define_flags(flag_values):
    shared_flags.define_training_flags(flag_values, logdir="runs/cifar_resnet", iterations=100_000)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_integer("dim", 128, "Channels of the ResNet (the paper's DIM).", lower_bound=1, **fv)
    shared_flags.define_conditional_flags(flag_values, "conditional BN in G")
    flags.DEFINE_float("learning_rate", 2e-4, "Initial Adam learning rate (decays linearly to 0).", **fv)
    flags.DEFINE_integer("generator_batch_multiple", 2, "Generator updates use this many times --batch_size "
                         "samples (the authors' GEN_BS_MULTIPLE: 2; the paper's Algorithm 1: 1).", **fv)
    images.define_image_flags(flag_values)
    image_evaluation.define_evaluation_flags(flag_values)
    shared_flags.define_architecture_flag(flag_values, ["resnet_cifar"])
    flags.DEFINE_float("fraction", 1.0, "Train on the first fraction of the 50,000 training images (0.1: 5,000, "
                       "as the DiffAugment paper's data-efficient table); the FID/KID reference stays all 50,000 "
                       "training images.", **fv)
    flags.register_validator("fraction", lambda v: 0.0 < v <= 1.0, message="--fraction must lie in (0, 1]", **fv)


def recipe(args):
    """The Appendix F experiment for the flag values ``args``."""
    classes = 10 if args.conditional else None
    kwargs = dict(dim=args.dim, num_classes=classes)
    generator_kwargs, critic_kwargs = kwargs, dict(kwargs)
    if args.architecture == "mlp":
        generator_kwargs, critic_kwargs = configs.mlp_image_kwargs(args, SHAPE, num_classes=classes)
    if args.conditional:
        critic_kwargs["conditioning"] = args.conditioning
    spec = configs.gan_spec(  # Adam(2e-4, 0, 0.9) decayed to 0: the critic's over its n_critic updates per iteration
        args, architecture=args.architecture, generator_kwargs=generator_kwargs, critic_kwargs=critic_kwargs,
        latent_dim=128, num_classes=classes,
        optimizer=tg.Optimizer("adam", args.learning_rate, beta_1=0.0, beta_2=0.9, decay="linear"),
        ac_critic_weight=1.0, ac_generator_weight=0.1, generator_batch_multiple=args.generator_batch_multiple)
    load = images.image_loader("cifar10", args, image_size=32, channels=3)

    def data():
        if args.smoke:
            dataset, what = standins.synthetic_images(SHAPE, num_classes=classes, seed=args.seed), "synthetic images"
        else:  # 8-bit, dequantized per batch (Recipe)
            dataset, what = load("train", with_labels=args.conditional, uint8=True), "CIFAR-10 training images"
        return first_fraction(dataset, args.fraction, f"cifar_resnet{rehearsal.label(data=load.mock)}: {what}")

    if not args.smoke:
        label = rehearsal.label(data=load.mock, classifier=image_evaluation.offline_classifier(args))
        print(f"cifar_resnet{label}: FID/KID reference: statistics of the first {args.reference_samples:,} CIFAR-10 "
              f"training images (the published convention; CIFAR-10 has 50,000); {args.eval_samples:,} samples "
              f"per evaluation every {args.eval_every:,} iterations, {args.final_eval_samples:,} at the end, drawn "
              f"in batches of 100 normalised by their own batch statistics (as the authors' code).")
    return tg.Recipe(
        name="cifar_resnet", gan=spec, data=data, dequantize=not args.smoke,
        callbacks=image_evaluation.image_callbacks(args, "cifar10", SHAPE, batch_statistics=True,
                                                   real_images=load),
        settings=configs.settings(args))


def first_fraction(dataset, fraction, what):
    """The first ``round(fraction·N)`` (at least 1) of ``dataset``'s ``N`` examples; prints how many, of ``what``.

    The first ones, as the DiffAugment authors' StyleGAN2 code took its CIFAR subsets (``--num-samples``).
    """
    total = int(dataset.cardinality())
    if total < 0:
        raise ValueError(f"A fraction of the training data needs a dataset of known size. Received: fraction="
                         f"{fraction} of a dataset of unknown size")
    count = max(1, round(fraction * total))
    print(f"{what}: training on the first {count:,} of {total:,} (fraction {fraction:g}).")
    return dataset.take(count)


def main(argv, flag_values):
    return entry.train(recipe, shared_flags.values(flag_values, smoke=SMOKE, rehearsal=REHEARSAL))


if __name__ == "__main__":
    entry.run(define_flags, main)
