"""Penalties against closed forms (linear critics) and float64 finite differences (nonlinear critic)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import penalties

SHAPE = (4, 3, 3, 2)  # image-shaped: (batch, height, width, channels)


class LinearCritic(keras.Model):
    """D(x) = w·x over all non-batch axes, so ‖∇D(x)‖ = ‖w‖ everywhere."""

    def __init__(self, w):
        super().__init__()
        self.w = self.add_weight(shape=w.shape, initializer=keras.initializers.Constant(w))

    def call(self, x, training=False):
        return tf.reduce_sum(x * self.w, axis=[1, 2, 3])[:, None]


def tanh_critic(w1, v):
    """A small nonlinear critic D(x) = v·tanh(W flat(x)), usable in TF and in numpy."""

    def tf_fn(x, training=True):
        h = tf.tanh(tf.reshape(x, [tf.shape(x)[0], -1]) @ tf.constant(w1, x.dtype))
        return h @ tf.constant(v, x.dtype)

    def np_fn(x):
        return float(np.tanh(x.reshape(-1) @ w1) @ v[:, 0])

    return tf_fn, np_fn


def data(seed=0):
    rng = np.random.default_rng(seed)
    return (tf.constant(rng.normal(size=SHAPE), tf.float32),
            tf.constant(rng.normal(size=SHAPE), tf.float32))


@pytest.mark.parametrize("norm_w", [0.3, 1.0, 2.5])
def test_two_sided_gp_of_linear_critic_is_closed_form(norm_w):
    w = np.random.default_rng(1).normal(size=SHAPE[1:])
    w *= norm_w / np.linalg.norm(w)
    real, fake = data()
    value = penalties.GradientPenalty(weight=10.0)(LinearCritic(w), real, fake, seed=3)
    np.testing.assert_allclose(float(value), 10.0 * (norm_w - 1.0) ** 2, atol=1e-5)


@pytest.mark.parametrize("norm_w", [0.3, 2.5])
def test_one_sided_gp_of_linear_critic(norm_w):
    w = np.random.default_rng(1).normal(size=SHAPE[1:])
    w *= norm_w / np.linalg.norm(w)
    real, fake = data()
    value = penalties.GradientPenalty(weight=10.0, one_sided=True)(LinearCritic(w), real, fake)
    np.testing.assert_allclose(float(value), 10.0 * max(0.0, norm_w - 1.0) ** 2, atol=1e-5)


def test_target_is_honoured():
    w = np.full(SHAPE[1:], 0.5)  # ‖w‖ = 0.5·sqrt(18)
    real, fake = data()
    for target, one_sided in ((2.0, False), (2.0, True), (0.5, True)):
        gp = penalties.GradientPenalty(weight=3.0, target=target, one_sided=one_sided)
        excess = np.linalg.norm(w) - target
        expected = 3.0 * (max(excess, 0.0) if one_sided else excess) ** 2
        np.testing.assert_allclose(float(gp(LinearCritic(w), real, fake)), expected, rtol=1e-5)


def test_interpolates_lie_on_straight_lines_with_one_epsilon_per_sample():
    real, fake = data()
    points = penalties.GradientPenalty().interpolates(real, fake, seed=7).numpy()
    eps = (points - fake.numpy()) / (real.numpy() - fake.numpy())
    per_sample = eps.reshape(SHAPE[0], -1)
    np.testing.assert_allclose(per_sample, per_sample[:, :1] * np.ones_like(per_sample), atol=1e-4)
    assert np.all((per_sample >= 0) & (per_sample <= 1))
    assert np.ptp(per_sample[:, 0]) > 0  # different samples get different ε


def test_nonlinear_critic_matches_float64_finite_differences():
    rng = np.random.default_rng(2)
    w1 = rng.normal(size=(np.prod(SHAPE[1:]), 5)) * 0.4
    v = rng.normal(size=(5, 1))
    tf_critic, np_critic = tanh_critic(w1, v)
    real, fake = data(3)
    gp = penalties.GradientPenalty(weight=10.0)
    value, stats = gp.objective(tg.CriticBatch(real, fake, critic=tf_critic, seed=11))
    points = gp.interpolates(real, fake, seed=11).numpy().astype(np.float64)

    h = 1e-6
    norms = []
    for x in points:
        grad = np.zeros(x.size)
        for i in range(x.size):
            step = np.zeros(x.size)
            step[i] = h
            grad[i] = (np_critic(x.reshape(-1) + step) - np_critic(x.reshape(-1) - step)) / (2 * h)
        norms.append(np.linalg.norm(grad))
    norms = np.array(norms)
    np.testing.assert_allclose(float(stats["grad_norm"]), norms.mean(), rtol=1e-4)
    np.testing.assert_allclose(float(value), 10.0 * np.mean((norms - 1.0) ** 2), rtol=1e-4)
    np.testing.assert_allclose(float(stats["penalty"]), np.mean((norms - 1.0) ** 2), rtol=1e-4)


def test_penalty_gradient_reaches_critic_weights():
    w = np.random.default_rng(4).normal(size=SHAPE[1:])
    critic = LinearCritic(w)
    real, fake = data()
    with tf.GradientTape() as tape:
        value = penalties.GradientPenalty(weight=10.0)(critic, real, fake)
    grad = tape.gradient(value, critic.w).numpy()
    norm = np.linalg.norm(w)
    np.testing.assert_allclose(grad, 2 * 10.0 * (norm - 1.0) * w / norm, rtol=1e-4, atol=1e-6)


def test_r1_r2_and_dragan_on_linear_critic():
    w = np.random.default_rng(5).normal(size=SHAPE[1:])
    norm = np.linalg.norm(w)
    real, fake = data()
    critic = LinearCritic(w)
    np.testing.assert_allclose(float(penalties.R1(weight=4.0)(critic, real, fake)), 2.0 * norm ** 2, rtol=1e-5)
    np.testing.assert_allclose(float(penalties.R2(weight=4.0)(critic, real, fake)), 2.0 * norm ** 2, rtol=1e-5)
    np.testing.assert_allclose(float(penalties.DRAGAN(weight=10.0)(critic, real, fake)),
                               10.0 * (norm - 1.0) ** 2, rtol=1e-5)


def test_r1_uses_real_points_and_r2_fake_points():
    """With D(x) = ½‖x‖², ‖∇D(x)‖ = ‖x‖, so R1/R2 read the real/fake batch's norms."""
    def critic(x, training=True):
        return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])[:, None]

    real, fake = data()
    sq = lambda t: np.mean(np.sum(t.numpy() ** 2, axis=(1, 2, 3)))  # noqa: E731
    np.testing.assert_allclose(float(penalties.R1(weight=2.0)(critic, real, fake)), sq(real), rtol=1e-5)
    np.testing.assert_allclose(float(penalties.R2(weight=2.0)(critic, real, fake)), sq(fake), rtol=1e-5)


def test_grad_scale_does_not_change_the_result():
    w = np.random.default_rng(6).normal(size=SHAPE[1:])
    real, fake = data()
    gp = penalties.GradientPenalty()
    a = gp.objective(tg.CriticBatch(real, fake, critic=LinearCritic(w), seed=1))[0]
    b = gp.objective(tg.CriticBatch(real, fake, critic=LinearCritic(w), seed=1, grad_scale=1024.0))[0]
    np.testing.assert_allclose(float(a), float(b), rtol=1e-6)


def test_weight_clipping_clips_after_update_and_adds_nothing():
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    for v in critic.trainable_variables:
        v.assign(tf.fill(v.shape, 0.5) * tf.cast(tf.sign(tf.random.normal(v.shape)), v.dtype))
    clip = penalties.WeightClipping(c=0.01)
    assert float(clip(critic, tf.zeros((2, 3)), tf.zeros((2, 3)))) == 0.0
    clip.after_critic_update(critic)
    for v in critic.trainable_variables:
        assert np.max(np.abs(v.numpy())) == pytest.approx(0.01)


def test_weight_decay_is_half_lambda_times_the_squared_weights():
    """λ/2·Σθ² over every trainable weight (kernels and biases), with gradient λ·θ; the samples are not used."""
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    values = [np.arange(6.0).reshape(3, 2) / 10, np.array([1.0, -2.0]), np.array([[0.5], [-0.5]]), np.array([3.0])]
    for v, value in zip(critic.trainable_variables, values):
        v.assign(value)
    decay = penalties.get("weight_decay", weight=0.1)
    # Σθ² = (0 + .01 + .04 + .09 + .16 + .25) + (1 + 4) + (.25 + .25) + 9 = 0.55 + 5 + 0.5 + 9 = 15.05
    with tf.GradientTape() as tape:
        weighted, stats = decay.objective(tg.CriticBatch(tf.zeros((2, 3)), tf.ones((2, 3)), critic=critic))
    assert float(stats["penalty"]) == pytest.approx(15.05 / 2, rel=1e-6)
    assert float(weighted) == pytest.approx(0.1 * 15.05 / 2, rel=1e-6)
    for grad, value in zip(tape.gradient(weighted, critic.trainable_variables), values):
        np.testing.assert_allclose(grad.numpy(), 0.1 * value, rtol=1e-6)
    assert penalties.get("weight_decay").weight == 5e-5 and not decay.needs_per_sample_gradients
    assert decay.metric_names == ("penalty",)
    with pytest.raises(ValueError, match=r"needs the critic's weights.*Received: critic="):
        decay(lambda x, training=True: x, tf.zeros((2, 3)), tf.zeros((2, 3)))


def test_registry_and_errors():
    assert set(penalties.names()) == {"gp", "gp_one_sided", "dragan", "r1", "r2", "clip", "weight_decay", "none",
                                      "bcr", "lecam", "r1_lazy"}
    assert penalties.get("gp_one_sided").one_sided
    assert penalties.get("gp").weight == 10.0 and penalties.get("gp").target == 1.0
    assert isinstance(penalties.get(None), penalties.NoPenalty)
    with pytest.raises(ValueError, match=r"gp_one_sided.*Received: penalty='lipschitz'"):
        penalties.get("lipschitz")
    for make in (lambda: penalties.GradientPenalty(weight=-1.0), lambda: penalties.R1(weight=-0.5),
                 lambda: penalties.DRAGAN(weight=-2.0)):
        with pytest.raises(ValueError, match=r"weight must be >= 0.*Received: weight=-"):
            make()
    with pytest.raises(ValueError, match=r"Received: c=0"):
        penalties.WeightClipping(c=0)
