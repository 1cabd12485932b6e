"""Data pipelines: tfds loaders on ``tfds.testing.mock_data``, local files written here, offline errors simulated.

Nothing here touches the network: tfds is either mocked or its ``builder`` replaced by a fake that fails.
Expected values are computed independently (numpy pixel arithmetic, hand-counted vocabularies).
"""
import collections
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from tfgan_gp import data
from tfgan_gp.data import sources

MANUAL_DOCS = "https://www.tensorflow.org/datasets/overview#manual_download_if_download_fails"


def as_list(ds):
    return list(ds.as_numpy_iterator())


def save_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)


def indexed_npz(tmp_path, n=30, shape=(4, 4, 3)):
    """Image i is filled with the value i and labelled i, so every output element names its source index."""
    images = np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None, None], (n, *shape)).copy()
    path = str(tmp_path / "indexed.npz")
    np.savez(path, images=images, labels=np.arange(n))
    return path


# ---------------------------------------------------------------------------------------------- tfds (mocked)

def raw_tfds(name, num_examples):
    with tfds.testing.mock_data(num_examples=num_examples):
        builder = tfds.builder(name)
        return as_list(builder.as_dataset(split="train", shuffle_files=False))


def test_tfds_mnist_and_cifar10_pixels_and_labels_match_the_raw_records():
    raw_mnist, raw_cifar = raw_tfds("mnist", 6), raw_tfds("cifar10", 6)
    with tfds.testing.mock_data(num_examples=6):
        mnist = as_list(data.load_images("mnist"))
        cifar = as_list(data.load_images("cifar10", with_labels=True))
    assert len(mnist) == 6 and mnist[0].shape == (28, 28, 1) and mnist[0].dtype == np.float32
    for got, ex in zip(mnist, raw_mnist):
        np.testing.assert_allclose(got, ex["image"].astype(np.float64) / 127.5 - 1.0, atol=1e-6)
    for (image, label), ex in zip(cifar, raw_cifar):
        assert image.shape == (32, 32, 3) and label.dtype == np.int32 and label == ex["label"]
        np.testing.assert_allclose(image, ex["image"].astype(np.float64) / 127.5 - 1.0, atol=1e-6)


@pytest.mark.parametrize("name,side", [("lsun/bedroom", 64), ("downsampled_imagenet/32x32", 32)])
def test_tfds_variable_size_sets_get_their_paper_size(name, side):
    with tfds.testing.mock_data(num_examples=3):  # the mock draws images of random sizes for these
        images = as_list(data.load_images(name))
    assert [im.shape for im in images] == [(side, side, 3)] * 3
    assert all(-1.0 <= im.min() and im.max() <= 1.0 for im in images)


def test_tfds_subset_is_fixed_and_its_heldout_complement_is_disjoint():
    raw = [ex["image"].tobytes() for ex in raw_tfds("mnist", 20)]
    with tfds.testing.mock_data(num_examples=20):
        def keys(**kw):
            return [((im + 1.0) * 127.5).round().astype(np.uint8).tobytes()
                    for im in as_list(data.load_images("mnist", num_examples=7, **kw))]
        train, again, held = keys(seed=1), keys(seed=1), keys(seed=1, heldout=True)
        other = keys(seed=2)
    assert train == again and len(train) == 7 and len(held) == 13
    assert not set(train) & set(held) and sorted(train + held) == sorted(raw)
    assert set(other) != set(train)


def test_tfds_without_labels_feature_is_refused():
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(ValueError, match="'label'"):
            data.load_images("lsun/bedroom", with_labels=True)


def test_num_classes_of_tfds_directory_and_npz(tmp_path):
    with tfds.testing.mock_data(num_examples=2):
        assert data.num_classes("cifar10") == 10
    save_png(str(tmp_path / "d/cat/1.png"), np.zeros((2, 2)))
    save_png(str(tmp_path / "d/dog/1.png"), np.zeros((2, 2)))
    assert data.num_classes(str(tmp_path / "d")) == 2
    assert data.num_classes(indexed_npz(tmp_path)) == 30


# ------------------------------------------------------------------------------------------- offline behaviour

class OfflineBuilder:
    """Stands in for a tfds builder on a machine without network: not prepared, download fails."""

    def __init__(self, *args, **kwargs):
        self.download_calls = 0

    def is_prepared(self):
        return False

    def download_and_prepare(self, *args, **kwargs):
        self.download_calls += 1
        raise ConnectionError("Failed to establish a new connection: [Errno -3] name resolution\nsecond line")


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(tfds, "builder", OfflineBuilder)


@pytest.mark.parametrize("load,name,alternative", [
    (data.load_images, "cifar10", "directory of images"),
    (data.load_images, "lsun/bedroom", "directory of images"),
    (data.load_text, "lm1b", ".txt file"),
])
def test_offline_tfds_gives_one_sentence_naming_dataset_data_dir_and_local_alternative(offline, load, name,
                                                                                         alternative):
    with pytest.raises(data.DataUnavailableError) as info:
        load(name, data_dir="/nowhere")
    message = str(info.value)
    assert isinstance(info.value, ValueError) and "\n" not in message and message.count(". ") == 0
    assert repr(name) in message and "--data_dir" in message and alternative in message
    assert "ConnectionError" in message and MANUAL_DOCS in message
    assert info.value.__suppress_context__  # no chained tfds traceback is printed
    if name.startswith("lsun"):
        assert "https://www.tensorflow.org/datasets/catalog/lsun" in message


def test_download_false_never_calls_download(monkeypatch):
    builder = OfflineBuilder()
    monkeypatch.setattr(tfds, "builder", lambda *a, **k: builder)
    with pytest.raises(data.DataUnavailableError, match="download=False"):
        data.load_images("mnist", download=False)
    assert builder.download_calls == 0


def test_unresolvable_download_host_fails_within_seconds_without_retrying(monkeypatch, tmp_path):
    """The real cifar10 builder, DNS failing: one sentence at once, tfds' download (ten retries each) never runs."""
    import socket

    def no_dns(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {host}")

    def must_not_download(self, *args, **kwargs):
        raise AssertionError("download_and_prepare ran although the download host cannot be resolved")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", must_not_download)
    with pytest.raises(data.DataUnavailableError) as info:
        data.load_images("cifar10", data_dir=str(tmp_path))
    message = str(info.value)
    assert "its download host www.cs.toronto.edu cannot be resolved" in message and "--data_dir" in message
    assert "\n" not in message


def test_resolvable_download_host_downloads_as_usual(monkeypatch, tmp_path):
    import socket

    calls = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: calls.append(host) or [])

    def download(self, *args, **kwargs):
        calls.append("download")
        raise ConnectionError("server down")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download)
    with pytest.raises(data.DataUnavailableError, match="ConnectionError: server down"):
        data.load_images("cifar10", data_dir=str(tmp_path))
    assert calls == ["www.cs.toronto.edu", "download"]


def test_unknown_name_that_is_no_path_is_a_value_error():
    with pytest.raises(ValueError, match="neither an existing local path nor a tensorflow-datasets name"):
        data.load_images("no_such_dataset_xyz")


# --------------------------------------------------------------------------------------------- local images

def test_directory_labels_follow_sorted_subdirectories_and_grayscale_keeps_one_channel(tmp_path):
    root = tmp_path / "digits"
    values = {"b_class": [10, 20], "a_class": [200]}
    for cls, vals in values.items():
        for v in vals:
            save_png(str(root / cls / f"{v}.png"), np.full((5, 6), v))
    pairs = as_list(data.load_images(str(root), with_labels=True))
    got = sorted((int(label), float(image[0, 0, 0])) for image, label in pairs)
    assert pairs[0][0].shape == (5, 6, 1)
    assert got == [(0, np.float32(200 / 127.5 - 1)), (1, np.float32(10 / 127.5 - 1)), (1, np.float32(20 / 127.5 - 1))]


def test_directory_mixing_gray_and_rgb_reads_rgb_with_gray_repeated(tmp_path):
    save_png(str(tmp_path / "m/gray.png"), np.full((3, 3), 51))
    save_png(str(tmp_path / "m/rgb.png"), np.full((3, 3, 3), [0, 255, 102]))
    images = as_list(data.load_images(str(tmp_path / "m")))
    expected = {(51, 51, 51), (0, 255, 102)}
    assert {tuple(np.round((im[1, 1] + 1) * 127.5).astype(int)) for im in images} == expected


def test_centre_crop_keeps_the_middle_and_resizes(tmp_path):
    image = np.zeros((8, 16), np.uint8)
    image[:, 4:12] = 255  # the central 8x8 square is white, the side bands black
    save_png(str(tmp_path / "c/wide.png"), image)
    for size in (8, 4):
        (out,) = as_list(data.load_images(str(tmp_path / "c"), image_size=size))
        assert out.shape == (size, size, 1)
        np.testing.assert_array_equal(out, 1.0)


def test_mixed_sizes_need_image_size(tmp_path):
    save_png(str(tmp_path / "s/a.png"), np.zeros((4, 4)))
    save_png(str(tmp_path / "s/b.png"), np.zeros((6, 5)))
    with pytest.raises(ValueError, match="different sizes.*image_size"):
        data.load_images(str(tmp_path / "s"))
    assert [im.shape for im in as_list(data.load_images(str(tmp_path / "s"), image_size=(2, 3)))] == [(2, 3, 1)] * 2


def test_bad_directories_are_refused(tmp_path):
    os.makedirs(tmp_path / "empty")
    with pytest.raises(ValueError, match="no image files"):
        data.load_images(str(tmp_path / "empty"))
    save_png(str(tmp_path / "loose/x.png"), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="directly in it"):
        data.load_images(str(tmp_path / "loose"), with_labels=True)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken/x.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Cannot read image"):
        data.load_images(str(tmp_path / "broken"))


def test_npz_subset_heldout_disjoint_covering_and_labels_aligned(tmp_path):
    path = indexed_npz(tmp_path)
    train = as_list(data.load_images(path, num_examples=10, seed=5, with_labels=True))
    held = as_list(data.load_images(path, num_examples=10, seed=5, with_labels=True, heldout=True))
    for image, label in train + held:  # image i holds the value i everywhere
        np.testing.assert_allclose(image, label / 127.5 - 1.0, atol=1e-6)
    train_ids, held_ids = [int(l) for _, l in train], [int(l) for _, l in held]
    assert len(train_ids) == 10 and sorted(train_ids + held_ids) == list(range(30))
    assert train_ids == [int(l) for _, l in as_list(data.load_images(path, num_examples=10, seed=5,
                                                                     with_labels=True))]
    ds = data.load_images(path, num_examples=10, seed=5)
    assert int(ds.cardinality()) == 10
    with pytest.raises(ValueError, match="num_examples"):
        data.load_images(path, num_examples=31)
    with pytest.raises(ValueError, match="num_examples"):
        data.load_images(path, heldout=True)


def test_dequantize_adds_one_level_of_fresh_reproducible_noise(tmp_path):
    value = 100
    path = str(tmp_path / "flat.npy")
    np.save(path, np.full((600, 2, 2, 1), value, np.uint8))  # > one block of 512 images
    ds = data.load_images(path, dequantize=True, seed=3)
    first, second = np.stack(as_list(ds)), np.stack(as_list(ds))
    low, high = value / 128 - 1, (value + 1) / 128 - 1
    assert low <= first.min() and first.max() < high
    assert abs(first.mean() - (value + 0.5) / 128 + 1) < 0.02 / 128 * 10  # U[0,1) mean 1/2, 2400 draws
    assert not np.allclose(first, second)  # new noise each epoch
    again = np.stack(as_list(data.load_images(path, dequantize=True, seed=3)))
    np.testing.assert_array_equal(first, again)  # a rebuilt pipeline reproduces it
    epochs = as_list(ds.repeat(2))
    assert not np.allclose(np.stack(epochs[:600]), np.stack(epochs[600:]))


def test_in_memory_replay_dequantizes_every_step_afresh_and_the_same_after_a_resume(tmp_path):
    """The replay keeps 8-bit images and draws the noise per step: not frozen at materialisation."""
    from tfgan_gp.data.replay import arrays_from, replay_batches

    path = str(tmp_path / "pixels.npy")
    np.save(path, np.random.default_rng(0).integers(0, 256, (16, 2, 2, 3), dtype=np.uint8))
    (pixels,) = arrays_from(data.load_images(path, uint8=True))
    assert pixels.dtype == np.uint8
    steps = as_list(replay_batches(pixels, 4, 2, seed=5, dequantize=True).take(6))    # 8 images per step
    epoch_one = np.concatenate(steps[:2])                                             # steps 0-1: epoch 0
    epoch_two = np.concatenate(steps[2:4])
    order = lambda batch: np.floor((batch + 1.0) * 128).astype(np.uint8)  # noqa: E731  (x + u)/128 - 1 -> x
    for batch in steps:
        assert -1.0 <= batch.min() and batch.max() < 1.0
    assert sorted(map(bytes, order(epoch_one))) == sorted(map(bytes, pixels))       # every image once per epoch
    assert sorted(map(bytes, order(epoch_two))) == sorted(map(bytes, pixels))
    fractions = lambda batch: (batch + 1.0) * 128 - order(batch)  # noqa: E731  the noise u in [0, 1)
    assert not np.allclose(np.sort(fractions(epoch_one).ravel()), np.sort(fractions(epoch_two).ravel()))
    resumed = as_list(replay_batches(pixels, 4, 2, seed=5, start_step=3, dequantize=True).take(3))
    for a, b in zip(steps[3:], resumed):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="uint8=True yields the 8-bit images unscaled"):
        data.load_images(path, uint8=True, dequantize=True)


def test_npy_arrays_scaling_channels_and_bad_inputs(tmp_path):
    gray = str(tmp_path / "gray.npy")
    np.save(gray, np.array([[[0, 255], [51, 102]]], np.uint8))  # (N, H, W)
    (image,) = as_list(data.load_images(gray))
    np.testing.assert_allclose(image[..., 0], [[-1.0, 1.0], [51 / 127.5 - 1, 102 / 127.5 - 1]], atol=1e-6)
    (rgb,) = as_list(data.load_images(gray, channels=3))
    np.testing.assert_array_equal(rgb, np.repeat(image, 3, axis=-1))

    red = str(tmp_path / "red.npy")
    np.save(red, np.array([[[[255, 0, 0]]]], np.uint8))
    (luma,) = as_list(data.load_images(red, channels=1))  # ITU-R 601: 0.2989 R
    assert abs((luma[0, 0, 0] + 1) * 127.5 - 0.2989 * 255) <= 1.0

    unit = str(tmp_path / "unit.npy")
    np.save(unit, np.array([[[0.0, 0.25], [0.5, 1.0]]], np.float32))
    np.testing.assert_allclose(as_list(data.load_images(unit))[0][..., 0], [[-1, -0.5], [0, 1]], atol=1e-6)
    np.testing.assert_allclose(as_list(data.load_images(unit, value_range=(0, 2)))[0][..., 0],
                               [[-1, -0.75], [-0.5, 0]], atol=1e-6)
    with pytest.raises(ValueError, match="dequantize"):
        data.load_images(unit, dequantize=True)

    for array, pattern in [(np.full((1, 2, 2), 300.0, np.float32), "value_range"),
                           (np.full((1, 2, 2), 300, np.int32), r"\[0, 255\]"),
                           (np.zeros((1, 3, 4, 4), np.uint8), "channels last")]:
        path = str(tmp_path / "bad.npy")
        np.save(path, array)
        with pytest.raises(ValueError, match=pattern):
            data.load_images(path)
    with pytest.raises(ValueError, match="npz"):
        data.load_images(gray, with_labels=True)
    with pytest.raises(ValueError, match="image_size"):
        data.load_images(gray, image_size=0)


def test_check_image_shape_names_the_fix():
    ds = tf.data.Dataset.from_tensors(tf.zeros((28, 28, 1)))
    critic = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"image_size=\(32, 32\) and channels=3"):
        data.check_image_shape(ds, critic)
    data.check_image_shape(ds.batch(2), (28, 28, 1))
    data.check_image_shape(ds, (None, None, 1))


# -------------------------------------------------------------------------------------------------- for_gan

def test_for_gan_batches_small_sets_by_repeating_and_refuses_empty_ones():
    ds = tf.data.Dataset.range(3)
    (batch,) = as_list(data.for_gan(ds, batch_size=2, n_critic=5, seed=0).take(1))
    assert batch.shape == (10,) and set(batch.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="empty"):
        data.for_gan(ds.take(0), batch_size=2)


def test_count_falls_back_to_a_pass_when_cardinality_is_unknown():
    ds = tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0)
    assert int(ds.cardinality()) < 0 and sources.count(ds) == 4


# ----------------------------------------------------------------------------------------------------- text

def write_text(tmp_path, content, name="corpus.txt"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def test_vocab_of_a_local_file_matches_hand_counts(tmp_path):
    # seq_len 4: "aab`", "c```", "abca" (from "abcabc", truncated); empty line skipped; \r\n handled.
    path = write_text(tmp_path, "aab\r\nc\n\nabcabc\n")
    ds, vocab = data.load_text(path, seq_len=4, vocab_size=4)
    # counts: a 4, ` 4, b 2, c 2 -> unknown, then ties broken by code point: ` (96) < a (97); b (98) < c (99)
    assert vocab.chars == ["\ufffd", "`", "a", "b"] and vocab.pad == "`" and vocab.unknown_id == 0
    examples = as_list(ds)
    assert [e.shape for e in examples] == [(4, 4)] * 3 and examples[0].dtype == np.float32
    assert all(np.array_equal(e.sum(-1), np.ones(4)) for e in examples)
    ids = [e.argmax(-1).tolist() for e in examples]
    assert ids == [[2, 2, 3, 1], [0, 1, 1, 1], [2, 3, 0, 2]]  # c is unknown
    assert [vocab.decode(i) for i in ids] == ["aab", "\ufffd", "ab\ufffda"]


def test_pad_is_always_in_the_vocabulary(tmp_path):
    path = write_text(tmp_path, "abcd\nabce\n")  # no line shorter than seq_len: no pad counted
    _, vocab = data.load_text(path, seq_len=4, vocab_size=3)
    assert vocab.chars == ["\ufffd", "a", "`"]


def test_vocab_round_trip_json_and_graph_decode(tmp_path):
    vocab = data.Vocab.build(collections.Counter("hello world`"), vocab_size=64)
    text = "hello world"
    ids = vocab.encode(text, length=16)
    assert ids.dtype == np.int32 and ids.shape == (16,) and ids[-1] == vocab.pad_id
    assert vocab.decode(ids) == text and vocab.decode(vocab.encode(text)) == text
    assert vocab.decode(vocab.encode("hex")) == "he\ufffd"
    assert vocab.decode(tf.one_hot(ids, len(vocab)).numpy()) == text
    graph = vocab.decode_tensor(tf.stack([ids, vocab.encode("low", length=16)]))
    assert [s.decode() for s in graph.numpy()] == [text, "low"]
    path = str(tmp_path / "vocab.json")
    vocab.save(path)
    with open(path, encoding="utf-8") as f:
        stored = json.load(f)
    assert set(stored) == {"chars", "pad", "unknown"} and stored["chars"] == vocab.chars
    assert data.Vocab.load(path) == vocab
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a vocabulary file"):
        data.Vocab.load(str(tmp_path / "bad.json"))


def test_non_utf8_bytes_are_replaced_counted_and_encoded_unknown(tmp_path):
    path = write_text(tmp_path, b"ab\xff\xfecd\nabcd\n")
    with pytest.warns(UserWarning, match="2 bytes"):
        ds, vocab = data.load_text(path, seq_len=6, vocab_size=16, one_hot=False)
    first = as_list(ds)[0]
    assert first.dtype == np.int32 and vocab.decode(first) == "ab\ufffd\ufffdcd"
    assert first[2] == first[3] == vocab.unknown_id


def test_text_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="fewer than one sequence"):
        data.load_text(write_text(tmp_path, "hi\n\n"), seq_len=32)
    with pytest.raises(ValueError, match="seq_len"):
        data.load_text(write_text(tmp_path, "hello\n"), seq_len=0)
    with pytest.raises(ValueError, match="vocab_size"):
        data.load_text(write_text(tmp_path, "hello\n"), seq_len=2, vocab_size=1)


def test_lm1b_mock_matches_a_python_reference_and_vocab_can_be_reused(tmp_path):
    seq_len, vocab_size = 8, 6
    with tfds.testing.mock_data(num_examples=10):
        raw = [ex["text"].decode() for ex in as_list(tfds.builder("lm1b").as_dataset(split="train"))]
        ds, vocab = data.load_text("lm1b", seq_len=seq_len, vocab_size=vocab_size, num_examples=8)
        examples = as_list(ds)
        vocab.save(str(tmp_path / "v.json"))
        reused_ds, reused = data.load_text("lm1b", seq_len=seq_len, vocab=str(tmp_path / "v.json"))
        reused_first = as_list(reused_ds.take(1))[0]
    padded = [line[:seq_len].ljust(seq_len, "`") for line in raw[:8]]
    counts = collections.Counter("".join(padded))
    top = sorted(counts, key=lambda c: (-counts[c], c))[:vocab_size - 1]
    expected = ["\ufffd"] + (top if "`" in top else top[:-1] + ["`"])
    assert vocab.chars == expected
    assert len(examples) == 8 and examples[0].shape == (seq_len, len(vocab))
    for example, line in zip(examples, padded):
        assert vocab.decode(example, strip_pad=False) == "".join(c if c in expected else "\ufffd" for c in line)
    assert reused == vocab
    np.testing.assert_array_equal(reused_first, examples[0])


def test_the_vocabulary_pass_reports_its_progress_and_knows_the_examples_after_it(tmp_path):
    """A pass over millions of lines takes minutes: ``progress(lines, total)`` after each batch of the first
    ``num_examples`` lines and at the end; afterwards the dataset's cardinality is the number of examples."""
    path = write_text(tmp_path, "".join(f"line {i}\n" for i in range(10_000)))
    calls = []
    ds, _ = data.load_text(path, seq_len=8, num_examples=9000, one_hot=False,
                           progress=lambda lines, total: calls.append((lines, total)))
    assert calls == [(4096, 9000), (8192, 9000), (9000, 9000), (9000, 9000)]
    assert int(ds.cardinality()) == 9000 and len(as_list(ds)) == 9000


def test_tfds_empty_lines_are_skipped_and_counted_exactly(tmp_path):
    """Empty lines of a tfds set are dropped a batch at a time (a filter per line cost 10x the reading); its size is
    an upper bound until the vocabulary pass has counted the examples."""
    texts = [b"", b"abc", b"", b"de", b"fgh", b""] * 1000

    def as_dataset(builder, split, decoders=None, read_config=None, shuffle_files=False):
        return tf.data.Dataset.from_tensor_slices({"text": texts})

    calls = []
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        ds, vocab = data.load_text("lm1b", seq_len=4, one_hot=False,
                                   progress=lambda lines, total: calls.append((lines, total)))
        examples = as_list(ds)
    assert calls == [(3000, 6000), (3000, 3000)] and int(ds.cardinality()) == 3000
    assert [vocab.decode(e) for e in examples[:4]] == ["abc", "de", "fgh", "abc"] and len(examples) == 3000
