"""The keras.io WGAN-GP reference (``benchmarks.keras_io_wgan_gp``) and the Fashion-MNIST step benchmark's plumbing."""
import json
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

from benchmarks import keras_io_wgan_gp as ref
from benchmarks.common import REPO


def test_model_shapes():
    images = ref.make_generator()(tf.random.normal((3, ref.LATENT_DIM)), training=False)
    assert images.shape == (3, 28, 28, 1)
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0
    assert ref.make_critic()(images).shape == (3, 1)


def _linear_wgan(weight):
    """A WGAN whose critic is ``D(x) = ⟨weight, x⟩``: its input gradient is ``weight`` everywhere."""
    critic = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    critic.layers[-1].set_weights([weight.reshape(-1, 1), np.zeros(1, "float32")])
    return ref.WGAN(critic, generator=None)


def test_gradient_penalty_of_a_linear_critic_is_its_norm_minus_one_squared():
    rng = np.random.default_rng(0)
    real, fake = (tf.constant(rng.uniform(-1, 1, (4, 28, 28, 1)), tf.float32) for _ in range(2))
    unit = rng.normal(size=28 * 28).astype("float32")
    unit /= np.linalg.norm(unit)
    assert float(_linear_wgan(unit).gradient_penalty(real, fake)) < 1e-10
    weight = 3.0 * unit
    expected = (np.linalg.norm(weight) - 1.0) ** 2  # 4, whatever the interpolation weights
    np.testing.assert_allclose(float(_linear_wgan(weight).gradient_penalty(real, fake)), expected, rtol=1e-5)


def test_one_train_step_changes_both_networks():
    wgan = ref.build(seed=0)
    critic_before = [w.copy() for w in wgan.critic.get_weights()]
    generator_before = [w.copy() for w in wgan.generator.get_weights()]
    logs = wgan.train_step(tf.random.uniform((4, 28, 28, 1), -1.0, 1.0))
    assert np.isfinite(float(logs["d_loss"])) and np.isfinite(float(logs["g_loss"]))
    assert not np.allclose(wgan.critic.get_weights()[0], critic_before[0])
    assert not np.allclose(wgan.generator.get_weights()[0], generator_before[0])
    assert int(wgan.d_optimizer.iterations) == ref.D_STEPS and int(wgan.g_optimizer.iterations) == 1


def test_train_counts_generator_iterations():
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 1), dtype=np.uint8)
    trained = ref.train(images, iterations=2, batch_size=8)
    assert trained.iterations == 2 and len(trained.step_seconds) == 2
    assert trained.generator(tf.zeros((1, ref.LATENT_DIM))).shape == (1, 28, 28, 1)


def test_clock_stops_fit_once_the_budget_is_spent():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    clock = ref.Clock(budget=0.0)
    clock.set_model(model)
    clock.on_train_begin()
    clock.on_train_batch_begin(0)
    clock.on_train_batch_end(0, {"d_loss": 0.0})
    assert model.stop_training and len(clock.step_seconds) == 1


def test_step_benchmark_times_one_case_in_a_child(tmp_path):
    """Random images (no IDX files in an empty folder), batch 4, one warm-up and one timed iteration."""
    out = tmp_path / "records.jsonl"
    cmd = [sys.executable, "-m", "benchmarks.fashion_mnist_step", "--cases", "tg_same_models", "--batch", "4",
           "--warmup", "1", "--iterations", "1", "--data_dir", str(tmp_path), "--out", str(out)]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=300)
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["case"] == "tg_same_models" and record["sec_per_gen_iter"] > 0
    assert record["real_images_per_gen_iter"] == 3 * 4 and record["precision"] == "float32"
    assert record["data"].startswith("random") and record["peak_rss_mib"] > 0
