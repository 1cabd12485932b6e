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


class ImageSamples(keras.callbacks.Callback):
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
    """Every epoch: decoded samples from fixed noise as a TensorBoard text summary (and ``samples_<it>.txt``)."""

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
            tf.summary.text("samples", "\n\n".join(f"`{line}`" for line in lines), step=step)
        self.writer.flush()


class CriticLossCurves(keras.callbacks.Callback):
    """Every epoch: the critic loss (no penalty) on training and on held-out data (paper §5.6).

    Logs ``critic_loss/train`` and ``critic_loss/heldout`` to TensorBoard and into the epoch's
    logs (so ``history``), and redraws ``critic_loss.png``: when the two curves part, the
    critic is overfitting its training set.
    """

    def __init__(self, log_dir, train, heldout, num_examples=1000, batch_size=64):
        super().__init__()
        self.log_dir = log_dir
        self.data = {name: self._batched(ds, num_examples, batch_size)
                     for name, ds in (("train", train), ("heldout", heldout))}
        self.curves = {name: [] for name in self.data}
        self.iterations = []
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "critic_loss"))

    @staticmethod
    def _batched(ds, num_examples, batch_size):
        return ds.take(num_examples).batch(batch_size).cache()

    def on_epoch_end(self, epoch, logs=None):
        step = self.model.iteration
        self.iterations.append(step)
        with self.writer.as_default():
            for name, ds in self.data.items():
                value = self.model.evaluate(ds, verbose=0, return_dict=True)["d_loss"]
                self.curves[name].append(value)
                tf.summary.scalar(f"critic_loss/{name}", value, step=step)
                if logs is not None:
                    logs[f"critic_loss_{name}"] = value
        self.writer.flush()
        self._plot()

    def _plot(self):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for name, values in self.curves.items():
            ax.plot(self.iterations, [-v for v in values], marker="o", label=f"{name} data")
        ax.set_xlabel("generator iterations")
        ax.set_ylabel("negative critic loss")
        ax.legend()
        fig.savefig(os.path.join(self.log_dir, "critic_loss.png"), dpi=100, bbox_inches="tight")
        plt.close(fig)
