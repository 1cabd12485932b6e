"""Classifier-based sample-quality scores: Inception score, Fréchet distance (FID) and KID.

The formulas take a classifier's outputs (logits, pool features) as arrays;
which classifier produced them is up to the caller (:mod:`tfgan_gp.metrics.classifiers`).

* Inception score (Salimans et al. 2016): ``exp(E_x KL(p(y|x) ‖ p(y)))`` on each of
  ``splits`` consecutive chunks of the samples, reported as mean ± std over chunks,
  exactly as the authors' ``inception_score.py`` (which Gulrajani et al. used with 50k
  samples and 10 splits). Their numbers come from the 2015 Inception graph with 1008
  output classes: the ``ttur`` protocol (:mod:`~tfgan_gp.metrics.protocols`) reproduces
  that; Keras' ``InceptionV3`` (``keras``) has 1000 classes and other weights.
* FID (Heusel et al. 2017): ``‖μ₁−μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)`` of Gaussians fitted to
  pool features, float64 and unbiased covariances.
* KID (Bińkowski et al. 2018): unbiased MMD² with the kernel ``k(x, y) = (xᵀy/d + 1)³``,
  on disjoint blocks of the samples, mean ± std over blocks.
"""
import math

import numpy as np
from scipy.special import logsumexp, xlogy

from tfgan_gp.metrics.streaming import RunningMoments


def _split_bounds(num_samples, splits):
    """Salimans et al.'s chunks: split ``i`` is ``[i·N // splits, (i+1)·N // splits)``."""
    return np.array([i * num_samples // splits for i in range(splits + 1)])


class InceptionScoreAccumulator:
    """Inception score of ``num_samples`` predictions that arrive in batches.

    Per split it keeps ``Σ_x p(y|x)`` and ``Σ_x Σ_y p log p``, since
    ``E_x KL(p(y|x) ‖ p(y)) = E_x[Σ_y p log p] − Σ_y p(y) log p(y)`` with
    ``p(y) = E_x p(y|x)``: the result equals the batch formula on all predictions,
    with memory ``O(splits × classes)``.
    """

    def __init__(self, num_samples, splits=10):
        if not isinstance(splits, int) or splits < 1:
            raise ValueError(f"splits must be a positive integer. Received: splits={splits!r}")
        if not isinstance(num_samples, (int, np.integer)) or num_samples < splits:
            raise ValueError(f"num_samples must be an integer >= splits={splits} (at least one sample "
                             f"per split). Received: num_samples={num_samples!r}")
        self.num_samples, self.splits = int(num_samples), splits
        self._bounds = _split_bounds(self.num_samples, splits)
        self._prob_sums = None
        self._neg_entropy_sums = np.zeros(splits, np.float64)
        self.count = 0

    def update(self, logits):
        """Add a batch of logits ``(n, classes)`` (any real values; softmax is applied here)."""
        logits = np.asarray(logits, np.float64)
        if logits.ndim != 2 or logits.shape[1] < 2:
            raise ValueError(f"logits must have shape (n, classes) with classes >= 2. "
                             f"Received: shape {logits.shape}")
        if self._prob_sums is None:
            self._prob_sums = np.zeros((self.splits, logits.shape[1]), np.float64)
        elif logits.shape[1] != self._prob_sums.shape[1]:
            raise ValueError(f"logits must keep {self._prob_sums.shape[1]} classes across batches. "
                             f"Received: shape {logits.shape}")
        n = logits.shape[0]
        if self.count + n > self.num_samples:
            raise ValueError(f"The accumulator was made for num_samples={self.num_samples}. "
                             f"Received: {self.count + n} samples in total")
        log_p = logits - logsumexp(logits, axis=1, keepdims=True)
        p = np.exp(log_p)
        split = np.searchsorted(self._bounds[1:], np.arange(self.count, self.count + n), side="right")
        np.add.at(self._prob_sums, split, p)
        np.add.at(self._neg_entropy_sums, split, np.sum(p * log_p, axis=1))
        self.count += n
        return self

    def result(self):
        """``(mean, std)`` of the per-split scores (population std, as Salimans et al.)."""
        if self.count != self.num_samples:
            raise ValueError(f"The Inception score needs all num_samples={self.num_samples} predictions. "
                             f"Received: {self.count}")
        sizes = np.diff(self._bounds).astype(np.float64)
        marginal = self._prob_sums / sizes[:, None]
        kl = self._neg_entropy_sums / sizes - np.sum(xlogy(marginal, marginal), axis=1)
        scores = np.exp(kl)
        return float(np.mean(scores)), float(np.std(scores))

    def state(self):
        return {"is_num_samples": np.int64(self.num_samples), "is_splits": np.int64(self.splits),
                "is_prob_sums": self._prob_sums, "is_neg_entropy_sums": self._neg_entropy_sums,
                "is_count": np.int64(self.count)}

    @classmethod
    def from_state(cls, state):
        acc = cls(int(state["is_num_samples"]), int(state["is_splits"]))
        acc._prob_sums = np.array(state["is_prob_sums"], np.float64)
        acc._neg_entropy_sums = np.array(state["is_neg_entropy_sums"], np.float64)
        acc.count = int(state["is_count"])
        return acc


def inception_score(logits, splits=10):
    """Inception score of classifier ``logits`` ``(N, classes)``: ``(mean, std)`` over ``splits``."""
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, classes). Received: shape {logits.shape}")
    return InceptionScoreAccumulator(logits.shape[0], splits).update(logits).result()


def _check_matrix(name, value, dim):
    if value.shape != (dim, dim):
        raise ValueError(f"{name} must be a ({dim}, {dim}) covariance matrix. Received: shape {value.shape}")


def _rank_clip(eigenvalues):
    """Eigenvalues below ``λ_max · d · ε`` (numpy's ``matrix_rank`` tolerance) are round-off: set to 0."""
    tol = max(float(np.max(eigenvalues, initial=0.0)), 0.0) * len(eigenvalues) * np.finfo(np.float64).eps
    return np.where(eigenvalues > tol, eigenvalues, 0.0)


def psd_sqrt(matrix):
    """Symmetric square root of a PSD matrix by eigendecomposition (round-off eigenvalues set to 0)."""
    w, v = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (v * np.sqrt(_rank_clip(w))) @ v.T


def trace_sqrt_product(sigma1, sigma2, sigma1_sqrt=None):
    """``tr((Σ₁Σ₂)^½) = Σᵢ √λᵢ`` over the eigenvalues of the symmetric PSD ``Σ₁^½ Σ₂ Σ₁^½``.

    ``Σ₁Σ₂`` and ``Σ₁^½Σ₂Σ₁^½`` have the same eigenvalues; the latter's are real (``eigvalsh``),
    so no complex leftovers as with ``sqrtm`` of the product. Eigenvalues at round-off level
    are zeroed before the square root (which would otherwise turn ``ε`` into ``√ε`` when the
    covariances are singular, ``n ≤ d``). ``sigma1_sqrt`` may be given precomputed.
    """
    root = psd_sqrt(sigma1) if sigma1_sqrt is None else sigma1_sqrt
    product = root @ sigma2 @ root
    return float(np.sum(np.sqrt(_rank_clip(np.linalg.eigvalsh((product + product.T) / 2.0)))))


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2, sigma1_sqrt=None):
    """Fréchet distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)`` (float64).

    ``sigma1_sqrt``: ``Σ₁^½`` if already known (e.g. of fixed real-data statistics, which
    saves one eigendecomposition per evaluation).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(f"mu1 and mu2 must be vectors of one length d. Received: shapes {mu1.shape} "
                         f"and {mu2.shape}")
    _check_matrix("sigma1", sigma1, mu1.shape[0])
    _check_matrix("sigma2", sigma2, mu1.shape[0])
    if sigma1_sqrt is not None:
        _check_matrix("sigma1_sqrt", np.asarray(sigma1_sqrt), mu1.shape[0])
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2)
                 - 2.0 * trace_sqrt_product(sigma1, sigma2, sigma1_sqrt))


def _moments(name, activations):
    act = np.asarray(activations)
    if act.ndim != 2 or act.shape[0] < 2:
        raise ValueError(f"{name} must have shape (n, d) with n >= 2. Received: shape {act.shape}")
    return RunningMoments().update(act)


def frechet_distance(act_a, act_b):
    """FID between two sets of pool features ``(n, d)`` (Gaussian fit, unbiased covariances)."""
    a, b = _moments("act_a", act_a), _moments("act_b", act_b)
    if a.mean.shape != b.mean.shape:
        raise ValueError(f"act_a and act_b must have the same feature size. Received: {a.mean.shape[0]} "
                         f"and {b.mean.shape[0]}")
    return frechet_distance_from_stats(a.mean, a.covariance, b.mean, b.covariance)


def _unbiased_mmd2(x, y):
    d = x.shape[1]
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    m, n = x.shape[0], y.shape[0]
    return ((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1)) + (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
            - 2.0 * k_xy.mean())


def kernel_inception_distance(act_a, act_b, block_size=1000):
    """KID: unbiased MMD² (cubic polynomial kernel) of two feature sets, ``(mean, std)`` over blocks.

    Both sets are cut into ``ceil(max(n_a, n_b) / block_size)`` consecutive, disjoint blocks
    of near-equal size (as TF-GAN's ``kernel_classifier_distance``); block ``i`` of ``act_a``
    is compared with block ``i`` of ``act_b``. ``std`` is the sample standard deviation of
    the block estimates (Bińkowski et al. report this spread), ``nan`` with a single block.
    """
    a, b = np.asarray(act_a, np.float64), np.asarray(act_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"act_a and act_b must have shapes (n_a, d) and (n_b, d). "
                         f"Received: {a.shape} and {b.shape}")
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"block_size must be an integer >= 2. Received: block_size={block_size!r}")
    blocks = math.ceil(max(len(a), len(b)) / block_size)
    if min(len(a), len(b)) < 2 * blocks:
        raise ValueError(f"Each of the {blocks} blocks needs at least 2 samples from each set. "
                         f"Received: {len(a)} and {len(b)} samples")
    estimates = np.array([_unbiased_mmd2(x, y)
                          for x, y in zip(np.array_split(a, blocks), np.array_split(b, blocks))])
    std = float(np.std(estimates, ddof=1)) if blocks > 1 else float("nan")
    return float(np.mean(estimates)), std
