"""This machine's measured float32 and bfloat16 peak: a large matmul and the ResNet's 3×3 conv. One JSON line.

Each op runs in a ``tf.function`` (no XLA), best of several runs after a
warm-up (the best run is the one least disturbed by other processes on a
shared machine), repeated until ``--seconds`` of timing per case or
``--max_repeats`` runs. Cases: a ``N×N`` by ``N×N`` matmul (``--matmul``,
default 2048: 17 GFLOP) and a 3×3 "same" convolution of ``64×32×32×128`` to
128 channels (9.7 GFLOP; the CIFAR ResNet critic's first block at DIM 128).
``peak_<dtype>_gflops`` is the larger of the two: the reference point of
``fraction_of_peak`` in ``benchmarks.train_step``.
"""
import argparse
import json
import time

import tensorflow as tf

from benchmarks.common import cpu_kind

CONV_SHAPE = (64, 32, 32, 128)


def _best_gflops(fn, flops, seconds, max_repeats):
    fn().numpy()  # warm-up
    best, spent, runs = float("inf"), 0.0, 0
    while runs < 2 or (spent < seconds and runs < max_repeats):
        start = time.perf_counter()
        fn().numpy()
        elapsed = time.perf_counter() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    return round(flops / best / 1e9, 1)


def measure(matmul=2048, seconds=2.0, max_repeats=20):
    """``{"matmul_<dtype>_gflops", "conv3x3_<dtype>_gflops", "peak_<dtype>_gflops"}`` for float32, bfloat16."""
    rng = tf.random.Generator.from_seed(0)
    a = rng.normal((matmul, matmul))
    x = rng.normal(CONV_SHAPE)
    w = rng.normal((3, 3, CONV_SHAPE[-1], CONV_SHAPE[-1]))
    conv_flops = 2 * 9 * CONV_SHAPE[0] * CONV_SHAPE[1] * CONV_SHAPE[2] * CONV_SHAPE[3] ** 2
    result = {}
    for name, dtype in (("float32", tf.float32), ("bfloat16", tf.bfloat16)):
        a_, x_, w_ = (tf.cast(t, dtype) for t in (a, x, w))
        mm = _best_gflops(tf.function(lambda: tf.matmul(a_, a_), autograph=False),
                          2 * matmul ** 3, seconds, max_repeats)
        cv = _best_gflops(tf.function(lambda: tf.nn.conv2d(x_, w_, 1, "SAME"), autograph=False),
                          conv_flops, seconds, max_repeats)
        result.update({f"matmul_{name}_gflops": mm, f"conv3x3_{name}_gflops": cv,
                       f"peak_{name}_gflops": max(mm, cv)})
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--matmul", type=int, default=2048, help="side of the square matmul")
    p.add_argument("--seconds", type=float, default=2.0, help="timing budget per case")
    p.add_argument("--max_repeats", type=int, default=20)
    args = p.parse_args()
    record = {"impl": "peak", "cpu_kind": cpu_kind(), "matmul_size": args.matmul,
              "conv_shape": list(CONV_SHAPE), **measure(args.matmul, args.seconds, args.max_repeats),
              "tf": tf.__version__}
    print(json.dumps(record))


if __name__ == "__main__":
    main()
