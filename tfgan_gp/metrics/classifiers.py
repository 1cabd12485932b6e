"""Classifiers for IS/FID/KID: anything that maps images to ``(logits, pool_features)``.

A classifier here is any callable taking a float32 batch ``(B, H, W, C)`` with values in
``[-1, 1]`` (what ``GAN.sample`` returns) and returning ``(logits (B, classes),
pool_features (B, d))``. :func:`load_classifier` also accepts a SavedModel path.
:class:`InceptionFeatures` is the standard choice (Keras ``InceptionV3``, 2048-d pool
features, 1000 ImageNet logits); tests and offline runs can inject small local networks.
"""
import os

import keras
import tensorflow as tf

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

    One-channel images are repeated to three channels when the model expects three.
    """

    def __init__(self, model, pool_layer, image_size=None, name=None):
        self.name = name or model.name
        self.image_size = image_size
        self._channels = model.inputs[0].shape[-1]
        self._model = keras.Model(model.inputs, [model.outputs[0], model.get_layer(pool_layer).output])
        self._call = tf.function(self._forward, reduce_retracing=True)

    def _forward(self, images):
        if self.image_size is not None:
            images = tf.image.resize(images, (self.image_size, self.image_size), method="bilinear")
        logits, pool = self._model(images, training=False)
        return tf.cast(logits, tf.float32), tf.cast(pool, tf.float32)

    def __call__(self, images):
        images = tf.convert_to_tensor(images, tf.float32)
        if self._channels == 3 and images.shape[-1] == 1:  # decided eagerly: traces may have unknown shapes
            images = tf.tile(images, [1, 1, 1, 3])
        return self._call(images)


class InceptionFeatures(KerasClassifier):
    """Keras ``InceptionV3`` (ImageNet): 1000 logits and the 2048-d ``avg_pool`` features.

    Images in ``[-1, 1]`` (Inception's own input range) are resized to 299×299.
    ``weights="imagenet"`` downloads the weights once (to ``~/.keras/models``); offline,
    pass a local copy of ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5`` as
    ``weights=PATH``, or use another classifier.

    Deviation from the paper: Gulrajani et al.'s Inception scores come from the 2015
    TensorFlow Inception graph (1008 classes, other weights), so absolute numbers from this
    network differ slightly; compare scores computed with the same classifier only.
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
