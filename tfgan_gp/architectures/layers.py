"""Building blocks of the paper's generators and critics, as serialisable Keras layers.

Facts follow the authors' code (github.com/igul222/improved_wgan_training,
``gan_cifar_resnet.py``, ``gan_64x64.py``, ``gan_language.py``) with NHWC
tensors instead of NCHW:

* up-sampling is nearest neighbour (the authors tile 4 copies and apply
  ``depth_to_space``, which is the same thing) followed by a convolution; the
  101-layer ResNet's shortcut uses a sub-pixel convolution (conv to 4×filters,
  then ``depth_to_space``) instead;
* down-sampling is a 2×2 mean pool after (``ConvMeanPool``) or before
  (``MeanPoolConv``) a convolution;
* residual blocks are pre-activation (norm → ReLU → conv → norm → ReLU → conv)
  with a 1×1 convolution on the shortcut only when the shape changes;
* batch norm is conditional (per-class scale and offset, Dumoulin et al. 2016)
  in the conditional CIFAR generator; the critics use layer norm (per-sample
  statistics over H, W, C with per-channel scale/offset) when a gradient
  penalty is used, because batch statistics mix samples and invalidate the
  per-sample penalty (paper §4);
* convolutions in residual branches use the authors' "He" initialisation
  (uniform, variance 4/(fan_in + fan_out)); shortcuts and dense layers use
  Glorot-uniform (the authors' default).

Exact speed-ups (same function, same weights, fewer FLOPs):

* a 1×1 convolution commutes with nearest up-sampling and with mean pooling
  (all three are linear and act per pixel / per channel), so ``UpsampleConv``
  and ``ConvMeanPool`` with ``kernel_size=1`` run it at the lower resolution;
* a k×k convolution after 2× nearest up-sampling is a stride-2 transposed
  convolution with a (k+1)×(k+1) kernel, and a k×k convolution followed by a
  2×2 mean pool is a stride-2 (k+1)×(k+1) convolution; the larger kernel is a
  fixed linear combination of the k×k weights (:func:`_folded_kernel`), formed
  in float32 at every call, so the trainable weights are the paper's. For
  k = 3 this is 16 instead of 36 multiply-adds per low-resolution pixel.
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tfgan_gp.architectures.activations import ReLU, relu

NORMALIZATIONS = ("batch", "batch_sync", "layer", "spectral", "none")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "gated")
RESAMPLES = (None, "up", "down")
UPSAMPLE_METHODS = ("nearest", "depth_to_space")
BATCH_NORM_EPSILON = 1e-5  # the authors' (and the reference benchmark's) value
LEAKY_RELU_SLOPE = 0.2

register = keras.saving.register_keras_serializable(package="tfgan_gp")


def he_uniform_avg():
    """The authors' ``he_init``: uniform with variance ``4 / (fan_in + fan_out)``."""
    return keras.initializers.VarianceScaling(2.0, mode="fan_avg", distribution="uniform")


def check_choice(value, choices, argument):
    """``ValueError`` naming ``argument`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{argument} must be one of {list(choices)}. Received: {argument}={value!r}")
    return value


def check_int(value, argument, minimum=1, multiple_of=1):
    """``ValueError`` unless ``value`` is an integer >= ``minimum`` and a multiple of ``multiple_of``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value % multiple_of:
        extra = f" divisible by {multiple_of}" if multiple_of > 1 else ""
        raise ValueError(f"{argument} must be an integer >= {minimum}{extra}. Received: {argument}={value!r}")
    return value


def _nearest_upsample(x):
    return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)


def _mean_pool(x):
    return ops.average_pool(x, pool_size=2, strides=2, padding="valid")


def _subsample(x):
    """Every second pixel of ``(B, H, W, C)``: the inputs a stride-2 1×1 "same" conv reads.

    "Same" padding adds nothing for a 1×1 kernel at any ``H, W`` (output
    ``ceil(H / 2)`` rows starting at row 0), so ``conv1x1(_subsample(x))``
    equals the stride-2 conv exactly (see :class:`BottleneckBlock` for why).
    """
    return x[:, ::2, ::2, :]


def conv(filters, kernel_size, rank=2, strides=1, use_bias=True, kernel_initializer="glorot_uniform",
         spectral=False, dtype=None, name=None):
    """A "same"-padded ``Conv1D``/``Conv2D``, wrapped in ``SpectralNormalization`` if ``spectral``."""
    cls = {1: layers.Conv1D, 2: layers.Conv2D}[rank]
    layer = cls(filters, kernel_size, strides=strides, padding="same", use_bias=use_bias,
                kernel_initializer=kernel_initializer, dtype=dtype, name=None if spectral else name)
    return layers.SpectralNormalization(layer, dtype=dtype, name=name) if spectral else layer


def dense(units, kernel_initializer="glorot_uniform", spectral=False, dtype=None, name=None):
    """A ``Dense`` layer, wrapped in ``SpectralNormalization`` if ``spectral``."""
    layer = layers.Dense(units, kernel_initializer=kernel_initializer, dtype=dtype,
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


@register
class GatedActivation(layers.Layer):
    """``sigmoid(a) ⊙ tanh(b)`` where ``a, b`` are the two halves of the last axis (halves it).

    The authors (after PixelCNN) gate even channels with odd ones; splitting
    into halves is the same function up to a permutation of the preceding
    layer's (learned) output channels, and is cheaper than strided slices.
    """

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] % 2:
            raise ValueError(f"GatedActivation needs an even number of channels (last axis). "
                             f"Received: input shape {tuple(input_shape)}")

    def call(self, x):
        a, b = ops.split(x, 2, axis=-1)
        return ops.sigmoid(a) * ops.tanh(b)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] // 2,)


def activation(kind, dtype=None, name=None):
    """An activation layer: ``relu``, ``leaky_relu`` (slope 0.2), ``tanh`` or ``gated``."""
    check_choice(kind, ACTIVATIONS, "activation")
    if kind == "gated":
        return GatedActivation(dtype=dtype, name=name)
    if kind in ("relu", "leaky_relu"):
        return ReLU(LEAKY_RELU_SLOPE if kind == "leaky_relu" else 0.0, dtype=dtype, name=name)
    return layers.Activation(kind, dtype=dtype, name=name)


def activation_width(kind):
    """Channel multiplier the layer before an activation needs (2 for ``gated``, else 1)."""
    return 2 if check_choice(kind, ACTIVATIONS, "activation") == "gated" else 1


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
    (pass ``spectral=True`` to :func:`conv` / :func:`dense`), and ``none`` adds
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


class _Block(layers.Layer):
    """Shared parts of the residual blocks: optional conditioning inputs ``[x, labels]``."""

    def __init__(self, filters, resample=None, kernel_size=3, normalization="none", num_classes=None,
                 residual_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_int(filters, "filters")
        self.resample = check_choice(resample, RESAMPLES, "resample")
        self.kernel_size = kernel_size
        self.normalization = check_choice(normalization, NORMALIZATIONS, "normalization")
        self.num_classes = num_classes
        self.residual_scale = residual_scale
        if num_classes and not batch_normalizing(normalization):
            raise ValueError(f"A residual block is conditioned through conditional batch norm, so "
                             f"num_classes needs normalization='batch'. "
                             f"Received: num_classes={num_classes}, normalization={normalization!r}")

    def _split(self, inputs):
        return (inputs[0], inputs[1]) if self.num_classes else (inputs, None)

    def _norm(self, name):
        return normalization(self.normalization, self.num_classes, dtype=self.dtype_policy, name=name)

    def _conv(self, filters, kernel_size, rank=2, **kwargs):
        kwargs.setdefault("kernel_initializer", he_uniform_avg())
        return conv(filters, kernel_size, rank=rank, spectral=self.normalization == "spectral",
                    dtype=self.dtype_policy, **kwargs)

    def _resampled(self, cls, filters, kernel_size, **kwargs):
        kwargs.setdefault("kernel_initializer", he_uniform_avg())
        return cls(filters, kernel_size, spectral=self.normalization == "spectral",
                   dtype=self.dtype_policy, **kwargs)

    @staticmethod
    def _build_all(rank, sublayers):
        """Build each ``(sublayer, input channels)`` now, so a built block owns all its weights."""
        for layer, channels in sublayers:
            if layer is None:
                continue
            shape = (None,) * (rank + 1) + (channels,)  # weights depend on the channels only
            layer.build([shape, (None,)] if isinstance(layer, ConditionalBatchNormalization) else shape)

    def _residual(self, shortcut, branch):
        if self.residual_scale != 1.0:
            branch = branch * ops.cast(self.residual_scale, branch.dtype)
        return shortcut + branch

    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0] if self.num_classes else input_shape
        spatial = list(x_shape[1:-1])
        if self.resample == "up":
            spatial = [s and 2 * s for s in spatial]
        elif self.resample == "down":
            spatial = [s and s // 2 for s in spatial]
        return (x_shape[0], *spatial, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "resample": self.resample,
                "kernel_size": self.kernel_size, "normalization": self.normalization,
                "num_classes": self.num_classes, "residual_scale": self.residual_scale}


@register
class ResidualBlock(_Block):
    """Pre-activation residual block: ``shortcut(x) + s · conv2(act(norm2(conv1(act(norm1(x))))))``.

    Args:
        filters: output channels.
        resample: ``None``, ``"up"`` (``conv1`` is an :class:`UpsampleConv`,
            shortcut a 1×1 ``UpsampleConv``) or ``"down"`` (``conv1`` keeps the
            input width, ``conv2`` is a :class:`ConvMeanPool`, shortcut a 1×1
            :class:`MeanPoolConv`). Without resampling the shortcut is the
            identity when the width is unchanged, else a 1×1 conv.
        kernel_size: of ``conv1`` and ``conv2``.
        normalization: ``batch`` (conditional when ``num_classes``), ``layer``,
            ``spectral`` (on every conv) or ``none``.
        num_classes: call the block on ``[x, labels]`` with conditional batch norm.
        residual_scale: ``s`` (0.3 in the authors' character model).
        preactivate: ``False`` gives the critic's first ("optimized") block:
            conv → ReLU → conv, no normalization, ``conv1`` already at
            ``filters`` width.
        conv1_use_bias: the 64×64 models drop ``conv1``'s bias (a norm follows).
        upsample: ``nearest`` or ``depth_to_space`` for ``resample="up"``.
        rank: 2 for images (NHWC), 1 for sequences (NLC; no resampling).
    """

    def __init__(self, filters, resample=None, kernel_size=3, normalization="none", num_classes=None,
                 residual_scale=1.0, preactivate=True, conv1_use_bias=True, upsample="nearest", rank=2,
                 **kwargs):
        super().__init__(filters, resample, kernel_size, normalization, num_classes, residual_scale,
                         **kwargs)
        self.preactivate = preactivate
        self.conv1_use_bias = conv1_use_bias
        self.upsample = check_choice(upsample, UPSAMPLE_METHODS, "upsample")
        self.rank = check_choice(rank, (1, 2), "rank")
        if rank == 1 and resample is not None:
            raise ValueError(f"1-D residual blocks do not resample. Received: resample={resample!r}")

    def build(self, input_shape):
        x_shape, _ = self._split(input_shape)
        channels, filters, k = x_shape[-1], self.filters, self.kernel_size
        width = channels if (self.resample == "down" and self.preactivate) else filters  # conv1's output
        if self.resample == "up":
            self.conv1 = self._resampled(UpsampleConv, filters, k, method=self.upsample,
                                         use_bias=self.conv1_use_bias, name="conv1")
            self.conv2 = self._conv(filters, k, name="conv2")
            self.shortcut = self._resampled(UpsampleConv, filters, 1, method=self.upsample,
                                            kernel_initializer="glorot_uniform", name="shortcut")
        elif self.resample == "down":
            self.conv1 = self._conv(width, k, use_bias=self.conv1_use_bias, name="conv1")
            self.conv2 = self._resampled(ConvMeanPool, filters, k, name="conv2")
            self.shortcut = self._resampled(MeanPoolConv, filters, 1, kernel_initializer="glorot_uniform",
                                            name="shortcut")
        else:
            self.conv1 = self._conv(filters, k, rank=self.rank, use_bias=self.conv1_use_bias, name="conv1")
            self.conv2 = self._conv(filters, k, rank=self.rank, name="conv2")
            self.shortcut = None if channels == filters else self._conv(
                filters, 1, rank=self.rank, kernel_initializer="glorot_uniform", name="shortcut")
        self.norm1 = self._norm("norm1") if self.preactivate else None
        self.norm2 = self._norm("norm2") if self.preactivate else None
        self._build_all(self.rank, [(self.norm1, channels), (self.conv1, channels), (self.norm2, width),
                                    (self.conv2, width), (self.shortcut, channels)])

    def call(self, inputs):
        x, labels = self._split(inputs)
        h = x
        if self.preactivate:
            h = relu(apply_normalization(self.norm1, h, labels))
        h = self.conv1(h)
        h = relu(apply_normalization(self.norm2, h, labels))
        h = self.conv2(h)
        return self._residual(x if self.shortcut is None else self.shortcut(x), h)

    def get_config(self):
        return {**super().get_config(), "preactivate": self.preactivate,
                "conv1_use_bias": self.conv1_use_bias, "upsample": self.upsample, "rank": self.rank}


@register
class BottleneckBlock(_Block):
    """Bottleneck residual block of the authors' 101-layer ResNet (``gan_64x64.py``).

    ``shortcut(x) + s · norm(conv1x1(relu(conv_k(relu(conv1x1(relu(x)))))))``
    with widths ``C → C/2 → filters/2 → filters`` (``s = 0.3``). Resampling is
    in the middle conv: stride 2 (``down``) or a stride-2 transposed conv
    (``up``); the shortcut is a stride-2 1×1 conv (``down``), a 1×1 sub-pixel
    conv (``up``), the identity, or a 1×1 conv when the width changes.

    A stride-2 1×1 "same" conv is run as a stride-1 1×1 conv on every second
    pixel (:func:`_subsample`): the same function and weights, but it keeps
    the weight gradient off oneDNN's strided 1×1 backward-weights kernel
    (``jit_1x1`` with "reduce to unit stride"), which writes past its
    workspace when the input has fewer than 16 channels in NHWC (heap
    corruption on AVX-512, wrong gradients reported on AVX2; oneDNN 3.7 in
    TF 2.21, github.com/uxlfoundation/oneDNN/issues/6035). Tiny critics
    (``dim`` < 32) hit it on the ``down`` shortcut.
    """

    def __init__(self, filters, resample=None, kernel_size=3, normalization="batch", num_classes=None,
                 residual_scale=0.3, **kwargs):
        super().__init__(filters, resample, kernel_size, normalization, num_classes, residual_scale,
                         **kwargs)

    def build(self, input_shape):
        x_shape, _ = self._split(input_shape)
        channels, filters, k = x_shape[-1], self.filters, self.kernel_size
        if channels % 2 or filters % 2:
            raise ValueError(f"BottleneckBlock halves its widths, so input channels and filters must be "
                             f"even. Received: input channels {channels}, filters={filters}")
        self.conv1 = self._conv(channels // 2, 1, name="conv1")
        if self.resample == "up":
            self.conv_mid = layers.Conv2DTranspose(
                filters // 2, k, strides=2, padding="same", kernel_initializer=he_uniform_avg(),
                dtype=self.dtype_policy)
            if self.normalization == "spectral":
                self.conv_mid = layers.SpectralNormalization(self.conv_mid, dtype=self.dtype_policy)
            self.shortcut = self._resampled(UpsampleConv, filters, 1, method="depth_to_space",
                                            kernel_initializer="glorot_uniform", name="shortcut")
        else:
            stride = 2 if self.resample == "down" and k != 1 else 1  # strided 1x1 convs subsample first
            self.conv_mid = self._conv(filters // 2, k, strides=stride, name="conv_mid")
            self.shortcut = None if (channels == filters and self.resample is None) else self._conv(
                filters, 1, kernel_initializer="glorot_uniform", name="shortcut")
        self.conv2 = self._conv(filters, 1, use_bias=False, name="conv2")
        self.norm = self._norm("norm")
        self._build_all(2, [(self.conv1, channels), (self.conv_mid, channels // 2), (self.shortcut, channels),
                            (self.conv2, filters // 2), (self.norm, filters)])

    def call(self, inputs):
        x, labels = self._split(inputs)
        down = self.resample == "down"
        h = relu(self.conv1(relu(x)))
        h = self.conv_mid(_subsample(h) if down and self.kernel_size == 1 else h)
        h = self.conv2(relu(h))
        h = apply_normalization(self.norm, h, labels)
        if self.shortcut is not None:
            x = self.shortcut(_subsample(x) if down else x)
        return self._residual(x, h)
