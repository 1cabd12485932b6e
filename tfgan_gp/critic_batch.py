"""What a critic step knows, as one value: the single argument every loss, regulariser and augmentation reads.

A :class:`CriticBatch` holds the real and the generated samples as the critic sees them, their scores,
the labels, the critic itself, the random seed, the gradient scale of mixed precision and whether this is
training. A part reads what it needs and ignores the rest, so a new loss that reads the samples or a new
regulariser that reads the scores is one class with one method, and the GAN passes every part the same
value (``loss.critic_objective(batch)``, ``penalty.objective(batch)``).

Scores not given are computed on first use and kept (the critic runs once per batch whatever reads them).
"""
import tensorflow as tf


def critic_outputs(critic, x, labels=None, training=True):
    """``(scores, class logits or None)`` of ``critic`` on ``x``, float32.

    A critic with two inputs (a projection critic) reads ``[x, labels]``; one that returns two outputs
    (an AC-GAN head) gives ``[scores, class logits]``. Any other callable is called as ``critic(x, training=...)``.
    """
    inputs = [x, labels] if len(getattr(critic, "inputs", None) or []) == 2 else x
    outputs = critic(inputs, training=training)
    if isinstance(outputs, (list, tuple)):
        scores, logits = outputs
        return tf.cast(scores, tf.float32), tf.cast(logits, tf.float32)
    return tf.cast(outputs, tf.float32), None


class CriticBatch:
    """The state of one critic (or generator) step that losses and regularisers read.

    Attributes:
        real, fake: the samples the critic scores (after the training augmentation, if any); ``real`` is
            ``None`` in a generator step of a loss whose generator term does not read real data.
        critic: the critic model (``x`` or ``[x, labels]`` -> scores or ``[scores, class logits]``);
            :meth:`score` calls it the one right way.
        labels: class labels of a conditional model, else ``None``: in a critic step the real samples' (the fakes
            are generated with them), in a generator step the fakes' (drawn uniformly; the real samples' scores
            are given, scored with their own labels).
        seed: the ``keras.random.SeedGenerator`` random draws of the step come from (interpolates, noise).
        grad_scale: factor for an inner backward pass under ``mixed_float16``
            (see :func:`tfgan_gp.penalties.input_gradient_norms`); 1 otherwise.
        training: whether the critic runs in training mode and running state (moving averages, counters)
            may be updated.
        real_out, fake_out: the critic's float32 scores of ``real`` and ``fake``, ``(B, 1)``; computed on
            first use when not given.
    """

    def __init__(self, real=None, fake=None, *, critic=None, labels=None, real_out=None, fake_out=None, seed=None,
                 grad_scale=1.0, training=True):
        self.real, self.fake, self.critic, self.labels = real, fake, critic, labels
        self.seed, self.grad_scale, self.training = seed, grad_scale, training
        self._scores = {"real": real_out, "fake": fake_out}

    def score(self, x):
        """The critic's float32 scores ``(B, 1)`` of ``x`` (labels bound, AC-GAN logits dropped)."""
        if self.critic is None:
            raise ValueError("This part scores new points with the critic, but the batch holds no critic: pass "
                             "critic= to the CriticBatch (or call the penalty with the critic). Received: critic=None")
        return critic_outputs(self.critic, x, self.labels, self.training)[0]

    @property
    def real_out(self):
        return self._scored("real")

    @property
    def fake_out(self):
        return self._scored("fake")

    def _scored(self, which):
        if self._scores[which] is None:
            samples = getattr(self, which)
            if samples is None:
                raise ValueError(f"This part reads the critic's scores of the {which} samples, but the batch holds "
                                 f"neither those scores nor the samples. Received: {which}=None, {which}_out=None")
            self._scores[which] = self.score(samples)
        return self._scores[which]

    def require_samples(self, reader):
        """``(real, fake)`` as float32, or a ``ValueError`` naming ``reader`` when the batch lacks them."""
        if self.real is None or self.fake is None:
            raise ValueError(f"{reader} reads the samples, not only their scores: build the CriticBatch with real "
                             f"and fake (e.g. loss.critic_loss(real_out, fake_out, real=..., fake=...)). Received: "
                             f"real={'given' if self.real is not None else None}, "
                             f"fake={'given' if self.fake is not None else None}")
        return tf.cast(self.real, tf.float32), tf.cast(self.fake, tf.float32)
