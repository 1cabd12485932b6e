"""The domain classifier: an offline evaluation network trained by this package on the dataset itself.

Inception networks need a download and were trained on ImageNet photographs; on 28×28 clothing or digits
their features say little. For a small labelled image set (Fashion-MNIST, MNIST, any labelled folder,
array or IDX set) this package trains a small CNN on the training split instead (:func:`domain_classifier`)
and computes, in its 128-d penultimate features, FID, KID, precision/recall and density/coverage, and from
its logits the Inception score and the share of samples per class (a dropped class shows as a zero).

The network is cached in ``$TFGAN_GP_CACHE/domain`` under a key made of the training data's SHA-256 and the
training settings, and identified by the SHA-256 of its weights file, which every statistics file records:
statistics of another classifier (or of another protocol) are refused. Its test-split accuracy is stored
beside it and printed in the protocol line.

Floors: every number is shown with the same measure between the real test split and the real training split
(``floor/<metric>``), the value a perfect generator would reach with as many samples.
"""
import hashlib
import json
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_gp import cache
from tfgan_gp.metrics import protocols
from tfgan_gp.metrics.inception_2015 import file_sha256
from tfgan_gp.metrics.preprocessing import quantize_uint8

VERSION = 1
"""Bumped whenever the network or its training changes: part of the cache key."""

FEATURES = 128
TRAINING = dict(epochs=4, batch_size=128, learning_rate=1e-3, seed=0)
"""How the classifier is trained (under a minute for Fashion-MNIST's 60,000 images on 2 CPU cores)."""

HOLDOUT_FRACTION = 1 / 6
"""Share held out as the test split of a labelled source with a single split (Fashion-MNIST's 10,000 of 70,000)."""

COVERED_SHARE = 0.25
"""A class counts as covered when it gets at least this fraction of a uniform share (``1 / classes``)."""

CLASS_NAMES = {
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"),
    "mnist": tuple(str(d) for d in range(10)),
}


def build_network(image_shape, num_classes):
    """The classifier: three 3×3 stride-2 convolutions (32, 64, 128), dense 128 (the ``features``), dense logits."""
    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    features = keras.layers.Dense(FEATURES, activation="relu", name="features")(x)
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(inputs, logits, name="domain_classifier")


class LabelledSplits:
    """A labelled source as uint8 ``train`` and ``test`` arrays ``(images, labels)``, and its name and classes."""

    def __init__(self, source, data_dir=None, image_size=None, channels=None):
        from tfgan_gp import data

        self.source, self.name = source, dataset_name(source)
        splits = ("train", "test") if data.images.has_test_split(source, data_dir) else ("train",)
        arrays = {split: _arrays(source, split, data_dir, image_size, channels) for split in splits}
        if len(splits) == 1:  # one split: a fixed random sixth is the test split
            images, labels = arrays["train"]
            order = np.random.default_rng(0).permutation(len(images))
            cut = len(images) - max(1, int(len(images) * HOLDOUT_FRACTION))
            arrays = {"train": (images[order[:cut]], labels[order[:cut]]),
                      "test": (images[order[cut:]], labels[order[cut:]])}
        self.train, self.test = arrays["train"], arrays["test"]
        self.num_classes = int(max(self.train[1].max(), self.test[1].max())) + 1
        names = CLASS_NAMES.get(self.name)
        self.class_names = names if names and len(names) == self.num_classes else tuple(
            f"class_{k}" for k in range(self.num_classes))
        self.image_shape = self.train[0].shape[1:]

    def sha256(self):
        """SHA-256 of the training split's pixels, labels and shape: the data part of the cache key."""
        digest = hashlib.sha256(repr(self.train[0].shape).encode())
        for array in self.train:
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def images(self, split):
        """The split's images as float32 in ``[-1, 1]`` (what a generator produces)."""
        return getattr(self, split)[0].astype(np.float32) / 127.5 - 1.0


def dataset_name(source):
    """``fashion_mnist`` for the tfds name or a folder such as ``/usr/share/datasets/fashion-mnist``."""
    base = os.path.basename(os.path.normpath(os.fspath(source))).lower().replace("-", "_")
    return base.split(".")[0] or "data"


def _arrays(source, split, data_dir, image_size, channels):
    from tfgan_gp import data

    ds = data.load_images(source, split=split, data_dir=data_dir, image_size=image_size, channels=channels,
                          with_labels=True, uint8=True, cache=False)
    images, labels = [], []
    for x, y in ds.batch(4096).as_numpy_iterator():
        images.append(x)
        labels.append(y)
    return np.concatenate(images), np.concatenate(labels).astype(np.int32)


class DomainClassifier:
    """A trained domain network as ``images -> (logits, features)`` with its protocol record.

    Generated images are quantized to 8 bits first (:func:`~tfgan_gp.metrics.preprocessing.quantize_uint8`),
    as real images are, so both sides see the same pixels. Images must have the training images' shape.
    ``data`` (:class:`LabelledSplits`): the images it was trained on; their training split is the FID/KID
    reference and their test split the floor.
    """

    def __init__(self, path, info, data):
        self.path, self.info, self.data = path, info, data
        self.name = f"domain_classifier/{info['dataset']}"
        self.class_names = tuple(info["class_names"])
        self.num_classes = len(self.class_names)
        self.test_accuracy = float(info["test_accuracy"])
        self.image_shape = tuple(info["image_shape"])
        self.protocol = protocols.get("domain")
        self.record = protocols.domain_record(info["dataset"], file_sha256(path), self.image_shape[0],
                                              self.test_accuracy)
        model = keras.models.load_model(path, compile=False)
        self._model = keras.Model(model.inputs, [model.outputs[0], model.get_layer("features").output])
        self._run = tf.function(lambda x: tuple(tf.cast(o, tf.float32) for o in self._model(x, training=False)),
                                input_signature=[tf.TensorSpec([None, *self.image_shape], tf.float32)])

    def prepare(self, images):
        images = quantize_uint8(images)
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"The domain classifier of {self.info['dataset']} takes images of shape "
                             f"{self.image_shape}: train it at the samples' size (evaluate: --image_size; Python: "
                             f"image_size=). Received: images of shape {images.shape[1:]}")
        return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)

    def run(self, prepared):
        return self._run(prepared)

    def __call__(self, images):
        return self.run(self.prepare(images))


def class_metrics(class_counts, class_names):
    """``classes_covered`` (classes with at least :data:`COVERED_SHARE` of a uniform share of the samples, by their
    top class) and each class's share ``class_fraction/<name>``."""
    fractions = np.asarray(class_counts, np.float64) / max(1, int(np.sum(class_counts)))
    metrics = {"classes_covered": float(np.sum(fractions >= COVERED_SHARE / len(class_names)))}
    metrics.update({f"class_fraction/{name}": float(f) for name, f in zip(class_names, fractions)})
    return metrics


def domain_classifier(source, data_dir=None, image_size=None, channels=None, splits=None, progress=True,
                      **training):
    """The domain classifier of the labelled images ``source`` (tfds name, IDX folder, labelled folder or array),
    trained on its training split on first use and loaded from the cache afterwards.

    ``training`` overrides :data:`TRAINING` (``epochs``, ``batch_size``, ``learning_rate``, ``seed``) and
    ``num_train`` (use only the first ``num_train`` training images, e.g. for a quick test); any change makes
    another classifier. ``splits``: a :class:`LabelledSplits` already read.
    """
    splits = splits or LabelledSplits(source, data_dir, image_size, channels)
    settings = {**TRAINING, "num_train": None, **training}
    unknown = set(settings) - set(TRAINING) - {"num_train"}
    if unknown:
        raise ValueError(f"Unknown domain classifier training settings: expected some of "
                         f"{', '.join(sorted(TRAINING))}, num_train. Received: {sorted(unknown)}")
    key = hashlib.sha256(json.dumps(dict(settings, version=VERSION, data=splits.sha256()), sort_keys=True)
                         .encode()).hexdigest()[:20]
    path = cache.path("domain", f"{splits.name}-{key}.keras")
    info_path = path[:-len(".keras")] + ".json"
    if not (os.path.exists(path) and os.path.exists(info_path)):
        _train_and_save(splits, settings, path, info_path, progress)
    with open(info_path, encoding="utf-8") as f:
        info = json.load(f)
    return DomainClassifier(path, info, splits)


def _train_and_save(splits, settings, path, info_path, progress):
    keras.utils.set_random_seed(settings["seed"])
    images, labels = splits.images("train"), splits.train[1]
    if settings["num_train"]:
        images, labels = images[:settings["num_train"]], labels[:settings["num_train"]]
    model = build_network(splits.image_shape, splits.num_classes)
    model.compile(optimizer=keras.optimizers.Adam(settings["learning_rate"]),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    if progress:
        print(f"Training the domain classifier of {splits.name} on {len(images):,} images "
              f"({settings['epochs']} epochs, once; cached in {os.path.dirname(path)})")
    model.fit(images, labels, batch_size=settings["batch_size"], epochs=settings["epochs"],
              verbose=2 if progress else 0)
    _, accuracy = model.evaluate(splits.images("test"), splits.test[1], batch_size=1000, verbose=0)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as tmp:  # concurrent runs: whole files only
        model.save(os.path.join(tmp, "model.keras"))
        info = dict(dataset=splits.name, source=str(splits.source), test_accuracy=float(accuracy),
                    class_names=list(splits.class_names), image_shape=list(splits.image_shape),
                    num_train=len(images), training=settings, version=VERSION,
                    weights_sha256=file_sha256(os.path.join(tmp, "model.keras")))
        with open(os.path.join(tmp, "info.json"), "w", encoding="utf-8") as f:
            json.dump(info, f, indent=1)
        os.replace(os.path.join(tmp, "model.keras"), path)
        os.replace(os.path.join(tmp, "info.json"), info_path)
