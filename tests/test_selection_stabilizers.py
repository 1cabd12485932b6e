"""The stabilizer candidates (EMA, DiffAugment, ADA, bCR, LeCam, lazy R1) in selection, and their recommendations."""
import numpy as np
import pytest
import tensorflow as tf

from tfgan_gp import augment, penalties, selection
from tfgan_gp.selection import advice, candidates as candidates_lib

STABILIZERS = ("wgan_gp_ema", "sngan_diffaugment", "sngan_ada", "sngan_bcr", "sngan_lecam", "nsgan_r1_lazy")


@pytest.fixture(scope="module")
def images():
    data = np.random.default_rng(0).uniform(-1, 1, (16, 32, 32, 1)).astype(np.float32)
    return selection.image_problem(tf.data.Dataset.from_tensor_slices(data), classifier=lambda x: (x, x),
                                   name="noise", batch_size=4)


@pytest.mark.parametrize("name", STABILIZERS)
def test_each_stabilizer_candidate_builds_its_parts_and_trains_one_step(name, images):
    candidate = selection.get(name)
    gan = images.complete(candidate.gan, {"dim": 2}).build(seed=0)
    assert (gan.ema_generator is not None) == (candidate.gan.ema_decay > 0)
    assert gan.ema_decay == candidate.gan.ema_decay
    assert type(gan.augment) is type(augment.get(candidate.gan.augment))
    assert type(gan.penalty) is type(candidate.gan.build_penalty())
    critic_names = {type(layer).__name__ for layer in gan.critic._flatten_layers()}
    assert ("SpectralNormalization" in critic_names) == candidate.gan.spectral_norm
    batch = tf.random.stateless_uniform([4 * gan.real_batches_per_step, 32, 32, 1], [1, 2], -1, 1)
    logs = gan.train_step(batch)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert set(candidate.gan.build_penalty().metric_names) <= set(logs)
    assert candidate.hparams()["augment"] == candidate.gan.augment
    assert candidate.hparams()["ema_decay"] == candidate.gan.ema_decay


def test_stabilizers_carry_their_published_settings():
    assert selection.get("sngan_lecam").gan.build_penalty().weight == 0.3   # Tseng et al. 2021, CIFAR
    bcr = selection.get("sngan_bcr").gan.build_penalty()   # spectral norm + bCR: one penalty
    assert (bcr.weight, bcr.fake_weight) == (10.0, 10.0)                       # Zhao et al. 2021
    lazy = selection.get("nsgan_r1_lazy").gan
    assert (lazy.optimizer.beta_1, lazy.optimizer.beta_2, lazy.n_critic) == (0.0, 0.99, 1)  # StyleGAN2's Adam
    assert selection.get("wgan_gp_ema", "toy").gan.build_penalty().weight == 0.1  # as wgan_gp: gan_toy.py's λ
    assert selection.get("wgan_gp_ema", "toy").gan.ema_decay == 0.99
    assert selection.get("wgan_gp_ema", "text").gan.n_critic == 10


def test_image_transforming_candidates_are_left_out_of_other_data_and_refused_by_name():
    toy_names = [c.name for c in candidates_lib.parse("all", "toy")]
    assert not {"sngan_diffaugment", "sngan_ada", "sngan_bcr"} & set(toy_names)
    assert {"wgan_gp_ema", "sngan_lecam", "nsgan_r1_lazy"} <= set(toy_names)
    with pytest.raises(ValueError, match="sngan_ada transform images.*text data"):
        candidates_lib.parse("wgan_gp,sngan_ada", "text")
    assert isinstance(penalties.get("gp+bcr").images_only, bool) and penalties.get("gp+bcr").images_only
    with pytest.raises(ValueError, match="augment must be one of"):
        selection.get("sngan").replace(augment="mixup")
    with pytest.raises(ValueError, match="ema_decay"):
        selection.get("sngan").replace(ema_decay=1.0)


def test_few_images_bring_augmentation_to_the_top_with_the_reason():
    ranked = advice.recommend("images", "quality,stability", num_images=5_000)
    assert {r.candidate.name for r in ranked[:2]} == {"sngan_diffaugment", "sngan_ada"}
    assert ranked[0].reasons[0].startswith("few images: with 5,000 training images")
    lecam = next(r for r in ranked if r.candidate.name == "sngan_lecam")
    assert "limited data" in lecam.reasons[0]
    plenty = {r.candidate.name: r.score for r in advice.recommend("images", "quality,stability", num_images=50_000)}
    unknown = {r.candidate.name: r.score for r in advice.recommend("images", "quality,stability")}
    assert plenty == unknown
    few = {r.candidate.name: r.score for r in ranked}
    assert few["sngan_diffaugment"] == pytest.approx(unknown["sngan_diffaugment"] + 0.5)
    assert few["sngan_lecam"] == pytest.approx(unknown["sngan_lecam"] + 0.25)
    assert few["wgan_gp"] == unknown["wgan_gp"]
    with pytest.raises(ValueError, match="num_images must be a positive integer"):
        advice.recommend("images", num_images=0)


def test_instability_reasons_name_the_average_and_lecam():
    ranked = {r.candidate.name: r for r in advice.recommend("images", "stability")}
    first = ranked["wgan_gp_ema"].reasons[0]
    assert "Yazıcı" in first and first.startswith("stable training strong")
    assert "anchors" in ranked["sngan_lecam"].reasons[0]
    assert ranked["wgan_gp_ema"].score > ranked["wgan_gp"].score   # the average is rated more stable than raw WGAN-GP
    assert not {"sngan_diffaugment", "sngan_ada", "sngan_bcr"} & {r.candidate.name for r in advice.recommend("toy")}
