"""``--rehearsal``: a recipe's real configuration at tiny width, offline, before the real run.

A smoke run (``--smoke``) shrinks everything; a rehearsal keeps what breaks at scale and replaces
only what costs GPU-days or a download:

* model widths (each recipe's ``REHEARSAL`` sizes);
* the data: tensorflow-datasets' ``mock_data`` with random examples in the **real split sizes**
  (:data:`REAL_SPLITS`: CIFAR-10 50,000 / 10,000, MNIST and Fashion-MNIST 60,000 / 10,000, LSUN bedrooms
  3,033,042 / 300, lm1b 30,301,028 / 306,688, 32×32 ImageNet 1,281,149 / 49,999); local files (``--data_dir``,
  ``--text_file``) are read as they are;
* the evaluation network: a tiny random CNN instead of InceptionV3 (same protocol, other features);
* ``--iterations``, unless given: two evaluation cycles (2 × ``--eval_every``).

Everything else is the real run's: batch size, ``n_critic``, learning-rate schedule, evaluation
sample counts and reference sets, evaluation cadence, checkpoints, resume and export. Pass a
smaller ``--eval_every`` to get there sooner (the cadence is counted in generator iterations and
does not depend on sizes).

A rehearsal says so (:data:`ANNOUNCEMENT`), and every line that reports on its stand-ins carries their
:func:`label`: its numbers check the pipeline, not a model.
"""
import contextlib
import math
from unittest import mock

REAL_SPLITS = {
    "cifar10": {"train": 50_000, "test": 10_000},
    "mnist": {"train": 60_000, "test": 10_000},
    "fashion_mnist": {"train": 60_000, "test": 10_000},
    "lsun/bedroom": {"train": 3_033_042, "validation": 300},
    "lm1b": {"train": 30_301_028, "test": 306_688},
    "downsampled_imagenet/32x32": {"train": 1_281_149, "validation": 49_999},
}
"""Examples per split of the tensorflow-datasets sets the recipes read (from the tfds catalog)."""

MOCK_IMAGE_SHAPES = {"cifar10": (32, 32, 3), "mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1),
                     "lsun/bedroom": (64, 80, 3), "downsampled_imagenet/32x32": (32, 32, 3)}
"""Shapes of the random images (LSUN's are not square, as the real ones, so the centre crop runs); each holds a
multiple of 4 bytes (drawn four at a time)."""

ANNOUNCEMENT = ("rehearsal: the real configuration at tiny width, offline (recipes/rehearsal.py); lines marked "
                "[rehearsal: ...] report on its stand-ins (mock data, a tiny random classifier), and every score "
                "checks the pipeline, not a model.")
"""What a rehearsal prints first."""

ALPHABET = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:'\"!?-()&$%")


def label(data=False, classifier=False):
    """``" [rehearsal: mock data, tiny random classifier]"``: the mark of an output line that reports on a
    rehearsal's stand-ins, ``data`` (tensorflow-datasets mock data) and/or ``classifier`` (a tiny random CNN
    instead of InceptionV3); ``""`` for a line about neither."""
    parts = [part for part, used in (("mock data", data), ("tiny random classifier", classifier)) if used]
    return f" [rehearsal: {', '.join(parts)}]" if parts else ""


def dataset_name(builder):
    """``lsun/bedroom`` for the LSUN builder with the bedroom config, else the builder's name."""
    config = getattr(builder, "builder_config", None)
    return f"{builder.name}/{config.name}" if config is not None and builder.name == "lsun" else builder.name


def examples(name, split, block=1000):
    """Random tfds-style examples of ``name``/``split`` in the real number (deterministic, made on the fly).

    Drawn ``block`` at a time from stateless seeds ``(first index, split)``: a pure function of the index.
    """
    import tensorflow as tf

    sizes = REAL_SPLITS.get(name)
    if sizes is None or split not in sizes:
        raise ValueError(f"A rehearsal knows the real split sizes of {', '.join(sorted(REAL_SPLITS))} "
                         f"(splits {sizes and sorted(sizes)}). Received: {name}, split={split!r}")
    total, salt = sizes[split], sorted(sizes).index(split)

    def seed(start):
        return tf.stack([start, tf.constant(salt, tf.int64)])

    def count(start):
        return tf.minimum(tf.constant(block, tf.int64), total - start)

    if name == "lm1b":
        alphabet = tf.constant(ALPHABET)

        def lines(start):
            k = count(start)
            chars = tf.random.stateless_uniform([k, 60], seed(start), 0, len(ALPHABET), dtype=tf.int32)
            lengths = tf.random.stateless_uniform([k], seed(start) + 1, 1, 60, dtype=tf.int32)
            full = tf.strings.reduce_join(tf.gather(alphabet, chars), axis=-1)
            return {"text": tf.strings.substr(full, tf.zeros_like(lengths), lengths)}

        make = lines
    else:
        shape = MOCK_IMAGE_SHAPES[name]

        def make(start):
            # uniform bytes, four per full-range uint32 draw (5x faster than one int32 draw per pixel)
            k = count(start)
            bits = tf.random.stateless_uniform(tf.stack([k, math.prod(shape) // 4]), seed(start), minval=None,
                                               maxval=None, dtype=tf.uint32)
            pixels = tf.reshape(tf.bitcast(bits, tf.uint8), tf.concat([[k], tf.constant(shape, tf.int64)], 0))
            return {"image": pixels, "label": (start + tf.range(k)) % 10}

    return (tf.data.Dataset.range(0, total, block).map(make).unbatch()
            .apply(tf.data.experimental.assert_cardinality(total)))


@contextlib.contextmanager
def mock_tfds(active=True):
    """Within: every tfds builder is "prepared" and yields :func:`examples` (nothing is downloaded); with
    ``active`` false (not a rehearsal, or local files), tfds as it is."""
    if not active:
        yield
        return
    import tensorflow_datasets as tfds

    def as_dataset(builder, split, decoders=None, read_config=None, shuffle_files=False):
        return examples(dataset_name(builder), str(split))

    with tfds.testing.mock_data(as_dataset_fn=as_dataset), \
            mock.patch.object(tfds.core.DatasetBuilder, "is_prepared", lambda self: True):
        yield
