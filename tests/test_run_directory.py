"""A run directory nothing can corrupt: identity guard, lock, checkpoint fallback, clean stops, atomic export."""
import glob
import hashlib
import json
import os
import signal

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import checkpoints, run_directory
from tfgan_gp.training import Interrupted

from helpers import toy_recipe


def config(logdir, iterations=4, **changes):
    settings = dict(eval_every=2, batch_size=4, precision="float32", seed=3)
    return tg.TrainConfig(logdir=str(logdir), iterations=iterations, **{**settings, **changes})


def recipe(**changes):
    """The toy recipe these runs train: two critic steps per generator step."""
    return toy_recipe(**{"n_critic": 2, **changes})


def snapshot(logdir):
    """``{relative path: sha256}`` of every file in the run directory except the lock."""
    found = {}
    for path in glob.glob(os.path.join(logdir, "**", "*"), recursive=True):
        if os.path.isfile(path) and os.path.basename(path) != run_directory.LOCK_FILE:
            found[os.path.relpath(path, logdir)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return found


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A run trained to iteration 4 with its export; tests copy it before changing anything."""
    logdir = tmp_path_factory.mktemp("finished")
    tg.train(recipe(), config(logdir))
    return logdir


def copy_of(run, tmp_path):
    import shutil
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


@pytest.mark.parametrize("recipe_changes, config_changes, named", [
    (dict(width=32), {}, "gan.generator_kwargs.width 16 -> 32"),
    (dict(n_critic=3), {}, "gan.n_critic 2 -> 3"),
    (dict(loss="hinge"), {}, "gan.loss 'wasserstein' -> 'hinge'"),
    (dict(optimizer=tg.Optimizer(learning_rate=2e-3, beta_1=0.5, beta_2=0.9)), {},
     "gan.optimizer.learning_rate 0.001 -> 0.002"),
    ({}, dict(batch_size=8), "train.batch_size 4 -> 8"),
    ({}, dict(seed=4), "train.seed 3 -> 4"),
])
def test_a_rerun_with_other_settings_is_refused_and_changes_nothing(finished_run, tmp_path, recipe_changes,
                                                                   config_changes, named):
    run = copy_of(finished_run, tmp_path)
    before = snapshot(run)
    with pytest.raises(run_directory.RunDirectoryError) as err:
        tg.train(recipe(**recipe_changes), config(run, iterations=6, **config_changes))
    message = str(err.value)
    assert named in message and "\n" not in message and "new log directory" in message
    assert snapshot(run) == before


def test_a_rerun_may_lengthen_the_run_and_re_exports(finished_run, tmp_path):
    run = copy_of(finished_run, tmp_path)
    gan = tg.train(recipe(), config(run, iterations=6, precision="auto"))   # length and precision may change
    assert gan.iteration == 6 and checkpoints.latest(run).endswith("-6")
    assert json.load(open(run / "export" / "metadata.json"))["iteration"] == 6


def test_a_second_process_in_the_same_directory_is_refused(finished_run, tmp_path):
    run = copy_of(finished_run, tmp_path)
    before = snapshot(run)
    with run_directory.lock(run):   # another open of the lock file: as another process would hold it
        with pytest.raises(run_directory.RunDirectoryError, match=r"process \d+ is training in .*another log"):
            tg.train(recipe(), config(run, iterations=6))
    assert snapshot(run) == before


def test_a_finished_run_re_exports_a_missing_export(finished_run, tmp_path, capsys):
    run = copy_of(finished_run, tmp_path)
    import shutil
    shutil.rmtree(run / "export")
    tg.train(recipe(), config(run))
    assert "already trained" in capsys.readouterr().out
    assert json.load(open(run / "export" / "metadata.json"))["iteration"] == 4
    stamp = os.path.getmtime(run / "export" / "saved_model.pb")
    tg.train(recipe(), config(run))          # up to date: left alone
    assert os.path.getmtime(run / "export" / "saved_model.pb") == stamp


def test_an_export_that_fails_midway_leaves_the_old_one(finished_run, tmp_path, monkeypatch):
    run = copy_of(finished_run, tmp_path)
    before = snapshot(run / "export")
    from tfgan_gp.serving import writers

    def disk_full(info, path):
        open(os.path.join(path, "saved_model.pb"), "wb").write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "saved_model", disk_full)
    with pytest.raises(OSError, match="No space left"):
        tg.serving.export_run(str(run), str(run / "export"), overwrite=True)
    assert snapshot(run / "export") == before
    assert not [p for p in os.listdir(run) if ".partial-" in p]


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(finished_run, tmp_path, capsys):
    run = copy_of(finished_run, tmp_path)
    (data,) = glob.glob(str(run / "checkpoints" / "ckpt-4.data-*"))
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 2)
    gan = tg.train(recipe(), config(run, iterations=6))
    err = capsys.readouterr().err
    assert "ckpt-4 is damaged" in err and "ckpt-2 instead" in err
    assert gan.iteration == 6


def test_an_export_from_a_damaged_newest_checkpoint_names_the_one_it_restored(finished_run, tmp_path):
    run = copy_of(finished_run, tmp_path)
    (data,) = glob.glob(str(run / "checkpoints" / "ckpt-4.data-*"))
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 2)
    meta = tg.serving.export_run(str(run), str(tmp_path / "out"))
    assert meta["iteration"] == 2 and meta["checkpoint"].endswith("ckpt-2")
    assert tg.serving.exported_iteration(str(tmp_path / "out")) == 2   # so training sees the export as stale


def test_a_lost_checkpoint_state_file_does_not_restart_from_zero(finished_run, tmp_path, capsys):
    run = copy_of(finished_run, tmp_path)
    os.remove(run / "checkpoints" / "checkpoint")
    tg.train(recipe(), config(run, iterations=6))
    assert "Resuming toy_test from generator iteration 4" in capsys.readouterr().out
    assert checkpoints.latest(run).endswith("-6")


class SignalAt(keras.callbacks.Callback):
    """Sends this process ``signum`` once, after generator iteration ``iteration``."""

    def __init__(self, iteration, signum):
        super().__init__()
        self.iteration, self.signum, self.sent = iteration, signum, False

    def on_train_batch_end(self, batch, logs=None):
        if self.model.iteration == self.iteration and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self.signum)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_saves_the_current_iteration_and_the_resumed_run_is_exact(tmp_path, signum, deterministic_ops):
    whole = tg.train(recipe(), config(tmp_path / "whole", iterations=6))
    stopped = tmp_path / "stopped"
    with pytest.raises(Interrupted, match=rf"Stopped by {signum.name} at generator iteration 3; checkpoint "
                                          rf".*ckpt-3 saved") as stop:
        tg.train(recipe(callbacks=lambda gan, logdir: [SignalAt(3, signum)]), config(stopped, iterations=6))
    assert stop.value.signal == signum and signal.getsignal(signum) is not None
    assert checkpoints.latest(stopped).endswith("-3") and not (stopped / "export").exists()
    resumed = tg.train(recipe(), config(stopped, iterations=6))
    assert resumed.iteration == 6
    for a, b in zip(whole.generator.weights + whole.critic.weights,
                    resumed.generator.weights + resumed.critic.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # TensorBoard scalars are stepped by generator iteration across both processes: no step written twice
    steps = {}
    for path in glob.glob(str(stopped / "train" / "events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                steps.setdefault(value.tag, []).append(event.step)
    assert sorted(steps["epoch_d_loss"]) == [2, 3, 4, 6]           # epoch ends, plus the stop at 3
    assert len(steps["batch_d_loss"]) == len(set(steps["batch_d_loss"]))


def test_fit_stops_on_nan_data_with_one_sentence():
    gan = tg.GAN(tg.architectures.mlp.generator(2, 2, width=8, depth=1), tg.architectures.mlp.critic(2, width=8,
                                                                                                     depth=1),
                 latent_dim=2)
    gan.compile()
    bad = tf.data.Dataset.from_tensors(tf.fill((10, 2), float("nan"))).repeat()
    with pytest.raises(FloatingPointError, match=r"^Training stopped at generator iteration 1: \w+ is nan\. "):
        gan.fit(bad, steps_per_epoch=3, epochs=1, verbose=0)
    assert gan.iteration == 1


FIRST_FORMAT_RUN = os.path.join(os.path.dirname(__file__), "fixtures", "first_format_run")
"""A toy run to generator iteration 4 written by the code before the typed run record (commit 2c1c520): its
``run_config.json`` holds every training setting under ``train`` (``lambda_gp``, ``n_critic``...) and no optimizer."""


def test_a_run_of_the_first_record_format_still_exports_refuses_other_settings_and_resumes(tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(FIRST_FORMAT_RUN, run)
    finished = tg.train(recipe(), config(run))  # already at iteration 4: restores, exports, trains nothing
    stored = tf.train.load_checkpoint(str(run / "checkpoints" / "ckpt-4"))
    first_weight = stored.get_tensor("g_optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE")
    assert finished.iteration == 4
    np.testing.assert_array_equal(finished.generator.trainable_variables[0].numpy(), first_weight)
    assert json.load(open(run / "export" / "metadata.json"))["iteration"] == 4
    with pytest.raises(run_directory.RunDirectoryError, match=r"gan.penalty_weight 10.0 -> 1.0"):
        tg.train(recipe(penalty_weight=1.0), config(run, iterations=6))
    gan = tg.train(recipe(), config(run, iterations=6))
    assert gan.iteration == 6 and checkpoints.latest(str(run)).endswith("-6")
    record = json.load(open(run / run_directory.CONFIG_FILE))  # rewritten in today's format
    assert record["format"] == run_directory.FORMAT and record["gan"]["n_critic"] == 2
