"""Train an experiment end to end: :func:`train` a :class:`Recipe` under a :class:`TrainConfig`.

A :class:`Recipe` says what the experiment is: its GAN (a :class:`tfgan_gp.GANSpec`), its data and how
it is watched; a :class:`TrainConfig` says how to run it (batch 64 and 100,000 generator iterations by
default, the paper's). :func:`train`:

1. applies ``config.precision`` and builds the ``config.distribute`` strategy;
2. refuses a log directory that holds a different run or that another process trains in
   (:mod:`tfgan_gp.run_directory`), before writing anything; a start that fails before its first checkpoint
   (bad data, a loss not finite at once, a full disk) removes what it wrote, so the corrected command is not
   refused by the record of a run that never ran;
3. builds the GAN from its spec inside the strategy's scope and writes the run record
   (``run_config.json``, so the export tool can rebuild the generator);
4. resumes from the newest intact checkpoint in ``config.logdir`` if there is one (weights,
   both optimizers with their schedule position, the noise RNG; in-memory datasets replay
   their batch order exactly, see :mod:`tfgan_gp.data.replay`);
5. runs :func:`fit`: ``GAN.fit`` in epochs of ``config.eval_every`` generator iterations with TensorBoard
   scalars stepped by generator iteration, the recipe's callbacks, a clean stop on SIGINT/SIGTERM and a
   checkpoint per epoch (a non-finite loss stops it: ``GAN.fit``'s guard);
6. exports the generator to ``LOGDIR/export`` (:func:`tfgan_gp.serving.export_run`, written aside
   and renamed into place); a finished run re-exports when that export is missing or stale. The run owns
   ``LOGDIR/export``: it replaces the export there (``overwrite=True``) but never a folder of other files.

With ``config.logdir=None`` nothing is written: :func:`build` and :func:`fit` train in memory, the path
the selection tool takes for every candidate.
"""
import dataclasses
import os
from typing import Callable, Optional

import keras
import tensorflow as tf

from tfgan_gp import checkpoints, distribute, precision, run_directory, serving
from tfgan_gp.callbacks import Checkpoint, Scalars, StopOnSignal
from tfgan_gp.data import for_gan
from tfgan_gp.data.replay import arrays_from, dequantize_batches, replay_batches
from tfgan_gp.spec import GANSpec
from tfgan_gp.train_config import TrainConfig


@dataclasses.dataclass
class Recipe:
    """What an experiment is.

    Attributes:
        name: shown in logs and stored in the run record.
        gan: the :class:`tfgan_gp.GANSpec` to train (architecture and its arguments, loss, penalty, optimizers...).
        data: ``() -> tf.data.Dataset`` of unbatched training examples (``x`` or ``(x, labels)``).
        in_memory: materialise ``data`` and replay batches (exact resume) instead of streaming.
        shuffle_buffer: shuffle buffer of streamed data (``None`` for sources that are random already).
        dequantize: ``data`` yields 8-bit images (``load_images(..., uint8=True)``); every training batch maps
            them to ``(x + u)/128 − 1``, ``u ~ U[0, 1)`` drawn afresh for each step (the authors'
            ``gan_cifar_resnet.py``), also when replayed from memory (see :mod:`tfgan_gp.data.replay`).
        batch_transform: applied to every training batch (e.g. ids → one-hot, cheaper than one-hot examples).
        callbacks: ``(gan, logdir) -> [keras.callbacks.Callback]`` (samples, evaluation...); ``logdir`` is
            ``None`` for a run in memory.
        settings: the recipe's own JSON settings that define the run (a re-run must match them to continue).
        assets: files the recipe writes into the run directory that the generator needs to be used, by role
            (``{"vocab": "vocab.json"}``); the exporter packs them.
    """

    name: str
    gan: GANSpec
    data: Callable[[], tf.data.Dataset]
    in_memory: bool = True
    shuffle_buffer: Optional[int] = 10_000
    dequantize: bool = False
    batch_transform: Optional[Callable] = None
    callbacks: Callable = lambda gan, logdir: []
    settings: dict = dataclasses.field(default_factory=dict)
    assets: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.gan, GANSpec) or not self.gan.complete:
            raise ValueError(f"A recipe's gan must be a tfgan_gp.GANSpec with its architecture and latent_dim. "
                             f"Received: gan={self.gan!r}")

    def source(self):
        """The training data: numpy arrays (in memory, labels checked) or the dataset to stream.

        Samples without labels are one array, not a 1-tuple: batches are then plain tensors, which Keras can
        reduce across workers (under ``MultiWorkerMirroredStrategy`` it averages the first batch to build).
        """
        dataset = self.data()
        if not self.in_memory:
            return dataset
        arrays = arrays_from(dataset)
        if self.gan.num_classes and len(arrays) > 1:
            _check_labels(arrays[1], self.gan.num_classes)
        return arrays if len(arrays) > 1 else arrays[0]

    def batches(self, source, batch_size, minibatches, seed, start):
        """Training batches from generator iteration ``start`` on (in-memory data replay exactly).

        Each step gets ``minibatches`` real minibatches: ``gan.real_batches_per_step`` (``n_critic``, + G's own).
        """
        if self.in_memory:
            batches = replay_batches(source, batch_size, minibatches, seed, start, dequantize=self.dequantize)
        else:  # streamed: a fresh shuffle order after a resume (exact replay needs random access)
            batches = for_gan(source, batch_size, minibatches, shuffle_buffer=self.shuffle_buffer, seed=seed + start)
            if self.dequantize:
                batches = dequantize_batches(batches, seed + start)
        if self.batch_transform:
            batches = batches.map(self.batch_transform, num_parallel_calls=tf.data.AUTOTUNE)
        return batches


class Interrupted(Exception):
    """Training stopped on a signal after saving a checkpoint; ``signal`` is the ``signal.Signals`` received."""

    def __init__(self, message, signal):
        super().__init__(message)
        self.signal = signal


def train(recipe, config):
    """Train ``recipe`` under ``config`` (a :class:`TrainConfig`); returns the trained :class:`GAN`.

    The run directory is the run's identity: a re-run whose record differs from the stored one (except
    the fields marked resumable) raises :class:`~tfgan_gp.run_directory.RunDirectoryError` before anything
    is written, and so does a second process training in the same directory. A non-finite loss stops the
    run with a ``FloatingPointError`` naming the last good checkpoint; SIGINT/SIGTERM stop it after the
    iteration in flight, save a checkpoint there and raise :class:`Interrupted`; a disk that cannot take a
    checkpoint raises ``OSError`` in one sentence. A start that fails before the run has a checkpoint
    removes what it wrote (:func:`tfgan_gp.run_directory.claim`).
    """
    if not isinstance(recipe, Recipe):
        raise ValueError(f"train takes a tfgan_gp.Recipe (what to train) and a tfgan_gp.TrainConfig (how). "
                         f"Received: recipe of type {type(recipe).__name__}")
    if not isinstance(config, TrainConfig):
        raise ValueError(f"train takes its settings as a tfgan_gp.TrainConfig (e.g. tg.TrainConfig(logdir=..., "
                         f"iterations=...)). Received: config of type {type(config).__name__}")
    strategy = distribute.make_strategy(config.distribute)  # (first: a multi-worker one precedes every TF op)
    policy = precision.set_precision(config.precision)
    print(f"{recipe.name}: precision {policy} (precision={config.precision}), {strategy.num_replicas_in_sync} "
          f"replica{'s' if strategy.num_replicas_in_sync > 1 else ''} (distribute={config.distribute}).")
    keras.utils.set_random_seed(config.seed)
    if config.logdir is None:
        gan = build(recipe, config, strategy)
        fit(gan, recipe, config, recipe.source())
        return gan
    logdir = distribute.writable_dir(config.logdir)
    record = run_directory.RunRecord(recipe=recipe.name, gan=recipe.gan, train=config, precision=policy,
                                     settings=recipe.settings, assets=recipe.assets)
    with run_directory.claim(logdir, record, progress=checkpoints.saved):
        try:
            return _train_in(logdir, recipe, config, strategy, record)
        except distribute.PEER_FAILURES as err:
            if config.distribute != "multi_worker":
                raise
            raise distribute.cluster_error(err, "stopped responding", (
                f"the chief's last checkpoint, {checkpoints.latest(config.logdir)}, is intact: check that worker's "
                f"host and start every worker with the same commands again to resume from it")) from None


def build(recipe, config, strategy=None):
    """The recipe's GAN, built and compiled in ``strategy``'s scope (the default one: this device)."""
    with (strategy or tf.distribute.get_strategy()).scope():
        return recipe.gan.build(seed=config.seed, iterations=config.iterations)


def _train_in(logdir, recipe, config, strategy, record):
    gan = build(recipe, config, strategy)
    manager = checkpoints.manager(gan, logdir)
    # every worker resumes from the chief's checkpoint (the other workers only write to scratch directories)
    restored = checkpoints.restore_newest_intact(checkpoints.checkpoint(gan), config.logdir)
    start = gan.iteration if restored else 0
    distribute.check_same_start(strategy, start, config.logdir)
    if restored:
        print(f"Resuming {recipe.name} from generator iteration {start} ({restored}).")
    if start >= config.iterations:
        print(f"{recipe.name}: already trained for {start} generator iterations (iterations={config.iterations}).")
        _save_record(logdir, record)
        _export(config, logdir, start, only_if_stale=True)
        return gan
    source = recipe.source()  # what can fail on the user's data or files fails here, before the record is written
    _save_record(logdir, record)
    try:
        history = fit(gan, recipe, config, source, logdir=logdir, manager=manager)
    except FloatingPointError as err:
        kept = (f"Last good checkpoint: {manager.latest_checkpoint} (left as it was)." if manager.latest_checkpoint
                else "No checkpoint was saved, so what this start wrote is removed: run again once it is fixed.")
        raise FloatingPointError(f"{err} {kept}") from None
    _export(config, logdir, gan.iteration)
    gan.history_ = history
    return gan


def fit(gan, recipe, config, source, until=None, callbacks=(), logdir=None, manager=None):
    """Train ``gan`` from its current iteration to ``until`` (default ``config.iterations``) on ``source``.

    Epochs of ``config.eval_every`` iterations (a resumed run finishes its epoch first); the callbacks are
    ``callbacks``, a clean stop on SIGINT/SIGTERM, the recipe's, TensorBoard scalars by generator iteration
    (with ``logdir``) and a checkpoint per epoch (with ``manager``). ``GAN.fit`` stops a run whose loss is not
    finite with a ``FloatingPointError``; a signal raises :class:`Interrupted` after saving a checkpoint.
    Returns the last ``History``.
    """
    until = config.iterations if until is None else until
    start = gan.iteration
    steps = min(config.eval_every, until)
    stopper = StopOnSignal()
    extra = [Scalars(logdir, max(1, min(100, steps // 10)))] if logdir else []
    extra += [Checkpoint(manager)] if manager else []
    all_callbacks = [*callbacks, stopper, *recipe.callbacks(gan, logdir), *extra]
    verbose = 1 if distribute.is_chief() and logdir else 0
    minibatches = gan.real_batches_per_step

    def run(steps_per_epoch, epochs, initial_epoch=0):
        with gan.distribute_strategy.scope():  # (rows ordered for the replicas: tfgan_gp.data.replicas)
            batches = recipe.batches(source, config.batch_size, minibatches, config.seed, gan.iteration)
        return gan.fit(batches, steps_per_epoch=steps_per_epoch, epochs=epochs, initial_epoch=initial_epoch,
                       callbacks=all_callbacks, verbose=verbose)

    history = None
    while gan.iteration < until:
        done = gan.iteration
        if done % steps:  # resumed mid-epoch (after a signal): finish that epoch first
            history = run(min(steps - done % steps, until - done), 1)
        elif done // steps < until // steps:  # the whole epochs
            history = run(steps, until // steps, initial_epoch=done // steps)
        else:  # `until` is no multiple of eval_every: a last, short epoch
            history = run(until - done, 1)
        if stopper.received or gan.stop_training or gan.iteration == done:  # stopped, or the data ran out
            break
    if stopper.received:
        _stop(gan, manager, start, stopper.received)
    return history


def _stop(gan, manager, start, signal):
    saved = "nothing was saved (the run keeps no checkpoints)"
    if manager is not None:
        if gan.iteration > start and not (manager.latest_checkpoint or "").endswith(f"-{gan.iteration}"):
            manager.save(checkpoint_number=gan.iteration)
        saved = (f"checkpoint {manager.latest_checkpoint} saved" if manager.latest_checkpoint
                 else "no iteration had finished, nothing to save")
    raise Interrupted(f"Stopped by {signal.name} at generator iteration {gan.iteration}; {saved}. "
                      f"Run the same command again to continue.", signal)


def _export(config, logdir, iteration, only_if_stale=False):
    """Export the newest checkpoint to ``LOGDIR/export`` (with ``only_if_stale``: unless it is there already)."""
    if not (config.export and distribute.is_chief()):
        return
    out = os.path.join(logdir, "export")
    if only_if_stale and serving.exported_iteration(out) == iteration:
        return
    serving.export_run(logdir, out, overwrite=True)  # the run's own export
    print(f"Exported the generator to {out} (load it with tf.saved_model.load).")


def _save_record(logdir, record):
    if distribute.is_chief():
        record.save(logdir)


def _check_labels(labels, num_classes):
    """Class labels must lie in ``[0, num_classes)`` (out of range, an embedding lookup on GPU gives zeros)."""
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= num_classes:
        raise ValueError(f"Class labels of a conditional model must lie in [0, {num_classes}): the training data "
                         f"has labels from {low} to {high}. Received: num_classes={num_classes}")
