"""Regularisers of the critic's weights rather than its gradients: clipping, weight decay, and none."""
import tensorflow as tf

from tfgan_gp.penalties.base import REGISTRY, Penalty


@REGISTRY.register("clip")
class WeightClipping(Penalty):
    """WGAN weight clipping (Arjovsky et al. 2017): every critic weight clipped to ``[-c, c]``.

    Adds nothing to the loss; :meth:`after_critic_update` clips after each critic step.
    """

    metric_names = ()
    needs_per_sample_gradients = False

    def __init__(self, c=0.01):
        if not c > 0:
            raise ValueError(f"The clipping bound must be > 0. Received: c={c}")
        super().__init__(0.0)
        self.c = float(c)

    def objective(self, batch):
        return tf.constant(0.0), {}

    def after_critic_update(self, critic):
        for v in critic.trainable_variables:
            v.assign(tf.clip_by_value(v, -self.c, self.c))

    def __repr__(self):
        return f"WeightClipping(c={self.c})"


@REGISTRY.register("weight_decay")
class WeightDecay(Penalty):
    """L2 weight decay of the critic: ``λ/2·Σ_θ ‖θ‖²`` over all its trainable weights.

    Its gradient adds ``λ·θ`` to each weight's gradient, as ``grad + decay_rate·θ`` in the
    loss-sensitive GAN's code; Qi (2017) keeps the learned loss function Lipschitz this way
    ("we adopt weight decay for its simplicity"), with ``decay_rate`` 5e-5 (the default λ here).
    Batch norm in the critic is fine (no per-sample gradients).
    """

    metric_names = ("penalty",)
    needs_per_sample_gradients = False

    def __init__(self, weight=5e-5):
        super().__init__(weight)

    def objective(self, batch):
        variables = getattr(batch.critic, "trainable_variables", None)
        if variables is None:
            raise ValueError(f"Weight decay needs the critic's weights: pass a Keras model or an object with "
                             f"trainable_variables. Received: critic={batch.critic!r}")
        value = 0.5 * tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32))) for v in variables])
        return self.weight * value, {"penalty": value}


@REGISTRY.register("none")
class NoPenalty(Penalty):
    """No regularisation (e.g. with spectral normalisation inside the critic)."""

    metric_names = ()
    needs_per_sample_gradients = False

    def __init__(self):
        super().__init__(0.0)

    def objective(self, batch):
        return tf.constant(0.0), {}

    def __repr__(self):
        return "NoPenalty()"
