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


def _squared_norms(x):
    return np.einsum("ij,ij->i", x, x)


def neighbour_distances(features, ks, chunk=1024):
    """``{k: squared distance from each row to its k-th nearest other row}`` for every ``k`` in ``ks``, one pass.

    Squared Euclidean distances ``‖a‖² + ‖b‖² − 2 a·b`` (a tiny negative value stays as it is).
    """
    ks = sorted(set(ks))
    sq = _squared_norms(features)
    out = np.empty((len(ks), len(features)))
    for start in range(0, len(features), chunk):
        block = features[start:start + chunk]
        d2 = sq[start:start + chunk, None] + sq[None, :] - 2.0 * block @ features.T
        # the k+1 smallest include the point itself (distance 0); one partition at the largest k, then a sort
        # of those few (3x faster than a partition at several k)
        nearest = np.sort(np.partition(d2, ks[-1], axis=1)[:, :ks[-1] + 1], axis=1)
        out[:, start:start + chunk] = nearest[:, ks].T
    return dict(zip(ks, out))


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


def manifold_estimates(real_features, fake_features, k_precision=3, k_density=5, chunk=1024, real_cache=None):
    """Precision/recall (``k_precision``) and density/coverage (``k_density``) from one pass over the real ×
    generated distances: ``{"precision", "recall", "density", "coverage"}`` (a pair whose ``k`` is ``None``
    is left out); :func:`precision_recall` and :func:`density_coverage` give the formulas.

    ``real_cache``: a dict kept between calls with the same ``real_features`` (an evaluation's reference): it
    holds their neighbour distances, computed once (the real set's own pass costs as much as this one).
    """
    ks = [k for k in (k_precision, k_density) if k is not None]
    if not ks:
        raise ValueError("manifold_estimates needs k_precision or k_density (integers >= 1). Received: both None")
    for k in ks:
        real, fake = _check(real_features, fake_features, k)
    cache = {} if real_cache is None else real_cache
    missing = [k for k in ks if k not in cache]
    if missing:
        cache.update(neighbour_distances(real, missing, chunk))
    if k_precision is not None:  # balls of radius sqrt(d2) for precision and recall, as Kynkäänniemi et al.
        real_radius2 = np.sqrt(np.maximum(cache[k_precision], 0.0)) ** 2
        fake_radius2 = np.sqrt(np.maximum(neighbour_distances(fake, [k_precision], chunk)[k_precision], 0.0)) ** 2
        in_real = np.zeros(len(fake), bool)       # generated points inside some real ball
        in_fake = np.empty(len(real), bool)       # real points inside some generated ball
    if k_density is not None:
        counts = np.empty(len(real), np.int64)    # generated points strictly inside each real ball
    sq_real, sq_fake = _squared_norms(real), _squared_norms(fake)
    for start in range(0, len(real), chunk):
        rows = slice(start, start + chunk)
        d2 = sq_real[rows, None] + sq_fake[None, :] - 2.0 * real[rows] @ fake.T
        if k_precision is not None:
            in_real |= (d2 <= real_radius2[rows, None]).any(axis=0)
            in_fake[rows] = (d2 <= fake_radius2[None, :]).any(axis=1)
        if k_density is not None:
            counts[rows] = (d2 < cache[k_density][rows, None]).sum(axis=1)
    results = {}
    if k_precision is not None:
        results.update(precision=float(in_real.mean()), recall=float(in_fake.mean()))
    if k_density is not None:
        results.update(density=float(counts.sum() / (k_density * len(fake))), coverage=float((counts > 0).mean()))
    return results


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
    results = manifold_estimates(real, fake, None, k, chunk)
    return results["density"], results["coverage"]


def precision_recall(real_features, fake_features, k=3, chunk=1024):
    """Improved precision and recall (Kynkäänniemi et al. 2019), ``(precision, recall)`` in ``[0, 1]``.

    Each set's manifold is the union of balls around its points with radius the distance to
    the point's ``k``-th nearest neighbour in the same set (paper: k = 3). Precision is the
    fraction of generated points inside the real manifold (quality); recall the fraction of
    real points inside the generated manifold (coverage: mode collapse lowers it).
    """
    real, fake = _check(real_features, fake_features, k)
    results = manifold_estimates(real, fake, k, None, chunk)
    return results["precision"], results["recall"]
