"""WGAN-GP on the paper's 2-D toy data (Gulrajani et al. 2017, §4 and Figure 1).

    python -m recipes.toy --logdir runs/toy [--dataset 8gaussians] [--iterations 1000]

Paper setup (gan_toy.py): G and D are MLPs with 3 hidden layers of 512 ReLU,
λ = 0.1, n_critic = 5, batch 256, Adam(1e-4, β₁ = 0.5, β₂ = 0.9). The paper
trained far longer (100k iterations); 1,000 already cover the 8 Gaussians.

Like every training recipe it writes ``run_config.json``, checkpoints every ``--eval_every``
iterations (with a value-surface picture and the modes covered, high-quality fraction and exact W1, logged
to TensorBoard and ``eval/metrics.jsonl``), resumes when re-run, and exports the generator.
The toy data are drawn afresh for every batch (as ``gan_toy.py``), so a resumed run sees new
points rather than replaying the old ones.
"""
import os

from absl import flags

import tfgan_gp as tg

from . import configs, entry, shared_flags

SMOKE = dict(iterations=2, eval_every=1, batch_size=16)
EVAL_SAMPLES = 2560
"""Generated points per evaluation (every ``--eval_every`` iterations, logged, and the printed summary)."""
ADAM = tg.Optimizer("adam", 1e-4, beta_1=0.5, beta_2=0.9)
RMSPROP = tg.Optimizer("rmsprop", 5e-5)
"""gan_toy.py's optimizers, for both networks: Adam with the gradient penalty, RMSProp with weight clipping."""


def define_flags(flag_values):
    shared_flags.define_training_flags(flag_values, logdir="runs/toy", iterations=1000, batch_size=256,
                                       penalty_weight=0.1, eval_every=100, precision="float32")
    flags.DEFINE_enum("dataset", "8gaussians", ["8gaussians", "25gaussians", "swissroll"], "Toy distribution.",
                      flag_values=flag_values)


def recipe(args):
    """The §4 toy experiment for the flag values ``args``."""
    from tfgan_gp.data import toy

    real = toy.sample(args.dataset, 512, [args.seed, -1]).numpy()
    return tg.Recipe(
        name="toy",
        gan=configs.gan_spec(args, architecture="mlp", latent_dim=2, generator_kwargs=dict(latent_dim=2, output_dim=2),
                             critic_kwargs=dict(input_dim=2), optimizer=ADAM),
        data=lambda: toy.dataset(args.dataset, seed=args.seed), in_memory=False, shuffle_buffer=None,
        callbacks=lambda gan, logdir: [
            tg.callbacks.ToyValueSurface(logdir, real),
            tg.callbacks.Evaluate(args.eval_every, EVAL_SAMPLES, evaluator=evaluator(args), log_dir=logdir,
                                  seed=args.seed + 1)],
        settings=configs.settings(args))


def evaluator(args):
    """Mode coverage, sample quality and the exact W1 against 512 real points of ``--dataset``."""
    from tfgan_gp.metrics.evaluation import ToyEvaluator

    return ToyEvaluator.for_dataset(args.dataset, num_real=512, seed=args.seed)


def summary(gan, args):
    """The :func:`evaluator`'s numbers of the trained generator, as printed lines: those of the evaluation logged
    at its last iteration (TensorBoard ``eval``, ``eval/metrics.jsonl``), on the same samples."""
    toy_evaluator = evaluator(args)
    results = toy_evaluator(lambda n, seed: gan.sample(n, seed=seed), EVAL_SAMPLES, seed=args.seed + 1)
    lines = [f"{args.dataset}, {gan.iteration} generator iterations:"]
    if toy_evaluator.centres is not None:
        lines.append(f"  modes covered:         {int(results['modes_covered'])} / {len(toy_evaluator.centres)}")
        lines.append(f"  high-quality fraction: {results['high_quality_fraction']:.3f}"
                     f"  (within {toy_evaluator.radius:.4f} of a centre)")
    lines.append(f"  exact W1 ({toy_evaluator.w1_samples} vs {toy_evaluator.w1_samples}): {results['w1']:.4f}")
    return lines


def main(argv, flag_values):
    args = shared_flags.values(flag_values, smoke=SMOKE)
    gan = entry.train(recipe, args)
    print("\n" + "\n".join(summary(gan, args)))
    pictures = sorted(name for name in os.listdir(args.logdir) if name.startswith("value_surface_")) \
        if tg.distribute.is_chief() else []  # (the chief draws them)
    if pictures:
        print(f"Samples over the critic's value surface: {os.path.abspath(os.path.join(args.logdir, pictures[-1]))}")
    return gan


if __name__ == "__main__":
    entry.run(define_flags, main)
