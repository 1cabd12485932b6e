"""Running mean and covariance of feature vectors, in float64, with bounded memory.

Batches are merged with the pairwise update of Chan, Golub & LeVeque (1979):
each batch's own mean and centred scatter are combined with the running ones,
which stays accurate when the features' mean is large relative to their spread
(unlike accumulating ``Σx`` and ``Σxxᵀ``). Memory is ``O(d²)`` whatever the
number of samples.
"""
import numpy as np


class RunningMoments:
    """Mean and unbiased covariance of ``d``-dimensional vectors seen batch by batch."""

    def __init__(self, dim=None):
        self.count = 0
        self._mean = None if dim is None else np.zeros(dim, np.float64)
        self._scatter = None if dim is None else np.zeros((dim, dim), np.float64)

    def update(self, batch):
        """Add a batch of shape ``(n, d)``."""
        x = np.asarray(batch, np.float64)
        if x.ndim != 2 or (self._mean is not None and x.shape[1] != self._mean.shape[0]):
            expected = "(n, d)" if self._mean is None else f"(n, {self._mean.shape[0]})"
            raise ValueError(f"Feature batches must have shape {expected}. Received: shape {x.shape}")
        n = x.shape[0]
        if n == 0:
            return self
        if self._mean is None:
            self._mean = np.zeros(x.shape[1], np.float64)
            self._scatter = np.zeros((x.shape[1], x.shape[1]), np.float64)
        batch_mean = x.mean(axis=0)
        centred = x - batch_mean
        delta = batch_mean - self._mean
        total = self.count + n
        self._scatter += centred.T @ centred + np.outer(delta, delta) * (self.count * n / total)
        self._mean += delta * (n / total)
        self.count = total
        return self

    @property
    def mean(self):
        self._check(1)
        return self._mean.copy()

    @property
    def covariance(self):
        """Unbiased (``n - 1``) sample covariance, ``(d, d)``."""
        self._check(2)
        return self._scatter / (self.count - 1)

    def _check(self, minimum):
        if self.count < minimum:
            raise ValueError(f"RunningMoments needs at least {minimum} vectors for this statistic. "
                             f"Received: {self.count}")

    def state(self):
        """A dict of arrays (for ``np.savez``) that :meth:`from_state` restores exactly."""
        self._check(1)
        return {"count": np.int64(self.count), "mean": self._mean, "scatter": self._scatter}

    @classmethod
    def from_mean_covariance(cls, mean, covariance, count=None):
        """Moments with this mean and covariance (e.g. TTUR's ``mu``/``sigma``); ``count=None``: unknown (2 is kept)."""
        moments = cls()
        moments.count = 2 if count is None else int(count)
        moments._mean = np.array(mean, np.float64)
        moments._scatter = np.array(covariance, np.float64) * (moments.count - 1)
        return moments

    @classmethod
    def from_state(cls, state):
        moments = cls()
        moments.count = int(state["count"])
        moments._mean = np.array(state["mean"], np.float64)
        moments._scatter = np.array(state["scatter"], np.float64)
        return moments
