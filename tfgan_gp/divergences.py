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
divergences in float32 is roughly ``|v| < 88`` on the exponential side; the
GAN, Jensen-Shannon and Pearson forms are finite for every finite ``v``. The methods keep the input's dtype (float64 in, float64 out);
:class:`FGAN` computes in float32.

Register a new divergence by subclassing :class:`Divergence` and decorating it
with ``@register("name")``; it is then also the loss ``"f_gan:name"``
(:class:`tfgan_gp.losses.FGAN`).
"""
import math

import tensorflow as tf

from tfgan_gp.registry import Registry

_LOG2 = math.log(2.0)


def names():
    """The registered divergence names, sorted."""
    return _REGISTRY.names()


def get(identifier, **overrides):
    """A :class:`Divergence` by registered name (built with ``overrides``), or an instance passed through."""
    return _REGISTRY.get(identifier, **overrides)


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
        return f"{type(self).__name__}()"


_REGISTRY = Registry("divergence", instance_of=Divergence, instead="a tfgan_gp.divergences.Divergence instance")
register = _REGISTRY.register


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


@register("squared_hellinger")
class SquaredHellinger(Divergence):
    """Squared Hellinger ``∫ (√p - √q)²`` (no factor ½, as in the paper).

    ``f(u) = (√u - 1)²``, ``T* = 1 - √(q / p)``; ``g_f(v) = 1 - exp(-v)``,
    ``dom f* = {t < 1}``, ``f*(t) = t / (1 - t)``, ``f'(1) = 0``.
    ``g_f(v) = -expm1(-v)`` and ``f*(g_f(v)) = expm1(v)`` (= e^v - 1); they are
    infinite in float32 for ``v < ~-88.7`` (real term) and ``v > ~88.7`` (fake term).
    """

    critical_value = 0.0

    def activation(self, v):
        return -tf.math.expm1(-_float(v))

    def _in_domain(self, t):
        return t < 1

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
