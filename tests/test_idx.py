"""MNIST's IDX files as an image source: small sets written here (gzipped and not), read back through the reader,
``load_images``, a recipe's ``--data_dir`` and ``evaluate``; damaged files; and the real Fashion-MNIST when Debian's
``dataset-fashion-mnist`` is installed."""
import gzip
import importlib
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds
from absl import flags

from helpers import inception_2015_graph, run_in_process, write_idx
from tfgan_gp import data
from tfgan_gp.data import idx, images

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
SIZES = {"train": 10, "t10k": 4}


def idx_set(folder, gz=True, seed=0):
    """Both splits of a small 28×28 IDX set in ``folder``: ``{prefix: (images (N, 28, 28), labels (N,))}``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng, suffix, written = np.random.default_rng(seed), ".gz" if gz else "", {}
    for prefix, n in SIZES.items():
        pixels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 3
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", pixels)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
        written[prefix] = pixels, labels
    return written


def as_arrays(ds):
    pairs = list(ds.as_numpy_iterator())
    return np.stack([p[0] for p in pairs]), np.array([p[1] for p in pairs])


@pytest.mark.parametrize("gz", [True, False])
def test_both_splits_read_back_what_was_written(tmp_path, gz):
    written = idx_set(tmp_path / "set", gz)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        pixels, labels = written[prefix]
        got, got_labels = idx.load(str(tmp_path / "set"), split, with_labels=True)
        assert got.dtype == np.uint8 and got.shape == (SIZES[prefix], 28, 28, 1)
        np.testing.assert_array_equal(got[..., 0], pixels)
        np.testing.assert_array_equal(got_labels, labels)
        ds = data.load_images(str(tmp_path / "set"), split=split, with_labels=True)
        scaled, ds_labels = as_arrays(ds)
        np.testing.assert_allclose(scaled[..., 0], pixels / 127.5 - 1.0, atol=1e-6)
        np.testing.assert_array_equal(ds_labels, labels)
    # one images file is a source of its own (its labels beside it), a single split
    single = tmp_path / "set" / f"t10k-images-idx3-ubyte{'.gz' if gz else ''}"
    scaled, ds_labels = as_arrays(data.load_images(str(single), with_labels=True))
    np.testing.assert_allclose(scaled[..., 0], written["t10k"][0] / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(ds_labels, written["t10k"][1])
    assert data.num_classes(str(tmp_path / "set")) == 3 and data.num_classes(str(single)) == 3


def test_image_size_resizes_idx_images_as_the_same_pixels_in_an_npz(tmp_path):
    pixels = idx_set(tmp_path / "set")["train"][0]
    np.savez(tmp_path / "same.npz", images=pixels)
    from_idx = as_arrays(data.load_images(str(tmp_path / "set"), image_size=32, channels=3).map(lambda x: (x, 0)))[0]
    from_npz = as_arrays(data.load_images(str(tmp_path / "same.npz"), image_size=32, channels=3)
                         .map(lambda x: (x, 0)))[0]
    assert from_idx.shape == (SIZES["train"], 32, 32, 3)
    np.testing.assert_array_equal(from_idx, from_npz)


def test_splits_and_missing_files_are_one_sentence(tmp_path):
    idx_set(tmp_path / "set")
    folder = str(tmp_path / "set")
    with pytest.raises(ValueError, match=r"splits \['test', 'train'\].*Received: split='validation'"):
        data.load_images(folder, split="validation")
    with pytest.raises(ValueError, match="single split: pass its folder.*Received: split='test'"):
        data.load_images(os.path.join(folder, "train-images-idx3-ubyte.gz"), split="test")
    os.remove(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
    with pytest.raises(ValueError, match=f"{folder} holds no t10k-images-idx3-ubyte"):
        data.load_images(folder, split="test")
    os.remove(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    assert int(data.load_images(folder).cardinality()) == SIZES["train"]   # no labels needed without with_labels
    with pytest.raises(ValueError, match=f"from {folder}/train-labels-idx1-ubyte.*which does not exist"):
        data.load_images(folder, with_labels=True)


def damage(folder, case, suffix):
    """Write a damaged set for ``case`` into ``folder``: the name of the file the message must name."""
    images = np.zeros((6, 28, 28), np.uint8)
    image_file = write_idx(folder / f"train-images-idx3-ubyte{suffix}", images)
    label_file = write_idx(folder / f"train-labels-idx1-ubyte{suffix}", np.zeros(6, np.uint8))
    if case == "truncated":
        whole = gzip.decompress(open(image_file, "rb").read()) if suffix else open(image_file, "rb").read()
        with (gzip.open if suffix else open)(image_file, "wb") as f:
            f.write(whole[:-100])
        return image_file
    if case == "truncated gzip stream":
        whole = open(image_file, "rb").read()
        open(image_file, "wb").write(whole[:len(whole) // 2])
        return image_file
    if case == "cut inside the header":
        with (gzip.open if suffix else open)(image_file, "wb") as f:
            f.write((0x803).to_bytes(4, "big") + (6).to_bytes(4, "big"))
        return image_file
    if case == "empty file":
        with (gzip.open if suffix else open)(image_file, "wb"):
            pass
        return image_file
    if case == "no images":
        write_idx(folder / f"train-images-idx3-ubyte{suffix}", np.zeros((0, 28, 28), np.uint8))
        return image_file
    if case == "mismatched counts":
        write_idx(folder / f"train-labels-idx1-ubyte{suffix}", np.zeros(5, np.uint8))
        return label_file
    if case == "wrong magic":   # labels where the images belong
        write_idx(folder / f"train-images-idx3-ubyte{suffix}", np.zeros(6, np.uint8))
        return image_file
    raise AssertionError(case)


DAMAGE = [
    ("truncated", "is truncated: its header announces 6 x 28 x 28 = 4,704 values but it holds 4,604"),
    ("cut inside the header", "is truncated: it ends inside its header (8 of 16 bytes)"),
    ("empty file", "is truncated: it ends inside its header (0 of 16 bytes)"),
    ("no images", "holds no images (its header says 0)"),
    ("mismatched counts", "holds 5 labels but"),
    ("wrong magic", "is not an IDX images file: its magic number is 0x00000801, not 0x00000803"),
]


@pytest.mark.parametrize("case, says, suffix", [(*c, s) for c in DAMAGE for s in (".gz", "")] + [
    ("truncated gzip stream", "is truncated: its gzip stream ends early", ".gz")])
def test_damaged_files_are_one_sentence_naming_the_file(tmp_path, case, says, suffix):
    named = damage(tmp_path, case, suffix)
    with pytest.raises(ValueError) as info:
        data.load_images(str(tmp_path), with_labels=True)
    message = str(info.value)
    assert message.startswith(named) and says in message and "Received: " in message, message
    assert "\n" not in message and message.partition(". Received: ")[0].count(". ") == 0   # one sentence


def test_data_dir_of_idx_files_is_a_local_source_with_both_splits(tmp_path, monkeypatch):
    """``--data_dir`` of IDX files: MNIST's recipe with all training digits measures the held-out critic loss
    on the ``t10k`` files."""
    from recipes import mnist

    idx_set(tmp_path / "set")
    assert images.resolve_source("mnist", str(tmp_path / "set")) == (str(tmp_path / "set"), None)
    read, reader = [], idx.read
    monkeypatch.setattr(idx, "read", lambda path, kind: read.append(os.path.basename(path)) or reader(path, kind))
    run_in_process(mnist, tmp_path / "run", f"--data_dir={tmp_path / 'set'}", "--num_train=0", "--dim=4",
                   "--iterations=1", "--eval_every=1", "--batch_size=2", f"--heldout_examples={SIZES['t10k']}")
    assert {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"} <= set(read)
    assert os.path.exists(tmp_path / "run" / "critic_loss.png")


def test_evaluate_reads_idx_files_as_samples_and_reference(tmp_path, capsys):
    """The folder as reference is its training split: the training file as samples scores FID 0 against it."""
    idx_set(tmp_path / "set")
    tool = importlib.import_module("evaluate.__main__")
    flag_values = flags.FlagValues()
    tool.define_flags(flag_values)
    flag_values(["evaluate", "--samples", str(tmp_path / "set" / "train-images-idx3-ubyte.gz"), "--reference",
                 str(tmp_path / "set"), "--inception_graph", str(inception_2015_graph(tmp_path / "g.pb")),
                 "--splits=2", "--batch_size=5", "--noprogress"])
    tool.main(["evaluate"], flag_values)
    lines = capsys.readouterr().out.strip().splitlines()
    assert f"reference {tmp_path / 'set'}: {SIZES['train']} images" in lines[0]
    assert abs(float(next(line for line in lines if line.startswith("FID")).split()[1])) < 1e-2


def test_fashion_mnist_is_a_tfds_name_like_mnist(monkeypatch):
    """Under a rehearsal's mock: the real split sizes and 28×28×1; offline, the sentence names the Debian package."""
    from recipes import rehearsal

    with rehearsal.mock_tfds():
        for split, n in (("train", 60_000), ("test", 10_000)):
            ds = data.load_images("fashion_mnist", split=split, with_labels=True)
            assert int(ds.cardinality()) == n and ds.element_spec[0].shape == (28, 28, 1)

    class Offline:
        def __init__(self, *args, **kwargs):
            pass

        def is_prepared(self):
            return False

    monkeypatch.setattr(tfds, "builder", Offline)
    with pytest.raises(data.DataUnavailableError, match="apt-get install dataset-fashion-mnist` puts its files in "
                                                        f"{FASHION_MNIST} "):
        data.load_images("fashion_mnist", download=False)


@pytest.mark.skipif(not os.path.isdir(FASHION_MNIST), reason=f"no {FASHION_MNIST} (apt-get install "
                    "dataset-fashion-mnist)")
def test_the_real_fashion_mnist():
    """Debian's copy: 60,000 / 10,000 images, 6,000 / 1,000 of each of ten classes; the first is an ankle boot."""
    for split, per_class in (("train", 6_000), ("test", 1_000)):
        pixels, labels = idx.load(FASHION_MNIST, split, with_labels=True)
        assert pixels.shape == (10 * per_class, 28, 28, 1)
        ds = data.load_images(FASHION_MNIST, split=split, with_labels=True)
        assert int(ds.cardinality()) == 10 * per_class and ds.element_spec[0].shape == (28, 28, 1)
        np.testing.assert_array_equal(np.bincount(labels), [per_class] * 10)
        if split == "train":
            assert labels[0] == 9   # "ankle boot", as published
