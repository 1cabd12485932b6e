"""What happens to an image before the classifier sees it: uint8 quantization and the protocols' resizes.

Published Inception scores and FIDs were computed on 8-bit images, resized to 299×299 in a specific
way; each step changes the numbers (Parmar et al. 2022, "On Aliased Resizing and Surprising Subtleties
in GAN Evaluation"), so each is a named function here:

* :func:`quantize_uint8`: generated floats in ``[-1, 1]`` to 8-bit pixels, ``round((x + 1) · 127.5)``
  (half to even), clipped to ``[0, 255]`` -- the rule of the exported ``sample`` signature
  (:func:`tfgan_gp.serving.endpoints.to_uint8`), so scoring a run or its export sees the same pixels.
  Gulrajani et al.'s script truncated ``(x + 1) · 127.995`` instead (at most one level apart).
* :func:`resize_tf1_bilinear`: TensorFlow 1's ``ResizeBilinear`` (``align_corners=False``, no half-pixel
  centres: source pixel = destination pixel × in/out), the op inside the 2015 Inception graph that
  TTUR's ``fid.py``, Salimans et al.'s ``inception_score.py`` and TF-GAN relied on.
* :func:`resize_tf2_bilinear`: ``tf.image.resize`` (half-pixel centres, no antialiasing): what the
  ``keras`` protocol has always done.
* :func:`resize_pil_bicubic`: clean-fid's ``clean`` mode: PIL bicubic (antialiased) of each channel as
  float, clipped to ``[0, 255]``, not re-quantized.
* ``none``: the ``domain`` protocol's network takes the dataset's own size.
"""
import numpy as np
import tensorflow as tf

RESIZES = ("tf1_bilinear", "tf2_bilinear", "pil_bicubic", "none")


def quantize_uint8(images):
    """Float images in ``[-1, 1]`` to uint8 ``round((x + 1) · 127.5)`` (half to even), clipped; uint8 stays."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    scaled = (images.astype(np.float32, copy=False) + np.float32(1.0)) * np.float32(127.5)
    return np.clip(np.round(scaled), 0.0, 255.0).astype(np.uint8)


def to_unit_range(batch):
    """uint8 images in ``[0, 255]`` to float32 in ``[-1, 1]``; float images unchanged (assumed ``[-1, 1]``)."""
    batch = np.asarray(batch)
    if batch.dtype == np.uint8:
        return batch.astype(np.float32) / 127.5 - 1.0
    return batch.astype(np.float32, copy=False)


def resize_tf1_bilinear(images, size):
    """TF1 bilinear resize (``align_corners=False``, ``half_pixel_centers=False``) to ``size × size``, float32.

    Output pixel ``(i, j)`` interpolates the input at ``(i · H/size, j · W/size)``: the grid is anchored at
    the top-left corner, unlike TF2's half-pixel centres. ``images``: ``(B, H, W, C)``, any real dtype.
    """
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.float32:
        images = tf.cast(images, tf.float32)
    return tf.raw_ops.ResizeBilinear(images=images, size=[size, size], align_corners=False,
                                     half_pixel_centers=False)


def resize_tf2_bilinear(images, size):
    """``tf.image.resize(..., method="bilinear")`` (half-pixel centres, no antialiasing), float32."""
    return tf.image.resize(tf.cast(images, tf.float32), (size, size), method="bilinear")


def resize_pil_bicubic(images, size):
    """clean-fid's resize: PIL bicubic of each channel as a float image, clipped to ``[0, 255]``, float32.

    ``images``: uint8 ``(B, H, W, C)``. Returns ``(B, size, size, C)`` in ``[0, 255]``, not re-quantized.
    """
    from PIL import Image

    images = np.asarray(images)
    out = np.empty((len(images), size, size, images.shape[-1]), np.float32)
    for i, image in enumerate(images):
        for c in range(images.shape[-1]):
            channel = Image.fromarray(image[:, :, c].astype(np.float32))  # mode "F"
            out[i, :, :, c] = np.asarray(channel.resize((size, size), resample=Image.BICUBIC))
    return np.clip(out, 0.0, 255.0, out=out)
