"""Train an experiment end to end: :func:`train` a :class:`Recipe` under a :class:`TrainConfig`.

A :class:`Recipe` says what the experiment is (models, data, optimizers, monitoring); a
:class:`TrainConfig` says how to run it (the paper's defaults: batch 64, ``n_critic`` 5,
Wasserstein loss with the gradient penalty, λ 10). :func:`train`:

1. applies ``config.precision`` and builds the ``config.distribute`` strategy;
2. builds generator, critic and :class:`tfgan_gp.GAN` inside the strategy's scope and
   writes ``run_config.json`` (so the export tool can rebuild the generator);
3. resumes from the newest checkpoint in ``config.logdir`` if there is one (weights, both
   optimizers with their schedule position, the noise RNG; in-memory datasets replay
   their batch order exactly, see :mod:`tfgan_gp.data.replay`);
4. runs ``fit`` in epochs of ``config.eval_every`` generator iterations with TensorBoard
   scalars, the recipe's callbacks, a NaN guard and a checkpoint per epoch;
5. exports the generator to ``LOGDIR/export`` (:func:`tfgan_gp.serving.export_run`).
"""
import dataclasses
import math
import os
from typing import Callable, Optional

import keras
import tensorflow as tf

from tfgan_gp import architectures, checkpoints, distribute, losses, penalties, precision, serving
from tfgan_gp.callbacks import Checkpoint, NaNGuard
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


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to run a recipe; the defaults are the paper's (Gulrajani et al. 2017, Appendix).

    Attributes:
        logdir: the run directory (logs, checkpoints, ``run_config.json``, export).
        iterations: generator iterations in total.
        batch_size: samples per critic minibatch (global, all replicas).
        n_critic: critic updates per generator update.
        loss: a name from :func:`tfgan_gp.losses.names`.
        penalty: a name from :func:`tfgan_gp.penalties.names`.
        lambda_gp: the penalty weight λ (ignored by weightless penalties: ``clip``, ``none``).
        precision: one of :data:`tfgan_gp.precision.NAMES`.
        distribute: one of :data:`tfgan_gp.distribute.STRATEGIES`.
        eval_every: generator iterations per Keras epoch (checkpoint, pictures, evaluation).
        seed: weights, noise and data order.
        export: write ``LOGDIR/export`` at the end.
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

    def __post_init__(self):
        for name in ("iterations", "batch_size", "n_critic", "eval_every"):
            _check_int(self, name, minimum=1)
        _check_int(self, "seed", minimum=0)
        if self.iterations % min(self.eval_every, self.iterations):
            raise ValueError(f"iterations must be a multiple of eval_every (each Keras epoch is eval_every "
                             f"iterations). Received: iterations={self.iterations}, eval_every={self.eval_every}")
        if not self.lambda_gp >= 0:
            raise ValueError(f"lambda_gp must be >= 0. Received: lambda_gp={self.lambda_gp!r}")
        for name, valid in (("loss", losses.names()), ("penalty", penalties.names()),
                            ("precision", precision.NAMES), ("distribute", distribute.STRATEGIES)):
            if getattr(self, name) not in valid:
                raise ValueError(f"{name} must be one of {', '.join(valid)}. "
                                 f"Received: {name}={getattr(self, name)!r}")


def _check_int(config, name, minimum):
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}. Received: {name}={value!r}")


def linear_decay(learning_rate, iterations, updates_per_iteration=1):
    """Learning rate decayed linearly to 0 over ``iterations`` generator iterations (Appendix F)."""
    return keras.optimizers.schedules.PolynomialDecay(
        learning_rate, decay_steps=iterations * updates_per_iteration, end_learning_rate=0.0, power=1.0)


def train(recipe, config):
    """Train ``recipe`` under ``config`` (a :class:`TrainConfig`); returns the trained :class:`GAN`.

    A non-finite loss stops the run with a ``FloatingPointError`` naming the last good checkpoint.
    """
    policy = precision.set_precision(config.precision)
    print(f"{recipe.name}: precision {policy} (precision={config.precision}).")
    strategy = distribute.make_strategy(config.distribute)
    keras.utils.set_random_seed(config.seed)
    logdir = config.logdir
    family = architectures.get(recipe.architecture)

    with strategy.scope():
        gan = GAN(family.generator(**recipe.generator_kwargs), family.critic(**recipe.critic_kwargs),
                  latent_dim=recipe.latent_dim, loss=config.loss,
                  penalty=penalties.build(config.penalty, weight=config.lambda_gp),
                  n_critic=config.n_critic, num_classes=recipe.num_classes, seed=config.seed,
                  **recipe.gan_kwargs)
        g_opt, d_opt = recipe.optimizers(config.iterations, config.n_critic)
        gan.compile(g_optimizer=g_opt, d_optimizer=d_opt)
    if distribute.is_chief():
        checkpoints.save_config(logdir, recipe=recipe.name, architecture=recipe.architecture,
                                generator_kwargs=recipe.generator_kwargs, critic_kwargs=recipe.critic_kwargs,
                                latent_dim=recipe.latent_dim, num_classes=recipe.num_classes,
                                precision=policy, **recipe.config)

    manager = checkpoints.manager(gan, distribute.writable_dir(logdir))
    start = 0
    if manager.latest_checkpoint:
        checkpoints.checkpoint(gan).restore(manager.latest_checkpoint).assert_existing_objects_matched()
        start = gan.iteration
        print(f"Resuming {recipe.name} from generator iteration {start} ({manager.latest_checkpoint}).")
    if start >= config.iterations:
        print(f"{recipe.name}: already trained for {start} generator iterations "
              f"(iterations={config.iterations}).")
        return gan

    steps = min(config.eval_every, config.iterations)
    guard = NaNGuard()
    callbacks = [
        guard,
        keras.callbacks.TensorBoard(logdir, update_freq=max(1, min(100, steps // 10))),
        *recipe.callbacks(gan, logdir),
        Checkpoint(manager),
    ]
    history = gan.fit(_training_data(recipe, config, start, gan.real_batches_per_step), steps_per_epoch=steps,
                      epochs=math.ceil(config.iterations / steps), initial_epoch=start // steps,
                      callbacks=callbacks, verbose=1 if distribute.is_chief() else 0)
    if guard.failure:
        raise FloatingPointError(f"{guard.failure} Last good checkpoint: {manager.latest_checkpoint} "
                                 f"(left as it was). Lower the learning rate or check the data.")
    if config.export and distribute.is_chief():
        out = os.path.join(logdir, "export")
        serving.export_run(logdir, out)
        print(f"Exported the generator to {out} (load it with tf.saved_model.load).")
    gan.history_ = history
    return gan


def _training_data(recipe, config, start, minibatches):
    """``minibatches`` real minibatches per step: ``gan.real_batches_per_step`` (``n_critic``, + G's own)."""
    dataset = recipe.data()
    if recipe.in_memory:
        batches = replay_batches(arrays_from(dataset), config.batch_size, minibatches, config.seed, start,
                                 dequantize=recipe.dequantize)
    else:  # streamed: a fresh shuffle order after a resume (exact replay needs random access)
        batches = for_gan(dataset, config.batch_size, minibatches, seed=config.seed + start)
        if recipe.dequantize:
            batches = dequantize_batches(batches, config.seed + start)
    if recipe.batch_transform:
        batches = batches.map(recipe.batch_transform, num_parallel_calls=tf.data.AUTOTUNE)
    return batches
