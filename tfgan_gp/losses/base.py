"""The adversarial loss interface and its registry.

A :class:`Loss` is one class with two methods, each reading one :class:`tfgan_gp.critic_batch.CriticBatch`:
``critic_objective(batch)`` (what the critic minimises) and ``generator_objective(batch)`` (what the
generator minimises). The batch holds the critic's raw scores (unbounded scores / logits, ``(B, 1)``) and,
for losses that need more, the samples themselves; values are scalar float32. Log-probabilities are
written with ``softplus`` so that logits of ±100 stay finite: ``-log σ(x) = softplus(-x)``,
``-log(1 - σ(x)) = softplus(x)``.

Register a new loss by subclassing :class:`Loss` and decorating it with ``@register("name")``.
"""
import tensorflow as tf

from tfgan_gp.critic_batch import CriticBatch
from tfgan_gp.registry import Registry


def mean(x):
    """The float32 mean of ``x``."""
    return tf.reduce_mean(tf.cast(x, tf.float32))


def f32(x):
    return tf.cast(x, tf.float32)


class Loss:
    """An adversarial game: what the critic minimises and what the generator minimises.

    Subclasses implement :meth:`critic_objective` and :meth:`generator_objective`, each on a
    :class:`~tfgan_gp.critic_batch.CriticBatch`. Two declarations tell the training step what to prepare:

    * ``needs_real_for_generator``: the generator's objective reads the real samples' scores (relativistic
      losses), so each step draws real samples for the generator's update too;
    * ``decision_boundary``: the raw critic score that separates "real" from "fake" (0 for logits and the
      hinge loss), ``None`` where the score has no fixed zero (Wasserstein, relativistic): ADA's overfitting
      heuristic ``sign(D(x))`` reads it (:class:`tfgan_gp.augment.AdaptiveAugment`).

    :meth:`critic_loss` and :meth:`generator_loss` evaluate the objectives on given scores (and samples).
    """

    name = None
    needs_real_for_generator = False
    decision_boundary = None

    def critic_objective(self, batch):
        """The critic's loss on ``batch`` (a :class:`~tfgan_gp.critic_batch.CriticBatch`)."""
        raise NotImplementedError

    def generator_objective(self, batch):
        """The generator's loss on ``batch`` (its ``real_out`` only where ``needs_real_for_generator``)."""
        raise NotImplementedError

    def critic_loss(self, real_out, fake_out, real=None, fake=None):
        """:meth:`critic_objective` of the scores ``real_out``, ``fake_out`` (and the samples, for losses reading them)."""
        return self.critic_objective(CriticBatch(real, fake, real_out=real_out, fake_out=fake_out))

    def generator_loss(self, real_out, fake_out):
        """:meth:`generator_objective` of the scores ``real_out`` (may be ``None``), ``fake_out``."""
        return self.generator_objective(CriticBatch(real_out=real_out, fake_out=fake_out))

    def __repr__(self):
        return f"{type(self).__name__}()"


REGISTRY = Registry("loss", instance_of=Loss, instead="a tfgan_gp.losses.Loss instance")
