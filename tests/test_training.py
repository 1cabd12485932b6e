"""The training runner: exact resume, NaN guard, learning-rate schedule, config and flag validation."""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import tfgan_gp as tg
from recipes import billion_word, cifar_resnet, common, lsun_bedrooms
from tfgan_gp import checkpoints, training

from helpers import toy_recipe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def decaying_recipe():
    def optimizers(iterations, n_critic):
        adam = lambda k: keras.optimizers.Adam(training.linear_decay(1e-3, iterations, k), 0.5, 0.9)  # noqa: E731
        return adam(1), adam(n_critic)

    return toy_recipe(optimizers=optimizers)


def run_flags(logdir, iterations, eval_every=2, export=False, **overrides):
    values = dict(logdir=str(logdir), iterations=iterations, eval_every=eval_every, batch_size=4, n_critic=2,
                  precision="float32", seed=3, export=export)
    values.update(overrides)
    return tg.TrainConfig(**values)


def final_weights(gan):
    return [v.numpy() for v in gan.generator.weights + gan.critic.weights]


class StopAfter(keras.callbacks.Callback):
    """Ends ``fit`` after ``iterations`` generator iterations, as if the process were killed there."""

    def __init__(self, iterations):
        super().__init__()
        self.iterations = iterations

    def on_epoch_end(self, epoch, logs=None):
        if self.model.iteration >= self.iterations:
            self.model.stop_training = True


def test_interrupted_run_resumes_to_the_same_weights(tmp_path, deterministic_ops):
    whole = tg.train(decaying_recipe(), run_flags(tmp_path / "whole", iterations=6))
    interrupted = decaying_recipe()
    interrupted.callbacks = lambda gan, logdir: [StopAfter(2)]
    tg.train(interrupted, run_flags(tmp_path / "split", iterations=6))       # "killed" after 2
    assert checkpoints.latest(tmp_path / "split").endswith("-2")
    resumed = tg.train(decaying_recipe(), run_flags(tmp_path / "split", iterations=6, export=True))
    assert resumed.iteration == whole.iteration == 6
    assert int(resumed.d_optimizer.iterations) == 6 * 2
    for a, b in zip(final_weights(whole), final_weights(resumed)):
        np.testing.assert_array_equal(a, b)
    assert os.path.exists(tmp_path / "split" / "export" / "saved_model.pb")


def test_learning_rate_reaches_zero_at_the_last_iteration(tmp_path):
    gan = tg.train(decaying_recipe(), run_flags(tmp_path, iterations=4))
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)
    schedule = training.linear_decay(2e-4, 100, 5)
    assert float(schedule(0)) == pytest.approx(2e-4) and float(schedule(250)) == pytest.approx(1e-4)
    assert float(schedule(500)) == 0.0


class PoisonAt(keras.callbacks.Callback):
    """Writes a NaN into the critic just before generator iteration ``iteration + 1``."""

    def __init__(self, iteration):
        super().__init__()
        self.iteration = iteration

    def on_train_batch_begin(self, batch, logs=None):
        if self.model.iteration == self.iteration:
            kernel = self.model.critic.trainable_variables[0]
            kernel.assign(tf.fill(kernel.shape, float("nan")))


def test_nan_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    recipe = decaying_recipe()
    recipe.callbacks = lambda gan, logdir: [PoisonAt(2)]
    with pytest.raises(FloatingPointError, match=r"stopped at generator iteration 3: d_loss is nan.*ckpt-2"):
        tg.train(recipe, run_flags(tmp_path, iterations=6))
    assert checkpoints.latest(tmp_path).endswith("-2")
    reader = tf.train.load_checkpoint(checkpoints.latest(tmp_path))
    floats = [reader.get_tensor(k) for k in reader.get_variable_to_shape_map()]
    floats = [v for v in floats if np.issubdtype(np.asarray(v).dtype, np.floating)]
    assert floats and all(np.all(np.isfinite(v)) for v in floats)
    assert not os.path.exists(tmp_path / "export")


def test_bad_flag_is_one_line_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "recipes.cifar_resnet", f"--logdir={tmp_path}", "--n_critic=0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "--n_critic=0: 0 is not a positive integer" in result.stderr
    assert "Traceback" not in result.stderr
    assert not os.listdir(tmp_path)  # nothing written, nothing lost


@pytest.mark.parametrize("argv, message", [
    (["--loss=wgan"], "--loss must be one of"),
    (["--penalty=lipschitz"], "--penalty must be one of"),
    (["--precision=fp8"], "precision"),
    (["--iterations=0"], "iterations"),
    (["--eval_every=-1"], "eval_every"),
    (["--iterations=10", "--eval_every=4"], "multiple of --eval_every"),
    (["--loss=f_gan:nonsense"], "--loss must be one of"),
])
def test_flag_validation_names_the_flag(argv, message):
    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    with pytest.raises(flags.IllegalFlagValueError, match=message):
        flag_values(["recipe", *argv])


def test_recipes_define_their_flags_side_by_side_in_one_process():
    """Each recipe defines its flags on the FlagValues it is given: no import-time state, no collisions."""
    defined = {}
    for module in (billion_word, lsun_bedrooms, cifar_resnet):
        flag_values = flags.FlagValues()
        module.define_flags(flag_values)
        flag_values(["recipe"])
        defined[module.__name__] = flag_values
    assert defined["recipes.billion_word"].n_critic == 10 and defined["recipes.billion_word"].dim == 512
    assert defined["recipes.lsun_bedrooms"].n_critic == 5 and defined["recipes.lsun_bedrooms"].dim == 64
    assert defined["recipes.cifar_resnet"].dim == 128
    assert all(name in defined["recipes.cifar_resnet"]["loss"].help for name in tg.losses.names())


@pytest.mark.parametrize("changes, message", [
    (dict(iterations=0), r"iterations must be an integer >= 1\. Received: iterations=0"),
    (dict(n_critic=True), r"n_critic must be an integer >= 1"),
    (dict(iterations=10, eval_every=4), r"iterations must be a multiple of eval_every"),
    (dict(loss="wgan"), r"loss must be one of .*wasserstein.*Received: loss='wgan'"),
    (dict(penalty="lipschitz"), r"penalty must be one of .*gp.*Received: penalty='lipschitz'"),
    (dict(precision="fp8"), r"precision must be one of auto, float32"),
    (dict(lambda_gp=-1.0), r"lambda_gp must be >= 0"),
])
def test_train_config_refuses_bad_values_by_name(changes, message):
    with pytest.raises(ValueError, match=message):
        tg.TrainConfig(logdir="runs/x", **changes)


def test_train_config_defaults_are_the_papers():
    config = tg.TrainConfig(logdir="runs/x")
    assert (config.batch_size, config.n_critic, config.loss, config.penalty, config.lambda_gp) == (
        64, 5, "wasserstein", "gp", 10.0)


def test_smoke_shrinks_only_what_the_user_did_not_pass():
    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["recipe", "--smoke", "--iterations=6"])
    args = common.values(flag_values, smoke=cifar_resnet.SMOKE)
    assert (args.iterations, args.eval_every, args.batch_size, args.dim) == (6, 2, 8, 8)
    config = common.train_config(args)
    assert isinstance(config, tg.TrainConfig) and config.iterations == 6 and config.lambda_gp == 10.0


def test_rehearsal_keeps_the_real_sizes_and_replaces_widths_and_iterations():
    from recipes import mnist

    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["recipe", "--rehearsal", "--eval_every=3"])
    args = common.values(flag_values, smoke=cifar_resnet.SMOKE, rehearsal=cifar_resnet.REHEARSAL)
    assert (args.dim, args.iterations, args.eval_every) == (1, 6, 3)             # width; two evaluation cycles
    assert (args.batch_size, args.n_critic, args.eval_samples, args.final_eval_samples, args.reference_samples,
            args.generator_batch_multiple) == (64, 5, 5_000, 50_000, 50_000, 2)  # everything else is real
    flag_values = flags.FlagValues()
    mnist.define_flags(flag_values)
    flag_values(["recipe", "--rehearsal", "--iterations=8", "--eval_every=4", "--method=wgan_clip"])
    args = common.values(flag_values, smoke=mnist.SMOKE, rehearsal=mnist.REHEARSAL,
                         **mnist.METHODS[flag_values.method])
    assert (args.iterations, args.batch_size, args.penalty, args.dim) == (8, 50, "clip", 4)
