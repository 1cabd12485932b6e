"""Metrics for 2-D toy data: mode coverage, sample quality and an exact 1-Wasserstein distance."""
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist


def _nearest(samples, centres):
    d = cdist(np.asarray(samples, np.float64), np.asarray(centres, np.float64))
    return d.argmin(axis=1), d.min(axis=1)


def modes_covered(samples, centres, radius, min_fraction=0.01):
    """Number of centres with at least ``min_fraction`` of the samples within ``radius`` of them."""
    nearest, dist = _nearest(samples, centres)
    counts = np.bincount(nearest[dist < radius], minlength=len(centres))
    return int(np.sum(counts >= min_fraction * len(samples)))


def high_quality_fraction(samples, centres, radius):
    """Fraction of samples within ``radius`` of some centre."""
    return float(np.mean(_nearest(samples, centres)[1] < radius))


def wasserstein_1(a, b):
    """Exact W1 (Euclidean cost) between two equal-size point sets, by optimal assignment."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"wasserstein_1 needs two point sets of equal shape. Received: {a.shape} and {b.shape}")
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())
