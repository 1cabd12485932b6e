"""Export a generator (a GAN or a bare Keras generator) as a SavedModel or TFLite file.

The export is written beside its destination and moved into place in one rename, so an
interrupted export (a kill, a full disk) never leaves a half-written model at ``path``; what a
killed export left beside it (its process gone) is removed by the next export to ``path``. An
export already at ``path`` is replaced only with ``overwrite=True``; a file, or a folder of other
files, never. The export's folder is readable as the umask allows (not private to its owner).
"""
import contextlib
import json
import os
import re
import shutil
import socket
import tempfile

import tensorflow as tf

from tfgan_gp import run_directory
from tfgan_gp.serving import metadata as _metadata
from tfgan_gp.serving import writers as _writers
from tfgan_gp.serving.model_info import describe as _describe

FORMATS = ("saved_model", "tflite")


def export_generator(gan_or_generator, path, *, latent_dim=None, vocab=None, num_classes=None, metadata=None,
                     format="saved_model", generator=None, overwrite=False):
    """Export a generator to the directory ``path``; returns the metadata dict written there.

    Args:
        gan_or_generator: a ``tfgan_gp.GAN`` (its ``generator``, ``latent_dim`` and
            ``num_classes`` are used) or a built Keras generator ``z [+ labels] -> samples``.
        path: output directory (the SavedModel itself, or the folder of ``generator.tflite``).
        latent_dim: width of ``z``; read from the GAN or the generator's input when omitted.
        vocab: character generators only: the run's vocabulary, an object with ``.chars``
            (id -> character, optional ``.pad``) or a list of strings.
        num_classes: conditional generators: the number of classes (read from a GAN).
        metadata: extra JSON-serialisable facts for ``metadata.json`` (source run, iteration, metrics).
        format: ``"saved_model"`` or ``"tflite"`` (image and vector generators; ``serving_default`` only).
        generator: for a GAN, which of its generators: ``"ema"`` (the moving average of its weights) or
            ``"raw"`` (default: the one ``gan.sample`` uses); for a bare Keras generator, which one it is.
            Recorded in ``metadata.json`` as ``"generator"``.
        overwrite: replace an export already at ``path`` (without, it is refused, naming its source run and
            iteration).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}. Received: format={format!r}")
    info = _describe(gan_or_generator, latent_dim=latent_dim, num_classes=num_classes, vocab=vocab,
                     weights=generator)
    _metadata.build(info, format, {}, metadata)  # refuse bad metadata before writing anything
    with _written_aside(str(path), overwrite) as staging:
        signatures = (_writers.saved_model if format == "saved_model" else _writers.tflite)(info, staging)
        meta = _metadata.build(info, format, signatures, metadata)
        _metadata.write(staging, meta, info, shown_path=str(path))
    return meta


def check_destination(path, overwrite=False):
    """Raise ``ValueError`` unless an export may be written to ``path``: a new path, an empty folder, or (with
    ``overwrite``) a folder holding an export. ``OSError`` when ``path`` cannot be looked at."""
    above = os.path.abspath(path)
    while not os.path.lexists(above):
        above = os.path.dirname(above)
    if os.path.isfile(above):
        where = "is a file" if above == os.path.abspath(path) else f"lies under the file {above}"
        raise ValueError(f"The export path {where}; give a directory path (it is created or replaced). "
                         f"Received: path={path!r}")
    if above != os.path.abspath(path) or not os.listdir(path):
        return
    try:
        with open(os.path.join(path, _metadata.METADATA_FILE), encoding="utf-8") as f:
            there = json.load(f)
    except (OSError, ValueError):
        raise ValueError(f"{path} is a folder of other files, not an export: give a new or empty folder (an export "
                         f"replaces its folder). Received: path={path!r}") from None
    if not overwrite:
        raise ValueError(f"{path} already holds an export ({_origin(there)}): pass overwrite=True (--overwrite) to "
                         f"replace it, or give another path. Received: path={path!r}")


def _origin(meta):
    """Where the export ``meta`` (its metadata) came from, in a few words."""
    if not isinstance(meta, dict):
        return "of unknown origin"
    source = f"of run {meta['source_run']}" if meta.get("source_run") else "of a generator in memory"
    iteration = f", generator iteration {meta['iteration']}" if meta.get("iteration") is not None else ""
    return f"{source}{iteration}, exported {meta.get('exported_at', 'at an unknown time')}"


@contextlib.contextmanager
def _written_aside(path, overwrite):
    """A fresh directory next to ``path`` that replaces ``path`` when the block succeeds (else is removed).

    A failure to write (a full disk, a place not writable) raises ``OSError`` with one sentence naming
    ``path``; ``path`` is left as it was and the folders made for it are removed.
    """
    parent = os.path.dirname(os.path.abspath(path))
    made = _missing_folders(parent)
    staging = None
    try:
        if os.path.isdir(parent):
            _remove_left_behind(path)
        check_destination(path, overwrite)
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=_aside_prefix(path, "partial"), dir=parent)
        os.chmod(staging, 0o777 & ~run_directory.umask())  # (mkdtemp's folder is private to its owner)
        yield staging
        _move_into_place(staging, path)
        made = []
    except (OSError, tf.errors.ResourceExhaustedError, tf.errors.PermissionDeniedError) as err:
        raise OSError(f"Cannot write the export to {path} ({run_directory.write_failure(err)}"
                      f"{': ' + err.filename if getattr(err, 'filename', None) else ''}); nothing there was "
                      f"changed. Received: path={path!r}") from None
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def _missing_folders(folder):
    """The folders ``os.makedirs(folder)`` would create, deepest first."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    return missing


def _move_into_place(staging, path):
    """Rename ``staging`` to ``path``; an export there is moved aside first and back if the rename fails."""
    if not os.path.lexists(path):
        os.rename(staging, path)
        return
    old = tempfile.mkdtemp(prefix=_aside_prefix(path, "old"), dir=os.path.dirname(os.path.abspath(path)))
    os.rmdir(old)
    os.rename(path, old)
    try:
        os.rename(staging, path)
    except OSError:
        os.rename(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _aside_prefix(path, kind):
    """``.NAME.partial-PID@HOST-`` (or ``.old-``): the name of what this process writes beside ``path``."""
    return f".{os.path.basename(os.path.abspath(path))}.{kind}-{os.getpid()}@{socket.gethostname()}-"


def _remove_left_behind(path):
    """Remove what exports to ``path`` killed midway left beside it: the folders of a process of this host that is
    gone. A previous export moved aside (``.old-``) goes back to ``path`` if nothing replaced it."""
    parent, name = os.path.split(os.path.abspath(path))
    pattern = re.compile(rf"\.{re.escape(name)}\.(partial|old)-(\d+)@{re.escape(socket.gethostname())}-\w+")
    for entry in sorted(os.listdir(parent)):
        found = pattern.fullmatch(entry)
        if not found or _running(int(found.group(2))):
            continue
        if found.group(1) == "old" and not os.path.lexists(path):
            os.rename(os.path.join(parent, entry), path)
        else:
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # (another user's process)
        pass
    return True
