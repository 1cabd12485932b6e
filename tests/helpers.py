"""What many tests build: tiny GANs, a tiny classifier, the 8-Gaussians learning run, a layer round trip,
the brute-force precision/recall reference, recipe runs in this process, and small labelled IDX image sets.

Import as ``from helpers import ...`` (pytest puts ``tests/`` on ``sys.path``). Test files import this
module and ``conftest``, never each other.
"""
import gzip
import json
import os

import keras
import numpy as np
import tensorflow as tf
from scipy.spatial.distance import cdist

import tfgan_gp as tg
from tfgan_gp.architectures import mlp
from tfgan_gp.data import toy

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def tiny_gan(latent_dim=2, **kwargs):
    """WGAN-GP with width-16 two-layer MLPs on 2-D points (not compiled; ``kwargs`` go to :class:`tg.GAN`)."""
    kwargs.setdefault("penalty", "gp")
    return tg.GAN(mlp.generator(latent_dim, 2, width=16, depth=2), mlp.critic(2, width=16, depth=2),
                  latent_dim=latent_dim, seed=0, **kwargs)


def tiny_image_gan(latent_dim=8, size=16):
    """A compiled convolutional GAN on ``size × size × 3`` images in [-1, 1] (one critic step per iteration)."""
    z = keras.Input((latent_dim,))
    x = keras.layers.Reshape((4, 4, 4))(keras.layers.Dense(64)(z))
    x = keras.layers.Conv2DTranspose(8, 4, strides=size // 4, padding="same", activation="relu")(x)
    generator = keras.Model(z, keras.layers.Conv2D(3, 3, padding="same", activation="tanh")(x))
    images = keras.Input((size, size, 3))
    h = keras.layers.Flatten()(keras.layers.Conv2D(8, 4, strides=4)(images))
    critic = keras.Model(images, keras.layers.Dense(1)(h))
    gan = tg.GAN(generator, critic, latent_dim=latent_dim, n_critic=1, seed=0)
    gan.compile()
    return gan


def tiny_network(image_shape=(16, 16, 3), num_classes=5, seed=None, filters=6):
    """A small CNN ``images -> logits`` with a ``pool`` layer (the features FID reads, ``filters`` wide)."""
    init = keras.initializers.GlorotUniform(seed)
    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(filters, 3, strides=2, activation="relu", kernel_initializer=init)(inputs)
    pool = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    logits = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed))(pool)
    return keras.Model(inputs, logits, name="tiny")


def tiny_classifier(image_shape=(16, 16, 3), num_classes=5, seed=None):
    """:func:`tiny_network` as a metrics classifier ``images -> (logits, pool features)``."""
    return tg.metrics.KerasClassifier(tiny_network(image_shape, num_classes, seed), "pool")


def naive_precision_recall(real, fake, k):
    """Kynkäänniemi et al.'s precision and recall by brute force, the reference for the vectorised code.

    Precision: the fraction of ``fake`` rows within some ``real`` row's distance to its ``k``-th nearest
    real neighbour; recall: the same with the roles swapped.
    """
    def radii(x):
        return np.sort(cdist(x, x), axis=1)[:, k]
    real_radii, fake_radii = radii(real), radii(fake)
    precision = np.mean([(cdist([f], real)[0] <= real_radii).any() for f in fake])
    recall = np.mean([(cdist([r], fake)[0] <= fake_radii).any() for r in real])
    return precision, recall


def learn_8_gaussians(iterations=800):
    """The paper's toy WGAN-GP (3 ReLU layers, λ = 0.1, n_critic 5, batch 256, Adam β = (0.5, 0.9)) on 8
    Gaussians under the current dtype policy; returns ``(modes covered, high-quality fraction)``.

    Shrunk to fit the time budget on the slower CPU kind: width 128 instead of 512, and Adam 2e-3
    decayed linearly to 0 over the run instead of a constant 1e-4 over 100k iterations.
    """
    def adam(updates):
        schedule = keras.optimizers.schedules.PolynomialDecay(2e-3, updates, end_learning_rate=0.0)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=0.9)

    gan = tg.GAN(mlp.generator(2, 2, width=128), mlp.critic(2, width=128), latent_dim=2,
                 penalty=tg.penalties.GradientPenalty(weight=0.1), n_critic=5, seed=0)
    gan.compile(g_optimizer=adam(iterations), d_optimizer=adam(5 * iterations))
    gan.fit(tg.data.for_gan(toy.dataset("8gaussians", seed=0), 256, 5, shuffle_buffer=None),
            steps_per_epoch=iterations, epochs=1, verbose=0)
    samples = gan.sample(2560, seed=1).numpy()
    radius = 0.1 / toy.scale("8gaussians")        # 0.1 in the paper's units, before its 1/1.414 scaling
    centres = toy.centres("8gaussians")
    return (tg.metrics.modes_covered(samples, centres, radius),
            tg.metrics.high_quality_fraction(samples, centres, radius))


def run_layer_test(make_layer, inputs, tmp_path, policies=POLICIES, training=False):
    """Check a custom layer the way keras-hub's ``run_layer_test`` does; returns its float32 output.

    ``make_layer(dtype)`` builds the layer under a dtype policy name; ``inputs`` is a tensor or a list
    (e.g. ``[x, labels]``). Checked: ``get_config`` → ``from_config`` gives the same config and, with the
    weights copied, the same outputs; a ``.keras`` file round trip in a model gives the same outputs;
    under each policy the variables stay float32 and the output has the policy's compute dtype.
    """
    layer = make_layer("float32")
    expected = layer(inputs, training=training)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    clone(inputs, training=training)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == config
    np.testing.assert_allclose(clone(inputs, training=training), expected, rtol=1e-6, atol=1e-6)

    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(restored) is type(layer) and restored.get_config() == config

    symbolic = ([keras.Input(t.shape[1:], dtype=t.dtype) for t in inputs] if isinstance(inputs, list)
                else keras.Input(inputs.shape[1:], dtype=inputs.dtype))
    model = keras.Model(symbolic, make_layer("float32")(symbolic))
    model.save(tmp_path / "layer.keras")
    loaded = keras.saving.load_model(tmp_path / "layer.keras")
    np.testing.assert_allclose(loaded(inputs), model(inputs), rtol=1e-6, atol=1e-6)

    for policy in policies:
        mixed = make_layer(policy)
        output = mixed(inputs, training=training)
        assert all(v.dtype == "float32" for v in mixed.weights), (policy, [v.dtype for v in mixed.weights])
        assert output.dtype == keras.mixed_precision.Policy(policy).compute_dtype, (policy, output.dtype)
        assert np.all(np.isfinite(tf.cast(output, tf.float32).numpy())), policy
    return expected


def _inception_2015_like(x, seed, legacy_batch_norm):
    """From ``Mul:0`` on: a strided convolution, batch norm, pools, a 1×1 convolution to ``pool_3``
    ``(B, 1, 1, 2048)``; returns ``(pool_3, softmax weights, biases)``. ``legacy_batch_norm``: a stand-in node
    ``conv/batchnorm`` for :func:`_as_2015_batch_norm`, else the same arithmetic in today's ops."""
    rng = np.random.default_rng(seed)

    def const(shape, name, scale=1.0, low=None):
        value = rng.uniform(low, scale, shape) if low is not None else rng.normal(0.0, scale, shape)
        return tf.constant(value.astype(np.float32), name=name)

    x = tf.nn.conv2d(x, const((5, 5, 3, 8), "conv/conv2d_params", 0.3), 4, "VALID", name="conv/Conv2D")
    mean, var = const((8,), "conv/batchnorm/moving_mean", 0.5), const((8,), "conv/batchnorm/moving_variance", 2.0, 0.5)
    beta, gamma = const((8,), "conv/batchnorm/beta", 0.2), const((8,), "conv/batchnorm/gamma", 1.5, low=0.5)
    if legacy_batch_norm:
        x = tf.identity_n([x, mean, var, beta, gamma], name="conv/batchnorm")[0]
    else:
        x = (x - mean) * (tf.math.rsqrt(var + 0.001) * gamma) + beta
    x = tf.nn.max_pool2d(tf.nn.relu(x, name="conv"), 9, 9, "VALID", name="pool")
    x = tf.nn.relu(tf.nn.conv2d(x, const((1, 1, 8, 2048), "mixed/conv", 0.5), 1, "VALID"), name="mixed")
    pool = tf.nn.avg_pool2d(x, 8, 1, "VALID", name="pool_3")
    return pool, const((2048, 1008), "softmax/weights", 0.05), const((1008,), "softmax/biases", 0.5)


def _as_2015_batch_norm(graph_def):
    """Turn the ``conv/batchnorm`` stand-in into the 2015 graph's ``BatchNormWithGlobalNormalization`` (ε 0.001,
    γ applied), an op no graph built today may contain: the GraphDef is marked as from before version 9."""
    for node in graph_def.node:
        if node.name.endswith("conv/batchnorm"):
            node.op = "BatchNormWithGlobalNormalization"
            dtype = node.attr["T"].list.type[0]
            del node.attr["T"]
            node.attr["T"].type = dtype
            node.attr["variance_epsilon"].f = 0.001
            node.attr["scale_after_normalization"].b = True
    graph_def.versions.producer = 8
    return graph_def


def inception_2015_graph(path, seed=0):
    """A small frozen GraphDef laid out like ``classify_image_graph_def.pb`` (inception-2015-12-05), saved at ``path``.

    Same tensor names, dtypes and shapes where the evaluation code looks: ``DecodeJpeg`` (uint8) → ``Cast``
    → ``ExpandDims:0`` (float32, static batch 1) → ``ResizeBilinear`` to 299×299 (TF1) → ``Sub`` 128 →
    ``Mul:0`` ×1/128 → a strided convolution with the 2015 graph's ``BatchNormWithGlobalNormalization`` →
    ``pool_3:0`` ``(1, 1, 1, 2048)`` per image → ``pool_3/_reshape`` to ``[1, 2048]`` →
    ``softmax/logits/MatMul`` with 1008 classes, bias ``softmax/logits``, ``softmax``. Random weights.
    """
    graph = tf.Graph()
    with graph.as_default():
        jpeg = tf.compat.v1.placeholder(tf.uint8, [None, None, 3], name="DecodeJpeg")
        x = tf.expand_dims(tf.cast(jpeg, tf.float32, name="Cast"), 0, name="ExpandDims")
        x = tf.compat.v1.image.resize_bilinear(x, [299, 299], align_corners=False, name="ResizeBilinear")
        x = tf.multiply(tf.subtract(x, 128.0, name="Sub"), 1.0 / 128.0, name="Mul")
        pool, weights, biases = _inception_2015_like(x, seed, legacy_batch_norm=True)
        flat = tf.reshape(pool, [1, 2048], name="pool_3/_reshape")
        logits = tf.nn.bias_add(tf.matmul(flat, weights, name="softmax/logits/MatMul"), biases, name="softmax/logits")
        tf.nn.softmax(logits, name="softmax")
    with open(path, "wb") as f:
        f.write(_as_2015_batch_norm(graph.as_graph_def()).SerializeToString())
    return path


def tfgan_hub_module(path, seed=0):
    """A TF1-Hub-format SavedModel like TF-GAN's ``tfgan/eval/inception/1``, with the weights of
    :func:`inception_2015_graph` (same ``seed``): its ``default`` signature takes ``images`` in [-1, 1] of any
    size, resizes them (TF1 bilinear, 299×299) and returns ``logits`` (with the bias) and ``pool_3``."""
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3], name="images")
        x = tf.compat.v1.image.resize_bilinear(images, [299, 299], align_corners=False)
        pool, weights, biases = _inception_2015_like(x, seed, legacy_batch_norm=False)
        logits = tf.matmul(tf.reshape(pool, [-1, 2048]), weights) + biases
        tf.Variable(0.0, name="unused")  # a Hub module has variables; the builder expects some
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            signature = tf.compat.v1.saved_model.signature_def_utils.predict_signature_def(
                inputs={"images": images}, outputs={"logits": logits, "pool_3": pool})
            builder = tf.compat.v1.saved_model.Builder(str(path))
            builder.add_meta_graph_and_variables(session, tags=[], signature_def_map={"default": signature})
            builder.save()
    with open(os.path.join(path, "tfhub_module.pb"), "wb") as f:
        f.write(b"")   # the marker of the TF1 Hub format
    return path


def ttur_features(graph_path, images):
    """``(logits, pool_3)`` of uint8 ``images`` as TTUR's ``fid.py`` and Salimans et al.'s script computed them.

    A TF1 session on the imported graph, one image at a time fed to ``ExpandDims:0`` as float32 (the
    graph resizes and scales it), logits ``pool_3 · W`` of ``softmax/logits/MatMul`` without the bias.
    """
    graph_def = tf.compat.v1.GraphDef()
    with open(graph_path, "rb") as f:
        graph_def.ParseFromString(f.read())
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
        pool = graph.get_tensor_by_name("pool_3:0")
        weights = graph.get_operation_by_name("softmax/logits/MatMul").inputs[1]
        logits = tf.matmul(tf.squeeze(pool, [1, 2]), weights)
    with tf.compat.v1.Session(graph=graph) as session:
        outs = [session.run([logits, pool], {"ExpandDims:0": image[None].astype(np.float32)}) for image in images]
    return np.concatenate([o[0] for o in outs]), np.concatenate([o[1].reshape(1, -1) for o in outs])


def salimans_inception_score(logits, splits):
    """Salimans et al.'s (and the WGAN-GP authors') inception_score.py on logits, in numpy: ``(mean, std)``."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    scores = []
    for i in range(splits):
        part = p[i * len(p) // splits:(i + 1) * len(p) // splits]
        kl = part * (np.log(part) - np.log(part.mean(axis=0, keepdims=True)))
        scores.append(np.exp(np.mean(np.sum(kl, axis=1))))
    return np.mean(scores), np.std(scores)


def run_in_process(module, logdir, *argv, capsys=None):
    """``module``'s ``main`` on its own FlagValues, in this process (no second TensorFlow import)."""
    from absl import flags

    from recipes import entry

    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    precision = ["--precision=float32"] if "precision" in flag_values else []
    flag_values([module.__name__, f"--logdir={logdir}", *precision, *argv])
    entry.run_main(module.main, [], flag_values)
    return capsys.readouterr().out if capsys else None


def check_run(logdir, iteration, sample_suffix=".png", mode="smoke"):
    """A finished ``--smoke``/``--rehearsal`` run: config, checkpoint, samples, export and scalars at ``iteration``."""
    assert json.load(open(os.path.join(logdir, "run_config.json")))["settings"][mode] is True
    assert tf.train.latest_checkpoint(os.path.join(logdir, "checkpoints")).endswith(f"-{iteration}")
    assert os.path.exists(os.path.join(logdir, f"samples_{iteration:06d}{sample_suffix}"))
    metadata = json.load(open(os.path.join(logdir, "export", "metadata.json")))
    assert metadata["iteration"] == iteration
    assert os.listdir(os.path.join(logdir, "train"))  # Keras TensorBoard scalars


def shifted(image, dy, dx):
    """numpy reference of a zero-padded integer shift: ``out[i, j] = image[i + dy, j + dx]``, 0 outside."""
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    for i in range(h):
        for j in range(w):
            if 0 <= i + dy < h and 0 <= j + dx < w:
                out[i, j] = image[i + dy, j + dx]
    return out


def points(n=64, seed=0):
    """``n`` points of a standard 2-D normal: the training data of the toy recipes below."""
    return tf.data.Dataset.from_tensor_slices(np.random.default_rng(seed).normal(size=(n, 2)).astype("float32"))


def toy_spec(width=16, depth=2, **changes):
    """The :class:`tg.GANSpec` of :func:`toy_recipe`: MLPs on 2-D points, Adam(1e-3, 0.5, 0.9) for both networks."""
    spec = tg.GANSpec(architecture="mlp", latent_dim=2,
                      generator_kwargs=dict(latent_dim=2, output_dim=2, width=width, depth=depth),
                      critic_kwargs=dict(input_dim=2, width=width, depth=depth),
                      optimizer=tg.Optimizer(learning_rate=1e-3, beta_1=0.5, beta_2=0.9))
    return spec.replace(**changes) if changes else spec


def toy_recipe(width=16, depth=2, callbacks=None, name="toy_test", **spec_changes):
    """A ``tg.Recipe`` of :func:`toy_spec` on :func:`points` (``spec_changes``: e.g. ``loss=``, ``n_critic=``)."""
    return tg.Recipe(name=name, gan=toy_spec(width, depth, **spec_changes), data=points,
                     callbacks=callbacks or (lambda gan, logdir: []))


def free_ports(n):
    """``n`` TCP ports on 127.0.0.1 that were free a moment ago (for the workers of a local cluster)."""
    import socket

    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def write_idx(path, array, magic=None):
    """``array`` (uint8) as an IDX file at ``path`` (gzipped when it ends in ``.gz``), ``magic`` by default the
    format's for its number of dimensions."""
    magic = (0x800 + array.ndim) if magic is None else magic
    content = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape) + array.tobytes()
    with (gzip.open if str(path).endswith(".gz") else open)(path, "wb") as f:
        f.write(content)
    return str(path)


def patterns(labels, seed):
    """28×28 uint8 images of four kinds: horizontal, vertical, diagonal stripes, and a filled square; noisy."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:28, :28]
    images = []
    for label in labels:
        phase = rng.integers(0, 6)
        if label == 0:
            base = ((yy + phase) // 3) % 2
        elif label == 1:
            base = ((xx + phase) // 3) % 2
        elif label == 2:
            base = ((xx + yy + phase) // 3) % 2
        else:
            side, (top, left) = rng.integers(10, 15), rng.integers(2, 12, 2)
            base = (yy >= top) & (yy < top + side) & (xx >= left) & (xx < left + side)
        image = 30 + 190 * base + rng.normal(0, 25, (28, 28))
        images.append(np.clip(np.round(image), 0, 255).astype(np.uint8))
    return np.stack(images)


def labelled(n_per_class, seed, classes=4):
    labels = np.random.default_rng(seed).permutation(np.arange(n_per_class * classes) % classes).astype(np.uint8)
    return patterns(labels, seed + 100), labels
