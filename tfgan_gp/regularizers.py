"""Critic regularizers from after the paper, registered as penalties: bCR, LeCam and lazy R1.

They plug in where a gradient penalty does (``GAN(penalty="lecam")``, ``--penalty=r1_lazy``) and
stack with one by name (``"gp+bcr"``, ``"none+lecam"``, see :class:`tfgan_gp.penalties.Combined`).
Each logs its own metrics, so a combination keeps them apart. Their running state (LeCam's
moving averages, lazy R1's step counter) is in ``Penalty.state()``, which the GAN checkpoints.
Build them inside a ``tf.distribute`` scope, as :func:`tfgan_gp.train` does, so that state is mirrored.
"""
import tensorflow as tf

from tfgan_gp import augment, distribute, randomness
from tfgan_gp.penalties import R1, Penalty, register


def _scores(critic, x, scores, training):
    """The critic's float32 scores of ``x``: ``scores`` when the GAN passed them, else computed here."""
    return tf.cast(critic(x, training=training), tf.float32) if scores is None else scores


def _flip_and_translate(images, seed, translation):
    """T of bCR: each image flipped left-right with probability ½, then DiffAugment's translation
    (:func:`tfgan_gp.augment.translation`: whole-pixel shifts up to ``round(translation · side)``, zeros shifted in).

    Differentiable in ``images``, and deterministic for a seeded ``keras.random.SeedGenerator``.
    """
    flip = randomness.per_sample(images, seed) < 0.5
    return augment.translation(tf.where(flip, tf.reverse(images, axis=[2]), images), seed, ratio=translation)


class BalancedConsistency(Penalty):
    """Balanced consistency regularization, bCR (Zhao et al. 2021, "Improved Consistency Regularization
    for GANs", AAAI, Algorithm 1):

    ``λ_real·E_x[(D(x) − D(T(x)))²] + λ_fake·E_z[(D(G(z)) − D(T(G(z))))²]``

    with T a semantics-preserving augmentation: as the paper's CIFAR-10 setting, a horizontal flip and a
    shift of a few pixels (here up to ``translation`` of the side: ±4 px at 32×32). ``weight`` is λ_real,
    ``fake_weight`` λ_fake (default: equal, the paper's λ_real = λ_fake = 10). Gradients flow through both
    scores of each pair, as in the paper. Needs image batches ``(B, H, W, C)``.
    """

    metric_names = ("bcr_real", "bcr_fake")
    needs_per_sample_gradients = False
    needs_outputs = True
    images_only = True

    def __init__(self, weight=10.0, fake_weight=None, translation=0.125):
        super().__init__(weight)
        self.fake_weight = self.weight if fake_weight is None else float(fake_weight)
        if not self.fake_weight >= 0:
            raise ValueError(f"fake_weight must be >= 0 (λ_fake). Received: fake_weight={fake_weight!r}")
        if not 0 <= translation < 0.5:
            raise ValueError(f"translation must be in [0, 0.5) (the largest shift as a fraction of the image side). "
                             f"Received: translation={translation!r}")
        self.translation = float(translation)

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0, real_out=None, fake_out=None):
        terms = []
        for x, scores in ((real, real_out), (fake, fake_out)):
            if len(x.shape) != 4:
                raise ValueError(f"bCR augments images (flip and translation): samples must be (batch, height, "
                                 f"width, channels). Received: samples of shape {tuple(x.shape)}")
            x = tf.cast(x, tf.float32)
            augmented = _scores(critic, _flip_and_translate(x, seed, self.translation), None, training)
            terms.append(tf.reduce_mean(tf.square(_scores(critic, x, scores, training) - augmented)))
        real_term, fake_term = terms
        return (self.weight * real_term + self.fake_weight * fake_term,
                {"bcr_real": real_term, "bcr_fake": fake_term})

    def __repr__(self):
        return (f"BalancedConsistency(weight={self.weight}, fake_weight={self.fake_weight}, "
                f"translation={self.translation})")


class LeCam(Penalty):
    """LeCam regularization (Tseng et al. 2021, "Regularizing Generative Adversarial Networks under Limited
    Data", CVPR, eq. 3): ``λ·(E_x[(D(x) − α_F)²] + E_z[(D(G(z)) − α_R)²])``.

    α_R and α_F are exponential moving averages (``decay`` 0.99, as the authors' StyleGAN2 code) of the critic's
    mean score on real and on fake batches, updated once per critic step before the term is computed, as in the
    authors' code; the first update sets them to that step's means. λ defaults to 0.3, the authors' CIFAR-10
    BigGAN value. Their code differs in details: it penalises only ``relu(D(x) − α_F)`` and
    ``relu(α_R − D(G(z)))`` (this is eq. 3); the StyleGAN2 code debiases the averages (``zero_debias``), the
    BigGAN code uses decay 0.9 and adds the term only after 1,000 iterations.
    Under ``tf.distribute`` the means are over the global batch.
    """

    metric_names = ("lecam",)
    needs_per_sample_gradients = False
    needs_outputs = True

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

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0, real_out=None, fake_out=None):
        real_out = _scores(critic, real, real_out, training)
        fake_out = _scores(critic, fake, fake_out, training)
        anchor_real, anchor_fake = tf.identity(self.anchor_real), tf.identity(self.anchor_fake)
        if training:
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

    def compute(self, critic, real, fake, training=True, seed=None, grad_scale=1.0):
        def regularize(scale):
            weighted, stats = self.r1.compute(critic, real, fake, training=training, seed=seed,
                                              grad_scale=grad_scale)
            return scale * weighted, {"r1_lazy": scale * stats["penalty"],
                                      "r1_lazy_grad_norm": scale * stats["grad_norm"]}

        if not training:
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


register("bcr")(BalancedConsistency)
register("lecam")(LeCam)
register("r1_lazy")(LazyR1)
