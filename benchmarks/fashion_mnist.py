"""Fashion-MNIST benchmark, one run on one machine: step speed, quality at equal wall-clock time, the recipe's default.

    python -m benchmarks.fashion_mnist [--quick] [--minutes 10] [--out runs/benchmark_fashion_mnist]

1. **Step** (:mod:`benchmarks.fashion_mnist_step`): seconds per generator iteration of the keras.io WGAN-GP
   example, of the same two Keras models in ``tfgan_gp.GAN``, and of that architecture from the package's layers.
2. **Equal wall-clock quality**: the keras.io example (``benchmarks.keras_io_wgan_gp``, its own settings: batch
   512, 3 critic steps, Adam 2e-4) trained for ``--minutes`` on the same cores, against the recipe's default run
   at its last evaluation within the same minutes of its start. The recipe's clock starts when its process
   does and includes its data loading, tracing and evaluations; the example's counts only ``fit`` (the
   comparison is tilted against the recipe). Both are scored by the same domain classifier (trained first,
   cached, outside both clocks) on 10,000 samples against the 60,000 training images at 32×32: the example's
   28×28 samples are resized as the recipe's data is (8-bit, bilinear with antialiasing).
3. **Recipe default**: ``python -m recipes.fashion_mnist`` with its default flags, start to finish: minutes
   and its final domain FID and classes covered.

Writes ``results.jsonl`` (one JSON line per part and case) and the sample grids (``--docs``:
``fashion_mnist_<row>.png``) and prints the Markdown table of BUILD.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from benchmarks.common import REPO, cpu_kind, emit, python

DATA_DIR = "/usr/share/datasets/fashion-mnist"
IMAGE_SIZE = 32
EVAL_SAMPLES = 10_000


def domain_classifier(data_dir):
    """The recipe's domain classifier (trained once and cached: outside every clock)."""
    import tfgan_gp as tg

    return tg.metrics.protocol_classifier("domain", domain_data=data_dir, image_size=IMAGE_SIZE)


def to_recipe_size(images):
    """``(N, 28, 28, 1)`` float images in [-1, 1] → ``(N, 32, 32, 1)`` as the recipe reads real images: 8-bit, then
    the loader's resize (:func:`tfgan_gp.data.images.to_shape`)."""
    import tensorflow as tf

    from tfgan_gp.data.images import to_shape
    from tfgan_gp.metrics.preprocessing import quantize_uint8

    pixels = tf.convert_to_tensor(quantize_uint8(np.asarray(images)))
    target = (IMAGE_SIZE, IMAGE_SIZE, pixels.shape[-1])
    resized = tf.map_fn(lambda image: to_shape(image, pixels.shape[1:], target), pixels)
    return tf.cast(resized, tf.float32) / 127.5 - 1.0


def score(classifier, sample_fn):
    """Domain measures of ``EVAL_SAMPLES`` samples of ``sample_fn(n, seed)`` (the recipe's counts and reference)."""
    import tfgan_gp as tg

    evaluator = tg.metrics.ImageEvaluator(classifier, classifier.data.images("train"), num_real=60_000,
                                          floor=classifier.data.images("test"))
    return {k: float(v) for k, v in evaluator(sample_fn, EVAL_SAMPLES, 0).items()}


def save_grid(images, path):
    """A 10×10 grid of the first 100 ``images`` as a PNG."""
    import tensorflow as tf

    from tfgan_gp.callbacks.samples import image_grid

    tf.io.write_file(path, tf.io.encode_png(image_grid(np.asarray(images)[:100])))


def keras_io_case(args):
    """Part 2, the example's side (run in a child process): train for ``--minutes``, score, save its grid."""
    import tensorflow as tf

    from benchmarks import keras_io_wgan_gp as ref
    from tfgan_gp.data import idx

    classifier = domain_classifier(args.data_dir)
    images, _ = idx.load(args.data_dir, "train")
    trained = ref.train(images, seconds=60 * args.minutes)

    def sample(n, seed):
        z = tf.random.stateless_normal((n, ref.LATENT_DIM), seed=(seed, 0))
        return to_recipe_size(trained.generator(z, training=False))

    grid = os.path.join(args.docs, f"fashion_mnist_keras_io_{args.minutes:g}min.png")
    save_grid(sample(100, 1), grid)
    measures = score(classifier, sample)
    return dict(part="equal_time", case="keras_io", minutes=args.minutes, iterations=trained.iterations,
                fit_seconds=round(trained.wall_seconds, 1), grid=os.path.relpath(grid, REPO), **_summary(measures))


def _summary(measures):
    keep = ("fid", "floor/fid", "kid", "classes_covered", "inception_score", "floor/inception_score", "precision",
            "recall")
    return {k.replace("/", "_"): round(measures[k], 4) for k in keep if k in measures}


def recipe_default(args):
    """Part 3 (and part 2's recipe side): the recipe with its default flags in a child process, timed."""
    logdir = os.path.join(args.out, "recipe_default")
    shutil.rmtree(logdir, ignore_errors=True)
    cmd = [python(), "-m", "recipes.fashion_mnist", "--logdir", logdir, "--data_dir", args.data_dir]
    if args.quick:
        cmd += ["--iterations", "500", "--eval_every", "250"]
    began = time.time()
    with open(os.path.join(args.out, "recipe_default.log"), "w") as log:
        subprocess.run(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    minutes = (time.time() - began) / 60
    with open(os.path.join(logdir, "eval", "metrics.jsonl"), encoding="utf-8") as f:
        evaluations = [json.loads(line) for line in f]
    with open(os.path.join(logdir, "final_evaluation.json"), encoding="utf-8") as f:
        final = json.load(f)
    grid = os.path.join(args.docs, "fashion_mnist_recipe_default.png")
    shutil.copy(_grid_of(logdir, int(final["iteration"])), grid)
    return began, evaluations, dict(part="recipe_default", case="tfgan_gp recipe default", minutes=round(minutes, 1),
                                    iterations=int(final["iteration"]), grid=os.path.relpath(grid, REPO),
                                    command="python -m recipes.fashion_mnist", **_summary(final))


def _grid_of(logdir, iteration):
    return os.path.join(logdir, f"samples_{iteration:06d}.png")


def recipe_at(began, evaluations, args):
    """Part 2, the recipe's side: its last evaluation within ``--minutes`` of its start, and that iteration's grid."""
    within = [e for e in evaluations if e["time"] - began <= 60 * args.minutes and "fid" in e]
    if not within:
        return dict(part="equal_time", case="tfgan_gp recipe default", minutes=args.minutes,
                    error=f"no evaluation within {args.minutes:g} minutes of the start")
    last = within[-1]
    grid = os.path.join(args.docs, f"fashion_mnist_recipe_{args.minutes:g}min.png")
    shutil.copy(_grid_of(os.path.join(args.out, "recipe_default"), last["iteration"]), grid)
    return dict(part="equal_time", case="tfgan_gp recipe default", minutes=args.minutes,
                at_minutes=round((last["time"] - began) / 60, 1), iterations=last["iteration"],
                grid=os.path.relpath(grid, REPO), **_summary(last))


def table(records):
    """The Markdown table of BUILD.md."""
    rows = ["| part | case | minutes | generator iterations | s / iteration | speed-up | domain FID (floor) | "
            "classes covered | IS (floor) | grid |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        if "error" in r:
            rows.append(f"| {r.get('part')} | {r['case']} | | | | | {r['error']} | | | |")
            continue
        step = f"{r['sec_per_gen_iter']:.3f}" if "sec_per_gen_iter" in r else ""
        speedup = f"{r['speedup_vs_keras_io']:.2f}×" if "speedup_vs_keras_io" in r else ""
        fid = f"{r['fid']:.2f} ({r['floor_fid']:.3f})" if "fid" in r else ""
        inception = f"{r['inception_score']:.2f} ({r['floor_inception_score']:.2f})" if "inception_score" in r else ""
        covered = f"{r['classes_covered']:.0f} / 10" if "classes_covered" in r else ""
        minutes = r.get("at_minutes", r.get("minutes", ""))
        grid = f"[png]({r['grid']})" if "grid" in r else ""
        rows.append(f"| {r['part']} | {r['case']} | {minutes} | {r.get('iterations', '')} | {step} | {speedup} | "
                    f"{fid} | {covered} | {inception} | {grid} |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Part 1 with 2+5 iterations, part 3 with 500 "
                        "iterations: checks the benchmark end to end (numbers not for BUILD.md).")
    parser.add_argument("--minutes", type=float, default=10.0, help="Part 2's wall-clock budget per side.")
    parser.add_argument("--parts", default="step,equal_time,recipe_default", help="Comma-separated parts to run.")
    parser.add_argument("--data_dir", default=DATA_DIR, help="Fashion-MNIST IDX folder (apt-get install "
                        "dataset-fashion-mnist).")
    parser.add_argument("--out", default=os.path.join(REPO, "runs", "benchmark_fashion_mnist"))
    parser.add_argument("--docs", default=os.path.join(REPO, "docs"), help="Where the sample grids go.")
    parser.add_argument("--case", choices=["keras_io"], help=argparse.SUPPRESS)  # (the child of part 2)
    args = parser.parse_args()
    if not os.path.isdir(args.data_dir):
        sys.exit(f"error: --data_dir {args.data_dir!r} is not a folder of Fashion-MNIST IDX files: run apt-get "
                 f"install dataset-fashion-mnist, or pass the folder holding train-images-idx3-ubyte.gz.")
    if args.case == "keras_io":
        emit(keras_io_case(args))
        return
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.docs, exist_ok=True)
    out_file = os.path.join(args.out, "results.jsonl")
    parts = args.parts.split(",")
    records = []
    domain_classifier(args.data_dir)  # trained (once) before any clock starts

    def add(record):
        record.update(cpu_kind=cpu_kind(), time=time.strftime("%Y-%m-%d %H:%M"))
        emit(record, out_file)
        records.append(record)

    if "step" in parts:
        from benchmarks.fashion_mnist_step import QUICK, run_step_cases

        sizes = QUICK if args.quick else {"warmup": 2, "iterations": 10}
        for record in run_step_cases(sizes["iterations"], sizes["warmup"], data_dir=args.data_dir):
            add(dict(record, part="step"))
    if "recipe_default" in parts or "equal_time" in parts:
        began, evaluations, final = recipe_default(args)
        if "equal_time" in parts:
            child = subprocess.run([python(), "-m", "benchmarks.fashion_mnist", "--case", "keras_io", "--minutes",
                                    str(args.minutes), "--data_dir", args.data_dir, "--docs", args.docs],
                                   cwd=REPO, capture_output=True, text=True,
                                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
            lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
            add(json.loads(lines[-1]) if child.returncode == 0 and lines else dict(
                part="equal_time", case="keras_io", error="failed: " + child.stderr[-300:].replace("\n", " ")))
            add(recipe_at(began, evaluations, args))
        if "recipe_default" in parts:
            add(final)
    print()
    print(table(records))


if __name__ == "__main__":
    main()
