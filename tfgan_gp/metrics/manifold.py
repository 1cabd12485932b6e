"""k-NN manifold estimates of sample quality and coverage: improved precision and recall (Kynkäänniemi et al. 2019).

Precision is the fraction of generated samples inside the real data's manifold (quality);
recall the fraction of real samples inside the generated one (coverage), so a low recall is
mode collapse on data without known modes.
"""
import numpy as np


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
