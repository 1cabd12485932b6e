"""The serving functions of an exported generator, with their input signatures.

``serving_default(z[, labels])`` returns the generator's raw output; ``sample(n, seed[, labels])``
draws ``z ~ N(0, I)`` with ``tf.random.stateless_normal(seed=[seed, 0])`` -- the same noise as
``tfgan_gp.GAN.sample(n, seed)`` -- and returns ready-to-use samples: uint8 images, decoded
strings, or float vectors. ``sample_truncated(n, seed, truncation[, labels])`` does the same with the
truncation trick, ``z`` restricted to ``[−truncation, truncation]`` (``GAN.sample(..., truncation=ψ)``,
see :func:`tfgan_gp.randomness.latent`); ``sample`` itself is unchanged for its callers. Inputs
are checked inside the graph (``tf.debugging.Assert``, run before the generator through control
dependencies), so a served model answers a bad request
with an ``InvalidArgumentError`` that says what was expected, never with garbage (on GPU an
out-of-range class id would otherwise silently embed to zeros).
"""
import tensorflow as tf

from tfgan_gp import randomness
from tfgan_gp.serving.model_info import IMAGE, TEXT

MAX_SAMPLES = 1024


def to_uint8(images):
    """[-1, 1] floats to uint8 pixels: ``round((x + 1) * 127.5)`` (half to even), clipped to [0, 255]."""
    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)


def decode_text(probabilities, tokens, pad_id):
    """Argmax character per position, joined into one string per sample; trailing padding removed."""
    ids = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
    pieces = tf.gather(tf.constant(tokens, tf.string), ids)
    if pad_id is not None:
        before_last_real = tf.cumsum(tf.cast(ids != pad_id, tf.int32), axis=1, reverse=True) > 0
        pieces = tf.where(before_last_real, pieces, "")
    return tf.strings.reduce_join(pieces, axis=1)


def _guarded(tensor, checks):
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


def _check_z(z, latent_dim):
    width = tf.shape(z)[1]
    return _guarded(z, [tf.debugging.Assert(
        tf.equal(width, latent_dim),
        [f"z must have shape (batch, latent_dim={latent_dim}); received width:", width])])


def _check_n(n):
    return _guarded(n, [tf.debugging.Assert(
        tf.logical_and(n >= 1, n <= MAX_SAMPLES),
        [f"n (number of samples) must be in [1, {MAX_SAMPLES}]; received:", n])])


def _check_labels(labels, batch, num_classes, what):
    count = tf.size(labels)
    return _guarded(labels, [
        tf.debugging.Assert(tf.equal(count, batch),
                            [f"labels must hold one class id per {what}; expected", batch, "received", count]),
        tf.debugging.Assert(tf.reduce_all(tf.logical_and(labels >= 0, labels < num_classes)),
                            [f"labels must be class ids in [0, {num_classes}); received:", labels],
                            summarize=16)])


def _check_truncation(truncation):
    return _guarded(truncation, [tf.debugging.Assert(
        tf.logical_and(truncation > 0, tf.math.is_finite(truncation)),
        ["truncation must be a finite number > 0; received:", truncation])])


def signature_specs(info):
    """``{endpoint: [tf.TensorSpec, ...]}`` for the exported functions (names are the signature keys)."""
    z = tf.TensorSpec([None, info.latent_dim], tf.float32, name="z")
    draw = [tf.TensorSpec([], tf.int32, name="n"), tf.TensorSpec([], tf.int64, name="seed")]
    truncation = [tf.TensorSpec([], tf.float32, name="truncation")]
    labels = [tf.TensorSpec([None], tf.int32, name="labels")] if info.num_classes else []
    return {"serving_default": [z] + labels, "sample": draw + labels,
            "sample_truncated": draw + truncation + labels}


def _generate_fn(info):
    def generate(z, labels=None):
        inputs = [z, labels] if info.num_classes else z
        return tf.cast(info.generator(inputs, training=False), tf.float32)
    return generate


def _float_key(info):
    return "images" if info.kind == IMAGE else "samples"


def build(info):
    """``{endpoint: python function}`` for ``info`` (see :func:`signature_specs` for their inputs)."""
    latent_dim, num_classes = info.latent_dim, info.num_classes
    generate = _generate_fn(info)

    def raw(x):
        if info.kind == TEXT:
            return {"text": decode_text(x, info.tokens, info.pad_id), "probabilities": x}
        return {_float_key(info): x}

    def ready(x):
        if info.kind == TEXT:
            return {"text": decode_text(x, info.tokens, info.pad_id)}
        return {"images": to_uint8(x)} if info.kind == IMAGE else {"samples": x}

    def serve(z, labels=None):
        z = _check_z(z, latent_dim)
        if num_classes:
            labels = _check_labels(labels, tf.shape(z)[0], num_classes, "row of z")
        return raw(generate(z, labels))

    def draw(n, seed, labels=None, truncation=None):
        n = _check_n(n)
        if truncation is not None:
            truncation = _check_truncation(truncation)
        if num_classes:
            labels = _check_labels(labels, n, num_classes, "sample (n of them)")
        return ready(generate(randomness.latent(n, latent_dim, seed, truncation), labels))  # as GAN.sample

    if num_classes:
        def serving_default(z, labels):
            return serve(z, labels)

        def sample(n, seed, labels):
            return draw(n, seed, labels)

        def sample_truncated(n, seed, truncation, labels):
            return draw(n, seed, labels, truncation)
    else:
        def serving_default(z):
            return serve(z)

        def sample(n, seed):
            return draw(n, seed)

        def sample_truncated(n, seed, truncation):
            return draw(n, seed, truncation=truncation)
    return {"serving_default": serving_default, "sample": sample, "sample_truncated": sample_truncated}


def plain_generate(info):
    """``(fn, specs)``: ``serving_default`` without in-graph checks, for converters (TFLite) lacking Assert."""
    generate, key = _generate_fn(info), _float_key(info)

    if info.num_classes:
        def serving_default(z, labels):
            return {key: generate(z, labels)}
    else:
        def serving_default(z):
            return {key: generate(z)}
    return serving_default, signature_specs(info)["serving_default"]
