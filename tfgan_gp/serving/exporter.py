"""Export a generator (a GAN or a bare Keras generator) as a SavedModel or TFLite file."""
from tfgan_gp.serving import metadata as _metadata
from tfgan_gp.serving import writers as _writers
from tfgan_gp.serving.model_info import describe as _describe

FORMATS = ("saved_model", "tflite")


def export_generator(gan_or_generator, path, *, latent_dim=None, vocab=None, num_classes=None, metadata=None,
                     format="saved_model"):
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
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}. Received: format={format!r}")
    info = _describe(gan_or_generator, latent_dim=latent_dim, num_classes=num_classes, vocab=vocab)
    _metadata.build(info, format, {}, metadata)  # refuse bad metadata before writing anything
    signatures = (_writers.saved_model if format == "saved_model" else _writers.tflite)(info, str(path))
    meta = _metadata.build(info, format, signatures, metadata)
    _metadata.write(str(path), meta, info)
    return meta
