"""Time ``tfgan_gp.GAN`` on the paper's CIFAR ResNet: seconds per generator iteration, one JSON line.

The flags are the reference scripts' (``shared/bench/cifar_resnet_tf.py``):
``--dim --batch --n_critic --iters --warmup --jit --precision``, plus
``--precision auto`` (``tfgan_gp.precision``) and ``--penalty none`` (to
measure the penalty's share of the step). Same setup as the references:
λ = 10, Adam(2e-4, β₁=0, β₂=0.9), random "real" images in [-1, 1] made once.

The step runs through ``GAN.fit`` as a user would (a ``tf.data`` pipeline of
``n_critic × batch`` images per step, one traced ``train_step`` holding all
``n_critic`` critic updates and the generator update); a callback times each
step. Reported: the median of the ``--iters`` steps after ``--warmup`` untimed
ones (tracing / XLA compilation happen there), the FLOPs per generator
iteration with ``--flops`` (``benchmarks.flops``) and how many times the step
was traced.
"""
import argparse
import json
import statistics
import time

import keras
import tensorflow as tf

import tfgan_gp as tg
from benchmarks import flops
from tfgan_gp import precision
from tfgan_gp.architectures import resnet_cifar

LATENT_DIM = 128
LAMBDA = 10.0


class StepTimer(keras.callbacks.Callback):
    """Wall-clock seconds of every training step (waits for the step's results)."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        float(logs["d_loss"])  # the step's outputs exist: it has finished
        self.seconds.append(time.perf_counter() - self._start)


def iteration_flops(generator, critic, batch, n_critic, skip_zero_pass=True):
    """FLOPs of one generator iteration of these models (``benchmarks.flops``).

    ``skip_zero_pass``: our critics' activations skip the penalty's pass of zeros (False for the reference).
    """
    g = flops.forward_flops(generator, tf.zeros((batch, LATENT_DIM)))
    d = flops.forward_flops(critic, tf.zeros((batch, 32, 32, 3)))
    return flops.generator_iteration_flops(g, d, n_critic, skip_zero_pass)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--n_critic", type=int, default=5)
    p.add_argument("--iters", type=int, default=3, help="timed generator iterations")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--jit", action="store_true", help="XLA: GAN.compile(jit_compile=True)")
    p.add_argument("--precision", choices=precision.NAMES, default="float32")
    p.add_argument("--penalty", choices=["gp", "none"], default="gp")
    p.add_argument("--flops", action="store_true", help="also count the FLOPs per generator iteration")
    args = p.parse_args()

    policy = precision.set_precision(args.precision)
    keras.utils.set_random_seed(0)
    generator = resnet_cifar.generator(latent_dim=LATENT_DIM, dim=args.dim)
    critic = resnet_cifar.critic(dim=args.dim)
    penalty = tg.penalties.GradientPenalty(LAMBDA) if args.penalty == "gp" else None
    gan = tg.GAN(generator, critic, latent_dim=LATENT_DIM, penalty=penalty, n_critic=args.n_critic, seed=0)
    adam = lambda: keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9)  # noqa: E731
    gan.compile(g_optimizer=adam(), d_optimizer=adam(), jit_compile=args.jit)

    real = tf.random.uniform([args.n_critic * args.batch, 32, 32, 3], -1.0, 1.0, seed=0)
    data = tf.data.Dataset.from_tensors(real).repeat()
    timer = StepTimer()
    traces = []  # Python side effects run only while tracing: this counts the traces of train_step
    train_step = gan.train_step
    gan.train_step = lambda batch: traces.append(1) or train_step(batch)
    gan.fit(data, steps_per_epoch=args.warmup + args.iters, epochs=1, verbose=0, callbacks=[timer])
    times = timer.seconds[args.warmup:]

    record = {
        "impl": "tfgan_gp", "dim": args.dim, "batch": args.batch, "n_critic": args.n_critic,
        "precision": args.precision, "policy": policy, "jit": args.jit, "penalty": args.penalty,
        "sec_per_gen_iter": round(statistics.median(times), 4),
        "traces": len(traces),
        "params_g": sum(int(tf.size(w)) for w in generator.trainable_weights),
        "params_d": sum(int(tf.size(w)) for w in critic.trainable_weights),
        "tf": tf.__version__, "keras": keras.__version__,
    }
    if args.flops:
        record["flops_per_gen_iter"] = iteration_flops(generator, critic, args.batch, args.n_critic)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
