"""Learning on real images: a short WGAN-GP run on Fashion-MNIST must beat its untrained generator in the domain
classifier's FID and cover more classes.

The data is Debian's ``dataset-fashion-mnist`` (``.ci/run`` installs it and sets ``TFGAN_GP_CI=1``, under which a
missing dataset fails instead of skipping).
"""
import os

import numpy as np
import pytest

import tfgan_gp as tg
from tfgan_gp.architectures import mlp
from tfgan_gp.metrics import domain

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
NUM_SAMPLES = 2000


@pytest.fixture(scope="module")
def fashion_mnist():
    if not os.path.exists(os.path.join(FASHION_MNIST, "train-images-idx3-ubyte.gz")):
        if os.environ.get("TFGAN_GP_CI"):
            pytest.fail(f"CI needs real Fashion-MNIST in {FASHION_MNIST}: .ci/run installs dataset-fashion-mnist")
        pytest.skip(f"real Fashion-MNIST is not installed in {FASHION_MNIST} (apt-get install dataset-fashion-mnist)")
    return domain.LabelledSplits(FASHION_MNIST)


def test_a_short_run_on_fashion_mnist_learns(fashion_mnist, tmp_path, monkeypatch):
    """300 generator iterations of a small MLP WGAN-GP halve the domain FID of the untrained generator at least."""
    monkeypatch.setenv("TFGAN_GP_CACHE", str(tmp_path))
    # a quicker classifier than the protocol's (one epoch on 20,000 images): enough to tell clothes apart
    classifier = domain.domain_classifier(FASHION_MNIST, splits=fashion_mnist, epochs=1, num_train=20_000,
                                          progress=False)
    assert classifier.test_accuracy > 0.75
    evaluator = tg.metrics.ImageEvaluator(classifier, fashion_mnist.train[0][:10_000], num_real=10_000)
    generator_kwargs, critic_kwargs = mlp.image_kwargs((28, 28, 1), latent_dim=64, width=256, depth=3)
    gan = tg.GANSpec(architecture="mlp", generator_kwargs=generator_kwargs, critic_kwargs=critic_kwargs,
                     latent_dim=64, n_critic=3, optimizer=tg.Optimizer("adam", 5e-4, beta_1=0.5, beta_2=0.9)
                     ).build(seed=0)
    before = evaluator(gan.sample, NUM_SAMPLES)

    real = fashion_mnist.images("train")
    gan.fit(tg.data.for_gan(_dataset(real), 64, 3, seed=0), steps_per_epoch=300, epochs=1, verbose=0)
    after = evaluator(gan.sample, NUM_SAMPLES)

    assert after["fid"] < 0.5 * before["fid"], (before["fid"], after["fid"])
    assert after["classes_covered"] >= max(5, before["classes_covered"]), (before, after)
    assert np.isfinite(after["kid"])


def _dataset(images):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(images)
