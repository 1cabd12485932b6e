"""The export tool: ship a trained generator as a SavedModel (or TFLite file) that serves without ``tfgan_gp``.

    python -m export --checkpoint runs/cifar --out exported/cifar [--format tflite]

(installed from a wheel: ``python -m tfgan_gp_export ...``). In Python the same is
:func:`tfgan_gp.serving.export_run`; :func:`tfgan_gp.serving.export_generator` exports a GAN
or a bare Keras generator. Both are re-exported here (``export.export_generator``).
"""
from tfgan_gp.serving import FORMATS, export_generator, export_run

__all__ = ["FORMATS", "export_generator", "export_run"]
