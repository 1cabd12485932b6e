"""Every adversarial loss against its paper's formula, written independently in float64 numpy."""
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import losses

REAL = np.array([[1.5], [-0.3], [0.7], [2.0]])
FAKE = np.array([[-1.0], [0.4], [-2.5], [0.1]])
# the samples those scores belong to (2-D points), for the losses that read them
X_REAL = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.5], [-1.0, 3.0]])
X_FAKE = np.array([[1.0, 1.0], [0.0, 0.0], [0.5, -0.5], [2.0, 1.0]])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def log(x):
    return np.log(x)


# (critic, generator) formulas straight from the papers, with D = sigmoid(logit) where the paper has a probability.
FORMULAS = {
    "minimax": (lambda r, f: -log(sigmoid(r)).mean() - log(1 - sigmoid(f)).mean(),
                lambda r, f: log(1 - sigmoid(f)).mean()),
    "non_saturating": (lambda r, f: -log(sigmoid(r)).mean() - log(1 - sigmoid(f)).mean(),
                       lambda r, f: -log(sigmoid(f)).mean()),
    "wasserstein": (lambda r, f: f.mean() - r.mean(), lambda r, f: -f.mean()),
    "least_squares": (lambda r, f: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean(),
                      lambda r, f: 0.5 * ((f - 1) ** 2).mean()),
    "hinge": (lambda r, f: np.maximum(0, 1 - r).mean() + np.maximum(0, 1 + f).mean(),
              lambda r, f: -f.mean()),
    "relativistic": (lambda r, f: -log(sigmoid(r - f)).mean(), lambda r, f: -log(sigmoid(f - r)).mean()),
    "relativistic_average": (
        lambda r, f: -log(sigmoid(r - f.mean())).mean() - log(1 - sigmoid(f - r.mean())).mean(),
        lambda r, f: -log(sigmoid(f - r.mean())).mean() - log(1 - sigmoid(r - f.mean())).mean()),
    "relativistic_average_ls": (
        lambda r, f: ((r - f.mean() - 1) ** 2).mean() + ((f - r.mean() + 1) ** 2).mean(),
        lambda r, f: ((f - r.mean() - 1) ** 2).mean() + ((r - f.mean() + 1) ** 2).mean()),
}


# Losses that read the samples as well as the critic's outputs (tested below, with their samples).
SAMPLE_LOSSES = {"loss_sensitive"}


def test_every_registered_loss_has_a_reference_formula():
    """The f-GAN losses are checked against Nowozin et al. Table 2 in test_divergences.py."""
    f_gan = {name for name in losses.names() if name.startswith(losses.F_GAN_PREFIX)}
    assert set(losses.names()) - f_gan == set(FORMULAS) | SAMPLE_LOSSES


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_loss_matches_paper_formula(name):
    """On the scores alone (these losses read no samples), and through the one entry point a critic step calls."""
    loss = losses.get(name)
    critic_ref, generator_ref = FORMULAS[name]
    r, f = tf.constant(REAL, tf.float32), tf.constant(FAKE, tf.float32)
    np.testing.assert_allclose(float(loss.critic_loss(r, f)), critic_ref(REAL, FAKE), rtol=1e-5)
    batch = tg.CriticBatch(tf.constant(X_REAL, tf.float32), tf.constant(X_FAKE, tf.float32), real_out=r, fake_out=f)
    np.testing.assert_allclose(float(loss.critic_objective(batch)), critic_ref(REAL, FAKE), rtol=1e-5)
    np.testing.assert_allclose(float(loss.generator_objective(batch)), generator_ref(REAL, FAKE), rtol=1e-5)
    np.testing.assert_allclose(float(loss.generator_loss(r, f)), generator_ref(REAL, FAKE), rtol=1e-5)


def test_hand_computed_values():
    r, f = tf.constant([[1.0], [3.0]]), tf.constant([[0.0], [2.0]])
    assert float(losses.get("wasserstein").critic_loss(r, f)) == pytest.approx(-1.0)
    # hinge: max(0, 1-1) + max(0, 1-3) = 0 ; max(0, 1+0) + max(0, 1+2) = 4 -> 0/2 + 4/2
    assert float(losses.get("hinge").critic_loss(r, f)) == pytest.approx(2.0)
    # minimax at logit 0 on both sides: -log(1/2) - log(1/2) = 2 log 2
    zero = tf.zeros((3, 1))
    assert float(losses.get("minimax").critic_loss(zero, zero)) == pytest.approx(2 * np.log(2), rel=1e-6)
    # least squares: ½(0-1)² + ½·0² = 0.5 at D = 0 everywhere
    assert float(losses.get("least_squares").critic_loss(zero, zero)) == pytest.approx(0.5)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_extreme_logits_stay_finite(name):
    loss = losses.get(name)
    big = tf.constant([[100.0], [-100.0], [100.0], [-100.0]])
    other = -big
    for r, f in ((big, other), (other, big), (big, big)):
        values = [loss.critic_loss(r, f), loss.generator_loss(r, f)]
        assert all(np.isfinite(float(v)) for v in values), name
    # a confidently wrong critic pays ~100 per sample in the log-loss games, not inf
    if name in ("minimax", "non_saturating"):
        wrong = float(loss.critic_loss(tf.fill((2, 1), -100.0), tf.fill((2, 1), 100.0)))
        assert wrong == pytest.approx(200.0, rel=1e-4)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_gradients_are_finite_at_extreme_logits(name):
    loss = losses.get(name)
    r = tf.Variable([[100.0], [-100.0]])
    f = tf.Variable([[-100.0], [100.0]])
    with tf.GradientTape(persistent=True) as tape:
        c, g = loss.critic_loss(r, f), loss.generator_loss(r, f)
    for grad in tape.gradient(c, [r, f]) + tape.gradient(g, [f]):
        assert np.all(np.isfinite(grad.numpy()))


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="wasserstein.*Received: loss='wgan'|Received: loss='wgan'") as err:
        losses.get("wgan")
    assert "hinge" in str(err.value) and "least_squares" in str(err.value)


def test_instances_pass_through():
    loss = losses.Hinge()
    assert losses.get(loss) is loss


# ------------------------------------------------------------ loss-sensitive GAN (Qi 2017)
def test_loss_sensitive_matches_qi_by_hand():
    """Δ_i = margin·mean|x_i - G(z_i)|; critic γ·E[-D(x)] + E[(Δ - D(x) + D(G(z)))₊]; generator -E[D(G(z))]."""
    # mean |x - G(z)| per pair: (1 + 0)/2 = 0.5, (2 + 1)/2 = 1.5, (0 + 1)/2 = 0.5, (3 + 2)/2 = 2.5
    # with margin 2: Δ = 1, 3, 1, 5; D(x) = 1.5, -0.3, 0.7, 2.0; D(G(z)) = -1.0, 0.4, -2.5, 0.1
    # Δ - D(x) + D(G(z)) = -1.5, 3.7, -2.2, 3.1 -> hinge mean (3.7 + 3.1)/4 = 1.7
    loss = losses.get("loss_sensitive", margin=2.0, real_weight=0.5)
    r, f = tf.constant(REAL, tf.float32), tf.constant(FAKE, tf.float32)
    real, fake = tf.constant(X_REAL, tf.float32), tf.constant(X_FAKE, tf.float32)
    np.testing.assert_allclose(loss.margins(real, fake).numpy().ravel(), [1.0, 3.0, 1.0, 5.0], rtol=1e-6)
    # γ·E[L(x)] = 0.5·(-(1.5 - 0.3 + 0.7 + 2.0)/4) = -0.4875
    assert float(loss.critic_loss(r, f, real, fake)) == pytest.approx(1.7 - 0.4875, rel=1e-6)
    assert float(loss.generator_loss(r, f)) == pytest.approx(-FAKE.mean(), rel=1e-6)
    # the defaults (margin 1, γ = 0): Δ = 0.5, 1.5, 0.5, 2.5 -> terms -2.0, 2.2, -2.7, 0.6 -> (2.2 + 0.6)/4
    default = losses.get("loss_sensitive")
    assert not default.needs_real_for_generator
    assert float(default.critic_objective(tg.CriticBatch(real, fake, real_out=r, fake_out=f))) == pytest.approx(
        0.7, rel=1e-6)
    # image-shaped samples: the margin averages over every value of a sample
    images = tf.reshape(tf.range(2 * 2 * 2 * 3, dtype=tf.float32), (2, 2, 2, 3))
    np.testing.assert_allclose(default.margins(images, tf.zeros_like(images)).numpy().ravel(), [5.5, 17.5])


def test_loss_sensitive_gradients_are_finite_and_need_the_samples():
    loss = losses.get("loss_sensitive")
    r, f = tf.Variable([[100.0], [-100.0]]), tf.Variable([[-100.0], [100.0]])
    real, fake = tf.constant([[0.0, 1.0], [1.0, 0.0]]), tf.constant([[1e3, 0.0], [0.0, 0.0]])
    with tf.GradientTape(persistent=True) as tape:
        c, g = loss.critic_loss(r, f, real, fake), loss.generator_loss(r, f)
    assert np.isfinite(float(c)) and np.isfinite(float(g))
    for grad in tape.gradient(c, [r, f]) + tape.gradient(g, [f]):
        assert np.all(np.isfinite(grad.numpy()))
    with pytest.raises(ValueError, match=r"reads the samples.*Received: real=None, fake=None"):
        loss.critic_loss(r, f)
    with pytest.raises(ValueError, match=r"reads the samples.*Received: real=given, fake=None"):
        loss.critic_objective(tg.CriticBatch(real, real_out=r, fake_out=f))
    with pytest.raises(ValueError, match=r"margin must be a number > 0.*Received: margin=0"):
        losses.get("loss_sensitive", margin=0)
    with pytest.raises(ValueError, match=r"Received: real_weight=-1"):
        losses.LossSensitive(real_weight=-1)
    # every other loss ignores the samples it is offered
    hinge = losses.get("hinge")
    assert float(hinge.critic_loss(r, f, real, fake)) == float(hinge.critic_loss(r, f))
