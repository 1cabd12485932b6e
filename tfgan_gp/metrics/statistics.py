"""One streaming pass of a classifier over a set of images: what IS, FID and KID need.

Images arrive in batches and are dropped after the classifier has seen them; kept are
the float64 running mean/covariance of the pool features, the per-split Inception-score
sums, and the first ``keep_features`` pool vectors (for KID). The result is saved to and
loaded from ``.npz`` so real-data statistics are computed once per dataset.
"""
import os

import numpy as np
import tensorflow as tf

from tfgan_gp.metrics.classifiers import classifier_name, split_outputs
from tfgan_gp.metrics.inception import (InceptionScoreAccumulator, frechet_distance_from_stats,
                                        kernel_inception_distance, psd_sqrt)
from tfgan_gp.metrics.streaming import RunningMoments

DEFAULT_KEEP_FEATURES = 10_000


class ClassifierStatistics:
    """Running statistics of ``(logits, pool_features)`` over ``num_samples`` images.

    Args:
        num_samples: how many images will be added (fixes the Inception-score splits).
        splits: Inception-score splits.
        keep_features: how many pool vectors to keep for KID (default ``min(num_samples, 10000)``).
        classifier: name of the classifier, stored so a cache made with another is not reused.
    """

    def __init__(self, num_samples, splits=10, keep_features=None, classifier=None):
        self.inception = InceptionScoreAccumulator(num_samples, splits)
        self.moments = RunningMoments()
        self.keep_features = min(num_samples, DEFAULT_KEEP_FEATURES) if keep_features is None else keep_features
        self.classifier = classifier
        self._kept = []
        self._covariance_sqrt = None

    @property
    def num_samples(self):
        return self.inception.num_samples

    @property
    def count(self):
        return self.inception.count

    def update(self, logits, pool_features):
        self.inception.update(logits)
        self.moments.update(pool_features)
        room = self.keep_features - sum(len(f) for f in self._kept)
        if room > 0:
            self._kept.append(np.asarray(pool_features[:room], np.float32))
        return self

    @property
    def features(self):
        """The first ``keep_features`` pool vectors, float32 ``(k, d)``."""
        return np.concatenate(self._kept) if self._kept else np.zeros((0, 0), np.float32)

    def inception_score(self):
        return self.inception.result()

    def covariance_sqrt(self):
        """``Σ^½`` of the pool features, computed once (real statistics serve many evaluations)."""
        if self._covariance_sqrt is None:
            self._covariance_sqrt = psd_sqrt(self.moments.covariance)
        return self._covariance_sqrt

    def frechet_distance(self, reference):
        """FID to ``reference`` statistics (whose ``Σ^½`` is computed once and reused)."""
        return frechet_distance_from_stats(reference.moments.mean, reference.moments.covariance,
                                           self.moments.mean, self.moments.covariance,
                                           sigma1_sqrt=reference.covariance_sqrt())

    def kernel_inception_distance(self, reference, block_size=1000):
        return kernel_inception_distance(self.features, reference.features, block_size)

    def save(self, path):
        np.savez(path, features=self.features, keep_features=np.int64(self.keep_features),
                 classifier=np.str_(self.classifier or ""), **self.moments.state(), **self.inception.state())

    @classmethod
    def load(cls, path):
        with np.load(path) as f:
            stats = cls(int(f["is_num_samples"]), int(f["is_splits"]), int(f["keep_features"]),
                        str(f["classifier"]) or None)
            stats.inception = InceptionScoreAccumulator.from_state(f)
            stats.moments = RunningMoments.from_state(f)
            stats._kept = [f["features"]]
        return stats


def image_batches(images, batch_size):
    """Batches of images from an array ``(N, H, W, C)`` or a ``tf.data.Dataset``.

    A dataset may yield single images or batches, bare, as ``(images, labels)`` or as
    TFDS-style dicts with an ``"image"`` key.
    """
    if isinstance(images, tf.data.Dataset):
        spec = images.element_spec
        if isinstance(spec, dict):
            if "image" not in spec:
                raise ValueError(f"A dataset of dicts needs an 'image' key. Received: keys {sorted(spec)}")
            ds = images.map(lambda element: element["image"])
        else:
            ds = images.map(lambda x, *rest: x) if isinstance(spec, tuple) else images
        if len(ds.element_spec.shape) == 3:
            ds = ds.batch(batch_size)
        return (batch.numpy() for batch in ds.prefetch(tf.data.AUTOTUNE))
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C) or be a tf.data.Dataset. "
                         f"Received: shape {images.shape}")
    return (images[i:i + batch_size] for i in range(0, len(images), batch_size))


def to_unit_range(batch):
    """uint8 images in ``[0, 255]`` to float32 in ``[-1, 1]``; float images unchanged (assumed ``[-1, 1]``)."""
    batch = np.asarray(batch)
    if batch.dtype == np.uint8:
        return batch.astype(np.float32) / 127.5 - 1.0
    return batch.astype(np.float32, copy=False)


def compute_statistics(classifier, batches, num_samples, splits=10, keep_features=None):
    """Run ``classifier`` on the first ``num_samples`` images of an iterable of batches.

    Raises ``ValueError`` when the batches hold fewer than ``num_samples`` images.
    """
    stats = ClassifierStatistics(num_samples, splits, keep_features, classifier_name(classifier))
    for batch in batches:
        batch = to_unit_range(batch)[:num_samples - stats.count]
        stats.update(*split_outputs(classifier(batch)))
        if stats.count == num_samples:
            return stats
    raise ValueError(f"The images ran out before num_samples={num_samples} (lower num_samples or give more "
                     f"images). Received: {stats.count} images")


def cached_statistics(path, classifier, images, num_samples, batch_size=100, splits=10, keep_features=None):
    """Statistics of real ``images`` from the ``.npz`` at ``path``, computed and saved there if absent.

    A cache made by another classifier or with another ``num_samples`` is recomputed.
    """
    if os.path.exists(path):
        stats = ClassifierStatistics.load(path)
        if stats.classifier == classifier_name(classifier) and stats.num_samples == num_samples:
            return stats
    stats = compute_statistics(classifier, image_batches(images, batch_size), num_samples, splits,
                               keep_features)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    stats.save(path)
    return stats
