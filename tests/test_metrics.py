"""Sample-quality metrics against closed forms, hand computations and independent numpy references."""
import itertools
import math
import os

import keras
import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf
from scipy.ndimage import convolve
from scipy.spatial.distance import cdist

from tfgan_gp import metrics
from tfgan_gp.metrics import classifiers, inception, statistics, swd
from tfgan_gp.metrics.streaming import RunningMoments

from helpers import naive_precision_recall, salimans_inception_score, tiny_classifier, tiny_network


# ------------------------------------------------------------------ FID
def test_fid_from_stats_equals_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    v1, v2 = rng.uniform(0.1, 3.0, 6), rng.uniform(0.1, 3.0, 6)
    # commuting covariances: (Σ1Σ2)^½ = diag(√(v1 v2))
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(v1 + v2 - 2.0 * np.sqrt(v1 * v2))
    got = metrics.frechet_distance_from_stats(mu1, np.diag(v1), mu2, np.diag(v2))
    assert got == pytest.approx(expected, rel=1e-12)


def test_fid_from_stats_matches_scipy_sqrtm_for_full_covariances():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 8, 8))
    s1, s2 = a @ a.T + 0.1 * np.eye(8), b @ b.T + 0.1 * np.eye(8)   # non-commuting SPD matrices
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    reference = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                 - 2.0 * np.trace(scipy.linalg.sqrtm(s1 @ s2)).real)
    assert metrics.frechet_distance_from_stats(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-9)


def test_fid_of_gaussian_samples_approaches_closed_form():
    rng = np.random.default_rng(3)
    mu2, v1, v2 = np.array([1.0, -0.5, 0.0]), np.array([1.0, 0.5, 2.0]), np.array([0.25, 1.5, 2.0])
    x = rng.normal(size=(40_000, 3)) * np.sqrt(v1)
    y = mu2 + rng.normal(size=(40_000, 3)) * np.sqrt(v2)
    expected = np.sum(mu2 ** 2) + np.sum(v1 + v2 - 2.0 * np.sqrt(v1 * v2))   # 1.25 + 0.1927…
    assert metrics.frechet_distance(x, y) == pytest.approx(expected, abs=0.03)


@pytest.mark.parametrize("n, d", [(500, 32), (60, 128)])   # second case: singular covariances
def test_fid_of_a_set_with_itself_is_zero(n, d):
    x = np.random.default_rng(4).gamma(2.0, size=(n, d))      # non-negative, like pool features
    fid = metrics.frechet_distance(x, x)
    assert abs(fid) < 1e-10 * np.trace(np.cov(x, rowvar=False))
    assert isinstance(fid, float)


def test_fid_rejects_bad_shapes():
    with pytest.raises(ValueError, match="Received"):
        metrics.frechet_distance(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="sigma2"):
        metrics.frechet_distance_from_stats(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))


def test_running_moments_in_chunks_equal_numpy_and_survive_a_large_offset():
    x = 1e6 + np.random.default_rng(5).normal(size=(1000, 4)) * [1.0, 2.0, 0.5, 3.0]
    moments = RunningMoments()
    for chunk in np.array_split(x, 13):
        moments.update(chunk)
    np.testing.assert_allclose(moments.mean, x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(moments.covariance, np.cov(x, rowvar=False), rtol=1e-9)
    restored = RunningMoments.from_state(moments.state())
    np.testing.assert_array_equal(restored.covariance, moments.covariance)


# ------------------------------------------------------------------ Inception score
def test_inception_score_of_uniform_predictions_is_one():
    mean, std = metrics.inception_score(np.zeros((100, 10)), splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_of_one_class_is_one_and_of_k_evenly_spread_classes_is_k():
    k, splits = 7, 5
    same = 40.0 * np.eye(k)[np.zeros(k * splits * 3, int)]
    assert metrics.inception_score(same, splits)[0] == pytest.approx(1.0, abs=1e-9)
    labels = np.arange(k * splits * 3) % k                  # every split holds each class 3 times
    mean, std = metrics.inception_score(40.0 * np.eye(k)[labels], splits)
    assert mean == pytest.approx(k, rel=1e-9) and std == pytest.approx(0.0, abs=1e-9)


def test_inception_score_hand_computed_case():
    p = np.array([[0.75, 0.25], [0.25, 0.75]])              # marginal (½, ½)
    kl = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert metrics.inception_score(np.log(p), splits=1)[0] == pytest.approx(math.exp(kl), rel=1e-12)


def test_streaming_inception_score_equals_salimans_reference_with_uneven_splits():
    logits = np.random.default_rng(6).normal(size=(103, 12)) * 3.0
    acc = inception.InceptionScoreAccumulator(103, splits=10)
    for chunk in np.array_split(logits, 9):
        acc.update(chunk)
    np.testing.assert_allclose(acc.result(), salimans_inception_score(logits, 10), rtol=1e-10)
    with pytest.raises(ValueError, match="num_samples=103"):
        acc.update(logits[:1])


def test_inception_score_rejects_bad_input():
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(np.zeros((10, 3)), splits=0)
    with pytest.raises(ValueError, match=r"\(N, classes\)"):
        metrics.inception_score(np.zeros(10))


# ------------------------------------------------------------------ KID
def naive_unbiased_mmd2(x, y):
    k = lambda a, b: (a @ b / len(a) + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    xy = sum(k(a, b) for a in x for b in y) / (m * n)
    return xx + yy - 2.0 * xy


def test_kid_of_shifted_sets_matches_naive_reference():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(60, 5)), rng.normal(size=(45, 5)) + 0.7
    blocks = [naive_unbiased_mmd2(a, b) for a, b in zip(np.array_split(x, 3), np.array_split(y, 3))]
    mean, std = metrics.kernel_inception_distance(x, y, block_size=20)
    assert mean == pytest.approx(np.mean(blocks), rel=1e-10)
    assert std == pytest.approx(np.std(blocks, ddof=1), rel=1e-8)
    assert mean > 3.0 * std / math.sqrt(3) > 0


def test_kid_of_one_distribution_is_zero_within_its_spread():
    rng = np.random.default_rng(8)
    mean, std = metrics.kernel_inception_distance(rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16)),
                                                  block_size=200)
    assert abs(mean) < 3.0 * std / math.sqrt(10)
    shifted, _ = metrics.kernel_inception_distance(rng.normal(size=(2000, 16)),
                                                   rng.normal(size=(2000, 16)) + 0.3, block_size=200)
    assert shifted > 10.0 * std / math.sqrt(10)


def test_kid_rejects_too_few_samples_per_block():
    with pytest.raises(ValueError, match="at least 2 samples"):
        metrics.kernel_inception_distance(np.zeros((100, 3)), np.zeros((3, 3)), block_size=10)


# ------------------------------------------------------------------ precision and recall
def test_precision_recall_against_a_naive_reference_and_mode_collapse():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(120, 5)), rng.normal(0.7, 1.3, size=(90, 5))
    got = metrics.precision_recall(real, fake, k=3, chunk=17)
    assert got == pytest.approx(naive_precision_recall(real, fake, 3), abs=1e-12)
    # two far-apart modes; the generator reproduces one of them exactly: precision 1, recall 1/2
    mode_a, mode_b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3)) + 100.0
    assert metrics.precision_recall(np.concatenate([mode_a, mode_b]), mode_a) == (1.0, 0.5)
    with pytest.raises(ValueError, match="Received"):
        metrics.precision_recall(real, fake[:, :3])


def _naive_density_coverage(real, fake, k):
    """Naeem et al.'s prdc formulas with scipy distances (strict inequalities, as their code)."""
    radii = np.sort(cdist(real, real), axis=1)[:, k]
    inside = cdist(real, fake) < radii[:, None]
    return inside.sum() / (k * len(fake)), inside.any(axis=1).mean()


def test_density_coverage_against_a_naive_reference():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(150, 6)), rng.normal(0.3, 1.2, size=(110, 6))
    got = metrics.density_coverage(real, fake, k=5, chunk=23)
    assert got == pytest.approx(_naive_density_coverage(real, fake, 5), abs=1e-12)
    with pytest.raises(ValueError, match=r"Received: k=5, sizes 150 and 4"):
        metrics.density_coverage(real, fake[:4])


def test_manifold_metrics_known_answers_identical_disjoint_and_a_subset():
    rng = np.random.default_rng(3)
    mode_a, mode_b = rng.normal(size=(60, 4)), rng.normal(size=(60, 4)) + 100.0
    real = np.concatenate([mode_a, mode_b])
    # identical sets: everything covered; a set against itself has density exactly 1 (each real ball holds the
    # point itself and k - 1 neighbours strictly inside, the k-th on its boundary)
    assert metrics.precision_recall(real, real.copy(), k=3) == (1.0, 1.0)
    assert metrics.density_coverage(real, real.copy(), k=5) == (1.0, 1.0)
    # disjoint sets, far apart: nothing
    far = rng.normal(size=(70, 4)) - 100.0
    assert metrics.precision_recall(real, far) == (0.0, 0.0)
    assert metrics.density_coverage(real, far) == (0.0, 0.0)
    # a generator that reproduces one of two modes exactly: perfect quality, half the real data covered
    assert metrics.precision_recall(real, mode_a.copy()) == (1.0, 0.5)
    density, coverage = metrics.density_coverage(real, mode_a.copy())
    assert coverage == 0.5
    assert density == pytest.approx(1.0, abs=0.2)   # 1 up to generated points on a ball's boundary (k-th neighbours)


def test_manifold_estimates_share_one_pass_and_reuse_the_real_neighbours():
    """All four estimates equal the separate functions; a cached reference is not recomputed."""
    from tfgan_gp.metrics import manifold

    rng = np.random.default_rng(4)
    real, fake = rng.normal(size=(130, 5)), rng.normal(0.2, 1.1, size=(100, 5))
    cache = {}
    got = manifold.manifold_estimates(real, fake, 3, 5, chunk=19, real_cache=cache)
    assert (got["precision"], got["recall"]) == metrics.precision_recall(real, fake, k=3, chunk=19)
    assert (got["density"], got["coverage"]) == metrics.density_coverage(real, fake, k=5, chunk=19)
    brute = np.sort(cdist(real, real, "sqeuclidean"), axis=1)       # column 0: the point itself
    assert sorted(cache) == [3, 5]
    for k in (3, 5):
        np.testing.assert_allclose(cache[k], brute[:, k], rtol=1e-9, atol=1e-9)
    cache[5] = np.full(len(real), -1.0)   # a poisoned cache is used as it is: nothing inside any real ball
    again = manifold.manifold_estimates(real, fake, 3, 5, chunk=19, real_cache=cache)
    assert again["density"] == again["coverage"] == 0.0 and again["precision"] == got["precision"]
    assert manifold.manifold_estimates(real, fake, None, 5) == {"density": got["density"], "coverage": got["coverage"]}
    with pytest.raises(ValueError, match="Received: both None"):
        manifold.manifold_estimates(real, fake, None, None)


# ------------------------------------------------------------------ sliced Wasserstein
def smooth_images(n, size=32, seed=0):
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, size=(n, size // 4, size // 4, 3))
    return np.clip(np.kron(coarse, np.ones((1, 4, 4, 1))) + rng.normal(0, 8, (n, size, size, 3)),
                   0, 255).astype(np.uint8)


def karras_pyramid(images, levels):
    """Karras et al.'s generate_laplacian_pyramid with a full 5×5 kernel (scipy 'mirror' borders)."""
    g = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])[None, :, :, None] / 256.0
    pyramid = [images.astype(np.float64)]
    for _ in range(1, levels):
        pyramid.append(convolve(pyramid[-1], g, mode="mirror")[:, ::2, ::2])
        up = np.zeros_like(pyramid[-2])
        up[:, ::2, ::2] = pyramid[-1]
        pyramid[-2] = pyramid[-2] - convolve(up, 4.0 * g, mode="mirror")
    return pyramid


def test_laplacian_pyramid_matches_karras_and_collapses_back_to_the_image():
    images = smooth_images(3, size=32)
    ours = swd.laplacian_pyramid(images, 3)
    for a, b in zip(ours, karras_pyramid(images, 3)):
        np.testing.assert_allclose(a, b, atol=1e-3)
    image = ours[-1]
    for band in reversed(ours[:-1]):
        image = band + swd.pyr_up(image)
    np.testing.assert_allclose(image, images, atol=1e-3)


def test_projected_wasserstein_of_a_translated_cloud_is_mean_abs_projection():
    rng = np.random.default_rng(9)
    a, shift = rng.normal(size=(500, 6)), rng.normal(size=6)
    directions = rng.normal(size=(6, 40))
    directions /= np.linalg.norm(directions, axis=0)
    expected = np.mean(np.abs(shift @ directions))
    assert swd.projected_wasserstein(a, a + shift, directions) == pytest.approx(expected, rel=1e-10)


def test_sliced_wasserstein_is_zero_for_identical_sets_and_grows_with_noise():
    images = smooth_images(16, size=32)
    per_level, average = metrics.sliced_wasserstein(images, images.copy(), seed=0)
    assert set(per_level) == {32, 16} and average == 0.0
    noise = np.random.default_rng(1).normal(size=images.shape)
    distances = [metrics.sliced_wasserstein(
        images, np.clip(images + sigma * noise, 0, 255).astype(np.uint8), seed=0)[1] for sigma in (4, 16, 48)]
    assert 0 < distances[0] < distances[1] < distances[2]


def test_sliced_wasserstein_rejects_bad_images():
    with pytest.raises(ValueError, match="uint8"):
        metrics.sliced_wasserstein(np.zeros((2, 32, 32, 3)), np.zeros((2, 32, 32, 3)))
    with pytest.raises(ValueError, match=">= 16"):
        metrics.sliced_wasserstein(np.zeros((2, 8, 8, 3), np.uint8), np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="same shape"):
        metrics.sliced_wasserstein(np.zeros((2, 16, 16, 3), np.uint8), np.zeros((3, 16, 16, 3), np.uint8))
    assert swd.resolutions(64, 64) == [64, 32, 16]


# ------------------------------------------------------------------ n-gram JS
def paper_js(samples, reference, n):
    """The authors' NgramLanguageModel.js_with, with dicts (independent of the vectorised code)."""
    def distribution(lines):
        counts = {}
        for line in lines:
            for i in range(len(line) - n + 1):
                counts[line[i:i + n]] = counts.get(line[i:i + n], 0) + 1
        total = sum(counts.values())
        return {g: c / total for g, c in counts.items()}
    p, q = distribution(reference), distribution(samples)
    kl = lambda a, b: sum(v * math.log2(v / ((v + b.get(g, 0.0)) / 2)) for g, v in a.items())  # noqa: E731
    return 0.5 * (kl(p, q) + kl(q, p))


def test_ngram_js_identical_and_disjoint():
    lines = ["the cat sat", "on the mat!", "a`````"]
    for n in range(1, 5):
        assert metrics.ngram_js(lines, list(lines), n) == pytest.approx(0.0, abs=1e-15)
        assert metrics.ngram_js(["abcab", "cba"], ["xyzzy", "éüß"], n) == pytest.approx(1.0, abs=1e-15)


def test_ngram_js_hand_computed_cases():
    # unigrams: P = {a: 1}, Q = {a: ½, b: ½}, M = {a: ¾, b: ¼}
    expected = 0.5 * math.log2(1 / 0.75) + 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25))
    assert metrics.ngram_js(["ab"], ["aa"], 1) == pytest.approx(expected, rel=1e-12)
    # bigrams never cross lines: P = {ab: ½, cd: ½}, Q = {ab: ⅓, bc: ⅓, cd: ⅓}
    m_shared, m_bc = (0.5 + 1 / 3) / 2, (1 / 3) / 2
    expected = 0.5 * 2 * 0.5 * math.log2(0.5 / m_shared) + 0.5 * (
        2 / 3 * math.log2((1 / 3) / m_shared) + 1 / 3 * math.log2((1 / 3) / m_bc))
    assert metrics.ngram_js(["abcd"], ["ab", "cd"], 2) == pytest.approx(expected, rel=1e-12)


def test_ngram_js_matches_the_papers_definition_on_random_text():
    rng = np.random.default_rng(10)
    make = lambda k, alphabet: ["".join(rng.choice(list(alphabet), size=rng.integers(1, 12)))  # noqa: E731
                                for _ in range(k)]
    samples, reference = make(50, "abcde `"), make(80, "abcdef`")
    for n in range(1, 5):
        assert metrics.ngram_js(samples, reference, n) == pytest.approx(paper_js(samples, reference, n), abs=1e-12)


def test_ngram_counts_of_padded_id_rows_equal_ngram_js_of_the_decoded_lines(tmp_path):
    """The §5.5 protocol on ids: counted once in chunks (a corpus too large to recount), saved, compared."""
    from tfgan_gp.metrics.text import NgramCounts

    rng = np.random.default_rng(3)
    alphabet = list("`ab cdé")                       # index 0 is the pad, as every position counts
    reference_ids, sample_ids = rng.integers(0, 7, (300, 8)), rng.integers(0, 6, (40, 8))
    decode = lambda rows: ["".join(alphabet[i] for i in row) for row in rows]  # noqa: E731
    reference = NgramCounts(7)
    for start in range(0, 300, 7):                   # 43 chunks: merged along the way
        reference.add(reference_ids[start:start + 7])
    reference.save(tmp_path / "reference.npz")
    loaded = NgramCounts.load(tmp_path / "reference.npz")
    samples = NgramCounts(7).add(sample_ids)
    for n in range(1, 5):
        expected = paper_js(decode(sample_ids), decode(reference_ids), n)
        assert samples.js(loaded, n) == pytest.approx(expected, abs=1e-12)
        assert samples.js(reference, n) == pytest.approx(metrics.ngram_js(decode(sample_ids), decode(reference_ids), n),
                                                         abs=1e-12)
    assert loaded.rows == 300 and NgramCounts(7).add(reference_ids).js(loaded, 4) == pytest.approx(0.0, abs=1e-15)


def test_ngram_counts_buffered_dense_and_sorted_equal_a_plain_count_and_are_stored_compactly(tmp_path, monkeypatch):
    """Counted through small buffers (by bincount for n <= 2, by sorting for n >= 3) and merged: a plain count's
    numbers. Saved, the reference takes a fraction of its int64 arrays (before: 576 MB for a rehearsal's mock lm1b)
    and loads back; one saved by the previous version (int64 ids and counts) still loads."""
    import collections

    from tfgan_gp.metrics.text import NgramCounts

    monkeypatch.setattr(NgramCounts, "BUFFER", 500)
    monkeypatch.setattr(NgramCounts, "DENSE_LIMIT", 7 ** 2)
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 7, (3000, 12))
    ids[:, 9:] = 0                                   # padding, as the corpus' short lines
    counts = NgramCounts(7)
    for start in range(0, len(ids), 64):
        counts.add(ids[start:start + 64])
    for n in range(1, 5):
        expected = collections.Counter(tuple(row[k:k + n]) for row in ids.tolist() for k in range(12 - n + 1))
        grams, numbers = counts.counts(n)
        assert np.all(np.diff(grams) > 0)
        assert dict(zip(map(tuple, np.stack(np.unravel_index(grams, (7,) * n), 1).tolist()), numbers.tolist())) \
            == expected
    counts.save(tmp_path / "reference.npz")
    int64_bytes = sum(16 * len(counts.counts(n)[0]) for n in range(1, 5))
    assert os.path.getsize(tmp_path / "reference.npz") < int64_bytes / 4
    loaded = NgramCounts.load(tmp_path / "reference.npz")
    assert loaded.rows == 3000 and not list(tmp_path.glob("*.partial"))
    np.savez(tmp_path / "previous.npz", vocab_size=7, max_n=4, rows=3000,
             **{f"ids{n}": counts.counts(n)[0] for n in range(1, 5)},
             **{f"counts{n}": counts.counts(n)[1] for n in range(1, 5)})
    for other in (loaded, NgramCounts.load(tmp_path / "previous.npz")):
        for n in range(1, 5):
            for mine, theirs in zip(counts.counts(n), other.counts(n)):
                assert theirs.dtype == np.int64 and np.array_equal(mine, theirs)


def test_ngram_js_rejects_bad_input():
    with pytest.raises(ValueError, match="sequence of strings"):
        metrics.ngram_js("abc", ["abc"], 1)
    with pytest.raises(ValueError, match="n must be"):
        metrics.ngram_js(["abc"], ["abc"], 0)
    with pytest.raises(ValueError, match=">= 4 characters"):
        metrics.ngram_js(["abc"], ["abcd"], 4)


# ------------------------------------------------------------------ classifiers and statistics
def test_keras_classifier_returns_logits_and_pool_features_resizing_and_tiling():
    net = tiny_network(filters=8)
    clf = metrics.KerasClassifier(net, "pool", image_size=16)
    gray = np.random.default_rng(11).uniform(-1, 1, (4, 8, 8, 1)).astype(np.float32)
    logits, pool = clf(gray)
    rgb = tf.image.resize(np.repeat(gray, 3, axis=-1), (16, 16))
    np.testing.assert_allclose(logits, net(rgb), rtol=1e-5, atol=1e-6)
    assert pool.shape == (4, 8)


def test_saved_model_path_is_a_classifier(tmp_path):
    net = tiny_classifier()
    module = tf.Module()
    module.net = net._model
    module.__call__ = tf.function(lambda x: net(x), input_signature=[tf.TensorSpec([None, 16, 16, 3])])
    tf.saved_model.save(module, str(tmp_path / "clf"))
    loaded = metrics.load_classifier(str(tmp_path / "clf"))
    images = np.random.default_rng(12).uniform(-1, 1, (3, 16, 16, 3)).astype(np.float32)
    for a, b in zip(classifiers.split_outputs(loaded(images)), classifiers.split_outputs(net(images))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="callable"):
        metrics.load_classifier(42)


def _assert_one_sentence_telling_what_to_pass(err):
    message = str(err.value)
    assert "--inception_weights=PATH" in message and "another classifier" in message
    assert message.endswith(".") and ". " not in message.replace("e.g. ", "")


def test_inception_features_offline_says_what_to_pass(monkeypatch):
    def offline(**kwargs):   # what keras.utils.get_file raises without network
        raise Exception("URL fetch failure on https://storage.googleapis.com/inception_v3.h5: None -- "
                        "[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(keras.applications, "InceptionV3", offline)
    with pytest.raises(metrics.InceptionWeightsUnavailable) as err:
        metrics.InceptionFeatures()
    _assert_one_sentence_telling_what_to_pass(err)
    assert "URL fetch failure" in str(err.value)


def test_inception_features_with_a_missing_weights_file_says_what_to_pass(tmp_path):
    with pytest.raises(metrics.InceptionWeightsUnavailable) as err:
        metrics.InceptionFeatures(weights=str(tmp_path / "missing.h5"))
    _assert_one_sentence_telling_what_to_pass(err)


def test_streaming_statistics_equal_one_shot_formulas_and_round_trip(tmp_path):
    clf = tiny_classifier()
    images = np.random.default_rng(13).integers(0, 256, (50, 16, 16, 3)).astype(np.uint8)
    stats = metrics.compute_statistics(clf, statistics.image_batches(images, 16), 50, splits=5,
                                       keep_features=30)
    # one batch of 50 here, batches of 16 there: float32 kernels may round differently (oneDNN picks
    # them per CPU and batch shape), so the features agree to float32 precision, not bit for bit
    logits, pool = (np.asarray(t) for t in clf(images.astype(np.float32) / 127.5 - 1.0))
    np.testing.assert_allclose(stats.inception_score(), salimans_inception_score(logits.astype(np.float64), 5),
                               rtol=1e-5)
    np.testing.assert_allclose(stats.moments.covariance, np.cov(pool, rowvar=False), rtol=1e-5, atol=1e-9)
    assert stats.features.shape == (30, pool.shape[1])
    np.testing.assert_allclose(stats.features, pool[:30], rtol=1e-5, atol=1e-7)
    stats.save(tmp_path / "s.npz")
    loaded = metrics.ClassifierStatistics.load(tmp_path / "s.npz")
    assert loaded.classifier == "tiny" and loaded.frechet_distance(stats) == pytest.approx(0.0, abs=1e-9)
    assert loaded.inception_score() == stats.inception_score()
    with pytest.raises(ValueError, match="ran out"):
        metrics.compute_statistics(clf, statistics.image_batches(images, 16), 60)


def test_image_batches_read_arrays_and_datasets_of_images_pairs_or_dicts():
    images = np.random.default_rng(14).integers(0, 256, (10, 16, 16, 3)).astype(np.uint8)
    labels = np.arange(10)
    sources = [images, tf.data.Dataset.from_tensor_slices(images),
               tf.data.Dataset.from_tensor_slices((images, labels)).batch(3),
               tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})]
    for source in sources:
        batches = list(statistics.image_batches(source, 4))
        np.testing.assert_array_equal(np.concatenate(batches), images)
        assert statistics.to_unit_range(batches[0]).min() >= -1.0
    with pytest.raises(ValueError, match="'image' key"):
        statistics.image_batches(tf.data.Dataset.from_tensor_slices({"x": images}), 4)
