"""Every user mistake is one sentence naming the flag or file, exit code 1, and nothing already written changes.

The recipes run in-process (``entry.run_main``, what ``python -m recipes.<name>`` calls after parsing
its flags) so that the table stays fast; the subprocess path is covered in test_training.py.
"""
import hashlib
import json
import os
import shutil

import numpy as np
import pytest
from absl import flags

import tfgan_gp as tg
from recipes import cifar_resnet, entry, mnist, toy
from tfgan_gp.data import load_images

FIRST_FORMAT = os.path.join(os.path.dirname(__file__), "fixtures", "first_format")
"""``run_config.json`` as the previous version wrote it (``python -m recipes.<name> --smoke``, commit 2c1c520)."""

CIFAR_FAST = ["--precision=float32", "--dim=8", "--iterations=2", "--eval_every=2", "--batch_size=4",
              "--eval_samples=10", "--inception_weights=/nonexistent/inception.h5"]


def run(module, argv, capsys):
    """``(exit code, stderr lines)`` of one recipe run in this process."""
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    rest = flag_values(["recipe", *argv])   # the program and the arguments that are not flags, as app.run passes
    code = 0
    try:
        entry.run_main(module.main, rest, flag_values)
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err.strip().splitlines()


def snapshot(root):
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name != ".lock":
                path = os.path.join(folder, name)
                found[os.path.relpath(path, root)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return found


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Bad (and one good) local datasets."""
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    (root / "empty").mkdir()
    (root / "junk.npz").write_bytes(rng.bytes(512))
    np.savez(root / "good.npz", images=rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8))
    (root / "truncated.npz").write_bytes((root / "good.npz").read_bytes()[:200])
    nan = rng.uniform(0, 1, (8, 32, 32, 3)).astype(np.float32)
    nan[3, 1, 1, 0] = np.nan
    np.save(root / "nan.npy", nan)
    np.save(root / "unknown_range.npy", rng.uniform(-3, 2, (8, 32, 32, 3)).astype(np.float32))
    np.savez(root / "labels.npz", images=rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8),
             labels=np.arange(8) + 5)                      # 5..12: not all in [0, 10)
    (root / "a_file").write_text("not a directory")
    from PIL import Image
    (root / "pictures").mkdir()
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(root / "pictures" / f"{i}.png")
    whole = (root / "pictures" / "2.png").read_bytes()
    (root / "pictures" / "2.png").write_bytes(whole[:len(whole) // 2])      # cut short
    return root


@pytest.mark.parametrize("case, argv, names", [
    ("missing data dir", ["--data_dir={root}/nowhere"], "{root}/nowhere: no such file"),
    ("missing npz", ["--data_dir={root}/missing.npz"], "{root}/missing.npz: no such file"),
    ("empty folder", ["--data_dir={root}/empty"], "{root}/empty holds no images"),
    ("random bytes", ["--data_dir={root}/junk.npz"], "{root}/junk.npz is not a numpy .npy/.npz file"),
    ("truncated npz", ["--data_dir={root}/truncated.npz"], "{root}/truncated.npz is damaged"),
    ("NaN pixels", ["--data_dir={root}/nan.npy"], "{root}/nan.npy holds 1 NaN or infinite pixel values"),
    ("unknown value range", ["--data_dir={root}/unknown_range.npy"], "pass value_range"),
    ("labels out of range", ["--data_dir={root}/labels.npz", "--conditional"], "labels from 5 to 12"),
    ("logdir is a file", ["--logdir={root}/a_file"], "{root}/a_file is a file"),
    ("truncated PNG", ["--data_dir={root}/pictures"], "Cannot read image {root}/pictures/2.png: it is damaged"),
    ("multi_worker without TF_CONFIG", ["--distribute=multi_worker"], "needs the TF_CONFIG"),
])
def test_bad_input_is_one_sentence_and_writes_nothing(case, argv, names, files, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    argv = [a.format(root=files) for a in argv]
    if not any(a.startswith("--logdir") for a in argv):
        argv.append(f"--logdir={tmp_path / 'run'}")
    before = snapshot(files)
    code, lines = run(cifar_resnet, CIFAR_FAST + argv, capsys)
    assert code == 1, (case, lines)
    assert len(lines) == 1 and lines[0].startswith("error: "), (case, lines)
    assert names.format(root=files) in lines[0], (case, lines)
    assert snapshot(files) == before
    assert not (tmp_path / "run" / "run_config.json").exists()   # a failed start leaves no run behind


@pytest.mark.parametrize("argv, message", [
    (["--loss=nope"], "loss must be one of"),
    (["--loss=f_gan:nonsense"], "loss must be one of"),
    (["--penalty=lipschitz"], "penalty must be one of"),
    (["--penalty=gp+gp"], "penalty must name each part of a combination once"),
    (["--penalty_weight=-1"], "penalty_weight must be a number >= 0. Received: penalty_weight=-1.0"),
    (["--lambda_gp=-1"], "penalty_weight must be a number >= 0. Received: penalty_weight=-1.0"),
    (["--n_critic=0"], "n_critic must be an integer >= 1. Received: n_critic=0"),
    (["--iterations=10", "--eval_every=3"], "iterations must be a multiple of eval_every (each Keras epoch is "
                                            "eval_every iterations). Received: iterations=10, eval_every=3"),
    (["--iterations=0"], "iterations must be an integer >= 1. Received: iterations=0"),
    ([f"--iterations={10 ** 22}"], f"iterations must be at most 2**62 (the iteration counters are int64). "
                                   f"Received: iterations={10 ** 22}"),
    (["--rehearsal"], "--smoke and --rehearsal exclude each other"),
    (["iterations=5"], "A recipe takes flags only, not the argument 'iterations=5' (a flag is written "
                       "--iterations=...). Received: iterations=5"),
    (["--iterations=2", "--", "--dim=4"], "not the argument '--dim=4'"),
    (["--eval_every=-1"], "eval_every must be an integer >= 1. Received: eval_every=-1"),
    (["--batch_size=0"], "batch_size must be an integer >= 1. Received: batch_size=0"),
    (["--seed=-2"], "seed must be an integer >= 0. Received: seed=-2"),
    (["--ema_decay=1"], "ema_decay must be in [0, 1)"),
    (["--ema_start=-1"], "ema_start must be an integer >= 0"),
    (["--sample_from=ema"], "sample_from='ema' needs the averaged generator"),
    (["--augment_policy=zoom"], "Received: augment_policy='zoom'"),
])
def test_a_bad_setting_is_one_sentence_naming_it_and_writes_nothing(argv, message, tmp_path, capsys):
    """The configs check every setting once, before anything is written; their sentence names the flag. So are
    an argument that is not a flag, and --smoke with --rehearsal (before: ignored, and a silent mix of both)."""
    for module in (mnist, toy):
        code, lines = run(module, ["--smoke", f"--logdir={tmp_path / 'run'}", *argv], capsys)
        assert code == 1 and len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
        assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv, message", [
    (["--learning_rate=0"], "learning_rate must be a number > 0. Received: learning_rate=0.0"),
    (["--generator_batch_multiple=0"], "generator_batch_multiple must be an integer >= 1"),
])
def test_a_recipes_own_setting_is_checked_by_the_spec_too(argv, message, tmp_path, capsys):
    code, lines = run(cifar_resnet, CIFAR_FAST + [f"--logdir={tmp_path / 'run'}", *argv], capsys)
    assert code == 1 and len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "run").exists()


def test_tf_config_that_is_not_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{cluster: oops")
    code, lines = run(cifar_resnet, CIFAR_FAST + [f"--logdir={tmp_path}", "--distribute=multi_worker"], capsys)
    assert code == 1 and len(lines) == 1 and "TF_CONFIG is not valid JSON" in lines[0], lines


@pytest.fixture(scope="module")
def finished_mnist(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("mnist")
    flag_values = flags.FlagValues()
    mnist.define_flags(flag_values)
    flag_values(["mnist", f"--logdir={logdir}", "--smoke", "--precision=float32", "--iterations=2"])
    mnist.main([], flag_values)
    return logdir


@pytest.mark.parametrize("argv, names", [
    (["--dim=16"], "gan.generator_kwargs.dim 8 -> 16"),
    (["--n_critic=2"], "gan.n_critic 5 -> 2"),
    (["--penalty_weight=1"], "gan.penalty_weight 10.0 -> 1.0"),
    (["--num_train=10"], "--num_train 1000 -> 10"),
    (["--smoke=false", "--dim=8", "--data_dir=/nonexistent"], "/nonexistent: no such file"),
])
def test_a_rerun_that_differs_is_refused_and_the_run_is_untouched(argv, names, finished_mnist, capsys):
    before = snapshot(finished_mnist)
    code, lines = run(mnist, [f"--logdir={finished_mnist}", "--smoke", "--precision=float32", "--iterations=4",
                              *argv], capsys)
    assert code == 1 and len(lines) == 1 and names in lines[0], lines
    assert snapshot(finished_mnist) == before


def test_the_same_command_continues_the_run(finished_mnist, capsys, tmp_path):
    import shutil
    run_dir = tmp_path / "copy"
    shutil.copytree(finished_mnist, run_dir)
    code, _ = run(mnist, [f"--logdir={run_dir}", "--smoke", "--precision=float32", "--iterations=4"], capsys)
    assert code == 0 and tg.checkpoints.latest(run_dir).endswith("-4")


def first_format_run(finished, recipe, tmp_path):
    """A copy of the run directory ``finished`` whose record is the previous version's (its first format, with
    "flags" and "train": {..., "lambda_gp": ...}) for the same command."""
    run_dir = tmp_path / "first_format"
    shutil.copytree(finished, run_dir)
    shutil.rmtree(run_dir / "export")
    shutil.copy(os.path.join(FIRST_FORMAT, f"{recipe}.json"), run_dir / "run_config.json")
    return run_dir


@pytest.fixture(scope="module")
def finished_toy(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("toy")
    flag_values = flags.FlagValues()
    toy.define_flags(flag_values)
    flag_values(["toy", f"--logdir={logdir}", "--smoke"])
    toy.main([], flag_values)
    return logdir


@pytest.mark.parametrize("module, other_run, names", [
    (mnist, ["--num_train=10"], "--num_train 1000 -> 10"),
    (toy, ["--dataset=swissroll"], "--dataset '8gaussians' -> 'swissroll'"),
])
def test_a_run_of_the_previous_version_resumes_with_the_same_command_and_exports(
        module, other_run, names, finished_mnist, finished_toy, capsys, tmp_path):
    name = module.__name__.split(".")[-1]
    old = json.load(open(os.path.join(FIRST_FORMAT, f"{name}.json")))
    assert "format" not in old and "lambda_gp" in old["train"]
    run_dir = first_format_run(finished_mnist if module is mnist else finished_toy, name, tmp_path)
    start = old["train"]["iterations"]
    assert tg.checkpoints.latest(run_dir).endswith(f"-{start}")
    command = [f"--logdir={run_dir}", "--smoke", "--precision=float32"]

    for argv, differ in ((other_run, names), (["--lambda_gp=0.5"], f"gan.penalty_weight {old['train']['lambda_gp']} "
                                                                   f"-> 0.5")):
        code, lines = run(module, command + argv, capsys)   # another run: refused, naming the old record's setting
        assert code == 1 and len(lines) == 1 and differ in lines[0], lines

    code, _ = run(module, command + [f"--iterations={2 * start}"], capsys)
    assert code == 0 and tg.checkpoints.latest(run_dir).endswith(f"-{2 * start}")
    record = json.load(open(run_dir / "run_config.json"))
    assert record["format"] == 2 and record["settings"] == old["flags"]
    assert record["gan"]["penalty_weight"] == old["train"]["lambda_gp"]
    assert json.load(open(run_dir / "export" / "metadata.json"))["iteration"] == 2 * start


def test_export_to_a_path_that_is_a_file(finished_mnist, tmp_path):
    target = tmp_path / "taken"
    target.write_text("mine")
    with pytest.raises(ValueError, match=r"The export path is a file.*Received: path="):
        tg.serving.export_run(str(finished_mnist), str(target))
    assert target.read_text() == "mine"


def test_python_api_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^/nonexistent: no such file or directory"):
        load_images("/nonexistent")
    gan = tg.GAN(tg.architectures.mlp.generator(2, 2, width=8, depth=1),
                 tg.architectures.mlp.critic(2, width=8, depth=1), latent_dim=2)
    for bad in (-1, 0, 2.5):
        with pytest.raises(ValueError, match=rf"n must be a positive integer.*Received: n={bad}"):
            gan.sample(bad)
    assert gan.sample(np.int64(3)).shape == (3, 2)
    ds = tg.data.for_gan(tg.data.toy.dataset("8gaussians"), batch_size=np.int64(4), n_critic=np.int32(2),
                         shuffle_buffer=None)
    assert next(iter(ds)).shape == (8, 2)


def test_reduced_precision_that_would_be_slow_here_warns_once(monkeypatch, tmp_path):
    import warnings

    from tfgan_gp import precision

    monkeypatch.setattr(precision, "_gpu_capability", lambda: None)
    monkeypatch.setattr(precision, "native_bf16_cpu", lambda: False)
    monkeypatch.setattr(precision, "_logged", set())
    monkeypatch.setenv("TFGAN_GP_CACHE", str(tmp_path))           # nothing measured on this "machine" yet
    with pytest.warns(UserWarning, match=r"mixed_bfloat16 on a CPU without native bfloat16: about 9x slower"):
        precision.set_precision("mixed_bfloat16")
    with pytest.warns(UserWarning, match=r"mixed_float16 without a GPU"):
        precision.set_precision("mixed_float16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        precision.set_precision("mixed_float16")          # once per process
        monkeypatch.setattr(precision, "native_bf16_cpu", lambda: True)
        precision.set_precision("mixed_bfloat16")         # native here: no warning
