"""Penalties on the critic's input gradient: WGAN-GP (two- and one-sided), DRAGAN, R1, R2 and lazy R1."""
import tensorflow as tf

from tfgan_gp import distribute, randomness
from tfgan_gp.penalties.base import REGISTRY, Penalty, input_gradient_norms


@REGISTRY.register("gp")
@REGISTRY.register("gp_one_sided", one_sided=True)
class GradientPenalty(Penalty):
    """WGAN-GP (Gulrajani et al. 2017, eq. 3): ``λ·E[(‖∇D(x̂)‖₂ - target)²]``.

    ``x̂ = ε·x + (1 - ε)·x̃`` with ε ~ U[0, 1] per sample: straight lines between
    paired real and fake samples. ``one_sided=True`` (the name ``gp_one_sided``) penalises only norms
    above ``target``: ``λ·E[max(0, ‖∇D(x̂)‖₂ - target)²]`` (the paper's §4 alternative).
    """

    def __init__(self, weight=10.0, target=1.0, one_sided=False):
        super().__init__(weight)
        self.target = float(target)
        self.one_sided = bool(one_sided)

    def interpolates(self, real, fake, seed=None):
        real, fake = tf.cast(real, tf.float32), tf.cast(fake, tf.float32)
        eps = randomness.per_sample(real, seed)
        return eps * real + (1.0 - eps) * fake

    def objective(self, batch):
        norms = input_gradient_norms(batch, self.interpolates(batch.real, batch.fake, batch.seed))
        excess = norms - self.target
        if self.one_sided:
            excess = tf.nn.relu(excess)
        return self._result(tf.reduce_mean(tf.square(excess)), norms)

    def __repr__(self):
        return f"GradientPenalty(weight={self.weight}, target={self.target}, one_sided={self.one_sided})"


@REGISTRY.register("dragan")
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

    def objective(self, batch):
        real = tf.cast(batch.real, tf.float32)
        noise = randomness.uniform([tf.shape(real)[0]] + list(real.shape[1:]), batch.seed)
        perturbed = real + self.noise_scale * tf.math.reduce_std(real) * noise
        points = real + randomness.per_sample(real, batch.seed) * (perturbed - real)
        norms = input_gradient_norms(batch, points)
        return self._result(tf.reduce_mean(tf.square(norms - 1.0)), norms)


@REGISTRY.register("r1")
class R1(Penalty):
    """R1 (Mescheder et al. 2018, eq. 9): ``γ/2·E_x[‖∇D(x)‖²]`` on real data; ``weight`` = γ."""

    def __init__(self, weight=10.0):
        super().__init__(weight)

    def _points(self, batch):
        return batch.real

    def objective(self, batch):
        norms = input_gradient_norms(batch, self._points(batch))
        value = tf.reduce_mean(tf.square(norms))
        return 0.5 * self.weight * value, {"penalty": value, "grad_norm": tf.reduce_mean(norms)}


@REGISTRY.register("r2")
class R2(R1):
    """R2 (Mescheder et al. 2018, eq. 10): ``γ/2·E[‖∇D(G(z))‖²]`` on generated data."""

    def _points(self, batch):
        return batch.fake


@REGISTRY.register("r1_lazy")
class LazyR1(Penalty):
    """Lazy R1 (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN", CVPR, §3.1 "Lazy
    regularization", Appendix B): R1 ``γ/2·E_x[‖∇D(x)‖²]`` (Mescheder et al. 2018) evaluated only on every
    ``interval``-th critic step (the first, then every k-th), with its weight multiplied by k; zero on the
    others, which run no input-gradient pass (``tf.cond``). Default k = 16, the paper's.

    A step counter (state) decides; it advances on training calls only. Logged: ``r1_lazy`` (``E‖∇D‖²``)
    and ``r1_lazy_grad_norm``, both k× on evaluated steps and 0 on the others, so their means over whole
    multiples of k steps are R1's. StyleGAN2 also rescales Adam's learning rate and betas (c = k/(k+1):
    ``c·α``, ``β₁^c``, ``β₂^c``); that is the optimizer's business and not done here. Evaluation
    (``training=False``) gives plain R1. Under XLA (``jit_compile``) the batch size must be static, as
    :func:`tfgan_gp.data.for_gan` makes it: XLA cannot compile the gradient of a ``tf.cond`` whose
    untaken branch holds intermediates of unknown shape.
    """

    metric_names = ("r1_lazy", "r1_lazy_grad_norm")

    def __init__(self, weight=10.0, interval=16):
        super().__init__(weight)
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be an integer >= 1 (critic steps per R1 evaluation). "
                             f"Received: interval={interval!r}")
        self.interval = interval
        self.r1 = R1(weight)
        self.steps = distribute.state_variable(0, tf.int64, "r1_lazy_steps")

    def state(self):
        return {"r1_lazy_steps": self.steps}

    def objective(self, batch):
        def regularize(scale):
            weighted, stats = self.r1.objective(batch)
            return scale * weighted, {"r1_lazy": scale * stats["penalty"],
                                      "r1_lazy_grad_norm": scale * stats["grad_norm"]}

        if not batch.training:
            return regularize(1.0)

        def skip():
            zero = tf.constant(0.0)
            return zero, {"r1_lazy": zero, "r1_lazy_grad_norm": zero}

        due = tf.equal(self.steps % self.interval, 0)
        result = tf.cond(due, lambda: regularize(float(self.interval)), skip)
        self.steps.assign_add(1)
        return result

    def __repr__(self):
        return f"LazyR1(weight={self.weight}, interval={self.interval})"
