"""The regulariser interface, its registry, combinations, and the input-gradient norm the penalties share.

A :class:`Penalty` is one class with one method, ``objective(batch)``, on a
:class:`tfgan_gp.critic_batch.CriticBatch`: the weighted value added to the critic's loss and the
unweighted values it logs. It is evaluated inside the critic's ``GradientTape``; a gradient penalty opens
its own tape on the points where it measures the critic's input gradient, so the penalty's gradient
reaches the critic's weights (double backpropagation). All penalty arithmetic is float32, whatever the
critic's compute dtype.

Gradient norms are taken over all non-batch axes as ``sqrt(sum(g²) + 1e-10)``: the epsilon keeps the
norm's own gradient finite when a gradient is exactly zero (it shifts the norm by at most 1e-5).

Regularizers combine by name: ``"gp+lecam"`` is :class:`Combined` (the sum of the parts, each logging
its own metrics).
"""
import tensorflow as tf

from tfgan_gp.critic_batch import CriticBatch
from tfgan_gp.registry import Registry

NORM_EPSILON = 1e-10
MAX_INNER_GRAD_SCALE = 2.0 ** 8
"""Largest ``grad_scale`` :class:`tfgan_gp.GAN` gives the inner backward under ``mixed_float16``.

Enough to lift float16 cotangents of gradient norms near 1 far above underflow, and small enough that
a critic whose input-gradient norm reaches hundreds does not overflow float16 (65,504).
"""


def input_gradient_norms(batch, x):
    """Per-sample ``‖∇ₓ D(x)‖₂`` over all non-batch axes, float32, differentiable in D's weights.

    ``D`` is the batch's critic (:meth:`~tfgan_gp.critic_batch.CriticBatch.score`, in its training mode).
    The batch's ``grad_scale`` multiplies the critic's output before the inner backward pass and divides
    the gradient after it: under ``mixed_float16`` a moderate factor (:data:`MAX_INNER_GRAD_SCALE`) keeps
    float16 cotangents from underflowing without making them overflow, as the optimizer's full loss scale would.
    """
    x = tf.cast(x, tf.float32)
    scale = tf.cast(batch.grad_scale, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(batch.score(x)) * scale
    grads = tape.gradient(total, x) / scale
    axes = list(range(1, len(x.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + NORM_EPSILON)


class Penalty:
    """A critic regulariser: :meth:`objective` gives the weighted value added to the critic loss.

    Declarations read before anything is built:

    * ``metric_names``: the keys of the logged values :meth:`objective` returns;
    * ``needs_per_sample_gradients``: batch norm in the critic would corrupt it (the GAN refuses the pair);
    * ``images_only``: it transforms its samples as images (bCR).

    Running state (moving averages, step counters) is listed by :meth:`state` (checkpointed) and
    updated only when the batch is ``training``.
    """

    metric_names = ("penalty", "grad_norm")
    needs_per_sample_gradients = True
    images_only = False

    def __init__(self, weight):
        if not weight >= 0:  # (NaN too)
            raise ValueError(f"The penalty weight must be >= 0. Received: weight={weight}")
        self.weight = float(weight)

    def objective(self, batch):
        """``(weighted penalty, {metric name: unweighted value})`` of ``batch`` (a ``CriticBatch``)."""
        raise NotImplementedError

    def __call__(self, critic, real, fake, training=True, seed=None):
        """The weighted penalty of ``critic`` on ``real`` and ``fake`` samples (:meth:`objective` of that batch)."""
        return self.objective(CriticBatch(real, fake, critic=critic, seed=seed, training=training))[0]

    def state(self):
        """``{name: tf.Variable}``: the running state an exact resume needs (none by default)."""
        return {}

    def after_critic_update(self, critic):
        """Hook run after every critic optimizer step (weight clipping uses it)."""

    def _result(self, value, norms):
        return self.weight * value, {"penalty": value, "grad_norm": tf.reduce_mean(norms)}

    def __repr__(self):
        return f"{type(self).__name__}(weight={self.weight})"


def _check_distinct_metrics(parts, received):
    """``ValueError`` when two ``(label, metric names)`` parts of a combination log under one name."""
    owner = {}
    for label, metric_names in parts:
        for metric in metric_names:
            if metric in owner:
                raise ValueError(f"The penalties {owner[metric]} and {label} both log the metric {metric!r}, so "
                                 f"their metrics would mix: combine penalties with distinct metric names. "
                                 f"Received: {received}")
            owner[metric] = label


class Combined(Penalty):
    """Several regularizers at once (``penalty="gp+lecam"``): the sum of their weighted values.

    Practitioners stack them: WGAN-GP + bCR, hinge + LeCam, spectral norm + LeCam. Each part keeps
    its own weight and logs its own metrics (two parts logging under one name are refused); its
    ``weight`` is the first part's (the run's λ). It needs per-sample gradients and state as its parts do.
    """

    def __init__(self, parts):
        parts = list(parts)
        if len(parts) < 2 or not all(isinstance(part, Penalty) for part in parts):
            raise ValueError(f"A combined penalty needs two or more Penalty instances. Received: parts={parts!r}")
        _check_distinct_metrics([(repr(part), part.metric_names) for part in parts], f"parts={parts!r}")
        states = [name for part in parts for name in part.state()]
        if len(set(states)) < len(states):
            raise ValueError(f"The parts of a combined penalty must keep distinct state names (each part once). "
                             f"Received: parts={parts!r}")
        super().__init__(parts[0].weight)
        self.parts = parts
        self.metric_names = tuple(name for part in parts for name in part.metric_names)
        self.needs_per_sample_gradients = any(part.needs_per_sample_gradients for part in parts)
        self.images_only = any(part.images_only for part in parts)

    def objective(self, batch):
        total, stats = [], {}
        for part in self.parts:
            weighted, part_stats = part.objective(batch)
            total.append(tf.cast(weighted, tf.float32))
            stats.update(part_stats)
        return tf.add_n(total), stats

    def state(self):
        return {name: variable for part in self.parts for name, variable in part.state().items()}

    def after_critic_update(self, critic):
        for part in self.parts:
            part.after_critic_update(critic)

    def __repr__(self):
        return f"Combined([{', '.join(repr(part) for part in self.parts)}])"


def _check_metrics_of(names, received):
    """The registered penalties ``names`` log under distinct metric names (read from their classes)."""
    _check_distinct_metrics([(name, getattr(REGISTRY.lookup(name), "metric_names", ())) for name in names], received)


REGISTRY = Registry("penalty", instance_of=Penalty, none="none", combine=Combined, check=_check_metrics_of,
                    optional=("weight",), instead="None or a tfgan_gp.penalties.Penalty instance")

check_name = REGISTRY.parts
"""``check_name(name, argument="penalty")``: the part names of ``name``, one registered penalty or several joined by
``+`` (each once, no two logging under the same metric name); otherwise a ``ValueError`` naming ``argument``. Checked
from the classes alone, without building anything (no TensorFlow variables before a ``tf.distribute`` strategy)."""
