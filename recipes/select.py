"""Choose a GAN for your data: recommend candidates, train them with the same budget and seeds, rank them.

    python -m recipes.select --dataset 25gaussians --candidates wgan_gp,lsgan,ralsgan,sngan,wgan_clip --seeds 3
    python -m recipes.select --dataset cifar10 --candidates recommended --priorities quality,cost \\
        --inception_weights /path/to/inception_v3_weights_tf_dim_ordering_tf_kernels.h5
    python -m recipes.select --dataset 8gaussians --recommend_only --priorities mode_collapse,cost

The framework of arXiv 2002.08641 (architecture, loss, regularization, divergence;
:mod:`tfgan_gp.selection`). ``--candidates recommended`` takes the ``--top`` candidates that
:func:`tfgan_gp.selection.recommend` ranks best for ``--priorities`` and prints why. The
leaderboard (quality, stability, mode coverage, cost) is printed and written to ``--logdir``
as ``leaderboard.csv``, ``leaderboard.md``, ``leaderboard.png`` and ``runs.csv``, with one
TensorBoard HParams session per run (``tensorboard --logdir LOGDIR``, tab HParams).

Defaults are sized for a 2-core CPU: on toy data the MLPs have ``--width 128`` instead of
the paper's 512 (pass ``--width 512`` for the paper's), and ``--iterations 1000`` generator
iterations per run, against the paper's 100,000: enough to separate the candidates on W1,
stability and cost, too few for most of them to cover all 25 Gaussians. Every candidate
keeps its published settings (learning rate, critic steps, λ) unless ``--n_critic`` /
``--lambda_gp`` override them for all.
"""
import os

from absl import flags

import tfgan_gp as tg

from . import common

DEFAULT_CANDIDATES = "wgan_gp,lsgan,ralsgan,sngan,wgan_clip"
SMOKE = dict(iterations=20, seeds=2, width=16, dim=8, eval_samples=64, batch_size=16)


def define_flags(flag_values):
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("dataset", "25gaussians", "8gaussians, 25gaussians, swissroll; an image source (tfds name "
                        "such as mnist or cifar10, image directory, .npy/.npz); lm1b or a .txt file.", **fv)
    flags.DEFINE_string("candidates", DEFAULT_CANDIDATES, "Comma-separated catalogue names, or 'recommended'.", **fv)
    flags.DEFINE_string("priorities", "quality,stability,mode_coverage",
                        "For 'recommended' and --recommend_only: criteria in order of importance (quality, "
                        "stability, mode_coverage, gradients, convergence, cost, or a failure mode such as "
                        "mode_collapse).", **fv)
    flags.DEFINE_integer("top", 4, "How many recommended candidates to compare.", lower_bound=1, **fv)
    flags.DEFINE_bool("recommend_only", False, "Print the ranked recommendations with reasons and stop.", **fv)
    flags.DEFINE_integer("seeds", 3, "Seeds per candidate (--seed, --seed + 1, ...).", lower_bound=1, **fv)
    flags.DEFINE_integer("seed", 0, "First seed.", lower_bound=0, **fv)
    flags.DEFINE_integer("iterations", 1000, "Generator iterations per run.", lower_bound=1, **fv)
    flags.DEFINE_integer("batch_size", None, "Critic minibatch size (default: 256 on toy data as the paper, else "
                         "64).", lower_bound=1, **fv)
    flags.DEFINE_integer("n_critic", None, "Critic steps per generator step for all (default: each candidate's).",
                         lower_bound=1, **fv)
    flags.DEFINE_float("lambda_gp", None, "Penalty weight for all penalised candidates (default: each one's).",
                       lower_bound=0.0, **fv)
    flags.DEFINE_integer("width", 128, "Toy data: hidden units of the MLPs (paper: 512).", lower_bound=1, **fv)
    flags.DEFINE_integer("dim", None, "Images/text: the family's width (dim); default: the family's.",
                         lower_bound=1, **fv)
    flags.DEFINE_integer("image_size", 32, "Images: side length (32 or 64 for the DCGAN family).", lower_bound=8,
                         **fv)
    flags.DEFINE_integer("num_examples", None, "Train on a fixed random subset of this many examples.",
                         lower_bound=1, **fv)
    flags.DEFINE_integer("eval_samples", None, "Samples per evaluation (default: 2,560 toy, 1,000 images, 640 "
                         "text).", lower_bound=2, **fv)
    flags.DEFINE_string("classifier", None, "Images: a SavedModel returning (logits, pool_features) for "
                        "FID/recall (default: Keras InceptionV3).", **fv)
    flags.DEFINE_string("inception_weights", None, "Images: local InceptionV3 weights file (default: download).",
                        **fv)
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data_dir.", **fv)
    flags.DEFINE_string("logdir", "runs/select", "Where the leaderboard and the TensorBoard sessions go.", **fv)
    flags.DEFINE_enum("precision", "float32", tg.precision.NAMES, "Keras dtype policy (the comparison's default "
                      "is float32: same numerics for every candidate).", **fv)
    flags.DEFINE_bool("jit", False, "XLA-compile the training steps.", **fv)
    flags.DEFINE_bool("smoke", False, "Tiny models, 20 iterations, 2 seeds; synthetic images and a tiny "
                      "classifier for image datasets: checks the pipeline offline in seconds.", **fv)


def data_kind(dataset):
    """``toy``, ``text`` or ``images``: what kind of data ``--dataset`` names."""
    from tfgan_gp.data import toy
    from tfgan_gp.selection.problems import TEXT_SOURCES
    if dataset in toy.NAMES:
        return "toy"
    return "text" if dataset in TEXT_SOURCES or dataset.endswith(".txt") else "images"


def _candidates(args, kind):
    from tfgan_gp import selection

    if args.candidates != "recommended":
        return args.candidates
    ranked = selection.recommend(kind, args.priorities)[:args.top]
    print(f"Recommended for {kind} data, priorities {args.priorities}:")
    for recommendation in ranked:
        print(recommendation)
    print()
    return [r.candidate for r in ranked]


def main(argv, flag_values):
    del argv
    import sys

    from tfgan_gp import selection

    args = common.values(flag_values, smoke=SMOKE)
    kind = data_kind(args.dataset)
    try:
        if args.recommend_only:
            for recommendation in selection.recommend(kind, args.priorities):
                print(recommendation)
            return
        chosen = selection.candidates.parse(_candidates(args, kind), kind)
        tg.precision.set_precision(args.precision)
        problem = common.selection_problem(args, kind)
    except ValueError as err:  # bad flags: one sentence
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    model_kwargs = {"width": args.width} if kind == "toy" else ({"dim": args.dim} if args.dim else {})
    seeds = list(range(args.seed, args.seed + args.seeds))
    board = selection.compare(chosen, problem, args.iterations, seeds=seeds, logdir=args.logdir,
                              batch_size=args.batch_size, model_kwargs=model_kwargs, n_critic=args.n_critic,
                              penalty_weight=args.lambda_gp, jit_compile=args.jit)
    print(f"\nLeaderboard files: {', '.join(os.path.abspath(p) for p in board.paths.values())}")
    print(f"HParams dashboard: tensorboard --logdir {args.logdir}")


if __name__ == "__main__":
    common.run(define_flags, main)
