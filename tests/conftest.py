"""Shared test setup: quiet TensorFlow, deterministic seeds, restore the dtype policy."""
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
