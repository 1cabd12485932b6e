"""MNIST's IDX files (``train-images-idx3-ubyte.gz`` ...), gzipped or not, read with numpy.

The format (http://yann.lecun.com/exdb/mnist/): a big-endian magic number ``0x00000803`` (uint8 data, three
dimensions: images) or ``0x00000801`` (uint8, one dimension: labels), the dimension sizes as big-endian
uint32, then the uint8 values in row-major order. MNIST, Fashion-MNIST and KMNIST ship as four such files:
``train-*`` (split ``"train"``) and ``t10k-*`` (split ``"test"``), e.g. Debian's ``dataset-fashion-mnist`` in
``/usr/share/datasets/fashion-mnist``.

A source is a folder holding them, or one ``*-images-idx3-ubyte[.gz]`` file (its labels: the file of the same
name with ``labels-idx1``). Files are read whole into memory (Fashion-MNIST's training images: 47 MB); a damaged
file is one ``ValueError`` sentence naming it.
"""
import gzip
import math
import os
import re
import zlib

import numpy as np

SPLITS = {"train": "train", "test": "t10k"}
"""Split name -> file-name prefix, as MNIST names its files."""
MAGIC = {"images": 0x00000803, "labels": 0x00000801}
"""uint8 data (0x08) in 3 (images) or 1 (labels) dimensions."""
_IMAGES = re.compile(r"idx3-ubyte(\.gz)?$")
_GZIP = b"\x1f\x8b"


def is_images_file(path):
    """True for a file named as an IDX image file: ``...idx3-ubyte`` or ``...idx3-ubyte.gz``."""
    return bool(_IMAGES.search(os.path.basename(path))) and os.path.isfile(path)


def _named(folder, prefix, kind):
    """The file of ``folder`` for ``prefix`` and ``kind``: ``train-images-idx3-ubyte`` (also ``.idx3``, ``.gz``);
    the uncompressed one when both exist; None when there is none."""
    ndim = 3 if kind == "images" else 1
    for sep in ("-", "."):
        for suffix in ("", ".gz"):
            path = os.path.join(folder, f"{prefix}-{kind}{sep}idx{ndim}-ubyte{suffix}")
            if os.path.isfile(path):
                return path
    return None


def is_folder(path):
    """True for a folder holding the images of some split (``train-images-idx3-ubyte[.gz]`` or ``t10k-...``)."""
    return os.path.isdir(path) and any(_named(path, prefix, "images") for prefix in SPLITS.values())


def has_split(folder, split):
    """True when the IDX ``folder`` holds the images file of ``split``."""
    return _named(folder, SPLITS[split], "images") is not None


def files(path, split, with_labels):
    """``(images file, labels file or None)`` of the IDX source ``path`` (folder or images file) and ``split``.

    A folder has the splits :data:`SPLITS`; an images file is a single split (``"train"``, the default).
    """
    if os.path.isdir(path):
        if split not in SPLITS:
            raise ValueError(f"An IDX folder has the splits {sorted(SPLITS)} (the train-* and t10k-* files). "
                             f"Received: split={split!r} for {path}")
        prefix = SPLITS[split]
        images = _named(path, prefix, "images")
        if images is None:
            raise ValueError(f"{path} holds no {prefix}-images-idx3-ubyte[.gz] file for split={split!r}. "
                             f"Received: split={split!r}")
        labels = _named(path, prefix, "labels") or os.path.join(path, f"{prefix}-labels-idx1-ubyte[.gz]")
    else:
        if split != "train":
            raise ValueError(f"An IDX images file is a single split: pass its folder to choose train or test. "
                             f"Received: split={split!r} for {path}")
        images = path
        folder, name = os.path.split(path)
        labels = os.path.join(folder, _IMAGES.sub(lambda m: "idx1-ubyte" + (m.group(1) or ""),
                                                  name.replace("images", "labels")))
    if not with_labels:
        return images, None
    if not os.path.isfile(labels):
        raise ValueError(f"with_labels=True reads the labels of {images} from {labels}, which does not exist. "
                         f"Received: with_labels=True")
    return images, labels


def read(path, kind):
    """The uint8 array of the IDX ``kind`` (``"images"``: ``(N, H, W)``, ``"labels"``: ``(N,)``) file ``path``."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == _GZIP
    try:
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
            content = f.read()
    except EOFError:
        raise ValueError(f"{path} is truncated: its gzip stream ends early; download it again. "
                         f"Received: {path!r}") from None
    except (OSError, zlib.error) as err:
        raise ValueError(f"{path} is a damaged gzip file ({type(err).__name__}: {err}); download it again. "
                         f"Received: {path!r}") from None
    expected, ndim = MAGIC[kind], MAGIC[kind] & 0xFF
    magic = int.from_bytes(content[:4], "big")
    if len(content) >= 4 and magic != expected:
        raise ValueError(f"{path} is not an IDX {kind} file: its magic number is 0x{magic:08X}, not "
                         f"0x{expected:08X} (uint8 data in {ndim} dimension{'s' if ndim > 1 else ''}). "
                         f"Received: {path!r}")
    header = 4 + 4 * ndim
    if len(content) < header:
        raise ValueError(f"{path} is truncated: it ends inside its header ({len(content)} of {header} bytes). "
                         f"Received: {path!r}")
    shape = tuple(int(n) for n in np.frombuffer(content, ">u4", count=ndim, offset=4))
    size = math.prod(shape)
    if len(content) - header != size:
        state = "truncated" if len(content) - header < size else "longer than its header says"
        raise ValueError(f"{path} is {state}: its header announces {' x '.join(map(str, shape))} = {size:,} values "
                         f"but it holds {len(content) - header:,}. Received: {path!r}")
    return np.frombuffer(content, np.uint8, offset=header).reshape(shape)


def load(path, split="train", with_labels=False):
    """``(images (N, H, W, 1) uint8, labels (N,) int32 or None)`` of the IDX source ``path`` (see :func:`files`)."""
    images_path, labels_path = files(path, split, with_labels)
    images = read(images_path, "images")[..., None]
    if not len(images):
        raise ValueError(f"{images_path} holds no images (its header says 0). Received: {images_path!r}")
    if labels_path is None:
        return images, None
    labels = read(labels_path, "labels")
    if len(labels) != len(images):
        raise ValueError(f"{labels_path} holds {len(labels):,} labels but {images_path} holds {len(images):,} "
                         f"images: they must be the same set. Received: {labels_path!r}")
    return images, labels.astype(np.int32)
