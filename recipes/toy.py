"""WGAN-GP on the paper's 2-D toy data (Gulrajani et al. 2017, §4 and Figure 1).

    python -m recipes.toy --logdir runs/toy [--dataset 8gaussians] [--iterations 1000]

Paper setup (gan_toy.py): G and D are MLPs with 3 hidden layers of 512 ReLU,
λ = 0.1, n_critic = 5, batch 256, Adam(1e-4, β₁ = 0.5, β₂ = 0.9). The paper
trained far longer (100k iterations); 1,000 already cover the 8 Gaussians.

Like every training recipe it writes ``run_config.json``, checkpoints every ``--eval_every``
iterations (with a value-surface picture), resumes when re-run, and exports the generator.
The toy data are drawn afresh for every batch (as ``gan_toy.py``), so a resumed run sees new
points rather than replaying the old ones.
"""
import os

from absl import flags

import tfgan_gp as tg

from . import common

SMOKE = dict(iterations=2, eval_every=1, batch_size=16)


def define_flags(flag_values):
    common.define_shared_flags(flag_values, logdir="runs/toy", iterations=1000, batch_size=256, lambda_gp=0.1,
                               eval_every=100, precision="float32")
    flags.DEFINE_enum("dataset", "8gaussians", ["8gaussians", "25gaussians", "swissroll"], "Toy distribution.",
                      flag_values=flag_values)


def recipe(args):
    """The §4 toy experiment for the flag values ``args``."""
    import keras

    from tfgan_gp.data import toy

    real = toy.sample(args.dataset, 512, [args.seed, -1]).numpy()

    def optimizers(iterations, n_critic):
        return (keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))

    return tg.Recipe(
        name="toy", architecture="mlp", latent_dim=2,
        generator_kwargs=dict(latent_dim=2, output_dim=2), critic_kwargs=dict(input_dim=2),
        data=lambda: toy.dataset(args.dataset, seed=args.seed), in_memory=False, shuffle_buffer=None,
        optimizers=optimizers,
        callbacks=lambda gan, logdir: [tg.callbacks.ToyValueSurface(logdir, real)],
        config=common.run_config_extras(args))


def summary(gan, args):
    """Mode coverage, sample quality and the exact W1 of the trained generator, as printed lines."""
    from tfgan_gp.data import toy
    from tfgan_gp.metrics import high_quality_fraction, modes_covered, wasserstein_1

    real = toy.sample(args.dataset, 512, [args.seed, -1]).numpy()
    fake = gan.sample(512, seed=args.seed + 1).numpy()
    lines = [f"{args.dataset}, {gan.iteration} generator iterations:"]
    centres = toy.centres(args.dataset)
    if centres is not None:
        radius = 0.1 / toy.scale(args.dataset)
        many = gan.sample(2560, seed=args.seed + 2).numpy()
        lines.append(f"  modes covered:         {modes_covered(many, centres, radius)} / {len(centres)}")
        lines.append(f"  high-quality fraction: {high_quality_fraction(many, centres, radius):.3f}"
                     f"  (within {radius:.4f} of a centre)")
    lines.append(f"  exact W1 (512 vs 512): {wasserstein_1(fake, real):.4f}")
    return lines


def main(argv, flag_values):
    args = common.values(flag_values, smoke=SMOKE)
    gan = tg.train(recipe(args), common.train_config(args))
    pictures = sorted(name for name in os.listdir(args.logdir) if name.startswith("value_surface_"))
    print("\n" + "\n".join(summary(gan, args)))
    if pictures:
        print(f"\nSamples over the critic's value surface: {os.path.abspath(os.path.join(args.logdir, pictures[-1]))}")
    common.print_outputs(args.logdir)


if __name__ == "__main__":
    common.run(define_flags, main)
