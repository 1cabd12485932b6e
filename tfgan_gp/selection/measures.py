"""What ``compare`` measures besides sample quality: stability, mode coverage and cost.

* :func:`oscillation` of a training curve (the critic's Wasserstein estimate per generator
  iteration): how much of its movement was back-and-forth rather than net progress.
* :func:`precision_recall` in a classifier's feature space (Kynkäänniemi et al. 2019):
  recall is the fraction of real samples that the generated ones cover, so a low recall is
  mode collapse on data without known modes.
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


def _kth_neighbour_radii(features, k, chunk):
    """Distance from each row to its ``k``-th nearest other row (Euclidean)."""
    sq = np.einsum("ij,ij->i", features, features)
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        block = features[start:start + chunk]
        d2 = sq[start:start + chunk, None] + sq[None, :] - 2.0 * block @ features.T
        # the k+1 smallest include the point itself (distance 0)
        radii[start:start + chunk] = np.sqrt(np.maximum(np.partition(d2, k, axis=1)[:, k], 0.0))
    return radii


def _covered(queries, support, radii, chunk):
    """Whether each query lies within ``radii[j]`` of some support point ``j``."""
    sq_s = np.einsum("ij,ij->i", support, support)
    inside = np.empty(len(queries), bool)
    for start in range(0, len(queries), chunk):
        block = queries[start:start + chunk]
        d2 = np.einsum("ij,ij->i", block, block)[:, None] + sq_s[None, :] - 2.0 * block @ support.T
        inside[start:start + chunk] = (d2 <= radii[None, :] ** 2).any(axis=1)
    return inside


def precision_recall(real_features, fake_features, k=3, chunk=1024):
    """Improved precision and recall (Kynkäänniemi et al. 2019), ``(precision, recall)`` in ``[0, 1]``.

    Each set's manifold is the union of balls around its points with radius the distance to
    the point's ``k``-th nearest neighbour in the same set (paper: k = 3). Precision is the
    fraction of generated points inside the real manifold (quality); recall the fraction of
    real points inside the generated manifold (coverage: mode collapse lowers it).
    """
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"real_features and fake_features must have shapes (n, d) and (m, d). "
                         f"Received: {real.shape} and {fake.shape}")
    if not isinstance(k, int) or k < 1 or min(len(real), len(fake)) <= k:
        raise ValueError(f"k must be an integer >= 1 and smaller than both set sizes. "
                         f"Received: k={k!r}, sizes {len(real)} and {len(fake)}")
    precision = _covered(fake, real, _kth_neighbour_radii(real, k, chunk), chunk).mean()
    recall = _covered(real, fake, _kth_neighbour_radii(fake, k, chunk), chunk).mean()
    return float(precision), float(recall)


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
