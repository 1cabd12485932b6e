"""Shared test setup: quiet TensorFlow, deterministic seeds, restore the dtype policy."""
import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_and_policy():
    keras.utils.set_random_seed(0)
    policy = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(policy)


@pytest.fixture
def deterministic_ops():
    """Op determinism for one test (exact-resume comparisons), switched off again afterwards."""
    import tensorflow as tf
    from tensorflow.python.framework import config  # the public API has no switch back

    tf.config.experimental.enable_op_determinism()
    yield
    config.disable_op_determinism()


def pytest_collection_finish(session):
    """What collection imported (TensorFlow, Keras, the test modules) lives to the end: out of the garbage
    collector's full passes, which otherwise walk it again and again as the suite's objects pile up."""
    gc.collect()
    gc.freeze()
