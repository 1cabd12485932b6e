"""Image datasets for GAN training: tensorflow-datasets names and local files, as float32 images in [-1, 1].

Sources (``name_or_path``):

* a tfds name with an ``image`` feature, e.g. ``"cifar10"``, ``"mnist"``, ``"lsun/bedroom"`` (the paper's
  §5.2 set; centre-cropped and resized to 64×64 by default), ``"downsampled_imagenet/32x32"`` (32×32 by
  default; tfds declares its images as variable-sized);
* a directory of images (``.png .jpg .jpeg .bmp .gif``, searched recursively); with ``with_labels=True`` the
  class of a file is its top-level sub-directory, classes numbered in sorted order (as
  ``keras.utils.image_dataset_from_directory`` does);
* a ``.npy`` array ``(N, H, W)`` / ``(N, H, W, C)``, or a ``.npz`` holding the images under ``images``/``x``/
  ``x_train``/``arr_0`` and optionally labels under ``labels``/``y``/``y_train``/``arr_1``;
* MNIST's IDX format, gzipped or not (:mod:`tfgan_gp.data.idx`): a folder holding ``train-images-idx3-ubyte.gz``
  (split ``"train"``), ``t10k-images-idx3-ubyte.gz`` (split ``"test"``) and their ``*-labels-idx1-ubyte.gz``,
  e.g. Debian's ``dataset-fashion-mnist`` in ``/usr/share/datasets/fashion-mnist``; or one images file (a single
  split, its labels file beside it). The only local sources with two splits.

Pixel scaling follows the authors' code: 8-bit images map to ``x / 127.5 - 1`` (gan_cifar.py), and with
``dequantize=True`` to ``(x + u) / 128 - 1`` with ``u ~ U[0, 1)`` per pixel, i.e. uniform noise of one pixel
level as in gan_cifar_resnet.py (values then lie in [-1, 1)). The noise is redrawn every epoch and is a pure
function of ``seed`` for a freshly built pipeline.

Deviations from the authors' code: their MNIST code keeps pixels in [0, 1] for a sigmoid generator; here
every image set is in [-1, 1] (the tanh convention of their other models). Their LSUN preprocessing is not
released; centre crop + antialiased resize to 64×64 is the usual DCGAN convention.

Work is done once per image where possible: decoding, cropping and resizing run in parallel ``map`` calls
and their 8-bit result is cached in memory when it fits (``cache="auto"``, see
:data:`tfgan_gp.data.sources.AUTO_CACHE_LIMIT_BYTES`); scaling and noise are applied after the cache.
"""
import functools
import os
import zipfile

import numpy as np
import tensorflow as tf

from tfgan_gp.data import idx, sources

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# Sizes used when ``image_size`` is not given: the paper trains on 64x64 LSUN bedrooms; tfds declares
# downsampled ImageNet as variable-sized although every image has the size in its name.
DEFAULT_SIZES = {"lsun": 64, "downsampled_imagenet/32x32": 32, "downsampled_imagenet/64x64": 64}
LOCAL_ALTERNATIVE = ("a local directory of images, a folder of MNIST IDX files or a .npz/.npy image array as the "
                     "dataset")
IMAGE_KEYS = ("images", "x", "x_train", "arr_0")
LABEL_KEYS = ("labels", "y", "y_train", "arr_1")
_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")
AUTOTUNE = tf.data.AUTOTUNE
BLOCK = 512  # images per vectorised scaling step


class _Source:
    """A decoded source: ``ds`` yields ``image`` or ``(image, label)``; ``value_range`` is None for 8-bit."""

    def __init__(self, ds, total, shape, value_range=None):
        self.ds, self.total, self.shape, self.value_range = ds, total, tuple(shape), value_range


def load_images(name_or_path, split="train", data_dir=None, image_size=None, num_examples=None, seed=0,
                with_labels=False, dequantize=False, heldout=False, channels=None, value_range=None,
                cache="auto", download=True, uint8=False):
    """An unbatched ``tf.data.Dataset`` of float32 images ``(H, W, C)`` in [-1, 1] (+ int32 labels).

    Args:
      name_or_path: tfds name, image directory, ``.npy``/``.npz`` file, or IDX folder or images file (see the
        module docstring).
      split: tfds split (``"train"``, ``"test"``, ``"train[:10%]"``...); an IDX folder has ``"train"`` and
        ``"test"`` (its ``t10k-*`` files), other local sources only ``"train"``.
      data_dir: tfds data directory (where a prepared copy lives, or where to download one).
      image_size: ``int`` or ``(height, width)``: centre-crop to that aspect ratio, then resize (bilinear,
        antialiased). ``None`` keeps the source size (required to be the same for every image).
      num_examples: keep a fixed random subset of this many examples (the paper's 1,000 MNIST digits, §5.6),
        chosen by ``seed``; ``heldout=True`` returns the disjoint complement of that subset instead.
      with_labels: yield ``(image, label)`` pairs with int32 labels (for conditional / AC-GAN models).
      dequantize: add uniform noise of one pixel level (8-bit sources only), see the module docstring.
      channels: ``1`` or ``3`` to convert (grayscale is repeated to RGB; RGB uses ITU-R 601 luma);
        ``None`` keeps the source's (a directory mixing grayscale and colour files is read as RGB).
      value_range: ``(low, high)`` of a float array file; ``None`` infers ``(0, 1)``, ``(-1, 1)`` or
        ``(0, 255)`` from its values.
      cache: ``"auto"`` (memory, if the 8-bit images take at most 1 GiB), ``True``, ``False`` or a file prefix.
      download: let tfds download a dataset that is not prepared in ``data_dir``.
      uint8: yield the 8-bit images themselves (uint8, unscaled; 8-bit sources only), e.g. to keep them in
        memory and dequantize every step (``tfgan_gp.Recipe(dequantize=True)``).

    Raises:
      DataUnavailableError: a tfds dataset is not prepared and cannot be downloaded (one-sentence message).
      ValueError: bad arguments or unusable files, naming the argument and what was received.
    """
    size = _check_size(image_size)
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3. Received: channels={channels!r}")
    if not isinstance(seed, int):
        raise ValueError(f"seed must be an int (subsets and noise are functions of it). Received: seed={seed!r}")
    source = _open(name_or_path, split, data_dir, with_labels, size is None, channels, value_range, download)
    if size is None:
        size = _default_size(name_or_path, source.shape)
    if dequantize and source.value_range is not None:
        raise ValueError("dequantize adds one level of 8-bit noise, but this source holds float images: pass "
                         "8-bit data or dequantize=False. Received: dequantize=True, dtype=float32")
    if uint8 and (source.value_range is not None or dequantize):
        raise ValueError(f"uint8=True yields the 8-bit images unscaled: it needs an 8-bit source and "
                         f"dequantize=False. Received: dequantize={dequantize}, "
                         f"dtype={'uint8' if source.value_range is None else 'float32'}")
    ds, total = sources.subset(source.ds, source.total, num_examples, seed, heldout)
    target = (*size, channels or source.shape[2])
    if source.shape != target:
        convert = functools.partial(to_shape, source_shape=source.shape, target=target)
        ds = ds.map((lambda image, label: (convert(image), label)) if with_labels else convert,
                    num_parallel_calls=AUTOTUNE)
    bytes_per_image = int(np.prod(target)) * (1 if source.value_range is None else 4)
    ds = sources.maybe_cache(ds, total, bytes_per_image, cache)
    if not uint8:
        ds = _scaled(ds, with_labels, source.value_range, dequantize, seed)
    return ds.apply(
        tf.data.experimental.assert_cardinality(total))


def dequantize(images, seed):
    """8-bit ``images`` to ``(x + u)/128 − 1``, ``u ~ U[0, 1)`` per pixel from the stateless ``seed`` (shape [2]).

    As the authors' ``gan_cifar_resnet.py``: ``2·(x/256 − ½) + U[0, 1/128)``; values lie in [-1, 1).
    """
    u = tf.random.stateless_uniform(tf.shape(images), seed)
    return (tf.cast(images, tf.float32) + u) / 128.0 - 1.0


def num_classes(name_or_path, data_dir=None):
    """Number of classes of a labelled source (tfds ``label`` feature, class sub-directories, npz or IDX labels)."""
    if _is_idx(name_or_path):
        return int(idx.read(idx.files(name_or_path, "train", with_labels=True)[1], "labels").max()) + 1
    if os.path.isdir(name_or_path):
        return len(_list_images(name_or_path, with_labels=True)[2])
    if os.path.isfile(name_or_path):
        labels = _read_arrays(name_or_path, with_labels=True)[1]
        return int(labels.max()) + 1
    import tensorflow_datasets as tfds

    features = tfds.builder(name_or_path, data_dir=data_dir).info.features
    if "label" not in features:
        raise ValueError(f"tfds dataset {name_or_path!r} has no 'label' feature. Received: "
                         f"name_or_path={name_or_path!r}")
    return int(features["label"].num_classes)


def check_image_shape(ds, expected):
    """Raise a ValueError when the images of ``ds`` do not fit ``expected`` (a shape or a Keras model).

    ``ds`` may be batched or not and yield images or ``(images, labels)``; for a model its first input
    (the critic's image input) is compared. ``None`` entries of the expected shape match anything.
    """
    spec = ds.element_spec[0] if isinstance(ds.element_spec, tuple) else ds.element_spec
    have = tuple(spec.shape[-3:])
    want = tuple(expected.inputs[0].shape[1:]) if hasattr(expected, "inputs") else tuple(expected)
    if len(want) != 3 or any(w is not None and w != h for w, h in zip(want, have)):
        raise ValueError(f"The dataset yields images of shape {have} (height, width, channels) but the model "
                         f"expects {want}: load them with image_size={want[:2]} and channels={want[-1]} "
                         f"(grayscale is repeated to RGB), or build the model for {have}. "
                         f"Received: images {have}, expected {want}")


def _check_size(image_size):
    if image_size is None:
        return None
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError("image_size must be None, a positive int or a (height, width) pair of positive ints. "
                         f"Received: image_size={image_size!r}")
    return size


def _default_size(name, shape):
    for prefix, side in DEFAULT_SIZES.items():
        if name == prefix or name.startswith(prefix + "/"):
            return side, side
    if None in shape[:2]:
        raise ValueError(f"Images of {name!r} vary in size: pass image_size=(height, width) (or an int) to "
                         f"centre-crop and resize them. Received: image_size=None")
    return shape[:2]


def _looks_like_a_path(name):
    """True for names that cannot be tfds names: absolute, ``./``, ``~``, or with a file extension."""
    return (os.path.isabs(name) or name.startswith((".", "~")) or name.endswith((".npy", ".npz", "-ubyte", ".gz"))
            or name.lower().endswith(IMAGE_EXTENSIONS))


def _is_idx(path):
    return idx.is_folder(path) or idx.is_images_file(path)


def has_test_split(name_or_path, data_dir=None):
    """Whether ``name_or_path`` has a ``test`` split of its own: an IDX folder with ``t10k-*`` files, or a tfds name."""
    path = os.path.expanduser(name_or_path)
    if os.path.exists(path) or _looks_like_a_path(path):
        return idx.is_folder(path) and idx.has_split(path, "test")
    return True


def local_splits(path):
    """The splits of the local source ``path``: ``("train", "test")`` for an IDX folder, else ``("train",)``."""
    return tuple(idx.SPLITS) if idx.is_folder(path) else ("train",)


def _open(name_or_path, split, data_dir, with_labels, need_sizes, channels, value_range, download):
    name_or_path = os.path.expanduser(name_or_path)
    local = os.path.exists(name_or_path) or _looks_like_a_path(name_or_path)
    if value_range is not None and not name_or_path.endswith((".npy", ".npz")):
        raise ValueError(f"value_range applies to float .npy/.npz arrays only. Received: value_range="
                         f"{value_range!r} for {name_or_path!r}")
    if _is_idx(name_or_path):
        images, labels = idx.load(name_or_path, split, with_labels)
        return _in_memory(images, labels)
    if local and split != "train":
        raise ValueError("This local image source has a single split (only a folder of IDX files has train and "
                         f"test); use num_examples/heldout for a held-out part. Received: split={split!r}")
    if os.path.isdir(name_or_path):
        return _directory(name_or_path, with_labels, need_sizes, channels)
    if os.path.isfile(name_or_path) and name_or_path.endswith((".npy", ".npz")):
        return _arrays(name_or_path, with_labels, value_range)
    if local:
        what = ("no such file or directory" if not os.path.exists(name_or_path)
                else "not an image folder, .npy/.npz or IDX images file")
        raise ValueError(f"{name_or_path}: {what} (pass an image folder, a .npy/.npz file, a folder of IDX files "
                         f"or a tfds name). Received: name_or_path={name_or_path!r}")
    return _tfds(name_or_path, split, data_dir, with_labels, download)


def _tfds(name, split, data_dir, with_labels, download):
    builder, ds = sources.tfds_dataset(name, split, data_dir, download, LOCAL_ALTERNATIVE)
    features = builder.info.features
    if "image" not in features or (with_labels and "label" not in features):
        missing = "image" if "image" not in features else "label"
        raise ValueError(f"tfds dataset {name!r} has no {missing!r} feature (it has {sorted(features.keys())}). "
                         f"Received: name_or_path={name!r}, with_labels={with_labels}")

    def pick(example):
        if with_labels:
            return example["image"], tf.cast(example["label"], tf.int32)
        return example["image"]

    return _Source(ds.map(pick, num_parallel_calls=AUTOTUNE), sources.count(ds), features["image"].shape)


def _list_images(root, with_labels):
    """Sorted image paths under ``root``, their class indices (or None) and the sorted class names."""
    paths = sorted(os.path.join(folder, f) for folder, _, files in os.walk(root, followlinks=True)
                   for f in files if f.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise ValueError(f"Found no image files ({', '.join(IMAGE_EXTENSIONS)}) under {root!r}. "
                         f"Received: name_or_path={root!r}")
    if not with_labels:
        return paths, None, []
    parts = [os.path.relpath(p, root).split(os.sep) for p in paths]
    loose = [os.path.join(*p) for p in parts if len(p) == 1]
    if loose:
        raise ValueError(f"with_labels=True takes the class from each file's sub-directory of {root!r}, but "
                         f"{len(loose)} files lie directly in it (e.g. {loose[0]!r}). Received: with_labels=True")
    classes = sorted({p[0] for p in parts})
    index = {c: i for i, c in enumerate(classes)}
    return paths, np.array([index[p[0]] for p in parts], np.int32), classes


_SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"), ".jpg": (b"\xff\xd8", b"\xff\xd9"),
               ".jpeg": (b"\xff\xd8", b"\xff\xd9"), ".bmp": (b"BM", b""), ".gif": (b"GIF8", b";")}


def _check_image_file(path, root):
    """A one-sentence ``ValueError`` naming ``path`` when it is not a whole image of its kind.

    Reads only the first and last bytes (the format's signature and end marker), so a truncated or
    foreign file is named before training instead of failing, unnamed, inside the input pipeline.
    """
    head, tail = _SIGNATURES[os.path.splitext(path)[1].lower()]
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        start = f.read(len(head))
        f.seek(max(0, size - 64))
        end = f.read()
    if not start.startswith(head) or tail not in end:
        raise ValueError(f"Cannot read image {path}: it is damaged or not a {os.path.splitext(path)[1]} file (its "
                         f"start or end is missing); remove or replace it. Received: name_or_path={root!r}")


def _directory(root, with_labels, need_sizes, channels):
    """Images of a directory; their headers are read (sizes, colour) unless image_size and channels are set."""
    from PIL import Image

    paths, labels, _ = _list_images(root, with_labels)
    for path in paths:
        _check_image_file(path, root)
    shape = (None, None, channels)
    if need_sizes or channels is None:
        headers = {}
        for path in paths:
            try:
                with Image.open(path) as im:
                    headers[path] = (im.size[1], im.size[0], im.mode)
            except (OSError, ValueError) as e:
                raise ValueError(f"Cannot read image {path!r} ({e}). Received: name_or_path={root!r}") from None
        sizes = {}
        for path, (h, w, _) in headers.items():
            sizes.setdefault((h, w), path)
        if need_sizes and len(sizes) > 1:
            (a, pa), (b, pb) = list(sizes.items())[:2]
            raise ValueError(f"Images under {root!r} have different sizes ({a[0]}x{a[1]} in {pa!r}, {b[0]}x{b[1]} "
                             f"in {pb!r}): pass image_size=(height, width) to centre-crop and resize them. "
                             "Received: image_size=None")
        if channels is None:
            channels = 1 if all(mode in _GRAY_MODES for *_, mode in headers.values()) else 3
        shape = (*next(iter(sizes)), channels) if len(sizes) == 1 else (None, None, channels)

    def decode(path):
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False,
                                   dtype=tf.uint8)
        image.set_shape(shape)
        return image

    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(paths).map(decode, num_parallel_calls=AUTOTUNE)
    else:
        ds = tf.data.Dataset.from_tensor_slices((paths, labels)).map(
            lambda path, label: (decode(path), label), num_parallel_calls=AUTOTUNE)
    return _Source(ds, len(paths), shape)


def _read_arrays(path, with_labels):
    """``(images, labels or None)`` from a .npy / .npz file, checked and unconverted."""
    def first(archive, keys, what):
        found = [k for k in keys if k in archive.files]
        if not found and len(archive.files) == 1 and what == "images":
            return archive[archive.files[0]]
        if not found:
            raise ValueError(f"{path!r} has no {what} array: expected one of the keys {keys}. "
                             f"Received: keys {archive.files}")
        return archive[found[0]]

    if path.endswith(".npy"):
        if with_labels:
            raise ValueError(f"A .npy file holds images only; use a .npz with images and labels for "
                             f"with_labels=True. Received: {path!r}")
        return _unpickled(path, lambda: np.load(path, allow_pickle=False)), None

    def read():
        with np.load(path, allow_pickle=False) as archive:
            return first(archive, IMAGE_KEYS, "images"), first(archive, LABEL_KEYS, "labels") if with_labels else None

    images, labels = _unpickled(path, read)
    if labels is not None:
        labels = labels.reshape(labels.shape[:1] + (-1,))
        if labels.shape != (len(images), 1) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
            raise ValueError(f"Labels in {path!r} must be non-negative integers, one per image "
                             f"({len(images)}). Received: labels of shape {labels.shape}, dtype {labels.dtype}")
        labels = labels[:, 0]
    return images, labels


def _unpickled(path, read):
    """``read()`` of a numpy file, with damaged or foreign files reported in one sentence naming the file."""
    with open(path, "rb") as f:
        magic = f.read(6)
    if not magic.startswith((b"\x93NUMPY", b"PK")):
        raise ValueError(f"{path} is not a numpy .npy/.npz file (its first bytes are {magic!r}): save the images "
                         f"with numpy.save / numpy.savez. Received: {path!r}")
    try:
        return read()
    except ValueError as err:
        if "Received:" in str(err):
            raise
        reason = "it holds Python objects, not plain arrays" if "allow_pickle" in str(err) else str(err)
        raise ValueError(f"{path} is not a readable numpy array file ({reason}): save the images with "
                         f"numpy.save / numpy.savez. Received: {path!r}") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{path} is damaged or not a numpy file ({type(err).__name__}: {err}). "
                         f"Received: {path!r}") from None


def _arrays(path, with_labels, value_range):
    images, labels = _read_arrays(path, with_labels)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"Images in {path!r} must be (N, H, W) or (N, H, W, C) with C = 1 or 3 (channels last) "
                         f"and N > 0. Received: shape {images.shape}")
    if np.issubdtype(images.dtype, np.integer):
        if value_range is not None or images.min() < 0 or images.max() > 255:
            raise ValueError(f"Integer images in {path!r} must be 8-bit values in [0, 255] (no value_range). "
                             f"Received: range [{images.min()}, {images.max()}], value_range={value_range!r}")
        images, value_range = images.astype(np.uint8), None
    elif np.issubdtype(images.dtype, np.floating):
        images = images.astype(np.float32)
        bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
        if bad:
            raise ValueError(f"{path} holds {bad} NaN or infinite pixel values: clean the images first. "
                             f"Received: {path!r}")
        value_range = _float_range(path, images, value_range)
    else:
        raise ValueError(f"Images in {path!r} must be integer or floating point. Received: dtype {images.dtype}")
    return _in_memory(images, labels, value_range)


def _in_memory(images, labels, value_range=None):
    """A source of the arrays ``images`` ``(N, H, W, C)`` and ``labels`` ``(N,)`` or None."""
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels.astype(np.int32)))
    return _Source(ds, len(images), images.shape[1:], value_range)


def _float_range(path, images, value_range):
    low, high = float(images.min()), float(images.max())
    if value_range is None:
        value_range = next((r for r in ((0.0, 1.0), (-1.0, 1.0), (0.0, 255.0)) if r[0] <= low and high <= r[1]),
                           None)
        if value_range is None:
            raise ValueError(f"Cannot tell the value range of the float images in {path!r}: pass "
                             f"value_range=(low, high). Received: values in [{low}, {high}]")
    if len(value_range) != 2 or not value_range[0] <= low <= high <= value_range[1] \
            or value_range[0] == value_range[1]:
        raise ValueError(f"value_range must be a (low, high) pair containing every value of {path!r}. "
                         f"Received: value_range={value_range!r}, values in [{low}, {high}]")
    return tuple(float(v) for v in value_range)


def to_shape(image, source_shape, target):
    """One image of ``source_shape`` as the loader makes it ``target`` (H, W, C): centre-crop to the aspect ratio,
    resize, convert channels; 8-bit stays 8-bit. Use it to put other images (e.g. samples) into a source's shape."""
    height, width, channels = target
    if tuple(source_shape[:2]) != (height, width):
        shape = tf.shape(image)
        crop_h = tf.minimum(shape[0], shape[1] * height // width)
        crop_w = tf.minimum(shape[1], shape[0] * width // height)
        image = tf.image.crop_to_bounding_box(image, (shape[0] - crop_h) // 2, (shape[1] - crop_w) // 2,
                                              crop_h, crop_w)

        def resize():
            resized = tf.image.resize(image, (height, width), method="bilinear", antialias=True)
            return tf.saturate_cast(tf.round(resized), tf.uint8) if image.dtype == tf.uint8 else resized

        # a crop already of the target size (pre-resized data) skips the resampling: the same pixels
        image = tf.cond(tf.logical_and(crop_h == height, crop_w == width), lambda: image, resize)
    if source_shape[2] == 1 and channels == 3:
        image = tf.image.grayscale_to_rgb(image)
    elif source_shape[2] == 3 and channels == 1:
        image = tf.image.rgb_to_grayscale(image)
    return tf.ensure_shape(image, target)


def _scaled(ds, with_labels, value_range, dequantize, seed):
    """Map to [-1, 1] in blocks of :data:`BLOCK` images (vectorised; ~5x the throughput of per-image maps).

    8-bit: ``x / 127.5 - 1``, or with ``dequantize`` ``(x + u) / 128 - 1``, ``u ~ U[0, 1)`` drawn from a
    per-block seed of ``tf.data.Dataset.random(seed)``: fresh noise each epoch, the same for a rebuilt pipeline.
    Float: the affine map of ``value_range`` onto [-1, 1].
    """
    def scale(images, noise_seed):
        if value_range is not None:
            low, high = value_range
            return (images - low) * (2.0 / (high - low)) - 1.0
        images = tf.cast(images, tf.float32)
        if not dequantize:
            return images / 127.5 - 1.0
        u = tf.random.stateless_uniform(tf.shape(images), tf.stack([noise_seed, tf.constant(seed, tf.int64)]))
        return (images + u) / 128.0 - 1.0

    def apply(block, noise_seed):
        return (scale(block[0], noise_seed), block[1]) if with_labels else scale(block, noise_seed)

    noise_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    return tf.data.Dataset.zip((ds.batch(BLOCK), noise_seeds)).map(apply, num_parallel_calls=AUTOTUNE).unbatch()


def resolve_source(tfds_name, data_dir):
    """``(name_or_path, data_dir)`` for :func:`load_images` from a recipe's ``--data_dir``.

    ``--data_dir`` is a tensorflow-datasets data directory, or a local dataset instead: an
    ``.npy``/``.npz`` file, an IDX images file, or a folder of IDX files or of images (one that holds no
    ``<tfds name>`` folder).
    """
    if not data_dir:
        return tfds_name, None
    if os.path.isfile(data_dir):
        return data_dir, None
    if not os.path.isdir(data_dir):
        raise ValueError(f"--data_dir {data_dir}: no such file or directory (pass a tfds data directory, an image "
                         f"folder, a folder of IDX files or a .npy/.npz file). Received: data_dir={data_dir!r}")
    tfds_folder = os.path.join(data_dir, tfds_name.split("/")[0])
    if os.path.isdir(tfds_folder):
        return tfds_name, data_dir
    if idx.is_folder(data_dir) or any(f.lower().endswith(IMAGE_EXTENSIONS)
                                      for _, _, files in os.walk(data_dir) for f in files):
        return data_dir, None
    raise ValueError(f"--data_dir {data_dir} holds no images ({', '.join(IMAGE_EXTENSIONS)}), no IDX files "
                     f"(train-images-idx3-ubyte[.gz]) and no prepared tfds dataset {tfds_name!r} (a {tfds_folder} "
                     f"folder). Received: data_dir={data_dir!r}")
