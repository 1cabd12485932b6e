"""Export the newest checkpoint of a training run directory (see ``tfgan_gp.run_directory``)."""
import glob
import json
import os

import numpy as np
import tensorflow as tf

from tfgan_gp import averaging, checkpoints
from tfgan_gp.data.text import Vocab
from tfgan_gp.serving import metadata
from tfgan_gp.serving.exporter import export_generator

EVENTS_PATTERN = "events.out.tfevents.*"


def generator_iteration(checkpoint_path):
    """Generator iterations done at ``checkpoint_path`` (the generator optimizer's counter), or ``None``."""
    reader = tf.train.load_checkpoint(checkpoint_path)
    keys = [k for k in reader.get_variable_to_shape_map()
            if k.startswith("g_optimizer/") and k.endswith("_iterations/.ATTRIBUTES/VARIABLE_VALUE")]
    # a loss-scaled optimizer nests the real one; the shortest key is the outermost counter
    return int(reader.get_tensor(min(keys, key=len))) if keys else None


def _scalar(value):
    if value.HasField("tensor"):
        array = tf.make_ndarray(value.tensor)
        if array.size == 1 and np.issubdtype(array.dtype, np.number):
            return float(array.reshape(()))
        return None
    return float(value.simple_value) if value.HasField("simple_value") else None


def _events(path):
    """The events of one file; a record cut short (the run is still writing it) ends the file."""
    try:
        for record in tf.data.TFRecordDataset(path):
            yield tf.compat.v1.Event.FromString(record.numpy())
    except tf.errors.DataLossError:
        return


def latest_metrics(logdir):
    """``{"<subdir>/<tag>": {"value", "step"}}``: the last value of every scalar in the run's TensorBoard logs."""
    latest = {}
    for path in sorted(glob.glob(os.path.join(logdir, "**", EVENTS_PATTERN), recursive=True)):
        folder = os.path.relpath(os.path.dirname(path), logdir)
        for event in _events(path):
            for value in event.summary.value:
                scalar = _scalar(value)
                key = value.tag if folder == "." else f"{folder}/{value.tag}"
                if scalar is not None and event.step >= latest.get(key, {}).get("step", -1):
                    latest[key] = {"value": scalar, "step": int(event.step)}
    return latest


def run_metadata(logdir, config, checkpoint_path):
    """Facts about the run for ``metadata.json``: source run, the checkpoint exported, its iteration, metrics."""
    return {"source_run": os.path.abspath(logdir), "checkpoint": os.path.abspath(checkpoint_path),
            "iteration": generator_iteration(checkpoint_path), "architecture": config.get("architecture"),
            "generator_kwargs": config.get("generator_kwargs", {}), "metrics": latest_metrics(logdir)}


def export_run(logdir, out, fmt="saved_model", generator="auto"):
    """Export the generator of the newest checkpoint in ``logdir`` to ``out``; returns the metadata.

    ``generator``: ``"ema"``, ``"raw"`` or ``"auto"``: the averaged one when the run keeps one and samples
    from it (its ``train.sample_from``), else the raw one.
    """
    model, config, checkpoint_path = checkpoints.restore_generator(logdir, generator)
    vocab = None
    if config.get("vocab_file"):
        vocab = Vocab.load(os.path.join(logdir, config["vocab_file"]))
    return export_generator(model, out, latent_dim=config.get("latent_dim"), vocab=vocab,
                            num_classes=config.get("num_classes"), metadata=run_metadata(logdir, config, checkpoint_path), format=fmt,
                            generator=averaging.run_choice(config, generator))


def exported_iteration(out):
    """The generator iteration of the export in ``out`` (``None`` when there is no complete export)."""
    try:
        with open(os.path.join(out, metadata.METADATA_FILE)) as f:
            return json.load(f).get("iteration")
    except (OSError, ValueError):
        return None
