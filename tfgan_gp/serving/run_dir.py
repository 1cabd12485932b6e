"""Export the newest checkpoint of a training run directory (see ``tfgan_gp.run_directory``)."""
import json
import os

import tensorflow as tf

from tfgan_gp import averaging, checkpoints
from tfgan_gp.data.text import Vocab
from tfgan_gp.serving import metadata
from tfgan_gp.serving.exporter import check_destination, export_generator

METRICS_FILE = os.path.join("eval", "metrics.jsonl")
"""Where :class:`tfgan_gp.callbacks.Evaluate` appends one JSON line per evaluation."""


def generator_iteration(checkpoint_path):
    """Generator iterations done at ``checkpoint_path`` (the generator optimizer's counter), or ``None``.

    Under loss scaling the generator's optimizer is a ``LossScaleOptimizer`` whose own counter never moves; the
    counter of the optimizer it wraps (``g_optimizer/inner_optimizer/...``) is the one that counts.
    """
    reader = tf.train.load_checkpoint(checkpoint_path)
    keys = [k for k in reader.get_variable_to_shape_map()
            if k.startswith("g_optimizer/") and k.endswith("_iterations/.ATTRIBUTES/VARIABLE_VALUE")]
    inner = [k for k in keys if k.startswith("g_optimizer/inner_optimizer/")]
    return int(reader.get_tensor(min(inner or keys, key=len))) if keys else None


def latest_evaluation(logdir):
    """The last line of the run's ``eval/metrics.jsonl`` (``{"iteration", metrics..., protocol...}``), or ``{}``.

    A line cut short (the run is still writing it) is passed over.
    """
    latest = {}
    try:
        with open(os.path.join(logdir, METRICS_FILE), encoding="utf-8") as f:
            for line in f:
                try:
                    latest = json.loads(line)
                except ValueError:
                    continue
    except OSError:
        return {}
    return latest


def run_metadata(logdir, record, checkpoint_path):
    """Facts about the run for ``metadata.json``: source run, the checkpoint exported, its iteration, its spec and
    latest evaluation."""
    return {"source_run": os.path.abspath(logdir), "checkpoint": os.path.abspath(checkpoint_path),
            "iteration": generator_iteration(checkpoint_path), "architecture": record.gan.architecture,
            "generator_kwargs": record.gan.generator_kwargs, "evaluation": latest_evaluation(logdir)}


def export_run(logdir, out, fmt="saved_model", generator="auto", overwrite=False):
    """Export the generator of the newest checkpoint in ``logdir`` to ``out``; returns the metadata.

    ``generator``: ``"ema"``, ``"raw"`` or ``"auto"``: the averaged one when the run keeps one and samples
    from it (its spec's ``sample_from``), else the raw one. The run's vocabulary asset (character models)
    goes into the export. ``overwrite``: replace an export already at ``out`` (refused without, before the
    run is read).
    """
    check_destination(out, overwrite)
    model, record, checkpoint_path = checkpoints.restore_generator(logdir, generator)
    vocab_path = record.asset(logdir, "vocab")
    return export_generator(model, out, latent_dim=record.gan.latent_dim,
                            vocab=Vocab.load(vocab_path) if vocab_path else None, num_classes=record.gan.num_classes,
                            metadata=run_metadata(logdir, record, checkpoint_path), format=fmt,
                            generator=averaging.run_choice(record.gan, generator), overwrite=overwrite)


def exported_iteration(out):
    """The generator iteration of the export in ``out`` (``None`` when there is no complete export)."""
    try:
        with open(os.path.join(out, metadata.METADATA_FILE)) as f:
            return json.load(f).get("iteration")
    except (OSError, ValueError):
        return None
