"""Balanced consistency regularization, bCR (Zhao et al. 2021): the critic's scores must not change under
flips and shifts of real and generated images."""
import tensorflow as tf

from tfgan_gp import augment, randomness
from tfgan_gp.penalties.base import REGISTRY, Penalty


def _flip_and_translate(images, seed, translation):
    """T of bCR: each image flipped left-right with probability ½, then DiffAugment's translation
    (:func:`tfgan_gp.augment.translation`: whole-pixel shifts up to ``round(translation · side)``, zeros shifted in).

    Differentiable in ``images``, and deterministic for a seeded ``keras.random.SeedGenerator``.
    """
    flip = randomness.per_sample(images, seed) < 0.5
    return augment.translation(tf.where(flip, tf.reverse(images, axis=[2]), images), seed, ratio=translation)


@REGISTRY.register("bcr")
class BalancedConsistency(Penalty):
    """Balanced consistency regularization, bCR (Zhao et al. 2021, "Improved Consistency Regularization
    for GANs", AAAI, Algorithm 1):

    ``λ_real·E_x[(D(x) − D(T(x)))²] + λ_fake·E_z[(D(G(z)) − D(T(G(z))))²]``

    with T a semantics-preserving augmentation: as the paper's CIFAR-10 setting, a horizontal flip and a
    shift of a few pixels (here up to ``translation`` of the side: ±4 px at 32×32). ``weight`` is λ_real,
    ``fake_weight`` λ_fake (default: equal, the paper's λ_real = λ_fake = 10). Gradients flow through both
    scores of each pair, as in the paper; the scores of the untransformed samples are the batch's own.
    Needs image batches ``(B, H, W, C)``.
    """

    metric_names = ("bcr_real", "bcr_fake")
    needs_per_sample_gradients = False
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

    def objective(self, batch):
        terms = []
        for x, scores in ((batch.real, lambda: batch.real_out), (batch.fake, lambda: batch.fake_out)):
            if len(x.shape) != 4:
                raise ValueError(f"bCR augments images (flip and translation): samples must be (batch, height, "
                                 f"width, channels). Received: samples of shape {tuple(x.shape)}")
            augmented = batch.score(_flip_and_translate(tf.cast(x, tf.float32), batch.seed, self.translation))
            terms.append(tf.reduce_mean(tf.square(scores() - augmented)))
        real_term, fake_term = terms
        return (self.weight * real_term + self.fake_weight * fake_term,
                {"bcr_real": real_term, "bcr_fake": fake_term})

    def __repr__(self):
        return (f"BalancedConsistency(weight={self.weight}, fake_weight={self.fake_weight}, "
                f"translation={self.translation})")
