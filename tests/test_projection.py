"""The projection discriminator (Miyato & Koyama 2018): its class term, the critics using it, training, recipe."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import tfgan_gp as tg
from recipes import cifar_resnet
from tfgan_gp import penalties
from tfgan_gp.architectures import common, dcgan, mlp, resnet_64, resnet_cifar

from helpers import run_in_process, run_layer_test

CLASSES = 3


def test_class_projection_is_a_standard_serializable_layer(tmp_path):
    rng = np.random.default_rng(0)
    inputs = [tf.constant(rng.normal(size=(4, 5)), tf.float32), tf.constant([0, 2, 1, 2], tf.int32)]
    for spectral in (False, True):
        out = run_layer_test(lambda dtype: common.ClassProjection(CLASSES, spectral=spectral, dtype=dtype), inputs,
                             tmp_path)
        assert out.shape == (4, 1)
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 2.*Received: num_classes=1"):
        common.ClassProjection(1)


def test_projection_term_is_the_embedding_inner_product_by_hand():
    layer = common.ClassProjection(CLASSES)
    features = np.array([[1, 2, 3, 4], [2, 0, 1, 0], [0, 5, 1, 1]], "float32")
    layer([features, tf.constant([0, 1, 2])])
    embedding = np.array([[1, 0, 2, 0], [0, 1, 0, -1], [3, 0, 0, 1]], "float32")  # V: one row per class
    layer.embedding.kernel.assign(embedding.T)
    out = layer([features, tf.constant([2, 0, 1])])
    # V₂·φ₀ = 3·1 + 1·4, V₀·φ₁ = 1·2 + 2·1, V₁·φ₂ = 1·5 − 1·1
    np.testing.assert_array_equal(out.numpy(), [[7.0], [4.0], [4.0]])


BUILDERS = {
    "resnet_cifar": (lambda **k: resnet_cifar.critic(dim=4, **k), (32, 32, 3)),
    "dcgan": (lambda **k: dcgan.critic(image_size=32, dim=4, **k), (32, 32, 3)),
    "resnet_64": (lambda **k: resnet_64.critic("good", dim=2, **k), (64, 64, 3)),
    "mlp": (lambda **k: mlp.critic(input_shape=[4, 4, 1], width=8, depth=1, **k), (4, 4, 1)),
}


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_projection_critic_is_psi_of_features_plus_the_class_term(family):
    build, shape = BUILDERS[family]
    critic = build(num_classes=CLASSES, conditioning="projection")
    assert len(critic.inputs) == 2 and len(critic.outputs) == 1
    projection = critic.get_layer("projection")
    features = keras.Model(critic.inputs, projection.input[0])
    rng = np.random.default_rng(1)
    embedding = rng.normal(size=(CLASSES, features.output.shape[-1])).astype("float32")
    projection.embedding.kernel.assign(embedding.T)
    x = tf.constant(rng.uniform(-1, 1, size=(4, *shape)), tf.float32)
    labels = tf.constant([0, 2, 1, 2], tf.int32)
    phi = features([x, labels]).numpy()
    expected = critic.get_layer("score")(phi).numpy() + np.sum(embedding[labels.numpy()] * phi, axis=1, keepdims=True)
    np.testing.assert_allclose(critic([x, labels]).numpy(), expected, rtol=1e-4, atol=1e-5)
    # the AC-GAN head gives way to the projection: dense(num_classes) with bias → embedding without bias
    ac = build(num_classes=CLASSES)
    assert critic.count_params() == ac.count_params() - CLASSES


def test_spectral_critic_normalizes_the_embedding_too():
    critic = resnet_cifar.critic(dim=4, num_classes=CLASSES, normalization="spectral", conditioning="projection")
    embedding = critic.get_layer("projection").embedding
    assert isinstance(embedding, keras.layers.SpectralNormalization)
    x, labels = tf.zeros((2, 32, 32, 3)), tf.constant([0, 1])
    for _ in range(30):  # power iterations run in training calls
        critic([x, labels], training=True)
    assert np.linalg.norm(embedding.layer.kernel.numpy(), 2) == pytest.approx(1.0, abs=1e-3)


def test_input_gradients_stay_per_sample_for_the_gradient_penalty():
    critic = resnet_cifar.critic(dim=4, num_classes=CLASSES, conditioning="projection")
    x = tf.constant(np.random.default_rng(2).uniform(-1, 1, size=(3, 32, 32, 3)), tf.float32)
    labels = tf.constant([2, 0, 1])

    def norms(i, j):
        return penalties.input_gradient_norms(tg.CriticBatch(critic=critic, labels=labels[i:j]), x[i:j])

    together = norms(0, 3).numpy()
    alone = np.concatenate([norms(i, i + 1).numpy() for i in range(3)])
    np.testing.assert_allclose(together, alone, rtol=1e-5)


def test_projection_critic_trains_in_a_conditional_gan_with_the_gradient_penalty():
    generator = mlp.generator(4, 2, width=8, depth=1, num_classes=CLASSES)
    critic = mlp.critic(2, width=8, depth=1, num_classes=CLASSES, conditioning="projection")
    gan = tg.GAN(generator, critic, latent_dim=4, num_classes=CLASSES, n_critic=2, seed=0)
    gan.compile()
    assert not gan._is_auxiliary_classifier
    before = critic.get_layer("projection").embedding.kernel.numpy().copy()
    rng = np.random.default_rng(3)
    data = tf.data.Dataset.from_tensor_slices((rng.normal(size=(24, 2)).astype("float32"),
                                               rng.integers(0, CLASSES, 24).astype("int32"))).batch(8)
    history = gan.fit(data, epochs=1, verbose=0).history
    assert {"d_loss", "penalty", "grad_norm"} <= set(history) and "ac_loss_critic" not in history
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert not np.allclose(critic.get_layer("projection").embedding.kernel.numpy(), before)


def test_conditioning_is_checked():
    with pytest.raises(ValueError, match=r"conditioning must be one of \['ac', 'projection'\].*'film'"):
        resnet_cifar.critic(dim=4, num_classes=CLASSES, conditioning="film")
    with pytest.raises(ValueError, match=r"needs num_classes.*Received: num_classes=None"):
        dcgan.critic(image_size=32, dim=4, conditioning="projection")
    critic = mlp.critic(2, width=8, depth=1, num_classes=CLASSES, conditioning="projection")
    with pytest.raises(ValueError, match=r"critic takes \[samples, labels\].*Received: num_classes=None"):
        tg.GAN(mlp.generator(4, 2, width=8, depth=1), critic, latent_dim=4)


def test_cifar_recipe_selects_the_projection_critic(tmp_path):
    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    with pytest.raises(flags.IllegalFlagValueError, match="--conditioning=projection needs --conditional"):
        flag_values(["cifar_resnet", "--conditioning=projection"])
    run_in_process(cifar_resnet, tmp_path, "--smoke", "--conditional", "--conditioning=projection",
                   "--final_eval_samples=0", "--iterations=2")
    assert tf.train.latest_checkpoint(str(tmp_path / "checkpoints")).endswith("-2")
    spec = tg.run_directory.RunRecord.load(str(tmp_path)).gan
    assert spec.critic_kwargs["conditioning"] == "projection" and spec.num_classes == 10
    critic = tg.architectures.get(spec.architecture).critic(**spec.critic_builder_kwargs())
    assert len(critic.inputs) == 2 and len(critic.outputs) == 1   # [samples, labels] -> one score, no AC-GAN head


def test_held_out_critic_loss_of_a_projection_critic_takes_numpy_batches():
    gan = tg.GAN(mlp.generator(4, 2, width=8, depth=1, num_classes=CLASSES),
                 mlp.critic(2, width=8, depth=1, num_classes=CLASSES, conditioning="projection"),
                 latent_dim=4, num_classes=CLASSES, seed=0)
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, 2)).astype("float32"), rng.integers(0, CLASSES, 6).astype("int32")
    arrays, tensors = (gan.critic_loss(data, include_penalty=True, seed=keras.random.SeedGenerator(1))
                       for data in [(x, y), (tf.constant(x), tf.constant(y))])
    assert np.isfinite(float(arrays)) and float(arrays) == pytest.approx(float(tensors), rel=1e-6)
