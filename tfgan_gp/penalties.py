"""Critic regularisers: gradient penalties (computed with a nested tape) and weight clipping.

A :class:`Penalty` is called inside the critic's ``GradientTape``; it opens its
own tape on the points where the critic's input gradient is measured, so the
penalty's gradient reaches the critic's weights (double backpropagation).
All penalty arithmetic is float32, whatever the critic's compute dtype.

Gradient norms are taken over all non-batch axes as
``sqrt(sum(g²) + 1e-10)``: the epsilon keeps the norm's own gradient finite
when a gradient is exactly zero (it shifts the norm by at most 1e-5).
"""
import functools

import tensorflow as tf

from tfgan_gp import randomness
from tfgan_gp.registry import Registry

NORM_EPSILON = 1e-10
MAX_INNER_GRAD_SCALE = 2.0 ** 8
"""Largest ``grad_scale`` :class:`tfgan_gp.GAN` gives the inner backward under ``mixed_float16``.

Enough to lift float16 cotangents of gradient norms near 1 far above underflow, and small enough that
a critic whose input-gradient norm reaches hundreds does not overflow float16 (65,504).
"""


def names():
    """The registered penalty names, sorted."""
    return _REGISTRY.names()


def get(identifier, **overrides):
    """A :class:`Penalty` by name (built with ``overrides``, e.g. ``weight=10``), ``None`` (none) or an instance."""
    return _REGISTRY.get("none" if identifier is None else identifier, **overrides)


def build(name, weight=None, **overrides):
    """The named penalty with its weight λ set to ``weight`` where it has one (clip and none have none).

    This is how a run's single λ setting (``--lambda_gp``) reaches whichever penalty it names.
    """
    if weight is not None and _REGISTRY.accepts(name, "weight"):
        overrides["weight"] = float(weight)
    return _REGISTRY.build(name, **overrides)


def input_gradient_norms(critic, x, training=True, grad_scale=1.0):
    """Per-sample ``‖∇ₓ D(x)‖₂`` over all non-batch axes, float32, differentiable in D's weights.

    ``grad_scale`` multiplies the critic's output before the inner backward pass
    and divides the gradient after it: under ``mixed_float16`` pass a moderate
    factor (:data:`MAX_INNER_GRAD_SCALE`) so that float16 cotangents neither
    underflow nor, as the optimizer's full loss scale would, overflow.
    """
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = tf.cast(critic(x, training=training), tf.float32)
        total = tf.reduce_sum(scores) * tf.cast(grad_scale, tf.float32)
    grads = tape.gradient(total, x) / tf.cast(grad_scale, tf.float32)
    axes = list(range(1, len(x.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + NORM_EPSILON)


def _uniform_per_sample(x, seed):
    """ε ~ U[0, 1], one per sample, shaped to broadcast over all non-batch axes."""
    return randomness.uniform([tf.shape(x)[0]] + [1] * (len(x.shape) - 1), seed)


class Penalty:
    """A critic regulariser. ``__call__`` returns the weighted scalar added to the critic loss.

    Subclasses implement :meth:`compute`, which also returns the unweighted value
    and the mean gradient norm for logging (keys listed in ``metric_names``).
    ``needs_per_sample_gradients`` marks penalties that batch norm would corrupt.
    """

    metric_names = ("penalty", "grad_norm")
    needs_per_sample_gradients = True

    def __init__(self, weight):
        if weight < 0:
            raise ValueError(
                f"The penalty weight must be >= 0. Received: weight={weight}")
        self.weight = float(weight)

    def __call__(self, critic, real, fake, training=True, seed=None):
        return self.compute(critic, real, fake, training=training, seed=seed)[0]

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        """Return ``(weighted penalty, {"penalty": unweighted, "grad_norm": mean norm})``."""
        raise NotImplementedError

    def after_critic_update(self, critic):
        """Hook run after every critic optimizer step (weight clipping uses it)."""

    def _result(self, value, norms):
        return self.weight * value, {"penalty": value, "grad_norm": tf.reduce_mean(norms)}

    def __repr__(self):
        return f"{type(self).__name__}(weight={self.weight})"


_REGISTRY = Registry("penalty", instance_of=Penalty, instead="None or a tfgan_gp.penalties.Penalty instance")
register = _REGISTRY.register


class GradientPenalty(Penalty):
    """WGAN-GP (Gulrajani et al. 2017, eq. 3): ``λ·E[(‖∇D(x̂)‖₂ - target)²]``.

    ``x̂ = ε·x + (1 - ε)·x̃`` with ε ~ U[0, 1] per sample: straight lines between
    paired real and fake samples. ``one_sided=True`` penalises only norms above
    ``target``: ``λ·E[max(0, ‖∇D(x̂)‖₂ - target)²]`` (the paper's §4 alternative).
    """

    def __init__(self, weight=10.0, target=1.0, one_sided=False):
        super().__init__(weight)
        self.target = float(target)
        self.one_sided = bool(one_sided)

    def interpolates(self, real, fake, seed=None):
        real, fake = tf.cast(real, tf.float32), tf.cast(fake, tf.float32)
        eps = _uniform_per_sample(real, seed)
        return eps * real + (1.0 - eps) * fake

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        norms = input_gradient_norms(critic, self.interpolates(real, fake, seed), training, grad_scale)
        excess = norms - self.target
        if self.one_sided:
            excess = tf.nn.relu(excess)
        return self._result(tf.reduce_mean(tf.square(excess)), norms)

    def __repr__(self):
        return (f"GradientPenalty(weight={self.weight}, target={self.target}, "
                f"one_sided={self.one_sided})")


class DRAGAN(Penalty):
    """DRAGAN (Kodali et al. 2017): the gradient penalty around the real data only.

    ``x_p = x + noise_scale·std(x)·u``, u ~ U[0, 1] elementwise and std over the
    whole batch (as the authors' code); ``x̂ = x + ε·(x_p - x)``, ε ~ U[0, 1] per
    sample; penalty ``λ·E[(‖∇D(x̂)‖₂ - 1)²]``. The fake batch is not used. Under
    ``tf.distribute`` the std is that of each replica's share of the batch.
    """

    def __init__(self, weight=10.0, noise_scale=0.5):
        super().__init__(weight)
        self.noise_scale = float(noise_scale)

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        real = tf.cast(real, tf.float32)
        noise = randomness.uniform([tf.shape(real)[0]] + list(real.shape[1:]), seed)
        perturbed = real + self.noise_scale * tf.math.reduce_std(real) * noise
        points = real + _uniform_per_sample(real, seed) * (perturbed - real)
        norms = input_gradient_norms(critic, points, training, grad_scale)
        return self._result(tf.reduce_mean(tf.square(norms - 1.0)), norms)


class R1(Penalty):
    """R1 (Mescheder et al. 2018, eq. 9): ``γ/2·E_x[‖∇D(x)‖²]`` on real data; ``weight`` = γ."""

    def __init__(self, weight=10.0):
        super().__init__(weight)

    def _points(self, real, fake):
        return real

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        norms = input_gradient_norms(critic, self._points(real, fake), training, grad_scale)
        return 0.5 * self.weight * tf.reduce_mean(tf.square(norms)), {
            "penalty": tf.reduce_mean(tf.square(norms)), "grad_norm": tf.reduce_mean(norms)}


class R2(R1):
    """R2 (Mescheder et al. 2018, eq. 10): ``γ/2·E[‖∇D(G(z))‖²]`` on generated data."""

    def _points(self, real, fake):
        return fake


class WeightClipping(Penalty):
    """WGAN weight clipping (Arjovsky et al. 2017): every critic weight clipped to ``[-c, c]``.

    Adds nothing to the loss; :meth:`after_critic_update` clips after each critic step.
    """

    metric_names = ()
    needs_per_sample_gradients = False

    def __init__(self, c=0.01):
        if c <= 0:
            raise ValueError(f"The clipping bound must be > 0. Received: c={c}")
        super().__init__(0.0)
        self.c = float(c)

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        return tf.constant(0.0), {}

    def after_critic_update(self, critic):
        for v in critic.trainable_variables:
            v.assign(tf.clip_by_value(v, -self.c, self.c))

    def __repr__(self):
        return f"WeightClipping(c={self.c})"


class WeightDecay(Penalty):
    """L2 weight decay of the critic: ``λ/2·Σ_θ ‖θ‖²`` over all its trainable weights.

    Its gradient adds ``λ·θ`` to each weight's gradient, as ``grad + decay_rate·θ`` in the
    loss-sensitive GAN's code; Qi (2017) keeps the learned loss function Lipschitz this way
    ("we adopt weight decay for its simplicity"), with ``decay_rate`` 5e-5 (the default λ here).
    Batch norm in the critic is fine (no per-sample gradients). ``critic`` must expose
    ``trainable_variables`` (a Keras model, or the scoring function the GAN passes).
    """

    metric_names = ("penalty",)
    needs_per_sample_gradients = False

    def __init__(self, weight=5e-5):
        super().__init__(weight)

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        variables = getattr(critic, "trainable_variables", None)
        if variables is None:
            raise ValueError(f"Weight decay needs the critic's weights: pass a Keras model or an object with "
                             f"trainable_variables. Received: critic={critic!r}")
        value = 0.5 * tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32))) for v in variables])
        return self.weight * value, {"penalty": value}


class NoPenalty(Penalty):
    """No regularisation (e.g. with spectral normalisation inside the critic)."""

    metric_names = ()
    needs_per_sample_gradients = False

    def __init__(self):
        super().__init__(0.0)

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        return tf.constant(0.0), {}

    def __repr__(self):
        return "NoPenalty()"


register("gp")(GradientPenalty)
register("gp_one_sided")(functools.partial(GradientPenalty, one_sided=True))
register("dragan")(DRAGAN)
register("r1")(R1)
register("r2")(R2)
register("clip")(WeightClipping)
register("weight_decay")(WeightDecay)
register("none")(NoPenalty)
