"""The whole registry through one interface: every loss and penalty trains (``fit``), evaluates and gives its held-out
critic loss; a new loss or penalty is one class and one registration; the critic scores each batch once; the
registry's idiom (presets, optional settings, combinations, prefix families, one message for a wrong name)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp.architectures import mlp

from helpers import tiny_gan, tiny_image_gan, toy_spec

M = 8  # critic minibatch


@pytest.fixture
def restore_registries():
    """Parts a test registers (under names of its own) leave the registries as they were afterwards, so the
    snapshots of the registered names elsewhere hold."""
    registries = (tg.losses.REGISTRY, tg.penalties.REGISTRY, tg.divergences.REGISTRY)
    saved = [dict(registry._factories) for registry in registries]
    yield
    for registry, factories in zip(registries, saved):
        registry._factories.clear()
        registry._factories.update(factories)


def points(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def images(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, 16, 16, 3)).astype("float32")


def train_and_evaluate(gan, samples, iterations=2):
    """``iterations`` generator iterations through ``fit``, then ``evaluate`` on held-out samples: the history."""
    data = tg.data.for_gan(tf.data.Dataset.from_tensor_slices(samples), M, gan.real_batches_per_step,
                           shuffle_buffer=None)
    history = gan.fit(data, steps_per_epoch=iterations, epochs=1, verbose=0).history
    assert gan.iteration == iterations and all(np.isfinite(v[-1]) for v in history.values()), history
    held_out = gan.evaluate(tf.data.Dataset.from_tensor_slices(samples[:2 * M]).batch(M), verbose=0, return_dict=True)
    assert set(held_out) == {"d_loss", "wasserstein_estimate"} and all(np.isfinite(list(held_out.values())))
    return history


def check_held_out_critic_loss(gan, real):
    """``critic_loss`` with and without the penalty on ``real`` against its parts by hand, on the same fakes and
    penalty draws: the loss of the critic's inference-mode scores, plus the penalty's weighted value."""
    losses = {flag: float(gan.critic_loss(real, include_penalty=flag, seed=keras.random.SeedGenerator(1)))
              for flag in (False, True)}
    assert all(np.isfinite(list(losses.values())))
    seed = keras.random.SeedGenerator(1)   # the same draws in the same order: the fakes, then the penalty's
    fake = gan.generator(tg.randomness.normal([len(real), gan.latent_dim], seed), training=False)
    adversarial = gan.adversarial_loss.critic_loss(gan.critic(real), gan.critic(fake), real, fake)
    penalty, _ = gan.penalty.objective(tg.CriticBatch(real, fake, critic=gan.critic, seed=seed, training=False))
    assert losses[False] == pytest.approx(float(adversarial), rel=1e-5, abs=1e-6)
    assert losses[True] - losses[False] == pytest.approx(float(penalty), rel=1e-4, abs=1e-6)
    return losses


# ---------------------------------------------------------------------------------------- the whole registry
@pytest.mark.parametrize("name", tg.losses.names())
def test_every_loss_trains_evaluates_and_gives_its_held_out_critic_loss(name):
    gan = tiny_gan(loss=name, n_critic=1)
    gan.compile(run_eagerly=True)
    train_and_evaluate(gan, points(64))
    losses = check_held_out_critic_loss(gan, points(M, seed=1))
    assert losses[True] != losses[False]   # the gradient penalty of a trained critic is not zero


def test_the_loss_sensitive_critic_loss_curves_of_section_5_6(tmp_path):
    """The issue's defect: ``critic_loss`` (so ``CriticLossCurves``, traced) raised for the loss that reads samples."""
    gan = tiny_gan(loss="loss_sensitive", penalty="weight_decay", n_critic=1)
    gan.compile(run_eagerly=True)
    data = tf.data.Dataset.from_tensor_slices(points(2 * M))
    curves = {flag: tg.callbacks.CriticLossCurves(str(tmp_path), data, data, batch_size=M, include_penalty=flag)
              for flag in (False, True)}
    values = {}
    for flag, callback in curves.items():
        callback.set_model(gan)
        values[flag] = callback.critic_loss(callback.data["heldout"])
    decay = 0.5 * sum(float(tf.reduce_sum(tf.square(v))) for v in gan.critic.trainable_variables)
    assert np.isfinite(values[False]) and values[True] - values[False] == pytest.approx(5e-5 * decay, rel=1e-3)


@pytest.mark.parametrize("name", tg.penalties.names())
def test_every_penalty_trains_evaluates_and_adds_its_weighted_value_to_the_held_out_critic_loss(name):
    if tg.penalties.REGISTRY.lookup(name).images_only:
        networks = tiny_image_gan()
        gan = tg.GAN(networks.generator, networks.critic, latent_dim=networks.latent_dim, penalty=name, n_critic=1,
                     seed=0)
        samples = images(4 * M)
    else:
        gan, samples = tiny_gan(penalty=name, n_critic=1), points(64)
    gan.compile(run_eagerly=True)
    history = train_and_evaluate(gan, samples)
    assert set(gan.penalty.metric_names) <= set(history)
    check_held_out_critic_loss(gan, samples[:M])


# ------------------------------------------------------------------------------------ a new part: one class
def test_a_new_loss_that_reads_the_samples_is_one_class_and_one_registration(restore_registries):
    @tg.losses.register("test_parts_distance_hinge")
    class DistanceHinge(tg.losses.Loss):
        """The critic must score each real sample above its paired fake by their Euclidean distance."""

        def critic_objective(self, batch):
            real, fake = batch.require_samples("The distance hinge")
            distance = tf.norm(real - fake, axis=1, keepdims=True)
            return tf.reduce_mean(tf.nn.relu(distance - batch.real_out + batch.fake_out))

        def generator_objective(self, batch):
            return -tf.reduce_mean(batch.fake_out)

    r, f = np.array([[2.0], [0.0]]), np.array([[0.0], [1.0]])
    x, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0], [1.0, 1.0]])
    # relu(5 − 2 + 0) = 3, relu(0 − 0 + 1) = 1 -> 2
    value = tg.losses.get("test_parts_distance_hinge").critic_loss(*(tf.constant(t, tf.float32) for t in (r, f, x, y)))
    assert float(value) == pytest.approx(2.0)

    gan = toy_spec(loss="test_parts_distance_hinge", n_critic=1).build(seed=0, run_eagerly=True)
    assert isinstance(gan.adversarial_loss, DistanceHinge)
    train_and_evaluate(gan, points(64))
    check_held_out_critic_loss(gan, points(M, seed=1))


def test_a_new_penalty_that_reads_the_scores_is_one_class_and_one_registration(restore_registries):
    @tg.penalties.register("test_parts_drift")
    class Drift(tg.penalties.Penalty):
        """The scores kept near zero: ``λ·(E[D(x)²] + E[D(G(z))²])`` (after Karras et al. 2018's drift term)."""

        metric_names = ("drift",)
        needs_per_sample_gradients = False

        def __init__(self, weight=0.01):
            super().__init__(weight)

        def objective(self, batch):
            value = tf.reduce_mean(tf.square(batch.real_out)) + tf.reduce_mean(tf.square(batch.fake_out))
            return self.weight * value, {"drift": value}

    critic = lambda x, training=True: tf.reduce_sum(x, axis=1, keepdims=True)  # noqa: E731
    # D(real) = 3, -1 -> E[D²] = 5; D(fake) = 0, 2 -> 2; weight 0.5 -> 3.5
    value = tg.penalties.build("test_parts_drift", weight=0.5)(critic, tf.constant([[1.0, 2.0], [0.0, -1.0]]),
                                                               tf.constant([[0.0, 0.0], [1.0, 1.0]]))
    assert float(value) == pytest.approx(3.5)

    spec = toy_spec(penalty="gp+test_parts_drift", n_critic=1)
    assert spec.penalty_weight == 10.0   # the first part's λ
    gan = spec.build(seed=0, run_eagerly=True)
    assert [type(part) for part in gan.penalty.parts] == [tg.penalties.GradientPenalty, Drift]
    history = train_and_evaluate(gan, points(64))
    assert {"penalty", "grad_norm", "drift"} <= set(history) and history["drift"][-1] > 0
    check_held_out_critic_loss(gan, points(M, seed=1))


# ------------------------------------------------------------------------------ one score per batch
class CountingCritic(keras.Model):
    """A critic that counts its calls (eagerly: one per batch scored)."""

    def __init__(self):
        super().__init__()
        self.net = mlp.critic(2, width=16, depth=2)
        self.calls = 0

    def call(self, x, training=False):
        self.calls += 1
        return self.net(x, training=training)


@pytest.mark.parametrize("loss, penalty, per_critic_step, per_generator_step", [
    ("loss_sensitive", "lecam", 2, 1),                  # the loss and LeCam read the same two scores
    ("relativistic_average", "gp+lecam", 3, 2),         # + the interpolates; the generator's step scores reals too
])
def test_the_critic_scores_each_batch_once_however_many_parts_read_the_scores(loss, penalty, per_critic_step,
                                                                               per_generator_step):
    critic = CountingCritic()
    gan = tg.GAN(mlp.generator(2, 2, width=16, depth=2), critic, latent_dim=2, loss=loss, penalty=penalty,
                 n_critic=2, seed=0)
    gan.compile(run_eagerly=True)
    critic.calls = 0
    gan.train_step(tf.constant(points(gan.real_batches_per_step * M)))
    assert critic.calls == 2 * per_critic_step + per_generator_step
    critic.calls = 0
    gan.critic_loss(points(M), include_penalty=True)
    assert critic.calls == per_critic_step


# -------------------------------------------------------------------------------------- the registry's idiom
def test_a_preset_is_a_name_for_fixed_arguments():
    one_sided = tg.penalties.build("gp_one_sided", weight=2.0)
    assert type(one_sided) is tg.penalties.GradientPenalty and one_sided.one_sided and one_sided.weight == 2.0
    assert tg.penalties.GradientPenalty.name == "gp" and not tg.penalties.build("gp").one_sided
    with pytest.raises(ValueError, match=r"The penalty 'gp_one_sided' takes no argument one_sided \(it takes weight, "
                                         r"target\)\. Received: one_sided=False"):
        tg.penalties.build("gp_one_sided", one_sided=False)


def test_an_optional_setting_reaches_only_the_parts_taking_it():
    """One λ setting for whichever penalty a run names: weightless ones ignore it, ``None`` keeps the default."""
    clip = tg.penalties.build("clip", weight=3.0)
    assert type(clip) is tg.penalties.WeightClipping and clip.weight == 0.0 and clip.c == 0.01
    assert type(tg.penalties.build("none", weight=3.0)) is tg.penalties.NoPenalty
    assert tg.penalties.build("gp", weight=None).weight == 10.0 and tg.penalties.build("gp", weight=3).weight == 3.0
    with pytest.raises(ValueError, match=r"The penalty 'clip' takes no argument target \(it takes c\)\. "
                                         r"Received: target=2"):
        tg.penalties.build("clip", target=2)   # any other argument must be taken


def test_a_combination_gives_the_run_settings_to_its_first_part():
    combined = tg.penalties.build("gp+lecam", weight=5.0, target=2.0)
    gp, lecam = combined.parts
    assert (gp.weight, gp.target, lecam.weight) == (5.0, 2.0, 0.3)
    assert [type(part) for part in tg.penalties.get("lecam+gp").parts] == [tg.penalties.LeCam,
                                                                          tg.penalties.GradientPenalty]
    with pytest.raises(ValueError, match=r"The penalty 'lecam' takes no argument target \(it takes weight, decay\)"):
        tg.penalties.build("lecam+gp", target=2.0)
    with pytest.raises(ValueError, match=r"loss must be one of .*Received: loss='hinge\+wasserstein'"):
        tg.losses.get("hinge+wasserstein")   # losses do not combine


def test_a_prefix_family_names_the_divergences_registered_later(restore_registries):
    assert "f_gan:test_parts_chi" not in tg.losses.names()

    @tg.divergences.register("test_parts_chi")
    class Chi(tg.divergences.Divergence):
        """Pearson χ² under a new name (Nowozin et al. Table 2: ``g_f(v) = v``, ``f*(t) = t²/4 + t``)."""

        critical_value = 0.0

        def activation(self, v):
            return v

        def conjugate_of_activation(self, v):
            return 0.25 * v * v + v

    assert "f_gan:test_parts_chi" in tg.losses.names() and "f_gan:test_parts_chi" in tg.losses.REGISTRY
    loss = tg.losses.get("f_gan:test_parts_chi")
    assert isinstance(loss.divergence, Chi) and loss.name == "f_gan:test_parts_chi"
    # critic: E_Q[f*(g(V))] − E_P[g(V)] = (0.25·4 + 2) − 1 = 2
    assert float(loss.critic_loss(tf.constant([[1.0]]), tf.constant([[2.0]]))) == pytest.approx(2.0)
    pearson = tg.losses.get("f_gan:pearson")
    real, fake = tf.constant([[0.3], [-1.2]]), tf.constant([[2.0], [0.5]])
    assert float(loss.critic_loss(real, fake)) == pytest.approx(float(pearson.critic_loss(real, fake)))
    with pytest.raises(ValueError, match=r"The divergence 'test_parts_chi' takes no argument alpha \(it takes none\)\. "
                                         r"Received: alpha=0\.5"):
        tg.losses.get("f_gan:test_parts_chi", alpha=0.5)


KINDS = [(tg.losses, "loss"), (tg.penalties, "penalty"), (tg.divergences, "divergence"), (tg.augment, "augment"),
         (tg.architectures, "architecture")]


@pytest.mark.parametrize("module, kind", KINDS)
def test_an_unknown_name_gets_one_sentence_listing_the_valid_names(module, kind):
    with pytest.raises(ValueError) as err:
        module.get("nonsense")
    message = str(err.value)
    assert message.startswith(f"{kind} must be one of ") and message.endswith(f"Received: {kind}='nonsense'")
    listed = message[len(f"{kind} must be one of "):message.index(". Received:")]
    assert all(name in listed for name in module.names()) and message.count(". ") == 1


@pytest.mark.parametrize("call, message", [
    (lambda: tg.losses.get("hinge", margin=1.0), r"The loss 'hinge' takes no argument margin \(it takes none\)\. "
                                                 r"Received: margin=1\.0"),
    (lambda: tg.penalties.get("gp", wieght=1.0, tagret=2.0),
     r"The penalty 'gp' takes no argument tagret, wieght \(it takes weight, target, one_sided\)\. "
     r"Received: tagret=2\.0, wieght=1\.0"),
    (lambda: tg.losses.get(tg.losses.Hinge(), margin=1.0),
     r"Arguments margin apply to a loss name, not to a built loss\. Received: loss=Hinge\(\)"),
    (lambda: tg.losses.register("hinge")(type("Another", (tg.losses.Loss,), {})),
     r"The name 'hinge' is taken by another loss\. Received: name='hinge'"),
    (lambda: tg.losses.get(None), r"loss must be one of .*Received: loss=None"),
])
def test_a_wrong_argument_or_name_gets_one_sentence(call, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        call()
    assert type(tg.losses.get("hinge")) is tg.losses.Hinge   # a refused registration changed nothing
