"""Relativistic losses (Jolicoeur-Martineau 2018): the critic judges real relative to fake.

Their generator objective reads the real samples' scores too (``needs_real_for_generator``).
"""
import tensorflow as tf

from tfgan_gp.losses.base import REGISTRY, Loss, f32, mean


@REGISTRY.register("relativistic")
class Relativistic(Loss):
    """RSGAN (Jolicoeur-Martineau 2018, eq. 10-11): real and fake samples paired.

    critic: ``-E[log σ(C(x) - C(G(z)))]``; generator: ``-E[log σ(C(G(z)) - C(x))]``.
    The pairing is element-wise, so real and fake batches must have the same size.
    """

    needs_real_for_generator = True

    def critic_objective(self, batch):
        return mean(tf.nn.softplus(-(f32(batch.real_out) - f32(batch.fake_out))))

    def generator_objective(self, batch):
        return mean(tf.nn.softplus(-(f32(batch.fake_out) - f32(batch.real_out))))


class _Average(Loss):
    """A relativistic-average loss: each side compared with the other side's mean score, ``pair(a, b)``."""

    needs_real_for_generator = True

    def _pair(self, a, b):
        raise NotImplementedError

    def critic_objective(self, batch):
        return self._pair(f32(batch.real_out), f32(batch.fake_out))

    def generator_objective(self, batch):
        return self._pair(f32(batch.fake_out), f32(batch.real_out))


@REGISTRY.register("relativistic_average")
class RelativisticAverage(_Average):
    """RaSGAN (Jolicoeur-Martineau 2018, eq. 12-13): compare with the other side's mean.

    critic: ``-E_x[log σ(C(x) - E C(G(z)))] - E_z[log(1 - σ(C(G(z)) - E C(x)))]``;
    generator: the same with real and fake swapped. Under ``tf.distribute`` the means
    ``E C(·)`` are each replica's own (a per-replica estimate of the global mean).
    """

    def _pair(self, a, b):
        return mean(tf.nn.softplus(-(a - tf.reduce_mean(b)))) + mean(tf.nn.softplus(b - tf.reduce_mean(a)))


@REGISTRY.register("relativistic_average_ls")
class RelativisticAverageLeastSquares(_Average):
    """RaLSGAN (Jolicoeur-Martineau 2018, Appendix, eq. 19-20).

    critic: ``E_x[(C(x) - E C(G(z)) - 1)²] + E_z[(C(G(z)) - E C(x) + 1)²]``;
    generator: the same with real and fake swapped. Under ``tf.distribute`` the means
    are each replica's own, as for :class:`RelativisticAverage`.
    """

    def _pair(self, a, b):
        return mean(tf.square(a - tf.reduce_mean(b) - 1.0)) + mean(tf.square(b - tf.reduce_mean(a) + 1.0))
