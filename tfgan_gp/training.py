"""Train an experiment end to end: :func:`train` a :class:`Recipe` under a :class:`TrainConfig`.

A :class:`Recipe` says what the experiment is (models, data, optimizers, monitoring); a
:class:`TrainConfig` says how to run it (the paper's defaults: batch 64, ``n_critic`` 5,
Wasserstein loss with the gradient penalty, λ 10). :func:`train`:

1. applies ``config.precision`` and builds the ``config.distribute`` strategy;
2. refuses a log directory that holds a different run or that another process trains in
   (:mod:`tfgan_gp.run_directory`), before writing anything;
3. builds generator, critic and :class:`tfgan_gp.GAN` inside the strategy's scope and
   writes ``run_config.json`` (so the export tool can rebuild the generator);
4. resumes from the newest intact checkpoint in ``config.logdir`` if there is one (weights,
   both optimizers with their schedule position, the noise RNG; in-memory datasets replay
   their batch order exactly, see :mod:`tfgan_gp.data.replay`);
5. runs ``fit`` in epochs of ``config.eval_every`` generator iterations with TensorBoard
   scalars stepped by generator iteration, the recipe's callbacks, a NaN guard, a clean stop
   on SIGINT/SIGTERM and a checkpoint per epoch;
6. exports the generator to ``LOGDIR/export`` (:func:`tfgan_gp.serving.export_run`, written aside
   and renamed into place); a finished run re-exports when that export is missing or stale.
"""
import dataclasses
import math
import os
from typing import Callable, Optional

import keras
import tensorflow as tf

from tfgan_gp import (architectures, averaging, checkpoints, distribute, losses, penalties, precision, run_directory,
                      serving)
from tfgan_gp import augment as augmentations
from tfgan_gp.callbacks import Checkpoint, NaNGuard, Scalars, StopOnSignal
from tfgan_gp.data import for_gan
from tfgan_gp.data.replay import arrays_from, dequantize_batches, replay_batches
from tfgan_gp.gan import GAN


@dataclasses.dataclass
class Recipe:
    """What an experiment is.

    Attributes:
        name: shown in logs and stored in ``run_config.json``.
        architecture: a name for :func:`tfgan_gp.architectures.get`.
        generator_kwargs, critic_kwargs: JSON-serialisable builder arguments.
        latent_dim: width of z.
        data: ``() -> tf.data.Dataset`` of unbatched training examples (``x`` or ``(x, labels)``).
        optimizers: ``(iterations, n_critic) -> (g_optimizer, d_optimizer)``.
        num_classes: for conditional models.
        in_memory: materialise ``data`` and replay batches (exact resume) instead of streaming.
        callbacks: ``(gan, logdir) -> [keras.callbacks.Callback]`` (samples, evaluation...).
        config: extra JSON-serialisable entries for ``run_config.json`` (e.g. ``vocab_file``).
        gan_kwargs: extra :class:`GAN` arguments (AC-GAN weights...).
        batch_transform: applied to every training batch (e.g. ids → one-hot, cheaper than one-hot examples).
        shuffle_buffer: shuffle buffer of streamed data (``None`` for sources that are random already).
        dequantize: ``data`` yields 8-bit images (``load_images(..., uint8=True)``); every training batch maps
            them to ``(x + u)/128 − 1``, ``u ~ U[0, 1)`` drawn afresh for each step (the authors'
            ``gan_cifar_resnet.py``), also when replayed from memory (see :mod:`tfgan_gp.data.replay`).
    """

    name: str
    architecture: str
    generator_kwargs: dict
    critic_kwargs: dict
    latent_dim: int
    data: Callable[[], tf.data.Dataset]
    optimizers: Callable[[int, int], tuple]
    num_classes: Optional[int] = None
    in_memory: bool = True
    callbacks: Callable = lambda gan, logdir: []
    config: dict = dataclasses.field(default_factory=dict)
    gan_kwargs: dict = dataclasses.field(default_factory=dict)
    batch_transform: Optional[Callable] = None
    dequantize: bool = False
    shuffle_buffer: Optional[int] = 10_000


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to run a recipe; the defaults are the paper's (Gulrajani et al. 2017, Appendix).

    Attributes:
        logdir: the run directory (logs, checkpoints, ``run_config.json``, export).
        iterations: generator iterations in total.
        batch_size: samples per critic minibatch (global, all replicas).
        n_critic: critic updates per generator update.
        loss: a name from :func:`tfgan_gp.losses.names`.
        penalty: a name from :func:`tfgan_gp.penalties.names`, or several joined by ``+`` (``gp+lecam``).
        lambda_gp: the penalty weight λ (ignored by weightless penalties: ``clip``, ``none``); of a
            combination, the first part's (the others keep their defaults).
        precision: one of :data:`tfgan_gp.precision.NAMES`.
        distribute: one of :data:`tfgan_gp.distribute.STRATEGIES`.
        eval_every: generator iterations per Keras epoch (checkpoint, pictures, evaluation).
        seed: weights, noise and data order.
        export: write ``LOGDIR/export`` at the end.
        ema_decay: β of the generator's weight EMA (:meth:`tfgan_gp.GAN.update_ema`); 0: off.
        ema_start: generator iterations before the EMA starts averaging (it copies until then).
        sample_from: one of :data:`tfgan_gp.averaging.SAMPLE_FROM`, the generator that samples, evaluation
            and the export use (``auto``: the averaged one when ``ema_decay`` > 0).
        augment: a name from :func:`tfgan_gp.augment.names`: ``none``, ``diffaugment`` (Zhao et al. 2020)
            or ``ada`` (its transforms with Karras et al. 2020's adaptive probability).
        augment_policy: the transforms, e.g. ``color,translation,cutout`` (:data:`tfgan_gp.augment.POLICIES`).
    """

    logdir: str
    iterations: int = 100_000
    batch_size: int = 64
    n_critic: int = 5
    loss: str = "wasserstein"
    penalty: str = "gp"
    lambda_gp: float = 10.0
    precision: str = "auto"
    distribute: str = "none"
    eval_every: int = 1000
    seed: int = 0
    export: bool = True
    ema_decay: float = 0.0
    ema_start: int = 0
    sample_from: str = "auto"
    augment: str = "none"
    augment_policy: str = augmentations.DEFAULT_POLICY

    def __post_init__(self):
        for name in ("iterations", "batch_size", "n_critic", "eval_every"):
            _check_int(self, name, minimum=1)
        _check_int(self, "seed", minimum=0)
        if self.iterations % min(self.eval_every, self.iterations):
            raise ValueError(f"iterations must be a multiple of eval_every (each Keras epoch is eval_every "
                             f"iterations). Received: iterations={self.iterations}, eval_every={self.eval_every}")
        if not self.lambda_gp >= 0:
            raise ValueError(f"lambda_gp must be >= 0. Received: lambda_gp={self.lambda_gp!r}")
        for name, valid in (("loss", losses.names()), ("precision", precision.NAMES),
                            ("distribute", distribute.STRATEGIES), ("augment", augmentations.names())):
            if getattr(self, name) not in valid:
                raise ValueError(f"{name} must be one of {', '.join(valid)}. "
                                 f"Received: {name}={getattr(self, name)!r}")
        penalties.check_name(self.penalty)
        averaging.check(self.ema_decay, self.ema_start)
        averaging.resolve(self.sample_from, self.ema_decay > 0)
        augmentations.parse_policy(self.augment_policy)


def _check_int(config, name, minimum):
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}. Received: {name}={value!r}")


def linear_decay(learning_rate, iterations, updates_per_iteration=1):
    """Learning rate decayed linearly to 0 over ``iterations`` generator iterations (Appendix F)."""
    return keras.optimizers.schedules.PolynomialDecay(
        learning_rate, decay_steps=iterations * updates_per_iteration, end_learning_rate=0.0, power=1.0)


class Interrupted(Exception):
    """Training stopped on a signal after saving a checkpoint; ``signal`` is the ``signal.Signals`` received."""

    def __init__(self, message, signal):
        super().__init__(message)
        self.signal = signal


def train(recipe, config):
    """Train ``recipe`` under ``config`` (a :class:`TrainConfig`); returns the trained :class:`GAN`.

    The run directory is the run's identity: a re-run with other settings than the stored ones
    (except :data:`tfgan_gp.run_directory.MAY_CHANGE`) raises
    :class:`~tfgan_gp.run_directory.RunDirectoryError` before anything is written, and so does a
    second process training in the same directory. A non-finite loss stops the run with a
    ``FloatingPointError`` naming the last good checkpoint; SIGINT/SIGTERM stop it after the
    iteration in flight, save a checkpoint there and raise :class:`Interrupted`.
    """
    policy = precision.set_precision(config.precision)
    print(f"{recipe.name}: precision {policy} (precision={config.precision}).")
    strategy = distribute.make_strategy(config.distribute)
    keras.utils.set_random_seed(config.seed)
    logdir = distribute.writable_dir(config.logdir)
    run_config = dict(recipe=recipe.name, architecture=recipe.architecture,
                      generator_kwargs=recipe.generator_kwargs, critic_kwargs=recipe.critic_kwargs,
                      latent_dim=recipe.latent_dim, num_classes=recipe.num_classes, precision=policy,
                      train=dataclasses.asdict(config), **recipe.config)
    run_directory.check_writable(logdir)
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}
    run_directory.check_same_run(logdir, run_config, defaults={"train": defaults})
    with run_directory.lock(logdir):
        return _train_locked(recipe, config, strategy, logdir, run_config)


def _train_locked(recipe, config, strategy, logdir, run_config):
    family = architectures.get(recipe.architecture)
    with strategy.scope():
        gan = GAN(family.generator(**recipe.generator_kwargs), family.critic(**recipe.critic_kwargs),
                  latent_dim=recipe.latent_dim, loss=config.loss,
                  penalty=penalties.build(config.penalty, weight=config.lambda_gp),
                  n_critic=config.n_critic, num_classes=recipe.num_classes, seed=config.seed,
                  ema_decay=config.ema_decay, ema_start=config.ema_start, sample_from=config.sample_from,
                  augment=augmentations.build(config.augment, policy=config.augment_policy), **recipe.gan_kwargs)
        g_opt, d_opt = recipe.optimizers(config.iterations, config.n_critic)
        gan.compile(g_optimizer=g_opt, d_optimizer=d_opt)
    manager = checkpoints.manager(gan, logdir)
    restored = checkpoints.restore_newest_intact(checkpoints.checkpoint(gan), logdir)
    start = gan.iteration if restored else 0
    if restored:
        print(f"Resuming {recipe.name} from generator iteration {start} ({restored}).")
    if start >= config.iterations:
        print(f"{recipe.name}: already trained for {start} generator iterations "
              f"(iterations={config.iterations}).")
        _save_config(logdir, run_config)
        _export(config, logdir, start, only_if_stale=True)
        return gan

    # everything that can fail on the user's data or files fails here, before the run directory is written
    source = _load_source(recipe)
    steps = min(config.eval_every, config.iterations)
    guard, stopper = NaNGuard(), StopOnSignal()
    callbacks = [guard, stopper, *recipe.callbacks(gan, logdir), Scalars(logdir, max(1, min(100, steps // 10))),
                 Checkpoint(manager)]
    _save_config(logdir, run_config)
    verbose = 1 if distribute.is_chief() else 0
    history, minibatches = None, gan.real_batches_per_step
    if start % steps:  # resumed mid-epoch (after a signal): finish that epoch first
        history = gan.fit(_batches(recipe, config, source, start, minibatches), steps_per_epoch=steps - start % steps,
                          epochs=1, callbacks=callbacks, verbose=verbose)
    if not (guard.failure or stopper.received):
        first = -(-start // steps)
        history = gan.fit(_batches(recipe, config, source, gan.iteration, minibatches), steps_per_epoch=steps,
                          epochs=math.ceil(config.iterations / steps), initial_epoch=first,
                          callbacks=callbacks, verbose=verbose)
    if guard.failure:
        raise FloatingPointError(f"{guard.failure} Last good checkpoint: {manager.latest_checkpoint} "
                                 f"(left as it was). Lower the learning rate or check the data.")
    if stopper.received:
        if gan.iteration > start and not (manager.latest_checkpoint or "").endswith(f"-{gan.iteration}"):
            manager.save(checkpoint_number=gan.iteration)
        saved = (f"checkpoint {manager.latest_checkpoint} saved" if manager.latest_checkpoint
                 else "no iteration had finished, nothing to save")
        raise Interrupted(f"Stopped by {stopper.received.name} at generator iteration {gan.iteration}; {saved}. "
                          f"Run the same command again to continue.", stopper.received)
    _export(config, logdir, gan.iteration)
    gan.history_ = history
    return gan


def _export(config, logdir, iteration, only_if_stale=False):
    """Export the newest checkpoint to ``LOGDIR/export`` (with ``only_if_stale``: unless it is there already)."""
    if not (config.export and distribute.is_chief()):
        return
    out = os.path.join(logdir, "export")
    if only_if_stale and serving.exported_iteration(out) == iteration:
        return
    serving.export_run(logdir, out)
    print(f"Exported the generator to {out} (load it with tf.saved_model.load).")


def _save_config(logdir, run_config):
    if distribute.is_chief():
        run_directory.save_config(logdir, **run_config)


def _load_source(recipe):
    """The recipe's training data: numpy arrays (in memory, labels checked) or the dataset to stream."""
    dataset = recipe.data()
    if not recipe.in_memory:
        return dataset
    arrays = arrays_from(dataset)
    if recipe.num_classes and len(arrays) > 1:
        _check_labels(arrays[1], recipe.num_classes)
    return arrays


def _batches(recipe, config, source, start, minibatches):
    """Training batches from generator iteration ``start`` on (in-memory data replay exactly).

    Each step gets ``minibatches`` real minibatches: ``gan.real_batches_per_step`` (``n_critic``, + G's own).
    """
    if recipe.in_memory:
        batches = replay_batches(source, config.batch_size, minibatches, config.seed, start,
                                 dequantize=recipe.dequantize)
    else:  # streamed: a fresh shuffle order after a resume (exact replay needs random access)
        batches = for_gan(source, config.batch_size, minibatches, shuffle_buffer=recipe.shuffle_buffer,
                          seed=config.seed + start)
        if recipe.dequantize:
            batches = dequantize_batches(batches, config.seed + start)
    if recipe.batch_transform:
        batches = batches.map(recipe.batch_transform, num_parallel_calls=tf.data.AUTOTUNE)
    return batches


def _check_labels(labels, num_classes):
    """Class labels must lie in ``[0, num_classes)`` (out of range, an embedding lookup on GPU gives zeros)."""
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= num_classes:
        raise ValueError(f"Class labels of a conditional model must lie in [0, {num_classes}): the training data "
                         f"has labels from {low} to {high}. Received: num_classes={num_classes}")
