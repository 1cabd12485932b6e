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


def power(x, a):
    """``x ** a`` for ``x >= 0`` (0 at 0), also for Decimal ``x``."""
    if isinstance(x, Decimal):
        return (x.ln() * Decimal(a)).exp() if x > 0 else Decimal(0)
    return np.power(x, a)


def maximum0(x):
    return max(Decimal(0), x) if isinstance(x, Decimal) else np.maximum(0.0, x)


def lambert_w(x):
    """The principal branch of Lambert's W (``w e^w = x``, ``x > 0``): scipy, or Halley's method for Decimal."""
    if not isinstance(x, Decimal):
        from scipy.special import lambertw
        return lambertw(x).real
    w = x.ln() - x.ln().ln() if x > 3 else x / (1 + x)
    for _ in range(200):
        e = w.exp()
        f = w * e - x
        step = f / (e * (w + 1) - (w + 2) * f / (2 * w + 2))
        w -= step
        if abs(step) < Decimal(10) ** -55 * max(abs(w), Decimal(1)):
            break
    return w


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
        "total_variation": lambda p, q: 0.5 * np.sum(np.abs(p - q)),
        "neyman": lambda p, q: np.sum((q - p) ** 2 / p),
        "jeffrey": lambda p, q: np.sum((p - q) * np.log(p / q)),
        "alpha": lambda p, q: alpha_discrete(p, q, DEFAULT_ALPHA),
    }[name]


def alpha_discrete(p, q, a):
    return (np.sum(p ** a * q ** (1 - a)) - 1) / (a * (a - 1))


DEFAULT_ALPHA = 1.5


def alpha_row(a):
    """Table 2's α-divergence row for ``a`` (``a < 1`` and ``a > 1`` have different output activations)."""
    def like(x):  # α as a Decimal when the argument is one
        return Decimal(repr(a)) if isinstance(x, Decimal) else a

    def fstar(t):
        b = like(t)
        return (power(maximum0(1 + (b - 1) * t), b / (b - 1)) - 1) / b

    def f(u):
        b = like(u)
        return (power(u, b) - 1 - b * (u - 1)) / (b * (b - 1))

    row = dict(f=f, fprime=lambda u: (power(u, a - 1) - 1) / (a - 1), fstar=fstar, fprime1=0.0)
    if a < 1:
        c = 1 / (1 - a)
        # g_f^{-1}(t) = -log(e^{c-t} - 1), written so that e^{c-t} cannot overflow in the Gaussian tails
        row.update(g=lambda v: c - log(1 + exp(-v)), dom=lambda t: t < c,
                   g_inv=lambda t: -(c - t) - np.log(-np.expm1(-(c - t))))
    else:
        row.update(g=lambda v: v, dom=lambda t: np.isfinite(t), g_inv=lambda t: t)
    return row


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
    "total_variation": dict(  # ½ tanh(v) written with exp, so it also takes Decimal; T* = ±½ needs v = ±inf
        f=lambda u: abs(u - 1) / 2, fprime=lambda u: np.sign(u - 1) / 2,
        g=lambda v: (1 - exp(-2 * v)) / (2 * (1 + exp(-2 * v))), fstar=lambda t: t,
        dom=lambda t: np.abs(t) <= 0.5, fprime1=0.0, g_inv=lambda t: np.arctanh(2 * np.asarray(t))),
    "neyman": dict(
        f=lambda u: (1 - u) ** 2 / u, fprime=lambda u: 1 - 1 / u ** 2,
        g=lambda v: 1 - exp(-v), fstar=lambda t: 2 - 2 * sqrt(1 - t), dom=lambda t: t < 1, fprime1=0.0,
        g_inv=lambda t: -log(1 - t)),
    "jeffrey": dict(
        f=lambda u: (u - 1) * log(u), fprime=lambda u: log(u) + 1 - 1 / u,
        g=lambda v: v, fstar=lambda t: lambert_w(exp(1 - t)) + 1 / lambert_w(exp(1 - t)) + t - 2,
        dom=lambda t: np.isfinite(t), fprime1=0.0, g_inv=lambda t: t),
    "alpha": alpha_row(DEFAULT_ALPHA),
}
NAMES = sorted(TABLE)
V_GRID = np.linspace(-6.0, 6.0, 49)
# Points inside each dom f*, for the Fenchel check (Pearson: u* = 1 + t/2 must be > 0, so t > -2).
T_POINTS = {"kl": [-1.0, 0.0, 1.0, 2.5], "reverse_kl": [-3.0, -1.0, -0.2], "pearson": [-1.5, 0.0, 1.0, 3.0],
            "squared_hellinger": [-2.0, 0.0, 0.5, 0.8], "jensen_shannon": [-2.0, 0.0, 0.5],
            "gan": [-3.0, -0.5, -0.1], "total_variation": [-0.4, 0.0, 0.3], "neyman": [-3.0, 0.0, 0.5, 0.9],
            "jeffrey": [-2.0, 0.0, 1.0, 3.0], "alpha": [-1.5, 0.0, 1.0, 3.0]}


def f64(x):
    return tf.constant(x, tf.float64)


def test_registry_holds_the_ten_paper_divergences():
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
             "gan": [-1e-12, -0.5, -50.0], "total_variation": [-0.5, 0.5], "neyman": [1 - 1e-9, -1e3, 1e-10],
             "jeffrey": [-1e3, 50.0, 1e-6], "alpha": [-1e3, 1e3, -2.0]}


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


def optimal_raw_output(name, p, q, row=None):
    row = row or TABLE[name]
    with np.errstate(divide="ignore"):  # total variation: arctanh(±1) = ±inf
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
    v_star = np.where(np.isfinite(v_star), v_star, 3.0 * np.sign(v_star))  # total variation's optimum is at ±inf
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
    "neyman": lambda: (SD_P ** 2 / (SD_Q * np.sqrt(2 * SD_P ** 2 - SD_Q ** 2))
                       * np.exp((MU_P - MU_Q) ** 2 / (2 * SD_P ** 2 - SD_Q ** 2)) - 1),
    "jeffrey": lambda: GAUSSIAN_CLOSED_FORMS["kl"]() + GAUSSIAN_CLOSED_FORMS["reverse_kl"](),
    "alpha": lambda: gaussian_alpha(DEFAULT_ALPHA),
}


def gaussian_alpha(a):
    """D_α(N(μ_P, σ_P²) || N(μ_Q, σ_Q²)) = (∫ p^α q^{1-α} - 1) / (α(α-1)), the integral in closed form."""
    var = a * SD_Q ** 2 + (1 - a) * SD_P ** 2
    integral = SD_P ** (1 - a) * SD_Q ** a / np.sqrt(var) * np.exp(-a * (1 - a) * (MU_P - MU_Q) ** 2 / (2 * var))
    return (integral - 1) / (a * (a - 1))


def gauss_hermite_value(d, name, row=None):
    """E_P[g_f(v*)] - E_Q[f*(g_f(v*))] for P = N(0.3, 1), Q = N(-0.2, 1.2²) by 120-point Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite.hermgauss(120)
    weights = weights / np.sqrt(np.pi)

    def v_star(x):
        p, q = stats.norm(MU_P, SD_P).pdf(x), stats.norm(MU_Q, SD_Q).pdf(x)
        return optimal_raw_output(name, p, q, row)

    x_p, x_q = MU_P + np.sqrt(2) * SD_P * nodes, MU_Q + np.sqrt(2) * SD_Q * nodes
    return (np.sum(weights * d.activation(f64(v_star(x_p))).numpy())
            - np.sum(weights * d.conjugate_of_activation(f64(v_star(x_q))).numpy()))


@pytest.mark.parametrize("name", sorted(GAUSSIAN_CLOSED_FORMS))
def test_optimal_critic_value_is_the_divergence_gaussian(name):
    """P = N(0.3, 1), Q = N(-0.2, 1.2²); expectations by 120-point Gauss-Hermite quadrature in float64."""
    value = gauss_hermite_value(divergences.get(name), name)
    assert value == pytest.approx(GAUSSIAN_CLOSED_FORMS[name](), rel=1e-9)


def test_optimal_critic_value_is_the_total_variation_gaussian():
    """TV(P, Q) = P(A) - Q(A) on A = {p > q} = (x₁, x₂), between the roots of log p = log q (σ_P < σ_Q).

    The optimal critic ½ sign(p - q) jumps at x₁, x₂, so the expectations are integrated piecewise
    (Gauss-Legendre on [-12, x₁], [x₁, x₂], [x₂, 12]; the tails beyond hold < 1e-20).
    """
    a = 1 / (2 * SD_Q ** 2) - 1 / (2 * SD_P ** 2)
    b = MU_P / SD_P ** 2 - MU_Q / SD_Q ** 2
    c = MU_Q ** 2 / (2 * SD_Q ** 2) - MU_P ** 2 / (2 * SD_P ** 2) + np.log(SD_Q / SD_P)
    x1, x2 = sorted(np.roots([a, b, c]).real)
    P, Q = stats.norm(MU_P, SD_P), stats.norm(MU_Q, SD_Q)
    closed_form = (P.cdf(x2) - P.cdf(x1)) - (Q.cdf(x2) - Q.cdf(x1))

    d, nodes, weights = divergences.get("total_variation"), *np.polynomial.legendre.leggauss(100)
    value = 0.0
    for lo, hi in ((-12.0, x1), (x1, x2), (x2, 12.0)):
        x, w = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo), 0.5 * (hi - lo) * weights
        v = optimal_raw_output("total_variation", P.pdf(x), Q.pdf(x))
        assert np.all(np.isinf(v))                          # ±inf: tanh saturated, T* = ±½
        value += np.sum(w * (P.pdf(x) * d.activation(f64(v)).numpy()
                             - Q.pdf(x) * d.conjugate_of_activation(f64(v)).numpy()))
    assert value == pytest.approx(closed_form, rel=1e-12)
    assert 0.05 < closed_form < 0.5


ALPHAS = (-0.5, 0.3, 0.5, 2.0, 3.0)


@pytest.mark.parametrize("a", ALPHAS)
def test_alpha_divergence_for_both_rows_of_table_2(a):
    """Each α: g_f, f*(g_f) and f* as Table 2; f* is the Fenchel conjugate; the optimal critic reaches the
    closed-form Gaussian D_α."""
    d, row = divergences.get("alpha", alpha=a), alpha_row(a)
    np.testing.assert_allclose(d.activation(f64(V_GRID)).numpy(), row["g"](V_GRID), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d.conjugate_of_activation(f64(V_GRID)).numpy(), row["fstar"](row["g"](V_GRID)),
                               rtol=1e-10, atol=1e-12)
    for t in row["g"](np.array([-0.4, 0.0, 0.7, 2.0])):   # inside 1 + (α-1)t > 0, where the sup is inside u > 0
        res = optimize.minimize_scalar(lambda s: -(np.exp(s) * t - row["f"](np.exp(s))), bounds=(-20, 20),
                                       method="bounded", options={"xatol": 1e-12})
        assert float(d.conjugate(f64(t))) == pytest.approx(-res.fun, rel=1e-8, abs=1e-9), (a, t)
    assert gauss_hermite_value(d, "alpha", row) == pytest.approx(gaussian_alpha(a), rel=1e-8)
    assert -float(losses.get("f_gan:alpha", alpha=a).critic_loss(
        as_batch(optimal_raw_output("alpha", P, Q, row), P), as_batch(optimal_raw_output("alpha", P, Q, row), Q))
    ) == pytest.approx(alpha_discrete(P, Q, a), rel=1e-5)


def test_alpha_divergence_special_cases_and_errors():
    """α = 2: ½ Pearson; α = ½: 2 × squared Hellinger; α = -1: ½ Neyman (closed forms above)."""
    assert gaussian_alpha(2.0) == pytest.approx(GAUSSIAN_CLOSED_FORMS["pearson"]() / 2, rel=1e-12)
    assert gaussian_alpha(0.5) == pytest.approx(2 * GAUSSIAN_CLOSED_FORMS["squared_hellinger"](), rel=1e-12)
    assert gaussian_alpha(-1.0) == pytest.approx(GAUSSIAN_CLOSED_FORMS["neyman"]() / 2, rel=1e-12)
    assert divergences.get("alpha").alpha == DEFAULT_ALPHA
    assert repr(losses.get("f_gan:alpha", alpha=0.5)) == "FGAN(divergence='alpha', generator='alternative', alpha=0.5)"
    for bad in (0, 1, 1.0, float("nan"), "2"):
        with pytest.raises(ValueError, match=r"alpha must be a finite number other than 0 and 1 .*Received: alpha="):
            divergences.get("alpha", alpha=bad)
    with pytest.raises(ValueError, match=r"The divergence 'kl' takes no argument alpha"):
        losses.get("f_gan:kl", alpha=2.0)


def test_jeffrey_conjugate_and_its_gradient_match_lambert_w():
    """f*(t) = W + 1/W + t - 2 with W = W(e^{1-t}), and f*'(t) = 1/W, from t = -1000 to 80 in float64."""
    t = np.concatenate([-np.logspace(3, -6, 40), [0.0], np.logspace(-6, np.log10(80), 40)])
    variable = tf.Variable(t)
    with tf.GradientTape() as tape:
        value = divergences.get("jeffrey").conjugate(variable)
    w = np.array([float(lambert_w(Decimal(1 - x).exp())) for x in t])
    np.testing.assert_allclose(value.numpy(), [reference(TABLE["jeffrey"]["fstar"], x) for x in t], rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(tape.gradient(value, variable).numpy(), 1 / w, rtol=1e-12)


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
             "squared_hellinger": {("activation", -100.0), ("conjugate_of_activation", 100.0)},
             "neyman": {("activation", -100.0)}, "jeffrey": {("conjugate_of_activation", 100.0)}}
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
