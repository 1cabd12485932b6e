"""The one training runner every recipe composes: strategy, precision, data, models, callbacks, fit, export.

A recipe is a :class:`Recipe` (what the experiment is) plus the shared flags
(:mod:`tfgan_gp.recipe_flags`, how to run it). :func:`train`:

1. applies ``--precision`` and builds the ``--distribute`` strategy;
2. builds generator, critic and :class:`tfgan_gp.GAN` inside the strategy's scope and
   writes ``run_config.json`` (so ``python -m export`` can rebuild the generator);
3. resumes from the newest checkpoint in ``--logdir`` if there is one (weights, both
   optimizers with their schedule position, the noise RNG; in-memory datasets replay
   their batch order exactly, see :mod:`tfgan_gp.data.replay`);
4. runs ``fit`` in epochs of ``--eval_every`` generator iterations with TensorBoard
   scalars, sample pictures, evaluation, a NaN guard and a checkpoint per epoch;
5. exports the generator to ``LOGDIR/export`` with the exporter the recipe passes in.
"""
import dataclasses
import math
import os
import sys
import types
from typing import Callable, Optional

import keras
import numpy as np
from absl import logging
import tensorflow as tf

from tfgan_gp import architectures, checkpoints, distribute, penalties, precision
from tfgan_gp.fault_tolerance import Checkpoint, NaNGuard
from tfgan_gp.data import for_gan
from tfgan_gp.data.replay import arrays_from, replay_batches
from tfgan_gp.gan import GAN


@dataclasses.dataclass
class Recipe:
    """What an experiment is. Callables read the parsed flags they need.

    Attributes:
        name: shown in logs.
        architecture: a name for :func:`tfgan_gp.architectures.get`.
        generator_kwargs, critic_kwargs: JSON-serialisable builder arguments.
        latent_dim: width of z.
        real_data: ``() -> tf.data.Dataset`` of unbatched examples (``x`` or ``(x, labels)``).
        synthetic_data: ``() -> tf.data.Dataset`` of the same shapes, for ``--smoke``.
        optimizers: ``(iterations, n_critic) -> (g_optimizer, d_optimizer)``.
        num_classes: for conditional models.
        in_memory: materialise ``real_data`` and replay batches (exact resume) instead of streaming.
        smoke_overrides: builder arguments replaced under ``--smoke`` (tiny widths).
        extra_callbacks: ``(gan, logdir) -> [keras.callbacks.Callback]`` (evaluation, text samples...).
        config: extra JSON-serialisable entries for ``run_config.json`` (e.g. ``vocab_file``).
        gan_kwargs: extra :class:`GAN` arguments (AC-GAN weights...).
        batch_transform: applied to every training batch (e.g. ids → one-hot, cheaper than one-hot examples).
    """

    name: str
    architecture: str
    generator_kwargs: dict
    critic_kwargs: dict
    latent_dim: int
    real_data: Callable[[], tf.data.Dataset]
    synthetic_data: Callable[[], tf.data.Dataset]
    optimizers: Callable[[int, int], tuple]
    num_classes: Optional[int] = None
    in_memory: bool = True
    smoke_overrides: dict = dataclasses.field(default_factory=dict)
    extra_callbacks: Callable = lambda gan, logdir: []
    config: dict = dataclasses.field(default_factory=dict)
    gan_kwargs: dict = dataclasses.field(default_factory=dict)
    batch_transform: Optional[Callable] = None


def linear_decay(learning_rate, iterations, updates_per_iteration=1):
    """Learning rate decayed linearly to 0 over ``iterations`` generator iterations (Appendix F)."""
    return keras.optimizers.schedules.PolynomialDecay(
        learning_rate, decay_steps=iterations * updates_per_iteration, end_learning_rate=0.0, power=1.0)


def build_penalty(name, weight):
    """The named penalty with its weight set to ``--lambda_gp`` where it has one."""
    penalty = penalties.get(name)
    if penalty.metric_names:
        penalty.weight = float(weight)
    return penalty


def _models(recipe, smoke):
    family = architectures.get(recipe.architecture)
    g_kwargs = dict(recipe.generator_kwargs, **(recipe.smoke_overrides.get("generator", {}) if smoke else {}))
    d_kwargs = dict(recipe.critic_kwargs, **(recipe.smoke_overrides.get("critic", {}) if smoke else {}))
    return family, g_kwargs, d_kwargs


SMOKE_FLAGS = dict(iterations=4, eval_every=2, batch_size=8)


def flag_values(flag_values_, **overrides):
    """The parsed shared flags as a plain namespace, ``--smoke`` shrinking what the user did not set.

    ``overrides`` replace flags the user did not pass (a recipe's per-method defaults).
    """
    values = {name: flag_values_[name].value for name in flag_values_}
    for name, value in overrides.items():
        if not flag_values_[name].present:
            values[name] = value
    if values.get("smoke"):
        for name, value in SMOKE_FLAGS.items():
            if not flag_values_[name].present:
                values[name] = value
    return types.SimpleNamespace(**values)


def train(recipe, flags, exporter=None):
    """Train ``recipe`` under ``flags`` (a :func:`flag_values` namespace); returns the trained :class:`GAN`.

    ``exporter(logdir, out)`` (e.g. ``export.run_dir.export_run``) writes the final generator to
    ``LOGDIR/export``; it is passed in because the package does not import the ``export`` tool.
    """
    policy = precision.set_precision(flags.precision)
    print(f"{recipe.name}: precision {policy} (--precision={flags.precision}).")
    strategy = distribute.make_strategy(flags.distribute)
    keras.utils.set_random_seed(flags.seed)
    logdir = flags.logdir
    family, g_kwargs, d_kwargs = _models(recipe, flags.smoke)
    iterations = flags.iterations

    with strategy.scope():
        gan = GAN(family.generator(**g_kwargs), family.critic(**d_kwargs), latent_dim=recipe.latent_dim,
                  loss=flags.loss, penalty=build_penalty(flags.penalty, flags.lambda_gp),
                  n_critic=flags.n_critic, num_classes=recipe.num_classes, seed=flags.seed,
                  **recipe.gan_kwargs)
        g_opt, d_opt = recipe.optimizers(iterations, flags.n_critic)
        gan.compile(g_optimizer=g_opt, d_optimizer=d_opt)
    if distribute.is_chief():
        checkpoints.save_config(logdir, recipe=recipe.name, architecture=recipe.architecture,
                                generator_kwargs=g_kwargs, critic_kwargs=d_kwargs,
                                latent_dim=recipe.latent_dim, num_classes=recipe.num_classes,
                                precision=policy, smoke=flags.smoke, **recipe.config)

    manager = checkpoints.manager(gan, distribute.writable_dir(logdir))
    start = 0
    if manager.latest_checkpoint:
        checkpoints.checkpoint(gan).restore(manager.latest_checkpoint).assert_existing_objects_matched()
        start = gan.iteration
        print(f"Resuming {recipe.name} from generator iteration {start} ({manager.latest_checkpoint}).")
    if start >= iterations:
        print(f"{recipe.name}: already trained for {start} generator iterations (--iterations={iterations}).")
        return gan

    data = _training_data(recipe, flags, start)
    steps = min(flags.eval_every, iterations)
    run_callbacks = [
        NaNGuard(),
        keras.callbacks.TensorBoard(logdir, update_freq=max(1, min(100, steps // 10))),
        *recipe.extra_callbacks(gan, logdir),
        Checkpoint(manager),
    ]
    history = gan.fit(data, steps_per_epoch=steps, epochs=math.ceil(iterations / steps),
                      initial_epoch=start // steps, callbacks=run_callbacks,
                      verbose=1 if distribute.is_chief() else 0)
    guard = run_callbacks[0]
    if guard.failure:
        raise FloatingPointError(f"{guard.failure} Last good checkpoint: {manager.latest_checkpoint} "
                                 f"(left as it was). Lower the learning rate or check the data.")
    if exporter and distribute.is_chief():
        exporter(logdir, os.path.join(logdir, "export"))
        print(f"Exported the generator to {os.path.join(logdir, 'export')} (load it with tf.saved_model.load).")
    gan.history_ = history
    return gan


def _training_data(recipe, flags, start):
    dataset = recipe.synthetic_data() if flags.smoke else recipe.real_data()
    if recipe.in_memory:
        batches = replay_batches(arrays_from(dataset), flags.batch_size, flags.n_critic, flags.seed, start)
    else:  # streamed: a fresh shuffle order after a resume (exact replay needs random access)
        batches = for_gan(dataset, flags.batch_size, flags.n_critic, seed=flags.seed + start)
    if recipe.batch_transform:
        batches = batches.map(recipe.batch_transform, num_parallel_calls=tf.data.AUTOTUNE)
    return batches


def synthetic_images(shape, num_examples=512, num_classes=None, seed=0):
    """Random images in [-1, 1] of ``shape`` (+ labels): offline stand-in data for ``--smoke``."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1.0, 1.0, size=(num_examples, *shape)).astype("float32")
    if num_classes:
        labels = rng.integers(0, num_classes, num_examples).astype("int32")
        return tf.data.Dataset.from_tensor_slices((images, labels))
    return tf.data.Dataset.from_tensor_slices(images)


def tiny_classifier(image_shape, num_classes=10, seed=0):
    """A small random CNN ``images -> (logits, pool features)``: the offline evaluation network of ``--smoke``."""
    from tfgan_gp.metrics.classifiers import KerasClassifier

    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(seed))(inputs)
    pool = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    logits = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed))(pool)
    return KerasClassifier(keras.Model(inputs, logits, name="smoke_classifier"), "pool")


def image_monitoring(flags, dataset_name, image_shape, eval_samples, inception_weights=None, real_images=None):
    """``extra_callbacks`` for image recipes: a sample grid each epoch and IS/FID/KID every ``--eval_every``.

    ``real_images()`` gives held-out real images for FID/KID (statistics cached in the run directory).
    ``--smoke`` evaluates with :func:`tiny_classifier` against synthetic images; otherwise with Keras'
    InceptionV3 (``inception_weights``: a local weights file, or ``None`` to download ImageNet's).
    """
    from tfgan_gp.callbacks import Evaluate
    from tfgan_gp.metrics.classifiers import InceptionFeatures
    from tfgan_gp.monitoring import ImageSamples

    def make(gan, logdir):
        classifier = (tiny_classifier(image_shape) if flags.smoke
                      else InceptionFeatures(weights=inception_weights or "imagenet"))
        if flags.smoke:
            reals = synthetic_images(image_shape, seed=flags.seed + 1)
        else:
            reals = real_images() if real_images else None
        smoke = dict(kid_block_size=16) if flags.smoke else {}
        return [ImageSamples(logdir),
                Evaluate(flags.eval_every, min(eval_samples, 64) if flags.smoke else eval_samples,
                         classifier=classifier, real_stats=reals, log_dir=logdir,
                         dataset_name="smoke" if flags.smoke else dataset_name, **smoke)]

    return make


def main(run):
    """An absl ``main`` calling ``run()``; a failure the user can fix by a flag becomes one sentence (exit 1)."""
    def _main(argv):
        del argv
        tf.get_logger().setLevel("ERROR")  # TensorFlow's INFO lines drown the progress bar
        logging.set_verbosity(logging.WARNING)
        try:
            run()
        except USER_ERRORS as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(1)

    return _main


def _user_errors():
    from tfgan_gp.data.sources import DataUnavailableError
    from tfgan_gp.metrics.classifiers import InceptionWeightsUnavailable
    return (DataUnavailableError, InceptionWeightsUnavailable, FloatingPointError)


USER_ERRORS = _user_errors()
