"""Toy data follow the documented scales; mode metrics and exact W1 give known answers."""
import numpy as np
import pytest

from tfgan_gp.data import toy
from tfgan_gp.metrics import high_quality_fraction, modes_covered, wasserstein_1


def draw(name, n=20_000, seed=0):
    return toy.sample(name, n, [seed, 7]).numpy()


@pytest.mark.parametrize("name, k, radius, std, scale", [
    ("8gaussians", 8, 2.0, 0.02, 1.414),
    ("25gaussians", 25, None, 0.05, 2.828),
])
def test_mixtures_have_the_documented_centres_and_spread(name, k, radius, std, scale):
    centres = toy.centres(name)
    assert centres.shape == (k, 2) and toy.scale(name) == scale
    if radius:  # 8 Gaussians: on a circle of radius 2 before scaling, 45° apart
        np.testing.assert_allclose(np.linalg.norm(centres, axis=1), radius / scale, rtol=1e-6)
    else:       # 25 Gaussians: the grid {-4, -2, 0, 2, 4}² before scaling
        np.testing.assert_allclose(np.unique(np.round(centres[:, 0] * scale, 6)), [-4, -2, 0, 2, 4])
    x = draw(name)
    nearest = np.argmin(np.linalg.norm(x[:, None] - centres[None], axis=-1), axis=1)
    offsets = x - centres[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), std / scale, rtol=0.05)   # per-axis std after scaling
    np.testing.assert_allclose(offsets.mean(axis=0), 0.0, atol=3 * std / scale / np.sqrt(len(x)) * 3)
    counts = np.bincount(nearest, minlength=k) / len(x)
    np.testing.assert_allclose(counts, 1.0 / k, atol=0.02)                  # modes equally likely
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.05)


def test_swissroll_follows_sklearn_recipe():
    x = draw("swissroll") * 7.5                  # back to sklearn's units
    r = np.linalg.norm(x, axis=1)
    # t ~ U[1.5π, 4.5π] and ‖(t cos t, t sin t)‖ = t, blurred by N(0, 0.25²) per axis
    assert np.quantile(r, 0.01) == pytest.approx(1.5 * np.pi, abs=0.5)
    assert np.quantile(r, 0.99) == pytest.approx(4.5 * np.pi, abs=0.5)
    np.testing.assert_allclose(r.mean(), 3 * np.pi, rtol=0.02)
    assert toy.centres("swissroll") is None and toy.scale("swissroll") == 7.5


def test_sources_are_deterministic_per_seed_and_unbounded():
    np.testing.assert_array_equal(draw("8gaussians", 100, seed=3), draw("8gaussians", 100, seed=3))
    assert np.any(draw("8gaussians", 100, seed=3) != draw("8gaussians", 100, seed=4))
    batch = next(iter(toy.dataset("25gaussians", seed=1).batch(5000).take(1))).numpy()
    assert batch.shape == (5000, 2)


def test_mode_metrics_on_constructed_samples():
    centres = toy.centres("8gaussians")
    radius = 0.1 / toy.scale("8gaussians")
    everywhere = np.repeat(centres, 50, axis=0) + 0.2 * radius
    assert modes_covered(everywhere, centres, radius) == 8
    assert high_quality_fraction(everywhere, centres, radius) == 1.0
    collapsed = np.repeat(centres[:1], 400, axis=0)
    assert modes_covered(collapsed, centres, radius) == 1
    assert high_quality_fraction(collapsed, centres, radius) == 1.0
    off_mode = np.full((400, 2), 10.0)
    assert modes_covered(off_mode, centres, radius) == 0
    assert high_quality_fraction(off_mode, centres, radius) == 0.0
    half = np.concatenate([everywhere, off_mode])       # 400 good + 400 bad
    assert high_quality_fraction(half, centres, radius) == pytest.approx(0.5)
    # a mode with fewer than 1% of the samples does not count as covered
    rare = np.concatenate([np.repeat(centres[:1], 1000, axis=0), centres[1:2]])
    assert modes_covered(rare, centres, radius) == 1


def test_exact_w1_known_answers():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(64, 2))
    shift = np.array([0.3, -0.4])                         # translating a set moves it by exactly ‖shift‖
    assert wasserstein_1(a, a + shift) == pytest.approx(0.5, abs=1e-9)
    assert wasserstein_1(a, a[rng.permutation(64)]) == pytest.approx(0.0, abs=1e-12)
    two = np.array([[0.0, 0.0], [1.0, 0.0]])               # cross pairing costs 2, straight pairing 0
    assert wasserstein_1(two, two[::-1]) == 0.0
    with pytest.raises(ValueError, match="equal shape"):
        wasserstein_1(a, a[:10])
