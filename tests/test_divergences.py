"""f-GAN divergences against Nowozin et al. 2016 Tables 1-2, written independently in float64 numpy.

Besides formula-by-formula checks, the optimal critic T*(x) = f'(p(x)/q(x)), fed through the
inverse output activation into the library, must reach the closed-form divergence: that checks
g_f, f* and the loss together.
"""
from decimal import Decimal, localcontext

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import optimize, stats

import tfgan_gp as tg
from tfgan_gp import divergences, losses
from tfgan_gp.architectures import mlp

LOG2 = np.log(2.0)


# exp / log / sqrt that also take decimal.Decimal, so the same table formulas give a 60-digit reference.
def exp(x):
    return x.exp() if isinstance(x, Decimal) else np.exp(x)


def log(x):
    return x.ln() if isinstance(x, Decimal) else np.log(x)


def sqrt(x):
    return x.sqrt() if isinstance(x, Decimal) else np.sqrt(x)


def reference(formula, v):
    """``formula(v)`` evaluated with 60 significant digits, rounded to float."""
    with localcontext() as ctx:
        ctx.prec = 60
        return float(formula(Decimal(v)))


def named_discrete(name):
    """The divergence D(P || Q) as it is named in Table 1, for probability vectors p, q."""
    def js2(p, q):  # KL(P||M) + KL(Q||M) = 2 JSD: what the paper's f and f* give (see JensenShannon)
        m = 0.5 * (p + q)
        return np.sum(p * np.log(p / m)) + np.sum(q * np.log(q / m))
    return {
        "kl": lambda p, q: np.sum(p * np.log(p / q)),
        "reverse_kl": lambda p, q: np.sum(q * np.log(q / p)),
        "pearson": lambda p, q: np.sum((p - q) ** 2 / q),
        "squared_hellinger": lambda p, q: np.sum((np.sqrt(p) - np.sqrt(q)) ** 2),
        "jensen_shannon": js2,
        "gan": lambda p, q: np.sum(p * np.log(2 * p / (p + q)) + q * np.log(2 * q / (p + q))) - np.log(4.0),
    }[name]


# Per divergence, from the paper: f(u) and f'(u) (Table 1: T* = f'(p/q)); g_f(v), f*(t), dom f*, f'(1)
# (Table 2); and g_f^{-1}(t), worked out by hand, to turn T* into the critic's raw output v*.
TABLE = {
    "kl": dict(
        f=lambda u: u * log(u), fprime=lambda u: 1 + log(u),
        g=lambda v: v, fstar=lambda t: exp(t - 1), dom=lambda t: np.isfinite(t), fprime1=1.0,
        g_inv=lambda t: t),
    "reverse_kl": dict(
        f=lambda u: -log(u), fprime=lambda u: -1 / u,
        g=lambda v: -exp(-v), fstar=lambda t: -1 - log(-t), dom=lambda t: t < 0, fprime1=-1.0,
        g_inv=lambda t: -log(-t)),
    "pearson": dict(
        f=lambda u: (u - 1) ** 2, fprime=lambda u: 2 * (u - 1),
        g=lambda v: v, fstar=lambda t: t ** 2 / 4 + t, dom=lambda t: np.isfinite(t), fprime1=0.0,
        g_inv=lambda t: t),
    "squared_hellinger": dict(
        f=lambda u: (sqrt(u) - 1) ** 2, fprime=lambda u: 1 - 1 / sqrt(u),
        g=lambda v: 1 - exp(-v), fstar=lambda t: t / (1 - t), dom=lambda t: t < 1, fprime1=0.0,
        g_inv=lambda t: -log(1 - t)),
    "jensen_shannon": dict(  # g_f(v) = log 2 - log(1 + e^-v), written as one log so it also takes Decimal
        f=lambda u: -(u + 1) * log((1 + u) / 2) + u * log(u), fprime=lambda u: log(2 * u / (1 + u)),
        g=lambda v: -log((1 + exp(-v)) / 2), fstar=lambda t: -log(2 - exp(t)),
        dom=lambda t: t < LOG2, fprime1=0.0,
        g_inv=lambda t: log(exp(t) / (2 - exp(t)))),
    "gan": dict(
        f=lambda u: u * log(u) - (u + 1) * log(u + 1), fprime=lambda u: log(u / (u + 1)),
        g=lambda v: -log(1 + exp(-v)), fstar=lambda t: -log(1 - exp(t)), dom=lambda t: t < 0,
        fprime1=-LOG2, g_inv=lambda t: log(exp(t) / (1 - exp(t)))),
}
NAMES = sorted(TABLE)
V_GRID = np.linspace(-6.0, 6.0, 49)
# Points inside each dom f*, for the Fenchel check (Pearson: u* = 1 + t/2 must be > 0, so t > -2).
T_POINTS = {"kl": [-1.0, 0.0, 1.0, 2.5], "reverse_kl": [-3.0, -1.0, -0.2], "pearson": [-1.5, 0.0, 1.0, 3.0],
            "squared_hellinger": [-2.0, 0.0, 0.5, 0.8], "jensen_shannon": [-2.0, 0.0, 0.5],
            "gan": [-3.0, -0.5, -0.1]}


def f64(x):
    return tf.constant(x, tf.float64)


def test_registry_holds_the_six_paper_divergences():
    assert divergences.names() == NAMES
    assert {n for n in losses.names() if n.startswith("f_gan:")} == {"f_gan:" + n for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_activation_and_conjugate_match_table_2(name):
    d, row = divergences.get(name), TABLE[name]
    np.testing.assert_allclose(d.activation(f64(V_GRID)).numpy(), row["g"](V_GRID), rtol=1e-12, atol=1e-12)
    # the simplified f*(g_f(v)) equals the table's f* applied to the table's g_f
    np.testing.assert_allclose(d.conjugate_of_activation(f64(V_GRID)).numpy(), row["fstar"](row["g"](V_GRID)),
                               rtol=1e-10, atol=1e-12)
    t = row["g"](V_GRID)                          # inside dom f* by construction
    assert np.all(row["dom"](t))
    np.testing.assert_allclose(d.conjugate(f64(t)).numpy(), row["fstar"](t), rtol=1e-10, atol=1e-12)
    assert d.critical_value == pytest.approx(row["fprime1"], abs=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_table_2_conjugate_is_the_fenchel_conjugate_of_table_1_f(name):
    """f*(t) = sup_u u t - f(u), maximised numerically over u = e^s > 0."""
    d, f = divergences.get(name), TABLE[name]["f"]
    for t in T_POINTS[name]:
        res = optimize.minimize_scalar(lambda s: -(np.exp(s) * t - f(np.exp(s))), bounds=(-20, 20),
                                       method="bounded", options={"xatol": 1e-12})
        assert float(d.conjugate(f64(t))) == pytest.approx(-res.fun, rel=1e-8, abs=1e-9), (name, t)


@pytest.mark.parametrize("name", NAMES)
def test_table_1_optimal_critic_is_f_prime(name):
    row, h = TABLE[name], 1e-6
    u = np.array([0.2, 0.7, 1.0, 1.9, 4.0])
    np.testing.assert_allclose(row["fprime"](u), (row["f"](u + h) - row["f"](u - h)) / (2 * h), rtol=1e-6,
                               atol=1e-8)
    assert row["fprime"](1.0) == pytest.approx(row["fprime1"])
    assert np.all(row["dom"](row["fprime"](u)))    # T* lies in dom f*


# f*(t) far out and close to the edge of dom f*, where the formulas written naively lose digits.
T_EXTREME = {"kl": [-50.0, 50.0], "reverse_kl": [-1e-12, -1e3], "pearson": [-1e3, 1e3],
             "squared_hellinger": [1 - 1e-9, -1e3], "jensen_shannon": [LOG2 - 1e-6, -50.0],
             "gan": [-1e-12, -0.5, -50.0]}


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_accurate_near_the_edges_of_its_domain(name):
    d, fstar = divergences.get(name), TABLE[name]["fstar"]
    for t in T_EXTREME[name]:
        assert float(d.conjugate(f64(t))) == pytest.approx(reference(fstar, t), rel=1e-9), (name, t)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
@pytest.mark.parametrize("name", NAMES)
def test_conjugate_gradient_is_finite_near_the_edges(name, dtype):
    t = np.array(T_EXTREME[name] + [-1e-8, LOG2 - 1e-6, 1 - 1e-6], dtype.as_numpy_dtype)
    t = tf.Variable(t[TABLE[name]["dom"](t.astype(np.float64))], dtype=dtype)
    with tf.GradientTape() as tape:
        value = divergences.get(name).conjugate(t)
    assert np.all(np.isfinite(value.numpy())) and np.all(np.isfinite(tape.gradient(value, t).numpy()))


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_inf_outside_its_domain_without_nan_gradients(name):
    d, row = divergences.get(name), TABLE[name]
    t = tf.Variable([-1e3, -2.0, 0.0, LOG2, 0.9999, 1.0, 2.0, 50.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        value = d.conjugate(t)
    grad = tape.gradient(value, t).numpy()
    inside = row["dom"](t.numpy())
    assert np.all(np.isposinf(value.numpy()[~inside]))
    assert np.all(np.isfinite(value.numpy()[inside]))
    assert not np.any(np.isnan(grad))


# P and Q on four points with probabilities in eighths, so a batch of 8 repeats each point exactly 8 p_i
# (resp. 8 q_i) times and the batch means in the loss are the exact expectations.
P = np.array([3, 1, 2, 2]) / 8
Q = np.array([1, 2, 4, 1]) / 8


def as_batch(values, probs):
    return tf.constant(np.repeat(values, (8 * probs).astype(int))[:, None], tf.float32)


def optimal_raw_output(name, p, q):
    row = TABLE[name]
    return row["g_inv"](row["fprime"](p / q))


@pytest.mark.parametrize("name", NAMES)
def test_optimal_critic_value_is_the_divergence_discrete(name):
    loss = losses.get(f"f_gan:{name}")
    v = optimal_raw_output(name, P, Q)
    estimate = -float(loss.critic_loss(as_batch(v, P), as_batch(v, Q)))
    assert estimate == pytest.approx(named_discrete(name)(P, Q), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_any_other_critic_gives_a_lower_bound(name):
    loss, true = losses.get(f"f_gan:{name}"), named_discrete(name)(P, Q)
    v_star = optimal_raw_output(name, P, Q)
    rng = np.random.default_rng(1)
    for _ in range(20):
        v = v_star + rng.normal(scale=0.5, size=4)
        estimate = -float(loss.critic_loss(as_batch(v, P), as_batch(v, Q)))
        assert estimate < true - 1e-6


MU_P, SD_P, MU_Q, SD_Q = 0.3, 1.0, -0.2, 1.2
GAUSSIAN_CLOSED_FORMS = {
    "kl": lambda: np.log(SD_Q / SD_P) + (SD_P ** 2 + (MU_P - MU_Q) ** 2) / (2 * SD_Q ** 2) - 0.5,
    "reverse_kl": lambda: np.log(SD_P / SD_Q) + (SD_Q ** 2 + (MU_P - MU_Q) ** 2) / (2 * SD_P ** 2) - 0.5,
    "pearson": lambda: (SD_Q ** 2 / (SD_P * np.sqrt(2 * SD_Q ** 2 - SD_P ** 2))
                        * np.exp((MU_P - MU_Q) ** 2 / (2 * SD_Q ** 2 - SD_P ** 2)) - 1),
    "squared_hellinger": lambda: 2 - 2 * np.sqrt(2 * SD_P * SD_Q / (SD_P ** 2 + SD_Q ** 2)) * np.exp(
        -(MU_P - MU_Q) ** 2 / (4 * (SD_P ** 2 + SD_Q ** 2))),
}


@pytest.mark.parametrize("name", sorted(GAUSSIAN_CLOSED_FORMS))
def test_optimal_critic_value_is_the_divergence_gaussian(name):
    """P = N(0.3, 1), Q = N(-0.2, 1.2²); expectations by 120-point Gauss-Hermite quadrature in float64."""
    d = divergences.get(name)
    nodes, weights = np.polynomial.hermite.hermgauss(120)
    weights = weights / np.sqrt(np.pi)

    def v_star(x):
        p, q = stats.norm(MU_P, SD_P).pdf(x), stats.norm(MU_Q, SD_Q).pdf(x)
        return optimal_raw_output(name, p, q)

    x_p, x_q = MU_P + np.sqrt(2) * SD_P * nodes, MU_Q + np.sqrt(2) * SD_Q * nodes
    value = (np.sum(weights * d.activation(f64(v_star(x_p))).numpy())
             - np.sum(weights * d.conjugate_of_activation(f64(v_star(x_q))).numpy()))
    assert value == pytest.approx(GAUSSIAN_CLOSED_FORMS[name](), rel=1e-9)


REAL = np.array([[1.5], [-0.3], [0.7], [2.0]])
FAKE = np.array([[-1.0], [0.4], [-2.5], [0.1]])


@pytest.mark.parametrize("name", NAMES)
def test_fgan_losses_match_formulas(name):
    row = TABLE[name]
    r, f = tf.constant(REAL, tf.float32), tf.constant(FAKE, tf.float32)
    critic_ref = -(row["g"](REAL).mean() - row["fstar"](row["g"](FAKE)).mean())
    alternative = losses.FGAN(name)
    saddle = losses.FGAN(name, generator="saddle")
    assert float(alternative.critic_loss(r, f)) == pytest.approx(critic_ref, rel=1e-5)
    assert float(saddle.critic_loss(r, f)) == pytest.approx(critic_ref, rel=1e-5)
    assert float(alternative.generator_loss(r, f)) == pytest.approx(-row["g"](FAKE).mean(), rel=1e-5)
    assert float(saddle.generator_loss(r, f)) == pytest.approx(-row["fstar"](row["g"](FAKE)).mean(), rel=1e-5)
    assert float(alternative.generator_loss(None, f)) == float(alternative.generator_loss(r, f))
    assert not alternative.needs_real_for_generator


def test_gan_divergence_is_goodfellows_game():
    """critic = -E log D(x) - E log(1 - D(G(z))); alternative = -E log D(G(z)); saddle = E log(1 - D(G(z)))."""
    sig = 1 / (1 + np.exp(-np.concatenate([REAL, FAKE])))
    d_real, d_fake = sig[:4], sig[4:]
    r, f = tf.constant(REAL, tf.float32), tf.constant(FAKE, tf.float32)
    assert float(losses.get("f_gan:gan").critic_loss(r, f)) == pytest.approx(
        -np.log(d_real).mean() - np.log(1 - d_fake).mean(), rel=1e-5)
    assert float(losses.get("f_gan:gan").generator_loss(r, f)) == pytest.approx(-np.log(d_fake).mean(), rel=1e-5)
    assert float(losses.FGAN("gan", "saddle").generator_loss(r, f)) == pytest.approx(
        np.log(1 - d_fake).mean(), rel=1e-5)


# (function, raw output) pairs whose true value is beyond float32 (|x| > 3.4e38): +-inf is the right answer.
OVERFLOWS = {"kl": {("conjugate_of_activation", 100.0)}, "reverse_kl": {("activation", -100.0)},
             "squared_hellinger": {("activation", -100.0), ("conjugate_of_activation", 100.0)}}
FLOAT32_MAX = float(np.finfo(np.float32).max)


@pytest.mark.parametrize("name", NAMES)
def test_large_raw_outputs_match_a_60_digit_reference(name):
    """The table's formulas lose everything to cancellation at large |v| in floats; the library must not."""
    d, row = divergences.get(name), TABLE[name]
    formulas = {"activation": row["g"], "conjugate_of_activation": lambda v: row["fstar"](row["g"](v))}
    overflowing = set()
    for fn, formula in formulas.items():
        for v in (-30.0, -15.0, 15.0, 30.0):
            assert float(getattr(d, fn)(f64(v))) == pytest.approx(reference(formula, v), rel=1e-12), (fn, v)
        for v in (-100.0, 100.0):
            value, ref = float(getattr(d, fn)(tf.constant(v, tf.float32))), reference(formula, v)
            if abs(ref) > FLOAT32_MAX:
                overflowing.add((fn, v))
                assert value == np.sign(ref) * np.inf, (fn, v)
            else:
                assert value == pytest.approx(ref, rel=1e-6), (fn, v)
    assert overflowing == OVERFLOWS.get(name, set())    # exactly the infinities the docstrings name


@pytest.mark.parametrize("name", ["gan", "jensen_shannon", "pearson"])
@pytest.mark.parametrize("generator", ["alternative", "saddle"])
def test_bounded_forms_have_finite_losses_and_gradients_at_logits_100(name, generator):
    loss = losses.FGAN(name, generator=generator)
    r = tf.Variable([[100.0], [-100.0]])
    f = tf.Variable([[-100.0], [100.0]])
    with tf.GradientTape(persistent=True) as tape:
        c, g = loss.critic_loss(r, f), loss.generator_loss(r, f)
    assert np.isfinite(float(c)) and np.isfinite(float(g))
    for grad in tape.gradient(c, [r, f]) + tape.gradient(g, [f]):
        assert np.all(np.isfinite(grad.numpy()))


@pytest.mark.parametrize("name", NAMES)
def test_all_forms_have_finite_losses_and_gradients_at_logits_30(name):
    loss = losses.FGAN(name)
    r = tf.Variable([[30.0], [-30.0]])
    f = tf.Variable([[-30.0], [30.0]])
    with tf.GradientTape(persistent=True) as tape:
        c, g = loss.critic_loss(r, f), loss.generator_loss(r, f)
    assert np.isfinite(float(c)) and np.isfinite(float(g))
    for grad in tape.gradient(c, [r, f]) + tape.gradient(g, [f]):
        assert np.all(np.isfinite(grad.numpy()))


def test_names_and_errors():
    loss = losses.get("f_gan:kl")
    assert isinstance(loss, losses.FGAN) and loss.name == "f_gan:kl" and loss.generator == "alternative"
    assert isinstance(loss.divergence, divergences.KL)
    assert repr(loss) == "FGAN(divergence='kl', generator='alternative')"
    with pytest.raises(ValueError, match=r"f_gan:kl.*Received: loss='f_gan:kld'") as err:
        losses.get("f_gan:kld")
    assert "wasserstein" in str(err.value)
    with pytest.raises(ValueError, match=r"jensen_shannon.*Received: divergence='js'"):
        losses.FGAN("js")
    with pytest.raises(ValueError, match=r"alternative, saddle\. Received: generator='minimax'"):
        losses.FGAN("kl", generator="minimax")
    instance = divergences.Pearson()
    assert divergences.get(instance) is instance
    assert losses.FGAN(instance, "saddle").name == "f_gan:pearson"


def test_gan_trains_one_step_with_an_f_gan_loss():
    gan = tg.GAN(mlp.generator(4, 2, width=8, depth=1), mlp.critic(2, width=8, depth=1), latent_dim=4,
                 loss="f_gan:jensen_shannon", penalty=None, n_critic=2, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    logs = gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1, verbose=0).history
    assert np.isfinite(logs["d_loss"][0]) and np.isfinite(logs["g_loss"][0])
