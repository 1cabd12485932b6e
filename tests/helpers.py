"""What many tests build: tiny GANs, a tiny classifier, the 8-Gaussians learning run, a layer round trip,
and the brute-force precision/recall reference.

Import as ``from helpers import ...`` (pytest puts ``tests/`` on ``sys.path``). Test files import this
module and ``conftest``, never each other.
"""
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
