"""Critic regularisers: gradient penalties (computed with a nested tape) and weight clipping.

A :class:`Penalty` is called inside the critic's ``GradientTape``; it opens its
own tape on the points where the critic's input gradient is measured, so the
penalty's gradient reaches the critic's weights (double backpropagation).
All penalty arithmetic is float32, whatever the critic's compute dtype.

Gradient norms are taken over all non-batch axes as
``sqrt(sum(g²) + 1e-10)``: the epsilon keeps the norm's own gradient finite
when a gradient is exactly zero (it shifts the norm by at most 1e-5).

Regularizers combine by name: ``"gp+lecam"`` is :class:`Combined` (the sum of the parts, each
logging its own metrics). :mod:`tfgan_gp.regularizers` registers ``bcr``, ``lecam`` and
``r1_lazy`` here (``import tfgan_gp`` loads it).
"""
import functools

import tensorflow as tf

from tfgan_gp import randomness
from tfgan_gp.registry import Registry

NORM_EPSILON = 1e-10
SEPARATOR = "+"
"""Joins the names of a combined penalty: ``"gp+lecam"``."""
MAX_INNER_GRAD_SCALE = 2.0 ** 8
"""Largest ``grad_scale`` :class:`tfgan_gp.GAN` gives the inner backward under ``mixed_float16``.

Enough to lift float16 cotangents of gradient norms near 1 far above underflow, and small enough that
a critic whose input-gradient norm reaches hundreds does not overflow float16 (65,504).
"""


def names():
    """The registered penalty names, sorted."""
    return _REGISTRY.names()


def get(identifier, **overrides):
    """A :class:`Penalty` by name (built with ``overrides``, e.g. ``weight=10``), ``None`` (none) or an instance.

    A combined name (``"gp+lecam"``) gives :class:`Combined`; ``overrides`` go to its first part.
    """
    if isinstance(identifier, str) and SEPARATOR in identifier:
        return _combined(identifier, overrides)
    return _REGISTRY.get("none" if identifier is None else identifier, **overrides)


def build(name, weight=None, **overrides):
    """The named penalty with its weight λ set to ``weight`` where it has one (clip and none have none).

    This is how a run's single λ setting (``--lambda_gp``) reaches whichever penalty it names. For a
    combination (``"gp+lecam"``) λ and ``overrides`` go to the first part only; the others keep their
    own defaults (LeCam's 0.3, bCR's 10, ...).
    """
    combined = isinstance(name, str) and SEPARATOR in name
    first = check_name(name)[0] if combined else name
    if weight is not None and _REGISTRY.accepts(first, "weight"):
        overrides["weight"] = float(weight)
    return _combined(name, overrides) if combined else _REGISTRY.build(name, **overrides)


def check_name(name, argument="penalty"):
    """The part names of ``name``: one registered penalty, or several joined by ``+`` (each once, no two
    logging under the same metric name). Otherwise a ``ValueError`` naming ``argument``.

    Checked from the classes alone, without building anything (no TensorFlow variables before a
    ``tf.distribute`` strategy exists).
    """
    parts = name.split(SEPARATOR) if isinstance(name, str) else [name]
    if not all(part in _REGISTRY for part in parts):
        raise ValueError(f"{argument} must be one of {', '.join(names())}, or several of them joined by "
                         f"'{SEPARATOR}' (e.g. 'gp{SEPARATOR}lecam'). Received: {argument}={name!r}")
    if len(set(parts)) < len(parts):
        raise ValueError(f"{argument} must name each part of a combination once. Received: {argument}={name!r}")
    _check_distinct_metrics([(part, _declared_metric_names(part)) for part in parts], f"{argument}={name!r}")
    return parts


def _declared_metric_names(name):
    factory = _REGISTRY.lookup(name)
    return getattr(getattr(factory, "func", factory), "metric_names", ())  # (a functools.partial's class)


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


def _combined(name, first_overrides):
    first, *rest = check_name(name)
    return Combined([_REGISTRY.build(first, **first_overrides)] + [_REGISTRY.build(part) for part in rest])


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


class Penalty:
    """A critic regulariser. ``__call__`` returns the weighted scalar added to the critic loss.

    Subclasses implement :meth:`compute`, which also returns the unweighted value
    and the mean gradient norm for logging (keys listed in ``metric_names``).
    ``needs_per_sample_gradients`` marks penalties that batch norm would corrupt.

    ``needs_outputs`` marks penalties that read the critic's float32 scores of the real and fake
    batch (LeCam, bCR): the GAN calls :meth:`objective`, which passes the scores it has already
    computed on to such penalties as ``real_out``/``fake_out``, so the critic is not run twice;
    called without them, they score the batches themselves. Running state (moving averages,
    step counters) is listed by :meth:`state` and updated only when ``training``.
    ``images_only`` marks penalties that transform their samples as images (bCR).
    """

    metric_names = ("penalty", "grad_norm")
    needs_per_sample_gradients = True
    needs_outputs = False
    images_only = False

    def __init__(self, weight):
        if not weight >= 0:  # (NaN too)
            raise ValueError(
                f"The penalty weight must be >= 0. Received: weight={weight}")
        self.weight = float(weight)

    def __call__(self, critic, real, fake, training=True, seed=None):
        return self.compute(critic, real, fake, training=training, seed=seed)[0]

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        """Return ``(weighted penalty, {"penalty": unweighted, "grad_norm": mean norm})``."""
        raise NotImplementedError

    def objective(self, critic, real, fake, real_out, fake_out, training=True, seed=None, grad_scale=1.0):
        """:meth:`compute`, given the critic's scores ``real_out=``, ``fake_out=`` too if it ``needs_outputs``."""
        scores = dict(real_out=real_out, fake_out=fake_out) if self.needs_outputs else {}
        return self.compute(critic, real, fake, training=training, seed=seed, grad_scale=grad_scale, **scores)

    def state(self):
        """``{name: tf.Variable}``: the running state an exact resume needs (none by default)."""
        return {}

    def after_critic_update(self, critic):
        """Hook run after every critic optimizer step (weight clipping uses it)."""

    def _result(self, value, norms):
        return self.weight * value, {"penalty": value, "grad_norm": tf.reduce_mean(norms)}

    def __repr__(self):
        return f"{type(self).__name__}(weight={self.weight})"


_REGISTRY = Registry("penalty", instance_of=Penalty,
                     instead=f"names joined by '{SEPARATOR}' (e.g. 'gp{SEPARATOR}lecam'), None or a "
                             f"tfgan_gp.penalties.Penalty instance")
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
        eps = randomness.per_sample(real, seed)
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
        points = real + randomness.per_sample(real, seed) * (perturbed - real)
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
        if not c > 0:
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


class Combined(Penalty):
    """Several regularizers at once (``penalty="gp+lecam"``): the sum of their weighted values.

    Practitioners stack them: WGAN-GP + bCR, hinge + LeCam, spectral norm + LeCam. Each part keeps
    its own weight and logs its own metrics (two parts logging under one name are refused); its
    ``weight`` is the first part's (the run's λ). It needs per-sample gradients, the critic's scores
    and state as its parts do.
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
        self.needs_outputs = any(part.needs_outputs for part in parts)
        self.images_only = any(part.images_only for part in parts)

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0, real_out=None, fake_out=None):
        total, stats = [], {}
        for part in self.parts:
            weighted, part_stats = part.objective(critic, real, fake, real_out, fake_out, training=training,
                                                  seed=seed, grad_scale=grad_scale)
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


register("gp")(GradientPenalty)
register("gp_one_sided")(functools.partial(GradientPenalty, one_sided=True))
register("dragan")(DRAGAN)
register("r1")(R1)
register("r2")(R2)
register("clip")(WeightClipping)
register("weight_decay")(WeightDecay)
register("none")(NoPenalty)
