"""Evaluators: draw samples from a generator and score them (images, text or 2-D toy points).

Each evaluator is called as ``evaluator(sample_fn, num_samples, seed)`` where
``sample_fn(n, seed)`` returns ``n`` generator outputs (``GAN.sample``), and returns a
dict of floats. Samples are drawn in batches with seeds ``seed, seed + 1, …`` (so every
evaluation sees the same latent codes and curves are not noisier than the model).
"""
import logging
import os

import numpy as np

from tfgan_gp.data import toy as toy_data
from tfgan_gp.metrics import protocols, toy
from tfgan_gp.metrics.classifiers import classifier_record, load_classifier
from tfgan_gp.metrics.domain import class_metrics
from tfgan_gp.metrics.manifold import manifold_estimates
from tfgan_gp.metrics.statistics import (ClassifierStatistics, cached_statistics, compute_statistics,
                                         image_batches)
from tfgan_gp.metrics.text import NgramCounts, ngram_js

TOY_RADIUS_UNSCALED = 0.1  # "high quality" radius in the authors' unscaled toy units (as recipes/toy.py)

_log = logging.getLogger(__name__)


def count_images(images, limit):
    """How many images ``images`` (array or ``tf.data.Dataset``) holds, counting at most to ``limit``."""
    import tensorflow as tf

    if not isinstance(images, tf.data.Dataset):
        return min(len(images), limit)
    spec = images.element_spec[0] if isinstance(images.element_spec, tuple) else images.element_spec
    if isinstance(spec, tf.TensorSpec) and len(spec.shape) == 3 and int(images.cardinality()) >= 0:
        return min(int(images.cardinality()), limit)  # unbatched with a known size: no pass needed
    total = 0
    for batch in image_batches(images, 1000):
        total += len(batch)
        if total >= limit:
            return limit
    return total


def sample_batches(sample_fn, num_samples, batch_size, seed=0):
    """Yield ``ceil(num_samples / batch_size)`` batches, the last one short; batch ``i`` uses ``seed + i``."""
    for i, start in enumerate(range(0, num_samples, batch_size)):
        yield np.asarray(sample_fn(min(batch_size, num_samples - start), seed + i))


def manifold_metrics(real, fake, k_precision=3, k_density=5, real_cache=None):
    """Precision/recall (k = 3) and density/coverage (k = 5) of the kept pool features, when both sets have enough.

    ``real_cache``: see :func:`~tfgan_gp.metrics.manifold.manifold_estimates` (the same ``real`` every call).
    """
    a, b = real.features, fake.features
    fewest = min(len(a), len(b)) if a.size and b.size else 0
    k_precision, k_density = (k if fewest > k else None for k in (k_precision, k_density))
    if k_precision is None and k_density is None:
        return {}
    return manifold_estimates(a, b, k_precision, k_density, real_cache=real_cache)


class ImageEvaluator:
    """Inception score, and FID/KID/precision/recall/density/coverage against real-data statistics.

    Generated samples are drawn in a background thread (and quantized/resized there when the
    classifier's protocol says so) while the network scores the previous batch.

    Args:
        classifier: callable ``images -> (logits, pool_features)`` or a SavedModel path, e.g.
            :func:`~tfgan_gp.metrics.protocol_classifier` ``("ttur", inception_graph=PATH)``.
        real_stats: a :class:`ClassifierStatistics`, an ``.npz`` path (ours, TTUR's, clean-fid's), real
            images (array ``(N, H, W, C)`` in ``[-1, 1]`` or uint8, or a ``tf.data.Dataset``), or ``None``
            (Inception score only, unless ``cache_path`` already exists).
        cache_path: where statistics computed from real images are saved, and read from
            when present (same classifier, protocol and ``num_real`` only).
        num_real: real images to use (default: the ``num_samples`` of the first call); when the real
            images are fewer, all of them are used and a warning says so.
        batch_size, splits, kid_block_size, keep_features: see :class:`ClassifierStatistics`
            and :func:`~tfgan_gp.metrics.inception.kernel_inception_distance`; ``keep_features``
            also bounds the samples of the k-NN metrics (default 10,000, as Naeem et al.).
        source: what the real images are, recorded in their statistics (``{"dataset", "split"}``).
        progress: ``callable(count)`` after each batch (e.g. a Progbar's ``update``).
        floor: real images of another split (e.g. the test split; array or ``tf.data.Dataset``): the same
            measures between them and the reference, as many as the generated samples (or all there are),
            are added as ``floor/<metric>`` -- what a generator that draws from the data distribution would get.

    A classifier with ``class_names`` (the domain classifier) also gives ``classes_covered`` and the share of
    samples per class, ``class_fraction/<name>`` (:func:`~tfgan_gp.metrics.domain.class_metrics`).

    Real statistics from another protocol (or other weights) are refused with a ``ValueError``.
    """

    def __init__(self, classifier, real_stats=None, cache_path=None, num_real=None, batch_size=100,
                 splits=10, kid_block_size=1000, keep_features=None, source=None, progress=None, floor=None):
        self.classifier = load_classifier(classifier)
        self.record = classifier_record(self.classifier)
        self.cache_path, self.num_real = cache_path, num_real
        self.batch_size, self.splits = batch_size, splits
        self.kid_block_size, self.keep_features = kid_block_size, keep_features
        self.source, self.progress = source, progress
        if isinstance(real_stats, (str, os.PathLike)):
            real_stats = ClassifierStatistics.load(real_stats)
        elif real_stats is None and cache_path and os.path.exists(cache_path):
            real_stats = ClassifierStatistics.load(cache_path)
        if isinstance(real_stats, ClassifierStatistics):
            protocols.check_comparable(real_stats.record, self.record)
        self._real = real_stats
        self._real_neighbours = {}  # the reference's k-NN distances, computed at the first evaluation
        self.floor_images, self._floors = floor, {}

    def real_statistics(self, num_samples):
        """The real-data statistics, computing (and caching) them from real images on first use."""
        if self._real is None or isinstance(self._real, ClassifierStatistics):
            return self._real
        num_real = self.num_real or num_samples
        available = count_images(self._real, num_real)
        if available < num_real:
            _log.warning("The FID/KID reference holds %d real images, fewer than the %d asked for: its "
                         "statistics use all %d.", available, num_real, available)
            num_real = available
        self.num_real_used = num_real
        if self.cache_path:
            self._real = cached_statistics(self.cache_path, self.classifier, self._real, num_real,
                                           self.batch_size, self.splits, self.keep_features, self.source,
                                           self.progress)
        else:
            self._real = compute_statistics(self.classifier, image_batches(self._real, self.batch_size),
                                            num_real, self.splits, self.keep_features, self.source, self.progress)
        return self._real

    def describe(self, num_samples):
        """The protocol line of an evaluation of ``num_samples`` generated samples (counts included)."""
        real = self._real if isinstance(self._real, ClassifierStatistics) else None
        reference = None
        if real is not None:
            reference = real.source.get("path") or " ".join(
                real.source.get(k) for k in ("dataset", "split") if real.source.get(k)) or None
        return protocols.describe(self.record, num_samples, self.splits,
                                  None if real is None else real.num_samples, reference)

    def __call__(self, sample_fn, num_samples, seed=0):
        fake = compute_statistics(self.classifier, sample_batches(sample_fn, num_samples, self.batch_size, seed),
                                  num_samples, self.splits, self.keep_features, progress=self.progress)
        real = self.real_statistics(num_samples)
        results = self._measures(fake, real)
        if self.floor_images is not None and real is not None:
            results.update({f"floor/{k}": v for k, v in self.floor(num_samples).items()})
        return results

    def floor(self, num_samples):
        """The measures of ``num_samples`` floor images (or all there are) against the reference, computed once."""
        n = count_images(self.floor_images, num_samples)
        if n not in self._floors:
            held = compute_statistics(self.classifier, image_batches(self.floor_images, self.batch_size), n,
                                      self.splits, self.keep_features)
            self._floors[n] = self._measures(held, self.real_statistics(num_samples))
        return self._floors[n]

    def _measures(self, fake, real):
        score, score_std = fake.inception_score()
        results = {"inception_score": score, "inception_score_std": score_std}
        names = getattr(self.classifier, "class_names", None)
        if names and fake.class_counts is not None:
            results.update(class_metrics(fake.class_counts, names))
        if real is not None:
            results["fid"] = fake.frechet_distance(real)
            if real.features.size:
                kid, kid_std = fake.kernel_inception_distance(real, self.kid_block_size)
                results.update(kid=kid, kid_std=kid_std)
                results.update(manifold_metrics(real, fake, real_cache=self._real_neighbours))
        return results


class TextEvaluator:
    """Character n-gram JS divergences ``js1 … js<max_n>`` (bits) of generated text vs ``reference``; with decoded
    lines also ``unique_fraction``, the fraction of distinct generated lines (mode collapse lowers it).

    ``reference``: lines (strings), compared with the samples as ``decode(batch)`` turns a batch of
    generator outputs (e.g. ``(B, length, vocab)`` softmax outputs) into strings; or a
    :class:`~tfgan_gp.metrics.text.NgramCounts` of a large corpus's id sequences, compared with the
    samples' argmax ids (all ``length`` positions, padding included, as the paper's §5.5 numbers).
    """

    def __init__(self, reference, decode, max_n=4, batch_size=64):
        if not callable(decode):
            raise ValueError(f"decode must be a callable batch -> list of strings. Received: {decode!r}")
        self.reference = reference if isinstance(reference, NgramCounts) else list(reference)
        self.decode = decode
        self.max_n, self.batch_size = max_n, batch_size

    def __call__(self, sample_fn, num_samples, seed=0):
        batches = sample_batches(sample_fn, num_samples, self.batch_size, seed)
        if isinstance(self.reference, NgramCounts):
            samples = NgramCounts(self.reference.vocab_size, self.max_n)
            for batch in batches:
                samples.add(np.asarray(batch).argmax(-1))
            return {f"js{n}": samples.js(self.reference, n) for n in range(1, self.max_n + 1)}
        lines = [line for batch in batches for line in self.decode(batch)]
        scores = {f"js{n}": ngram_js(lines, self.reference, n) for n in range(1, self.max_n + 1)}
        return dict(scores, unique_fraction=len(set(lines)) / len(lines))


class ToyEvaluator:
    """Exact W1 to real points and, for Gaussian mixtures, modes covered and high-quality fraction.

    Args:
        real_points: ``(M, 2)`` real samples; W1 uses the first ``w1_samples`` of them and of the fakes.
        centres, radius: mixture centres and the distance counting as "near a mode" (omit for the Swiss roll).
        w1_samples: points in the exact W1 assignment (cubic cost in this number).
    """

    def __init__(self, real_points, centres=None, radius=None, w1_samples=512):
        self.real = np.asarray(real_points, np.float32)
        if self.real.ndim != 2 or len(self.real) < 1:
            raise ValueError(f"real_points must have shape (M, d). Received: shape {self.real.shape}")
        if (centres is None) != (radius is None):
            raise ValueError(f"centres and radius go together. Received: centres={centres is not None}, "
                             f"radius={radius!r}")
        self.centres, self.radius, self.w1_samples = centres, radius, w1_samples

    @classmethod
    def for_dataset(cls, name, num_real=512, seed=0, w1_samples=512):
        """Real points, centres and radius (0.1 in the authors' units) for a ``tfgan_gp.data.toy`` name."""
        centres = toy_data.centres(name)
        radius = None if centres is None else TOY_RADIUS_UNSCALED / toy_data.scale(name)
        return cls(toy_data.sample(name, num_real, [seed, -1]).numpy(), centres, radius, w1_samples)

    def __call__(self, sample_fn, num_samples, seed=0):
        fake = np.asarray(sample_fn(num_samples, seed), np.float32)
        k = min(self.w1_samples, len(fake), len(self.real))
        results = {"w1": toy.wasserstein_1(fake[:k], self.real[:k])}
        if self.centres is not None:
            results["modes_covered"] = float(toy.modes_covered(fake, self.centres, self.radius))
            results["high_quality_fraction"] = toy.high_quality_fraction(fake, self.centres, self.radius)
        return results
