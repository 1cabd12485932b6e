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
from tfgan_gp.architectures import dcgan, mlp  # noqa: E402

N_CRITIC, BATCH = 2, 8  # two critic minibatches per step show how they are split (more only cost tracing time)


def build(synchronized_bn=False):
    keras.utils.set_random_seed(1)
    if synchronized_bn:  # a batch-normalised image generator, statistics over the global batch
        generator = dcgan.generator(latent_dim=4, image_size=32, dim=2, normalization="batch_sync")
        critic = dcgan.critic(image_size=32, dim=2)
    else:
        generator, critic = mlp.generator(4, 2, width=16, depth=2), mlp.critic(2, width=16, depth=2)
    gan = tg.GAN(generator, critic, latent_dim=4, n_critic=N_CRITIC, seed=3)
    if synchronized_bn:
        # SGD: the biases before batch norm have a zero gradient up to round-off, which Adam would
        # blow up to full-size steps in either direction
        gan.compile(g_optimizer=keras.optimizers.SGD(1e-2), d_optimizer=keras.optimizers.SGD(1e-2))
    else:
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9),
                    d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.0, beta_2=0.9))
    return gan


def real_points(shape=(2,)):
    return tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).uniform(-1, 1, size=(N_CRITIC * BATCH * 4, *shape)).astype("float32"))


def weights(gan):
    return {f"{i}": v.numpy() for i, v in enumerate(gan.generator.weights + gan.critic.weights)}


if mode == "mirrored":
    strategy = distribute.make_strategy("mirrored", ["/cpu:0", "/cpu:1"])
    for name, sync, shape in (("mlp", False, (2,)), ("sync_bn", True, (32, 32, 3))):
        single = build(sync)
        single.fit(tg.data.for_gan(real_points(shape), BATCH, N_CRITIC, shuffle_buffer=None), steps_per_epoch=1,
                   verbose=0)
        with strategy.scope():
            mirrored = build(sync)
            data = tg.data.for_gan(real_points(shape), BATCH, N_CRITIC, shuffle_buffer=None)
        mirrored.fit(data, steps_per_epoch=1, verbose=0)
        np.savez(os.path.join(out, f"single_{name}.npz"), **weights(single))
        np.savez(os.path.join(out, f"mirrored_{name}.npz"), **weights(mirrored))
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
