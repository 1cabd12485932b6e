"""bCR, LeCam and lazy R1 against hand computations; combined penalties; their state across resume and replicas."""
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import tfgan_gp as tg
from recipes import configs, shared_flags
from tfgan_gp import checkpoints, penalties, selection
from tfgan_gp.architectures import mlp
from tfgan_gp.penalties.consistency import _flip_and_translate

from helpers import shifted, tiny_gan


def linear_critic(w):
    """``D(x) = Σ w·x`` over all non-batch axes (a TF callable) and its numpy twin."""
    w32 = tf.constant(w, tf.float32)

    def critic(x, training=True):
        x = tf.cast(x, tf.float32)
        return tf.reduce_sum(tf.reshape(x, [tf.shape(x)[0], -1]) * tf.reshape(w32, [1, -1]), axis=1)[:, None]

    return critic, lambda x: (x.reshape(len(x), -1) @ w.reshape(-1))[:, None]


# ------------------------------------------------------------------------------------------------- bCR
def test_bcr_augmentation_flips_and_shifts_each_image_deterministically():
    images = np.random.default_rng(0).normal(size=(12, 8, 8, 2)).astype("float32")
    out = _flip_and_translate(tf.constant(images), keras.random.SeedGenerator(3), 0.25).numpy()
    found = []
    for image, augmented in zip(images, out):
        matches = [(f, dy, dx) for f in (0, 1) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(shifted(image[:, ::-1] if f else image, dy, dx), augmented)]
        assert matches, "an augmented image is no flip + shift of ±2 px (¼ of 8) of its input"
        found.append(matches[0])
    assert len({f for f, _, _ in found}) == 2 and len({(dy, dx) for _, dy, dx in found}) > 3
    again = _flip_and_translate(tf.constant(images), keras.random.SeedGenerator(3), 0.25)
    np.testing.assert_array_equal(again, out)
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(_flip_and_translate(x, keras.random.SeedGenerator(3), 0.25))
    kept = sum((8 - abs(dy)) * (8 - abs(dx)) * 2 for _, dy, dx in found)  # pixels moved into view, each once
    assert float(tf.reduce_sum(tape.gradient(total, x))) == pytest.approx(kept)


def test_bcr_is_the_weighted_squared_score_change_under_augmentation():
    rng = np.random.default_rng(1)
    real, fake = (rng.normal(size=(4, 8, 8, 1)).astype("float32") for _ in range(2))
    w = rng.normal(size=(8, 8, 1))
    critic, d = linear_critic(w)
    bcr = penalties.BalancedConsistency(weight=2.0, fake_weight=3.0, translation=0.25)
    value, stats = bcr.objective(tg.CriticBatch(real, fake, critic=critic, seed=keras.random.SeedGenerator(7)))
    draws = keras.random.SeedGenerator(7)  # the same draws, in the same order: T(real), then T(fake)
    t_real, t_fake = (_flip_and_translate(tf.constant(x), draws, 0.25).numpy() for x in (real, fake))
    real_term, fake_term = np.mean((d(real) - d(t_real)) ** 2), np.mean((d(fake) - d(t_fake)) ** 2)
    assert real_term > 0 and fake_term > 0
    np.testing.assert_allclose([stats["bcr_real"], stats["bcr_fake"]], [real_term, fake_term], rtol=1e-5)
    np.testing.assert_allclose(float(value), 2.0 * real_term + 3.0 * fake_term, rtol=1e-5)
    # scores the batch holds are used instead of scoring the batches again
    given, _ = bcr.objective(tg.CriticBatch(real, fake, critic=critic, real_out=tf.constant(d(real) + 1.0, tf.float32),
                                            fake_out=tf.constant(d(fake), tf.float32),
                                            seed=keras.random.SeedGenerator(7)))
    expected = 2.0 * np.mean((d(real) + 1.0 - d(t_real)) ** 2) + 3.0 * fake_term
    np.testing.assert_allclose(float(given), expected, rtol=1e-5)
    assert penalties.get("bcr").fake_weight == 10.0 and penalties.build("bcr", weight=4.0).fake_weight == 4.0


def test_bcr_refuses_bad_arguments_and_non_images():
    for fake_weight in (-1, float("nan")):
        with pytest.raises(ValueError, match=rf"fake_weight must be >= 0.*Received: fake_weight={fake_weight}"):
            penalties.BalancedConsistency(fake_weight=fake_weight)
    with pytest.raises(ValueError, match=r"translation must be in \[0, 0.5\).*Received: translation=0.5"):
        penalties.BalancedConsistency(translation=0.5)
    points = tf.zeros((4, 2))
    with pytest.raises(ValueError, match=r"samples must be \(batch, height, width, channels\).*\(4, 2\)"):
        penalties.BalancedConsistency()(lambda x, training=True: x[:, :1], points, points)


def test_a_weight_or_clipping_bound_that_is_nan_is_refused():
    """NaN passes ``weight < 0`` and ``c <= 0`` and would turn every critic loss (or weight) into NaN."""
    for build in (penalties.LeCam, penalties.LazyR1, penalties.GradientPenalty):
        with pytest.raises(ValueError, match=r"weight must be >= 0.*Received: weight=nan"):
            build(weight=float("nan"))
    with pytest.raises(ValueError, match=r"clipping bound must be > 0.*Received: c=nan"):
        penalties.WeightClipping(c=float("nan"))


# ----------------------------------------------------------------------------------------------- LeCam
def test_lecam_matches_hand_computed_moving_averages_and_gradient():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(3,))
    critic, d = linear_critic(w)
    lecam = penalties.LeCam(weight=0.5, decay=0.9)
    anchor_real = anchor_fake = None
    for step in range(3):
        real, fake = rng.normal(size=(5, 3)), rng.normal(loc=1.0, size=(5, 3))
        mean_real, mean_fake = d(real).mean(), d(fake).mean()
        anchor_real = mean_real if step == 0 else 0.9 * anchor_real + 0.1 * mean_real  # first update: the means
        anchor_fake = mean_fake if step == 0 else 0.9 * anchor_fake + 0.1 * mean_fake
        value_np = np.mean((d(real) - anchor_fake) ** 2) + np.mean((d(fake) - anchor_real) ** 2)
        weights = tf.Variable(w, dtype=tf.float32)
        with tf.GradientTape() as tape:
            scores = lambda x, training=True: tf.reduce_sum(tf.cast(x, tf.float32) * weights, 1)[:, None]  # noqa
            weighted, stats = lecam.objective(tg.CriticBatch(real, fake, critic=scores))
        np.testing.assert_allclose(float(stats["lecam"]), value_np, rtol=1e-5)
        np.testing.assert_allclose(float(weighted), 0.5 * value_np, rtol=1e-5)
        np.testing.assert_allclose([float(lecam.anchor_real), float(lecam.anchor_fake)], [anchor_real, anchor_fake],
                                   rtol=1e-5)
        # the anchors are constants of the step: d/dw = 0.5·(2/n·Xrᵀ(Xr·w − α_F) + 2/n·Xfᵀ(Xf·w − α_R))
        grad = 0.5 * (2 / 5 * real.T @ (d(real)[:, 0] - anchor_fake) + 2 / 5 * fake.T @ (d(fake)[:, 0] - anchor_real))
        np.testing.assert_allclose(tape.gradient(weighted, weights), grad, rtol=1e-4)
    assert int(lecam.updates) == 3
    lecam(critic, real, fake, training=False)  # evaluation reads the anchors, leaves them
    assert int(lecam.updates) == 3 and float(lecam.anchor_real) == pytest.approx(anchor_real, rel=1e-5)
    assert penalties.get("lecam").weight == 0.3 and penalties.get("lecam").decay == 0.99
    with pytest.raises(ValueError, match=r"decay must be in \[0, 1\).*Received: decay=1"):
        penalties.LeCam(decay=1)


def test_the_gan_passes_its_scores_to_penalties_that_need_them():
    class Recorder(penalties.Penalty):
        metric_names, needs_per_sample_gradients = (), False

        def __init__(self):
            super().__init__(0.0)
            self.seen = []

        def objective(self, batch):
            scores = (batch.real_out, batch.fake_out, batch.critic(batch.real), batch.critic(batch.fake))
            self.seen.append([np.array(t) for t in scores])
            return tf.constant(0.0), {}

    recorder = Recorder()
    gan = tiny_gan(penalty=recorder, n_critic=1)
    gan.compile(run_eagerly=True)
    points = tf.constant(np.random.default_rng(0).normal(size=(4, 2)), tf.float32)
    gan.train_step(points)
    gan.critic_loss(points, include_penalty=True)  # the held-out loss passes its scores on too
    assert len(recorder.seen) == 2
    for real_out, fake_out, real_scores, fake_scores in recorder.seen:
        assert real_out.shape == fake_out.shape == (4, 1)
        np.testing.assert_allclose(real_out, real_scores, rtol=1e-6)
        np.testing.assert_allclose(fake_out, fake_scores, rtol=1e-6)


def test_a_penalty_logging_under_one_of_the_gans_metric_names_is_refused():
    class Shadowing(penalties.NoPenalty):
        metric_names = ("lecam", "d_loss")

    with pytest.raises(ValueError, match=r"metric names must differ.*Received: d_loss logged twice"):
        tiny_gan(penalty=Shadowing())
    with pytest.raises(ValueError, match=r"Received: lecam logged twice"):
        tiny_gan(penalty=penalties.Combined([penalties.LeCam(), penalties.NoPenalty()]),
                 augment=type("Logging", (tg.augment.Augment,), {"metric_names": ("lecam",)})())


# -------------------------------------------------------------------------------------------- lazy R1
def test_lazy_r1_is_k_times_r1_every_kth_step_and_zero_between():
    w = np.random.default_rng(3).normal(size=(3,))
    critic, _ = linear_critic(w)
    real = fake = tf.constant(np.random.default_rng(4).normal(size=(6, 3)), tf.float32)
    lazy = penalties.LazyR1(weight=2.0, interval=3)
    r1 = 0.5 * 2.0 * np.sum(w ** 2)       # γ/2·‖∇D‖², ∇D = w everywhere
    values, logged = [], []
    for _ in range(7):
        weighted, stats = lazy.objective(tg.CriticBatch(real, fake, critic=critic))
        values.append(float(weighted))
        logged.append(float(stats["r1_lazy"]))
    np.testing.assert_allclose(values, [3 * r1, 0, 0, 3 * r1, 0, 0, 3 * r1], rtol=1e-5)
    np.testing.assert_allclose(logged, [3 * np.sum(w ** 2), 0, 0] * 2 + [3 * np.sum(w ** 2)], rtol=1e-5)
    assert int(lazy.steps) == 7
    assert float(lazy(critic, real, fake, training=False)) == pytest.approx(r1, rel=1e-5)  # plain R1, no step
    assert int(lazy.steps) == 7 and penalties.get("r1_lazy").interval == 16
    with pytest.raises(ValueError, match=r"interval must be an integer >= 1.*Received: interval=0"):
        penalties.LazyR1(interval=0)


def test_lazy_r1_skipped_steps_run_no_input_gradient_pass():
    calls = tf.Variable(0)
    inner, _ = linear_critic(np.ones(3))

    def counting_critic(x, training=True):
        calls.assign_add(1)
        return inner(x)

    lazy = penalties.LazyR1(interval=4)
    points = tf.zeros((2, 3))
    step = tf.function(lambda: lazy(counting_critic, points, points))
    for _ in range(8):
        step()
    assert int(calls) == 2 and int(lazy.steps) == 8   # evaluated at steps 0 and 4 only


# ---------------------------------------------------------------------------------------- combinations
def test_combined_penalty_is_the_sum_of_its_parts_and_logs_each():
    w = np.random.default_rng(5).normal(size=(3,))
    critic, d = linear_critic(w)
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")
    combined = penalties.build("gp+lecam", weight=5.0)
    assert isinstance(combined, penalties.Combined) and combined.weight == 5.0
    gp, lecam = combined.parts
    assert (type(gp), gp.weight, type(lecam), lecam.weight) == (penalties.GradientPenalty, 5.0, penalties.LeCam, 0.3)
    assert combined.metric_names == ("penalty", "grad_norm", "lecam") and combined.needs_per_sample_gradients
    weighted, stats = combined.objective(tg.CriticBatch(real, fake, critic=critic))
    lecam_value = np.mean((d(real) - d(fake).mean()) ** 2) + np.mean((d(fake) - d(real).mean()) ** 2)
    gp_value = (np.linalg.norm(w) - 1.0) ** 2       # a linear critic's gradient norm is ‖w‖ everywhere
    np.testing.assert_allclose(float(weighted), 5.0 * gp_value + 0.3 * lecam_value, rtol=1e-4)
    np.testing.assert_allclose([stats["penalty"], stats["lecam"]], [gp_value, lecam_value], rtol=1e-4)
    assert set(combined.state()) == {"lecam_anchor_real", "lecam_anchor_fake", "lecam_updates"}
    assert penalties.get("r1_lazy+lecam", interval=4).parts[0].interval == 4   # overrides: the first part's
    assert not penalties.get("none+lecam").needs_per_sample_gradients


@pytest.mark.parametrize("name, reason", [
    ("gp+r1", r"The penalties gp and r1 both log the metric 'penalty'"),
    ("lecam+lecam", r"each part of a combination once"),
    ("gp+lipschitz", r"must be one of bcr, clip.*joined by '\+'"),
])
def test_combined_names_are_checked_everywhere_a_penalty_is_named(name, reason):
    received = re.escape(f"Received: penalty={name!r}")
    with pytest.raises(ValueError, match=f"{reason}.*{received}"):
        penalties.get(name)
    with pytest.raises(ValueError, match=f"{reason}.*{received}"):
        tg.GANSpec(penalty=name)
    with pytest.raises(ValueError, match=f"{reason}.*{received}"):   # a selection candidate's
        selection.get("sngan").replace(penalty=name)
    flag_values = flags.FlagValues()   # a recipe's --penalty: the same check, once, by the spec
    shared_flags.define_training_flags(flag_values)
    flag_values(["recipe", f"--penalty={name}"])
    with pytest.raises(ValueError, match=f"{reason}.*{received}"):
        configs.gan_spec(shared_flags.values(flag_values))


def test_combined_names_are_accepted_by_the_spec_and_the_gan():
    assert tg.GANSpec(penalty="gp+bcr").penalty == "gp+bcr"
    with pytest.raises(ValueError, match=r"A combined penalty needs two or more"):
        penalties.Combined([penalties.R1()])

    sn_lecam = tg.GANSpec(penalty="spectral+lecam")
    assert isinstance(sn_lecam.build_penalty(), penalties.LeCam) and not sn_lecam.gradient_penalty
    assert sn_lecam.critic_builder_kwargs()["normalization"] == "spectral"
    gp_bcr = tg.GANSpec(penalty="gp+bcr", penalty_weight=5.0).build_penalty()
    assert [part.weight for part in gp_bcr.parts] == [5.0, 10.0]
    with pytest.raises(ValueError, match=r"each part of a combination once.*Received: penalty='spectral\+spectral'"):
        tg.GANSpec(penalty="spectral+spectral")

    # a batch-normalised critic is fine with LeCam alone, not once a gradient penalty joins it
    def bn_critic():
        return mlp.critic(2, width=8, depth=1, normalization="batch", gradient_penalty=False)
    tg.GAN(mlp.generator(2, 2, width=8, depth=1), bn_critic(), latent_dim=2, penalty="lecam")
    with pytest.raises(ValueError, match="needs per-sample critic gradients"):
        tg.GAN(mlp.generator(2, 2, width=8, depth=1), bn_critic(), latent_dim=2, penalty="gp+lecam")


def test_gan_trains_with_a_combination_in_its_critic_loop_and_logs_every_part():
    gan = tiny_gan(penalty=penalties.get("r1_lazy+lecam", interval=3), n_critic=2)
    gan.compile()
    points = np.random.default_rng(0).normal(size=(24, 2)).astype("float32")
    history = gan.fit(tf.data.Dataset.from_tensor_slices(points).batch(8), epochs=1, verbose=0).history
    assert {"r1_lazy", "r1_lazy_grad_norm", "lecam"} <= set(history)
    assert all(np.isfinite(v[-1]) for v in history.values())
    # 3 iterations × 2 critic steps: R1 at steps 0 and 3, each logged 3× (mean over 6 steps = R1's mean)
    assert int(gan.penalty.parts[0].steps) == 6 and int(gan.penalty.parts[1].updates) == 6
    assert history["r1_lazy"][-1] > 0


# --------------------------------------------------------------------------------------- state, resume
def test_resume_restores_penalty_state_exactly(tmp_path, deterministic_ops):
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(points).batch(8)   # 2 critic minibatches of 4 per iteration

    def make():
        keras.utils.set_random_seed(1)
        gan = tiny_gan(penalty=penalties.get("r1_lazy+lecam", interval=3), n_critic=2)
        gan.compile()
        return gan

    def state(gan):
        return [v.numpy() for v in gan.generator.weights + gan.critic.weights + list(gan.penalty.state().values())]

    whole = make()
    whole.fit(data.take(2), verbose=0)
    assert {"penalty_r1_lazy_steps", "penalty_lecam_anchor_real"} <= set(whole.resumable_state())
    path = checkpoints.checkpoint(whole).save(str(tmp_path / "ckpt"))
    whole.fit(data.skip(2).take(2), verbose=0)   # the uninterrupted run goes on

    resumed = make()
    checkpoints.checkpoint(resumed).restore(path).assert_existing_objects_matched()
    assert int(resumed.penalty.parts[0].steps) == 4
    resumed.fit(data.skip(2).take(2), verbose=0)
    for a, b in zip(state(whole), state(resumed)):
        np.testing.assert_array_equal(a, b)

    # the control: the same resume without the penalty's state does not reproduce the run
    forgetful = make()
    tf.train.Checkpoint(generator=forgetful.generator, critic=forgetful.critic, g_optimizer=forgetful.g_optimizer,
                        d_optimizer=forgetful.d_optimizer,
                        seed_generator_state=forgetful.seed_generator.state).restore(path).expect_partial()
    forgetful.fit(data.skip(2).take(2), verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(state(whole), state(forgetful)))
