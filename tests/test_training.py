"""The training runner: exact resume, NaN guard, learning-rate schedule; configs and the recipes' flags."""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import tfgan_gp as tg
from recipes import billion_word, cifar_resnet, configs, lsun_bedrooms, shared_flags, toy
from tfgan_gp import checkpoints

from helpers import toy_recipe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def decaying_recipe():
    """Two critic steps per iteration, Adam(1e-3, 0.5, 0.9) decayed linearly to 0 over the run."""
    return toy_recipe(n_critic=2, optimizer=tg.Optimizer(learning_rate=1e-3, beta_1=0.5, beta_2=0.9, decay="linear"))


def run_flags(logdir, iterations, eval_every=2, export=False, **overrides):
    values = dict(logdir=str(logdir), iterations=iterations, eval_every=eval_every, batch_size=4,
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
    critic = tg.Optimizer(learning_rate=2e-4, decay="linear").build(iterations=100, updates_per_iteration=5)
    for update, rate in ((0, 2e-4), (250, 1e-4), (500, 0.0)):
        critic.iterations.assign(update)
        assert float(critic.learning_rate) == pytest.approx(rate, rel=1e-6, abs=1e-12)


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


def test_bad_setting_is_one_line_without_traceback(tmp_path):
    """From the command line: the config's sentence naming the flag, exit 1, nothing written."""
    result = subprocess.run([sys.executable, "-m", "recipes.cifar_resnet", f"--logdir={tmp_path}", "--n_critic=0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "error: n_critic must be an integer >= 1. Received: n_critic=0"
    assert "Traceback" not in result.stderr
    assert not os.listdir(tmp_path)  # nothing written, nothing lost


@pytest.mark.parametrize("argv, message", [
    (["--precision=fp8"], "--precision=fp8: value should be one of"),
    (["--iterations=many"], "--iterations=many: invalid literal for int"),
    (["--penalty_weight=high"], "--penalty_weight=high: could not convert string to float"),
    (["--lambda_gp=high"], "--penalty_weight=high: could not convert string to float"),   # (the alias' flag)
    (["--augment=zoom"], "--augment=zoom: value should be one of"),
    (["--conditioning=projection"], "--conditioning=projection needs --conditional"),
])
def test_flag_parsing_names_the_flag(argv, message):
    """What absl checks (types, enums, a recipe's own rules); the configs check the values (test_user_errors.py)."""
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
    (dict(iterations=10, eval_every=4), r"iterations must be a multiple of eval_every"),
    (dict(precision="fp8"), r"precision must be one of auto, float32"),
    (dict(batch_size=True), r"batch_size must be an integer >= 1"),
])
def test_train_config_refuses_bad_values_by_name(changes, message):
    with pytest.raises(ValueError, match=message):
        tg.TrainConfig(logdir="runs/x", **changes)


@pytest.mark.parametrize("changes, message", [
    (dict(n_critic=True), r"n_critic must be an integer >= 1"),
    (dict(loss="wgan"), r"loss must be one of .*wasserstein.*Received: loss='wgan'"),
    (dict(penalty="lipschitz"), r"penalty must be one of .*gp.*Received: penalty='lipschitz'"),
    (dict(penalty_weight=-1.0), r"penalty_weight must be a number >= 0\. Received: penalty_weight=-1\.0"),
])
def test_gan_spec_refuses_bad_values_by_name(changes, message):
    with pytest.raises(ValueError, match=message):
        tg.GANSpec(**changes)


def test_defaults_are_the_papers():
    config, spec = tg.TrainConfig(logdir="runs/x"), tg.GANSpec()
    assert (config.batch_size, spec.n_critic, spec.loss, spec.penalty, spec.penalty_weight) == (
        64, 5, "wasserstein", "gp", 10.0)
    assert spec.optimizer == tg.Optimizer("adam", 1e-4, beta_1=0.0, beta_2=0.9)


def test_smoke_shrinks_only_what_the_user_did_not_pass():
    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["recipe", "--smoke", "--iterations=6"])
    args = shared_flags.values(flag_values, smoke=cifar_resnet.SMOKE)
    assert (args.iterations, args.eval_every, args.batch_size, args.dim) == (6, 2, 8, 8)
    config = configs.train_config(args)
    assert isinstance(config, tg.TrainConfig) and (config.iterations, config.eval_every) == (6, 2)
    assert configs.gan_spec(args).penalty_weight == 10.0


def test_rehearsal_keeps_the_real_sizes_and_replaces_widths_and_iterations():
    from recipes import mnist

    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["recipe", "--rehearsal", "--eval_every=3"])
    args = shared_flags.values(flag_values, smoke=cifar_resnet.SMOKE, rehearsal=cifar_resnet.REHEARSAL)
    assert (args.dim, args.iterations, args.eval_every) == (1, 6, 3)             # width; two evaluation cycles
    assert (args.batch_size, args.n_critic, args.eval_samples, args.final_eval_samples, args.reference_samples,
            args.generator_batch_multiple) == (64, 5, 5_000, 50_000, 50_000, 2)  # everything else is real
    flag_values = flags.FlagValues()
    mnist.define_flags(flag_values)
    flag_values(["recipe", "--rehearsal", "--iterations=8", "--eval_every=4", "--method=wgan_clip"])
    args = shared_flags.values(flag_values, smoke=mnist.SMOKE, rehearsal=mnist.REHEARSAL,
                               **mnist.METHODS[flag_values.method])
    assert (args.iterations, args.batch_size, args.penalty, args.dim) == (8, 50, "clip", 4)


def parsed(module, *argv):
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    flag_values(["recipe", *argv])
    return flag_values


@pytest.mark.parametrize("module, default", [(cifar_resnet, 10.0), (toy, 0.1)])
def test_lambda_gp_still_parses_as_penalty_weight(module, default):
    """One name per setting: --penalty_weight, with the old --lambda_gp as an alias; its default is the penalty's
    own λ (toy: gan_toy.py's 0.1). Neither is one of the recipe's own settings (GANSpec holds it)."""
    assert configs.gan_spec(shared_flags.values(parsed(module))).penalty_weight == default
    for name in ("lambda_gp", "penalty_weight"):
        args = shared_flags.values(parsed(module, f"--{name}=0.5"))
        assert args.penalty_weight == 0.5 and "lambda_gp" not in vars(args)
        assert configs.gan_spec(args).penalty_weight == 0.5
        assert not {"lambda_gp", "penalty_weight"} & set(configs.settings(args))


def test_penalty_flag_takes_its_parts_and_their_own_weights():
    spec = configs.gan_spec(shared_flags.values(parsed(cifar_resnet, "--penalty=spectral+lecam")))
    assert spec.spectral_norm and spec.penalty_name == "lecam" and spec.penalty_weight == 0.3
    assert configs.gan_spec(shared_flags.values(parsed(cifar_resnet, "--penalty=clip"))).penalty_weight is None


def test_figure_1_recipes_take_lambda_gp_as_penalty_weight():
    from recipes import toy_gradient_norms, toy_value_surfaces

    for module in (toy_value_surfaces, toy_gradient_norms):
        assert parsed(module).penalty_weight == 10.0 and parsed(module, "--lambda_gp=5").penalty_weight == 5.0
