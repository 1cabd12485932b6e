"""The stabilizers under MirroredStrategy on two logical CPUs equal one device: the generator average, ADA's
probability p (sign sums and the fakes' mean score over all replicas, written once), LeCam's anchors (means over
the global batch) and lazy R1's counter. One subprocess for the three: the logical devices are set once."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SETUP = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tfgan_gp import distribute
MIRRORED = distribute.make_strategy("mirrored", ["/cpu:0", "/cpu:1"])  # one for all: two strategies in one process
# would reuse each other's collective keys
"""

EMA = r'''
import sys
import tensorflow as tf
import keras, numpy as np
import tfgan_gp as tg
from tfgan_gp import distribute
from tfgan_gp.architectures import mlp

def run(strategy):
    with strategy.scope():
        keras.utils.set_random_seed(1)
        gan = tg.GAN(mlp.generator(2, 2, width=8, depth=1), mlp.critic(2, width=8, depth=1), latent_dim=2,
                     n_critic=1, seed=3, ema_decay=0.5)
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-2), d_optimizer=keras.optimizers.Adam(1e-2))
        data = tf.data.Dataset.from_tensor_slices(np.random.default_rng(0).normal(size=(64, 2)).astype("float32"))
        data = tg.data.for_gan(data, 8, 1, shuffle_buffer=None)
    gan.fit(data, steps_per_epoch=2, verbose=0)
    return [v.numpy() for v in gan.ema_generator.weights + gan.generator.weights]

single = run(tf.distribute.get_strategy())
mirrored = run(MIRRORED)
for a, b in zip(single, mirrored, strict=True):
    np.testing.assert_allclose(b, a, atol=1e-5)
assert np.abs(single[0] - single[len(single) // 2]).max() > 1e-4  # the average is not the raw generator
print("ok")
'''

ADA = r'''
import tensorflow as tf
import keras, numpy as np
import tfgan_gp as tg
from tfgan_gp.architectures import dcgan

def run(strategy):
    keras.utils.set_random_seed(1)
    with strategy.scope():
        generator = dcgan.generator(latent_dim=4, image_size=32, dim=2, normalization="batch_sync")
        gan = tg.GAN(generator, dcgan.critic(image_size=32, dim=2), latent_dim=4, n_critic=2, seed=3,
                     augment=tg.augment.AdaptiveAugment(interval=1, speed_images=64, initial_p=0.5))
        gan.compile(g_optimizer=keras.optimizers.SGD(1e-2), d_optimizer=keras.optimizers.SGD(1e-2))
        real = np.random.default_rng(0).uniform(-1, 1, (64, 32, 32, 3)).astype("float32")
        data = tg.data.for_gan(tf.data.Dataset.from_tensor_slices(real), 8, 2, shuffle_buffer=None)
    gan.fit(data, steps_per_epoch=2, verbose=0)
    return float(gan.augment.p.numpy()), [v.numpy() for v in gan.generator.weights + gan.critic.weights]

p_single, single = run(tg.distribute.make_strategy("none"))
p_mirrored, mirrored = run(MIRRORED)
assert p_single != 0.5 and abs(p_single - p_mirrored) < 1e-7, (p_single, p_mirrored)
for a, b in zip(single, mirrored):
    np.testing.assert_allclose(a, b, atol=1e-5)
print("ok", p_single)
'''

PENALTY_STATE = r'''
import numpy as np, tensorflow as tf
import keras, tfgan_gp as tg
from tfgan_gp.architectures import mlp

def build():
    keras.utils.set_random_seed(1)
    gan = tg.GAN(mlp.generator(2, 2, width=8, depth=1), mlp.critic(2, width=8, depth=1), latent_dim=2, n_critic=2,
                 seed=3, penalty=tg.penalties.get("r1_lazy+lecam", interval=3))
    gan.compile(g_optimizer=keras.optimizers.SGD(1e-2), d_optimizer=keras.optimizers.SGD(1e-2))  # (Adam would
    # blow round-off in near-zero gradients up to whole steps)
    return gan, tg.data.for_gan(tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).uniform(-1, 1, size=(64, 2)).astype("float32")), 8, 2, shuffle_buffer=None)

def state(gan):
    return [np.asarray(v.numpy(), "float64") for v in gan.generator.weights + gan.critic.weights
            + list(gan.penalty.state().values())]

single, data = build()
single.fit(data, steps_per_epoch=3, verbose=0)
with MIRRORED.scope():
    mirrored, data = build()
assert "Mirrored" in type(mirrored.penalty.parts[1].anchor_real).__name__
mirrored.fit(data, steps_per_epoch=3, verbose=0)
assert int(mirrored.penalty.parts[0].steps.numpy()) == 6
for a, b in zip(state(single), state(mirrored)):
    np.testing.assert_allclose(b, a, atol=1e-6)  # (per-replica anchors instead of global ones: 0.1 apart)
print("SAME")
'''


def test_average_adaptive_p_and_penalty_state_match_one_device():
    parts = [("ema", EMA), ("ada", ADA), ("penalty_state", PENALTY_STATE)]
    script = SETUP + f"for name, code in {parts!r}:\n    exec(code, {{'MIRRORED': MIRRORED}})\n    print('passed', name)\n"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert all(f"passed {name}" in result.stdout for name, _ in parts), result.stdout
