"""TensorBoard scalars stepped by generator iteration, so a resumed run continues the same curves."""
import os

import keras
import numpy as np
import tensorflow as tf


def log_scalar(value):
    """A training log value as a float. Under ``MultiWorkerMirroredStrategy`` Keras hands the logs over as
    one-element arrays (it reduces them along an axis, see ``tfgan_gp.GAN._logs``); elsewhere they are scalars."""
    return float(np.mean(np.asarray(value)))


class Scalars(keras.callbacks.Callback):
    """Write the training logs to ``log_dir/train`` at step = generator iteration.

    Every ``every_n_iterations`` iterations each logged value is written as ``batch_<name>``, and
    at every epoch end as ``epoch_<name>``, both at the generator iteration they belong to (Keras'
    own TensorBoard steps batches from 1 in every process and epochs by number, so a resumed run
    would draw over the first one).
    """

    def __init__(self, log_dir, every_n_iterations=100):
        super().__init__()
        if not isinstance(every_n_iterations, int) or every_n_iterations < 1:
            raise ValueError(f"every_n_iterations must be a positive integer. "
                             f"Received: every_n_iterations={every_n_iterations!r}")
        self.log_dir, self.every = log_dir, every_n_iterations
        self._writer = None

    def _write(self, prefix, logs):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))
        with self._writer.as_default(step=self.model.iteration):
            for name, value in (logs or {}).items():
                tf.summary.scalar(f"{prefix}_{name}", log_scalar(value))

    def on_train_batch_end(self, batch, logs=None):
        if self.model.iteration % self.every == 0:
            self._write("batch", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._write("epoch", logs)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
