"""The domain protocol: a small CNN trained once on a tiny synthetic labelled set (four kinds of 28×28 pattern),
cached by data and settings, its record, the held-out split, per-class shares, floors, refused mixing, and
``python -m evaluate --protocol domain`` end to end."""
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tfgan_gp as tg
from tfgan_gp.metrics import domain, protocols, scoring
from tfgan_gp.metrics.statistics import ClassifierStatistics, compute_statistics, image_batches

from helpers import labelled, patterns, write_idx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST = dict(epochs=2, batch_size=16, learning_rate=3e-3, seed=0)
"""Training for the tests (30 steps on 240 images); patched in as the defaults so protocol 'domain' uses it too."""
PER_CLASS = {"train": 60, "t10k": 15}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """An IDX folder ``shapes`` (240 train, 60 t10k), a single-split ``blobs.npz`` (300) and a one-class set;
    the cache in a temporary folder and :data:`FAST` as the training defaults."""
    root = tmp_path_factory.mktemp("domain")
    folder = root / "shapes"
    folder.mkdir()
    written = {}
    for seed, (prefix, n) in enumerate(PER_CLASS.items()):
        images, labels = labelled(n, seed)
        write_idx(folder / f"{prefix}-images-idx3-ubyte", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels)
        written[prefix] = images, labels
    images, labels = labelled(75, 7)
    np.savez(root / "blobs.npz", images=images, labels=labels)
    np.savez(root / "one_class.npz", images=patterns(np.zeros(60, int), 11)[..., None])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFGAN_GP_CACHE", str(root / "cache"))
        mp.setattr(domain, "TRAINING", dict(FAST))
        yield dict(root=root, folder=str(folder), npz=str(root / "blobs.npz"), written=written,
                   one_class=str(root / "one_class.npz"), samples=str(folder / "t10k-images-idx3-ubyte"),
                   cache=str(root / "cache"))


@pytest.fixture(scope="module")
def classifier(files):
    return domain.domain_classifier(files["folder"], progress=False)


def test_classifier_learns_the_classes_and_records_its_weights(files, classifier):
    """The CNN separates the four patterns on the test split; record: domain, network/dataset, the file's SHA-256."""
    assert classifier.test_accuracy > 0.9 and classifier.info["test_accuracy"] == classifier.test_accuracy
    test_images, test_labels = classifier.data.test
    logits, features = (np.asarray(o) for o in classifier(test_images))
    assert logits.shape == (60, 4) and features.shape == (60, domain.FEATURES)
    assert np.mean(np.argmax(logits, 1) == test_labels) == pytest.approx(classifier.test_accuracy, abs=1e-6)
    record = classifier.record
    assert record["protocol"] == "domain" and record["network"] == "domain-classifier/shapes"
    assert record["weights_sha256"] == sha256(classifier.path) == classifier.info["weights_sha256"]
    assert record["test_accuracy"] == f"{classifier.test_accuracy:.4f}" and record["image_size"] == 28
    assert classifier.path.startswith(os.path.join(files["cache"], "domain"))
    assert classifier.class_names == tuple(f"class_{k}" for k in range(4))
    assert classifier.info["training"] == dict(FAST, num_train=None) and classifier.info["num_train"] == 240
    line = protocols.describe(record, 60, 10)
    assert "domain-classifier/shapes (test accuracy" in line and f"{classifier.test_accuracy:.2%}" in line
    with pytest.raises(ValueError, match=r"takes images of shape \(28, 28, 1\)"):
        classifier(np.zeros((2, 32, 32, 1), np.float32))


def test_second_call_loads_the_cached_file_and_other_settings_or_data_train_another(files, classifier, monkeypatch):
    """Same data and settings: the same file, not retrained; another seed, num_train or data set: another network."""
    mtime = os.path.getmtime(classifier.path)

    def no_training(*args, **kwargs):
        raise AssertionError("retrained a cached classifier")

    monkeypatch.setattr(domain, "_train_and_save", no_training)
    again = domain.domain_classifier(files["folder"], progress=False, **FAST)
    assert again.path == classifier.path and again.record == classifier.record
    assert os.path.getmtime(again.path) == mtime
    with pytest.raises(AssertionError, match="retrained"):
        domain.domain_classifier(files["folder"], progress=False, seed=1)
    with pytest.raises(ValueError, match="Unknown domain classifier training settings"):
        domain.domain_classifier(files["folder"], progress=False, epoch=3)
    monkeypatch.undo()
    monkeypatch.setattr(domain, "TRAINING", dict(FAST))
    paths = {classifier.path}
    for source, changes in ((files["folder"], dict(seed=1)), (files["folder"], dict(num_train=120)),
                            (files["npz"], {})):
        other = domain.domain_classifier(source, progress=False, **changes)
        assert other.path not in paths and other.record["weights_sha256"] != classifier.record["weights_sha256"]
        paths.add(other.path)
    assert other.record["network"] == "domain-classifier/blobs" and other.info["num_train"] == 250
    assert os.path.getmtime(classifier.path) == mtime


def test_single_split_holds_out_a_fixed_sixth_and_idx_uses_t10k(files, classifier):
    """An .npz (one split) gives 250 train / 50 test, the same every time; an IDX folder its train and t10k files."""
    with np.load(files["npz"]) as f:
        images, labels = f["images"], f["labels"]
    splits = domain.LabelledSplits(files["npz"])
    assert len(splits.train[0]) == 250 and len(splits.test[0]) == 50 and splits.image_shape == (28, 28, 1)
    together = np.concatenate([splits.train[0], splits.test[0]])[..., 0]
    assert sorted(map(bytes, together)) == sorted(map(bytes, images))   # a partition of all 300 images
    assert set(map(bytes, splits.train[0])).isdisjoint(map(bytes, splits.test[0]))
    assert len(np.unique(splits.test[1])) == 4   # a random sixth, not the last 50 rows
    order = {bytes(image): label for image, label in zip(images, labels)}
    assert all(order[bytes(x[..., 0])] == y for x, y in zip(splits.test[0], splits.test[1]))
    again = domain.LabelledSplits(files["npz"])
    np.testing.assert_array_equal(again.test[0], splits.test[0])
    assert again.sha256() == splits.sha256() and splits.num_classes == 4
    idx = classifier.data
    for split, prefix in (("train", "train"), ("test", "t10k")):
        np.testing.assert_array_equal(getattr(idx, split)[0][..., 0], files["written"][prefix][0])
        np.testing.assert_array_equal(getattr(idx, split)[1], files["written"][prefix][1])
    assert domain.dataset_name("/usr/share/datasets/fashion-mnist/") == "fashion_mnist"
    assert domain.dataset_name("x/blobs.npz") == "blobs"


def test_class_metrics_on_hand_made_counts():
    """Covered: classes with at least a quarter of a uniform share (1/16 of 4 inclusive); shares are exact."""
    names = ("a", "b", "c", "d")
    m = domain.class_metrics([50, 50, 0, 1], names)
    assert m["classes_covered"] == 2
    assert m == {"classes_covered": 2.0, "class_fraction/a": 50 / 101, "class_fraction/b": 50 / 101,
                 "class_fraction/c": 0.0, "class_fraction/d": 1 / 101}
    assert domain.class_metrics([1, 5, 5, 5], names)["classes_covered"] == 4   # 1/16 exactly: covered
    assert domain.class_metrics([1, 6, 5, 5], names)["classes_covered"] == 3   # 1/17: not
    assert domain.class_metrics([0, 0, 0, 0], names)["classes_covered"] == 0
    assert domain.class_metrics(np.array([3, 1]), ("x", "y"))["class_fraction/y"] == 0.25


def test_real_test_split_reaches_the_floors_and_one_class_does_not(files, classifier):
    """The t10k images as samples equal every floor; 60 images of one pattern: one class covered, FID far above."""
    result = tg.metrics.score(files["samples"], files["folder"], protocol="domain", progress=False)
    m = result["metrics"]
    assert result["protocol"] == classifier.record and result["num_samples"] == 60 and result["num_real"] == 240
    floors = {k[len("floor/"):] for k in m if k.startswith("floor/")}
    assert {"fid", "kid", "precision", "recall", "density", "coverage", "inception_score",
            "classes_covered"} <= floors
    for name in floors:
        np.testing.assert_allclose(m[name], m[f"floor/{name}"], atol=1e-6, equal_nan=True, err_msg=name)
    assert m["classes_covered"] == 4 and m["class_fraction/class_0"] == pytest.approx(0.25, abs=0.05)
    lines = scoring.format_result(result)
    assert any(line.startswith("FID") and "floor" in line for line in lines)
    assert any(line.startswith("classes covered") and "floor 4" in line for line in lines)

    one = tg.metrics.score(files["one_class"], None, protocol="domain", domain_data=files["folder"],
                           progress=False)["metrics"]
    assert one["classes_covered"] == 1 and one["floor/classes_covered"] == 4
    assert one["class_fraction/class_0"] > 0.95
    assert one["fid"] > 3 * one["floor/fid"] + 1.0, (one["fid"], one["floor/fid"])
    assert one["inception_score"] == pytest.approx(1.0, abs=1e-3) and one["floor/inception_score"] > 2
    assert one["recall"] < 0.5 * one["floor/recall"] and one["coverage"] < 0.5 * one["floor/coverage"]
    assert one["floor/fid"] == pytest.approx(m["floor/fid"], abs=1e-6)   # the floor does not depend on samples


def test_mixing_classifiers_or_protocols_is_refused(files, classifier, tmp_path):
    """Statistics of one domain classifier against another's weights, or against the keras protocol: refused."""
    other = domain.domain_classifier(files["folder"], progress=False, seed=1)
    assert other.record["network"] == classifier.record["network"]   # only the weights differ
    stats = compute_statistics(classifier, image_batches(classifier.data.test[0], 100), 60)
    assert stats.record == classifier.record
    with pytest.raises(protocols.ProtocolMismatchError, match="other network weights"):
        tg.metrics.ImageEvaluator(other, stats)
    stats.save(tmp_path / "stats.npz")
    with pytest.raises(protocols.ProtocolMismatchError):
        tg.metrics.score(files["samples"], str(tmp_path / "stats.npz"), classifier=other, progress=False)
    # the same statistics file with the classifier that made it is accepted as the reference
    ok = tg.metrics.score(files["samples"], str(tmp_path / "stats.npz"), protocol="domain",
                          domain_data=files["folder"], progress=False)
    assert ok["num_real"] == 60 and ok["metrics"]["fid"] == pytest.approx(0.0, abs=1e-3)
    blobs = domain.domain_classifier(files["npz"], progress=False)
    with pytest.raises(protocols.ProtocolMismatchError, match="protocol"):
        protocols.check_comparable(stats.record, blobs.record)
    keras_record = protocols.record("keras")
    for a, b in ((stats.record, keras_record), (keras_record, stats.record)):
        with pytest.raises(protocols.ProtocolMismatchError, match="keras"):
            protocols.check_comparable(a, b)
    keras_stats = ClassifierStatistics.load(tmp_path / "stats.npz")
    keras_stats.record = keras_record
    with pytest.raises(protocols.ProtocolMismatchError):
        tg.metrics.ImageEvaluator(classifier, keras_stats)
    with pytest.raises(ValueError, match="same data as reference and domain_data"):
        tg.metrics.score(files["samples"], files["npz"], protocol="domain", domain_data=files["folder"],
                         progress=False)


def evaluate(files, *argv):
    env = dict(os.environ, TFGAN_GP_CACHE=files["cache"])
    return subprocess.run([sys.executable, "-m", "evaluate", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def test_evaluate_cli_domain_end_to_end(files):
    """evaluate --protocol domain on the IDX folder prints floors and classes; --json has floor/fid; no data: one line."""
    run = evaluate(files, "--samples", files["samples"], "--protocol", "domain", "--reference", files["folder"],
                   "--noprogress")
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-4000:])
    assert "protocol domain: domain-classifier/shapes (test accuracy" in run.stdout
    assert "floor" in run.stdout and "classes covered" in run.stdout and "samples per class:" in run.stdout
    trained = [name for name in os.listdir(os.path.join(files["cache"], "domain")) if name.endswith(".json")]
    defaults = [name for name in trained
                if json.load(open(os.path.join(files["cache"], "domain", name)))["training"]["epochs"] == 4]
    assert len(defaults) == 1   # the command trained with the real defaults (the patch is this process's only)

    run = evaluate(files, "--samples", files["samples"], "--protocol", "domain", "--reference", files["folder"],
                   "--noprogress", "--json")
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout)
    assert result["protocol"]["protocol"] == "domain" and "floor/fid" in result["metrics"]
    assert result["metrics"]["fid"] == pytest.approx(result["metrics"]["floor/fid"], abs=1e-6)

    run = evaluate(files, "--samples", files["samples"], "--protocol", "domain", "--noprogress")
    assert run.returncode != 0
    message = run.stderr.strip().splitlines()[-1]   # (TensorFlow's start-up log lines come before it)
    assert "Traceback" not in run.stderr and "domain_data" in message and message.startswith("evaluate: "), run.stderr
    assert message.count(". ") <= 2 and message.endswith("domain_data=None"), message
