"""``metadata.json`` and ``README.md`` written next to an exported generator."""
import datetime
import json
import os

import keras
import tensorflow as tf

from tfgan_gp.serving.endpoints import MAX_SAMPLES
from tfgan_gp.serving.model_info import IMAGE, TEXT
from tfgan_gp.serving.writers import TFLITE_FILE

METADATA_FILE = "metadata.json"
README_FILE = "README.md"
NOISE = ("z ~ N(0, I) of shape (n, latent_dim) from tf.random.stateless_normal(seed=[seed, 0]), "
         "the same draw as tfgan_gp.GAN.sample(n, seed)")
TRUNCATION = ("z ~ N(0, I) restricted to [-truncation, truncation] (the truncation trick: less varied, more "
              "typical samples as truncation shrinks), the same draw as tfgan_gp.GAN.sample(n, seed, "
              "truncation=truncation): z = sqrt(2) * erfinv(v), "
              "v ~ U[-erf(truncation / sqrt(2)), erf(truncation / sqrt(2))) from "
              "tf.random.stateless_uniform(seed=[seed, 0], dtype=float64)")
GENERATORS = {"ema": "the exponential moving average of the generator's weights (GAN ema_decay)",
              "raw": "the generator's trained weights (no averaging)"}


def _output_description(info):
    facts = {"kind": info.kind, "sample_shape": list(info.sample_shape)}
    if info.kind == IMAGE:
        facts["image_size"] = {"height": info.sample_shape[0], "width": info.sample_shape[1],
                               "channels": info.sample_shape[2]}
    elif info.kind == TEXT:
        facts.update(seq_len=info.sample_shape[0], vocab_size=info.sample_shape[1],
                     pad=None if info.pad_id is None else info.tokens[info.pad_id])
    return facts


def build(info, fmt, signatures, extra):
    """The metadata dict: model facts, signatures, versions, then ``extra`` (source run, iteration, metrics...)."""
    facts = {"format": fmt, "latent_dim": info.latent_dim, "num_classes": info.num_classes,
             **_output_description(info), "signatures": signatures, "noise": NOISE, "truncation": TRUNCATION,
             "generator": info.weights, "max_samples": MAX_SAMPLES,
             "tensorflow_version": tf.__version__, "keras_version": keras.__version__,
             "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    extra = dict(extra or {})
    clash = sorted(set(extra) & set(facts))
    if clash:
        raise ValueError(f"metadata must not override the facts export computes ({', '.join(clash)}). "
                         f"Received: metadata keys {sorted(extra)}")
    try:
        json.dumps(extra)
    except TypeError as err:
        raise ValueError(f"metadata must be JSON-serialisable (str, numbers, lists, dicts). Received: {err}") from err
    return {**facts, **extra}


def snippet(info, fmt, path):
    """The few lines a user runs to get samples out of the export (shown in the README)."""
    if fmt == "tflite":
        key = "images" if info.kind == IMAGE else "samples"
        labels = f", labels=tf.range(4) % {info.num_classes}" if info.num_classes else ""
        return (f'import tensorflow as tf\n'
                f'runner = tf.lite.Interpreter({json.dumps(os.path.join(path, TFLITE_FILE))}).get_signature_runner()\n'
                f'{key} = runner(z=tf.random.normal([4, {info.latent_dim}]){labels})["{key}"]  # float32 numpy')
    key, note = {IMAGE: ("images", f"uint8, shape (16, {', '.join(map(str, info.sample_shape))})"),
                 TEXT: ("text", "16 strings"),
                 }.get(info.kind, ("samples", f"float32, shape (16, {info.sample_shape[0]})"))
    labels = f", labels=tf.range(16) % {info.num_classes}" if info.num_classes else ""
    return (f'import tensorflow as tf\n'
            f'generator = tf.saved_model.load({json.dumps(path)})\n'
            f'{key} = generator.sample(n=16, seed=0{labels})["{key}"]  # {note}')


def _signature_lines(signatures):
    def fmt(tensors):
        return ", ".join(f"{name}: {d['dtype']}{d['shape']}" for name, d in tensors.items())
    return "\n".join(f"- `{name}({fmt(sig['inputs'])})` -> `{{{fmt(sig['outputs'])}}}`"
                     for name, sig in signatures.items())


def _checks(info):
    bad = [f"n outside 1..{MAX_SAMPLES}", "z of the wrong width", "truncation not a finite number > 0"]
    if info.num_classes:
        bad.append(f"labels outside [0, {info.num_classes}) or not one per sample")
    return f"Bad inputs ({', '.join(bad)}) raise InvalidArgumentError naming the expected values."


def readme(meta, info, path):
    """Markdown: how to call the export, its signatures, where it came from."""
    fmt = meta["format"]
    lines = [f"# Exported generator ({info.kind}, {fmt})", ""]
    if meta.get("source_run"):
        iteration = meta.get("iteration")
        lines += [f"Trained in `{meta['source_run']}`"
                  + (f", generator iteration {iteration}." if iteration is not None else "."), ""]
    if info.weights:
        lines += [f"Weights: {GENERATORS[info.weights]}.", ""]
    lines += ["```python", snippet(info, fmt, path), "```", "", "Signatures (None = any size):", "",
              _signature_lines(meta["signatures"]), ""]
    if fmt == "saved_model":
        mapping = {IMAGE: " Images go from [-1, 1] to uint8 as round((x + 1) * 127.5), clipped to [0, 255].",
                   TEXT: " Text is the argmax character at each position, trailing padding removed."}
        lines += [f"Loading needs only TensorFlow. `sample` draws {NOISE}.{mapping.get(info.kind, '')} "
                  + _checks(info), "", f"`sample_truncated(n, seed, truncation)` draws {TRUNCATION}.", ""]
    else:
        lines += ["TFLite holds `serving_default` only, without input checks (TFLite has no Assert op).", ""]
    evaluation = meta.get("evaluation")
    if evaluation:
        numbers = {k: v for k, v in evaluation.items()
                   if isinstance(v, (int, float)) and k not in ("iteration", "num_samples")}
        protocol = f" ({evaluation['protocol_line']})" if evaluation.get("protocol_line") else ""
        lines += [f"Latest evaluation, at generator iteration {evaluation.get('iteration')}{protocol}:", ""]
        lines += [f"- {name}: {value:.6g}" for name, value in sorted(numbers.items())] + [""]
    lines += [f"All facts: `{METADATA_FILE}`.", ""]
    return "\n".join(lines)


def write(path, meta, info, shown_path=None):
    """Write ``metadata.json`` and ``README.md`` into the directory ``path`` (``README`` names ``shown_path``)."""
    with open(os.path.join(path, METADATA_FILE), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
    with open(os.path.join(path, README_FILE), "w") as f:
        f.write(readme(meta, info, shown_path or path))
