"""A training run's directory: its config (how to rebuild the models) and its checkpoints.

Layout of ``LOGDIR``::

    run_config.json      {"architecture": name for tfgan_gp.architectures.get, "generator_kwargs": {...},
                          "critic_kwargs": {...}, "latent_dim": int, "num_classes": int | null,
                          "vocab_file": path relative to LOGDIR | null, ...any recipe extras}
    checkpoints/         tf.train.CheckpointManager files: generator, critic, both optimizers, RNG state

The export tool and resumed runs rebuild the generator from the config and restore its weights.
"""
import json
import os

import tensorflow as tf

CONFIG_FILE = "run_config.json"
CHECKPOINT_DIR = "checkpoints"


def save_config(logdir, **config):
    """Write ``run_config.json`` (JSON-serialisable values only)."""
    os.makedirs(logdir, exist_ok=True)
    with open(os.path.join(logdir, CONFIG_FILE), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def load_config(logdir):
    """Read ``run_config.json``; a clear error when ``logdir`` is not a run directory."""
    path = os.path.join(logdir, CONFIG_FILE)
    if not os.path.exists(path):
        raise ValueError(f"{logdir!r} is not a tfgan_gp run directory: it has no {CONFIG_FILE}. "
                         f"Received: logdir={logdir!r}")
    with open(path) as f:
        return json.load(f)


def checkpoint(gan):
    """A ``tf.train.Checkpoint`` of everything needed to resume ``gan`` exactly."""
    return tf.train.Checkpoint(generator=gan.generator, critic=gan.critic,
                               g_optimizer=gan.g_optimizer, d_optimizer=gan.d_optimizer,
                               seed_generator_state=gan.seed_generator.state)


def manager(gan, logdir, max_to_keep=3):
    """A ``tf.train.CheckpointManager`` writing to ``LOGDIR/checkpoints``."""
    return tf.train.CheckpointManager(checkpoint(gan), os.path.join(logdir, CHECKPOINT_DIR),
                                      max_to_keep=max_to_keep)


def latest(logdir):
    """Path prefix of the newest checkpoint in ``LOGDIR/checkpoints`` (``None`` if there is none)."""
    return tf.train.latest_checkpoint(os.path.join(logdir, CHECKPOINT_DIR))


def restore_generator(logdir):
    """Rebuild the generator of a run from its config and load the newest weights: ``(generator, config)``."""
    from tfgan_gp import architectures

    config = load_config(logdir)
    path = latest(logdir)
    if path is None:
        raise ValueError(f"No checkpoint in {os.path.join(logdir, CHECKPOINT_DIR)!r}: train first or pass "
                         f"the run directory that holds one. Received: logdir={logdir!r}")
    generator = architectures.get(config["architecture"]).generator(**config.get("generator_kwargs", {}))
    try:
        tf.train.Checkpoint(generator=generator).restore(path).assert_existing_objects_matched().expect_partial()
    except AssertionError as err:
        raise ValueError(f"The checkpoint {path!r} does not hold this run's generator "
                         f"({config['architecture']}, {config.get('generator_kwargs', {})}). "
                         f"Received: logdir={logdir!r}") from err
    return generator, config
