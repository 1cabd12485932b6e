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
import re
import tempfile

import tensorflow as tf

STRATEGIES = ("none", "mirrored", "multi_worker")
_made = {}


def make_strategy(name="none", devices=None):
    """The ``tf.distribute`` strategy called ``name`` (one of :data:`STRATEGIES`), made once per process.

    ``MultiWorkerMirroredStrategy`` must exist before TensorFlow runs its first operation in the process, so
    programs make it first (the recipes do, before reading any data); asking again returns the same strategy.
    """
    if name == "none":
        return tf.distribute.get_strategy()
    key = (name, tuple(devices or ()))
    if key not in _made:
        _made[key] = _new_strategy(name, devices)
    return _made[key]


def split_cpu(count):
    """Show TensorFlow this machine's CPU as ``count`` logical devices (before its first operation), so that a
    mirrored strategy without GPUs runs ``count`` replicas."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"logical_cpus must be an integer >= 1. Received: logical_cpus={count!r}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)


def _new_strategy(name, devices):
    if name == "mirrored":  # default: every GPU, or every logical CPU on a machine without one
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy(devices or [d.name for d in gpus or tf.config.list_logical_devices("CPU")])
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("--distribute=multi_worker needs the TF_CONFIG environment variable "
                             "(cluster and task of this worker). Received: no TF_CONFIG")
        _coordinate(tf_config())
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except (tf.errors.DeadlineExceededError, tf.errors.UnavailableError) as err:
            raise cluster_error(err, "did not join the cluster", "start its command with the same TF_CONFIG cluster "
                                "list and its own task index, check that its address is reachable from here, or "
                                "wait longer (TFGAN_GP_PEER_TIMEOUT)") from None
    raise ValueError(f"Unknown strategy: expected one of {', '.join(STRATEGIES)}. Received: distribute={name!r}")


PEER_TIMEOUT_SECONDS = 300
"""How long a worker waits for the others to join, and at most how long a dead peer goes unnoticed
(``TFGAN_GP_PEER_TIMEOUT`` overrides it, in seconds)."""


def peer_timeout():
    """Seconds to wait for the cluster (``TFGAN_GP_PEER_TIMEOUT``, default :data:`PEER_TIMEOUT_SECONDS`)."""
    text = os.environ.get("TFGAN_GP_PEER_TIMEOUT", str(PEER_TIMEOUT_SECONDS))
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(f"TFGAN_GP_PEER_TIMEOUT must be a number of seconds > 0. Received: TFGAN_GP_PEER_TIMEOUT="
                         f"{text!r}")
    return seconds


def _coordinate(config):
    """Configure TensorFlow's coordination service (before the strategy does it without time limits): a worker
    whose peers do not all register within :func:`peer_timeout` fails instead of waiting forever, and a worker
    that dies is noticed by the others' heartbeats."""
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.distribute import multi_worker_util
    from tensorflow.python.eager import context

    cluster = tf.train.ClusterSpec(config.get("cluster", {}))
    jobs = [coordination_config_pb2.CoordinatedJob(name=job, num_tasks=cluster.num_tasks(job))
            for job in ("chief", "worker") if job in cluster.jobs]
    timeout_ms = int(peer_timeout() * 1000)
    context.context().configure_coordination_service(
        service_type="standalone", service_leader=multi_worker_util.coordination_leader(cluster),
        coordinated_jobs=jobs, cluster_register_timeout_in_ms=timeout_ms,
        heartbeat_timeout_in_ms=min(timeout_ms, 60_000), shutdown_barrier_timeout_in_ms=timeout_ms)
    context.context().coordination_service.cluster_register_with_barrier = True  # (the timeout bounds the wait)


class ClusterError(RuntimeError):
    """A multi-worker run cannot go on: a peer never joined, or stopped responding (killed, crashed, unreachable)."""


PEER_FAILURES = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError)
"""What TensorFlow raises in a worker whose collective operations lost a peer."""


def cluster_error(err, what, advice):
    """The :class:`ClusterError` of a TensorFlow error ``err`` that names the missing peers: one sentence saying which
    worker, at which address, ``what`` happened, and ``advice`` (what to check or do)."""
    cluster = tf_config().get("cluster", {})
    peers = sorted(set(re.findall(r"/job:(\w+)/replica:\d+/task:(\d+)", str(err))) - {_task_name()})
    named = [f"{job} {index} ({_address(cluster, job, int(index))})" for job, index in peers] or ["a peer"]
    return ClusterError(f"{' and '.join(named)} {what} (waited up to {peer_timeout():g} s): {advice}.")


def check_same_start(strategy, iteration, logdir):
    """Under ``MultiWorkerMirroredStrategy``: every worker must resume from the same generator iteration (the
    chief's checkpoint in ``logdir``); a :class:`ClusterError` when they would not (a directory not shared)."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return
    found = strategy.gather(strategy.run(lambda: tf.constant([iteration], tf.int64)), axis=0).numpy().tolist()
    if len(set(found)) > 1:
        starts = ", ".join(f"worker {i}: {start}" for i, start in enumerate(found))
        raise ClusterError(f"The workers would resume from different generator iterations ({starts}): every worker "
                           f"reads the chief's checkpoints in {logdir}, so that directory must be the same shared "
                           f"directory on every host (or start a new run in a new --logdir).")


def _task_name():
    task_type, index = task()
    return (task_type or "worker", str(index))


def _address(cluster, job, index):
    addresses = cluster.get(job, [])
    return addresses[index] if index < len(addresses) else "unknown address"


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
