"""Offline stand-ins of ``--smoke`` (and ``--rehearsal``): random images of the real shapes and a tiny classifier.

(``--rehearsal``'s mock tensorflow-datasets in the real split sizes are in :mod:`recipes.rehearsal`.)
"""
import tfgan_gp as tg


def synthetic_images(shape, num_examples=512, num_classes=None, seed=0):
    """Random images in [-1, 1] of ``shape`` (+ labels): offline stand-in data for ``--smoke``."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    pixels = rng.uniform(-1.0, 1.0, size=(num_examples, *shape)).astype("float32")
    if num_classes:
        labels = rng.integers(0, num_classes, num_examples).astype("int32")
        return tf.data.Dataset.from_tensor_slices((pixels, labels))
    return tf.data.Dataset.from_tensor_slices(pixels)


def tiny_classifier(image_shape, num_classes=10, seed=0):
    """A small random CNN ``images -> (logits, pool features)``: the offline evaluation network of ``--smoke`` and
    ``--rehearsal``, named so in every protocol record."""
    import keras

    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(seed))(inputs)
    pool = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    logits = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed))(pool)
    return tg.metrics.KerasClassifier(keras.Model(inputs, logits, name="tiny_random_classifier"), "pool")
