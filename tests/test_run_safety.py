"""What a run directory and an export survive: a full disk, failed and killed starts, another model's checkpoints,
an export already in place, an ``--out`` that cannot be written, loss scaling's counters and the umask."""
import glob
import json
import os
import shutil
import socket
import stat

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

import tfgan_gp as tg
from export import __main__ as export_tool
from recipes import toy
from tfgan_gp import checkpoints, run_directory
from tfgan_gp.serving import exporter, writers

from helpers import run_in_process, toy_recipe


def config(logdir, iterations=2, **changes):
    return tg.TrainConfig(logdir=str(logdir), iterations=iterations, **{**dict(
        eval_every=2, batch_size=4, precision="float32", seed=3), **changes})


def recipe(**changes):
    return toy_recipe(**{"width": 8, "depth": 1, **changes})


def files(root):
    """``{relative path: bytes}`` of every file under ``root``."""
    return {os.path.relpath(p, root): open(p, "rb").read()
            for p in glob.glob(os.path.join(root, "**", "*"), recursive=True) + glob.glob(os.path.join(root, ".*"))
            if os.path.isfile(p)}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A toy run trained to generator iteration 2 with its export; tests copy it before changing anything."""
    logdir = tmp_path_factory.mktemp("finished") / "run"
    tg.train(recipe(), config(logdir))
    return logdir


def copy_of(run, tmp_path):
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


def export_cli(*argv):
    """The export tool in this process: its exit message (``None`` when it succeeded)."""
    flag_values = flags.FlagValues()
    export_tool.define_flags(flag_values)
    flag_values(["export", *argv])
    try:
        export_tool.main([], flag_values)
    except SystemExit as stop:
        return stop.code
    return None


# ------------------------------------------------------------------ the export's iteration under loss scaling
@pytest.mark.filterwarnings("ignore:precision=mixed_float16 without a GPU")
def test_a_mixed_float16_export_records_the_generator_iteration(tmp_path):
    """The LossScaleOptimizer's own counter never moves; the export reads the inner optimizer's."""
    tg.train(recipe(), config(tmp_path, precision="mixed_float16"))
    reader = tf.train.load_checkpoint(checkpoints.latest(tmp_path))
    assert any(k.startswith("g_optimizer/inner_optimizer/") for k in reader.get_variable_to_shape_map())
    assert json.load(open(tmp_path / "export" / "metadata.json"))["iteration"] == 2


# ------------------------------------------------------------------ an export already at the destination
def test_an_export_is_not_replaced_without_overwrite(finished, tmp_path, capsys):
    out = tmp_path / "out"
    assert export_cli(f"--checkpoint={finished}", f"--out={out}") is None
    before = files(out)
    message = export_cli(f"--checkpoint={finished}", f"--out={out}")
    assert message == (f"export: {out} already holds an export (of run {finished}, generator iteration 2, exported "
                       f"{json.loads(before['metadata.json'])['exported_at']}): pass overwrite=True (--overwrite) to "
                       f"replace it, or give another path. Received: path='{out}'")
    with pytest.raises(ValueError, match=r"already holds an export \(of run .*, generator iteration 2"):
        tg.serving.export_run(str(finished), str(out))
    assert files(out) == before
    assert export_cli(f"--checkpoint={finished}", f"--out={out}", "--overwrite") is None
    assert json.load(open(out / "metadata.json"))["exported_at"] >= json.loads(before["metadata.json"])["exported_at"]
    assert "generator iteration 2" in capsys.readouterr().out


def test_a_folder_of_other_files_is_never_replaced(finished, tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"mine")
    message = export_cli(f"--checkpoint={finished}", f"--out={tmp_path / 'photos'}", "--overwrite")
    assert "is a folder of other files, not an export" in message
    assert files(tmp_path / "photos") == {"holiday.jpg": b"mine"}


def test_the_run_replaces_its_own_export(finished, tmp_path):
    run = copy_of(finished, tmp_path)
    tg.train(recipe(), config(run, iterations=4))  # LOGDIR/export holds the export at 2: the run owns it
    assert json.load(open(run / "export" / "metadata.json"))["iteration"] == 4


# ------------------------------------------------------------------ an --out that cannot be written
@pytest.mark.parametrize("where, message", [
    ("under_a_file", "export: The export path lies under the file {tmp}/a_file; give a directory path"),
    ("in_proc", "export: Cannot write the export to /proc/tfgan_gp_test/out (No such file or directory"),
])
def test_an_out_that_cannot_be_written_is_one_sentence(finished, tmp_path, where, message):
    (tmp_path / "a_file").write_text("mine")
    out = {"under_a_file": tmp_path / "a_file" / "sub" / "out", "in_proc": "/proc/tfgan_gp_test/out"}[where]
    text = export_cli(f"--checkpoint={finished}", f"--out={out}")
    assert text.startswith(message.format(tmp=tmp_path)) and "\n" not in text, text
    assert files(tmp_path) == {"a_file": b"mine"} and not os.path.exists("/proc/tfgan_gp_test")


def test_an_export_that_fails_removes_the_folders_it_made(finished, tmp_path, monkeypatch):
    def disk_full(info, path):
        open(os.path.join(path, "saved_model.pb"), "wb").write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "saved_model", disk_full)
    text = export_cli(f"--checkpoint={finished}", f"--out={tmp_path / 'new' / 'deeper' / 'out'}")
    assert text.startswith(f"export: Cannot write the export to {tmp_path}/new/deeper/out (No space left on device)")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ a full disk while checkpointing
def test_a_full_disk_while_checkpointing_is_one_sentence_and_the_run_resumes(tmp_path, capsys, monkeypatch):
    save = tf.train.CheckpointManager.save

    def disk_full_at_2(manager, checkpoint_number=None, **kwargs):
        if checkpoint_number == 2:  # what SaveV2 leaves: a half-written shard in the temporary folder
            os.makedirs(os.path.join(manager.directory, "ckpt-2_temp"))
            open(os.path.join(manager.directory, "ckpt-2_temp", "part-00000-of-00001.data-00000-of-00001"),
                 "wb").write(b"half")
            raise tf.errors.ResourceExhaustedError(None, None, f"{manager.directory}/ckpt-2_temp/part-00000-of-00001"
                                                               f".data-00000-of-00001; No space left on device "
                                                               f"[Op:SaveV2]")
        return save(manager, checkpoint_number=checkpoint_number, **kwargs)

    monkeypatch.setattr(tf.train.CheckpointManager, "save", disk_full_at_2)
    with pytest.raises(SystemExit) as stop:
        run_in_process(toy, tmp_path, "--smoke")   # 2 iterations, a checkpoint after each
    lines = capsys.readouterr().err.strip().splitlines()
    directory = tmp_path / "checkpoints"
    assert stop.value.code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: Cannot save checkpoint {directory}/ckpt-2 (No space left on device; the last "
                               f"one took ")
    assert f" free); the last good checkpoint, {directory}/ckpt-1, is intact: free space and run the same command " \
           f"again to resume from it." in lines[0]
    assert sorted(os.listdir(directory)) == ["checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"]

    monkeypatch.setattr(tf.train.CheckpointManager, "save", save)   # space freed
    output = run_in_process(toy, tmp_path, "--smoke", capsys=capsys)
    assert "Resuming toy from generator iteration 1" in output
    assert checkpoints.latest(tmp_path).endswith("-2")


# ------------------------------------------------------------------ checkpoints of another model
def test_checkpoints_of_another_model_are_not_called_damaged(finished, tmp_path):
    run = copy_of(finished, tmp_path)
    os.remove(run / run_directory.CONFIG_FILE)
    before = files(run)
    with pytest.raises(ValueError) as err:
        tg.train(recipe(width=16), config(run, iterations=4))
    message = str(err.value)
    assert message.startswith(f"The checkpoints in {run}/checkpoints are intact but hold a different model "
                              f"(generator/hidden_0/kernel (2, 8) stored, (2, 16) now; ")
    assert "new log directory (--logdir) for a new model" in message and "damaged" not in message
    assert files(run) == before

    (run / run_directory.CONFIG_FILE).write_text(json.dumps(
        run_directory.RunRecord(recipe="toy_test", gan=recipe(width=16).gan, train=config(run)).to_json()))
    with pytest.raises(ValueError, match=r"hold a different model \(generator/hidden_0/kernel \(2, 8\) stored, "
                                         r"\(2, 16\) now; "):
        tg.serving.export_run(str(run), str(tmp_path / "out"))


# ------------------------------------------------------------------ a loss that is not finite at once
def test_a_non_finite_penalty_weight_is_refused_by_the_spec_and_the_recipe(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"^penalty_weight must be a finite number >= 0\. Received: "
                                         r"penalty_weight=inf$"):
        tg.GANSpec(penalty_weight=float("inf"))
    with pytest.raises(SystemExit):
        run_in_process(toy, tmp_path / "run", "--smoke", "--lambda_gp=inf")
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: penalty_weight must be a finite number >= 0. Received: penalty_weight=inf"]
    assert not (tmp_path / "run").exists()


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
@pytest.mark.parametrize("existing", [False, True])
def test_a_first_run_whose_loss_is_not_finite_at_once_names_the_settings_and_leaves_no_trace(tmp_path, existing):
    """1e39 is a finite float, but infinite in float32: the loss is not finite from the first step."""
    logdir = tmp_path / "run"
    if existing:
        logdir.mkdir()
    with pytest.raises(FloatingPointError) as err:
        tg.train(recipe(penalty_weight=1e39), config(logdir))
    message = str(err.value)
    assert message.startswith("Training stopped at generator iteration 1: d_loss is ")
    assert "not finite from the first step, so a setting makes it so at once: a loss weight that is huge or not " \
           "finite (penalty_weight" in message and "No checkpoint was saved" in message
    assert os.listdir(logdir) == [] if existing else not logdir.exists()
    assert tg.train(recipe(penalty_weight=1.0), config(logdir)).iteration == 2   # the corrected command


# ------------------------------------------------------------------ leftovers of failed and killed starts
def test_a_failed_start_leaves_no_lock_and_no_directory_it_created(tmp_path):
    def unreadable():
        raise ValueError("data.npz is damaged. Received: data_dir='data.npz'")

    bad = tg.Recipe(name="toy_test", gan=recipe().gan, data=unreadable)
    with pytest.raises(ValueError, match="data.npz is damaged"):
        tg.train(bad, config(tmp_path / "new"))
    assert not (tmp_path / "new").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("kept")
    with pytest.raises(ValueError, match="data.npz is damaged"):
        tg.train(bad, config(tmp_path / "mine"))
    assert os.listdir(tmp_path / "mine") == ["notes.txt"]


def test_a_finished_run_leaves_no_lock_file(finished):
    assert not os.path.exists(finished / run_directory.LOCK_FILE)


def test_a_start_that_opened_a_lock_file_being_removed_locks_the_new_one(tmp_path):
    path = tmp_path / run_directory.LOCK_FILE
    with run_directory.lock(tmp_path):
        late = open(path, "a+")   # a start that opened the file just before the holder removes it
    assert not path.exists()
    with run_directory.lock(tmp_path):
        assert not run_directory._is_at(late, str(path))   # what `lock` checks before it trusts a lock
        with pytest.raises(run_directory.RunDirectoryError, match=r"process \d+ is training in"):
            with run_directory.lock(tmp_path):
                pass
    late.close()


def test_the_next_export_removes_what_killed_exports_left(finished, tmp_path):
    run = copy_of(finished, tmp_path)
    out = run / "export"
    pid = os.fork()
    if pid == 0:  # an export killed midway: it made its folder beside the destination and is gone
        try:
            import tempfile
            tempfile.mkdtemp(prefix=exporter._aside_prefix(str(out), "partial"), dir=str(run))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    live = run / f".export.partial-{os.getpid()}@{socket.gethostname()}-live"  # an export of this process
    live.mkdir()
    other_host = run / f".export.partial-{pid}@another-host-x"  # maybe alive: its host is not this one
    other_host.mkdir()
    assert len(glob.glob(str(run / ".export.partial-*"))) == 3
    tg.serving.export_run(str(run), str(out), overwrite=True)
    assert sorted(glob.glob(str(run / ".export.partial-*"))) == sorted([str(live), str(other_host)])


def test_checkpoints_rotate_after_the_state_file_is_rebuilt(tmp_path):
    tg.train(recipe(), config(tmp_path, iterations=5, eval_every=1, export=False))
    assert [os.path.basename(p) for p in checkpoints.saved(tmp_path)] == ["ckpt-3", "ckpt-4", "ckpt-5"]
    os.remove(tmp_path / "checkpoints" / "checkpoint")
    tg.train(recipe(), config(tmp_path, iterations=8, eval_every=1, export=False))
    assert [os.path.basename(p) for p in checkpoints.saved(tmp_path)] == ["ckpt-6", "ckpt-7", "ckpt-8"]


# ------------------------------------------------------------------ permissions follow the umask
@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_the_record_and_the_export_are_readable_as_the_umask_allows(tmp_path, mask):
    previous = os.umask(mask)
    try:
        run_directory.RunRecord(recipe="toy", gan=recipe().gan, train=config(tmp_path)).save(str(tmp_path))
        z = keras.Input((2,))
        tg.serving.export_generator(keras.Model(z, keras.layers.Dense(2)(z)), tmp_path / "export")
    finally:
        os.umask(previous)

    def mode(path):
        return stat.S_IMODE(os.stat(path).st_mode)
    assert mode(tmp_path / run_directory.CONFIG_FILE) == 0o666 & ~mask
    assert mode(tmp_path / "export") == 0o777 & ~mask
    assert mode(tmp_path / "export" / "metadata.json") == 0o666 & ~mask
    assert np.all([mode(p) & ~mask == mode(p) for p in glob.glob(str(tmp_path / "export" / "**"), recursive=True)])


def test_train_names_the_types_it_takes():
    """Item 11: settings passed as a dict were an ``AttributeError``; now one sentence naming ``tg.TrainConfig``."""
    with pytest.raises(ValueError, match=r"train takes its settings as a tfgan_gp\.TrainConfig .*Received: config of "
                                         r"type dict"):
        tg.train(toy_recipe(), dict(logdir=None, iterations=2))
    with pytest.raises(ValueError, match=r"train takes a tfgan_gp\.Recipe .*Received: recipe of type dict"):
        tg.train(dict(name="toy"), tg.TrainConfig(logdir=None, iterations=2))
