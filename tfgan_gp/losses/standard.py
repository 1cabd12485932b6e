"""The losses of one score per sample: minimax, non-saturating, Wasserstein, least squares, hinge."""
import tensorflow as tf

from tfgan_gp.losses.base import REGISTRY, Loss, f32, mean


@REGISTRY.register("minimax")
class Minimax(Loss):
    """The original saturating game (Goodfellow et al. 2014, eq. 1), on logits.

    critic: ``-E[log D(x)] - E[log(1 - D(G(z)))]``; generator: ``E[log(1 - D(G(z)))]``
    with ``D = σ(logit)``, no constant added (its minimum is ``-inf`` as D(G(z)) → 1).
    """

    decision_boundary = 0.0

    def critic_objective(self, batch):
        return mean(tf.nn.softplus(-f32(batch.real_out))) + mean(tf.nn.softplus(f32(batch.fake_out)))

    def generator_objective(self, batch):
        return -mean(tf.nn.softplus(f32(batch.fake_out)))


@REGISTRY.register("non_saturating")
class NonSaturating(Minimax):
    """Goodfellow et al. 2014, §3: the generator maximises ``log D(G(z))`` instead.

    critic as :class:`Minimax`; generator: ``-E[log D(G(z))] = E[softplus(-logit)]``.
    """

    def generator_objective(self, batch):
        return mean(tf.nn.softplus(-f32(batch.fake_out)))


@REGISTRY.register("wasserstein")
class Wasserstein(Loss):
    """WGAN (Arjovsky et al. 2017; Gulrajani et al. 2017, eq. 3 without the penalty).

    critic: ``E[D(G(z))] - E[D(x)]``; generator: ``-E[D(G(z))]``. The negative
    critic loss is the estimate of the Wasserstein-1 distance when D is 1-Lipschitz.
    """

    def critic_objective(self, batch):
        return mean(batch.fake_out) - mean(batch.real_out)

    def generator_objective(self, batch):
        return -mean(batch.fake_out)


@REGISTRY.register("least_squares")
class LeastSquares(Loss):
    """LSGAN (Mao et al. 2017, eq. 2) with the 0-1 coding a=0, b=c=1.

    critic: ``½E[(D(x) - 1)²] + ½E[D(G(z))²]``; generator: ``½E[(D(G(z)) - 1)²]``.
    """

    decision_boundary = 0.5

    def critic_objective(self, batch):
        return 0.5 * mean(tf.square(f32(batch.real_out) - 1.0)) + 0.5 * mean(tf.square(f32(batch.fake_out)))

    def generator_objective(self, batch):
        return 0.5 * mean(tf.square(f32(batch.fake_out) - 1.0))


@REGISTRY.register("hinge")
class Hinge(Loss):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018, SNGAN eq. 16-17).

    critic: ``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``; generator: ``-E[D(G(z))]``.
    """

    decision_boundary = 0.0

    def critic_objective(self, batch):
        return mean(tf.nn.relu(1.0 - f32(batch.real_out))) + mean(tf.nn.relu(1.0 + f32(batch.fake_out)))

    def generator_objective(self, batch):
        return -mean(batch.fake_out)
