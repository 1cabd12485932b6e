"""Stop cleanly on SIGTERM / Ctrl-C: finish the generator iteration in flight, then stop training."""
import signal
import threading

import keras


class StopOnSignal(keras.callbacks.Callback):
    """On SIGINT or SIGTERM, stop ``fit`` after the current generator iteration; ``received`` names the signal.

    The caller then saves a checkpoint at that iteration (:func:`tfgan_gp.train` does), so a stopped
    run loses at most the iteration in flight. A second signal of the same kind acts as usual
    (KeyboardInterrupt / termination). Handlers are installed only in the main thread and restored
    when training ends.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        super().__init__()
        self.received = None
        self._previous = {}

    def _handle(self, signum, frame):
        self.received = signal.Signals(signum)
        self.model.stop_training = True
        signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))  # a second one acts as usual

    def on_train_begin(self, logs=None):
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}

    def on_train_batch_end(self, batch, logs=None):
        if self.received:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}
