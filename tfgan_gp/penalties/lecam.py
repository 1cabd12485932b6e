"""LeCam regularization (Tseng et al. 2021): the critic's scores pulled towards moving anchors."""
import tensorflow as tf

from tfgan_gp import distribute
from tfgan_gp.penalties.base import REGISTRY, Penalty


@REGISTRY.register("lecam")
class LeCam(Penalty):
    """LeCam regularization (Tseng et al. 2021, "Regularizing Generative Adversarial Networks under Limited
    Data", CVPR, eq. 3): ``λ·(E_x[(D(x) − α_F)²] + E_z[(D(G(z)) − α_R)²])``.

    α_R and α_F are exponential moving averages (``decay`` 0.99, as the authors' StyleGAN2 code) of the critic's
    mean score on real and on fake batches, updated once per critic step before the term is computed, as in the
    authors' code; the first update sets them to that step's means. λ defaults to 0.3, the authors' CIFAR-10
    BigGAN value. Their code differs in details: it penalises only ``relu(D(x) − α_F)`` and
    ``relu(α_R − D(G(z)))`` (this is eq. 3); the StyleGAN2 code debiases the averages (``zero_debias``), the
    BigGAN code uses decay 0.9 and adds the term only after 1,000 iterations.
    Under ``tf.distribute`` the means are over the global batch. Build it inside the strategy's scope (as
    :func:`tfgan_gp.train` does), so that its state is mirrored.
    """

    metric_names = ("lecam",)
    needs_per_sample_gradients = False

    def __init__(self, weight=0.3, decay=0.99):
        super().__init__(weight)
        if not 0 <= decay < 1:
            raise ValueError(f"decay must be in [0, 1) (the moving averages' decay). Received: decay={decay!r}")
        self.decay = float(decay)
        self.anchor_real = distribute.state_variable(0.0, tf.float32, "lecam_anchor_real")
        self.anchor_fake = distribute.state_variable(0.0, tf.float32, "lecam_anchor_fake")
        self.updates = distribute.state_variable(0, tf.int64, "lecam_updates")

    def state(self):
        return {"lecam_anchor_real": self.anchor_real, "lecam_anchor_fake": self.anchor_fake,
                "lecam_updates": self.updates}

    def objective(self, batch):
        real_out, fake_out = batch.real_out, batch.fake_out
        anchor_real, anchor_fake = tf.identity(self.anchor_real), tf.identity(self.anchor_fake)
        if batch.training:
            decay = tf.where(self.updates > 0, self.decay, 0.0)
            # both batch means over the replicas in one all-reduce
            mean_real, mean_fake = tf.unstack(distribute.mean_over_replicas(tf.stop_gradient(
                tf.stack([tf.reduce_mean(real_out), tf.reduce_mean(fake_out)]))))
            anchor_real = decay * anchor_real + (1.0 - decay) * mean_real
            anchor_fake = decay * anchor_fake + (1.0 - decay) * mean_fake
            self.anchor_real.assign(anchor_real)
            self.anchor_fake.assign(anchor_fake)
            self.updates.assign_add(1)
        value = tf.reduce_mean(tf.square(real_out - anchor_fake)) + tf.reduce_mean(tf.square(fake_out - anchor_real))
        return self.weight * value, {"lecam": value}

    def __repr__(self):
        return f"LeCam(weight={self.weight}, decay={self.decay})"
