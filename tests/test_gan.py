"""GAN.train_step semantics, execution modes, precision policies and argument guards."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp.architectures import mlp

from helpers import tiny_gan

LATENT = 4


def real_batches(n_critic=5, batch=8, steps=3):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(steps * n_critic * batch, 2)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).batch(n_critic * batch, drop_remainder=True)


class SpyCritic(keras.Model):
    """An MLP critic that records (eagerly) every batch it is called on."""

    def __init__(self):
        super().__init__()
        self.net = mlp.critic(2, width=8, depth=1)
        self.seen = []

    def call(self, x, training=False):
        self.seen.append(np.array(x))
        return self.net(x, training=training)


def test_train_step_feeds_n_critic_distinct_minibatches():
    spy = SpyCritic()
    gan = tg.GAN(mlp.generator(LATENT, 2, width=8, depth=1), spy, latent_dim=LATENT, n_critic=5, seed=0)
    gan.compile(run_eagerly=True)
    step_batch = next(iter(real_batches(steps=1))).numpy()       # 5 × 8 unique real rows
    spy.seen.clear()
    gan.train_step(tf.constant(step_batch))
    rows = {tuple(r) for r in step_batch}
    real_calls = [b for b in spy.seen if len(b) and all(tuple(r) in rows for r in b)]
    assert len(real_calls) == 5                                   # one real minibatch per critic update
    assert all(len(b) == 8 for b in real_calls)
    seen_rows = [tuple(r) for b in real_calls for r in b]
    assert len(set(seen_rows)) == 40 and set(seen_rows) == rows   # disjoint and covering the whole batch
    for i, b in enumerate(real_calls):                            # in order: update i gets slice i
        np.testing.assert_array_equal(b, step_batch[8 * i:8 * (i + 1)])


def test_updates_both_networks_and_counts_generator_iterations():
    gan = tiny_gan(LATENT)
    gan.compile()
    g0 = [v.numpy().copy() for v in gan.generator.trainable_variables]
    d0 = [v.numpy().copy() for v in gan.critic.trainable_variables]
    history = gan.fit(real_batches(), epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 3                   # one per train_step
    assert int(gan.d_optimizer.iterations) == 15                  # n_critic per train_step
    assert any(np.any(a != b.numpy()) for a, b in zip(g0, gan.generator.trainable_variables))
    assert any(np.any(a != b.numpy()) for a, b in zip(d0, gan.critic.trainable_variables))
    assert set(history.history) == {"d_loss", "g_loss", "wasserstein_estimate", "penalty", "grad_norm"}
    assert {m.name for m in gan.metrics} == set(history.history)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_logged_metrics_match_their_definitions():
    """With a fixed critic (lr 0), d_loss = -W estimate + λ·penalty, and g_loss = -E[D(G(z))]."""
    gan = tiny_gan(LATENT, n_critic=1)
    frozen = keras.optimizers.SGD(0.0)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=frozen, run_eagerly=True)
    logs = gan.train_step(next(iter(real_batches(n_critic=1, steps=1))))
    logs = {k: float(v) for k, v in logs.items()}
    assert logs["d_loss"] == pytest.approx(-logs["wasserstein_estimate"] + 10.0 * logs["penalty"], rel=1e-5)
    assert logs["penalty"] >= 0 and logs["grad_norm"] > 0


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_fit_runs_in_every_execution_mode(mode):
    gan = tiny_gan(LATENT)
    gan.compile(run_eagerly=mode == "eager", jit_compile=mode == "xla")
    history = gan.fit(real_batches(), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    assert int(gan.d_optimizer.iterations) == 15


class SampleSpyLoss(tg.losses.Loss):
    """A Wasserstein game that records the samples of the batches it is handed (a loss that reads the samples)."""

    def __init__(self):
        self.calls = []

    def critic_objective(self, batch):
        self.calls.append(tuple(np.array(t) for t in (batch.real, batch.fake, batch.real_out, batch.fake_out)))
        return tf.reduce_mean(batch.fake_out) - tf.reduce_mean(batch.real_out)

    def generator_objective(self, batch):
        return -tf.reduce_mean(batch.fake_out)


def test_a_loss_that_reads_the_samples_gets_the_scored_batches():
    """Each critic update (and test_step) hands the loss the real minibatch and the fakes it scored."""
    loss = SampleSpyLoss()
    gan = tg.GAN(mlp.generator(LATENT, 2, width=8, depth=1), mlp.critic(2, width=8, depth=1), latent_dim=LATENT,
                 loss=loss, penalty="weight_decay", n_critic=2, seed=0)
    gan.compile(run_eagerly=True)
    batch = next(iter(real_batches(n_critic=2, batch=4, steps=1)))
    logs = gan.train_step(batch)
    assert set(logs) == {"d_loss", "g_loss", "wasserstein_estimate", "penalty"}
    assert len(loss.calls) == 2
    for i, (real, fake, real_out, fake_out) in enumerate(loss.calls):
        np.testing.assert_array_equal(real, batch.numpy()[4 * i:4 * (i + 1)])
        assert fake.shape == (4, 2) and real_out.shape == fake_out.shape == (4, 1)
    gan.test_step(batch[:4])
    np.testing.assert_array_equal(loss.calls[-1][0], batch.numpy()[:4])


def test_loss_sensitive_gan_trains_with_weight_decay():
    gan = tiny_gan(LATENT, loss="loss_sensitive", penalty="weight_decay", n_critic=1)
    gan.compile()
    history = gan.fit(real_batches(n_critic=1), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values()) and history["penalty"][-1] > 0


def test_same_seed_gives_same_training_in_graph_and_eager():
    results = []
    for eager in (True, False):
        keras.utils.set_random_seed(0)
        gan = tiny_gan(LATENT)
        gan.compile(run_eagerly=eager)
        gan.fit(real_batches(), epochs=1, verbose=0)
        results.append(gan.sample(16, seed=3).numpy())
    np.testing.assert_allclose(results[0], results[1], atol=1e-5)


def test_sample_is_deterministic_and_float32():
    gan = tiny_gan(LATENT)
    a, b, c = gan.sample(8, seed=1), gan.sample(8, seed=1), gan.sample(8, seed=2)
    assert a.dtype == tf.float32 and a.shape == (8, 2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert np.any(a.numpy() != c.numpy())


def test_evaluate_reports_critic_loss_on_held_out_data():
    gan = tiny_gan(LATENT)
    gan.compile()
    held_out = tf.data.Dataset.from_tensor_slices(np.ones((32, 2), "float32")).batch(16)
    result = gan.evaluate(held_out, verbose=0, return_dict=True)
    assert {"d_loss", "wasserstein_estimate"} <= set(result)
    assert result["d_loss"] == pytest.approx(-result["wasserstein_estimate"], rel=1e-5)  # wasserstein, no penalty


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(policy):
    keras.mixed_precision.set_global_policy(policy)
    gan = tiny_gan(LATENT)
    gan.compile()
    is_scaled = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert is_scaled == (policy == "mixed_float16")
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer) == is_scaled
    assert gan.critic.layers[1].compute_dtype == policy.split("_")[1]
    history = gan.fit(real_batches(), epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    scores, _ = gan._score(tf.zeros((2, 2)), None)
    assert scores.dtype == tf.float32
    assert all(v.dtype == "float32" for v in gan.critic.trainable_variables)


def test_mixed_float16_penalty_is_float32_and_close_to_float32_run():
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    values = {}
    for policy in ("float32", "mixed_float16"):
        keras.mixed_precision.set_global_policy(policy)
        keras.utils.set_random_seed(0)
        gan = tiny_gan(LATENT)
        value, stats = gan.penalty.objective(tg.CriticBatch(x, x[::-1], critic=gan.critic, seed=5,
                                                            grad_scale=2.0 ** 15))
        assert value.dtype == tf.float32
        values[policy] = float(stats["grad_norm"])
    assert values["mixed_float16"] == pytest.approx(values["float32"], rel=2e-2)


def test_conditional_acgan_trains_and_logs_classifier_losses():
    def generator():
        z, y = keras.Input((LATENT,)), keras.Input((), dtype="int32")
        h = keras.layers.Concatenate()([z, keras.layers.Embedding(3, 4)(y)])
        return keras.Model([z, y], keras.layers.Dense(2)(keras.layers.Dense(16, activation="relu")(h)))

    x = keras.Input((2,))
    h = keras.layers.Dense(16, activation="relu")(x)
    critic = keras.Model(x, [keras.layers.Dense(1)(h), keras.layers.Dense(3)(h)])
    gan = tg.GAN(generator(), critic, latent_dim=LATENT, num_classes=3, seed=0)
    gan.compile()
    rng = np.random.default_rng(0)
    ds = tf.data.Dataset.from_tensor_slices(
        (rng.normal(size=(80, 2)).astype("float32"), rng.integers(0, 3, 80).astype("int32"))).batch(40)
    history = gan.fit(ds, epochs=1, verbose=0)
    assert {"ac_loss_critic", "ac_loss_generator"} <= set(history.history)
    assert gan.sample(6, seed=0).shape == (6, 2)


# ------------------------------------------------------------------ guards
def test_guard_unknown_loss_and_penalty():
    with pytest.raises(ValueError, match=r"loss must be one of .*hinge.*Received: loss='wgan'"):
        tiny_gan(LATENT, loss="wgan")
    with pytest.raises(ValueError, match=r"penalty must be one of .*dragan.*Received: penalty='gradient'"):
        tiny_gan(LATENT, penalty="gradient")


def test_guard_latent_dim_mismatch():
    with pytest.raises(ValueError, match=r"input size must equal latent_dim=3.*Received: generator input shape \(None, 4\)"):
        tg.GAN(mlp.generator(LATENT, 2, width=8), mlp.critic(2, width=8), latent_dim=3)


def test_guard_generator_critic_shape_mismatch():
    with pytest.raises(ValueError, match=r"output shape must match the critic's input.*Received: generator output \(batch,\) \+ \(2,\), critic input \(None, 3\)"):
        tg.GAN(mlp.generator(LATENT, 2, width=8), mlp.critic(3, width=8), latent_dim=LATENT)


@pytest.mark.parametrize("n_critic", [0, -2, 2.5])
def test_guard_n_critic(n_critic):
    with pytest.raises(ValueError, match=r"n_critic must be an integer >= 1.*Received: n_critic="):
        tiny_gan(LATENT, n_critic=n_critic)


def test_guard_batch_not_divisible_by_n_critic():
    gan = tiny_gan(LATENT, n_critic=5)
    gan.compile()
    with pytest.raises(ValueError, match=r"divisible by 5 .*real_batches_per_step.*Received: batch of 12 samples"):
        gan.train_step(tf.zeros((12, 2)))


def test_relativistic_generator_reads_its_own_real_minibatch_of_the_generator_batch_size():
    """n_critic 2, m 4, generator batch 2m: the step holds 2 critic minibatches + 8 real rows for G alone."""
    spy = SpyCritic()
    gan = tg.GAN(mlp.generator(LATENT, 2, width=8, depth=1), spy, latent_dim=LATENT, n_critic=2, seed=0,
                 loss="relativistic_average", generator_batch_multiple=2)
    assert gan.real_batches_per_step == 4 and tiny_gan(LATENT, n_critic=2).real_batches_per_step == 2
    gan.compile(run_eagerly=True)
    step_batch = np.arange(32, dtype="float32").reshape(16, 2)
    spy.seen.clear()
    gan.train_step(tf.constant(step_batch))
    rows = {tuple(r): i for i, r in enumerate(step_batch)}
    real_calls = [[rows[tuple(r)] for r in b] for b in spy.seen if len(b) and all(tuple(r) in rows for r in b)]
    assert real_calls == [[0, 1, 2, 3], [4, 5, 6, 7], list(range(8, 16))]  # critic, critic, generator's own
    assert len(spy.seen[-2]) == 8                     # the generator's fakes: 2 × m


class GeneratorSpyLoss(tg.losses.Wasserstein):
    """Wasserstein whose generator objective reads the real samples too, recording its batches."""

    needs_real_for_generator = True

    def __init__(self):
        self.seen = []

    def generator_objective(self, batch):
        self.seen.append((np.array(batch.real), np.array(batch.real_out)))
        return super().generator_objective(batch)


def test_a_generator_objective_reading_real_data_gets_the_generators_own_real_samples_and_their_scores():
    loss = GeneratorSpyLoss()
    gan = tiny_gan(LATENT, loss=loss, n_critic=2, generator_batch_multiple=2)
    gan.compile(run_eagerly=True)
    step_batch = np.arange(32, dtype="float32").reshape(16, 2) / 32
    gan.train_step(tf.constant(step_batch))
    (real, real_out), = loss.seen
    np.testing.assert_array_equal(real, step_batch[8:])          # after the two critic minibatches of 4
    np.testing.assert_allclose(real_out, gan.critic(real), rtol=1e-6)


def test_generator_batch_multiple_is_checked():
    with pytest.raises(ValueError, match=r"generator_batch_multiple must be an integer >= 1.*Received: "
                                         r"generator_batch_multiple=0"):
        tiny_gan(LATENT, generator_batch_multiple=0)


def test_guard_negative_penalty_weight():
    with pytest.raises(ValueError, match=r"weight must be >= 0.*Received: weight=-10"):
        tiny_gan(LATENT, penalty=tg.penalties.GradientPenalty(weight=-10.0))


def test_guard_batch_norm_critic_with_gradient_penalty():
    x = keras.Input((2,))
    h = keras.layers.BatchNormalization(name="critic_bn")(keras.layers.Dense(8)(x))
    bn_critic = keras.Model(x, keras.layers.Dense(1)(h))
    for penalty in ("gp", "gp_one_sided", "dragan", "r1"):
        with pytest.raises(ValueError, match=r"per-sample.*critic_bn.*layer normalization"):
            tg.GAN(mlp.generator(LATENT, 2, width=8), bn_critic, latent_dim=LATENT, penalty=penalty)
    tg.GAN(mlp.generator(LATENT, 2, width=8), bn_critic, latent_dim=LATENT, penalty="clip")  # allowed
