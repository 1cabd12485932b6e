"""Row order of a training batch under ``tf.distribute``, so R replicas see what one device sees.

A step's batch holds ``n_critic`` critic minibatches of ``batch_size`` rows. ``tf.distribute``
gives replica ``r`` the ``r``-th contiguous share of the batch; reordering the rows
``(n_critic, R, batch_size / R) → (R, n_critic, batch_size / R)`` makes that share hold the
``r``-th slice of *every* minibatch, so critic update ``i`` on all replicas together uses
exactly minibatch ``i`` (and, with :mod:`tfgan_gp.randomness`, the same noise).
"""
import tensorflow as tf


def active_replicas():
    """Replicas of the strategy in scope (1 outside any)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def check_divisible(batch_size, replicas):
    if batch_size % replicas:
        raise ValueError(f"batch_size={batch_size} is the global critic minibatch and must be divisible by the "
                         f"{replicas} replicas. Received: batch_size={batch_size}")


def arrange(batch, n_critic, replicas):
    """Reorder the rows of one step's batch (a tensor or a tuple of tensors) for ``replicas`` replicas."""
    if replicas == 1:
        return batch

    def one(t):
        shape = tf.shape(t)
        per_replica = shape[0] // (n_critic * replicas)
        grouped = tf.reshape(t, tf.concat([[n_critic, replicas, per_replica], shape[1:]], 0))
        perm = [1, 0, 2] + list(range(3, len(t.shape) + 2))
        return tf.reshape(tf.transpose(grouped, perm), shape)

    return tuple(one(t) for t in batch) if isinstance(batch, tuple) else one(batch)
