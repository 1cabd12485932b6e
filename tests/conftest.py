"""Shared test setup: quiet TensorFlow, deterministic seeds, restore the dtype policy; scheduling on two workers."""
import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One compute thread per worker (and per process it starts): with two workers on two cores, TensorFlow's and
    # BLAS' thread pools would otherwise fight over the cores (measured here: a quarter more wall time).
    for _name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

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


# Full garbage-collector passes walk every live object, and the suite's traced graphs pile up: what collection
# imported (TensorFlow, Keras, the test modules) and what a test file leaves behind is frozen out of them.
def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items):
    """Files with ``RUN_FIRST = True`` (the longest) first: on two workers (``--dist loadfile
    --no-loadscope-reorder``, README) they start at once instead of finishing the run alone."""
    items.sort(key=lambda item: not getattr(getattr(item, "module", None), "RUN_FIRST", False))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # (after the file's module-scoped fixtures are finalized)
    if nextitem is None or getattr(nextitem, "module", None) is not getattr(item, "module", None):
        gc.collect(1)
        gc.freeze()
