"""What ``compare`` measures besides sample quality: stability and cost.

(Mode coverage on data without known modes is the recall of
:func:`tfgan_gp.metrics.precision_recall`.)

* :func:`oscillation` of a training curve (the critic's Wasserstein estimate per generator
  iteration): how much of its movement was back-and-forth rather than net progress.
* :class:`RunRecorder`: per-iteration curves and seconds per generator iteration during ``fit``.
* :class:`PeakMemory`: peak memory during a run (GPU allocator, or the process's peak RSS on CPU).
"""
import math
import time

import keras
import numpy as np
import tensorflow as tf


def oscillation(series):
    """Normalised excess total variation of a curve, in ``[0, 1]``.

    ``(TV / range − 1) / (T − 2)`` with ``TV = Σ|wₜ₊₁ − wₜ|`` and ``range = max w − min w`` over
    the ``T`` finite points: 0 when the curve moves monotonically (all its movement is net
    progress), 1 when it jumps between its extremes at every step; i.i.d. noise gives about
    1/3. Scale-free, so curves of losses with different scales compare. A constant curve, or
    one with fewer than 3 finite points, gives 0.
    """
    w = np.asarray(series, np.float64).ravel()
    w = w[np.isfinite(w)]
    if len(w) < 3:
        return 0.0
    spread = w.max() - w.min()
    if spread <= 0.0:
        return 0.0
    total_variation = np.abs(np.diff(w)).sum()
    return float(np.clip((total_variation / spread - 1.0) / (len(w) - 2), 0.0, 1.0))


def count_params(model):
    """Trainable parameters of a Keras model (spectral-norm power-iteration vectors excluded)."""
    return int(sum(math.prod(v.shape) for v in model.trainable_variables))


class RunRecorder(keras.callbacks.Callback):
    """Records, for every generator iteration, the mean of each GAN metric over that iteration and its time.

    The GAN's trackers are running means; the value of one iteration is recovered from the
    change of their ``total``/``count`` state (exact, and robust to Keras resetting them each
    epoch). ``seconds_per_iteration`` is the median wall time of an iteration after the
    first ``warmup`` ones (tracing and compilation happen there).
    """

    def __init__(self, names=("wasserstein_estimate", "d_loss", "g_loss"), warmup=2):
        super().__init__()
        self.names, self.warmup = tuple(names), warmup
        self.curves = {name: [] for name in self.names}
        self.durations = []
        self._previous = {}
        self._start = None

    def _state(self, name):
        tracker = self.model.trackers[name]
        return float(tracker.total.numpy()), float(tracker.count.numpy())

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        for name in self.names:
            total, count = self._state(name)
            last_total, last_count = self._previous.get(name, (0.0, 0.0))
            if count < last_count:  # reset at an epoch boundary
                last_total, last_count = 0.0, 0.0
            value = (total - last_total) / (count - last_count) if count > last_count else float("nan")
            self.curves[name].append(value)
            self._previous[name] = (total, count)
        self.durations.append(time.perf_counter() - self._start)

    @property
    def seconds_per_iteration(self):
        timed = self.durations[self.warmup:] or self.durations
        return float(np.median(timed)) if timed else float("nan")


class PeakMemory:
    """Context manager: peak memory of a run above the level at entry, in bytes (``peak_bytes``).

    On a GPU: the peak of TensorFlow's allocator on ``GPU:0`` (``get_memory_info``). On a CPU:
    the peak resident set size of the process (Linux ``VmHWM``, reset at entry through
    ``/proc/self/clear_refs``) minus the resident size at entry, which counts everything the
    run allocates (weights, optimizer slots, activations, traced graphs), including one-time
    costs that the first run in a process pays. ``nan`` where neither is available.
    """

    def __init__(self):
        self.gpu = bool(tf.config.list_logical_devices("GPU"))
        self.peak_bytes = float("nan")
        self._base = None

    def __enter__(self):
        try:
            if self.gpu:
                tf.config.experimental.reset_memory_stats("GPU:0")
                self._base = tf.config.experimental.get_memory_info("GPU:0")["current"]
            else:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")  # resets VmHWM to the current VmRSS
                self._base = _proc_status_bytes("VmRSS")
        except (OSError, ValueError, tf.errors.OpError):
            self._base = None
        return self

    def __exit__(self, *exc):
        if self._base is not None:
            peak = (tf.config.experimental.get_memory_info("GPU:0")["peak"] if self.gpu
                    else _proc_status_bytes("VmHWM"))
            self.peak_bytes = float(max(peak - self._base, 0))
        return False


def _proc_status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # reported in kB
    raise ValueError(f"/proc/self/status has no {field}")
