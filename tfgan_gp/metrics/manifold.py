"""k-NN manifold estimates of sample quality and coverage in a classifier's feature space.

* Improved precision and recall (Kynkäänniemi et al. 2019, k = 3): precision is the fraction of
  generated samples inside the real data's manifold (quality); recall the fraction of real samples
  inside the generated one, so a low recall is mode collapse on data without known modes.
* Density and coverage (Naeem et al. 2020, k = 5): both use only the real manifold, which is less
  fooled by outliers among the generated samples. Density counts how many real neighbourhoods
  contain each generated sample (1 on average when the distributions match, above 1 when samples
  crowd where real data is dense); coverage is the fraction of real neighbourhoods that contain at
  least one generated sample.

Each set's manifold is the union of balls around its points with radius the distance to the
point's ``k``-th nearest neighbour in the same set.
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


def _check(real_features, fake_features, k):
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"real_features and fake_features must have shapes (n, d) and (m, d). "
                         f"Received: {real.shape} and {fake.shape}")
    if not isinstance(k, int) or k < 1 or min(len(real), len(fake)) <= k:
        raise ValueError(f"k must be an integer >= 1 and smaller than both set sizes. "
                         f"Received: k={k!r}, sizes {len(real)} and {len(fake)}")
    return real, fake


def density_coverage(real_features, fake_features, k=5, chunk=1024):
    """Density and coverage (Naeem et al. 2020), ``(density, coverage)``; paper: k = 5.

    With ``r_i`` the distance from real point ``i`` to its ``k``-th nearest real neighbour:
    ``density = 1/(k·M) Σ_j Σ_i 1[‖Y_j − X_i‖ < r_i]`` over the ``M`` generated points ``Y_j``
    (unbounded; 1 in expectation for identical distributions), ``coverage = 1/N Σ_i 1[min_j ‖Y_j − X_i‖ < r_i]``
    in ``[0, 1]``. Strict inequalities as the authors' ``prdc`` code; distances are computed from the
    real side in the same way as the radii, so a generated point equal to a real one's ``k``-th
    neighbour lies on the ball's boundary exactly (a set scored against itself has density 1).
    """
    real, fake = _check(real_features, fake_features, k)
    sq_real, sq_fake = np.einsum("ij,ij->i", real, real), np.einsum("ij,ij->i", fake, fake)
    counts = np.empty(len(real), np.int64)      # generated points inside each real ball
    for start in range(0, len(real), chunk):
        block, sq = real[start:start + chunk], sq_real[start:start + chunk, None]
        radius2 = np.partition(sq + sq_real[None, :] - 2.0 * block @ real.T, k, axis=1)[:, k:k + 1]
        counts[start:start + chunk] = (sq + sq_fake[None, :] - 2.0 * block @ fake.T < radius2).sum(axis=1)
    return float(counts.sum() / (k * len(fake))), float((counts > 0).mean())


def precision_recall(real_features, fake_features, k=3, chunk=1024):
    """Improved precision and recall (Kynkäänniemi et al. 2019), ``(precision, recall)`` in ``[0, 1]``.

    Each set's manifold is the union of balls around its points with radius the distance to
    the point's ``k``-th nearest neighbour in the same set (paper: k = 3). Precision is the
    fraction of generated points inside the real manifold (quality); recall the fraction of
    real points inside the generated manifold (coverage: mode collapse lowers it).
    """
    real, fake = _check(real_features, fake_features, k)
    precision = _covered(fake, real, _kth_neighbour_radii(real, k, chunk), chunk).mean()
    recall = _covered(real, fake, _kth_neighbour_radii(fake, k, chunk), chunk).mean()
    return float(precision), float(recall)
