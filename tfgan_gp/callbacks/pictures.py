"""What the critic does, in pictures: its value surface over 2-D data and its loss on training vs held-out data.

Both load :mod:`tfgan_gp.plotting` (and so matplotlib) only when they draw.
"""
import bisect
import json
import os

import keras
import tensorflow as tf


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
        from tfgan_gp import plotting

        step = self.model.iteration
        fake = self.model.sample(self.num_samples, seed=0).numpy()
        fig, ax = plotting.subplots(figsize=(5, 5))
        critic_fn = lambda x: self.model.critic(x, training=False).numpy()  # noqa: E731
        plotting.value_surface(ax, critic_fn, self.real, fake, self.extent, self.resolution,
                               title=f"generator iteration {step}")
        ax.legend(loc="upper right", fontsize=7, markerscale=4)
        self.last_png = os.path.join(self.log_dir, f"value_surface_{step:06d}.png")
        plotting.save_png(plotting.figure_png(fig), self.last_png, self.writer, "value_surface", step)


class CriticLossCurves(keras.callbacks.Callback):
    """Every epoch: the critic loss on training and on held-out data (paper §5.6, Figure 5b).

    Logs ``critic_loss/train`` and ``critic_loss/heldout`` to TensorBoard and into the epoch's
    logs (so ``history``), and redraws ``critic_loss.png``: when the two curves part, the
    critic is overfitting its training set. ``include_penalty``: the loss with the weighted
    penalty, as the authors logged it (``gan_mnist.py``'s ``disc_cost``); otherwise the adversarial
    loss alone (``GAN.evaluate``). The fakes and interpolates come from ``seed``, the same at every
    epoch, and leave the GAN's own random state alone.

    The points are kept in ``critic_loss.json`` next to the picture (rewritten whole at every epoch), so
    a resumed run draws the whole run: a new callback on the same ``log_dir`` reads them back, and a point
    at an iteration already drawn replaces it and every later one (a run resumed from an earlier
    checkpoint trains those iterations again).
    """

    POINTS = "critic_loss.json"
    PICTURE = "critic_loss.png"

    def __init__(self, log_dir, train, heldout, num_examples=1000, batch_size=64, include_penalty=False, seed=0):
        super().__init__()
        self.log_dir = log_dir
        self.data = {name: self._batched(ds, num_examples, batch_size)
                     for name, ds in (("train", train), ("heldout", heldout))}
        self.include_penalty = include_penalty
        self.iterations, self.curves = self._load()
        self.seed = keras.random.SeedGenerator(seed)
        self._initial_state = self.seed.state.numpy()
        self._loss = None
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "critic_loss"))

    @staticmethod
    def _batched(ds, num_examples, batch_size):
        return ds.take(num_examples).batch(batch_size).cache()

    def _load(self):
        """``(iterations, curves)`` stored in ``log_dir`` by an earlier run (empty ones for a new run)."""
        path = os.path.join(self.log_dir, self.POINTS)
        if not os.path.exists(path):
            return [], {name: [] for name in self.data}
        try:
            with open(path, encoding="utf-8") as f:
                stored = json.load(f)
            iterations, curves = list(stored["iteration"]), {name: list(stored[name]) for name in self.data}
            stored_penalty = stored["include_penalty"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path} holds no critic-loss curve this version can read ({err}): move it away to "
                             f"start the curve afresh.") from None
        if stored_penalty != self.include_penalty:
            raise ValueError(f"{path} holds critic losses {'with' if stored_penalty else 'without'} the penalty; "
                             f"continue the curve with include_penalty={stored_penalty} or give a new log_dir. "
                             f"Received: include_penalty={self.include_penalty}")
        return iterations, curves

    def critic_loss(self, ds):
        """Mean critic loss over ``ds`` (see the class docstring)."""
        if self._loss is None:
            self._loss = tf.function(lambda batch: self.model.critic_loss(batch, self.include_penalty, self.seed),
                                     reduce_retracing=True)
        self.seed.state.assign(self._initial_state)
        total = count = 0.0
        for batch in ds:
            n = float(tf.shape(batch[0] if isinstance(batch, tuple) else batch)[0])
            total += float(self._loss(batch)) * n
            count += n
        return total / count

    def on_epoch_end(self, epoch, logs=None):
        step = self.model.iteration
        kept = bisect.bisect_left(self.iterations, step)  # points from `step` on are measured again
        del self.iterations[kept:]
        self.iterations.append(step)
        with self.writer.as_default():
            for name, ds in self.data.items():
                value = self.critic_loss(ds)
                del self.curves[name][kept:]
                self.curves[name].append(value)
                tf.summary.scalar(f"critic_loss/{name}", value, step=step)
                if logs is not None:
                    logs[f"critic_loss_{name}"] = value
        self.writer.flush()
        self._save()

    def _save(self):
        """Write the points (``critic_loss.json``) and the picture (``critic_loss.png``), each whole."""
        from tfgan_gp import plotting

        points = {"include_penalty": self.include_penalty, "iteration": self.iterations, **self.curves}
        plotting.replace_file(os.path.join(self.log_dir, self.POINTS), json.dumps(points).encode("utf-8"))
        fig, ax = plotting.subplots(figsize=(6, 4))
        for name, values in self.curves.items():
            ax.plot(self.iterations, [-v for v in values], marker="o", label=f"{name} data")
        ax.set_xlabel("generator iterations")
        ax.set_ylabel("negative critic loss" + (" (penalty included)" if self.include_penalty else ""))
        ax.legend()
        plotting.save_png(plotting.figure_png(fig), os.path.join(self.log_dir, self.PICTURE))
