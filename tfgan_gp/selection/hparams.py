"""TensorBoard HParams for a comparison: one session per (candidate, seed), comparable in the HParams dashboard.

Layout under ``logdir``: the experiment's ``hparams_config`` (every hyper-parameter with the
values that occur, every metric) in ``logdir`` itself, and per run a directory
``<candidate>/seed_<seed>`` holding the session's hyper-parameters, its final metrics as
scalars at the last generator iteration, and its training curves (``train/<name>``).
"""
import os

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hp

MAX_CURVE_POINTS = 2000


def run_dir(logdir, candidate, seed):
    return os.path.join(logdir, candidate, f"seed_{seed}")


def metric_tags(problem):
    """``[(tag, display name)]`` of what every session logs."""
    tags = [(f"quality/{m.key}", m.label) for m in problem.metrics]
    return tags + [("stability/oscillation", "W-osc"), ("stability/diverged", "diverged"),
                   ("cost/seconds_per_iteration", "s/iter"), ("cost/params", "params G+D"),
                   ("cost/peak_memory_mib", "peak MiB")]


def _session_hparams(candidate, seed):
    return dict(candidate.hparams(), seed=int(seed))


def write_config(logdir, problem, candidates, seeds):
    """The experiment summary: hyper-parameter domains (the values that occur) and metric tags."""
    sessions = [_session_hparams(c, s) for c in candidates for s in seeds]
    hparams = [hp.HParam(key, hp.Discrete(sorted({session[key] for session in sessions})))
               for key in sessions[0]]
    metrics = [hp.Metric(tag, display_name=name) for tag, name in metric_tags(problem)]
    os.makedirs(logdir, exist_ok=True)
    with tf.summary.create_file_writer(logdir).as_default():
        hp.hparams_config(hparams=hparams, metrics=metrics)


def write_run(logdir, problem, candidate, run):
    """One session: hyper-parameters, final metrics and curves of ``run`` (a :class:`RunResult`)."""
    writer = tf.summary.create_file_writer(run_dir(logdir, candidate.name, run.seed))
    step = run.iterations
    values = {f"quality/{m.key}": run.metrics.get(m.key, np.nan) for m in problem.metrics}
    values.update({"stability/oscillation": run.oscillation, "stability/diverged": float(run.diverged),
                   "cost/seconds_per_iteration": run.seconds_per_iteration,
                   "cost/params": float(run.params_generator + run.params_critic),
                   "cost/peak_memory_mib": run.peak_memory_bytes / 2 ** 20})
    with writer.as_default():
        hp.hparams(_session_hparams(candidate, run.seed),
                   trial_id=f"{candidate.name}/seed_{run.seed}")
        for tag, value in values.items():
            tf.summary.scalar(tag, float(value), step=step)
        for name, curve in run.curves.items():
            stride = max(1, -(-len(curve) // MAX_CURVE_POINTS))
            for i in range(0, len(curve), stride):
                tf.summary.scalar(f"train/{name}", float(curve[i]), step=i + 1)
    writer.close()
