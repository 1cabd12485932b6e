"""Scale-out through ``tf.distribute``: choosing a strategy, where each worker may write, replica arithmetic.

* ``none``: the default strategy (one device).
* ``mirrored``: ``MirroredStrategy`` over this machine's GPUs (or the given devices).
* ``multi_worker``: ``MultiWorkerMirroredStrategy``; every worker runs the same command with
  its own ``TF_CONFIG``, e.g. for two workers on two hosts::

      TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                  "task": {"type": "worker", "index": 0}}' python -m recipes.cifar_resnet ...
      # and index 1 on host2. Worker 0 is the chief: it writes logs and checkpoints.

TPU and other multi-host strategies go through the same code path (``GAN.train_step``
runs per replica; losses are scaled to the global batch, random draws are made for
the global batch and sliced per replica, see :mod:`tfgan_gp.randomness`).
"""
import json
import os
import tempfile

import tensorflow as tf

STRATEGIES = ("none", "mirrored", "multi_worker")


def make_strategy(name="none", devices=None):
    """Build the ``tf.distribute`` strategy called ``name`` (one of :data:`STRATEGIES`)."""
    if name == "none":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("--distribute=multi_worker needs the TF_CONFIG environment variable "
                             "(cluster and task of this worker). Received: no TF_CONFIG")
        tf_config()  # valid JSON, before TensorFlow reads it
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy: expected one of {', '.join(STRATEGIES)}. Received: distribute={name!r}")


def tf_config():
    """The parsed ``TF_CONFIG`` environment variable (``{}`` when unset); one sentence when it is not JSON."""
    text = os.environ.get("TF_CONFIG", "{}")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON ({err.msg} at character {err.pos}); see the example in "
                         f"tfgan_gp.distribute. Received: TF_CONFIG={text[:80]!r}") from None
    if not isinstance(config, dict):
        raise ValueError(f"TF_CONFIG must be a JSON object with 'cluster' and 'task'. Received: TF_CONFIG={text!r}")
    return config


def task():
    """``(task type, task index)`` from ``TF_CONFIG``; ``(None, 0)`` for a single process."""
    info = tf_config().get("task", {})
    return info.get("type"), int(info.get("index", 0))


def is_chief():
    """True for the process that writes logs and checkpoints (single process, chief, or worker 0)."""
    task_type, index = task()
    return task_type in (None, "chief") or (task_type == "worker" and index == 0 and not _has_chief())


def _has_chief():
    return "chief" in tf_config().get("cluster", {})


def writable_dir(directory):
    """``directory`` on the chief; a private temporary directory on other workers.

    Multi-worker saves are collective, so every worker must save; only the chief's copy is kept.
    """
    if is_chief():
        return directory
    task_type, index = task()
    return tempfile.mkdtemp(prefix=f"tfgan_gp_{task_type}_{index}_")


def replica_position():
    """``(replica id, number of replicas)`` of the running replica; ``(0, 1)`` outside a strategy."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


def mean_over_replicas(value):
    """The mean of a per-replica ``value`` over all replicas in sync (``value`` itself with one replica).

    Call it from every replica (it is a collective); with equal per-replica batches the mean of batch
    means is the global batch's.
    """
    return _all_reduce(value, tf.distribute.ReduceOp.MEAN)


def sum_over_replicas(value):
    """``value`` summed over the replicas in sync (from a replica context); ``value`` itself on one replica."""
    return _all_reduce(value, tf.distribute.ReduceOp.SUM)


def _all_reduce(value, op):
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce(op, value)


def state_variable(value, dtype, name):
    """A non-trainable variable for running state that every replica updates alike (checkpointed by its owner).

    Created in a ``tf.distribute`` scope it is mirrored; each replica computes the same new value (reduce
    batch statistics over replicas first), and the first replica's is kept (``ONLY_FIRST_REPLICA``).
    """
    return tf.Variable(value, dtype=dtype, trainable=False, name=name,
                       synchronization=tf.VariableSynchronization.ON_WRITE,
                       aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)


def scale_for_replicas(loss):
    """Divide a per-replica mean loss by the replica count: summed gradients then average the global batch."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * (1.0 / replicas)
