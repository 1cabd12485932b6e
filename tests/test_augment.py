"""DiffAugment's transforms (Zhao et al. 2020) and ADA's adaptive probability (Karras et al. 2020) in the GAN."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import augment, checkpoints
from tfgan_gp.architectures import mlp

from helpers import shifted

TRANSFORMS = (augment.brightness, augment.saturation, augment.contrast, augment.translation, augment.cutout)


def seed(value=0):
    return keras.random.SeedGenerator(value)


def images(shape=(6, 8, 10, 3), low=-1.0, high=1.0, rng=0):
    return tf.constant(np.random.default_rng(rng).uniform(low, high, shape).astype("float32"))


def image_gan(augment_=None, critic=None, loss="wasserstein", penalty="gp", n_critic=1, size=8):
    """A compiled convolutional GAN on ``size × size × 3`` images (tiny widths)."""
    z = keras.Input((4,))
    x = keras.layers.Reshape((size // 4, size // 4, 4))(keras.layers.Dense(size * size // 4)(z))
    x = keras.layers.Conv2DTranspose(4, 4, strides=4, padding="same", activation="relu")(x)
    generator = keras.Model(z, keras.layers.Conv2D(3, 3, padding="same", activation="tanh")(x))
    if critic is None:
        inputs = keras.Input((size, size, 3))
        critic = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(
            keras.layers.Conv2D(4, 4, strides=4)(inputs))))
    gan = tg.GAN(generator, critic, latent_dim=4, loss=loss, penalty=penalty, n_critic=n_critic, seed=0,
                 augment=augment_)
    gan.compile(run_eagerly=isinstance(critic, Recording))
    return gan


class Recording(keras.Model):
    """A linear critic that keeps a copy of every batch it scores (run eagerly)."""

    def __init__(self):
        super().__init__()
        self.flatten, self.dense = keras.layers.Flatten(), keras.layers.Dense(1)
        self.seen = []

    def call(self, x, training=False):
        self.seen.append(np.array(x))
        return self.dense(self.flatten(x))


# ------------------------------------------------------------------------------------------- transforms
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda f: f.__name__)
def test_transforms_keep_shape_and_dtype(transform, dtype):
    x = tf.cast(images(), dtype)
    y = transform(x, seed())
    assert y.shape == x.shape and y.dtype == x.dtype
    assert np.all(np.isfinite(np.array(y, np.float32)))


def test_brightness_adds_one_offset_per_image_within_half_a_unit():
    x = images((256, 4, 4, 3))
    change = (augment.brightness(x, seed()) - x).numpy()
    offsets = change[:, :1, :1, :1]
    np.testing.assert_allclose(change, np.broadcast_to(offsets, change.shape), atol=1e-6)
    assert offsets.min() >= -0.5 and offsets.max() < 0.5
    assert offsets.min() < -0.45 and offsets.max() > 0.45  # the whole range is drawn


@pytest.mark.parametrize("transform, axes, low, high", [(augment.saturation, (3,), 0.0, 2.0),
                                                         (augment.contrast, (1, 2, 3), 0.5, 1.5)],
                         ids=["saturation", "contrast"])
def test_colour_scalings_are_the_closed_form_around_their_mean(transform, axes, low, high):
    """``y - m = s·(x - m)``, ``m`` the mean over ``axes`` (kept by the op), one ``s ∈ [low, high)`` per image."""
    x = images((256, 4, 4, 3)).numpy()
    y = transform(tf.constant(x), seed()).numpy()
    mean = x.mean(axis=axes, keepdims=True)
    np.testing.assert_allclose(y.mean(axis=axes, keepdims=True), mean, atol=1e-5)
    centred, moved = x - mean, y - mean
    scale = (centred * moved).sum(axis=(1, 2, 3)) / (centred ** 2).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(moved, scale[:, None, None, None] * centred, atol=1e-5)
    assert scale.min() >= low - 1e-6 and scale.max() < high + 1e-6
    assert scale.min() < low + 0.1 and scale.max() > high - 0.1
    # so each value moves by at most |s - 1|·|x - m|: ≤ 1·|x - m| (saturation), ≤ ½|x - m| (contrast)
    assert np.all(np.abs(y - x) <= (high - 1.0) * np.abs(centred) + 1e-5)


def test_saturation_is_the_identity_on_one_channel():
    x = images((4, 5, 5, 1))
    np.testing.assert_allclose(augment.saturation(x, seed()), x, atol=1e-6)


def test_translation_is_a_zero_padded_integer_shift_of_at_most_an_eighth():
    x = images((40, 16, 9, 2)).numpy()           # shifts up to round(16/8) = 2 rows and round(9/8) = 1 column
    y = augment.translation(tf.constant(x), seed()).numpy()
    seen = set()
    for image, out in zip(x, y):
        matches = [(dh, dw) for dh in range(-2, 3) for dw in range(-1, 2)
                   if np.array_equal(out, shifted(image, dh, dw))]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 8                          # the draws cover the shifts (15 possible)
    assert y.min() >= min(x.min(), 0) and y.max() <= x.max()


def test_cutout_zeroes_one_clipped_square_of_half_the_size():
    x = images((60, 8, 12, 3), low=0.5, high=1.0).numpy()   # a 4 x 6 rectangle (round(8/2), round(12/2))
    y = augment.cutout(tf.constant(x), seed()).numpy()
    for image, out in zip(x, y):
        zero = np.all(out == 0, axis=-1)
        np.testing.assert_array_equal(out[~zero], image[~zero])     # the rest is untouched
        rows, cols = np.flatnonzero(zero.any(axis=1)), np.flatnonzero(zero.any(axis=0))
        assert zero[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()   # one rectangle
        assert zero.sum() == len(rows) * len(cols)
        for kept, size, length in ((rows, 8, 4), (cols, 12, 6)):   # full length unless clipped at a border
            assert len(kept) == length or kept.min() == 0 or kept.max() == size - 1
            assert 1 <= len(kept) <= length
    assert y.min() >= 0.0 and y.max() <= x.max()


def test_diffaugment_is_differentiable_with_the_numerical_gradient():
    """With the draws fixed by the seed, ``T`` is affine in ``x``: the Jacobian is exact and non-zero."""
    transform = augment.DiffAugment("color,translation,cutout")
    x = tf.constant(np.random.default_rng(1).uniform(-1, 1, (2, 4, 4, 2)))
    theoretical, numerical = tf.test.compute_gradient(lambda v: transform(v, seed(3)), [x])
    assert np.abs(theoretical[0]).max() > 0.1
    np.testing.assert_allclose(theoretical[0], numerical[0], atol=1e-6)


def test_the_same_seed_gives_the_same_augmentation_and_another_seed_another():
    transform = augment.DiffAugment()
    x = images()
    first, again, other = transform(x, seed(5)), transform(x, seed(5)), transform(x, seed(6))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    with pytest.raises(ValueError, match=r"seed must be None or a keras.random.SeedGenerator.*Received: seed=5"):
        transform(x, 5)


def test_policy_names_are_checked():
    assert augment.parse_policy("cutout,color") == (augment.cutout, augment.brightness, augment.saturation,
                                                    augment.contrast)
    for policy in ("", "color,zoom", "color,color", None):
        with pytest.raises(ValueError, match=r"augment_policy must be a comma-separated list of distinct names "
                                             r"from color, translation, cutout\. Received: augment_policy="):
            augment.parse_policy(policy)


def test_registry_names_and_build():
    assert augment.names() == ["ada", "diffaugment", "none"]
    identity = augment.get(None)
    x = images()
    assert identity(x, seed()) is x and identity.state() == {} and identity.step() == {}
    assert augment.build("diffaugment", policy="cutout").policy == "cutout"
    assert type(augment.build("none", policy="cutout")) is augment.NoAugment   # no policy to set
    with pytest.raises(ValueError, match=r"augment must be one of ada, diffaugment, none \(or None or a "
                                         r"tfgan_gp.augment.Augment instance\)\. Received: augment='mixup'"):
        augment.get("mixup")


# ------------------------------------------------------------------------------------------------- ADA
@pytest.mark.parametrize("p, changed_fraction", [(0.0, 0.0), (1.0, 1.0), (0.5, 0.5)])
def test_each_transform_is_applied_with_probability_p(p, changed_fraction):
    ones = tf.ones((400, 8, 8, 1))
    out = augment.AdaptiveAugment("cutout", initial_p=p)(ones, seed()).numpy()
    fraction = np.mean((out == 0).any(axis=(1, 2, 3)))
    assert abs(fraction - changed_fraction) < 0.08
    if p == 0.0:
        x = images()
        np.testing.assert_array_equal(augment.AdaptiveAugment(initial_p=0.0)(x, seed()), x)


def run_ada(ada, scores, steps, fake=None, boundary=0.0, per_step=2):
    """``steps`` generator iterations of ``per_step`` critic minibatches, each scored ``scores``."""
    for _ in range(steps):
        for _ in range(per_step):
            ada.observe(tg.CriticBatch(real_out=tf.constant(scores, tf.float32)[:, None], fake_out=fake), boundary)
        logs = ada.step()
    return float(logs["augment_p"])


def test_ada_moves_p_by_the_papers_step_every_interval():
    """``p ← clip(p + sign(r_t − 0.6)·N/speed, 0, 1)``, ``N`` = 2 iterations × 2 minibatches × 4 reals = 16."""
    ada = augment.AdaptiveAugment(interval=2, speed_images=1000, initial_p=0.5)
    step = 16 / 1000
    assert run_ada(ada, [1.0, 2.0, 3.0, 4.0], 1) == 0.5                              # not yet: 1 of 2 iterations
    assert run_ada(ada, [1.0, 2.0, 3.0, 4.0], 1) == pytest.approx(0.5 + step)        # r_t = 1 > 0.6: up
    assert run_ada(ada, [1.0, 2.0, 3.0, -4.0], 2) == pytest.approx(0.5)              # r_t = 0.5 < 0.6: down
    # 5 of 10 positive: r_t = 0 < 0.6, down by N/speed with N = 2 × 2 × 10 = 40 images
    assert run_ada(ada, [1.0, 2.0, 3.0, 4.0, 5.0, -1.0, -2.0, -3.0, -4.0, -5.0], 2) == pytest.approx(0.5 - 0.04)
    assert float(ada.sign_sum) == 0.0 and float(ada.images) == 0.0 and int(ada.iterations) == 0

    high = augment.AdaptiveAugment(interval=1, speed_images=1000, initial_p=0.995)
    assert run_ada(high, [1.0] * 4, 1) == 1.0                                          # clipped to [0, 1]
    low = augment.AdaptiveAugment(interval=1, speed_images=1000, initial_p=0.005)
    assert run_ada(low, [-1.0] * 4, 1) == 0.0


def test_ada_boundary_is_the_losses_own_or_the_mean_fake_score():
    assert tg.losses.get("non_saturating").decision_boundary == 0.0
    assert tg.losses.get("minimax").decision_boundary == 0.0
    assert tg.losses.get("hinge").decision_boundary == 0.0
    assert tg.losses.get("least_squares").decision_boundary == 0.5
    assert tg.losses.get("wasserstein").decision_boundary is None
    assert tg.losses.get("relativistic").decision_boundary is None

    def moved(scores, boundary, fake=None):
        ada = augment.AdaptiveAugment(interval=1, speed_images=100, initial_p=0.5)
        fake = None if fake is None else tf.constant(fake, tf.float32)[:, None]
        return run_ada(ada, scores, 1, fake=fake, boundary=boundary, per_step=1) - 0.5

    assert moved([0.6, 0.7], 0.5) == pytest.approx(0.02)            # least squares: above ½ is "real"
    assert moved([0.4, 0.45], 0.5) == pytest.approx(-0.02)
    # Wasserstein: scores below zero, but above every fake's mean (−3): the critic separates them, p goes up
    assert moved([-1.0, -2.0], None, fake=[-2.0, -4.0]) == pytest.approx(0.02)
    assert moved([-1.0, -2.0], 0.0) == pytest.approx(-0.02)         # (the logit rule would read them as fake)


def test_ada_arguments_are_checked():
    for kwargs, name in ((dict(target=1.0), "target"), (dict(interval=0), "interval"),
                         (dict(speed_images=0), "speed_images"), (dict(initial_p=1.5), "initial_p")):
        with pytest.raises(ValueError, match=rf"{name} must .* Received: {name}="):
            augment.AdaptiveAugment(**kwargs)


# ------------------------------------------------------------------------------------------------- GAN
def test_the_critic_sees_augmented_reals_and_fakes_and_the_penalty_their_interpolates():
    critic = Recording()
    gan = image_gan(augment.DiffAugment("cutout"), critic=critic)    # cutout only: exact zeros show it
    critic.seen.clear()
    gan.train_step(tf.ones((4, 8, 8, 3)))
    real, fake, interpolates, generated = critic.seen                # critic step (+ penalty), generator step
    for batch in (real, fake, generated):
        assert all((image == 0).all(axis=-1).any() for image in batch)        # a zeroed square in every image
    assert set(np.unique(real)) == {0.0, 1.0}
    assert not (np.array(gan.generator(tf.zeros((4, 4)))) == 0).any()         # G's own outputs have no zeros
    # x̂ = ε·T(x) + (1 − ε)·T(G(z)), one ε ∈ [0, 1] per sample: the penalty's points come from T(x), T(G(z))
    for point, r, f in zip(interpolates, real, fake):
        eps = np.sum((point - f) * (r - f)) / np.sum((r - f) ** 2)
        assert 0.0 <= eps <= 1.0
        np.testing.assert_allclose(point, eps * r + (1 - eps) * f, atol=1e-5)


def test_without_augmentation_the_critic_sees_the_reals_themselves():
    critic = Recording()
    gan = image_gan(augment.AdaptiveAugment(initial_p=0.0), critic=critic, penalty=None)
    critic.seen.clear()
    real = images((4, 8, 8, 3))
    gan.train_step(real)
    np.testing.assert_array_equal(critic.seen[0], real)


def test_ada_in_fit_logs_augment_p_and_moves_it_by_whole_steps():
    ada = augment.AdaptiveAugment(interval=1, speed_images=64, initial_p=0.0)
    gan = image_gan(ada, loss="non_saturating", penalty="r1", n_critic=2)
    data = tf.data.Dataset.from_tensor_slices(images((64, 8, 8, 3))).repeat()
    history = gan.fit(tg.data.for_gan(data, 4, 2, shuffle_buffer=None), steps_per_epoch=3, epochs=1, verbose=0)
    p = float(ada.p)
    steps = p / (8 / 64)                                   # each iteration: 2 minibatches × 4 reals = 8 images
    assert steps == pytest.approx(round(steps), abs=1e-5) and 0.0 <= p <= 3 * 8 / 64
    assert "augment_p" in history.history and np.isfinite(history.history["augment_p"][0])


def test_ada_state_is_checkpointed_and_restored(tmp_path):
    gan = image_gan("ada")
    assert {"augment_p", "augment_sign_sum", "augment_images", "augment_iterations"} <= set(gan.resumable_state())
    gan.augment.p.assign(0.3)
    gan.augment.sign_sum.assign(5.0)
    gan.augment.images.assign(12.0)
    gan.augment.iterations.assign(2)
    path = checkpoints.checkpoint(gan).save(str(tmp_path / "ckpt"))
    fresh = image_gan("ada")
    checkpoints.checkpoint(fresh).restore(path).assert_existing_objects_matched()
    state = fresh.augment
    assert (float(state.p), float(state.sign_sum), float(state.images), int(state.iterations)) == (
        pytest.approx(0.3), 5.0, 12.0, 2)


def test_augmentation_needs_images_and_the_spec_checks_names():
    with pytest.raises(ValueError, match=r"augment='diffaugment' transforms images.*Received: samples of shape "
                                         r"\(2, 2\)"):
        tg.GAN(mlp.generator(2, 2, width=8, depth=1), mlp.critic(2, width=8, depth=1), latent_dim=2,
               augment="diffaugment")
    spec = tg.GANSpec(augment="ada", augment_policy="translation")
    assert (spec.augment, spec.augment_policy) == ("ada", "translation")
    with pytest.raises(ValueError, match=r"augment must be one of ada, diffaugment, none\. Received: augment='flip'"):
        tg.GANSpec(augment="flip")
    with pytest.raises(ValueError, match=r"Received: augment_policy='color,flip'"):
        tg.GANSpec(augment_policy="color,flip")
