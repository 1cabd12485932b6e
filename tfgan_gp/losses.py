"""Adversarial losses, as pairs (critic loss, generator loss) of the critic's raw outputs.

Every loss takes the critic's outputs on a real batch and on a fake batch
(unbounded scores / logits, any shape ``(B, 1)`` or ``(B,)``) and returns a
scalar float32. Log-probabilities are written with ``softplus`` so that logits
of ±100 stay finite: ``-log σ(x) = softplus(-x)``, ``-log(1 - σ(x)) = softplus(x)``.

Register a new loss by subclassing :class:`Loss` and decorating it with
``@register("name")``; ``get(name)`` then finds it. Every divergence of
:mod:`tfgan_gp.divergences` is also the loss ``"f_gan:<divergence>"`` (:class:`FGAN`).
"""
import tensorflow as tf

from tfgan_gp import divergences
from tfgan_gp.registry import Registry

F_GAN_PREFIX = "f_gan:"


def names():
    """The registered loss names and the ``f_gan:<divergence>`` losses, sorted."""
    return sorted(_REGISTRY.names() + [F_GAN_PREFIX + name for name in divergences.names()])


def get(identifier, **overrides):
    """A :class:`Loss` by name (built with ``overrides``), or an instance passed through.

    ``"f_gan:<divergence>"`` gives :class:`FGAN` with the paper's alternative
    generator update (``generator="saddle"`` as an override gives the other).
    """
    if isinstance(identifier, str) and identifier not in names():
        raise _REGISTRY.unknown(identifier, names())
    divergence = isinstance(identifier, str) and divergence_of(identifier)
    if divergence:
        return FGAN(divergence, **overrides)
    return _REGISTRY.get(identifier, **overrides)


def divergence_of(name):
    """The divergence name of an ``f_gan:<divergence>`` loss name, else ``None``."""
    return name[len(F_GAN_PREFIX):] if name.startswith(F_GAN_PREFIX) else None


def _mean(x):
    return tf.reduce_mean(tf.cast(x, tf.float32))


def _f32(x):
    return tf.cast(x, tf.float32)


class Loss:
    """An adversarial game: what the critic minimises and what the generator minimises.

    ``needs_real_for_generator`` tells the training step whether
    ``generator_loss`` reads ``real_out`` (relativistic losses do), so that the
    critic is not run on real data for nothing.

    ``needs_samples`` tells it whether ``critic_loss`` also reads the samples the
    outputs were computed on, as keywords ``real`` and ``fake`` (the loss-sensitive
    GAN's margin is a distance between them). Callers go through
    :meth:`critic_objective`, which passes the samples on only to such losses, so
    every other loss keeps the two-argument ``critic_loss(real_out, fake_out)``.

    ``decision_boundary`` is the raw critic score that separates "real" from "fake" (0 for logits and
    the hinge loss), ``None`` where the score has no fixed zero (Wasserstein, relativistic): ADA's
    overfitting heuristic ``sign(D(x))`` reads it (:class:`tfgan_gp.augment.AdaptiveAugment`).
    """

    name = None
    needs_real_for_generator = False
    needs_samples = False
    decision_boundary = None

    def critic_loss(self, real_out, fake_out):
        raise NotImplementedError

    def critic_objective(self, real_out, fake_out, real=None, fake=None):
        """``critic_loss(real_out, fake_out)``, given ``real=real, fake=fake`` too if the loss ``needs_samples``."""
        if self.needs_samples:
            return self.critic_loss(real_out, fake_out, real=real, fake=fake)
        return self.critic_loss(real_out, fake_out)

    def generator_loss(self, real_out, fake_out):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


_REGISTRY = Registry("loss", instance_of=Loss, instead="a tfgan_gp.losses.Loss instance")
register = _REGISTRY.register


@register("minimax")
class Minimax(Loss):
    """The original saturating game (Goodfellow et al. 2014, eq. 1), on logits.

    critic: ``-E[log D(x)] - E[log(1 - D(G(z)))]``; generator: ``E[log(1 - D(G(z)))]``
    with ``D = σ(logit)``, no constant added (its minimum is ``-inf`` as D(G(z)) → 1).
    """

    decision_boundary = 0.0

    def critic_loss(self, real_out, fake_out):
        return _mean(tf.nn.softplus(-_f32(real_out))) + _mean(tf.nn.softplus(_f32(fake_out)))

    def generator_loss(self, real_out, fake_out):
        return -_mean(tf.nn.softplus(_f32(fake_out)))


@register("non_saturating")
class NonSaturating(Minimax):
    """Goodfellow et al. 2014, §3: the generator maximises ``log D(G(z))`` instead.

    critic as :class:`Minimax`; generator: ``-E[log D(G(z))] = E[softplus(-logit)]``.
    """

    def generator_loss(self, real_out, fake_out):
        return _mean(tf.nn.softplus(-_f32(fake_out)))


@register("wasserstein")
class Wasserstein(Loss):
    """WGAN (Arjovsky et al. 2017; Gulrajani et al. 2017, eq. 3 without the penalty).

    critic: ``E[D(G(z))] - E[D(x)]``; generator: ``-E[D(G(z))]``. The negative
    critic loss is the estimate of the Wasserstein-1 distance when D is 1-Lipschitz.
    """

    def critic_loss(self, real_out, fake_out):
        return _mean(fake_out) - _mean(real_out)

    def generator_loss(self, real_out, fake_out):
        return -_mean(fake_out)


@register("least_squares")
class LeastSquares(Loss):
    """LSGAN (Mao et al. 2017, eq. 2) with the 0-1 coding a=0, b=c=1.

    critic: ``½E[(D(x) - 1)²] + ½E[D(G(z))²]``; generator: ``½E[(D(G(z)) - 1)²]``.
    """

    decision_boundary = 0.5

    def critic_loss(self, real_out, fake_out):
        return 0.5 * _mean(tf.square(_f32(real_out) - 1.0)) + 0.5 * _mean(tf.square(_f32(fake_out)))

    def generator_loss(self, real_out, fake_out):
        return 0.5 * _mean(tf.square(_f32(fake_out) - 1.0))


@register("hinge")
class Hinge(Loss):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018, SNGAN eq. 16-17).

    critic: ``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``; generator: ``-E[D(G(z))]``.
    """

    decision_boundary = 0.0

    def critic_loss(self, real_out, fake_out):
        return _mean(tf.nn.relu(1.0 - _f32(real_out))) + _mean(tf.nn.relu(1.0 + _f32(fake_out)))

    def generator_loss(self, real_out, fake_out):
        return -_mean(fake_out)


@register("relativistic")
class Relativistic(Loss):
    """RSGAN (Jolicoeur-Martineau 2018, eq. 10-11): real and fake samples paired.

    critic: ``-E[log σ(C(x) - C(G(z)))]``; generator: ``-E[log σ(C(G(z)) - C(x))]``.
    The pairing is element-wise, so real and fake batches must have the same size.
    """

    needs_real_for_generator = True

    def critic_loss(self, real_out, fake_out):
        return _mean(tf.nn.softplus(-(_f32(real_out) - _f32(fake_out))))

    def generator_loss(self, real_out, fake_out):
        return _mean(tf.nn.softplus(-(_f32(fake_out) - _f32(real_out))))


@register("relativistic_average")
class RelativisticAverage(Loss):
    """RaSGAN (Jolicoeur-Martineau 2018, eq. 12-13): compare with the other side's mean.

    critic: ``-E_x[log σ(C(x) - E C(G(z)))] - E_z[log(1 - σ(C(G(z)) - E C(x)))]``;
    generator: the same with real and fake swapped. Under ``tf.distribute`` the means
    ``E C(·)`` are each replica's own (a per-replica estimate of the global mean).
    """

    needs_real_for_generator = True

    def _pair(self, a, b):
        a, b = _f32(a), _f32(b)
        return _mean(tf.nn.softplus(-(a - tf.reduce_mean(b)))) + _mean(
            tf.nn.softplus(b - tf.reduce_mean(a)))

    def critic_loss(self, real_out, fake_out):
        return self._pair(real_out, fake_out)

    def generator_loss(self, real_out, fake_out):
        return self._pair(fake_out, real_out)


@register("relativistic_average_ls")
class RelativisticAverageLeastSquares(Loss):
    """RaLSGAN (Jolicoeur-Martineau 2018, Appendix, eq. 19-20).

    critic: ``E_x[(C(x) - E C(G(z)) - 1)²] + E_z[(C(G(z)) - E C(x) + 1)²]``;
    generator: the same with real and fake swapped. Under ``tf.distribute`` the means
    are each replica's own, as for :class:`RelativisticAverage`.
    """

    needs_real_for_generator = True

    def _pair(self, a, b):
        a, b = _f32(a), _f32(b)
        return _mean(tf.square(a - tf.reduce_mean(b) - 1.0)) + _mean(
            tf.square(b - tf.reduce_mean(a) + 1.0))

    def critic_loss(self, real_out, fake_out):
        return self._pair(real_out, fake_out)

    def generator_loss(self, real_out, fake_out):
        return self._pair(fake_out, real_out)


@register("loss_sensitive")
class LossSensitive(Loss):
    """Loss-Sensitive GAN, LS-GAN (Qi 2017, arXiv 1701.06264, eq. 5-6); not Mao et al.'s least squares
    (that is ``least_squares``).

    The critic learns a loss function ``L_θ`` that must be smaller on a real sample than on
    a generated one by a margin that grows with their distance; the generator lowers the
    loss of its samples. Here ``L_θ(x) = -D(x)`` (the critic's score, negated), so that a
    higher score means "real" as for every other loss of this module::

        critic:    γ·E[L(x)] + E[(Δ(x, G(z)) + L(x) - L(G(z)))₊]
                 = -γ·E[D(x)] + E[(Δ(x, G(z)) - D(x) + D(G(z)))₊]
        generator: E[L(G(z))] = -E[D(G(z))]

    with real and generated samples paired element-wise (batches of equal size) and the
    margin ``Δ(x, G(z)) = margin·‖x - G(z)‖₁ / n``, the L1 distance over all ``n`` values
    of a sample, scaled. Qi writes the critic's objective ``E[L(x)] + λ·E[(…)₊]``; dividing
    by λ gives the form above with ``γ = 1/λ``, which is how the author's code sets it
    (``gamma``, 0 by default: "the theorem shows this term can be ignored"). The code's
    margin is ``0.0002·‖x - G(z)‖₁`` on 64×64×3 images, i.e. ``margin ≈ 2.5`` in this
    per-value scaling; the default ``margin=1`` keeps that order of magnitude for any
    sample shape. Qi bounds the Lipschitz constant of ``L_θ`` by weight decay (the
    ``weight_decay`` penalty) or, alternatively, a gradient penalty.

    ``needs_samples``: the margin needs the samples, passed as ``real`` and ``fake``.

    Args:
        margin: scale of Δ (> 0).
        real_weight: γ, the weight of ``E[L(x)]`` (>= 0).
    """

    needs_samples = True

    def __init__(self, margin=1.0, real_weight=0.0):
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not margin > 0:
            raise ValueError(f"margin must be a number > 0 (the scale of the L1 margin). Received: margin={margin!r}")
        if isinstance(real_weight, bool) or not isinstance(real_weight, (int, float)) or not real_weight >= 0:
            raise ValueError(f"real_weight must be a number >= 0. Received: real_weight={real_weight!r}")
        self.margin = float(margin)
        self.real_weight = float(real_weight)

    def margins(self, real, fake):
        """``Δ(x_i, G(z_i)) = margin·mean_j |x_ij - G(z_i)_j|`` per pair, shape ``(B, 1)``."""
        real, fake = _f32(real), _f32(fake)
        axes = list(range(1, len(real.shape)))
        return self.margin * tf.reshape(tf.reduce_mean(tf.abs(real - fake), axis=axes), [-1, 1])

    def critic_loss(self, real_out, fake_out, real=None, fake=None):
        if real is None or fake is None:
            raise ValueError("The loss-sensitive critic loss needs the samples (its margin is the distance between "
                             "each real and generated sample): call critic_objective(real_out, fake_out, real, fake). "
                             f"Received: real={'given' if real is not None else None}, "
                             f"fake={'given' if fake is not None else None}")
        real_out, fake_out = tf.reshape(_f32(real_out), [-1, 1]), tf.reshape(_f32(fake_out), [-1, 1])
        hinge = _mean(tf.nn.relu(self.margins(real, fake) - real_out + fake_out))
        return hinge - self.real_weight * _mean(real_out)

    def generator_loss(self, real_out, fake_out):
        return -_mean(fake_out)

    def __repr__(self):
        return f"LossSensitive(margin={self.margin}, real_weight={self.real_weight})"


class FGAN(Loss):
    """f-GAN adversarial loss (Nowozin et al. 2016, eq. 6 and §3.2) on the critic's raw outputs ``V``.

    critic: ``-(E_P[g_f(V(x))] - E_Q[f*(g_f(V(G(z))))])``; its negative is the
    variational estimate of ``D_f(P || Q)`` (a lower bound, tight at the optimal critic).

    generator, ``generator="alternative"`` (default): ``-E_Q[g_f(V(G(z)))]``, the
    update of §3.2 ("Practical considerations") that the paper's experiments use:
    maximise ``E_Q[g_f(V(G(z)))]`` instead of minimising ``F``, by analogy with
    Goodfellow et al.'s non-saturating ``log D(G(z))``; it keeps the same
    stationary point and gives strong gradients while the critic wins. For
    ``"gan"`` it is exactly the ``non_saturating`` generator loss.

    generator, ``generator="saddle"``: ``-E_Q[f*(g_f(V(G(z))))]``, the plain
    saddle-point step of Algorithm 1 (minimise ``F``). ``F``'s real-data term has
    no generator gradient and is left out, so ``real_out`` is not needed. For
    ``"gan"`` it is exactly the ``minimax`` generator loss.

    Args:
        divergence: a name from :func:`tfgan_gp.divergences.names` or a :class:`Divergence`.
        generator: ``"alternative"`` or ``"saddle"``.
        **divergence_kwargs: the divergence's own arguments, with a name (e.g.
            ``get("f_gan:alpha", alpha=0.5)``).
    """

    needs_real_for_generator = False
    GENERATOR_OBJECTIVES = ("alternative", "saddle")

    def __init__(self, divergence="gan", generator="alternative", **divergence_kwargs):
        if generator not in self.GENERATOR_OBJECTIVES:
            raise ValueError(
                f"Unknown generator objective: expected one of "
                f"{', '.join(self.GENERATOR_OBJECTIVES)}. Received: generator={generator!r}")
        self.divergence = divergences.get(divergence, **divergence_kwargs)
        self.generator = generator
        self.name = F_GAN_PREFIX + self.divergence.name

    def critic_loss(self, real_out, fake_out):
        d = self.divergence
        return (_mean(d.conjugate_of_activation(_f32(fake_out)))
                - _mean(d.activation(_f32(real_out))))

    def generator_loss(self, real_out, fake_out):
        d, fake = self.divergence, _f32(fake_out)
        if self.generator == "saddle":
            return -_mean(d.conjugate_of_activation(fake))
        return -_mean(d.activation(fake))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.divergence.parameters().items())
        return f"FGAN(divergence={self.divergence.name!r}, generator={self.generator!r}{extra})"
