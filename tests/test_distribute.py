"""tf.distribute: Mirrored on two logical CPUs equals one device; two local workers stay in sync."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tfgan_gp as tg
from tfgan_gp import checkpoints, distribute

from helpers import free_ports

WORKER = os.path.join(os.path.dirname(__file__), "distributed_worker.py")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_workers(*argv_lists, timeout=240):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = [subprocess.Popen([sys.executable, WORKER, *argv], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for argv in argv_lists]
    try:
        outputs = [p.communicate(timeout=timeout)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, output in zip(procs, outputs):
        assert p.returncode == 0, output[-3000:]


def test_mirrored_two_replicas_equal_single_device(tmp_path):
    """One generator iteration on the same global batch: MLP GAN, and a generator with synchronized BN."""
    run_workers(["mirrored", str(tmp_path)])
    for model in ("mlp", "sync_bn"):
        single, mirrored = np.load(tmp_path / f"single_{model}.npz"), np.load(tmp_path / f"mirrored_{model}.npz")
        assert set(single.files) == set(mirrored.files)
        for name in single.files:
            np.testing.assert_allclose(mirrored[name], single[name], atol=1e-5, err_msg=f"{model} weight {name}")


def test_multi_worker_workers_agree_and_chief_checkpoint_restores(tmp_path):
    ports = ",".join(map(str, free_ports(2)))
    run_workers(["multi_worker", str(tmp_path), ports, "0"], ["multi_worker", str(tmp_path), ports, "1"])
    w0, w1 = np.load(tmp_path / "worker0.npz"), np.load(tmp_path / "worker1.npz")
    assert int(w0["iterations"]) == int(w1["iterations"]) == 3
    for name in w0.files:
        np.testing.assert_array_equal(w0[name], w1[name])

    # only the chief wrote into the run directory; a fresh single-process model restores from it
    import keras
    from tfgan_gp.architectures import mlp
    gan = tg.GAN(mlp.generator(4, 2, width=16, depth=2), mlp.critic(2, width=16, depth=2), latent_dim=4)
    gan.compile()
    path = checkpoints.latest(tmp_path / "run")
    assert path is not None and path.endswith("-3")
    checkpoints.checkpoint(gan).restore(path).assert_existing_objects_matched()
    restored = [v.numpy() for v in gan.generator.weights + gan.critic.weights]
    for i, value in enumerate(restored):
        np.testing.assert_array_equal(value, w0[str(i)])
    assert int(gan.optimizer.iterations) == 3
    del keras


def test_strategy_names_and_errors(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distribute.make_strategy("none").num_replicas_in_sync == 1
    assert distribute.is_chief()
    with pytest.raises(ValueError, match=r"Received: distribute='tpu_pod'"):
        distribute.make_strategy("tpu_pod")
    with pytest.raises(ValueError, match=r"TF_CONFIG"):
        distribute.make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}')
    assert not distribute.is_chief()
    assert distribute.writable_dir("/nonexistent/run") != "/nonexistent/run"
