"""Is the generator's moving average at least as good as the raw generator? One JSON line per seed and a summary.

Trains the selection catalogue's ``wgan_gp_ema`` (WGAN-GP with an EMA of the generator's weights,
Yazıcı et al. 2019) on a toy problem of the paper (default: 8 Gaussians, the toy settings of
``gan_toy.py``: λ = 0.1, Adam(1e-4, 0.5, 0.9), 5 critic steps, batch 256; β = 0.99 on toy data) and scores
the averaged and the raw generator of the same run with the problem's own evaluation (W1 to the data, modes
covered, high-quality fraction; :func:`tfgan_gp.selection.toy_problem`)::

    python -m benchmarks.ema_vs_raw --iterations 5000 --seeds 3 [--ema_decay 0.999]
"""
import argparse
import statistics
import time

from benchmarks.common import cpu_kind, emit
from tfgan_gp import selection
from tfgan_gp.selection.comparison import Run, fresh_start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="8gaussians")
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--ema_decay", type=float, default=None, help="default: the candidate's (0.99 on toy data)")
    parser.add_argument("--width", type=int, default=128, help="hidden units of the MLPs (paper: 512)")
    parser.add_argument("--out", default=None, help="also append the JSON lines to this file")
    args = parser.parse_args()

    problem = selection.toy_problem(args.dataset)
    candidate = selection.get("wgan_gp_ema", "toy")
    candidate = candidate.replace(ema_decay=args.ema_decay) if args.ema_decay is not None else candidate
    rows = []
    for seed in range(args.seeds):
        fresh_start(seed)
        run = Run(candidate.name, problem.complete(candidate.gan, {"width": args.width}), problem, seed,
                  args.iterations, problem.batch_size)
        start = time.perf_counter()
        run.train(args.iterations)
        scores = {}
        for which in ("ema", "raw"):
            run.gan.sample_from = which
            scores[which] = problem.evaluate(run.gan, seed)
        rows.append(scores)
        emit(dict(seed=seed, dataset=args.dataset, iterations=args.iterations, ema_decay=candidate.gan.ema_decay,
                  seconds=round(time.perf_counter() - start, 1), cpu=cpu_kind(),
                  **{f"{which}_{key}": round(float(value), 4)
                     for which, values in scores.items() for key, value in values.items()}),
             args.out)
    summary = {}
    for key in rows[0]["ema"]:
        for which in ("ema", "raw"):
            summary[f"{which}_{key}_mean"] = round(statistics.fmean(float(r[which][key]) for r in rows), 4)
    summary["ema_w1_not_worse_in"] = sum(r["ema"]["w1"] <= r["raw"]["w1"] for r in rows)
    emit(dict(summary=True, dataset=args.dataset, seeds=args.seeds, iterations=args.iterations,
              ema_decay=candidate.gan.ema_decay, **summary), args.out)


if __name__ == "__main__":
    main()
