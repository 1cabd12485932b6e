"""Callbacks that keep a run's state safe: stop when training cannot recover, checkpoint only good states."""
import math

import keras
import numpy as np

from tfgan_gp.callbacks.scalars import log_scalar


FROM_THE_START = ("The loss was not finite from the first step, so a setting makes it so at once: a loss weight that "
                  "is huge or not finite (penalty_weight, i.e. --penalty_weight/--lambda_gp, ac_critic_weight, "
                  "ac_generator_weight), a learning rate far too high, or NaN/inf in the data.")
"""Said when a run's loss was never finite: what makes the loss non-finite at step 1."""


def _first_non_finite(model, logs):
    """The first of the model's own training metrics (not evaluation extras) that is not finite."""
    tracked = {m.name for m in model.metrics}
    for name, value in (logs or {}).items():
        if name not in tracked:
            continue
        try:
            value = log_scalar(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            return name, value
    return None


def _weights_finite(model):
    return all(np.all(np.isfinite(np.asarray(w))) for w in model.get_weights()
               if np.issubdtype(np.asarray(w).dtype, np.floating))


class NaNGuard(keras.callbacks.Callback):
    """Stop training when it cannot recover; ``failure`` says where, in one sentence.

    Without loss scaling a non-finite loss stops at once (its gradients have reached the weights).
    Under loss scaling (``mixed_float16``) a step whose float16 values overflow is skipped by the
    ``LossScaleOptimizer``, which halves its scale: that is routine, so the run stops only when the
    weights are no longer finite or ``patience`` steps in a row had a non-finite loss (the model's
    ``nonfinite_losses`` count, see :class:`tfgan_gp.GAN`).

    A loss that was never finite, from the first step on, comes from a setting (or the data), not from
    training drifting away: the sentence then names the settings that can do that.
    """

    def __init__(self, patience=20):
        super().__init__()
        self.patience = patience
        self.failure = None
        self._count = self._streak = 0

    def _stop(self, reason, from_the_start):
        self.failure = f"Training stopped at generator iteration {self.model.iteration}: {reason}."
        if from_the_start:
            self.failure += f" {FROM_THE_START}"
        self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self._count = 0  # the model's count restarts with every epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.failure:
            return
        count = (logs or {}).get("nonfinite_losses")
        if count is None:
            bad = _first_non_finite(self.model, logs)
            if bad:
                self._stop(f"{bad[0]} is {bad[1]}", from_the_start=self.model.iteration == 1)
            return
        count = log_scalar(count)
        self._streak = self._streak + 1 if count > self._count else 0
        self._count = count
        from_the_start = self._streak >= self.model.iteration
        if self._streak and not _weights_finite(self.model):
            self._stop("the weights are no longer finite", from_the_start)
        elif self._streak >= self.patience:
            self._stop(f"the losses were not finite for {self._streak} steps in a row, although loss scaling "
                       f"skipped those steps and lowered its scale", from_the_start)


class Checkpoint(keras.callbacks.Callback):
    """Save a checkpoint at the end of every epoch whose logs are finite (numbered by generator iteration).

    After a NaN the weights are corrupt, so nothing is written and the last good checkpoint stays.
    """

    def __init__(self, manager):
        super().__init__()
        self.manager = manager

    def on_epoch_end(self, epoch, logs=None):
        if _first_non_finite(self.model, logs) is None and _weights_finite(self.model):
            self.manager.save(checkpoint_number=self.model.iteration)
