"""Input pipelines: image and text loaders (tfds + local files) and ``for_gan``, which batches real data the
way ``GAN.train_step`` consumes it."""
import numpy as np
import tensorflow as tf

from tfgan_gp.data import toy  # noqa: F401  (tfgan_gp.data.toy)
from tfgan_gp.data import idx, images, sources, text  # noqa: F401
from tfgan_gp.data.replicas import active_replicas, arrange, check_divisible
from tfgan_gp.data.images import check_image_shape, load_images, num_classes  # noqa: F401
from tfgan_gp.data.sources import DataUnavailableError  # noqa: F401
from tfgan_gp.data.text import Vocab, load_text  # noqa: F401


def for_gan(ds, batch_size, n_critic=5, shuffle_buffer=10_000, seed=None, replicas=None):
    """Shuffle, repeat and batch ``ds`` into ``n_critic × batch_size`` real samples per step.

    One ``GAN.train_step`` splits each element into ``n_critic`` critic
    minibatches of ``batch_size``; ``drop_remainder`` keeps shapes static.
    ``shuffle_buffer=None`` skips shuffling (for sources that are already random).
    The source is repeated before batching, so a dataset smaller than ``n_critic × batch_size`` still gives
    full batches (its examples then recur within a step); an empty one is refused.
    Under ``tf.distribute`` (``replicas``: default, the strategy in scope) ``batch_size`` is global and
    rows are ordered so that R replicas together train on exactly what one device would
    (:mod:`tfgan_gp.data.replicas`).
    """
    batch_size, n_critic = _positive_int(batch_size, "batch_size"), _positive_int(n_critic, "n_critic")
    if int(ds.cardinality()) == 0:
        raise ValueError("The dataset is empty, so it cannot feed training. Received: a dataset of cardinality 0")
    replicas = replicas or active_replicas()
    check_divisible(batch_size, replicas)
    if shuffle_buffer:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat().batch(n_critic * batch_size, drop_remainder=True)
    if replicas > 1:
        ds = ds.map(lambda *b: arrange(b if len(b) > 1 else b[0], n_critic, replicas),
                    num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _positive_int(value, name):
    """``value`` as a Python int if it is a positive integer (numpy integers included), else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    return int(value)
