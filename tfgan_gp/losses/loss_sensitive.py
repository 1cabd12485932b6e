"""The Loss-Sensitive GAN (Qi 2017): a margin on the distance between samples, so the loss reads the samples."""
import tensorflow as tf

from tfgan_gp.losses.base import REGISTRY, Loss, f32, mean


@REGISTRY.register("loss_sensitive")
class LossSensitive(Loss):
    """Loss-Sensitive GAN, LS-GAN (Qi 2017, arXiv 1701.06264, eq. 5-6); not Mao et al.'s least squares
    (that is ``least_squares``).

    The critic learns a loss function ``L_θ`` that must be smaller on a real sample than on
    a generated one by a margin that grows with their distance; the generator lowers the
    loss of its samples. Here ``L_θ(x) = -D(x)`` (the critic's score, negated), so that a
    higher score means "real" as for every other loss::

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

    The margin reads the samples (the batch's ``real`` and ``fake``), not only their scores.

    Args:
        margin: scale of Δ (> 0).
        real_weight: γ, the weight of ``E[L(x)]`` (>= 0).
    """

    def __init__(self, margin=1.0, real_weight=0.0):
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not margin > 0:
            raise ValueError(f"margin must be a number > 0 (the scale of the L1 margin). Received: margin={margin!r}")
        if isinstance(real_weight, bool) or not isinstance(real_weight, (int, float)) or not real_weight >= 0:
            raise ValueError(f"real_weight must be a number >= 0. Received: real_weight={real_weight!r}")
        self.margin = float(margin)
        self.real_weight = float(real_weight)

    def margins(self, real, fake):
        """``Δ(x_i, G(z_i)) = margin·mean_j |x_ij - G(z_i)_j|`` per pair, shape ``(B, 1)``."""
        real, fake = f32(real), f32(fake)
        axes = list(range(1, len(real.shape)))
        return self.margin * tf.reshape(tf.reduce_mean(tf.abs(real - fake), axis=axes), [-1, 1])

    def critic_objective(self, batch):
        real, fake = batch.require_samples("The loss-sensitive critic loss (its margin is the distance between each "
                                           "real and generated sample)")
        real_out, fake_out = tf.reshape(f32(batch.real_out), [-1, 1]), tf.reshape(f32(batch.fake_out), [-1, 1])
        hinge = mean(tf.nn.relu(self.margins(real, fake) - real_out + fake_out))
        return hinge - self.real_weight * mean(real_out)

    def generator_objective(self, batch):
        return -mean(batch.fake_out)

    def __repr__(self):
        return f"LossSensitive(margin={self.margin}, real_weight={self.real_weight})"
