"""Choose a GAN for your data: recommend candidates, train them with the same budget and seeds, rank them, report.

    python -m recipes.select --dataset 25gaussians --candidates wgan_gp,lsgan,ralsgan,sngan,wgan_clip --seeds 3
    python -m recipes.select --dataset 25gaussians --candidates all --budget 60000 --seeds 3
    python -m recipes.select --dataset cifar10 --candidates recommended --priorities quality,cost \\
        --inception_weights /path/to/inception_v3_weights_tf_dim_ordering_tf_kernels.h5
    python -m recipes.select --dataset 8gaussians --recommend_only --priorities mode_collapse,cost
    python -m recipes.select --dataset fashion_mnist --candidates wgan_gp,wgan_clip,sngan,lsgan,nsgan,dragan \
        --budget 9000 --seeds 2 --dim 32 --precision auto        # real images on 2 CPU cores, offline

The framework of arXiv 2002.08641 (architecture, loss, regularization, divergence;
:mod:`tfgan_gp.selection`). ``--candidates all`` is the whole catalogue (less what the data's
problem cannot build); ``--candidates recommended`` takes the ``--top`` candidates that
:func:`tfgan_gp.selection.recommend` ranks best for ``--priorities`` and prints why. The
leaderboard (quality, stability, mode coverage, cost) is printed and written to ``--logdir``
as ``leaderboard.csv``, ``leaderboard.md``, ``leaderboard.png`` and ``runs.csv``, with one
TensorBoard HParams session per run (``tensorboard --logdir LOGDIR``, tab HParams), and next
to it the one-page report ``report.md`` + ``report.png``: the verdict (which candidate to use
and why, weighing the measurements by ``--priorities``; differences inside the measured noise are
ties) and the four questions answered for your data, with the evidence and the framework's
findings (:class:`tfgan_gp.selection.Report`). Only a candidate that reaches the data's minimum
(a quality better than samples drawn from the data's own simple statistics, and some mode
coverage) can be the verdict; when none does, the report and the last lines printed say so, what
each candidate missed, and what budget to try.

Budget: ``--iterations N`` trains every candidate N generator iterations per seed;
``--budget B`` instead spends B generator iterations *in total* (summed over all candidates
and seeds; each candidate's critic steps come on top, at its own ``n_critic``) by successive
halving: ⌈log₂ n⌉ rounds of ⌊B / rounds⌋ iterations, shared equally by the candidates still in
and their seeds; after each round but the last only the better half (by the leaderboard's
ranking) goes on. Every candidate sees the same seeds and data; the leaderboard marks the
stopped ones.

Defaults are sized for a 2-core CPU: on toy data the MLPs have ``--width 128`` instead of
the paper's 512 (pass ``--width 512`` for the paper's), and ``--iterations 1000`` generator
iterations per run, against the paper's 100,000: enough to separate the candidates on W1,
stability and cost, too few for most of them to cover all 25 Gaussians (the report then gives no
verdict and suggests a budget). Every candidate
keeps its published settings (learning rate, critic steps, λ) unless ``--n_critic`` /
``--penalty_weight`` (alias ``--lambda_gp``) override them for all. ``--run_dirs`` (with ``--iterations``)
keeps every run's checkpoints in ``LOGDIR/runs/<candidate>/seed_<k>``, so an interrupted comparison resumes.
"""
import os

from absl import flags

import tfgan_gp as tg

from . import entry, problems, shared_flags

DEFAULT_CANDIDATES = "wgan_gp,lsgan,ralsgan,sngan,wgan_clip"
SMOKE = dict(iterations=20, seeds=2, width=16, dim=8, eval_samples=64, batch_size=16)


def define_flags(flag_values):
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("dataset", "25gaussians", "8gaussians, 25gaussians, swissroll; an image source (tfds name "
                        "such as mnist or cifar10, image directory, .npy/.npz); lm1b or a .txt file.", **fv)
    flags.DEFINE_string("candidates", DEFAULT_CANDIDATES, "Comma-separated catalogue names, 'all' (the whole "
                        "catalogue) or 'recommended'.", **fv)
    flags.DEFINE_string("priorities", "quality,stability,mode_coverage",
                        "For 'recommended' and --recommend_only: criteria in order of importance (quality, "
                        "stability, mode_coverage, gradients, convergence, cost, or a failure mode such as "
                        "mode_collapse).", **fv)
    flags.DEFINE_integer("top", 4, "How many recommended candidates to compare.", lower_bound=1, **fv)
    flags.DEFINE_bool("recommend_only", False, "Print the ranked recommendations with reasons and stop.", **fv)
    flags.DEFINE_integer("seeds", 3, "Seeds per candidate (--seed, --seed + 1, ...).", lower_bound=1, **fv)
    flags.DEFINE_integer("seed", 0, "First seed.", lower_bound=0, **fv)
    flags.DEFINE_integer("iterations", 1000, "Generator iterations per run (unless --budget).", lower_bound=1, **fv)
    flags.DEFINE_integer("budget", None, "Generator iterations in total, summed over every candidate and seed, spent "
                         "by successive halving (stops the worse half after each round); replaces --iterations.",
                         lower_bound=1, **fv)
    flags.DEFINE_bool("report", True, "Write report.md and report.png (the verdict and the four questions) in "
                      "--logdir.", **fv)
    flags.DEFINE_integer("batch_size", None, "Critic minibatch size (default: 256 on toy data as the paper, else "
                         "64).", lower_bound=1, **fv)
    flags.DEFINE_integer("n_critic", None, "Critic steps per generator step for all (default: each candidate's).",
                         lower_bound=1, **fv)
    flags.DEFINE_float("penalty_weight", None, "Penalty weight for all penalised candidates (default: each "
                       "one's).", lower_bound=0.0, **fv)
    flags.DEFINE_alias("lambda_gp", "penalty_weight", **fv)
    flags.DEFINE_integer("width", 128, "Toy data: hidden units of the MLPs (paper: 512).", lower_bound=1, **fv)
    flags.DEFINE_integer("dim", None, "Images/text: the family's width (dim); default: the family's.",
                         lower_bound=1, **fv)
    flags.DEFINE_integer("image_size", 32, "Images: side length (32 or 64 for the DCGAN family).", lower_bound=8,
                         **fv)
    flags.DEFINE_integer("num_examples", None, "Train on a fixed random subset of this many examples (the "
                         "recommendations favour augmentation below 20,000 images).", lower_bound=1, **fv)
    flags.DEFINE_integer("eval_samples", None, "Samples per evaluation (default: 2,560 toy, 1,000 images, 640 "
                         "text).", lower_bound=2, **fv)
    problems.define_classifier_flags(flag_values)
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data_dir.", **fv)
    flags.DEFINE_string("logdir", "runs/select", "Where the leaderboard and the TensorBoard sessions go.", **fv)
    flags.DEFINE_bool("run_dirs", False, "Train every run in its own run directory LOGDIR/runs/<candidate>/seed_<k> "
                      "(run record, checkpoints, TensorBoard scalars); the same command again resumes them. Not with "
                      "--budget.", **fv)
    flags.DEFINE_enum("precision", "float32", tg.precision.NAMES, "Keras dtype policy (the comparison's default "
                      "is float32: same numerics for every candidate).", **fv)
    flags.DEFINE_bool("jit", False, "XLA-compile the training steps.", **fv)
    flags.DEFINE_enum("distribute", "none", tg.distribute.STRATEGIES, "tf.distribute strategy of every run: none, "
                      "mirrored or multi_worker (the same command on every worker, each with its TF_CONFIG; the "
                      "chief writes --logdir).", **fv)
    flags.DEFINE_integer("logical_cpus", 0, "Split this machine's CPU into this many logical devices (with "
                         "--distribute mirrored and no GPU: that many replicas).", **fv)
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
    ranked = selection.recommend(kind, args.priorities, num_images=args.num_examples)[:args.top]
    print(f"Recommended for {kind} data, priorities {args.priorities}:")
    for recommendation in ranked:
        print(recommendation)
    print()
    return [r.candidate for r in ranked]


def main(argv, flag_values):
    del argv
    import sys

    from tfgan_gp import selection

    args = shared_flags.values(flag_values, smoke=SMOKE)
    kind = data_kind(args.dataset)
    try:
        if args.recommend_only:
            for recommendation in selection.recommend(kind, args.priorities, num_images=args.num_examples):
                print(recommendation)
            return
        requested = _candidates(args, kind)
        tg.precision.set_precision(args.precision)
        problem = problems.selection_problem(args, kind, num_examples=args.num_examples)
        chosen = selection.candidates.parse(requested, kind, supports=lambda c: problem.supports(
            c.gan.architecture or problem.architecture))
    except ValueError as err:  # bad flags: one sentence
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    if args.budget is not None and flag_values["iterations"].present:
        print(f"error: --budget (in total, successive halving) replaces --iterations (per run): give one. "
              f"Received: --budget={args.budget}, --iterations={args.iterations}", file=sys.stderr)
        sys.exit(1)
    model_kwargs = _model_kwargs(args, kind)
    seeds = list(range(args.seed, args.seed + args.seeds))
    try:
        board = selection.compare(chosen, problem, None if args.budget else args.iterations, seeds=seeds,
                                  logdir=args.logdir, batch_size=args.batch_size, model_kwargs=model_kwargs,
                                  n_critic=args.n_critic, penalty_weight=args.penalty_weight, jit_compile=args.jit,
                                  budget=args.budget, run_dirs=args.run_dirs, distribute=args.distribute)
    except ValueError as err:  # e.g. a budget too small for the candidates: one sentence
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    if not tg.distribute.is_chief():  # (the chief writes the leaderboard and the report)
        return board
    print(f"\nLeaderboard files: {', '.join(os.path.abspath(p) for p in board.paths.values())}")
    print(f"HParams dashboard: tensorboard --logdir {args.logdir}")
    if args.report:
        report = selection.Report(board, args.priorities)
        paths = report.write(args.logdir)
        print(f"\nReport: {', '.join(os.path.abspath(p) for p in paths.values())}\n")
        print("\n".join(report.verdict_lines()))
    return board


def _model_kwargs(args, kind):
    """Builder arguments per family: ``--width`` for the toy MLPs, ``--dim`` for the image and text families (the
    fully connected GAN on images gets width ``8·dim``, as the §5.2 MLP generator)."""
    if kind == "toy":
        return {"mlp": {"width": args.width}}
    if not args.dim:
        return {}
    return {"dcgan": {"dim": args.dim}, "resnet_cifar": {"dim": args.dim}, "resnet_64": {"dim": args.dim},
            "char_cnn": {"dim": args.dim}, "mlp": {"width": 8 * args.dim}}


if __name__ == "__main__":
    entry.run(define_flags, main)
