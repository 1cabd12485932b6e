"""Write a described generator (:class:`export.model_info.GeneratorInfo`) as a SavedModel or a TFLite file."""
import os
import tempfile

import keras
import tensorflow as tf

from tfgan_gp.serving import endpoints
from tfgan_gp.serving.model_info import TEXT

TFLITE_FILE = "generator.tflite"


def tensor_description(spec):
    """``{"dtype": "float32", "shape": [null, 4]}`` for a TensorSpec or tensor."""
    return {"dtype": spec.dtype.name, "shape": spec.shape.as_list() if spec.shape.rank is not None else None}


def describe_signature(specs, concrete):
    """``{"inputs": {...}, "outputs": {...}}`` with each tensor's dtype and shape."""
    return {"inputs": {spec.name: tensor_description(spec) for spec in specs},
            "outputs": {key: tensor_description(t) for key, t in concrete.structured_outputs.items()}}


def _write_archive(info, functions, specs, path):
    """Keras ``ExportArchive`` of ``info.generator`` with one endpoint per function; their descriptions."""
    archive = keras.export.ExportArchive()
    archive.track(info.generator)
    traced = {name: archive.add_endpoint(name, fn, input_signature=specs[name]) for name, fn in functions.items()}
    archive.write_out(path, verbose=False)
    return {name: describe_signature(specs[name], fn.get_concrete_function()) for name, fn in traced.items()}


def saved_model(info, path):
    """A SavedModel at ``path`` with the ``serving_default`` and ``sample`` signatures.

    It holds only TensorFlow graphs and the generator's variables: loading it needs
    ``tensorflow`` alone (no Keras model code, no ``tfgan_gp``). Returns the signatures'
    descriptions (input and output dtypes and shapes).
    """
    return _write_archive(info, endpoints.build(info), endpoints.signature_specs(info), path)


def tflite(info, path):
    """``path/generator.tflite``: ``serving_default`` only (float32 outputs), dynamic batch.

    Converted the way Keras' own LiteRT export does (ExportArchive -> SavedModel ->
    ``TFLiteConverter.from_saved_model``, which freezes the variables), TFLite builtin ops only.
    TFLite has no ``Assert`` op, so the SavedModel's in-graph checks are left out: a ``z`` of the
    wrong width fails in the interpreter with an opaque reshape error, out-of-range class ids with
    its gather bounds check. ``sample`` is not converted (use the SavedModel to draw).
    """
    if info.kind == TEXT:
        raise ValueError("TFLite export is for image (and vector) generators; character generators need string "
                         "ops TFLite lacks: export them as a SavedModel. Received: a (batch, seq_len, vocab) "
                         "generator with format='tflite'")
    fn, specs = endpoints.plain_generate(info)
    with tempfile.TemporaryDirectory() as staging:
        signatures = _write_archive(info, {"serving_default": fn}, {"serving_default": specs}, staging)
        tflite_model = tf.lite.TFLiteConverter.from_saved_model(staging, ["serving_default"]).convert()
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, TFLITE_FILE), "wb") as f:
        f.write(tflite_model)
    return signatures
