"""f-divergences for f-GAN (Nowozin, Cseke & Tomioka 2016, arXiv 1606.00709).

An f-divergence is ``D_f(P || Q) = ∫ q(x) f(p(x) / q(x)) dx`` for a convex ``f``
with ``f(1) = 0``. Its variational lower bound (the paper's eq. 4)

    D_f(P || Q) >= sup_T  E_P[T(x)] - E_Q[f*(T(x))]

is tight at ``T*(x) = f'(p(x) / q(x))``, where ``f*(t) = sup_u u t - f(u)`` is
the Fenchel conjugate. f-GAN writes the critic as ``T(x) = g_f(V(x))``: ``V`` is
the network's raw, unbounded output and the output activation ``g_f`` maps it
into ``dom f*``. The critic maximises

    F = E_P[g_f(V(x))] - E_Q[f*(g_f(V(x)))]                     (paper eq. 6)

so at its optimum ``F`` equals ``D_f(P || Q)`` (P = data, Q = generator).

Each :class:`Divergence` below gives ``f`` (paper Table 1), ``g_f``, ``dom f*``,
``f*`` and the critical value ``f'(1)`` (Table 2: ``T(x) > f'(1)`` reads as
"real"), and the composition ``f*(g_f(v))`` in a closed, overflow-safe form
(``softplus`` for ``log(1 + e^v)``, ``expm1`` for ``e^v - 1``). Where ``g_f`` or
``f*(g_f)`` is exponential in ``v`` (KL, reverse KL, squared Hellinger) the
value itself exceeds the float32 range beyond ``|v|`` of about 88 and comes out
as ``±inf`` (never NaN), so the loss is ``+inf`` there: the domain of those
divergences in float32 is roughly ``|v| < 88`` on the exponential side (so for
Neyman χ², Jeffrey and the α-divergence with ``0 < α < 1``, each docstring says
where); the GAN, Jensen-Shannon, Pearson and total variation forms are finite for
every finite ``v``. The methods keep the input's dtype (float64 in, float64 out);
:class:`FGAN` computes in float32.

All ten rows of Table 2 are here: total variation, KL, reverse KL, Pearson χ²,
Neyman χ², squared Hellinger, Jeffrey, Jensen-Shannon, GAN and the α-divergence
(``get("alpha", alpha=...)``; its two rows, ``α < 1`` and ``α > 1``, are one class).

Register a new divergence by subclassing :class:`Divergence` and decorating it
with ``@register("name")``; it is then also the loss ``"f_gan:name"``
(:class:`tfgan_gp.losses.FGAN`).
"""
import math

import tensorflow as tf

from tfgan_gp.registry import Registry

_LOG2 = math.log(2.0)


def _float(x):
    """``x`` as a floating-point tensor, keeping a float dtype and making integers float32."""
    x = tf.convert_to_tensor(x)
    return x if x.dtype.is_floating else tf.cast(x, tf.float32)


def _log1mexp(x):
    """``log(1 - exp(x))`` for ``x < 0``, accurate at both ends (Mächler 2012: expm1 near 0, log1p far).

    Each branch sees its input clamped to its own side of ``-log 2``, so the branch
    ``tf.where`` discards cannot put ``0 * inf = NaN`` into the gradient.
    """
    near = tf.math.log(-tf.math.expm1(tf.maximum(x, -_LOG2)))
    far = tf.math.log1p(-tf.exp(tf.minimum(x, -_LOG2)))
    return tf.where(x > -_LOG2, near, far)


class Divergence:
    """One row of Nowozin et al. 2016, Tables 1 and 2.

    Subclasses define ``activation`` (``g_f``), ``_conjugate`` (``f*`` on its
    domain), ``_in_domain`` (``dom f*``; default: all reals),
    ``conjugate_of_activation`` (``f*(g_f(v))``, simplified) and
    ``critical_value`` (``f'(1)``).
    """

    name = None
    critical_value = None

    def activation(self, v):
        """``g_f(v)``: maps the critic's raw output into ``dom f*``."""
        raise NotImplementedError

    def conjugate_of_activation(self, v):
        """``f*(g_f(v))`` simplified by hand: no cancellation, finite wherever the value fits the dtype."""
        raise NotImplementedError

    def _conjugate(self, t):
        raise NotImplementedError

    def _in_domain(self, t):
        return tf.ones_like(t, dtype=tf.bool)

    def parameters(self):
        """The divergence's own arguments (``{}`` for all but the α-divergence), for reprs and logs."""
        return {}

    def conjugate(self, t):
        """Fenchel conjugate ``f*(t)``; ``+inf`` outside ``dom f*`` (where the sup is unbounded).

        Points outside the domain are swapped for ``f'(1)`` (always inside it)
        before the formula is evaluated, so neither values nor gradients are NaN.
        """
        t = _float(t)
        inside = self._in_domain(t)
        safe = tf.where(inside, t, tf.cast(self.critical_value, t.dtype))
        return tf.where(inside, self._conjugate(safe), tf.constant(math.inf, t.dtype))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.parameters().items())
        return f"{type(self).__name__}({args})"


REGISTRY = Registry("divergence", instance_of=Divergence, instead="a tfgan_gp.divergences.Divergence instance")
names, get, register = REGISTRY.names, REGISTRY.get, REGISTRY.register


@register("kl")
class KL(Divergence):
    """Kullback-Leibler ``KL(P || Q) = ∫ p log(p / q)``.

    ``f(u) = u log u``, ``T* = 1 + log(p / q)``; ``g_f(v) = v``, ``dom f* = R``,
    ``f*(t) = exp(t - 1)``, ``f'(1) = 1``. ``f*(g_f(v)) = exp(v - 1)`` is +inf in
    float32 for ``v > ~89.7``: the fake-sample term overflows there.
    """

    critical_value = 1.0

    def activation(self, v):
        return _float(v)

    def _conjugate(self, t):
        return tf.exp(t - 1.0)

    def conjugate_of_activation(self, v):
        return tf.exp(_float(v) - 1.0)


@register("reverse_kl")
class ReverseKL(Divergence):
    """Reverse Kullback-Leibler ``KL(Q || P) = ∫ q log(q / p)``.

    ``f(u) = -log u``, ``T* = -q / p``; ``g_f(v) = -exp(-v)``, ``dom f* = R_-``
    (``t < 0``), ``f*(t) = -1 - log(-t)``, ``f'(1) = -1``.
    ``f*(g_f(v)) = v - 1`` exactly. ``g_f(v)`` is -inf in float32 for
    ``v < ~-88.7``: the real-sample term overflows there.
    """

    critical_value = -1.0

    def activation(self, v):
        return -tf.exp(-_float(v))

    def _in_domain(self, t):
        return t < 0

    def _conjugate(self, t):
        return -1.0 - tf.math.log(-t)

    def conjugate_of_activation(self, v):
        return _float(v) - 1.0


@register("pearson")
class Pearson(Divergence):
    """Pearson chi-squared ``χ²(P || Q) = ∫ (p - q)² / q``.

    ``f(u) = (u - 1)²``, ``T* = 2 (p / q - 1)``; ``g_f(v) = v``, ``dom f* = R``,
    ``f*(t) = t² / 4 + t``, ``f'(1) = 0``. Finite for every finite ``v``.
    """

    critical_value = 0.0

    def activation(self, v):
        return _float(v)

    def _conjugate(self, t):
        return 0.25 * tf.square(t) + t

    def conjugate_of_activation(self, v):
        return self._conjugate(_float(v))


class _BelowOne(Divergence):
    """Rows of Table 2 with ``g_f(v) = 1 - exp(-v)`` onto ``dom f* = {t < 1}`` and ``f'(1) = 0``."""

    critical_value = 0.0

    def activation(self, v):
        return -tf.math.expm1(-_float(v))

    def _in_domain(self, t):
        return t < 1


@register("squared_hellinger")
class SquaredHellinger(_BelowOne):
    """Squared Hellinger ``∫ (√p - √q)²`` (no factor ½, as in the paper).

    ``f(u) = (√u - 1)²``, ``T* = 1 - √(q / p)``; ``g_f(v) = 1 - exp(-v)``,
    ``dom f* = {t < 1}``, ``f*(t) = t / (1 - t)``, ``f'(1) = 0``.
    ``g_f(v) = -expm1(-v)`` and ``f*(g_f(v)) = expm1(v)`` (= e^v - 1); they are
    infinite in float32 for ``v < ~-88.7`` (real term) and ``v > ~88.7`` (fake term).
    """

    def _conjugate(self, t):
        return t / (1.0 - t)

    def conjugate_of_activation(self, v):
        return tf.math.expm1(_float(v))


@register("jensen_shannon")
class JensenShannon(Divergence):
    """Jensen-Shannon, as the paper's ``f`` and ``f*`` define it: ``KL(P || M) + KL(Q || M)``, M = (P + Q) / 2.

    ``f(u) = -(u + 1) log((1 + u) / 2) + u log u``, ``T* = log(2p / (p + q))``;
    ``g_f(v) = log 2 - log(1 + exp(-v))``, ``dom f* = {t < log 2}``,
    ``f*(t) = -log(2 - exp(t))``, ``f'(1) = 0``.

    Deviation (a factor): Table 1 writes the divergence with a leading ½, i.e.
    the usual ``JSD = ½ KL(P || M) + ½ KL(Q || M)``, but its ``f`` and Table 2's
    conjugate give ``D_f = 2 JSD`` (in nats). We keep the paper's ``f``/``f*``
    (the objective that is trained), so the optimal critic's value is ``2 JSD``.

    ``g_f(v) = log 2 - softplus(-v)``, ``f*(g_f(v)) = softplus(v) - log 2``:
    finite for every finite ``v``.
    """

    critical_value = 0.0

    def activation(self, v):
        return _LOG2 - tf.nn.softplus(-_float(v))

    def _in_domain(self, t):
        return t < _LOG2

    def _conjugate(self, t):
        return -_LOG2 - _log1mexp(t - _LOG2)    # = -log(2 - e^t)

    def conjugate_of_activation(self, v):
        return tf.nn.softplus(_float(v)) - _LOG2


@register("gan")
class GANDivergence(Divergence):
    """The GAN divergence ``∫ p log(2p / (p + q)) + q log(2q / (p + q)) - log 4 = 2 JSD - log 4``.

    ``f(u) = u log u - (u + 1) log(u + 1)``, ``T* = log(p / (p + q))``;
    ``g_f(v) = -log(1 + exp(-v)) = log σ(v)``, ``dom f* = R_-`` (``t < 0``),
    ``f*(t) = -log(1 - exp(t))``, ``f'(1) = -log 2``.
    ``f*(g_f(v)) = softplus(v) = -log(1 - σ(v))``, so ``F`` is Goodfellow et al.'s
    ``E_P[log D] + E_Q[log(1 - D)]`` with ``D = σ(v)``; finite for every finite ``v``.
    """

    critical_value = -_LOG2

    def activation(self, v):
        return -tf.nn.softplus(-_float(v))

    def _in_domain(self, t):
        return t < 0

    def _conjugate(self, t):
        return -_log1mexp(t)                     # = -log(1 - e^t)

    def conjugate_of_activation(self, v):
        return tf.nn.softplus(_float(v))


@register("total_variation")
class TotalVariation(Divergence):
    """Total variation ``TV(P, Q) = ½ ∫ |p - q|``.

    ``f(u) = ½|u - 1|``, ``T* = ½ sign(p / q - 1)``; ``g_f(v) = ½ tanh(v)``,
    ``dom f* = {|t| ≤ ½}``, ``f*(t) = t``, ``f'(1) = 0`` (``f`` has a kink at 1;
    0 is a subgradient). ``f*(g_f(v)) = ½ tanh(v)``: finite for every ``v``; the
    optimal critic is reached only as ``v → ±∞`` (tanh saturated).
    """

    critical_value = 0.0

    def activation(self, v):
        return 0.5 * tf.tanh(_float(v))

    def _in_domain(self, t):
        return tf.abs(t) <= 0.5

    def _conjugate(self, t):
        return tf.identity(t)

    def conjugate_of_activation(self, v):
        return 0.5 * tf.tanh(_float(v))


@register("neyman")
class Neyman(_BelowOne):
    """Neyman chi-squared ``χ²_N(P || Q) = ∫ (q - p)² / p`` (Pearson's with P and Q swapped).

    ``f(u) = (1 - u)² / u``, ``T* = 1 - (q / p)²``; ``g_f(v) = 1 - exp(-v)``,
    ``dom f* = {t < 1}``, ``f*(t) = 2 - 2 √(1 - t)``, ``f'(1) = 0``.
    Computed as ``f*(t) = 2t / (1 + √(1 - t))`` (no cancellation near 0),
    ``g_f(v) = -expm1(-v)`` and ``f*(g_f(v)) = -2 expm1(-v / 2)``; ``g_f(v)`` is -inf
    in float32 for ``v < ~-88.7`` (real term), ``f*(g_f(v))`` for ``v < ~-177``.
    """

    def _conjugate(self, t):
        return 2.0 * t / (1.0 + tf.sqrt(1.0 - t))

    def conjugate_of_activation(self, v):
        return -2.0 * tf.math.expm1(-0.5 * _float(v))


_LAMBERT_NEWTON_STEPS = 6


@tf.custom_gradient
def _log_lambert_w_of_exp(s):
    """``ℓ = log W(e^s)`` (principal branch), the root of ``ℓ + e^ℓ = s``, for any real ``s``.

    Newton's method from ``log(s - log s)`` (``s > 1``) or ``s - e^s`` (``s ≤ 1``); six steps
    reach full float64 precision from every start (checked against ``scipy.special.lambertw``).
    Working with ``log W`` keeps ``W(e^s)`` usable where ``e^s`` over- or underflows.
    Gradient: ``dℓ/ds = 1 / (1 + W)``.
    """
    big = s > 1.0
    s_big = tf.where(big, s, tf.ones_like(s) * 2.0)
    l = tf.where(big, tf.math.log(s_big - tf.math.log(s_big)), s - tf.exp(tf.minimum(s, 1.0)))
    for _ in range(_LAMBERT_NEWTON_STEPS):
        w = tf.exp(l)
        l = l - (l + w - s) / (1.0 + w)

    def grad(upstream):
        return upstream / (1.0 + tf.exp(l))

    return l, grad


@register("jeffrey")
class Jeffrey(Divergence):
    """Jeffrey ``KL(P || Q) + KL(Q || P) = ∫ (p - q) log(p / q)``.

    ``f(u) = (u - 1) log u``, ``T* = 1 + log(p / q) - q / p``; ``g_f(v) = v``,
    ``dom f* = R``, ``f*(t) = W(e^{1-t}) + 1 / W(e^{1-t}) + t - 2`` (``W``: Lambert's
    W function), ``f'(1) = 0``. With ``ℓ = log W(e^{1-t})`` (``ℓ + e^ℓ = 1 - t``) this is
    ``f*(t) = e^{-ℓ} - 1 - ℓ = expm1(-ℓ) - ℓ``, a sum of terms of one sign (no
    cancellation); ``f*'(t) = 1 / W(e^{1-t})``. ``f*(g_f(v))`` is +inf in float32 for
    ``v > ~89.7`` (it grows as ``e^{v-1}``, like KL's).
    """

    critical_value = 0.0

    def activation(self, v):
        return _float(v)

    def _conjugate(self, t):
        l = _log_lambert_w_of_exp(1.0 - t)
        return tf.math.expm1(-l) - l

    def conjugate_of_activation(self, v):
        return self._conjugate(_float(v))


def _log_softplus(x):
    """``log(softplus(x)) = log(log(1 + e^x))``, accurate where ``softplus(x)`` underflows (``x < -20``)."""
    far = x < -20.0
    near = tf.math.log(tf.nn.softplus(tf.maximum(x, -20.0)))
    tail = tf.minimum(x, -20.0)
    return tf.where(far, tail - 0.5 * tf.exp(tail), near)   # log(e^x (1 - e^x / 2 + ...)), error O(e^{2x})


@register("alpha")
class Alpha(Divergence):
    """The α-divergence ``D_α(P || Q) = (∫ p^α q^{1-α} - 1) / (α(α - 1))``, ``α ∉ {0, 1}``.

    ``f(u) = (u^α - 1 - α(u - 1)) / (α(α - 1))``, ``T* = ((p / q)^{α-1} - 1) / (α - 1)``,
    ``f'(1) = 0``, ``f*(t) = ((1 + (α - 1)t)^{α/(α-1)} - 1) / α``. Table 2's two rows:

    * ``α < 1``: ``g_f(v) = 1 / (1 - α) - log(1 + e^{-v})``, ``dom f* = {t < 1 / (1 - α)}``;
      ``f*(g_f(v)) = (((1 - α) softplus(-v))^{α/(α-1)} - 1) / α``, computed in logs. For
      ``0 < α < 1`` it grows as ``e^{vα/(1-α)}`` and is +inf in float32 beyond
      ``v ≈ 88.7 (1 - α) / α``.
    * ``α > 1``: ``g_f(v) = v``, ``dom f* = R``; where ``1 + (α - 1)t ≤ 0`` the power is
      taken as 0 (``f*(t) = -1 / α``: the exact conjugate of ``f`` on ``u ≥ 0``, where
      Table 2's formula is undefined). Polynomial growth: finite for every finite ``v``.

    ``α = 2`` is half of Pearson χ², ``α = -1`` half of Neyman χ², ``α = ½`` twice the
    squared Hellinger distance; ``α → 1`` tends to KL and ``α → 0`` to reverse KL.

    Args:
        alpha: α (default 1.5, our choice: a member between KL and Pearson χ² that the
            other rows do not cover, with the polynomial, overflow-free ``α > 1`` form).
    """

    critical_value = 0.0

    def __init__(self, alpha=1.5):
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha) \
                or alpha in (0, 1):
            raise ValueError(f"alpha must be a finite number other than 0 and 1 (those limits are reverse KL and "
                             f"KL). Received: alpha={alpha!r}")
        self.alpha = float(alpha)

    def parameters(self):
        return {"alpha": self.alpha}

    @property
    def _power(self):
        return self.alpha / (self.alpha - 1.0)

    def activation(self, v):
        v = _float(v)
        if self.alpha < 1:
            return 1.0 / (1.0 - self.alpha) - tf.nn.softplus(-v)
        return v

    def _in_domain(self, t):
        if self.alpha < 1:
            return t < 1.0 / (1.0 - self.alpha)
        return tf.ones_like(t, dtype=tf.bool)

    def _conjugate(self, t):
        base = 1.0 + (self.alpha - 1.0) * t
        positive = base > 0
        log_base = tf.math.log1p((self.alpha - 1.0) * tf.where(positive, t, tf.zeros_like(t)))
        value = tf.math.expm1(self._power * log_base) / self.alpha
        return tf.where(positive, value, -tf.ones_like(t) / self.alpha)

    def conjugate_of_activation(self, v):
        v = _float(v)
        if self.alpha > 1:
            return self._conjugate(v)
        log_base = math.log(1.0 - self.alpha) + _log_softplus(-v)
        return tf.math.expm1(self._power * log_base) / self.alpha
