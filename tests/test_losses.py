"""Every adversarial loss against its paper's formula, written independently in float64 numpy."""
import numpy as np
import pytest
import tensorflow as tf

from tfgan_gp import losses

REAL = np.array([[1.5], [-0.3], [0.7], [2.0]])
FAKE = np.array([[-1.0], [0.4], [-2.5], [0.1]])


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


def test_every_registered_loss_has_a_reference_formula():
    """The f-GAN losses are checked against Nowozin et al. Table 2 in test_divergences.py."""
    f_gan = {name for name in losses.names() if name.startswith(losses.F_GAN_PREFIX)}
    assert set(losses.names()) - f_gan == set(FORMULAS)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_loss_matches_paper_formula(name):
    loss = losses.get(name)
    critic_ref, generator_ref = FORMULAS[name]
    r, f = tf.constant(REAL, tf.float32), tf.constant(FAKE, tf.float32)
    np.testing.assert_allclose(float(loss.critic_loss(r, f)), critic_ref(REAL, FAKE), rtol=1e-5)
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
