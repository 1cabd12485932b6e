"""A run's checkpoints (``LOGDIR/checkpoints``): save, find, and restore the newest one that is intact.

Checkpoints are numbered by generator iteration (``ckpt-<iteration>``). Restoring tries the newest
first and falls back to older ones when a file is truncated or damaged (with a warning naming
both); when the ``checkpoint`` state file is lost, the list is recovered from the files, so a
re-run never silently starts again from 0 over existing checkpoints.
"""
import glob
import os
import re
import sys

import tensorflow as tf

from tfgan_gp import architectures, averaging, run_directory

CHECKPOINT_DIR = "checkpoints"


def checkpoint(gan):
    """A ``tf.train.Checkpoint`` of everything needed to resume ``gan`` exactly."""
    return tf.train.Checkpoint(generator=gan.generator, critic=gan.critic,
                               g_optimizer=gan.g_optimizer, d_optimizer=gan.d_optimizer,
                               **gan.resumable_state())


def saved(logdir):
    """Checkpoint path prefixes found on disk in ``LOGDIR/checkpoints``, oldest first (by number)."""
    paths = glob.glob(os.path.join(logdir, CHECKPOINT_DIR, "ckpt-*.index"))
    prefixes = [p[:-len(".index")] for p in paths if re.fullmatch(r"ckpt-\d+", os.path.basename(p)[:-6])]
    return sorted(prefixes, key=lambda p: int(p.rsplit("-", 1)[1]))


def manager(gan, logdir, max_to_keep=3):
    """A ``tf.train.CheckpointManager`` writing to ``LOGDIR/checkpoints``.

    A lost ``checkpoint`` state file is rebuilt from the files first, so the manager knows them.
    """
    directory = os.path.join(logdir, CHECKPOINT_DIR)
    on_disk = saved(logdir)
    if on_disk and tf.train.get_checkpoint_state(directory) is None:
        tf.compat.v1.train.update_checkpoint_state(directory, on_disk[-1], all_model_checkpoint_paths=on_disk)
    return tf.train.CheckpointManager(checkpoint(gan), directory, max_to_keep=max_to_keep)


def latest(logdir):
    """Path prefix of the newest checkpoint in ``LOGDIR/checkpoints`` (``None`` if there is none)."""
    found = tf.train.latest_checkpoint(os.path.join(logdir, CHECKPOINT_DIR))
    return found or (saved(logdir) or [None])[-1]


def restore_newest_intact(target, logdir, expect_partial=False):
    """Restore ``target`` (a ``tf.train.Checkpoint``) from the newest intact checkpoint; return its path.

    ``expect_partial``: ``target`` holds only part of what was saved (e.g. the generator alone).

    ``None`` when there is no checkpoint. A damaged newest checkpoint is skipped with a warning
    naming it and the one used instead; if none can be read, ``ValueError`` says so.
    """
    candidates = saved(logdir)
    failed = []
    for path in reversed(candidates):
        try:
            status = target.restore(path).assert_existing_objects_matched()
            if expect_partial:
                status.expect_partial()
        except Exception as err:  # noqa: BLE001  damaged bytes raise OpError, IndexError, ValueError, ...
            failed.append((path, type(err).__name__))
            continue
        if failed:
            print(f"warning: checkpoint {failed[0][0]} is damaged ({failed[0][1]}); resuming from {path} instead.",
                  file=sys.stderr)
        return path
    if failed:
        raise ValueError(f"No checkpoint in {os.path.join(logdir, CHECKPOINT_DIR)} can be read "
                         f"({', '.join(os.path.basename(p) for p, _ in failed)} are damaged): move them away to "
                         f"start again. Received: logdir={logdir!r}")
    return None


def restore_generator(logdir, generator="auto"):
    """Rebuild the generator of a run from its record and load the newest intact weights.

    Returns ``(generator, record, checkpoint path)``: the :class:`tfgan_gp.run_directory.RunRecord` and the path
    of the checkpoint actually restored (an older one when the newest is damaged).

    ``generator``: ``"ema"`` (the moving average of its weights), ``"raw"``, or ``"auto"``: the one the run
    samples from (:func:`tfgan_gp.averaging.run_choice`).
    """
    record = run_directory.RunRecord.load(logdir)
    spec = record.gan
    name = "ema_generator" if averaging.run_choice(spec, generator) == "ema" else "generator"
    if not saved(logdir):
        raise ValueError(f"No checkpoint in {os.path.join(logdir, CHECKPOINT_DIR)!r}: train first or pass "
                         f"the run directory that holds one. Received: logdir={logdir!r}")
    model = architectures.get(spec.architecture).generator(**spec.generator_kwargs)
    try:
        path = restore_newest_intact(tf.train.Checkpoint(**{name: model}), logdir, expect_partial=True)
    except ValueError as err:
        raise ValueError(f"The checkpoints in {logdir!r} do not hold this run's generator "
                         f"({spec.architecture}, {spec.generator_kwargs}) or are damaged. "
                         f"Received: logdir={logdir!r}") from err
    return model, record, path
