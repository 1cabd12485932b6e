"""Export a generator (a GAN or a bare Keras generator) as a SavedModel or TFLite file.

The export is written beside its destination and moved into place in one rename, so an
interrupted export (a kill, a full disk) never leaves a half-written model at ``path``.
"""
import contextlib
import os
import shutil
import tempfile

from tfgan_gp.serving import metadata as _metadata
from tfgan_gp.serving import writers as _writers
from tfgan_gp.serving.model_info import describe as _describe

FORMATS = ("saved_model", "tflite")


def export_generator(gan_or_generator, path, *, latent_dim=None, vocab=None, num_classes=None, metadata=None,
                     format="saved_model", generator=None):
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
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}. Received: format={format!r}")
    info = _describe(gan_or_generator, latent_dim=latent_dim, num_classes=num_classes, vocab=vocab,
                     weights=generator)
    _metadata.build(info, format, {}, metadata)  # refuse bad metadata before writing anything
    with _written_aside(str(path)) as staging:
        signatures = (_writers.saved_model if format == "saved_model" else _writers.tflite)(info, staging)
        meta = _metadata.build(info, format, signatures, metadata)
        _metadata.write(staging, meta, info, shown_path=str(path))
    return meta


@contextlib.contextmanager
def _written_aside(path):
    """A fresh directory next to ``path`` that replaces ``path`` when the block succeeds (else is removed)."""
    if os.path.isfile(path):
        raise ValueError(f"The export path is a file; give a directory path (it is created or replaced). "
                         f"Received: path={path!r}")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.partial-", dir=parent)
    try:
        yield staging
        old = None
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.old-", dir=parent)
            os.rmdir(old)
            os.rename(path, old)
        os.rename(staging, path)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
