"""Precision selection (``tfgan_gp.precision``) and the correctness of mixed-precision and compiled steps.

No timing is asserted anywhere: the probe is injected where its answer matters.
"""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import precision
from tfgan_gp.architectures import resnet_cifar

# Mixed precision vs float32, same weights, noise and batch: |loss - loss_f32| <= ATOL + RTOL·|loss_f32|.
# bfloat16 keeps 8 significant bits (rounding error 2^-9 ≈ 0.2 % per op), float16 11 bits (2^-12);
# the losses go through ~20 conv layers, forward and backward (the penalty), hence a few percent.
# Observed (AVX-512 CPU, DIM 8): differences up to 0.004 (0.6 %) for bfloat16 and 0.0005 (0.06 %) for
# float16; the bounds below leave a margin of 5-10x for other CPUs' rounding.
TOLERANCE = {"mixed_bfloat16": (0.02, 0.02), "mixed_float16": (0.005, 0.005)}
LATENT = 16


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(precision, "_gpu_capability", lambda: None)


# ------------------------------------------------------------------ selection
@pytest.mark.parametrize("name", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_named_precision_sets_the_global_policy(name):
    assert precision.set_precision(name, probe=lambda: pytest.fail("a named precision must not probe")) == name
    assert keras.mixed_precision.global_policy().name == name


@pytest.mark.parametrize("bad", ["bfloat16", "fp32", "", None, "AUTO"])
def test_unknown_precision_is_refused(bad):
    with pytest.raises(ValueError, match=r"precision must be one of auto, float32.*Received: precision="):
        precision.set_precision(bad)


def test_auto_keeps_float32_when_the_probe_says_bf16_is_slower(no_gpu):
    # an emulated-bf16 CPU (AVX2): 9x slower
    assert precision.set_precision("auto", probe=lambda: 1 / 9) == "float32"
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize("speedup, expected", [(1.29, "float32"), (1.3, "mixed_bfloat16"),
                                               (1.9, "mixed_bfloat16")])
def test_auto_picks_bf16_only_from_the_threshold_on(no_gpu, speedup, expected):
    choice = precision.resolve("auto", probe=lambda: speedup)
    assert choice.policy == expected
    assert f"{speedup:.2f}x" in choice.reason


@pytest.mark.parametrize("capability, expected", [((8, 0), "mixed_float16"), ((7, 0), "mixed_float16"),
                                                  ((6, 1), "float32")])
def test_auto_on_gpu_uses_float16_where_there_are_tensor_cores(monkeypatch, capability, expected):
    monkeypatch.setattr(precision, "_gpu_capability", lambda: capability)
    assert precision.resolve("auto", probe=lambda: pytest.fail("no CPU probe on a GPU")).policy == expected


def test_the_choice_is_logged_once(no_gpu, caplog):
    with caplog.at_level("INFO", logger="tfgan_gp.precision"):
        for _ in range(3):
            precision.set_precision("auto", probe=lambda: 0.123)
    messages = [r.getMessage() for r in caplog.records if "0.12x" in r.getMessage()]
    assert len(messages) == 1 and "using float32" in messages[0]


def test_the_probe_result_is_cached_per_machine(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(precision, "bf16_speedup", lambda: calls.append(1) or 1.7)
    path = str(tmp_path / "cache" / "probe.json")
    assert precision.cached_bf16_speedup(path) == 1.7
    assert precision.cached_bf16_speedup(path) == 1.7
    assert len(calls) == 1
    with open(path, "w") as f:
        f.write("{not json")
    assert precision.cached_bf16_speedup(path) == 1.7 and len(calls) == 2


def test_the_default_probe_measures_a_positive_ratio():
    speedup = precision.bf16_speedup(rounds=2, batch=1, size=8, channels=8, matmul_size=32)
    assert math.isfinite(speedup) and speedup > 0


# ------------------------------------------------------- mixed-precision steps
def _weights(policy, dim=8):
    """Initial generator/critic weights built under ``policy`` from one seed (weights are float32 in any policy)."""
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(1)
    return resnet_cifar.generator(latent_dim=LATENT, dim=dim), resnet_cifar.critic(dim=dim)


def _one_step(policy, real, n_critic=2, run_eagerly=True, optimizer=None, steps=1):
    generator, critic = _weights(policy)
    gan = tg.GAN(generator, critic, latent_dim=LATENT, n_critic=n_critic, seed=3)
    make = optimizer or (lambda: tg.paper_adam(2e-4))
    gan.compile(g_optimizer=make(), d_optimizer=make(), run_eagerly=run_eagerly)
    for _ in range(steps):
        logs = gan.train_on_batch(real, return_dict=True)
    return gan, logs


@pytest.fixture(scope="module")
def real_batch():
    return tf.random.stateless_uniform((2 * 4, 32, 32, 3), seed=[4, 2], minval=-1.0, maxval=1.0)


@pytest.fixture(scope="module")
def float32_logs(real_batch):
    policy = keras.mixed_precision.global_policy().name
    try:
        return _one_step("float32", real_batch)[1]
    finally:
        keras.mixed_precision.set_global_policy(policy)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_step_matches_float32(policy, real_batch, float32_logs):
    gan, logs = _one_step(policy, real_batch)
    assert gan.generator.layers[-2].compute_dtype == policy.split("_")[1]  # the convs do run in low precision
    assert (policy == "mixed_float16") == isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    atol, rtol = TOLERANCE[policy]
    for name in ("d_loss", "g_loss", "wasserstein_estimate", "penalty", "grad_norm"):
        value, expected = float(logs[name]), float(float32_logs[name])
        assert math.isfinite(value), f"{policy}: {name} = {value}"
        print(f"{policy} {name}: {value:.6g} vs float32 {expected:.6g}")
        assert abs(value - expected) <= atol + rtol * abs(expected), f"{policy}: {name} {value} vs {expected}"


def test_compiled_step_equals_the_eager_python_loop():
    """The traced train_step (n_critic updates unrolled in one tf.function) vs run_eagerly, 2 iterations.

    Plain SGD, so that parameters move in proportion to the gradients (Adam's first
    steps are ±lr per weight, where a rounding difference could flip a sign).
    """
    sgd = lambda: keras.optimizers.SGD(1e-3)  # noqa: E731
    real = tf.random.stateless_uniform((2 * 3, 32, 32, 3), seed=[5, 1], minval=-1.0, maxval=1.0)
    eager, _ = _one_step("float32", real, n_critic=2, optimizer=sgd, steps=2)
    compiled, _ = _one_step("float32", real, n_critic=2, run_eagerly=False, optimizer=sgd, steps=2)
    assert int(compiled.d_optimizer.iterations) == int(eager.d_optimizer.iterations) == 4
    initial = dict(zip(("generator", "critic"), _weights("float32")))
    moved = 0
    for model in ("generator", "critic"):
        for before, a, b in zip(initial[model].weights, getattr(eager, model).weights,
                                getattr(compiled, model).weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)
            moved += np.max(np.abs(a.numpy() - before.numpy())) > 1e-4  # 100x the tolerance
    assert moved > 10, "training changed (almost) nothing: the comparison would be vacuous"


# ------------------------------------------------------------- learning, bf16
@pytest.mark.skipif(not precision.native_bf16_cpu(),
                    reason="the CPU has no native bfloat16 (no avx512_bf16/amx_bf16 in /proc/cpuinfo): "
                           "bf16 is emulated, far slower than float32, and the 8 Gaussians run would not fit "
                           "the test-time budget; the mixed_bfloat16 learning test is NOT run on this machine")
def test_8_gaussians_learning_test_passes_under_mixed_bfloat16():
    from helpers import learn_8_gaussians

    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # the MLPs' hidden layers run in bfloat16
    modes, quality = learn_8_gaussians()
    assert modes >= 7 and quality >= 0.8, (modes, quality)


# ------------------------------------------------------------------ float16 loss scaling and the penalty


def test_mixed_float16_survives_a_critic_with_steep_input_gradients():
    """A critic with ‖∇D‖ ≈ 30: the penalty's inner backward stays finite, skipped steps only lower the scale.

    Before the fix the inner backward ran with the full loss scale (2^15): float16 overflowed, the
    penalty was inf and the NaN guard stopped the run at iteration 0.
    """
    from helpers import tiny_gan

    keras.mixed_precision.set_global_policy("mixed_float16")
    gan = tiny_gan()
    points = np.random.default_rng(0).normal(size=(2000, 2)).astype("float32")
    kernel = gan.critic.layers[-1].kernel
    norm = float(tf.reduce_mean(tg.penalties.input_gradient_norms(tg.CriticBatch(critic=gan.critic), points[:256])))
    kernel.assign(kernel * (30.0 / norm))
    gan.compile()
    guard = tg.callbacks.NaNGuard()
    history = gan.fit(tg.data.for_gan(tf.data.Dataset.from_tensor_slices(points), 16, 5),
                      steps_per_epoch=8, epochs=2, callbacks=[guard], verbose=0)
    assert guard.failure is None
    assert gan.iteration == 16 and int(gan.d_optimizer.iterations) == 80   # skipped steps count as steps
    assert float(gan.d_optimizer.dynamic_scale) < 2.0 ** 15                  # the scale dropped
    logged = {name: values[0] for name, values in history.history.items()}
    assert all(math.isfinite(v) for v in logged.values()), logged
    assert logged["grad_norm"] > 10.0                                       # it really was steep
    assert logged["nonfinite_losses"] == 0       # the losses (the penalty) stayed finite; only gradients overflowed
    assert all(np.all(np.isfinite(w)) for w in gan.get_weights())


class _Model:
    """What NaNGuard reads from a model: the iteration, the weights, ``stop_training``."""

    def __init__(self, weights):
        self.iteration, self.stop_training, self.weights_ = 7, False, weights

    def get_weights(self):
        return self.weights_


def _guard(weights):
    guard = tg.callbacks.NaNGuard(patience=3)
    guard.set_model(_Model(weights))
    guard.on_epoch_begin(0)
    return guard


def test_nan_guard_under_loss_scaling_stops_only_on_bad_weights_or_a_persistent_streak():
    guard = _guard([np.ones(3, np.float32)])
    for batch, count in enumerate([1, 2, 2, 3, 4]):        # skipped steps with a good one in between
        guard.on_train_batch_end(batch, {"nonfinite_losses": count, "d_loss": 1.0})
    assert guard.failure is None and not guard.model.stop_training
    guard.on_train_batch_end(5, {"nonfinite_losses": 5, "d_loss": 1.0})   # a third in a row
    assert guard.model.stop_training
    assert guard.failure == ("Training stopped at generator iteration 7: the losses were not finite for 3 steps "
                             "in a row, although loss scaling skipped those steps and lowered its scale.")

    guard = _guard([np.array([1.0, np.nan], np.float32)])
    guard.on_train_batch_end(0, {"nonfinite_losses": 1, "d_loss": 1.0})
    assert guard.failure.endswith("the weights are no longer finite.")
