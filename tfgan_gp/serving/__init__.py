"""Ship a trained generator: a SavedModel (or TFLite file) that serves without ``tfgan_gp``.

    import tfgan_gp as tg
    tg.serving.export_generator(gan, "exported/cifar")    # or a bare Keras generator
    tg.serving.export_run("runs/cifar", "exported/cifar")  # the newest checkpoint of a run directory

The command line is the ``export`` tool (``python -m export --checkpoint runs/cifar --out DIR``).

Signatures of the SavedModel (``saved_model_cli show --all --dir DIR`` lists them):

- ``serving_default(z: float32[None, latent_dim][, labels: int32[None]])`` ->
  ``{"images": float32 in [-1, 1]}`` (text generators: ``{"text", "probabilities"}``; 2-D toy
  generators: ``{"samples"}``);
- ``sample(n: int32, seed: int64[, labels: int32[None]])`` -> ``{"images": uint8 [n, H, W, C]}``
  (text: ``{"text": string[n]}``; toy: ``{"samples": float32}``), deterministic for a seed and
  equal to ``GAN.sample(n, seed)``;
- ``sample_truncated(n: int32, seed: int64, truncation: float32[, labels: int32[None]])``: the same with
  the truncation trick, equal to ``GAN.sample(n, seed, truncation=truncation)``.

A GAN trained with a moving average of its generator's weights (``ema_decay``) exports the averaged
generator unless asked for the raw one (``generator="raw"``, ``--generator raw``); ``metadata.json``
says which (``"generator"``).

Next to the model: ``metadata.json`` (latent size, classes, sample shape, signatures, source run,
iteration, metrics) and a ``README.md`` with the inference snippet. An export already at the
destination is replaced only with ``overwrite=True`` (``--overwrite``); a training run replaces its own
``LOGDIR/export``.
"""
from tfgan_gp.serving.exporter import FORMATS, export_generator
from tfgan_gp.serving.run_dir import export_run, exported_iteration

__all__ = ["FORMATS", "export_generator", "export_run", "exported_iteration"]
