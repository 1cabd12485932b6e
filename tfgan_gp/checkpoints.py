"""A run's checkpoints (``LOGDIR/checkpoints``): save, find, and restore the newest one that is intact.

Checkpoints are numbered by generator iteration (``ckpt-<iteration>``). Restoring tries the newest
first and falls back to older ones when a file is truncated or damaged (with a warning naming
both); intact checkpoints of another model (other shapes) are not damaged: restoring says which
variables differ. When the ``checkpoint`` state file is lost, the list is recovered from the files
(and rotated as before), so a re-run never silently starts again from 0 over existing checkpoints.
A disk that cannot take a checkpoint stops the run with one sentence; the last good one is intact.
"""
import contextlib
import glob
import os
import re
import shutil
import sys

import keras
import tensorflow as tf
from tensorflow.core.protobuf.trackable_object_graph_pb2 import TrackableObjectGraph

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
    """A ``tf.train.CheckpointManager`` writing to ``LOGDIR/checkpoints``, keeping the newest ``max_to_keep``.

    A lost ``checkpoint`` state file is rebuilt from the files first, so the manager knows them; with their
    times, newer than the last one it preserved, so it deletes them in turn (without, it would keep them all).
    Its ``save`` says in one sentence why a disk cannot take a checkpoint (see :class:`_Manager`).
    """
    directory = os.path.join(logdir, CHECKPOINT_DIR)
    on_disk = saved(logdir)
    if on_disk and tf.train.get_checkpoint_state(directory) is None:
        times = [os.path.getmtime(prefix + ".index") for prefix in on_disk]
        tf.compat.v1.train.update_checkpoint_state(directory, on_disk[-1], all_model_checkpoint_paths=on_disk,
                                                   all_model_checkpoint_timestamps=times,
                                                   last_preserved_timestamp=min(times) - 1)
    return _Manager(checkpoint(gan), directory, max_to_keep=max_to_keep)


class _Manager(tf.train.CheckpointManager):
    """A ``tf.train.CheckpointManager`` whose ``save`` on a disk that cannot take the checkpoint (full, not
    writable) raises ``OSError`` with one sentence: which checkpoint, why, how big the last one was and how much
    space is free, and that the last good checkpoint is intact (a re-run resumes from it). The half-written
    files are removed."""

    def save(self, checkpoint_number=None, **kwargs):
        before = self.latest_checkpoint
        try:
            return super().save(checkpoint_number=checkpoint_number, **kwargs)
        except (OSError, tf.errors.ResourceExhaustedError, tf.errors.PermissionDeniedError) as err:
            prefix = os.path.join(self.directory, f"ckpt-{checkpoint_number}")
            shutil.rmtree(prefix + "_temp", ignore_errors=True)  # (TensorFlow writes the shards there first)
            raise OSError(_not_saved(prefix, before, err)) from None


def _not_saved(prefix, before, err):
    sizes = [f"the last one took {_size(sum(os.path.getsize(f) for f in glob.glob(before + '.*')))}"] \
        if before else []
    with contextlib.suppress(OSError):
        sizes.append(f"{_size(shutil.disk_usage(os.path.dirname(prefix)).free)} free")
    kept = (f"the last good checkpoint, {before}, is intact: free space and run the same command again to resume "
            f"from it" if before else "no checkpoint had been saved yet: free space and run the same command again")
    return (f"Cannot save checkpoint {prefix} ({run_directory.write_failure(err)}"
            f"{'; ' + ', '.join(sizes) if sizes else ''}); {kept}.")


def _size(nbytes):
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} bytes"


def latest(logdir):
    """Path prefix of the newest checkpoint in ``LOGDIR/checkpoints`` (``None`` if there is none)."""
    found = tf.train.latest_checkpoint(os.path.join(logdir, CHECKPOINT_DIR))
    return found or (saved(logdir) or [None])[-1]


def restore_newest_intact(target, logdir, expect_partial=False):
    """Restore ``target`` (a ``tf.train.Checkpoint``) from the newest intact checkpoint; return its path.

    ``expect_partial``: ``target`` holds only part of what was saved (e.g. the generator alone).

    ``None`` when there is no checkpoint. A damaged newest checkpoint is skipped with a warning
    naming it and the one used instead; if none can be read, ``ValueError`` says so. Intact checkpoints
    of another model raise ``ValueError`` naming the variables whose shapes differ.
    """
    failed = []
    for path in reversed(saved(logdir)):
        try:
            status = target.restore(path).assert_existing_objects_matched()
            if expect_partial:
                status.expect_partial()
        except Exception as err:  # noqa: BLE001  damaged bytes raise OpError, IndexError, ValueError, ...
            differ = _differences(target, path, expect_partial)
            if differ:
                raise ValueError(_another_model(logdir, differ)) from None
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


def _differences(target, path, expect_partial):
    """``[(variable, shape stored at path, shape in target)]`` (``None``: absent there) where they differ, matched as
    ``restore`` matches them; ``[]`` when ``path`` cannot be read (a damaged checkpoint) or matches."""
    try:
        reader = tf.train.load_checkpoint(path)
        graph = TrackableObjectGraph.FromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
        stored = reader.get_variable_to_shape_map()
        view = tf.train.CheckpointView(path)
    except Exception:  # noqa: BLE001  (a damaged index: not another model)
        return []
    found, matched_nodes, seen = [], set(), set()
    parts = tf.train.TrackableView(target).children(target)
    for part in sorted(parts, key=lambda p: (p.endswith("optimizer"), "generator" not in p, p)):  # networks first
        matched = view.match(tf.train.Checkpoint(**{part: parts[part]}))
        matched_nodes |= set(matched)
        for node, obj in matched.items():
            key = _variable_key(graph, node)
            if key and id(obj) not in seen and tuple(stored[key]) != tuple(obj.shape):
                found.append((f"{part}/{_name(obj)}", stored[key], obj.shape))
        restored = seen | {id(obj) for obj in matched.values()}
        variables = [obj for obj in tf.train.TrackableView(parts[part]).descendants()
                     if isinstance(obj, (tf.Variable, keras.Variable))]
        found += [(f"{part}/{_name(obj)}", None, obj.shape) for obj in variables if id(obj) not in restored]
        seen |= {id(obj) for obj in variables}
    if not expect_partial:
        keys = (_variable_key(graph, node) for node in range(len(graph.nodes)) if node not in matched_nodes)
        found += [(key.replace("/.ATTRIBUTES/VARIABLE_VALUE", ""), stored[key], None) for key in keys
                  if key and not key.startswith("save_counter/")]
    return sorted(found, key=lambda d: None in d[1:])  # other shapes first, then what only one side has


def _variable_key(graph, node):
    """The checkpoint key of the variable saved as object ``node`` (``None`` when it is no variable)."""
    attributes = graph.nodes[node].attributes
    return attributes[0].checkpoint_key if attributes and attributes[0].name == "VARIABLE_VALUE" else None


def _name(variable):
    return getattr(variable, "path", None) or variable.name


def _another_model(logdir, differ, shown=3):
    def shape(s):
        return "absent" if s is None else f"({', '.join(map(str, s))})"
    listed = [f"{name} {shape(a)} stored, {shape(b)} now" for name, a, b in differ[:shown]]
    more = f" and {len(differ) - shown} more" if len(differ) > shown else ""
    return (f"The checkpoints in {os.path.join(logdir, CHECKPOINT_DIR)} are intact but hold a different model "
            f"({'; '.join(listed)}{more}): a run directory holds one model, so give a new log directory (--logdir) "
            f"for a new model, or the settings they were trained with to continue them. Received: logdir={logdir!r}")


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
    path = restore_newest_intact(tf.train.Checkpoint(**{name: model}), logdir, expect_partial=True)
    return model, record, path
