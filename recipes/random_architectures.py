"""Robustness to architecture (Gulrajani et al. 2017, §5.1, Tables 1-2): random G/D pairs, WGAN-GP vs the standard GAN.

    python -m recipes.random_architectures                      # CPU-sized: 2-D data, small MLPs, short runs
    python -m recipes.random_architectures --dataset downsampled_imagenet/32x32 --num_architectures 200 \\
        --depths 4,8,12,20 --widths 32,64,128 --iterations 100000 --inception_weights /path/to/weights.h5

Each architecture is drawn from the paper's space (:mod:`tfgan_gp.selection.search_space`:
nonlinearity, depth, batch norm and base width, independently for G and D; layer norm
instead of batch norm in the critic for WGAN-GP) and trained once with every method of
``--methods`` (catalogue candidates; the paper's pair is ``wgan_gp`` and ``dcgan``, the
standard GAN objective with its non-saturating generator loss) from the same seed. Printed
and written to ``--logdir`` (``architectures.csv``, ``summary.md``): for every score threshold,
how many architectures each method brings above it and, for two methods, how many only one,
both or neither do — the layout of the paper's Table 2.

WGAN-GP is trained as §5.1 / Appendix B of the paper describe for this study: Adam(1e-4, β₁ = 0,
β₂ = 0.9) for both networks, and weight decay 1e-3 on critics that normalize (layer norm, where the
draw says batch norm), whose weights' scale the normalization leaves free; here it is Keras'
decoupled ``weight_decay`` of the critic's Adam. The other methods keep their catalogue settings.

Score: the Inception score on images (as the paper; any classifier via ``--classifier``); on
the 2-D Gaussian mixtures ``modes covered / modes × high-quality fraction`` in ``[0, 1]``
(both from :mod:`tfgan_gp.metrics.toy`), which is high only when samples are both on the
modes and spread over all of them.

CPU default (a deviation, for minutes instead of GPU-weeks): 8 Gaussians, MLPs with
1-4 hidden layers of 32-128 units, 10 architectures, 500 generator iterations. Short runs
favour the faster-moving methods; the paper's claim is about which runs succeed at all.
"""
import os

from absl import flags

from . import entry, problems, shared_flags

TOY_DEFAULTS = dict(depths=[1, 2, 3, 4], thresholds=[0.1, 0.3, 0.5, 0.7, 0.9])
IMAGE_DEFAULTS = dict(depths=[4, 8, 12, 20], thresholds=[1.0, 3.0, 5.0, 7.0, 9.0])
SMOKE = dict(num_architectures=3, iterations=10, widths=["8", "16"], eval_samples=64, batch_size=16)
SECTION_5_1_ADAM = dict(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)
NORMALIZED_CRITIC_WEIGHT_DECAY = 1e-3


def wgan_gp_optimizers(arch):
    """``(generator, critic)`` :class:`tfgan_gp.Optimizer` of WGAN-GP in the §5.1 study (Appendix B) for ``arch``."""
    import tfgan_gp as tg

    normalized = arch.critic_normalization(gradient_penalty=True) != "none"
    decay = NORMALIZED_CRITIC_WEIGHT_DECAY if normalized else 0.0
    return tg.Optimizer(**SECTION_5_1_ADAM), tg.Optimizer(**SECTION_5_1_ADAM, weight_decay=decay)


def candidate(method, arch, kind):
    """``method`` with the networks of ``arch``; WGAN-GP with the §5.1 optimizers, the others as catalogued."""
    drawn = arch.candidate(method, kind)
    if method.gan.loss == "wasserstein" and method.gan.penalty == "gp":
        generator, critic = wgan_gp_optimizers(arch)
        drawn = drawn.replace(optimizer=generator, critic_optimizer=critic)
    return drawn


def define_flags(flag_values):
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("dataset", "8gaussians", "8gaussians or 25gaussians (2-D), or an image source (tfds name, "
                        "directory, .npy/.npz); the paper: downsampled_imagenet/32x32.", **fv)
    flags.DEFINE_integer("num_architectures", 10, "Random architectures (the paper: 200).", lower_bound=1, **fv)
    flags.DEFINE_list("methods", ["wgan_gp", "dcgan"], "Catalogue candidates to train every architecture with.", **fv)
    flags.DEFINE_list("depths", None, "Depth choices (default: 1,2,3,4 hidden layers on 2-D data; the paper's "
                      "4,8,12,20 convolutions on images).", **fv)
    flags.DEFINE_list("widths", ["32", "64", "128"], "Base width / filter-count choices (the paper: 32,64,128).",
                      **fv)
    flags.DEFINE_list("nonlinearities", ["relu", "leaky_relu", "softplus", "tanh"], "Nonlinearity choices.", **fv)
    flags.DEFINE_list("thresholds", None, "Score thresholds (default: 0.1,0.3,0.5,0.7,0.9 on 2-D data; the "
                      "paper's Inception scores 1,3,5,7,9 on images).", **fv)
    flags.DEFINE_integer("iterations", 500, "Generator iterations per run.", lower_bound=1, **fv)
    flags.DEFINE_integer("batch_size", None, "Critic minibatch size (default: 256 on 2-D data, 64 on images).",
                         lower_bound=1, **fv)
    flags.DEFINE_integer("image_size", 32, "Images: side length.", lower_bound=8, **fv)
    flags.DEFINE_integer("eval_samples", None, "Samples per evaluation (default: 2,560 toy, 1,000 images).",
                         lower_bound=2, **fv)
    problems.define_classifier_flags(flag_values)
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data_dir.", **fv)
    flags.DEFINE_integer("seed", 0, "Seed of the architecture draws and of every run.", lower_bound=0, **fv)
    flags.DEFINE_string("logdir", "runs/random_architectures", "Where architectures.csv and summary.md go.", **fv)
    flags.DEFINE_bool("smoke", False, "3 tiny architectures, 10 iterations (synthetic images and a tiny "
                      "classifier for image datasets): checks the pipeline offline.", **fv)


def _problem(args, is_toy):
    """The selection problem of ``--dataset``, building the random families (:func:`search_space.shapes`)."""
    import dataclasses

    from tfgan_gp.selection import search_space

    problem = problems.selection_problem(args, "toy" if is_toy else "images")
    if is_toy and problem.coverage is None:
        raise ValueError(f"The 2-D score needs a Gaussian mixture (8gaussians or 25gaussians). "
                         f"Received: --dataset={args.dataset}")
    return dataclasses.replace(problem, shapes=search_space.shapes(problem))


def score(metrics, problem):
    """The success score of one run: Inception score (images) or modes/K × high-quality fraction (2-D)."""
    from tfgan_gp.data import toy as toy_data

    if not metrics:
        return float("nan")  # diverged
    if problem.kind == "images":
        return metrics["inception_score"]
    modes = len(toy_data.centres(problem.name))
    return metrics["modes_covered"] / modes * metrics["high_quality_fraction"]


def main(argv, flag_values):
    del argv
    import csv
    import dataclasses
    import sys

    import numpy as np

    from tfgan_gp import selection
    from tfgan_gp.data import toy as toy_data
    from tfgan_gp.selection import comparison, search_space

    args = shared_flags.values(flag_values, smoke=SMOKE)
    is_toy = args.dataset in toy_data.NAMES
    defaults = TOY_DEFAULTS if is_toy else IMAGE_DEFAULTS
    if args.smoke and not flag_values["depths"].present:
        args.depths = [str(d) for d in ([1, 2] if is_toy else [4, 5])]
    try:
        depths = [int(d) for d in args.depths] if args.depths else defaults["depths"]
        widths = [int(w) for w in args.widths]
        thresholds = [float(t) for t in args.thresholds] if args.thresholds else defaults["thresholds"]
        kind = "toy" if is_toy else "images"
        methods = [selection.get(m, kind) for m in args.methods]
        problem = _problem(args, is_toy)
        rng = np.random.default_rng(args.seed)
        archs = [search_space.sample(rng, args.nonlinearities, depths, widths)
                 for _ in range(args.num_architectures)]
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)

    batch_size = args.batch_size or problem.batch_size
    os.makedirs(args.logdir, exist_ok=True)
    rows, scores = [], []
    for index, arch in enumerate(archs):
        row, arch_scores = {"architecture": index, **dataclasses.asdict(arch)}, {}
        for method in methods:
            comparison.fresh_start(args.seed)
            run = comparison.Run(method.name, problem.complete(candidate(method, arch, kind).gan), problem, args.seed,
                                 args.iterations, batch_size)
            run.train(args.iterations)
            result = run.result()
            arch_scores[method.name] = score(result.metrics, problem)
            row[f"{method.name}_score"] = arch_scores[method.name]
            row[f"{method.name}_diverged"] = result.diverged
        rows.append(row)
        scores.append(arch_scores)
        print(f"[{index + 1}/{len(archs)}] {arch}: " + ", ".join(f"{m} {s:.3f}" for m, s in arch_scores.items()),
              flush=True)

    with open(os.path.join(args.logdir, "architectures.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    what = "Inception score" if problem.kind == "images" else "modes covered / modes × high-quality fraction"
    table = search_space.outcome_table(scores, [m.name for m in methods], thresholds)
    text = (f"{len(archs)} random architectures on {problem.name}, {args.iterations} generator iterations each; "
            f"score: {what}.\n\n{table}\n")
    with open(os.path.join(args.logdir, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"\n{text}\nWritten: {os.path.abspath(args.logdir)}/architectures.csv, summary.md")


if __name__ == "__main__":
    entry.run(define_flags, main)
