"""Replayable batches from in-memory arrays: step ``s``'s samples are a pure function of ``(seed, s)``.

Each epoch is a fresh permutation (``tf.random.experimental.index_shuffle`` keyed by
``(seed, epoch)``), so sampling is without replacement within an epoch as with
``shuffle``, but nothing depends on an iterator's hidden state. A run resumed at
generator iteration ``s`` therefore sees exactly the batches an uninterrupted run
would have seen. Use it for datasets that fit in memory (MNIST, CIFAR-10, a text
file); stream larger ones with :func:`tfgan_gp.data.for_gan`.

Noise that belongs to the data (dequantization) must not be frozen into the arrays: keep
8-bit images and pass ``dequantize=True``, and each step draws its own noise from
``(seed, step)`` (fresh every epoch, the same after a resume).
"""
import numpy as np
import tensorflow as tf

from tfgan_gp.data.images import dequantize as dequantize_images
from tfgan_gp.data.replicas import active_replicas, arrange, check_divisible


def arrays_from(ds, limit=None):
    """Materialise an unbatched dataset (elements: tensor or tuple of tensors) as numpy arrays."""
    if limit:
        ds = ds.take(limit)
    columns = None
    for batch in ds.batch(4096).as_numpy_iterator():
        batch = batch if isinstance(batch, tuple) else (batch,)
        columns = [[] for _ in batch] if columns is None else columns
        for column, part in zip(columns, batch):
            column.append(part)
    if columns is None:
        raise ValueError("The dataset is empty: no examples to train on. Received: an empty dataset")
    return tuple(np.concatenate(c) for c in columns)


def _noise_seed(seed, step):
    return tf.stack([tf.cast(seed, tf.int64) * 2 + 1, tf.cast(step, tf.int64)])  # apart from the order's keys


def replay_batches(arrays, batch_size, n_critic, seed=0, start_step=0, replicas=None, dequantize=False):
    """Infinite ``tf.data`` of ``n_critic × batch_size`` samples per step, starting at ``start_step``.

    ``arrays`` is an array or a tuple of arrays with the same first dimension (e.g. images, labels);
    elements are a tensor or a tuple accordingly. Under ``tf.distribute`` rows are ordered as in
    :func:`tfgan_gp.data.for_gan`. ``dequantize``: the first array holds 8-bit images, mapped each step to
    ``(x + u)/128 − 1`` with ``u ~ U[0, 1)`` drawn from ``(seed, step)`` (:func:`tfgan_gp.data.images.dequantize`).
    """
    replicas = replicas or active_replicas()
    check_divisible(batch_size, replicas)
    single = not isinstance(arrays, (tuple, list))
    arrays = (arrays,) if single else tuple(arrays)
    per_step = n_critic * batch_size
    if len(arrays[0]) < per_step:  # fewer examples than one step takes: they recur within a step
        reps = -(-per_step // len(arrays[0]))
        arrays = tuple(np.concatenate([a] * reps) for a in arrays)
    n = len(arrays[0])
    tensors = tuple(tf.constant(a) for a in arrays)

    def permuted(within, epoch):
        return tf.random.experimental.index_shuffle(within, tf.stack([tf.cast(seed, tf.int64), epoch]),
                                                    tf.cast(n - 1, tf.int64))

    def step_batch(step):
        # a step spans at most two epochs (per_step <= n): shuffle each part with its epoch's permutation
        positions = step * per_step + tf.range(per_step, dtype=tf.int64)
        first_epoch = positions[0] // n
        within = positions % n
        index = tf.where(positions // n == first_epoch, permuted(within, first_epoch),
                         permuted(within, first_epoch + 1))
        batch = tuple(tf.gather(t, index) for t in tensors)
        if dequantize:
            batch = _dequantized(batch, _noise_seed(seed, step))
        return arrange(batch[0] if single else batch, n_critic, replicas)

    return (tf.data.Dataset.counter(start_step)
            .map(step_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE))


def dequantize_batches(batches, seed=0):
    """Dequantize the 8-bit images of a batched stream (elements: images or ``(images, ...)``), noise from
    ``(seed, batch index)``."""
    def apply(element, index):
        return _dequantized(element, _noise_seed(seed, index))

    return tf.data.Dataset.zip((batches, tf.data.Dataset.counter())).map(apply, num_parallel_calls=tf.data.AUTOTUNE)


def _dequantized(batch, noise_seed):
    """``batch`` (8-bit images, or a tuple whose first entry is them) with its images dequantized."""
    if isinstance(batch, tuple):
        return (dequantize_images(batch[0], noise_seed),) + batch[1:]
    return dequantize_images(batch, noise_seed)
