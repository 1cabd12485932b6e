"""The image recipes' training data: ``--data_dir`` (a tfds dir or a local set) and ``--value_range``, read as images
of the recipe's shape."""
import os

from absl import flags

import tfgan_gp as tg
from tfgan_gp.data import images

from . import rehearsal


DEBIAN_COPIES = {"fashion_mnist": "/usr/share/datasets/fashion-mnist"}
"""tensorflow-datasets names a Debian package installs offline (``apt-get install dataset-fashion-mnist``): where."""


def local_copy(tfds_name, data_dir=None):
    """``data_dir`` if given, else the installed Debian copy of ``tfds_name`` (IDX files), else ``None`` (then
    tensorflow-datasets reads or downloads ``tfds_name``)."""
    copy = DEBIAN_COPIES.get(tfds_name)
    return data_dir or (copy if copy and os.path.isdir(copy) else None)


def define_image_flags(flag_values):
    """``--value_range``: the pixel range of a float ``.npy``/``.npz`` given as ``--data_dir``."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_list("value_range", None, "low,high of the pixel values of a float .npy/.npz --data_dir (default: "
                      "inferred from [0, 1], [-1, 1] or [0, 255]).", **fv)
    flags.register_validator("value_range", lambda v: v is None or _range(v) is not None,
                             message="--value_range must be two numbers low,high with low < high", **fv)


def _range(values):
    try:
        low, high = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return (low, high) if low < high else None


def image_loader(tfds_name, args, image_size, channels):
    """``load(split="train", **load_images_kwargs)`` for a recipe's ``--data_dir`` (a tfds dir or a local set).

    Images are converted to the recipe's ``image_size`` × ``image_size`` × ``channels`` (centre crop,
    resize, grayscale ↔ RGB), so e.g. 28×28 digits feed a 32×32 model. A folder of IDX files has a
    ``train`` and a ``test`` split (its ``t10k-*`` files); other local datasets have a single split, and
    asking them for ``test``/``validation`` gives the same examples (e.g. as the FID reference).
    Under ``--rehearsal`` tfds sets are mocked in their real sizes: ``load.mock`` says so.
    """
    source, tfds_dir = images.resolve_source(tfds_name, args.data_dir)
    is_local = source != tfds_name
    splits = images.local_splits(source) if is_local else None
    value_range = _range(args.value_range) if args.value_range else None

    def load(split="train", **kwargs):
        kwargs = dict(dict(image_size=image_size, channels=channels, value_range=value_range), **kwargs)
        with rehearsal.mock_tfds(load.mock):
            return tg.data.load_images(source, split="train" if splits and split not in splits else split,
                                       data_dir=tfds_dir, **kwargs)

    load.mock = bool(args.rehearsal and not is_local)
    load.source, load.data_dir = source, tfds_dir  # (what the domain classifier trains on)
    return load

