"""Architecture tests: layers vs numpy references; builders' shapes, dtypes, round trips, counts."""
import functools
import importlib
import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import architectures
from tfgan_gp.architectures import blocks, convolutions, normalization, resnet_64, resnet_cifar

NC = 3  # classes of the conditional cases

# name -> (family, generator kwargs, critic kwargs); tiny widths, JSON-serialisable kwargs
CASES = {
    "mlp": ("mlp", dict(latent_dim=4, output_dim=2, width=8, depth=2), dict(input_dim=2, width=8, depth=2)),
    "mlp_cond": ("mlp", dict(latent_dim=4, output_dim=2, width=8, depth=2, num_classes=NC),
                 dict(input_dim=2, width=8, depth=2, num_classes=NC)),
    # the fully connected GAN on images: MLPs over flattened 8x8x3 images, batch norm in G
    "mlp_image": ("mlp", dict(latent_dim=4, output_shape=[8, 8, 3], output_activation="tanh", width=8, depth=2,
                              normalization="batch"),
                  dict(input_shape=[8, 8, 3], width=8, depth=2)),
    "dcgan_32": ("dcgan", dict(latent_dim=8, image_size=32, dim=4), dict(image_size=32, dim=4)),
    "dcgan_32_cond": ("dcgan", dict(latent_dim=8, image_size=32, dim=4, num_classes=NC),
                      dict(image_size=32, dim=4, num_classes=NC)),
    "resnet_cifar": ("resnet_cifar", dict(latent_dim=8, dim=4), dict(dim=4)),
    "resnet_cifar_cond": ("resnet_cifar", dict(latent_dim=8, dim=4, num_classes=NC),
                          dict(dim=4, num_classes=NC)),
    "char_cnn": ("char_cnn", dict(latent_dim=8, seq_len=8, dim=4, vocab_size=6, num_blocks=2),
                 dict(seq_len=8, dim=4, vocab_size=6, num_blocks=2)),
    **{f"resnet_64_{v}": ("resnet_64", dict(variant=v, dim=4, latent_dim=8), dict(variant=v, dim=4))
       for v in resnet_64.VARIANTS},
}
# the DCGAN-based 64x64 variants add no layer type to dcgan_32; resnet101's block round-trips below
ROUND_TRIP = ["mlp_cond", "mlp_image", "dcgan_32_cond", "resnet_cifar_cond", "char_cnn", "resnet_64_good",
              "resnet_64_gated"]


def build(name, policy="float32"):
    """(generator, critic, num_classes) built under ``policy``; cached: building is the slow part."""
    return _build(name, policy)


@functools.lru_cache(maxsize=None)
def _build(name, policy):
    keras.mixed_precision.set_global_policy(policy)
    family, g_kwargs, c_kwargs = CASES[name]
    module = architectures.get(family)
    # the kwargs must survive run_config.json
    return (module.generator(**json.loads(json.dumps(g_kwargs))),
            module.critic(**json.loads(json.dumps(c_kwargs))), g_kwargs.get("num_classes"))


def generator_inputs(generator, num_classes, batch=2, seed=0):
    z = np.random.default_rng(seed).normal(size=(batch, generator.inputs[0].shape[-1])).astype("float32")
    return [z, np.arange(batch, dtype="int32") % num_classes] if num_classes else z


def as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


# ----------------------------------------------------------------------------- registry
def test_get_returns_each_registered_family_with_its_modules_builders_and_rejects_unknown_names():
    for name in ("mlp", "dcgan", "resnet_cifar", "resnet_64", "char_cnn"):
        module = importlib.import_module(f"tfgan_gp.architectures.{name}")
        family = architectures.get(name)
        assert family.name == name and (family.generator, family.critic) == (module.generator, module.critic)
    assert architectures.names() == ["char_cnn", "dcgan", "mlp", "random_conv", "random_mlp", "resnet_64",
                                    "resnet_cifar"]
    with pytest.raises(ValueError, match=r"architecture must be one of char_cnn, dcgan, mlp, random_conv, random_mlp, "
                                         r"resnet_64, resnet_cifar\. Received: architecture='resnet'"):
        architectures.get("resnet")


# ----------------------------------------------------------------------------- builders
@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("name", list(CASES))
def test_builder_output_shapes_and_dtypes(name, policy):
    generator, critic, num_classes = build(name, policy)
    family = CASES[name][0]
    compute = {layer.compute_dtype for model in (generator, critic) for layer in model.layers}
    assert ("bfloat16" in compute) == (policy == "mixed_bfloat16")  # the policy reaches the hidden layers

    samples = generator(generator_inputs(generator, num_classes), training=True)
    assert samples.dtype == tf.float32
    samples = samples.numpy()
    if family in ("dcgan", "resnet_cifar", "resnet_64"):
        size = 64 if family == "resnet_64" else 32
        assert samples.shape == (2, size, size, 3)
        assert np.all(np.abs(samples) <= 1.0)
    elif family == "char_cnn":
        assert samples.shape == (2, 8, 6)
        np.testing.assert_allclose(samples.sum(-1), 1.0, atol=1e-5)
    elif name == "mlp_image":
        assert samples.shape == (2, 8, 8, 3) and np.all(np.abs(samples) <= 1.0)
        assert _batch_normalizing(generator)
    else:
        assert samples.shape == (2, 2)

    outputs = as_list(critic(samples, training=True))
    assert outputs[0].shape == (2, 1) and outputs[0].dtype == tf.float32
    if num_classes:
        assert len(outputs) == 2 and outputs[1].shape == (2, NC) and outputs[1].dtype == tf.float32
    else:
        assert len(outputs) == 1
    assert all(np.all(np.isfinite(o.numpy())) for o in outputs)
    assert not _batch_normalizing(critic)  # default critics are built for a gradient penalty


def test_mlp_image_kwargs_build_the_fully_connected_gan_on_images():
    """mlp.image_kwargs: the §5.2 MLP generator (4 × 512, He-uniform, tanh) reshaped to the image, and a critic
    that flattens the image; the critic's first layer sees every pixel."""
    from tfgan_gp.architectures import mlp

    g_kwargs, d_kwargs = mlp.image_kwargs((16, 16, 1), latent_dim=8, width=8, depth=2)
    assert json.loads(json.dumps([g_kwargs, d_kwargs])) == [g_kwargs, d_kwargs]
    assert mlp.image_kwargs((32, 32, 3))[0]["width"] == 512 and mlp.image_kwargs((32, 32, 3))[0]["depth"] == 4
    generator, critic = mlp.generator(**g_kwargs), mlp.critic(**d_kwargs)
    images = generator(np.zeros((3, 8), "float32"))
    assert images.shape == (3, 16, 16, 1)
    assert critic.get_layer("hidden_0").kernel.shape == (16 * 16, 8)
    gan = tg.GAN(generator, critic, latent_dim=8, n_critic=1, seed=0)
    gan.compile(run_eagerly=True)
    logs = gan.train_step(tf.random.uniform((4, 16, 16, 1), -1.0, 1.0, seed=0))
    assert all(np.isfinite(float(v)) for v in logs.values())


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_keras_file_round_trip_gives_identical_outputs(name, tmp_path):
    generator, critic, num_classes = build(name)
    inputs = generator_inputs(generator, num_classes)
    samples = generator(inputs, training=True)  # moves batch-norm statistics away from their initial values
    critic(samples, training=True)
    for model, x in ((generator, inputs), (critic, samples)):
        path = str(tmp_path / f"{model.name}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        for a, b in zip(as_list(model(x, training=False)), as_list(loaded(x, training=False))):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_resnet101_has_101_layers_on_its_main_path_and_bottleneck_blocks_round_trip(tmp_path):
    generator, critic, _ = build("resnet_64_resnet101")
    bottlenecks = [layer for layer in generator.layers if isinstance(layer, blocks.BottleneckBlock)]
    assert len(bottlenecks) == 33  # 33 blocks x 3 convs + input dense + output conv = 101 layers
    assert all(block.residual_scale == 0.3 for block in bottlenecks)
    assert sum(isinstance(layer, blocks.BottleneckBlock) for layer in critic.layers) == 33

    x = keras.Input((8, 8, 4))
    h = blocks.BottleneckBlock(8, resample="up", num_classes=None)(x)
    h = blocks.BottleneckBlock(8)(h)
    h = blocks.BottleneckBlock(4, resample="down", normalization="layer")(h)
    model = keras.Model(x, h)
    data = np.random.default_rng(0).normal(size=(2, 8, 8, 4)).astype("float32")
    assert model(data).shape == (2, 8, 8, 4)
    model.save(tmp_path / "b.keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "b.keras")(data), model(data), rtol=1e-6)


def _stride2_bottleneck_reference(block, x):
    """The authors' down bottleneck (stride-2 convs, ``normalization="none"``) from ``tf.nn.conv2d``."""
    def conv(layer, h, stride=1):
        out = tf.nn.conv2d(h, layer.kernel, stride, "SAME")
        return out + layer.bias if layer.use_bias else out

    h = conv(block.conv2, tf.nn.relu(conv(block.conv_mid, tf.nn.relu(conv(block.conv1, tf.nn.relu(x))), 2)))
    return conv(block.shortcut, x, 2) + 0.3 * h


@pytest.mark.parametrize("kernel_size, size", [(3, 4), (3, 5), (1, 5)])
def test_down_bottleneck_equals_the_stride_2_formulation(kernel_size, size):
    # the block runs strided 1x1 convs on every second pixel (oneDNN workaround); same function
    x = _rng_images((2, size, size, 4))
    block = blocks.BottleneckBlock(6, resample="down", kernel_size=kernel_size, normalization="none")
    block(x)
    rng = np.random.default_rng(1)  # non-zero biases, so a dropped or misplaced bias shows
    block.set_weights([rng.normal(size=w.shape).astype("float32") for w in block.weights])
    expected = _stride2_bottleneck_reference(block, tf.constant(x))
    assert expected.shape == (2, (size + 1) // 2, (size + 1) // 2, 6)
    np.testing.assert_allclose(block(x), expected, rtol=1e-5, atol=1e-5)


# One GAN step of the tiny resnet101 models. Run in a subprocess: strided 1x1 weight gradients with
# fewer than 16 input channels corrupted the heap through oneDNN (uxlfoundation/oneDNN#6035), which
# aborts the process instead of failing a test.
_RESNET101_STEP = """
import json, keras, numpy as np
import tfgan_gp as tg
from tfgan_gp.architectures import resnet_64
keras.utils.set_random_seed(0)
gan = tg.GAN(resnet_64.generator("resnet101", dim=4, latent_dim=8),
             resnet_64.critic("resnet101", dim=4, gradient_penalty=True), latent_dim=8, n_critic=1, seed=0)
gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4), run_eagerly=True)
x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
print(json.dumps({k: float(v) for k, v in gan.train_on_batch(x, return_dict=True).items()}))
"""


def test_resnet101_training_step_survives_in_a_subprocess():
    root = pathlib.Path(__file__).resolve().parents[1]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-c", _RESNET101_STEP], cwd=root, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, f"exit code {run.returncode}:\n{run.stderr[-2000:]}"
    logs = json.loads(run.stdout.strip().splitlines()[-1])
    assert {"d_loss", "g_loss", "penalty"} <= set(logs)
    assert all(np.isfinite(v) for v in logs.values()), logs


# Reference counts: ../shared/bench/cifar_resnet_tf.py (trainable weights) for DIM 32 and 128.
@pytest.mark.parametrize("dim, g_params, d_params", [(32, 126_019, 66_849), (128, 1_204_483, 1_053_825)])
def test_cifar_resnet_parameter_counts_equal_the_reference(dim, g_params, d_params):
    def trainable(model):
        return sum(int(np.prod(w.shape)) for w in model.trainable_weights)

    assert trainable(resnet_cifar.generator(dim=dim)) == g_params
    assert trainable(resnet_cifar.critic(dim=dim)) == d_params
    # conditional: per-class scale/offset in the 6 block norms, an AC-GAN head of dim*10 + 10
    assert trainable(resnet_cifar.generator(dim=dim, num_classes=10)) == g_params + 6 * 2 * 9 * dim
    assert trainable(resnet_cifar.critic(dim=dim, num_classes=10)) == d_params + 10 * dim + 10


# ----------------------------------------------------------------------------- penalties and normalization
PENALTY_CRITICS = [("mlp", dict(width=4)), ("dcgan", dict(image_size=32, dim=4)),
                   ("dcgan", dict(image_size=64, dim=4)), ("resnet_cifar", dict(dim=4)),
                   ("resnet_64", dict(variant="good", dim=4)),
                   ("resnet_64", dict(variant="resnet101", dim=4)),
                   ("char_cnn", dict(seq_len=4, vocab_size=3, dim=4))]


def _batch_normalizing(model):
    return [layer.name for layer in model._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.BatchNormalization)
            or getattr(layer, "normalizes_over_batch", False)]


@pytest.mark.parametrize("family, kwargs", PENALTY_CRITICS)
def test_critics_for_a_gradient_penalty_refuse_batch_norm(family, kwargs):
    module = architectures.get(family)
    with pytest.raises(ValueError, match="must not use batch normalization.*Received: normalization='batch'"):
        module.critic(normalization="batch", **kwargs)
    if kwargs.get("variant") != "resnet101":  # slow to build; shares the code path of "good"
        assert _batch_normalizing(module.critic(normalization="batch", gradient_penalty=False, **kwargs))


def test_penalty_free_default_critics_use_batch_norm_and_penalty_critics_layer_norm():
    gp = build("resnet_64_dcgan")[1]
    layer_norms = [layer for layer in gp._flatten_layers() if isinstance(layer, normalization.LayerNorm)]
    assert len(layer_norms) == 3  # after conv 2, 3 and 4 (DCGAN: none after the first)
    assert len(_batch_normalizing(resnet_64.critic("dcgan", dim=4, gradient_penalty=False))) == 3
    assert not _batch_normalizing(resnet_64.critic("no_norm", dim=4, gradient_penalty=False))
    good = build("resnet_64_good")[1]
    assert sum(isinstance(layer, normalization.LayerNorm) for layer in good._flatten_layers()) == 8  # 2 per block


def test_layer_norm_critic_scores_each_sample_independently():
    """The per-sample gradient penalty needs D(x_i) to ignore x_j; batch norm breaks that."""
    x = np.random.default_rng(0).normal(size=(3, 64, 64, 3)).astype("float32")
    y = x.copy()
    y[1:] *= 3.0
    layer_norm = build("resnet_64_dcgan")[1]
    batch_norm = resnet_64.critic("dcgan", dim=4, gradient_penalty=False)
    np.testing.assert_allclose(layer_norm(x, training=True)[0], layer_norm(y, training=True)[0], rtol=1e-5)
    assert not np.allclose(batch_norm(x, training=True)[0], batch_norm(y, training=True)[0], rtol=1e-3)


def test_gan_accepts_conditional_ac_critic_and_refuses_batch_norm_critic_with_gp():
    generator = resnet_cifar.generator(latent_dim=8, dim=4, num_classes=NC)
    gan = tg.GAN(generator, resnet_cifar.critic(dim=4, num_classes=NC), latent_dim=8, num_classes=NC)
    assert gan.sample(4, seed=1).shape == (4, 32, 32, 3)
    bn_critic = resnet_cifar.critic(dim=4, normalization="batch", gradient_penalty=False)
    with pytest.raises(ValueError, match="normalizes over the batch"):
        tg.GAN(resnet_cifar.generator(latent_dim=8, dim=4), bn_critic, latent_dim=8)


def test_spectral_normalization_wraps_every_kernel_of_the_critic():
    critic = resnet_cifar.critic(dim=4, normalization="spectral")
    everything = list(critic._flatten_layers(include_self=False, recursive=True))
    wrapped = {id(layer.layer) for layer in everything
               if isinstance(layer, keras.layers.SpectralNormalization)}
    kernels = [layer for layer in everything if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]
    assert len(kernels) == 3 + 3 + 2 + 2 + 1  # 2 blocks with shortcut convs, 2 without, the score
    assert all(id(layer) in wrapped for layer in kernels)


# ----------------------------------------------------------------------------- argument errors
@pytest.mark.parametrize("call, match", [
    (lambda: architectures.get("dcgan").generator(image_size=48), r"image_size must be one of \[32, 64\]"),
    (lambda: architectures.get("dcgan").critic(image_size=28), r"Received: image_size=28"),
    (lambda: resnet_cifar.generator(dim=0), r"dim must be an integer >= 1\. Received: dim=0"),
    (lambda: resnet_cifar.critic(dim=2.5), r"Received: dim=2.5"),
    (lambda: resnet_64.critic("good", dim="64"), r"Received: dim='64'"),
    (lambda: resnet_64.generator("resnet101", dim=6), r"divisible by 4\. Received: dim=6"),
    (lambda: resnet_64.generator("resnet50"), r"variant must be one of .*Received: variant='resnet50'"),
    (lambda: resnet_cifar.critic(dim=4, normalization="group"), r"Received: normalization='group'"),
    (lambda: resnet_cifar.generator(dim=4, num_classes=1),
     r"num_classes must be None .*Received: num_classes=1"),
    (lambda: architectures.get("mlp").generator(output_dim=6, output_shape=[4, 2]), r"output_shape=\[4, 2\]"),
    (lambda: architectures.get("mlp").critic(input_dim=6, input_shape=[4, 2]), r"Received: input_shape=\[4, 2\]"),
    (lambda: architectures.get("mlp").critic(input_shape=[4, 0]), r"positive integers\. Received: input_shape"),
    (lambda: architectures.get("mlp").generator(normalization="spectral"), r"Received: normalization='spectral'"),
    (lambda: blocks.ResidualBlock(4, resample="up", rank=1), r"Received: resample='up'"),
])
def test_bad_arguments_raise_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- layers vs numpy
def _rng_images(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _mean_pool_np(x):
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def _conv1x1_np(layer, x):
    kernel, bias = (w.numpy() for w in layer.conv.weights)
    return np.einsum("bhwc,cd->bhwd", x, kernel[0, 0]) + bias


def test_upsample_conv_is_nearest_upsampling_then_conv():
    x = _rng_images((2, 3, 3, 4))
    up = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
    one = convolutions.UpsampleConv(5, kernel_size=1)
    np.testing.assert_allclose(one(x), _conv1x1_np(one, up), rtol=1e-5, atol=1e-5)  # conv-first shortcut
    three = convolutions.UpsampleConv(5, kernel_size=3)
    np.testing.assert_allclose(three(x), three.conv(up), rtol=1e-5, atol=1e-5)
    assert three(x).shape == (2, 6, 6, 5)


def test_depth_to_space_upsample_conv_matches_numpy_pixel_shuffle():
    x = _rng_images((2, 3, 3, 4))
    layer = convolutions.UpsampleConv(2, kernel_size=1, method="depth_to_space")
    outputs = layer(x)
    y = _conv1x1_np(layer, x)  # (2, 3, 3, 8): channel = (row_offset * 2 + col_offset) * 2 + c
    expected = y.reshape(2, 3, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(2, 6, 6, 2)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)


def test_conv_mean_pool_and_mean_pool_conv_match_numpy():
    x = _rng_images((2, 4, 6, 3))
    for cls in (convolutions.ConvMeanPool, convolutions.MeanPoolConv):
        layer = cls(5, kernel_size=1)
        np.testing.assert_allclose(layer(x), _conv1x1_np(layer, _mean_pool_np(x)), rtol=1e-5, atol=1e-5)
    conv_pool = convolutions.ConvMeanPool(5, kernel_size=3)
    np.testing.assert_allclose(conv_pool(x), _mean_pool_np(conv_pool.conv(x).numpy()), rtol=1e-5, atol=1e-5)
    pool_conv = convolutions.MeanPoolConv(5, kernel_size=3)
    np.testing.assert_allclose(pool_conv(x), pool_conv.conv(_mean_pool_np(x)), rtol=1e-5, atol=1e-5)


def _unfolded(layer, x):
    """The layer's definition: resample with the ops, convolve with its own k×k conv (VALID pooling)."""
    if isinstance(layer, convolutions.UpsampleConv):
        return layer.conv(tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2))
    return tf.nn.avg_pool2d(layer.conv(x), 2, 2, "VALID")


@pytest.mark.parametrize("cls, shape", [(convolutions.UpsampleConv, (2, 3, 5, 4)), (convolutions.ConvMeanPool, (2, 6, 8, 4)),
                                        (convolutions.ConvMeanPool, (2, 7, 5, 4))])
@pytest.mark.parametrize("kernel_size", [3, 5])
def test_folded_resampling_conv_equals_resample_then_conv_in_value_and_gradient(cls, shape, kernel_size):
    """The stride-2 (k+1)×(k+1) form is the same function of the same k×k weights (odd sizes too)."""
    layer = cls(6, kernel_size)
    x = tf.constant(_rng_images(shape))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        folded, unfolded = layer(x), _unfolded(layer, x)
        weights = tf.reshape(tf.range(tf.size(folded), dtype=tf.float32) % 7 - 3.0, folded.shape)
        losses = [tf.reduce_sum(y * weights) for y in (folded, unfolded)]
    np.testing.assert_allclose(folded, unfolded, rtol=1e-5, atol=1e-5)
    for a, b in zip(*(tape.gradient(loss, [x] + layer.trainable_weights) for loss in losses)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert sum(op.type == "AvgPool" for op in tf.function(layer).get_concrete_function(
        tf.TensorSpec((None,) + shape[1:])).graph.get_operations()) == 0  # the folded path ran


@pytest.mark.parametrize("cls", [convolutions.UpsampleConv, convolutions.ConvMeanPool])
def test_folded_resampling_conv_handles_unknown_sizes_and_bfloat16(cls):
    x = _rng_images((2, 6, 6, 4))
    layer = cls(3, 3)
    expected = layer(x).numpy()
    dynamic = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 4))])
    np.testing.assert_allclose(dynamic(x), expected, rtol=1e-5, atol=1e-5)
    low = cls(3, 3, dtype="mixed_bfloat16")
    low.build(x.shape)
    low.set_weights(layer.get_weights())
    np.testing.assert_allclose(tf.cast(low(x), tf.float32), expected, rtol=0.05, atol=0.05)


@pytest.mark.parametrize("policy, tolerance", [("float32", 1e-5), ("mixed_bfloat16", 0.05)])
def test_fused_batch_norm_equals_keras_batch_norm(policy, tolerance):
    """Outputs, gradients and moving statistics of the fused training path equal Keras' layer."""
    x = tf.constant(np.random.default_rng(0).normal(1.5, 2.0, size=(4, 3, 5, 6)).astype("float32"))
    ours = normalization.BatchNormalization(epsilon=1e-3, momentum=0.9, dtype=policy)
    keras_bn = keras.layers.BatchNormalization(epsilon=1e-3, momentum=0.9, dtype=policy)
    for layer in (ours, keras_bn):
        layer.build(x.shape)
        layer.gamma.assign(np.linspace(0.5, 2.0, 6))
        layer.beta.assign(np.linspace(-1.0, 1.0, 6))
    results = []
    for layer in (ours, keras_bn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cast(layer(x, training=True), tf.float32)
            loss = tf.reduce_sum(y * tf.sin(tf.range(6, dtype=tf.float32)) * x)
        results.append([y] + tape.gradient(loss, [x, layer.gamma, layer.beta])
                       + [layer.moving_mean, layer.moving_variance, tf.cast(layer(x, training=False), tf.float32)])
    for a, b in zip(*results):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tolerance, atol=tolerance)
    graph = tf.function(lambda t: ours(t, training=True)).get_concrete_function(x).graph
    assert any(op.type == "FusedBatchNormV3" for op in graph.get_operations())


def test_conditional_batch_norm_matches_numpy_in_training_and_inference():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(6, 2, 2, 4)).astype("float32")
    labels = np.array([0, 1, 2, 0, 1, 2], "int32")
    layer = normalization.ConditionalBatchNormalization(3, momentum=0.9)
    layer.build([x.shape, labels.shape])
    gamma, beta = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    g, b = gamma[labels][:, None, None], beta[labels][:, None, None]
    expected = (x - mean) / np.sqrt(var + 1e-5) * g + b
    np.testing.assert_allclose(layer([x, labels], training=True), expected, rtol=1e-4, atol=1e-4)
    moving_mean, moving_var = 0.1 * mean, 0.9 + 0.1 * var
    np.testing.assert_allclose(layer.moving_mean, moving_mean, rtol=1e-5)
    expected = (x - moving_mean) / np.sqrt(moving_var + 1e-5) * g + b
    np.testing.assert_allclose(layer([x, labels], training=False), expected, rtol=1e-4, atol=1e-4)
    assert normalization.ConditionalBatchNormalization.normalizes_over_batch


def test_layer_norm_uses_per_sample_statistics_and_per_channel_affine():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 5, 4)).astype("float32") * np.arange(1, 4)[:, None, None, None]
    layer = normalization.LayerNorm()
    layer.build(x.shape)
    assert layer.gamma.shape == (4,)
    layer.gamma.assign(rng.normal(size=4))
    layer.beta.assign(rng.normal(size=4))
    mean, var = x.mean(axis=(1, 2, 3), keepdims=True), x.var(axis=(1, 2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * layer.gamma.numpy() + layer.beta.numpy()
    np.testing.assert_allclose(layer(x), expected, rtol=1e-4, atol=1e-4)


def test_gated_activation_is_sigmoid_times_tanh_of_the_two_halves():
    x = _rng_images((2, 3, 6))
    a, b = x[..., :3], x[..., 3:]
    np.testing.assert_allclose(blocks.GatedActivation()(x), np.tanh(b) / (1 + np.exp(-a)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="even number of channels"):
        blocks.GatedActivation()(x[..., :5])


def test_residual_block_identity_shortcut_and_residual_scale():
    x = _rng_images((2, 4, 4, 3))
    full = blocks.ResidualBlock(3, normalization="layer")
    scaled = blocks.ResidualBlock(3, normalization="layer", residual_scale=0.3)
    full(x), scaled(x)
    assert full.shortcut is None  # same width, no resampling: identity
    scaled.set_weights(full.get_weights())
    np.testing.assert_allclose(scaled(x) - x, 0.3 * (full(x) - x), rtol=1e-4, atol=1e-5)
    for w in full.conv2.weights:
        w.assign(np.zeros(w.shape))
    np.testing.assert_allclose(full(x), x, atol=0)


@pytest.mark.parametrize("resample, shape",
                         [("up", (2, 8, 8, 6)), ("down", (2, 2, 2, 6)), (None, (2, 4, 4, 6))])
def test_residual_block_resampling_shapes_and_conditioning(resample, shape):
    x = _rng_images((2, 4, 4, 3))
    block = blocks.ResidualBlock(6, resample=resample, normalization="batch", num_classes=NC)
    y = block([x, np.array([0, 2], "int32")], training=True)
    assert y.shape == shape and block.shortcut is not None
    assert isinstance(block.norm1, normalization.ConditionalBatchNormalization)


def _reference_block(x, kind, dim):
    """The reference benchmark's blocks (shared/bench/cifar_resnet_tf.py) from stock Keras layers.

    Returns the output and the convs / batch norms in the order (shortcut, conv1, conv2), (norm1, norm2).
    """
    k = keras.layers
    convs = [k.Conv2D(dim, 1, padding="same")] + [k.Conv2D(dim, 3, padding="same") for _ in range(2)]
    norms = [k.BatchNormalization(epsilon=1e-5) for _ in range(2)]
    pool, up = k.AveragePooling2D(2), k.UpSampling2D(2, interpolation="nearest")
    if kind == "up":
        h = convs[2](k.ReLU()(norms[1](convs[1](up(k.ReLU()(norms[0](x)))))))
        return convs[0](up(x)) + h, convs, norms
    if kind == "optimized":
        return convs[0](pool(x)) + pool(convs[2](k.ReLU()(convs[1](x)))), convs, []
    if kind == "down":
        return pool(convs[0](x)) + pool(convs[2](k.ReLU()(convs[1](k.ReLU()(x))))), convs, []
    return x + convs[2](k.ReLU()(convs[1](k.ReLU()(x)))), [None] + convs[1:], []


@pytest.mark.parametrize("kind", ["up", "optimized", "down", "plain"])
def test_cifar_blocks_equal_the_reference_benchmark_blocks_with_the_same_weights(kind):
    dim = 4
    x = _rng_images((3, 4, 4, 3 if kind == "optimized" else dim))
    block = blocks.ResidualBlock(dim, resample={"optimized": "down", "plain": None}.get(kind, kind),
                            normalization="batch" if kind == "up" else "none", preactivate=kind != "optimized")
    inputs = keras.Input(x.shape[1:])
    out, convs, norms = _reference_block(inputs, kind, dim)
    reference = keras.Model(inputs, out)
    block(x)
    rng = np.random.default_rng(0)
    for mine, theirs in zip([block.shortcut, block.conv1, block.conv2, block.norm1, block.norm2], convs + norms):
        if theirs is not None:  # distinct random weights, so a swapped or missing layer shows
            theirs.set_weights([rng.normal(size=w.shape) for w in theirs.weights])
            (mine.conv if isinstance(mine, convolutions.UpsampleConv | convolutions.ConvMeanPool) else mine).set_weights(
                theirs.get_weights())
    np.testing.assert_allclose(block(x, training=True), reference(x, training=True), rtol=1e-5, atol=1e-5)


CUSTOM_LAYERS = {
    "UpsampleConv": (lambda dtype: convolutions.UpsampleConv(6, dtype=dtype), "image"),
    "ConvMeanPool": (lambda dtype: convolutions.ConvMeanPool(6, dtype=dtype), "image"),
    "MeanPoolConv": (lambda dtype: convolutions.MeanPoolConv(6, dtype=dtype), "image"),
    "BatchNormalization": (lambda dtype: normalization.BatchNormalization(dtype=dtype), "image"),
    "ConditionalBatchNormalization": (
        lambda dtype: normalization.ConditionalBatchNormalization(3, dtype=dtype), "image+labels"),
    "LayerNorm": (lambda dtype: normalization.LayerNorm(dtype=dtype), "image"),
    "GatedActivation": (lambda dtype: blocks.GatedActivation(dtype=dtype), "image"),
    "ResidualBlock": (lambda dtype: blocks.ResidualBlock(6, resample="up", normalization="batch", num_classes=3,
                                                         dtype=dtype), "image+labels"),
    "BottleneckBlock": (lambda dtype: blocks.BottleneckBlock(4, resample="down", normalization="layer",
                                                             dtype=dtype), "image"),
}


@pytest.mark.parametrize("name", sorted(CUSTOM_LAYERS))
def test_custom_layer_round_trips_and_follows_dtype_policies(name, tmp_path):
    from helpers import run_layer_test

    make, kind = CUSTOM_LAYERS[name]
    x = tf.constant(np.random.default_rng(0).normal(size=(2, 8, 8, 4)).astype("float32"))
    inputs = [x, tf.constant([0, 2])] if kind == "image+labels" else x
    assert type(make("float32")).__name__ == name
    out = run_layer_test(make, inputs, tmp_path)
    assert np.all(np.isfinite(out))
