"""Residual blocks and activation layers: the repeated units of the paper's ResNet generators and critics.

The blocks follow the authors' ``gan_cifar_resnet.py``, ``gan_64x64.py`` and
``gan_language.py``: pre-activation (norm → ReLU → conv → norm → ReLU → conv)
with a 1×1 conv on the shortcut only when the shape changes, and the 101-layer
ResNet's bottleneck. They are assembled from :mod:`.convolutions` and
:mod:`.normalization`; :func:`activation` also serves the non-residual models.
"""
import keras
from keras import layers, ops

from tfgan_gp.architectures.activations import ReLU, relu
from tfgan_gp.architectures.checks import check_choice, check_int
from tfgan_gp.architectures.convolutions import (
    UPSAMPLE_METHODS, ConvMeanPool, MeanPoolConv, UpsampleConv, conv, he_uniform_avg)
from tfgan_gp.architectures.normalization import (
    NORMALIZATIONS, ConditionalBatchNormalization, apply_normalization, batch_normalizing, normalization)

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "gated")
RESAMPLES = (None, "up", "down")
LEAKY_RELU_SLOPE = 0.2

register = keras.saving.register_keras_serializable(package="tfgan_gp")  # registered names: tfgan_gp>Class


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


def _subsample(x):
    """Every second pixel of ``(B, H, W, C)``: the inputs a stride-2 1×1 "same" conv reads.

    "Same" padding adds nothing for a 1×1 kernel at any ``H, W`` (output
    ``ceil(H / 2)`` rows starting at row 0), so ``conv1x1(_subsample(x))``
    equals the stride-2 conv exactly (see :class:`BottleneckBlock` for why).
    """
    return x[:, ::2, ::2, :]


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
