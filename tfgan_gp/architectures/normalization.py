"""Activation normalizations, chosen by name: batch (fused, synchronized or per-class), layer, spectral, none.

The critics use layer norm (per-sample statistics over H, W, C; per-channel
scale and offset) with a gradient penalty, because batch statistics mix samples
and invalidate the per-sample penalty (paper §4). The conditional CIFAR
generator uses conditional batch norm (per-class scale and offset, Dumoulin et
al. 2016). ``spectral`` normalizes weights, not activations, so it is a flag of
:func:`~tfgan_gp.architectures.convolutions.conv` and gives no layer here.
"""
import keras
import tensorflow as tf
from keras import layers, ops

from tfgan_gp.architectures.checks import check_choice, check_int

NORMALIZATIONS = ("batch", "batch_sync", "layer", "spectral", "none")
BATCH_NORM_EPSILON = 1e-5  # the authors' (and the reference benchmark's) value

register = keras.saving.register_keras_serializable(package="tfgan_gp")  # registered names: tfgan_gp>Class


@register
class BatchNormalization(layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` that trains on NHWC images with TensorFlow's fused kernel.

    Keras normalises in several float32 passes over the activations (cast,
    moments, scale, shift, cast back); ``FusedBatchNormV3`` does it in one
    kernel, in the compute dtype with float32 statistics: about 3× faster forward
    and backward in bfloat16 on CPU. The outputs, gradients and moving-average
    updates are Keras' (the kernel's Bessel-corrected variance is converted back to the
    biased one Keras averages); epsilon is raised to 1.001e-5 at least, as
    TensorFlow's own wrapper does for cuDNN. Every other case (inference, masks,
    renorm, ``synchronized``, other ranks or axes, float64) runs Keras' code.
    """

    def _fusable(self, inputs, training, mask):
        return (training and self.trainable and mask is None and not self.renorm and not self.synchronized
                and len(inputs.shape) == 4 and list(self._reduction_axes) == [0, 1, 2]
                and inputs.dtype in (tf.float16, tf.bfloat16, tf.float32))

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        empty = tf.constant([], tf.float32)
        outputs, mean, variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=self.gamma if self.scale else tf.ones([channels]),
            offset=self.beta if self.center else tf.zeros([channels]), mean=empty, variance=empty,
            epsilon=max(self.epsilon, 1.001e-5), exponential_avg_factor=1.0, data_format="NHWC",
            is_training=True)
        count = tf.cast(tf.size(inputs) // channels, tf.float32)
        variance *= (count - 1.0) / tf.maximum(count, 1.0)  # unbiased -> biased, as Keras' moments
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return tf.cast(outputs, self.compute_dtype)


@register
class ConditionalBatchNormalization(layers.Layer):
    """Batch norm whose scale and offset are looked up per class (Dumoulin et al. 2016).

    Called on ``[x, labels]`` with ``x`` of shape ``(B, ..., C)`` and integer
    ``labels`` of shape ``(B,)``. Statistics are over every axis but the last,
    computed in float32; moving averages (``momentum``) serve inference, like
    ``keras.layers.BatchNormalization``. The authors' layer always used batch
    statistics (it kept no moving averages).
    """

    normalizes_over_batch = True  # the GAN refuses per-sample gradient penalties on such critics

    def __init__(self, num_classes, momentum=0.99, epsilon=BATCH_NORM_EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_int(num_classes, "num_classes")
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.gamma = self.add_weight((self.num_classes, channels), initializer="ones", name="gamma",
                                     autocast=False)
        self.beta = self.add_weight((self.num_classes, channels), initializer="zeros", name="beta",
                                    autocast=False)
        self.moving_mean = self.add_weight((channels,), initializer="zeros", name="moving_mean",
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight((channels,), initializer="ones", name="moving_variance",
                                               trainable=False, autocast=False)

    def call(self, inputs, training=None):
        x, labels = inputs
        x = ops.cast(x, "float32")
        if training and self.trainable:
            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(
                self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        broadcast = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        scale = ops.take(self.gamma, labels, axis=0) * ops.rsqrt(variance + self.epsilon)  # (B, C)
        offset = ops.take(self.beta, labels, axis=0) - mean * scale
        outputs = x * ops.reshape(scale, broadcast) + ops.reshape(offset, broadcast)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "momentum": self.momentum,
                "epsilon": self.epsilon}


@register
class LayerNorm(layers.Layer):
    """Per-sample normalization over all non-batch axes, per-channel scale and offset.

    The authors' ``Layernorm`` (statistics over C, H, W of each sample; one
    scale and offset per channel). ``keras.layers.LayerNormalization`` over
    several axes would learn one scale per (H, W, C) position instead. Safe
    with gradient penalties: samples never mix. Computed in float32.
    """

    def __init__(self, epsilon=BATCH_NORM_EPSILON, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight((channels,), initializer="ones", name="gamma", autocast=False)
        self.beta = self.add_weight((channels,), initializer="zeros", name="beta", autocast=False)

    def call(self, x):
        x = ops.cast(x, "float32")
        mean, variance = ops.moments(x, axes=list(range(1, len(x.shape))), keepdims=True)
        scale = ops.rsqrt(variance + self.epsilon) * self.gamma  # (B, 1, ..., C): two full-size ops below
        return ops.cast(x * scale + (self.beta - mean * scale), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def batch_normalizing(kind):
    """True for the normalizations that use batch statistics (``batch``, ``batch_sync``)."""
    return kind in ("batch", "batch_sync")


def normalization(kind, num_classes=None, dtype=None, name=None):
    """The activation-normalization layer for ``kind`` (``None`` when there is none).

    ``batch``: :class:`BatchNormalization` (Keras' with a fused training kernel, or
    :class:`ConditionalBatchNormalization` when ``num_classes`` is set);
    ``batch_sync``: the same with statistics over the global batch under ``tf.distribute``
    (one all-reduce per layer and step; a step then equals the single-device one, where
    plain ``batch`` normalizes each replica's share). Conditional batch norm is never synchronized.
    ``layer``: :class:`LayerNorm`; ``spectral`` normalizes weights instead
    (pass ``spectral=True`` to :func:`.convolutions.conv` / :func:`.convolutions.dense`), and ``none`` adds
    nothing: both give ``None``.
    """
    check_choice(kind, NORMALIZATIONS, "normalization")
    if batch_normalizing(kind):
        if num_classes:
            return ConditionalBatchNormalization(num_classes, dtype=dtype, name=name)
        return BatchNormalization(epsilon=BATCH_NORM_EPSILON, synchronized=kind == "batch_sync",
                                         dtype=dtype, name=name)
    if kind == "layer":
        return LayerNorm(dtype=dtype, name=name)
    return None


def apply_normalization(layer, x, labels=None):
    """Apply a layer made by :func:`normalization` (``None``: identity) to ``x``."""
    if layer is None:
        return x
    if isinstance(layer, ConditionalBatchNormalization):
        return layer([x, labels])
    return layer(x)
