"""Classifiers for IS/FID/KID: anything that maps images to ``(logits, pool_features)``.

A classifier here is any callable taking a float32 batch ``(B, H, W, C)`` with values in
``[-1, 1]`` (what ``GAN.sample`` returns) and returning ``(logits (B, classes),
pool_features (B, d))``. :func:`load_classifier` also accepts a SavedModel path.

The networks of the evaluation protocols (:mod:`~tfgan_gp.metrics.protocols`), made by
:func:`protocol_classifier`:

* :class:`Inception2015Features` (``ttur``, ``tfgan``, ``clean``): the 2015 Inception graph from a local
  file, uint8 images resized as the protocol did -- the numbers papers report;
* :class:`InceptionFeatures` (``keras``): Keras ``InceptionV3`` on float images -- not comparable with papers.

Every classifier has a ``record`` (:func:`classifier_record`) stored with its statistics, and
``prepare(images)`` (the numpy part: quantization, PIL resize) runs apart from ``run(prepared)`` (one
``tf.function`` with a fixed input signature), so a pipeline can prepare the next batch while the
network works on this one.
"""
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_gp.metrics import protocols
from tfgan_gp.metrics.inception_2015 import SIZE as INCEPTION_2015_SIZE
from tfgan_gp.metrics.inception_2015 import Inception2015, file_sha256
from tfgan_gp.metrics.preprocessing import (quantize_uint8, resize_pil_bicubic, resize_tf1_bilinear,
                                            resize_tf2_bilinear, to_unit_range)

INCEPTION_SIZE = 299


class InceptionWeightsUnavailable(RuntimeError):
    """The Inception weights could not be found or downloaded."""


class KerasClassifier:
    """A Keras classification network (logits output) as ``images -> (logits, pool_features)``.

    Args:
        model: ``keras.Model`` whose output is class logits (no softmax).
        pool_layer: name of the layer whose output is the pool feature vector ``(B, d)``.
        image_size: side the images are resized to (bilinear), or ``None`` to keep them.
        name: label stored with cached statistics (default: ``model.name``).

    One-channel images are repeated to three channels when the model expects three. The forward
    pass is one ``tf.function`` with a fixed input signature (any batch size, and any image size when
    ``image_size`` is set): it is traced once.
    """

    def __init__(self, model, pool_layer, image_size=None, name=None):
        self.name = name or model.name
        self.record = protocols.custom_record(self.name)
        self.image_size = image_size
        self._channels = model.inputs[0].shape[-1]
        self._model = keras.Model(model.inputs, [model.outputs[0], model.get_layer(pool_layer).output])
        spatial = [None, None] if image_size is not None else list(model.inputs[0].shape[1:3])
        self._call = tf.function(self._forward, input_signature=[
            tf.TensorSpec([None, *spatial, self._channels], tf.float32)])

    def _forward(self, images):
        if self.image_size is not None:
            images = resize_tf2_bilinear(images, self.image_size)  # the keras protocol's resize
        logits, pool = self._model(images, training=False)
        return tf.cast(logits, tf.float32), tf.cast(pool, tf.float32)

    def prepare(self, images):
        """Float32 in ``[-1, 1]`` (uint8 is scaled), one channel repeated to three where the model needs it."""
        images = tf.convert_to_tensor(images if tf.is_tensor(images) else np.asarray(images))
        images = tf.cast(images, tf.float32) / 127.5 - 1.0 if images.dtype == tf.uint8 else tf.cast(images,
                                                                                                     tf.float32)
        if self._channels == 3 and images.shape[-1] == 1:  # decided on the static shape
            images = tf.tile(images, [1, 1, 1, 3])
        return images

    def run(self, prepared):
        return self._call(prepared)

    def __call__(self, images):
        return self.run(self.prepare(images))


class InceptionFeatures(KerasClassifier):
    """Keras ``InceptionV3`` (ImageNet): 1000 logits and the 2048-d ``avg_pool`` features.

    Images in ``[-1, 1]`` (Inception's own input range) are resized to 299×299.
    ``weights="imagenet"`` downloads the weights once (to ``~/.keras/models``); offline,
    pass a local copy of ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5`` as
    ``weights=PATH``, or use another classifier.

    This is the ``keras`` protocol: not comparable with published numbers, which come from the
    2015 TensorFlow Inception graph (1008 classes, other weights, uint8 images, TF1 resize); use
    :class:`Inception2015Features` (protocol ``ttur``) for those. Compare ``keras`` scores with
    each other only.
    """

    def __init__(self, weights="imagenet"):
        if weights not in ("imagenet", None) and not tf.io.gfile.exists(weights):
            raise InceptionWeightsUnavailable(_weights_message(weights, "no such file"))
        try:
            net = keras.applications.InceptionV3(include_top=True, weights=weights,
                                                 classifier_activation=None)
        except Exception as err:  # keras.utils.get_file raises a bare Exception when offline
            raise InceptionWeightsUnavailable(_weights_message(weights, f"{type(err).__name__}: {err}")) from err
        super().__init__(net, "avg_pool", image_size=INCEPTION_SIZE, name="inception_v3")
        self.protocol = protocols.get("keras")
        self.record = protocols.record("keras", file_sha256(weights) if weights not in ("imagenet", None) else None)


class Inception2015Features:
    """The 2015 Inception graph under protocol ``ttur``, ``tfgan`` or ``clean``: images in, ``(logits, pool_3)`` out.

    Images (float in ``[-1, 1]``, or uint8) are quantized to uint8 (:func:`~tfgan_gp.metrics.preprocessing.
    quantize_uint8`), resized to 299×299 as the protocol did (TF1 bilinear, or clean-fid's PIL bicubic)
    and fed to the graph (:class:`~tfgan_gp.metrics.inception_2015.Inception2015`): 1008 logits, 2048-d
    ``pool_3`` features, the file recorded by its SHA-256.

    Args:
        protocol: ``"ttur"``, ``"tfgan"`` or ``"clean"``.
        inception_graph: ``classify_image_graph_def.pb`` (from ``inception-2015-12-05.tgz``) or TF-GAN's
            TF-Hub module directory (``tfgan/eval/inception/1``), on local disk.
        logits_bias: add the softmax bias to the GraphDef's logits (Salimans et al.'s script did not).
    """

    def __init__(self, protocol="ttur", inception_graph=None, logits_bias=False):
        self.protocol = protocols.get(protocol)
        if self.protocol.network != protocols.INCEPTION_2015:
            raise ValueError(f"protocol must be one of {', '.join(protocols.GRAPH_PROTOCOLS)} (the 2015 graph's). "
                             f"Received: protocol={self.protocol.name!r}")
        if inception_graph is None or not os.path.exists(inception_graph):
            raise InceptionWeightsUnavailable(graph_message(self.protocol.name, inception_graph))
        self.network = Inception2015(inception_graph, logits_bias=logits_bias)
        self.name = protocols.INCEPTION_2015
        self.record = protocols.record(self.protocol, self.network.sha256, self.network.logits)
        size = INCEPTION_2015_SIZE
        if self.protocol.resize == "tf1_bilinear":
            self._run = tf.function(lambda u8: self.network(resize_tf1_bilinear(u8, size)),
                                    input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8)])
        else:
            self._run = tf.function(self.network, input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)])

    def prepare(self, images):
        """uint8 pixels (clean: already PIL-resized, float32 in [0, 255]), three channels."""
        images = quantize_uint8(images)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(f"images must have shape (B, H, W, 1 or 3). Received: shape {images.shape}")
        if images.shape[-1] == 1:
            images = np.repeat(images, 3, axis=-1)
        if self.protocol.resize == "pil_bicubic":
            return resize_pil_bicubic(images, INCEPTION_2015_SIZE)
        return images

    def run(self, prepared):
        return self._run(prepared)

    def __call__(self, images):
        return self.run(self.prepare(images))


def graph_message(protocol, path):
    """The one sentence saying which file the 2015-graph protocols need and where it goes."""
    reason = "none was given" if path is None else "no such file or directory"
    return (f"Protocol {protocol!r} needs the 2015 Inception graph on local disk ({reason}): extract "
            f"classify_image_graph_def.pb from {protocols.INCEPTION_2015_URL} (or TF-GAN's TF-Hub module "
            f"tfgan/eval/inception/1) and pass --inception_graph=PATH (Python: inception_graph=PATH), or choose "
            f"the keras protocol (not comparable with papers). Received: inception_graph={path!r}")


def protocol_classifier(protocol="ttur", inception_graph=None, inception_weights=None, logits_bias=False,
                        domain_data=None, data_dir=None, image_size=None):
    """The classifier of an evaluation protocol (``ttur``, ``tfgan``, ``clean``, ``keras`` or ``domain``).

    ``ttur``/``tfgan``/``clean`` need ``inception_graph`` (see :class:`Inception2015Features`);
    ``keras`` takes ``inception_weights`` (default: download ImageNet's). A missing file raises
    :class:`InceptionWeightsUnavailable` with one sentence saying what to get and where it goes.
    ``domain`` trains (once, then cached) a classifier on the labelled images ``domain_data`` (a tfds name
    in ``data_dir``, an IDX folder, a labelled folder or array: :mod:`~tfgan_gp.metrics.domain`), resized to
    ``image_size`` when given (a generator of another size than the data).
    """
    protocol = protocols.get(protocol)
    if protocol.name == "domain":
        from tfgan_gp.metrics.domain import domain_classifier

        if domain_data is None:
            raise ValueError("Protocol 'domain' trains its classifier on labelled images of the dataset: pass them "
                             "as domain_data (evaluate: a labelled --reference or --domain_data; e.g. "
                             "/usr/share/datasets/fashion-mnist or fashion_mnist). Received: domain_data=None")
        return domain_classifier(domain_data, data_dir=data_dir, image_size=image_size)
    if protocol.network == protocols.KERAS_INCEPTION_V3:
        return InceptionFeatures(weights=inception_weights or "imagenet")
    return Inception2015Features(protocol, inception_graph, logits_bias=logits_bias)


def _weights_message(weights, reason):
    return (f"InceptionV3 weights {weights!r} could not be loaded ({reason}); pass "
            f"--inception_weights=PATH (a local inception_v3_weights_tf_dim_ordering_tf_kernels.h5) or "
            f"another classifier (a callable images -> (logits, pool_features), or a SavedModel path).")


class SavedModelClassifier:
    """A SavedModel returning ``(logits, pool_features)`` or ``{"logits", "pool_features"}``.

    The model is called as ``loaded(images)`` when the loaded object is callable, else
    through its ``serving_default`` signature (one input).
    """

    def __init__(self, path):
        self.name = os.path.basename(os.path.normpath(path))
        loaded = tf.saved_model.load(path)
        self._loaded = loaded  # keeps the variables alive
        if callable(loaded):
            self._fn = loaded
        elif "serving_default" in loaded.signatures:
            signature = loaded.signatures["serving_default"]
            (input_name,) = signature.structured_input_signature[1].keys()
            self._fn = lambda images: signature(**{input_name: images})
        else:
            raise ValueError(f"The SavedModel at {path!r} is neither callable nor has a serving_default "
                             f"signature. Received: signatures {list(loaded.signatures)}")

    def __call__(self, images):
        return self._fn(tf.convert_to_tensor(images, tf.float32))


def classifier_record(classifier):
    """The protocol record of a classifier (:func:`tfgan_gp.metrics.protocols.record`); ``custom`` if it has none."""
    return getattr(classifier, "record", None) or protocols.custom_record(classifier_name(classifier))


def prepare_fn(classifier):
    """``(prepare, run)`` of a classifier: its own split, or ``float32`` conversion and the classifier itself."""
    if hasattr(classifier, "prepare") and hasattr(classifier, "run"):
        return classifier.prepare, classifier.run
    return to_unit_range, classifier


def load_classifier(classifier):
    """A callable classifier from a callable (returned as is) or a SavedModel directory path."""
    if isinstance(classifier, (str, os.PathLike)):
        return SavedModelClassifier(os.fspath(classifier))
    if callable(classifier):
        return classifier
    raise ValueError(f"classifier must be a callable images -> (logits, pool_features) or a SavedModel "
                     f"path. Received: {classifier!r}")


def classifier_name(classifier):
    return getattr(classifier, "name", None) or type(classifier).__name__


def split_outputs(outputs):
    """``(logits, pool_features)`` as float32 arrays from a pair or a dict with those keys."""
    if isinstance(outputs, dict):
        missing = {"logits", "pool_features"} - set(outputs)
        if missing:
            raise ValueError(f"A classifier returning a dict needs the keys 'logits' and 'pool_features'. "
                             f"Received: keys {sorted(outputs)}")
        outputs = (outputs["logits"], outputs["pool_features"])
    if not isinstance(outputs, (tuple, list)) or len(outputs) != 2:
        raise ValueError(f"A classifier must return (logits, pool_features). Received: {type(outputs).__name__}")
    logits, pool = (tf.convert_to_tensor(o, tf.float32).numpy() for o in outputs)
    if logits.ndim != 2 or pool.ndim != 2 or len(logits) != len(pool):
        raise ValueError(f"A classifier must return logits (B, classes) and pool_features (B, d). "
                         f"Received: shapes {logits.shape} and {pool.shape}")
    return logits, pool
