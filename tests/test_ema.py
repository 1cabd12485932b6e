"""Generator EMA (Yazıcı et al. 2019) and the truncation trick (Brock et al. 2019): closed forms, training,
resume, sampling choice, export, tf.distribute and mixed precision."""
import json
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags
from scipy import stats

import tfgan_gp as tg
from export import __main__ as export_cli
from recipes import configs, shared_flags
from tfgan_gp import averaging, randomness, run_directory
from tfgan_gp.architectures import mlp

from helpers import POLICIES, points, tiny_gan, toy_recipe, toy_spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUIET = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)


def closed_form(sequence, decay, start):
    """θ̄_t of the weights θ_1..θ_t: θ_t for t <= s = max(start, 1), else β^(t−s)θ_s + (1−β)Σ_{k>s} β^(t−k)θ_k."""
    t, s = len(sequence), max(start, 1)
    if t <= s:
        return sequence[-1]
    return [decay ** (t - s) * np.asarray(sequence[s - 1][i], np.float64)
            + (1 - decay) * sum(decay ** (t - k) * np.asarray(sequence[k - 1][i], np.float64)
                                for k in range(s + 1, t + 1))
            for i in range(len(sequence[0]))]


def values(variables):
    return [v.numpy() for v in variables]


# ------------------------------------------------------------------------------------------ the average
@pytest.mark.parametrize("start", [0, 3])
def test_average_equals_the_closed_form_of_a_known_weight_sequence(start):
    generator = mlp.generator(2, 2, width=4, depth=1, normalization="batch")
    gan = tg.GAN(generator, mlp.critic(2, width=4, depth=1), latent_dim=2, ema_decay=0.8, ema_start=start)
    gan.compile()
    for a, b in zip(gan.ema_generator.weights, generator.weights, strict=True):  # starts as a copy
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    rng = np.random.default_rng(0)
    sequence = []
    for t in range(1, 7):
        sequence.append([rng.normal(size=v.shape).astype("float32") for v in generator.trainable_variables])
        for v, w in zip(generator.trainable_variables, sequence[-1]):
            v.assign(w)
        for v in generator.non_trainable_variables:  # batch-norm moving statistics: copied, not averaged
            v.assign(rng.uniform(0.5, 2.0, size=v.shape))
        gan.g_optimizer.iterations.assign(t)
        gan.update_ema()
        for got, want in zip(values(gan.ema_generator.trainable_variables), closed_form(sequence, 0.8, start)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"t={t}")
        for got, want in zip(values(gan.ema_generator.non_trainable_variables),
                             values(generator.non_trainable_variables), strict=True):
            np.testing.assert_array_equal(got, want)
    assert not np.allclose(values(gan.ema_generator.trainable_variables)[0], sequence[-1][0])


@pytest.mark.parametrize("policy", POLICIES)
def test_every_generator_step_moves_the_average_in_float32(policy):
    keras.mixed_precision.set_global_policy(policy)
    gan = tiny_gan(ema_decay=0.5, n_critic=1)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-2), d_optimizer=keras.optimizers.Adam(1e-2))
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(values(gan.generator.trainable_variables)))
    gan.fit(tg.data.for_gan(points(), 8, 1, shuffle_buffer=None), steps_per_epoch=3, verbose=0, callbacks=[record])
    assert gan.iteration == 3 and not np.allclose(seen[0][0], seen[2][0])
    assert {v.dtype for v in gan.ema_generator.weights} == {"float32"}
    for got, want in zip(values(gan.ema_generator.trainable_variables), closed_form(seen, 0.5, 0)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_bad_arguments_are_refused():
    for kwargs, message in [(dict(ema_decay=1.0), r"ema_decay must be in \[0, 1\).*Received: ema_decay=1.0"),
                            (dict(ema_decay=-0.1), r"Received: ema_decay=-0.1"),
                            (dict(ema_decay=float("nan")), r"Received: ema_decay=nan"),
                            (dict(ema_decay=0.9, ema_start=-1), r"ema_start must be an integer >= 0"),
                            (dict(sample_from="ema"), r"sample_from='ema' needs the averaged generator"),
                            (dict(ema_decay=0.9, sample_from="best"), r"sample_from must be one of auto, ema, raw")]:
        with pytest.raises(ValueError, match=message):
            tiny_gan(**kwargs)
    with pytest.raises(ValueError, match=r"generator='ema' needs the averaged generator"):
        tiny_gan().sample(2, generator="ema")
    assert tiny_gan(ema_decay=np.float32(0.5)).ema_decay == 0.5  # any real number type
    for kwargs, message in [(dict(ema_decay=1), r"ema_decay must be in \[0, 1\)"),
                            (dict(sample_from="ema"), r"sample_from='ema' needs"),
                            (dict(ema_start=1.5), r"ema_start must be an integer")]:
        with pytest.raises(ValueError, match=message):
            toy_spec(**kwargs)

    class Subclassed(keras.Model):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def call(self, z, training=False):
            return self.layer(z)

    generator = Subclassed(keras.layers.Dense(2))
    generator(tf.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"cannot be cloned for its moving average.*Received: NotImplementedError"):
        tg.GAN(generator, mlp.critic(2, width=4, depth=1), latent_dim=2, ema_decay=0.9)


# ------------------------------------------------------------------------------------------ sampling
def test_sample_uses_the_average_by_default_and_the_raw_generator_on_request():
    gan = tiny_gan(ema_decay=0.9)
    for v in gan.generator.trainable_variables:
        v.assign_add(tf.ones_like(v))
    z = randomness.latent(5, 2, 7)
    ema, raw = gan.ema_generator(z).numpy(), gan.generator(z).numpy()
    assert np.abs(ema - raw).max() > 0.1
    np.testing.assert_array_equal(gan.sample(5, seed=7), ema)
    np.testing.assert_array_equal(gan.sample(5, seed=7, generator="raw"), raw)
    assert gan.sampling_generator() is gan.ema_generator and gan.sampling_generator("raw") is gan.generator
    gan.sample_from = "raw"  # the GAN-level default
    np.testing.assert_array_equal(gan.sample(5, seed=7), raw)
    np.testing.assert_array_equal(gan.sample(5, seed=7, generator="ema"), ema)
    keras.utils.set_random_seed(5)
    averaged_raw = tiny_gan(ema_decay=0.9, sample_from="raw").sample(5, seed=7)
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(averaged_raw, tiny_gan().sample(5, seed=7))


def test_batch_statistics_sampling_of_the_average_leaves_its_moving_statistics():
    generator = mlp.generator(2, 2, width=4, depth=1, normalization="batch")
    gan = tg.GAN(generator, mlp.critic(2, width=4, depth=1), latent_dim=2, ema_decay=0.9)
    before = values(gan.ema_generator.non_trainable_variables)
    got = gan.sample(16, seed=1, batch_statistics=True)
    for a, b in zip(values(gan.ema_generator.non_trainable_variables), before, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(got, gan.ema_generator(randomness.latent(16, 2, 1), training=True), atol=1e-6)


# ------------------------------------------------------------------------------------------ truncation
def truncated_variance(psi):
    return 1 - 2 * psi * stats.norm.pdf(psi) / (2 * stats.norm.cdf(psi) - 1)


@pytest.mark.parametrize("psi", [0.3, 1.0, 2.5])
def test_truncated_noise_is_the_truncated_normal(psi):
    z = randomness.latent(50_000, 4, 11, tf.constant(psi, tf.float32)).numpy()
    assert z.shape == (50_000, 4) and z.dtype == np.float32
    assert np.abs(z).max() <= np.float32(psi)
    assert np.abs(z).max() > 0.99 * psi  # the whole interval is used
    assert z.var() == pytest.approx(truncated_variance(psi), rel=0.02)
    assert abs(z.mean()) < 0.01
    ks = stats.kstest(z.ravel()[:20_000], stats.truncnorm(-psi, psi).cdf)
    assert ks.pvalue > 1e-3, ks


def test_truncation_is_deterministic_for_a_seed_and_off_by_default():
    psi = tf.constant(0.7)
    a, b = randomness.latent(8, 3, 5, psi), randomness.latent(8, 3, 5, psi)
    np.testing.assert_array_equal(a, b)
    assert np.mean(a.numpy() != randomness.latent(8, 3, 6, psi).numpy()) > 0.9
    gan = tiny_gan()
    old = tf.random.stateless_normal([6, 2], seed=[4, 0])  # what sample() drew before truncation existed
    np.testing.assert_array_equal(gan.sample(6, seed=4), gan.generator(old))
    truncated = gan.sample(6, seed=4, truncation=0.7)
    np.testing.assert_array_equal(truncated, gan.generator(randomness.latent(6, 2, 4, psi)))
    np.testing.assert_array_equal(truncated, gan.sample(6, seed=4, truncation=0.7))
    for bad in (0, -1.0, math.inf, True, "1"):
        with pytest.raises(ValueError, match=r"truncation must be a finite number > 0"):
            gan.sample(2, truncation=bad)


LOADER = r'''
import json, sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
n, seed, psi = tf.constant(5), tf.constant(3, tf.int64), tf.constant(0.5)
out = {"signature": model.signatures["sample"](n=n, seed=seed)["samples"].numpy().tolist(),
       "function": model.sample(n=n, seed=seed)["samples"].numpy().tolist(),
       "truncated": model.signatures["sample_truncated"](n=n, seed=seed, truncation=psi)["samples"].numpy().tolist(),
       "truncated_function": model.sample_truncated(n, seed, psi)["samples"].numpy().tolist(),
       "inputs": {k: sorted(model.signatures[k].structured_input_signature[1]) for k in model.signatures}}
try:
    model.signatures["sample_truncated"](n=n, seed=seed, truncation=tf.constant(0.0))
except tf.errors.InvalidArgumentError as err:
    out["error"] = err.message
json.dump(out, open(sys.argv[2], "w"))
'''


def test_export_serves_the_average_with_and_without_truncation_in_a_fresh_process(tmp_path):
    gan = tiny_gan(ema_decay=0.9)
    for v in gan.generator.trainable_variables:
        v.assign_add(tf.ones_like(v))
    meta = tg.serving.export_generator(gan, tmp_path / "model")
    assert meta["generator"] == "ema" and "truncation" in meta
    assert meta["signatures"]["sample_truncated"]["inputs"]["truncation"] == {"dtype": "float32", "shape": []}
    readme = (tmp_path / "model" / "README.md").read_text()
    assert "`sample_truncated(n, seed, truncation)` draws z ~ N(0, I) restricted to" in readme
    (tmp_path / "loader.py").write_text(LOADER)
    done = subprocess.run([sys.executable, "-I", str(tmp_path / "loader.py"), str(tmp_path / "model"),
                           str(tmp_path / "out.json")], cwd=tmp_path, env=QUIET, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["inputs"]["sample"] == ["n", "seed"]  # old callers: unchanged
    assert out["inputs"]["sample_truncated"] == ["n", "seed", "truncation"]
    plain, truncated = gan.sample(5, seed=3), gan.sample(5, seed=3, truncation=0.5)
    assert np.abs(plain - gan.sample(5, seed=3, generator="raw")).max() > 0.1
    for key, want in [("signature", plain), ("function", plain), ("truncated", truncated),
                      ("truncated_function", truncated)]:
        np.testing.assert_allclose(out[key], want, atol=1e-6, err_msg=key)
    assert "truncation must be a finite number > 0; received:] [0]" in out["error"]
    raw = tg.serving.export_generator(gan, tmp_path / "raw", generator="raw", format="tflite")
    assert raw["generator"] == "raw"
    with pytest.raises(ValueError, match=r"generator must be 'ema', 'raw' or None for a bare Keras generator"):
        tg.serving.export_generator(gan.generator, tmp_path / "bad", generator="auto")


# ------------------------------------------------------------------------------------------ runs
def ema_recipe(**changes):
    spec = dict(optimizer=tg.Optimizer(learning_rate=1e-2, beta_1=0.5, beta_2=0.9), n_critic=1, ema_decay=0.7,
                ema_start=1)
    return toy_recipe(width=8, depth=1, name="ema_test", **(spec | changes))


def config(logdir, **overrides):
    return tg.TrainConfig(**dict(logdir=str(logdir), iterations=4, eval_every=2, batch_size=4, precision="float32",
                                 seed=3, export=False) | overrides)


def test_resumed_run_equals_the_uninterrupted_one_and_exports_the_average(tmp_path, deterministic_ops):
    whole = tg.train(ema_recipe(), config(tmp_path / "whole"))
    interrupted = ema_recipe()
    interrupted.callbacks = lambda gan, logdir: [keras.callbacks.LambdaCallback(  # killed after iteration 2
        on_epoch_end=lambda epoch, logs: setattr(gan, "stop_training", gan.iteration >= 2))]
    assert tg.train(interrupted, config(tmp_path / "split")).iteration == 2
    resumed = tg.train(ema_recipe(), config(tmp_path / "split", export=True))
    assert resumed.iteration == whole.iteration == 4
    for a, b in zip(values(whole.ema_generator.weights + whole.generator.weights),
                    values(resumed.ema_generator.weights + resumed.generator.weights), strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.abs(resumed.sample(8, seed=1, generator="raw") - resumed.sample(8, seed=1)).max() > 1e-4

    export = tmp_path / "split" / "export"
    assert json.loads((export / "metadata.json").read_text())["generator"] == "ema"
    assert "Weights: the exponential moving average" in (export / "README.md").read_text()
    served = tf.saved_model.load(str(export)).signatures["sample"](n=tf.constant(8), seed=tf.constant(1, tf.int64))
    np.testing.assert_allclose(served["samples"], resumed.sample(8, seed=1), atol=1e-6)

    cli = flags.FlagValues()
    export_cli.define_flags(cli)
    cli(["export", f"--checkpoint={tmp_path / 'split'}", f"--out={tmp_path / 'raw'}", "--generator=raw"])
    export_cli.main(["export"], cli)
    assert json.loads((tmp_path / "raw" / "metadata.json").read_text())["generator"] == "raw"
    served = tf.saved_model.load(str(tmp_path / "raw")).signatures["sample"](n=tf.constant(8),
                                                                             seed=tf.constant(1, tf.int64))
    np.testing.assert_allclose(served["samples"], resumed.sample(8, seed=1, generator="raw"), atol=1e-6)


def test_the_sampling_choice_may_change_on_resume_but_not_the_average():
    def record(**changes):
        return run_directory.RunRecord(recipe="toy", gan=toy_spec(ema_decay=0.9, **changes), train=tg.TrainConfig())

    assert run_directory.differences(record(), record(sample_from="raw")) == {}
    averaged_differently = run_directory.RunRecord(recipe="toy", gan=toy_spec(ema_decay=0.5, ema_start=3),
                                                   train=tg.TrainConfig())
    assert run_directory.differences(record(), averaged_differently) == {
        "gan.ema_decay": (0.9, 0.5), "gan.ema_start": (0, 3)}
    assert averaging.run_choice(toy_spec(ema_decay=0.9, sample_from="raw")) == "raw"
    assert averaging.run_choice(toy_spec(ema_decay=0.9, sample_from="raw"), "ema") == "ema"
    assert averaging.run_choice(toy_spec()) == "raw"


def test_a_run_from_before_ema_resumes_without_it(tmp_path):
    """A stored record without the EMA settings (written before they existed) means EMA off."""
    off = dict(ema_decay=0.0, ema_start=0)
    tg.train(ema_recipe(**off), config(tmp_path, iterations=2))
    path = tmp_path / run_directory.CONFIG_FILE
    stored = json.loads(path.read_text())
    stored["gan"] = {k: v for k, v in stored["gan"].items() if k not in ("ema_decay", "ema_start", "sample_from")}
    path.write_text(json.dumps(stored))
    with pytest.raises(run_directory.RunDirectoryError, match=r"gan.ema_decay 0.0 -> 0.7"):
        tg.train(ema_recipe(), config(tmp_path, iterations=4))
    assert tg.train(ema_recipe(**off), config(tmp_path, iterations=4)).iteration == 4


def test_shared_recipe_flags_reach_the_gan_spec():
    fv = flags.FlagValues()
    shared_flags.define_training_flags(fv)
    fv(["recipe", "--ema_decay=0.999", "--ema_start=5", "--sample_from=raw"])
    made = configs.gan_spec(shared_flags.values(fv))
    assert (made.ema_decay, made.ema_start, made.sample_from) == (0.999, 5, "raw")
    fresh = flags.FlagValues()
    shared_flags.define_training_flags(fresh)
    fresh(["recipe", "--ema_decay=1"])
    with pytest.raises(ValueError, match=r"ema_decay must be in \[0, 1\)"):
        configs.gan_spec(shared_flags.values(fresh))
