"""Scale-out from the command line: recipes under two real worker processes and on two logical CPUs, against one
process on the same global batch; a peer that never starts and a worker that dies are one sentence each, and the
same commands resume from the chief's checkpoint.

The clusters and the mirrored run start together as separate processes (one module fixture) while this process
trains the single-process references.
"""
import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from recipes import mnist, toy
from tfgan_gp import checkpoints

from helpers import free_ports, run_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_FIRST = True  # (the longest file: worker processes)
SMOKE = ["--smoke", "--precision=float32"]
ARGV = {"toy": SMOKE, "mnist": SMOKE + ["--dim=4"]}
SELECT = ["--smoke", "--dataset=8gaussians", "--candidates=wgan_gp,lsgan", "--seeds=1"]
LOSSES = ("batch_d_loss", "batch_g_loss", "batch_wasserstein_estimate")
TOLERANCE = 1e-5  # as the library's equivalence tests (tests/test_distribute.py)


def start(recipe, logdir, *argv, worker=None, ports=None, peer_timeout=60):
    """``python -m recipes.<recipe>`` as its own process; ``worker``: its index in a cluster on ``ports``."""
    env = dict(os.environ, PYTHONPATH=ROOT, TFGAN_GP_PEER_TIMEOUT=str(peer_timeout))
    for name in ("TF_CONFIG", "TF_CPP_MIN_LOG_LEVEL"):  # (unset, the recipes keep TensorFlow's start-up lines quiet)
        env.pop(name, None)
    if worker is not None:
        env["TF_CONFIG"] = json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                                       "task": {"type": "worker", "index": worker}})
        argv = (*argv, "--distribute=multi_worker")
    return subprocess.Popen([sys.executable, "-m", f"recipes.{recipe}", f"--logdir={logdir}", *argv], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process, timeout=400):
    """``(exit code, stdout, stderr)`` of a started process (killed when it runs past ``timeout`` seconds)."""
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, out, err


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[-3000:]
    return lines[0]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every process of this file's checks, started together; the single-process references trained meanwhile."""
    root = tmp_path_factory.mktemp("scale_out")
    toy_ports, mnist_ports, lonely_ports, select_ports = free_ports(2), free_ports(2), free_ports(2), free_ports(2)
    started = {**{f"toy{i}": start("toy", root / "toy_cluster", *ARGV["toy"], worker=i, ports=toy_ports)
                  for i in range(2)},
               **{f"mnist{i}": start("mnist", root / "mnist_cluster", *ARGV["mnist"], worker=i, ports=mnist_ports)
                  for i in range(2)},
               "mirrored": start("mnist", root / "mnist_mirrored", *ARGV["mnist"], "--distribute=mirrored",
                                 "--logical_cpus=2"),
               "lonely": start("toy", root / "lonely", *SMOKE, worker=0, ports=lonely_ports, peer_timeout=8),
               **{f"select{i}": start("select", root / "select", *SELECT, worker=i, ports=select_ports)
                  for i in range(2)}}
    began = time.monotonic()
    for recipe, module in (("toy", toy), ("mnist", mnist)):
        run_in_process(module, root / f"{recipe}_single", *ARGV[recipe])
    results = {name: finish(process) for name, process in started.items()}
    return root, results, {"lonely_port": lonely_ports[1], "lonely_seconds": time.monotonic() - began}


def losses(logdir):
    """``{tag: {iteration: value}}`` of the training scalars a run wrote (``LOGDIR/train``)."""
    found = {}
    for path in glob.glob(os.path.join(logdir, "train", "events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag in LOSSES:
                    found.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return found


def assert_same_losses(single, scaled):
    expected, got = losses(single), losses(scaled)
    assert set(expected) == set(LOSSES) and got.keys() == expected.keys()
    for tag in LOSSES:
        assert expected[tag] and sorted(got[tag]) == sorted(expected[tag]), tag
        for step, value in expected[tag].items():
            np.testing.assert_allclose(got[tag][step], value, rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"{tag}@{step}")


def samples_in_a_fresh_process(export):
    script = ("import sys, tensorflow as tf; m = tf.saved_model.load(sys.argv[1]); "
              "out = m.signatures['sample'](n=tf.constant(4), seed=tf.constant(1, tf.int64)); "
              "print(sorted((k, tuple(v.shape)) for k, v in out.items()))")
    result = subprocess.run([sys.executable, "-c", script, str(export)], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("recipe", ["toy", "mnist"])
def test_two_workers_train_as_one_process_and_the_chief_owns_the_run(runs, recipe):
    root, results, _ = runs
    for worker in range(2):
        code, out, err = results[f"{recipe}{worker}"]
        assert code == 0, err[-3000:]
    assert "worker 1: the chief writes the run's logs, checkpoints and export" in results[f"{recipe}1"][1]
    assert "2 replicas (distribute=multi_worker)" in results[f"{recipe}0"][1]
    assert_same_losses(root / f"{recipe}_single", root / f"{recipe}_cluster")
    assert json.load(open(root / f"{recipe}_cluster" / "run_config.json"))["train"]["distribute"] == "multi_worker"
    assert ", (4, " in samples_in_a_fresh_process(root / f"{recipe}_cluster" / "export")


def test_two_logical_cpus_mirror_one_process(runs):
    root, results, _ = runs
    code, out, err = results["mirrored"]
    assert code == 0, err[-3000:]
    assert "2 replicas (distribute=mirrored)" in out
    assert_same_losses(root / "mnist_single", root / "mnist_mirrored")
    assert ", (4, " in samples_in_a_fresh_process(root / "mnist_mirrored" / "export")


def test_the_selection_tool_compares_on_two_workers_and_the_chief_writes_the_report(runs):
    root, results, _ = runs
    for worker in range(2):
        code, out, err = results[f"select{worker}"]
        assert code == 0, err[-3000:]
    board = (root / "select" / "leaderboard.md").read_text()
    assert "wgan_gp" in board and "lsgan" in board and (root / "select" / "report.md").exists()
    assert "Leaderboard files" in results["select0"][1] and "Leaderboard files" not in results["select1"][1]


def test_a_peer_that_never_starts_is_one_sentence_in_bounded_time(runs):
    root, results, facts = runs
    code, out, err = results["lonely"]
    line = one_line(err)
    assert code == 1 and line.startswith(f"error: worker 1 (127.0.0.1:{facts['lonely_port']}) did not join the "
                                         f"cluster (waited up to 8 s): start its command with the same TF_CONFIG")
    assert facts["lonely_seconds"] < 300 and not os.path.exists(root / "lonely" / "checkpoints")


def test_the_same_commands_resume_and_a_worker_that_dies_is_one_sentence(runs):
    """The finished toy cluster, run again for longer: both workers resume from the chief's checkpoint at 2; then
    worker 1 is killed: worker 0 says so in one sentence, naming the chief's last checkpoint, which is intact."""
    root, results, _ = runs
    run, ports = root / "toy_cluster", free_ports(2)
    argv = SMOKE + ["--iterations=2000"]  # (the same run: only its length changes)
    workers = [start("toy", run, *argv, worker=i, ports=ports, peer_timeout=20) for i in range(2)]
    deadline = time.monotonic() + 240
    while checkpoints.latest(str(run)).endswith("-2") and time.monotonic() < deadline:
        time.sleep(0.2)
    workers[1].send_signal(signal.SIGKILL)
    code, out, err = finish(workers[0], timeout=180)
    finish(workers[1])
    assert "Resuming toy from generator iteration 2 " in out
    line = one_line(err)
    assert code == 1 and line.startswith(f"error: worker 1 (127.0.0.1:{ports[1]}) stopped responding"), line
    latest = checkpoints.latest(str(run))
    assert f"the chief's last checkpoint, {latest}, is intact" in line and not latest.endswith("-2")
    restored = tf.train.load_checkpoint(latest)  # intact: every variable reads back
    assert all(np.all(np.isfinite(restored.get_tensor(key))) for key in restored.get_variable_to_shape_map()
               if restored.get_variable_to_dtype_map()[key].is_floating)
