"""Every user mistake is one sentence naming the flag or file, exit code 1, and nothing already written changes.

The recipes run in-process (``common.run_main``, what ``python -m recipes.<name>`` calls after parsing
its flags) so that the table stays fast; the subprocess path is covered in test_training.py.
"""
import hashlib
import os

import numpy as np
import pytest
from absl import flags

import tfgan_gp as tg
from recipes import cifar_resnet, common, mnist
from tfgan_gp.data import load_images

CIFAR_FAST = ["--precision=float32", "--dim=8", "--iterations=2", "--eval_every=2", "--batch_size=4",
              "--eval_samples=10", "--inception_weights=/nonexistent/inception.h5"]


def run(module, argv, capsys):
    """``(exit code, stderr lines)`` of one recipe run in this process."""
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    flag_values(["recipe", *argv])
    code = 0
    try:
        common.run_main(module.main, [], flag_values)
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
    (["--dim=16"], "generator_kwargs.dim 8 -> 16"),
    (["--n_critic=2"], "train.n_critic 5 -> 2"),
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
