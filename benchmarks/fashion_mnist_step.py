"""Fashion-MNIST benchmark, part 1: seconds per generator iteration of the keras.io WGAN-GP and of tfgan_gp.

    python -m benchmarks.fashion_mnist_step [--quick] [--iterations N] [--warmup N] [--out results.jsonl]

Three cases, each in its own child process, one at a time; batch 512, 3 critic updates per generator
iteration, Adam(2e-4, β₁ = 0.5, β₂ = 0.9), λ = 10, on Fashion-MNIST's training images scaled to
[-1, 1] (random images of the same shape when the IDX files are absent; the record says which):

* ``keras_io``: the plain reference (``benchmarks.keras_io_wgan_gp``), ``WGAN.fit``; one generator
  iteration is one ``train_step``, whose 3 critic updates reuse one real batch of 512.
* ``tg_same_models``: the same two Keras models (``make_generator()``, ``make_critic()``) passed
  unchanged to ``tfgan_gp.GAN(..., loss="wasserstein", penalty="gp", n_critic=3)``, float32, ``GAN.fit``
  on ``tfgan_gp.data.for_gan`` batches: the migration path. tfgan_gp draws a fresh real minibatch
  for every critic update (3 × 512 real images per generator iteration) and ε ~ U[0, 1].
* ``tg_package_layers``: the same architecture (widths, kernels, dropout, batch norm, crop) built
  from the package's layers at its best CPU settings: ``--precision auto`` (``mixed_bfloat16`` where
  bfloat16 is native), leaky ReLU with a stopped mask (:mod:`tfgan_gp.architectures.activations`: no
  backward pass of zeros in the penalty), each up-sample + 3×3 conv folded into one stride-2 4×4
  transposed conv (``UpsampleConv``: same function, 16 instead of 36 multiply-adds per input pixel),
  the fused batch norm, float32 score head and tanh output. Plain Keras layers with the package's
  precision policy, not ``architectures.dcgan``: its builder has 5×5 transposed convolutions in the
  generator and 3 critic stages at 32×32, so it cannot express this 4-stage critic (64..512) nor the
  up-sample + 3×3 conv generator.

Per case, one JSON line: the median seconds per generator iteration over ``--iterations`` timed
``train_step`` calls after ``--warmup`` untimed ones (tracing happens there), generated images per
second (batch / seconds), real images per generator iteration and per second, the dtype policy, the
CPU kind, the child's peak RSS, how many times ``train_step`` was traced, and for the tfgan_gp cases
``speedup_vs_keras_io`` = keras_io seconds / the case's seconds (> 1: faster than the reference).
"""
import argparse
import json
import statistics
import sys

import keras
import numpy as np
import tensorflow as tf
from keras import layers

import tfgan_gp as tg
from benchmarks import keras_io_wgan_gp as ref
from benchmarks.common import cpu_kind, emit, python, run_child
from tfgan_gp import precision
from tfgan_gp.architectures import activations, common, convolutions, normalization
from tfgan_gp.data import idx

CASES = ("keras_io", "tg_same_models", "tg_package_layers")
DATA_DIR = "/usr/share/datasets/fashion-mnist"
BATCH_SIZE = 512
N_CRITIC = 3
SAMPLING = {"keras_io": {"real_batches": f"1, reused by the {N_CRITIC} critic updates", "epsilon": "N(0, 1)"},
            "tfgan_gp": {"real_batches": f"{N_CRITIC}, one per critic update", "epsilon": "U[0, 1]"}}
"""How each implementation feeds its critic updates, written into every record (the work per update is the same)."""
QUICK = {"warmup": 2, "iterations": 5}
"""``--quick``: 2 warm-up + 5 timed generator iterations per case (about 4 minutes on 2 idle AVX-512 cores; tracing
is all in the first iteration: the keras.io model traces its step twice then, its optimizers creating their
variables in the first trace)."""


# ------------------------------------------------------------------------- one case (child process)
def images(data_dir):
    """``(N, 28, 28, 1)`` uint8 training images and what they are: Fashion-MNIST, or random when it is absent."""
    if idx.is_folder(data_dir):
        return idx.load(data_dir, split="train")[0], f"fashion-mnist train ({data_dir})"
    random = np.random.default_rng(0).integers(0, 256, (60_000, 28, 28, 1), dtype=np.uint8)
    return random, f"random uint8 images of Fashion-MNIST's shape (no IDX files in {data_dir})"


def package_generator():
    """The reference generator from the package's layers: ``UpsampleConv`` (folded), fused batch norm, float32 tanh."""
    z = keras.Input((ref.LATENT_DIM,), name="z")
    x = layers.Dense(4 * 4 * 256, use_bias=False)(z)
    x = normalization.BatchNormalization()(x)
    x = activations.ReLU(0.2)(x)
    x = layers.Reshape((4, 4, 256))(x)
    for filters in (128, 64):
        x = convolutions.UpsampleConv(filters, 3, use_bias=False)(x)
        x = normalization.BatchNormalization()(x)
        x = activations.ReLU(0.2)(x)
    x = convolutions.UpsampleConv(1, 3, use_bias=False)(x)
    x = normalization.BatchNormalization()(x)
    x = layers.Cropping2D((2, 2))(x)  # (before tanh: the same values, a quarter fewer pixels to squash)
    return keras.Model(z, common.image_output(x), name="generator")


def package_critic():
    """The reference critic with the package's leaky ReLU (stopped mask) and float32 score head."""
    images_in = keras.Input(ref.IMAGE_SHAPE, name="images")
    x = layers.ZeroPadding2D((2, 2))(images_in)
    for i, filters in enumerate((64, 128, 256, 512)):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = activations.ReLU(0.2)(x)
        if i in (1, 2):
            x = layers.Dropout(0.3)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(images_in, common.critic_outputs(x, num_classes=None), name="critic")


def _model_and_data(case, real, batch_size):
    """``(compiled model, tf.data batches, real images per generator iteration, dtype policy)`` of ``case``."""
    if case == "keras_io":
        return ref.build(seed=0), ref.dataset(real, batch_size), batch_size, "float32"
    policy = precision.set_precision("auto" if case == "tg_package_layers" else "float32")
    keras.utils.set_random_seed(0)
    if case == "tg_same_models":
        generator, critic = ref.make_generator(), ref.make_critic()
    else:
        generator, critic = package_generator(), package_critic()
    gan = tg.GAN(generator, critic, latent_dim=ref.LATENT_DIM, loss="wasserstein", penalty="gp",
                 n_critic=N_CRITIC, seed=0)
    gan.compile(g_optimizer=ref.adam(), d_optimizer=ref.adam())
    data = tg.data.for_gan(tf.data.Dataset.from_tensor_slices(ref.scaled(real)), batch_size,
                           gan.real_batches_per_step, seed=0)
    return gan, data, gan.real_batches_per_step * batch_size, policy


def time_case(case, iterations, warmup, batch_size=BATCH_SIZE, data_dir=DATA_DIR):
    """Time ``case`` in this process: its record (without the peak RSS, which the parent measures)."""
    real, source = images(data_dir)
    model, data, real_per_iteration, policy = _model_and_data(case, real, batch_size)
    traces = []  # Python side effects run only while tracing: this counts the traces of train_step
    train_step = model.train_step
    model.train_step = lambda batch: traces.append(1) or train_step(batch)
    clock = ref.Clock()
    model.fit(data, epochs=1, steps_per_epoch=warmup + iterations, callbacks=[clock], shuffle=False, verbose=0)
    seconds = statistics.median(clock.step_seconds[warmup:])
    return {"case": case, "batch": batch_size, "n_critic": N_CRITIC, "real_images_per_gen_iter": real_per_iteration,
            **SAMPLING["keras_io" if case == "keras_io" else "tfgan_gp"],
            "sec_per_gen_iter": round(seconds, 4), "images_per_sec": round(batch_size / seconds, 1),
            "real_images_per_sec": round(real_per_iteration / seconds, 1),
            "timed_sec": [round(s, 4) for s in clock.step_seconds[warmup:]], "warmup": warmup,
            "precision": policy, "jit": bool(model.jit_compile), "traces": len(traces), "data": source,
            "cpu_kind": cpu_kind(), "tf": tf.__version__, "keras": keras.__version__}


# ----------------------------------------------------------------------------- all cases (parent)
def run_step_cases(iterations, warmup, batch_size=BATCH_SIZE, cases=CASES, data_dir=DATA_DIR, timeout=1800):
    """Time each of ``cases`` in its own child process, one after another; return their records.

    A failed child gives a record with ``error`` and its stderr's tail instead of timings.
    """
    records = []
    for case in cases:
        cmd = [python(), "-m", "benchmarks.fashion_mnist_step", "--case", case, "--iterations", str(iterations),
               "--warmup", str(warmup), "--batch", str(batch_size), "--data_dir", data_dir]
        record, rss, stderr = run_child(cmd, timeout=timeout)
        if record is None:
            records.append({"case": case, "error": f"{case} failed", "stderr_tail": stderr[-800:]})
            continue
        record["peak_rss_mib"] = rss
        records.append(record)
    reference = next((r for r in records if r["case"] == "keras_io" and "error" not in r), None)
    for record in records:
        if reference and record["case"] != "keras_io" and "error" not in record:
            record["speedup_vs_keras_io"] = round(reference["sec_per_gen_iter"] / record["sec_per_gen_iter"], 3)
    return records


def _parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=10, help="timed generator iterations per case")
    p.add_argument("--warmup", type=int, default=3, help="untimed generator iterations first (tracing)")
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK['warmup']} warm-up + {QUICK['iterations']} timed iterations per case")
    p.add_argument("--batch", type=int, default=BATCH_SIZE)
    p.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    p.add_argument("--data_dir", default=DATA_DIR, help="folder of Fashion-MNIST's IDX files")
    p.add_argument("--out", default=None, help="also append the JSON lines to this file")
    p.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # (the child: time this one case here)
    args = p.parse_args(argv)
    if args.quick:
        args.warmup, args.iterations = QUICK["warmup"], QUICK["iterations"]
    return args


def main(argv=None):
    args = _parse(argv)
    if args.case:
        print(json.dumps(time_case(args.case, args.iterations, args.warmup, args.batch, args.data_dir)))
        return
    records = run_step_cases(args.iterations, args.warmup, args.batch, args.cases, args.data_dir)
    for record in records:
        emit(record, args.out)
    sys.exit(1 if any("error" in r for r in records) else 0)


if __name__ == "__main__":
    main()
