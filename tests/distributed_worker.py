"""Run by tests/test_distribute.py in its own process: one worker of a distributed GAN run.

    python distributed_worker.py mirrored OUT_DIR              two logical CPUs vs one device
    python distributed_worker.py multi_worker OUT_DIR PORTS I  worker I of len(PORTS) workers
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
mode, out = sys.argv[1], sys.argv[2]
if mode == "multi_worker":
    ports, index = sys.argv[3].split(","), int(sys.argv[4])
    os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                                          "task": {"type": "worker", "index": index}})

import tensorflow as tf  # noqa: E402

if mode == "mirrored":
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import tfgan_gp as tg  # noqa: E402
from tfgan_gp import checkpoints, distribute  # noqa: E402
from tfgan_gp.architectures import mlp  # noqa: E402

N_CRITIC, BATCH = 5, 8


def build():
    keras.utils.set_random_seed(1)
    gan = tg.GAN(mlp.generator(4, 2, width=16, depth=2), mlp.critic(2, width=16, depth=2),
                 latent_dim=4, n_critic=N_CRITIC, seed=3)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9),
                d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9))
    return gan


def real_points():
    return tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).normal(size=(N_CRITIC * BATCH * 4, 2)).astype("float32"))


def weights(gan):
    return {f"{i}": v.numpy() for i, v in enumerate(gan.generator.weights + gan.critic.weights)}


if mode == "mirrored":
    single = build()
    single.fit(tg.data.for_gan(real_points(), BATCH, N_CRITIC, shuffle_buffer=None), steps_per_epoch=1, verbose=0)
    strategy = distribute.make_strategy("mirrored", ["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored = build()
        data = tg.data.for_gan(real_points(), BATCH, N_CRITIC, shuffle_buffer=None)
    mirrored.fit(data, steps_per_epoch=1, verbose=0)
    np.savez(os.path.join(out, "single.npz"), **weights(single))
    np.savez(os.path.join(out, "mirrored.npz"), **weights(mirrored))
else:
    strategy = distribute.make_strategy("multi_worker")
    with strategy.scope():
        gan = build()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    data = tg.data.for_gan(real_points(), BATCH, N_CRITIC, shuffle_buffer=None).with_options(options)
    gan.fit(data, steps_per_epoch=3, verbose=0)
    manager = checkpoints.manager(gan, distribute.writable_dir(os.path.join(out, "run")))
    manager.save(checkpoint_number=gan.iteration)
    np.savez(os.path.join(out, f"worker{index}.npz"), iterations=gan.iteration, **weights(gan))
