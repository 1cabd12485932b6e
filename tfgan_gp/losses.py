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
    """

    name = None
    needs_real_for_generator = False

    def critic_loss(self, real_out, fake_out):
        raise NotImplementedError

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

    def critic_loss(self, real_out, fake_out):
        return 0.5 * _mean(tf.square(_f32(real_out) - 1.0)) + 0.5 * _mean(tf.square(_f32(fake_out)))

    def generator_loss(self, real_out, fake_out):
        return 0.5 * _mean(tf.square(_f32(fake_out) - 1.0))


@register("hinge")
class Hinge(Loss):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018, SNGAN eq. 16-17).

    critic: ``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``; generator: ``-E[D(G(z))]``.
    """

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
