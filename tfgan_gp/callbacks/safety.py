"""Callbacks that keep a run's state safe: stop on non-finite losses, checkpoint only good states."""
import math

import keras


def _first_non_finite(model, logs):
    """The first of the model's own training metrics (not evaluation extras) that is not finite."""
    tracked = {m.name for m in model.metrics}
    for name, value in (logs or {}).items():
        if name not in tracked:
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            return name, value
    return None


class NaNGuard(keras.callbacks.Callback):
    """Stop training at the first non-finite logged value; ``failure`` says where, in one sentence."""

    def __init__(self):
        super().__init__()
        self.failure = None

    def on_train_batch_end(self, batch, logs=None):
        bad = _first_non_finite(self.model, logs)
        if bad and not self.failure:
            self.failure = (f"Training stopped at generator iteration {self.model.iteration}: "
                            f"{bad[0]} is {bad[1]}.")
            self.model.stop_training = True


class Checkpoint(keras.callbacks.Callback):
    """Save a checkpoint at the end of every epoch whose logs are finite (numbered by generator iteration).

    After a NaN the weights are corrupt, so nothing is written and the last good checkpoint stays.
    """

    def __init__(self, manager):
        super().__init__()
        self.manager = manager

    def on_epoch_end(self, epoch, logs=None):
        if _first_non_finite(self.model, logs) is None:
            self.manager.save(checkpoint_number=self.model.iteration)
