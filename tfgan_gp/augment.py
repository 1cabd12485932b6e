"""Differentiable augmentation of what the critic sees: DiffAugment and ADA's adaptive probability.

**DiffAugment** (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training",
arXiv 2006.10738; transforms as in their ``DiffAugment_tf.py``) applies the same family of random,
differentiable transforms ``T`` to real *and* generated images before every critic evaluation, in the
critic's and in the generator's update, so the critic cannot memorise a small training set and the
generator still gets gradients through ``D(T(G(z)))``. The policy names groups of transforms:

* ``color``: brightness ``x + b``, ``b ~ U[-0.5, 0.5)``; saturation ``(x - m_c)·s + m_c`` with ``m_c`` the
  per-pixel mean over channels, ``s ~ U[0, 2)`` (the identity on one channel, where ``x = m_c``); contrast
  ``(x - m)·c + m`` with ``m`` the image's mean, ``c ~ U[0.5, 1.5)``; one draw per image each.
* ``translation``: an integer shift of up to ``round(ratio·size)`` pixels (ratio 1/8) along each spatial
  axis, uniform in ``[-shift, shift]``, the vacated pixels zero.
* ``cutout``: a square of ``round(ratio·size)`` pixels (ratio 1/2) set to zero, centred at a uniform
  position (clipped at the border).

**ADA** (Karras et al. 2020, "Training Generative Adversarial Networks with Limited Data", §2.3) applies
each transform to each image with probability ``p`` and adapts ``p`` from the overfitting heuristic
``r_t = E[sign(D_train)]``: every ``interval`` generator iterations ``p ← clip(p + sign(r_t − target)·N /
speed_images, 0, 1)``, ``N`` the real images the critic saw since the last adjustment (``interval ×
n_critic × batch``; the paper: 4 minibatches of ``batch``), so ``p`` can go from 0 to 1 in ``speed_images``
(500k) images (the official code bounds ``p`` only below; above 1 it would act as 1). Here the transforms
are DiffAugment's, not ADA's 18-transform pipeline.

A gradient penalty sees the critic's inputs, so under augmentation its points are built from ``T(x)`` and
``T(G(z))`` and it constrains ``∇D`` there; the official StyleGAN2-ADA and DiffAugment-StyleGAN2 code instead
takes R1's gradient with respect to the un-augmented reals, through ``T``.

All transforms work on NHWC images of any size and channel count and keep the input's dtype; random
draws come from a ``keras.random.SeedGenerator`` through :mod:`tfgan_gp.randomness` (the same draws
on one device and under ``tf.distribute``).
"""
import keras
import tensorflow as tf

from tfgan_gp import distribute, randomness
from tfgan_gp.registry import Registry

DEFAULT_POLICY = "color,translation,cutout"


# ------------------------------------------------------------------------------------------- transforms
def _per_image(x, seed, low, high):
    """One ``U[low, high)`` draw per image, shaped ``(B, 1, 1, 1)`` in ``x``'s dtype."""
    return tf.cast(randomness.per_sample(x, seed, low, high), x.dtype)


def brightness(x, seed=None):
    """``x + b``, ``b ~ U[-0.5, 0.5)`` per image (DiffAugment ``rand_brightness``)."""
    return x + _per_image(x, seed, -0.5, 0.5)


def saturation(x, seed=None):
    """``(x - m_c)·s + m_c``, ``m_c`` the mean over channels of each pixel, ``s ~ U[0, 2)`` per image.

    On one channel ``x = m_c``, so it is the identity there.
    """
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    return (x - mean) * _per_image(x, seed, 0.0, 2.0) + mean


def contrast(x, seed=None):
    """``(x - m)·c + m``, ``m`` the mean of each image over all pixels and channels, ``c ~ U[0.5, 1.5)``."""
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * _per_image(x, seed, 0.5, 1.5) + mean


def _extent(size, ratio):
    """``round(size·ratio)`` with halves rounded up, as the reference's ``int(size·ratio + 0.5)``."""
    return int(size * ratio + 0.5)


def _shift(x, offsets, axis):
    """``out[i, .., k, ..] = x[i, .., k + offsets[i], ..]`` along ``axis`` (1 or 2), zero outside the image."""
    size = x.shape[axis]
    index = tf.range(size)[None, :] + offsets[:, None]
    inside = tf.cast((index >= 0) & (index < size), x.dtype)
    moved = tf.gather(x, tf.clip_by_value(index, 0, size - 1), axis=axis, batch_dims=1)
    return moved * (inside[:, :, None, None] if axis == 1 else inside[:, None, :, None])


def translation(x, seed=None, ratio=0.125):
    """Shift each image by integers ``t_h, t_w ~ U{-s, …, s}``, ``s = round(ratio·size)``, padding with zeros."""
    n = tf.shape(x)[0]
    for axis in (1, 2):
        limit = _extent(x.shape[axis], ratio)
        x = _shift(x, randomness.randint([n], seed, -limit, limit + 1), axis)
    return x


def cutout(x, seed=None, ratio=0.5):
    """Zero a ``round(ratio·H) × round(ratio·W)`` rectangle at a uniform centre in each image, clipped at the border.

    As the reference, centres are uniform in ``[0, size]`` for even cutout sizes and ``[0, size)`` for odd ones.
    """
    n = tf.shape(x)[0]
    cut = None
    for axis in (1, 2):
        size = x.shape[axis]
        length = _extent(size, ratio)
        start = randomness.randint([n], seed, 0, size + 1 - length % 2) - length // 2
        index = tf.range(size)[None, :]
        inside = (index >= start[:, None]) & (index < start[:, None] + length)
        cut = inside[:, :, None] if cut is None else cut & inside[:, None, :]
    return x * tf.cast(tf.logical_not(cut), x.dtype)[..., None]


POLICIES = {"color": (brightness, saturation, contrast), "translation": (translation,), "cutout": (cutout,)}
"""DiffAugment's policy names and their transforms, applied in this order within a name."""


def parse_policy(policy):
    """The transforms of a policy string such as ``"color,translation,cutout"`` (names from :data:`POLICIES`)."""
    parts = policy.split(",") if isinstance(policy, str) else []
    if not parts or any(p not in POLICIES for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"augment_policy must be a comma-separated list of distinct names from "
                         f"{', '.join(POLICIES)}. Received: augment_policy={policy!r}")
    return tuple(f for p in parts for f in POLICIES[p])


# ---------------------------------------------------------------------------------------- augmentations
class Augment:
    """The interface of an augmentation (itself the identity).

    :class:`tfgan_gp.GAN` calls ``augment(x, seed)`` on every batch before the critic scores it,
    ``observe(batch, boundary)`` after each critic update (the step's
    :class:`~tfgan_gp.critic_batch.CriticBatch` and the loss's decision boundary) and ``step()`` once per
    generator iteration (its ``{metric name: value}`` are logged); ``state()`` holds what a checkpoint
    must save, ``metric_names`` the logged names.
    """

    metric_names = ()

    def __call__(self, x, seed=None):
        return x

    def check_samples(self, samples):
        """Raise ``ValueError`` if this augmentation cannot transform ``samples`` (a batch of the generator's)."""

    def observe(self, batch, boundary=None):
        """Take note of the critic's scores of a training minibatch (adaptive augmentations use them)."""

    def step(self):
        """End of a generator iteration: ``{metric name: value}`` to log."""
        return {}

    def state(self):
        """``{name: variable}`` an exact resume needs."""
        return {}

    def __repr__(self):
        return f"{type(self).__name__}()"


REGISTRY = Registry("augment", instance_of=Augment, none="none", optional=("policy",),
                    instead="None or a tfgan_gp.augment.Augment instance")
names, get, build, register = REGISTRY.names, REGISTRY.get, REGISTRY.build, REGISTRY.register


@register("none")
class NoAugment(Augment):
    """No augmentation: the critic sees the samples as they are."""


@register("diffaugment")
class DiffAugment(Augment):
    """DiffAugment (Zhao et al. 2020): every transform of ``policy`` on every image, differentiably.

    ``T(x)`` is applied to reals and fakes alike, in the critic's and in the generator's update.
    """

    def __init__(self, policy=DEFAULT_POLICY):
        self.transforms = parse_policy(policy)
        self.policy = policy

    def check_samples(self, samples):
        if len(samples.shape) != 4 or None in samples.shape[1:]:
            raise ValueError(f"augment={type(self).name!r} transforms images: the generator's samples must be "
                             f"NHWC batches of a known size. Received: samples of shape {tuple(samples.shape)}")

    def _probability(self):
        """The probability each transform is applied to an image (``None``: always)."""
        return None

    def __call__(self, x, seed=None):
        if seed is not None and not isinstance(seed, keras.random.SeedGenerator):
            raise ValueError(f"seed must be None or a keras.random.SeedGenerator (a fresh draw per transform). "
                             f"Received: seed={seed!r}")
        p = self._probability()
        for transform in self.transforms:
            changed = transform(x, seed)
            if p is not None:  # ADA: each transform on each image with probability p
                applied = randomness.per_sample(x, seed) < p
                changed = tf.where(applied, changed, x)
            x = changed
        return x

    def __repr__(self):
        return f"{type(self).__name__}(policy={self.policy!r})"


@register("ada")
class AdaptiveAugment(DiffAugment):
    """ADA's adaptive probability (Karras et al. 2020, §2.3) over DiffAugment's transforms.

    Each transform is applied to each image with probability ``p`` (a float32 variable, initially
    ``initial_p``). The critic's scores of the real training minibatches give
    ``r_t = E[sign(D(x) − boundary)]`` over the last ``interval`` generator iterations; then
    ``p ← clip(p + sign(r_t − target)·N/speed_images, 0, 1)`` with ``N`` the real images seen in them.

    ``boundary`` is the loss's real-versus-fake decision boundary on the raw scores (0 for the logistic
    and hinge losses, 0.5 for least squares: ADA's ``sign(D(x))``). Losses without a fixed one (Wasserstein,
    relativistic, f-GAN) use the mean score of the minibatch's fakes instead, ``sign(D(x) − E[D(G(z))])``:
    the fraction of reals the critic ranks above the average fake.

    ``p`` is logged as ``augment_p``, like every GAN metric the mean over the epoch's iterations so far (it
    moves by ``interval·n_critic·batch/speed_images`` per adjustment, 0.0026 at the CIFAR defaults).

    Under ``tf.distribute`` the sums are taken over all replicas and every variable is written from the
    first replica's value (which all replicas share), so ``p`` is the same as on one device.
    Build it (or the :class:`tfgan_gp.GAN` that builds it by name) inside the strategy's scope.
    """

    metric_names = ("augment_p",)

    def __init__(self, policy=DEFAULT_POLICY, target=0.6, interval=4, speed_images=500_000, initial_p=0.0):
        super().__init__(policy)
        if not -1.0 < target < 1.0:
            raise ValueError(f"target must lie in (-1, 1) (a mean of signs). Received: target={target!r}")
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be an integer >= 1 (generator iterations). "
                             f"Received: interval={interval!r}")
        if not speed_images > 0:
            raise ValueError(f"speed_images must be > 0 (images for p to go from 0 to 1). "
                             f"Received: speed_images={speed_images!r}")
        if not 0.0 <= initial_p <= 1.0:
            raise ValueError(f"initial_p must lie in [0, 1]. Received: initial_p={initial_p!r}")
        self.target, self.interval, self.speed_images = float(target), interval, float(speed_images)

        self.p = distribute.state_variable(float(initial_p), tf.float32, "augment_p")
        self.sign_sum = distribute.state_variable(0.0, tf.float32, "augment_sign_sum")
        self.images = distribute.state_variable(0.0, tf.float32, "augment_images")
        self.iterations = distribute.state_variable(0, tf.int32, "augment_iterations")

    def _probability(self):
        return self.p

    def observe(self, batch, boundary=None):
        real_scores = tf.cast(batch.real_out, tf.float32)
        if boundary is None:
            fake_scores = tf.cast(batch.fake_out, tf.float32)
            total = distribute.sum_over_replicas(tf.stack([tf.reduce_sum(fake_scores),
                                                           tf.cast(tf.size(fake_scores), tf.float32)]))
            boundary = total[0] / total[1]
        sums = distribute.sum_over_replicas(tf.stack([tf.reduce_sum(tf.sign(real_scores - boundary)),
                                                      tf.cast(tf.size(real_scores), tf.float32)]))
        self.sign_sum.assign_add(sums[0])
        self.images.assign_add(sums[1])

    def step(self):
        """Count a generator iteration; at every ``interval``-th, adjust ``p`` and start a new tally.

        Written without branches: a synchronised variable update cannot sit inside ``tf.cond`` under
        ``tf.distribute``.
        """
        iterations = self.iterations + 1
        due = iterations >= self.interval
        r_t = self.sign_sum / tf.maximum(self.images, 1.0)
        adjusted = tf.clip_by_value(
            self.p + tf.sign(r_t - self.target) * self.images / self.speed_images, 0.0, 1.0)
        self.p.assign(tf.where(due, adjusted, self.p))
        self.sign_sum.assign(tf.where(due, 0.0, self.sign_sum))
        self.images.assign(tf.where(due, 0.0, self.images))
        self.iterations.assign(tf.where(due, 0, iterations))
        return {"augment_p": tf.convert_to_tensor(self.p)}

    def state(self):
        return {"augment_p": self.p, "augment_sign_sum": self.sign_sum, "augment_images": self.images,
                "augment_iterations": self.iterations}

    def __repr__(self):
        return (f"AdaptiveAugment(policy={self.policy!r}, target={self.target}, interval={self.interval}, "
                f"speed_images={self.speed_images:g})")

