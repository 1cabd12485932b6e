"""One streaming pass of a classifier over a set of images: what IS, FID, KID and the k-NN metrics need.

Images arrive in batches and are dropped after the classifier has seen them; kept are
the float64 running mean/covariance of the pool features, the per-split Inception-score
sums, and the first ``keep_features`` pool vectors (for KID, precision/recall, density/coverage).
The batches are prepared (sampled, quantized, resized) in a background thread while the
network runs on the previous one (:func:`prefetch`).

Statistics files (``.npz``) hold TTUR's keys ``mu`` and ``sigma`` -- so TTUR's ``fid.py`` reads
ours -- plus the protocol record (network, weights SHA-256, resize, quantization), the sample
count and the dataset/split they describe. :meth:`ClassifierStatistics.load` also reads TTUR's
``fid_stats_*.npz`` and clean-fid's ``<name>_<mode>_<split>_<res>.npz`` (with its ``_kid.npz``
features when present); comparing statistics of different protocols raises ``ValueError``.
"""
import os
import queue
import re
import threading

import numpy as np
import tensorflow as tf

from tfgan_gp.metrics import protocols
from tfgan_gp.metrics.classifiers import classifier_name, classifier_record, prepare_fn, split_outputs
from tfgan_gp.metrics.inception import (InceptionScoreAccumulator, frechet_distance_from_stats,
                                        kernel_inception_distance, psd_sqrt)
from tfgan_gp.metrics.preprocessing import to_unit_range  # noqa: F401 -- re-exported
from tfgan_gp.metrics.streaming import RunningMoments

DEFAULT_KEEP_FEATURES = 10_000
RECORD_PREFIX, SOURCE_PREFIX = "protocol_", "source_"
CLEAN_FID_NAME = re.compile(r"^(?P<name>.+?)_(?P<mode>clean|legacy_tensorflow|legacy_pytorch)(?P<model>_[a-z0-9_]+?)?"
                            r"_(?P<split>[a-z0-9]+)_(?P<res>[a-z0-9]+)\.npz$")
CLEAN_FID_MODES = {"clean": "clean", "legacy_tensorflow": "ttur"}


class ClassifierStatistics:
    """Running statistics of ``(logits, pool_features)`` over ``num_samples`` images.

    Args:
        num_samples: how many images will be added (fixes the Inception-score splits).
        splits: Inception-score splits.
        keep_features: how many pool vectors to keep for KID and the k-NN metrics (default
            ``min(num_samples, 10000)``).
        classifier: name of the classifier, stored so a cache made with another is not reused.
        record: the protocol record of the classifier (:func:`~tfgan_gp.metrics.protocols.record`).
        source: what the images were, e.g. ``{"dataset": "cifar10", "split": "train"}``.
    """

    def __init__(self, num_samples, splits=10, keep_features=None, classifier=None, record=None, source=None):
        self.inception = InceptionScoreAccumulator(num_samples, splits) if splits else None
        self.moments = RunningMoments()
        self.keep_features = min(num_samples, DEFAULT_KEEP_FEATURES) if keep_features is None else keep_features
        self.classifier = classifier
        self.record = dict(record or protocols.custom_record(classifier or ""))
        self.source = {k: str(v) for k, v in (source or {}).items() if v is not None}
        self._num_samples = num_samples
        self._kept = []
        self._covariance_sqrt = None
        self.class_counts = None  # images per top class, counted from the logits

    @property
    def num_samples(self):
        """Images these statistics describe (``None``: unknown, e.g. a TTUR file)."""
        return self._num_samples

    @property
    def count(self):
        return self.moments.count

    def update(self, logits, pool_features):
        if self.inception is not None:
            self.inception.update(logits)
        top = np.bincount(np.argmax(logits, axis=-1), minlength=np.shape(logits)[-1])
        self.class_counts = top if self.class_counts is None else self.class_counts + top
        self.moments.update(pool_features)
        room = self.keep_features - sum(len(f) for f in self._kept)
        if room > 0:
            self._kept.append(np.asarray(pool_features[:room], np.float32))
        return self

    @property
    def features(self):
        """The first ``keep_features`` pool vectors, float32 ``(k, d)`` (``(0, 0)`` when none were kept)."""
        return np.concatenate(self._kept) if self._kept else np.zeros((0, 0), np.float32)

    def inception_score(self):
        if self.inception is None:
            raise ValueError("These statistics hold no Inception-score sums (a mu/sigma file): score generated "
                             "images instead. Received: statistics without is_* arrays")
        return self.inception.result()

    def covariance_sqrt(self):
        """``Σ^½`` of the pool features, computed once (real statistics serve many evaluations)."""
        if self._covariance_sqrt is None:
            self._covariance_sqrt = psd_sqrt(self.moments.covariance)
        return self._covariance_sqrt

    def check_comparable(self, reference, what="real_stats"):
        """Raise ``ValueError`` if ``reference`` was computed under another protocol or with other weights."""
        if reference.classifier and self.classifier and reference.classifier != self.classifier:
            raise ValueError(f"{what} were computed with classifier {reference.classifier!r}, not with "
                             f"{self.classifier!r}. Received: {what} for {reference.classifier!r}")
        protocols.check_comparable(reference.record, self.record, what)

    def frechet_distance(self, reference):
        """FID to ``reference`` statistics (whose ``Σ^½`` is computed once and reused)."""
        self.check_comparable(reference)
        return frechet_distance_from_stats(reference.moments.mean, reference.moments.covariance,
                                           self.moments.mean, self.moments.covariance,
                                           sigma1_sqrt=reference.covariance_sqrt())

    def kernel_inception_distance(self, reference, block_size=1000):
        self.check_comparable(reference)
        return kernel_inception_distance(self.features, reference.features, block_size)

    def save(self, path):
        """Write an ``.npz`` that TTUR's ``fid.py`` can read (``mu``, ``sigma``) and :meth:`load` restores."""
        arrays = dict(mu=self.moments.mean, sigma=self.moments.covariance, count=np.int64(self.moments.count),
                      num_samples=np.int64(-1 if self._num_samples is None else self._num_samples),
                      features=self.features, keep_features=np.int64(self.keep_features),
                      classifier=np.str_(self.classifier or ""))
        arrays.update({RECORD_PREFIX + k: np.str_(v) for k, v in self.record.items()})
        arrays.update({SOURCE_PREFIX + k: np.str_(v) for k, v in self.source.items()})
        if self.inception is not None and self.inception.count:
            arrays.update(self.inception.state())
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path, protocol=None):
        """Statistics from an ``.npz``: ours, TTUR's (``mu``, ``sigma``) or clean-fid's.

        Files without a protocol record are taken as ``protocol`` when given; otherwise a clean-fid
        file name (``cifar10_clean_train_32.npz``, ``..._legacy_tensorflow_...``) gives it, and any
        other ``mu``/``sigma`` file is TTUR's (``ttur``: what ``fid.py`` computes).
        """
        path = os.fspath(path)
        with np.load(path) as f:
            keys = set(f.files)
            if not holds_statistics(keys):
                raise ValueError(f"{path!r} is not a statistics file: expected the arrays mu and sigma (TTUR, "
                                 f"clean-fid, tfgan_gp). Received: keys {sorted(keys)}")
            record = {k[len(RECORD_PREFIX):]: str(f[k]) for k in keys if k.startswith(RECORD_PREFIX)}
            source = {k[len(SOURCE_PREFIX):]: str(f[k]) for k in keys if k.startswith(SOURCE_PREFIX)}
            classifier = str(f["classifier"]) if "classifier" in keys else ""
            if "image_size" in record:
                record["image_size"] = int(record["image_size"])
            features = f["features"] if "features" in keys else None
            if record:
                if protocol is not None and record.get("protocol") != protocols.get(protocol).name:
                    protocols.check_comparable(record, protocols.record(protocol), "the statistics file")
            elif "classifier" in keys:  # written by an earlier tfgan_gp: no protocol record yet
                record = protocols.custom_record(classifier)
            else:
                record, source, features = _foreign_record(path, protocol)
            num_samples = int(f["num_samples"]) if "num_samples" in keys else (
                int(f["is_num_samples"]) if "is_num_samples" in keys else None)
            if num_samples is not None and num_samples < 0:
                num_samples = None
            has_is = "is_prob_sums" in keys and f["is_prob_sums"].ndim == 2
            stats = cls(num_samples or 2, int(f["is_splits"]) if has_is else None,
                        int(f["keep_features"]) if "keep_features" in keys else 0, classifier or None, record,
                        source)
            stats._num_samples = num_samples
            if has_is:
                stats.inception = InceptionScoreAccumulator.from_state(f)
            if "scatter" in keys:  # files written before the TTUR keys
                stats.moments = RunningMoments.from_state(f)
            else:
                count = int(f["count"]) if "count" in keys else num_samples
                stats.moments = RunningMoments.from_mean_covariance(f["mu"], f["sigma"], count)
            if features is not None and features.size:
                stats._kept = [np.asarray(features, np.float32)]
                stats.keep_features = max(stats.keep_features, len(features))
        return stats


def holds_statistics(keys):
    """Whether an ``.npz`` with these array names holds statistics (``mu``, ``sigma``; older files
    ``mean``, ``scatter``) rather than images."""
    return {"mu", "sigma"} <= set(keys) or {"mean", "scatter"} <= set(keys)


def _foreign_record(path, protocol):
    """``(record, source, features)`` of a TTUR or clean-fid file (which record nothing themselves)."""
    name = os.path.basename(path).lower()
    match = CLEAN_FID_NAME.match(name)
    source = {"path": os.path.abspath(path)}
    features = None
    if match and protocol is None:
        mode, model = match["mode"], match["model"]
        if mode not in CLEAN_FID_MODES or model:
            extra = f" and model {model[1:]!r}" if model else ""
            raise ValueError(f"{path!r} holds clean-fid statistics of mode {mode!r}{extra}, which no protocol here "
                             f"reproduces (clean-fid modes clean and legacy_tensorflow with inception_v3 are). "
                             f"Received: {os.path.basename(path)!r}")
        protocol = CLEAN_FID_MODES[mode]
        source.update(format="clean-fid", dataset=match["name"], split=match["split"], resolution=match["res"])
        kid = path[:-len(".npz")] + "_kid.npz"
        if os.path.exists(kid):
            with np.load(kid) as k:
                features = k["feats"] if "feats" in k.files else None
    else:
        source["format"] = "ttur" if protocol is None else "mu/sigma"
    return protocols.record(protocol or "ttur"), source, features


class _Failure:
    def __init__(self, error):
        self.error = error


def prefetch(iterable, depth=2):
    """Iterate ``iterable`` in a background thread, ``depth`` items ahead (errors re-raised here).

    TensorFlow and NumPy release the GIL, so preparing the next batch (sampling the generator,
    quantizing, resizing) overlaps with the network's pass over this one.
    """
    items, stop, end = queue.Queue(depth), threading.Event(), object()

    def work():
        try:
            for item in iterable:
                while not stop.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(end)
        except BaseException as err:  # noqa: B036 -- handed to the consumer
            items.put(_Failure(err))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is end:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)


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


def compute_statistics(classifier, batches, num_samples, splits=10, keep_features=None, source=None,
                       progress=None):
    """Run ``classifier`` on the first ``num_samples`` images of an iterable of batches.

    Batches (float in ``[-1, 1]`` or uint8) are prepared by the classifier (quantized, resized) in a
    background thread. ``progress(count)`` is called after each batch (e.g. a ``keras.utils.Progbar``'s
    ``update``). Raises ``ValueError`` when the batches hold fewer than ``num_samples`` images.
    """
    prepare, run = prepare_fn(classifier)
    stats = ClassifierStatistics(num_samples, splits, keep_features, classifier_name(classifier),
                                 classifier_record(classifier), source)

    def prepared():
        count = 0
        for batch in batches:
            batch = batch[:num_samples - count]
            count += len(batch)
            if len(batch):
                yield prepare(batch)
            if count == num_samples:
                return

    for batch in prefetch(prepared()):
        stats.update(*split_outputs(run(batch)))
        if progress is not None:
            progress(stats.count)
    if stats.count < num_samples:
        raise ValueError(f"The images ran out before num_samples={num_samples} (lower num_samples or give more "
                         f"images). Received: {stats.count} images")
    return stats


def cached_statistics(path, classifier, images, num_samples, batch_size=100, splits=10, keep_features=None,
                      source=None, progress=None):
    """Statistics of real ``images`` from the ``.npz`` at ``path``, computed and saved there if absent.

    A cache made by another classifier or protocol, or with another ``num_samples``, is recomputed.
    """
    if os.path.exists(path):
        stats = ClassifierStatistics.load(path)
        if (stats.classifier == classifier_name(classifier) and stats.num_samples == num_samples
                and stats.record == classifier_record(classifier)):
            return stats
    stats = compute_statistics(classifier, image_batches(images, batch_size), num_samples, splits,
                               keep_features, source, progress)
    stats.save(path)
    return stats
