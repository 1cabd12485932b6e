"""Evaluation protocols: the 2015 Inception graph in TF 2, the protocols' pixels, statistics files, no retracing."""
import math

import numpy as np
import pytest
import tensorflow as tf

from helpers import inception_2015_graph, salimans_inception_score, tfgan_hub_module, tiny_classifier, ttur_features
from tfgan_gp import metrics
from tfgan_gp.metrics import preprocessing, protocols, statistics
from tfgan_gp.metrics.inception_2015 import Inception2015
from tfgan_gp.serving.endpoints import to_uint8


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    return str(inception_2015_graph(tmp_path_factory.mktemp("inception") / "classify_image_graph_def.pb"))


def uint8_images(n, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3)).astype(np.uint8)


def direct_fid(a, b):
    """FID of two small feature sets by another route than ours: tr((Σ_a Σ_b)^½) is the sum of the singular
    values of A Bᵀ / √((n_a − 1)(n_b − 1)) for the centred features A, B (an n_a × n_b SVD: fast when n ≪ d)."""
    ca, cb = a - a.mean(0), b - b.mean(0)
    cross = np.linalg.svd(ca @ cb.T, compute_uv=False).sum() / math.sqrt((len(a) - 1) * (len(b) - 1))
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.sum(ca ** 2) / (len(a) - 1) + np.sum(cb ** 2) / (len(b) - 1)
                 - 2.0 * cross)


# ------------------------------------------------------------------ the 2015 graph
def test_graph_loader_equals_ttur_session_and_is_fid_through_it_equal_direct_computation(graph):
    """Our batched tf.function (Mul:0 fed, its 2015 batch norm rewritten) = a TF1 session fed at ExpandDims:0."""
    real, fake = uint8_images(24, seed=1), uint8_images(20, size=12, seed=2)
    clf = metrics.protocol_classifier("ttur", inception_graph=graph)
    assert clf.record["protocol"] == "ttur" and clf.record["network"] == "inception-2015-12-05"
    assert len(clf.record["weights_sha256"]) == 64
    ref_real_logits, ref_real_pool = ttur_features(graph, real)
    ref_fake_logits, ref_fake_pool = ttur_features(graph, fake)
    logits, pool = (np.asarray(t) for t in clf(fake))
    assert logits.shape == (20, 1008) and pool.shape == (20, 2048)
    np.testing.assert_allclose(pool, ref_fake_pool, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(logits, ref_fake_logits, rtol=1e-4, atol=1e-4)

    real_stats = metrics.compute_statistics(clf, statistics.image_batches(real, 7), 24, splits=2)
    fake_stats = metrics.compute_statistics(clf, statistics.image_batches(fake, 8), 20, splits=4)
    np.testing.assert_allclose(fake_stats.inception_score(), salimans_inception_score(ref_fake_logits.astype(np.float64), 4),
                               rtol=1e-4)
    np.testing.assert_allclose(fake_stats.moments.covariance, np.cov(ref_fake_pool.astype(np.float64), rowvar=False),
                               rtol=1e-4, atol=1e-6)
    assert fake_stats.frechet_distance(real_stats) == pytest.approx(direct_fid(ref_real_pool.astype(np.float64),
                                                                               ref_fake_pool.astype(np.float64)),
                                                                    rel=1e-4)


def test_graph_logits_bias_and_the_tfgan_hub_module(graph, tmp_path):
    """The Hub module (images in [-1, 1], logits with the bias) gives the GraphDef's features and biased logits."""
    module = tfgan_hub_module(tmp_path / "tfgan_inception_1")
    images = preprocessing.resize_tf1_bilinear(uint8_images(3), 299)
    biased, pool = Inception2015(graph, logits_bias=True)(images)
    hub_logits, hub_pool = Inception2015(str(module))(images)
    np.testing.assert_allclose(hub_pool, pool, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hub_logits, biased, rtol=1e-4, atol=1e-4)
    unbiased, _ = Inception2015(graph)(images)
    assert np.abs(np.asarray(biased) - np.asarray(unbiased)).max() > 0.1
    clf = metrics.protocol_classifier("tfgan", inception_graph=str(module))
    assert clf.record["protocol"] == "tfgan" and "module" in clf.record["logits"]


def test_not_the_2015_graph_is_one_sentence(tmp_path):
    other = tf.Graph()
    with other.as_default():
        tf.compat.v1.placeholder(tf.float32, [None, 299, 299, 3], name="Mul")
    path = tmp_path / "other.pb"
    path.write_bytes(other.as_graph_def().SerializeToString())
    with pytest.raises(ValueError, match=r"is not the 2015 Inception graph .*Received: inception_graph="):
        Inception2015(str(path))
    (tmp_path / "junk.pb").write_bytes(b"\x00not a graph")
    with pytest.raises(ValueError, match=r"does not parse .*Received: inception_graph="):
        Inception2015(str(tmp_path / "junk.pb"))


@pytest.mark.parametrize("path", [None, "/nonexistent/classify_image_graph_def.pb"])
def test_without_the_graph_file_one_sentence_says_which_file_and_which_flag(path):
    with pytest.raises(metrics.InceptionWeightsUnavailable) as err:
        metrics.protocol_classifier("ttur", inception_graph=path)
    message = str(err.value)
    assert "classify_image_graph_def.pb" in message and "inception-2015-12-05.tgz" in message
    assert "--inception_graph=PATH" in message and "inception_graph=PATH" in message
    assert message.endswith(f"Received: inception_graph={path!r}")
    assert message.count(". ") == 1   # one sentence, then "Received: ..."


def test_one_trace_for_every_batch_and_image_size(graph):
    """Fixed input signatures: batches of any size (and, resized inside, images of any size) reuse one trace."""
    clf = metrics.protocol_classifier("ttur", inception_graph=graph)
    for n, size in ((3, 16), (5, 16), (2, 32), (1, 8)):
        clf(uint8_images(n, size))
    assert clf._run.experimental_get_tracing_count() == 1
    keras_clf = tiny_classifier()
    for n in (3, 5, 7):
        keras_clf(np.zeros((n, 16, 16, 3), np.float32))
    assert keras_clf._call.experimental_get_tracing_count() == 1


# ------------------------------------------------------------------ pixels
def tf1_bilinear_numpy(image, size):
    """TF1 ResizeBilinear, align_corners=False, by hand: source = destination · in/out, top-left anchored."""
    h, w = image.shape[:2]
    out = np.empty((size, size, image.shape[2]))
    for i in range(size):
        y = i * h / size
        y0, dy = int(math.floor(y)), y - math.floor(y)
        y1 = min(y0 + 1, h - 1)
        for j in range(size):
            x = j * w / size
            x0, dx = int(math.floor(x)), x - math.floor(x)
            x1 = min(x0 + 1, w - 1)
            top = image[y0, x0] + (image[y0, x1] - image[y0, x0]) * dx
            bottom = image[y1, x0] + (image[y1, x1] - image[y1, x0]) * dx
            out[i, j] = top + (bottom - top) * dy
    return out


def test_tf1_bilinear_is_tf1s_resize_and_measurably_not_tf2s():
    images = uint8_images(2, size=32)
    ours = preprocessing.resize_tf1_bilinear(images, 299).numpy()
    tf1 = tf.compat.v1.image.resize_bilinear(images.astype(np.float32), [299, 299], align_corners=False).numpy()
    np.testing.assert_array_equal(ours, tf1)
    np.testing.assert_allclose(ours[0, :40, :40], tf1_bilinear_numpy(images[0].astype(np.float64), 299)[:40, :40],
                               atol=1e-3)
    tf2 = preprocessing.resize_tf2_bilinear(images, 299).numpy()
    np.testing.assert_allclose(tf2, tf.image.resize(images.astype(np.float32), (299, 299)).numpy(), atol=1e-4)
    difference = np.abs(ours - tf2)
    assert difference.mean() > 5.0 and difference.max() > 50.0   # gray levels, on random pixels: not round-off


def pil_bicubic_upscale_numpy(image, size):
    """PIL's bicubic for upscaling, by hand: Keys' cubic (a = -0.5) at half-pixel centres, weights renormalised
    over the taps inside the image, one axis after the other, in floating point (PIL's "F" mode)."""
    def cubic(x, a=-0.5):
        x = abs(x)
        return ((a + 2) * x - (a + 3)) * x * x + 1 if x < 1 else (((x - 5) * x + 8) * x - 4) * a if x < 2 else 0.0

    def matrix(n_in, n_out):
        weights = np.zeros((n_out, n_in))
        for i in range(n_out):
            centre = (i + 0.5) * n_in / n_out
            taps = range(max(int(centre - 2 + 0.5), 0), min(int(centre + 2 + 0.5), n_in))
            w = np.array([cubic(j - centre + 0.5) for j in taps])
            weights[i, list(taps)] = w / w.sum()
        return weights

    rows, cols = matrix(image.shape[0], size), matrix(image.shape[1], size)
    return np.einsum("ij,jkc,lk->ilc", rows, image.astype(np.float64), cols)


def test_pil_bicubic_is_clean_fids_resize():
    images = uint8_images(2, size=16)
    ours = preprocessing.resize_pil_bicubic(images, 64)
    assert ours.dtype == np.float32 and ours.shape == (2, 64, 64, 3) and 0 <= ours.min() and ours.max() <= 255
    expected = np.clip(pil_bicubic_upscale_numpy(images[1], 64), 0, 255)
    np.testing.assert_allclose(ours[1], expected, atol=2e-3)
    assert not np.array_equal(np.round(ours[1]), ours[1])           # kept as floats, not re-quantized
    flat = np.full((1, 9, 9, 3), 77, np.uint8)
    np.testing.assert_allclose(preprocessing.resize_pil_bicubic(flat, 64), 77.0, atol=1e-4)
    assert np.abs(ours - preprocessing.resize_tf1_bilinear(images, 64).numpy()).mean() > 1.0


def test_uint8_quantization_rounds_half_to_even_and_clips_as_the_export():
    def halfway(k):   # the float32 x whose (x + 1) · 127.5 is exactly k + 0.5, if there is one
        x = np.float32((k + 0.5) / 127.5 - 1.0)
        for _ in range(100):
            y = (x + np.float32(1.0)) * np.float32(127.5)
            if y == k + 0.5:
                return x
            x = np.nextafter(x, np.float32(np.inf if y < k + 0.5 else -np.inf))
        return None

    ks = [k for k in (0, 1, 2, 3, 100, 101, 127, 200, 253, 254) if halfway(k) is not None]
    assert len(ks) >= 6
    x = np.array([halfway(k) for k in ks], np.float32)
    np.testing.assert_array_equal(metrics.quantize_uint8(x), [k + (k % 2) for k in ks])   # half to even
    assert list(metrics.quantize_uint8(np.array([-1.0, 1.0, -3.0, 7.0, 0.0], np.float32))) == [0, 255, 0, 255, 128]
    grid = np.random.default_rng(3).uniform(-1.1, 1.1, (4, 8, 8, 3)).astype(np.float32)
    np.testing.assert_array_equal(metrics.quantize_uint8(grid), to_uint8(grid).numpy())
    pixels = uint8_images(2)
    assert metrics.quantize_uint8(pixels) is pixels
    np.testing.assert_array_equal(metrics.quantize_uint8(pixels.astype(np.float32) / 127.5 - 1.0), pixels)


def test_float_samples_and_their_uint8_pixels_score_the_same(graph):
    clf = metrics.protocol_classifier("ttur", inception_graph=graph)
    floats = np.random.default_rng(4).uniform(-1, 1, (4, 16, 16, 3)).astype(np.float32)
    for a, b in zip(clf(floats), clf(metrics.quantize_uint8(floats))):
        np.testing.assert_array_equal(a, b)


def test_clean_protocol_runs_the_same_network_on_bicubic_pixels(graph):
    ttur = metrics.protocol_classifier("ttur", inception_graph=graph)
    clean = metrics.protocol_classifier("clean", inception_graph=graph)
    images = uint8_images(3, size=24)
    expected = ttur.network(preprocessing.resize_pil_bicubic(images, 299))
    for a, b in zip(clean(images), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert clean.record["resize"] == "pil_bicubic" and clean.record["weights_sha256"] == ttur.record["weights_sha256"]


# ------------------------------------------------------------------ statistics files
def test_statistics_file_is_ttur_format_and_round_trips(graph, tmp_path):
    clf = metrics.protocol_classifier("ttur", inception_graph=graph)
    stats = metrics.compute_statistics(clf, statistics.image_batches(uint8_images(30), 8), 30, splits=3,
                                       source={"dataset": "noise", "split": "train"})
    stats.save(tmp_path / "ours.npz")
    with np.load(tmp_path / "ours.npz") as f:   # what TTUR's fid.py reads
        np.testing.assert_allclose(f["mu"], stats.moments.mean)
        np.testing.assert_allclose(f["sigma"], stats.moments.covariance)
    loaded = metrics.ClassifierStatistics.load(tmp_path / "ours.npz")
    assert loaded.record == clf.record and loaded.num_samples == 30
    assert loaded.source == {"dataset": "noise", "split": "train"}
    assert loaded.inception_score() == stats.inception_score()
    np.testing.assert_array_equal(loaded.features, stats.features)
    np.testing.assert_array_equal(loaded.moments.mean, stats.moments.mean)
    np.testing.assert_allclose(loaded.moments.covariance, stats.moments.covariance, rtol=1e-12)
    loaded.check_comparable(stats)

    # a file written by TTUR's fid.py holds mu and sigma only: read as protocol ttur, count unknown
    np.savez(tmp_path / "fid_stats_noise_train.npz", mu=stats.moments.mean, sigma=stats.moments.covariance)
    ttur = metrics.ClassifierStatistics.load(tmp_path / "fid_stats_noise_train.npz")
    assert ttur.record["protocol"] == "ttur" and ttur.num_samples is None and ttur.features.size == 0
    np.testing.assert_allclose(ttur.moments.covariance, stats.moments.covariance, rtol=1e-12)
    stats.check_comparable(ttur)   # FID against such a file: tests/test_evaluate_cli.py


def test_clean_fid_files_give_their_protocol_and_kid_features(tmp_path):
    mu, sigma, feats = np.zeros(4), np.eye(4), np.random.default_rng(0).normal(size=(10, 4))
    np.savez(tmp_path / "cifar10_clean_train_32.npz", mu=mu, sigma=sigma)
    np.savez(tmp_path / "cifar10_clean_train_32_kid.npz", feats=feats)
    np.savez(tmp_path / "cifar10_legacy_tensorflow_train_32.npz", mu=mu, sigma=sigma)
    np.savez(tmp_path / "cifar10_legacy_pytorch_train_32.npz", mu=mu, sigma=sigma)
    clean = metrics.ClassifierStatistics.load(tmp_path / "cifar10_clean_train_32.npz")
    assert clean.record["protocol"] == "clean" and clean.source["dataset"] == "cifar10"
    np.testing.assert_allclose(clean.features, feats)
    legacy = metrics.ClassifierStatistics.load(tmp_path / "cifar10_legacy_tensorflow_train_32.npz")
    assert legacy.record["protocol"] == "ttur"
    with pytest.raises(ValueError, match="legacy_pytorch"):
        metrics.ClassifierStatistics.load(tmp_path / "cifar10_legacy_pytorch_train_32.npz")
    with pytest.raises(ValueError, match="mu and sigma"):
        np.savez(tmp_path / "images.npz", images=np.zeros((2, 4, 4, 3)))
        metrics.ClassifierStatistics.load(tmp_path / "images.npz")


def test_mixing_protocols_is_refused(graph, tmp_path):
    ttur = metrics.protocol_classifier("ttur", inception_graph=graph)
    clean = metrics.protocol_classifier("clean", inception_graph=graph)
    tfgan = metrics.protocol_classifier("tfgan", inception_graph=graph)
    images = uint8_images(12)
    real = metrics.compute_statistics(ttur, statistics.image_batches(images, 6), 12, splits=2)
    fake_clean = metrics.compute_statistics(clean, statistics.image_batches(images, 6), 12, splits=2)
    with pytest.raises(protocols.ProtocolMismatchError, match=r"protocol 'ttur' .* uses 'clean'.*Received: "
                                                              r"real_stats protocol='ttur'"):
        fake_clean.frechet_distance(real)
    with pytest.raises(ValueError, match="not comparable"):
        metrics.ImageEvaluator(clean, real)
    # ttur and tfgan share network and pixels: their statistics are interchangeable
    fake_tfgan = metrics.compute_statistics(tfgan, statistics.image_batches(images, 6), 12, splits=2)
    fake_tfgan.check_comparable(real)
    np.testing.assert_allclose(fake_tfgan.moments.mean, real.moments.mean, rtol=1e-6)
    # other weights (another SHA-256) are refused too
    other = metrics.protocol_classifier("ttur", inception_graph=inception_2015_graph(tmp_path / "other.pb", seed=1))
    fake_other = metrics.compute_statistics(other, statistics.image_batches(images, 6), 12, splits=2)
    with pytest.raises(protocols.ProtocolMismatchError, match="other network weights"):
        fake_other.frechet_distance(real)
    # a Keras classifier's statistics are another protocol again
    keras_stats = metrics.compute_statistics(tiny_classifier(), statistics.image_batches(images, 6), 12, splits=2)
    with pytest.raises(ValueError, match="classifier"):
        keras_stats.frechet_distance(real)


def test_protocol_line_reports_the_counts_used_against_the_protocols():
    line = protocols.describe(protocols.record("ttur", "ab" * 32, "pool_3 · W"), 5_000, 10, 50_000, "cifar10 train")
    assert line.startswith("protocol ttur: inception-2015-12-05 on uint8 images, tf1_bilinear to 299×299")
    assert "5,000 generated samples, IS in 10 splits (the protocol: 50,000 in 10)" in line
    assert "reference cifar10 train: 50,000 images" in line and "(the protocol" not in line.split("reference")[1]
    assert "not comparable" in protocols.describe(protocols.record("keras"), 50_000, 10)
    with pytest.raises(ValueError, match=r"Received: protocol='fid'"):
        protocols.get("fid")


def test_prefetch_keeps_order_and_reraises_errors_from_the_producer():
    assert list(statistics.prefetch(iter(range(50)), depth=3)) == list(range(50))

    def broken():
        yield 1
        raise RuntimeError("sampling failed")

    with pytest.raises(RuntimeError, match="sampling failed"):
        list(statistics.prefetch(broken()))
