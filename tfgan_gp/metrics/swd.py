"""Sliced Wasserstein distance between image sets (Karras et al. 2018, ProGAN, §5 and Appendix D).

Each image set is decomposed into a Laplacian pyramid with levels from the full
resolution down to 16×16. From every level of every image, 128 random 7×7 patches
(neighbourhoods) are taken as descriptors of ``7·7·C`` values; each set's descriptors
are normalised per channel to zero mean and unit std (over that set, as in the
reference code). For each level, the distance is the Wasserstein-1 distance between the
two descriptor clouds projected on 512 random unit directions (4 repeats × 128), i.e.
the mean absolute difference of the sorted projections, averaged over directions.

Deviation (variance reduction, no bias): the patch positions and directions are drawn
once from ``seed`` and used for both sets (Karras et al. drew positions independently per
set), so identical sets are exactly 0 apart. Values are plain distances; Karras et al.'s
tables show them multiplied by 10³.
"""
import numpy as np
from scipy.ndimage import convolve1d

NHOOD_SIZE = 7
NHOODS_PER_IMAGE = 128
DIR_REPEATS = 4
DIRS_PER_REPEAT = 128
MIN_RESOLUTION = 16
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0], np.float32) / 16.0  # separable 5×5 filter of cv2.pyrDown


def _blur(x, weights):
    """Separable 5-tap filter over the two spatial axes of ``(B, H, W, C)``, mirrored borders."""
    return convolve1d(convolve1d(x, weights, axis=1, mode="mirror"), weights, axis=2, mode="mirror")


def pyr_down(x):
    """Gaussian blur then keep every second row and column (``cv2.pyrDown``)."""
    return _blur(x, _BINOMIAL)[:, ::2, ::2]


def pyr_up(x):
    """Insert zero rows/columns, then blur with 4× the filter (``cv2.pyrUp``)."""
    b, h, w, c = x.shape
    up = np.zeros((b, 2 * h, 2 * w, c), x.dtype)
    up[:, ::2, ::2] = x
    return _blur(up, 2.0 * _BINOMIAL)


def laplacian_pyramid(images, levels):
    """``levels`` float32 arrays: band-pass details from full resolution down, then the low-pass rest."""
    pyramid = [np.asarray(images, np.float32)]
    for _ in range(1, levels):
        pyramid.append(pyr_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - pyr_up(pyramid[-1])
    return pyramid


def resolutions(height, width):
    """Pyramid level sizes used: the image's smaller side halved down to 16 (e.g. 64 → 64, 32, 16)."""
    res, out = min(height, width), []
    while res >= MIN_RESOLUTION:
        out.append(res)
        res //= 2
    return out


def projected_wasserstein(a, b, directions):
    """Mean over unit ``directions`` ``(D, k)`` of W1 between the projections of ``a`` and ``b`` ``(n, D)``."""
    proj_a = np.sort(a @ directions, axis=0)
    proj_b = np.sort(b @ directions, axis=0)
    return float(np.mean(np.abs(proj_a - proj_b)))


def _check_images(name, images):
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"{name} must be uint8 images of shape (N, H, W, C). "
                         f"Received: dtype {images.dtype}, shape {images.shape}")
    return images


def _descriptors(images, levels, picks, batch_size):
    """Per level, normalised patch descriptors ``(N·128, 49·C)`` of all images, batch by batch.

    ``picks`` lists patches image by image (128 consecutive entries per image), so a batch
    of images owns one contiguous slice of them.
    """
    per_level = [[] for _ in range(levels)]
    for start in range(0, len(images), batch_size):
        pyramid = laplacian_pyramid(images[start:start + batch_size], levels)
        sel = slice(start * NHOODS_PER_IMAGE, (start + len(pyramid[0])) * NHOODS_PER_IMAGE)
        for level, (band, (img, ys, xs)) in enumerate(zip(pyramid, picks)):
            rows = (img[sel] - start)[:, None, None]
            per_level[level].append(band[rows, ys[sel][:, :, None], xs[sel][:, None, :]])
    out = []
    for chunks in per_level:
        desc = np.concatenate(chunks)
        std = desc.std(axis=(0, 1, 2))
        desc = (desc - desc.mean(axis=(0, 1, 2))) / np.where(std > 0, std, 1.0)
        out.append(desc.reshape(len(desc), -1))
    return out


def _patch_positions(rng, num_images, height, width, levels):
    """For each level, the image index and the rows/columns of every 7×7 patch (shared by both sets)."""
    half = NHOOD_SIZE // 2
    offsets = np.arange(-half, half + 1)
    img = np.repeat(np.arange(num_images), NHOODS_PER_IMAGE)
    picks = []
    for level in range(levels):
        h, w = height >> level, width >> level
        ys = rng.integers(half, h - half, size=len(img))[:, None] + offsets
        xs = rng.integers(half, w - half, size=len(img))[:, None] + offsets
        picks.append((img, ys, xs))
    return picks


def sliced_wasserstein(images_a, images_b, seed=None, batch_size=256):
    """SWD between two equal-size uint8 image sets ``(N, H, W, C)``; ``(per_level, average)``.

    ``per_level`` maps each pyramid resolution (e.g. ``{32: d32, 16: d16}``) to its distance,
    ``average`` is their mean. Sides must be at least 16 and divisible by the number of
    halvings needed to reach 16. 128 patches per image and level; memory holds the
    descriptors (``N × 128 × 49·C`` float32 per level), not the float pyramids.
    """
    a, b = _check_images("images_a", images_a), _check_images("images_b", images_b)
    if a.shape != b.shape:
        raise ValueError(f"images_a and images_b must have the same shape (equal numbers of patches). "
                         f"Received: {a.shape} and {b.shape}")
    _, height, width, _ = a.shape
    sizes = resolutions(height, width)
    if not sizes or height % (1 << (len(sizes) - 1)) or width % (1 << (len(sizes) - 1)):
        raise ValueError(f"Image sides must be >= {MIN_RESOLUTION} and divisible by 2^(levels-1) for the "
                         f"Laplacian pyramid. Received: {height}x{width}")
    rng = np.random.default_rng(seed)
    picks = _patch_positions(rng, len(a), height, width, len(sizes))
    desc_a = _descriptors(a, len(sizes), picks, batch_size)
    desc_b = _descriptors(b, len(sizes), picks, batch_size)
    per_level = {}
    for res, da, db in zip(sizes, desc_a, desc_b):
        distances = []
        for _ in range(DIR_REPEATS):
            directions = rng.standard_normal((da.shape[1], DIRS_PER_REPEAT))
            directions /= np.linalg.norm(directions, axis=0, keepdims=True)
            distances.append(projected_wasserstein(da, db, directions.astype(np.float32)))
        per_level[res] = float(np.mean(distances))
    return per_level, float(np.mean(list(per_level.values())))
