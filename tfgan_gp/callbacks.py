"""Training callbacks: pictures of the critic's value surface for 2-D toy data."""
import os

import keras
import matplotlib.pyplot as plt
import tensorflow as tf

from tfgan_gp import plotting


class ToyValueSurface(keras.callbacks.Callback):
    """Every epoch, draw generated samples over the critic's value contour and over real data.

    Writes ``value_surface_<iteration>.png`` in ``log_dir`` and the same picture as a
    TensorBoard image (``value_surface``), stepped by generator iterations.
    """

    def __init__(self, log_dir, real_points, num_samples=512, extent=3.0, resolution=128):
        super().__init__()
        self.log_dir = log_dir
        self.real = real_points
        self.num_samples = num_samples
        self.extent, self.resolution = extent, resolution
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "images"))
        self.last_png = None

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.optimizer.iterations)
        fake = self.model.sample(self.num_samples, seed=0).numpy()
        fig, ax = plt.subplots(figsize=(5, 5))
        critic_fn = lambda x: self.model.critic(x, training=False).numpy()  # noqa: E731
        plotting.value_surface(ax, critic_fn, self.real, fake, self.extent, self.resolution,
                               title=f"generator iteration {step}")
        ax.legend(loc="upper right", fontsize=7, markerscale=4)
        self.last_png = os.path.join(self.log_dir, f"value_surface_{step:06d}.png")
        plotting.save_png(plotting.figure_png(fig), self.last_png, self.writer, "value_surface", step)
