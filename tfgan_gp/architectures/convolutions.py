"""Convolutions, and the paper's resampling convolutions (up-sample then conv, conv then mean pool, ...).

As in the authors' code (github.com/igul222/improved_wgan_training), in NHWC:
up-sampling is nearest neighbour then a conv (:class:`UpsampleConv`; its
``depth_to_space`` method is the sub-pixel conv of the 101-layer ResNet's
shortcut), down-sampling a 2×2 mean pool after (:class:`ConvMeanPool`) or before
(:class:`MeanPoolConv`) a conv. Residual branches use the authors' "He"
initialisation (:func:`he_uniform_avg`); shortcuts and dense layers Glorot-uniform.

Exact speed-ups (same function, same trainable weights, fewer FLOPs): a 1×1 conv
commutes with nearest up-sampling and with mean pooling, so it runs at the lower
resolution; an odd k×k conv after 2× up-sampling (before a 2×2 mean pool) is one
stride-2 transposed (plain) conv with a (k+1)×(k+1) kernel, a fixed linear
combination of the k×k weights formed in float32 at every call
(:func:`_folded_kernel`). For k = 3: 16 instead of 36 multiply-adds per
low-resolution pixel.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tfgan_gp.architectures.checks import check_choice

UPSAMPLE_METHODS = ("nearest", "depth_to_space")

register = keras.saving.register_keras_serializable(package="tfgan_gp")  # registered names: tfgan_gp>Class


def he_uniform_avg():
    """The authors' ``he_init``: uniform with variance ``4 / (fan_in + fan_out)``."""
    return keras.initializers.VarianceScaling(2.0, mode="fan_avg", distribution="uniform")


def _nearest_upsample(x):
    return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)


def _mean_pool(x):
    return ops.average_pool(x, pool_size=2, strides=2, padding="valid")


def conv(filters, kernel_size, rank=2, strides=1, use_bias=True, kernel_initializer="glorot_uniform",
         spectral=False, dtype=None, name=None):
    """A "same"-padded ``Conv1D``/``Conv2D``, wrapped in ``SpectralNormalization`` if ``spectral``."""
    cls = {1: layers.Conv1D, 2: layers.Conv2D}[rank]
    layer = cls(filters, kernel_size, strides=strides, padding="same", use_bias=use_bias,
                kernel_initializer=kernel_initializer, dtype=dtype, name=None if spectral else name)
    return layers.SpectralNormalization(layer, dtype=dtype, name=name) if spectral else layer


def dense(units, kernel_initializer="glorot_uniform", spectral=False, dtype=None, name=None, use_bias=True):
    """A ``Dense`` layer, wrapped in ``SpectralNormalization`` if ``spectral``."""
    layer = layers.Dense(units, use_bias=use_bias, kernel_initializer=kernel_initializer, dtype=dtype,
                         name=None if spectral else name)
    return layers.SpectralNormalization(layer, dtype=dtype, name=name) if spectral else layer


def _upsample_taps(k):
    """``(k+1, k)`` matrix: 1-D taps of the transposed stride-2 conv equal to a k-tap conv after 2× repetition.

    Output pixel ``2i + phase`` of "same" conv ``K`` over the repeated input reads input
    ``i + (phase - p + t) // 2`` with tap ``t`` (``p = (k - 1) // 2``); the transposed conv
    gives input ``j`` weight ``F[2i + phase - 2j + p]`` there.
    """
    before, taps = (k - 1) // 2, np.zeros((k + 1, k), "float32")
    for phase in (0, 1):
        for t in range(k):
            taps[phase - 2 * ((phase - before + t) // 2) + before, t] += 1.0
    return taps


def _pool_taps(k):
    """``(k+1, k)`` matrix: 1-D taps of the stride-2 conv equal to a k-tap "same" conv then a mean of 2."""
    taps = np.zeros((k + 1, k), "float32")
    for t in range(k):
        taps[t, t] += 0.5
        taps[t + 1, t] += 0.5
    return taps


def _fold_matrix(taps):
    """``taps ⊗ taps``: maps the k² taps of a 2-D kernel to its (k+1)² folded taps."""
    return np.kron(taps, taps)


def _folded_kernel(kernel, fold, dtype, transpose=False):
    """The ``(k+1)×(k+1)`` kernel ``taps · K · tapsᵀ`` (per channel pair), cast to ``dtype``.

    One matmul of ``fold = taps ⊗ taps`` with ``K`` as a ``(k², in·out)`` matrix, in float32
    from the (possibly autocast) ``K``; ``transpose`` gives the ``(h, w, out, in)``
    layout of ``tf.nn.conv2d_transpose``.
    """
    k, _, channels_in, channels_out = kernel.shape
    if transpose:
        kernel = tf.transpose(kernel, [0, 1, 3, 2])
        channels_in, channels_out = channels_out, channels_in
    flat = tf.reshape(tf.cast(kernel, tf.float32), [k * k, channels_in * channels_out])
    folded = tf.matmul(fold, flat)
    return tf.cast(tf.reshape(folded, [k + 1, k + 1, channels_in, channels_out]), dtype)


class _Resampled(layers.Layer):
    """Shared configuration of the resampling convolutions (one inner conv)."""

    def __init__(self, filters, kernel_size=3, use_bias=True, kernel_initializer="glorot_uniform",
                 spectral=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.spectral = spectral

    def _conv(self, filters):
        return conv(filters, self.kernel_size, use_bias=self.use_bias,
                    kernel_initializer=self.kernel_initializer, spectral=self.spectral,
                    dtype=self.dtype_policy, name="conv")

    def build(self, input_shape):
        self.conv.build((None, None, None, input_shape[-1]))  # the conv's weights need only the channels

    def _foldable(self):
        """Whether the resampling can be folded into the kernel (odd k > 1, weights not spectrally normalized)."""
        return self.kernel_size > 1 and self.kernel_size % 2 == 1 and not self.spectral

    def _add_bias(self, y):
        return tf.nn.bias_add(y, self.conv.bias) if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "use_bias": self.use_bias, "spectral": self.spectral,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


@register
class UpsampleConv(_Resampled):
    """Doubles height and width, then convolves (``(B, H, W, C) -> (B, 2H, 2W, filters)``).

    ``method="nearest"``: nearest-neighbour up-sampling then a conv (the authors'
    ``UpsampleConv``). ``method="depth_to_space"``: a conv to ``4·filters``
    channels then ``depth_to_space(2)`` (the authors' ``SubpixelConv2D``).
    """

    def __init__(self, filters, kernel_size=3, method="nearest", **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.method = check_choice(method, UPSAMPLE_METHODS, "method")
        self.conv = self._conv(filters if method == "nearest" else 4 * filters)
        self._fold = _fold_matrix(_upsample_taps(kernel_size))

    def _foldable(self):
        return self.method == "nearest" and super()._foldable()

    def call(self, x):
        if self.method == "depth_to_space":
            return ops.depth_to_space(self.conv(x), 2)
        if self.kernel_size == 1:  # a 1x1 conv commutes with nearest up-sampling: run it on 4x fewer pixels
            return _nearest_upsample(self.conv(x))
        if not self._foldable():
            return self.conv(_nearest_upsample(x))
        kernel = _folded_kernel(self.conv.kernel, self._fold, self.compute_dtype, transpose=True)
        shape = tf.shape(x)
        static = x.shape
        output_shape = tf.stack([static[0] or shape[0], 2 * (static[1] or shape[1]),
                                 2 * (static[2] or shape[2]), self.filters])
        return self._add_bias(tf.nn.conv2d_transpose(x, kernel, output_shape, strides=2, padding="SAME"))

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        return (b, h and 2 * h, w and 2 * w, self.filters)

    def get_config(self):
        return {**super().get_config(), "method": self.method}


@register
class ConvMeanPool(_Resampled):
    """A "same" conv followed by a 2×2 mean pool (the authors' ``ConvMeanPool``).

    With ``kernel_size=1`` the pool runs first (identical result, 4× cheaper);
    with an odd ``kernel_size`` > 1 both run as one stride-2 conv (module docstring).
    """

    def __init__(self, filters, kernel_size=3, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.conv = self._conv(filters)
        self._fold = _fold_matrix(_pool_taps(kernel_size))

    def call(self, x):
        if self.kernel_size == 1:
            return self.conv(_mean_pool(x))
        if not self._foldable():
            return _mean_pool(self.conv(x))
        kernel = _folded_kernel(self.conv.kernel, self._fold, self.compute_dtype)
        y = self._add_bias(tf.nn.conv2d(x, kernel, 2, "SAME"))
        height, width = x.shape[1:3]
        if height is None or width is None or height % 2 or width % 2:
            # "same" covers a last odd row/column the mean pool drops; the others align exactly
            shape = tf.shape(x)
            y = y[:, :shape[1] // 2, :shape[2] // 2]
        return y

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        return (b, h and h // 2, w and w // 2, self.filters)


@register
class MeanPoolConv(ConvMeanPool):
    """A 2×2 mean pool followed by a "same" conv (the authors' ``MeanPoolConv``)."""

    def call(self, x):
        return self.conv(_mean_pool(x))
