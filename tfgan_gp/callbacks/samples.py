"""What a person looks at during training: sample grids (PNG + TensorBoard) and text samples."""
import math
import os

import keras
import numpy as np
import tensorflow as tf


def image_grid(images):
    """Tile ``(N, H, W, C)`` images in [-1, 1] into one uint8 picture, as square as possible."""
    images = np.asarray(images, np.float32)
    n, h, w, c = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.zeros((rows * h, cols * w, c), np.uint8)
    pixels = np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    for i, image in enumerate(pixels):
        r, q = divmod(i, cols)
        grid[r * h:(r + 1) * h, q * w:(q + 1) * w] = image
    return grid


class Samples(keras.callbacks.Callback):
    """Every epoch: a grid of samples from fixed noise, as ``samples_<iteration>.png`` and a TensorBoard image."""

    def __init__(self, log_dir, num_samples=64, seed=0):
        super().__init__()
        self.log_dir, self.num_samples, self.seed = log_dir, num_samples, seed
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "samples"))

    def on_epoch_end(self, epoch, logs=None):
        step = self.model.iteration
        grid = image_grid(self.model.sample(self.num_samples, seed=self.seed).numpy())
        png = tf.io.encode_png(grid)
        tf.io.write_file(os.path.join(self.log_dir, f"samples_{step:06d}.png"), png)
        with self.writer.as_default():
            tf.summary.image("samples", grid[None], step=step)
        self.writer.flush()


class TextSamples(keras.callbacks.Callback):
    """Every epoch: decoded samples from fixed noise as a TensorBoard text summary (and ``samples_<it>.txt``).

    TensorBoard renders text as Markdown: the lines go in one indented code block, where every character
    shows as itself (in an inline code span a backtick, the paper's pad character, would end the span).
    """

    def __init__(self, log_dir, decode, num_samples=16, seed=0):
        super().__init__()
        self.log_dir, self.decode, self.num_samples, self.seed = log_dir, decode, num_samples, seed
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "samples"))

    def on_epoch_end(self, epoch, logs=None):
        step = self.model.iteration
        lines = self.decode(self.model.sample(self.num_samples, seed=self.seed).numpy())
        with open(os.path.join(self.log_dir, f"samples_{step:06d}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with self.writer.as_default():
            tf.summary.text("samples", "\n".join(f"    {line}" for line in lines), step=step)
        self.writer.flush()
