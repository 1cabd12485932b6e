"""Each paper recipe's real configuration at tiny width (``--rehearsal``): evaluation sample counts, reference
sets, split sizes, batch, n_critic, schedule, checkpoint, resume and export, on tfds mock data in the real split
sizes, with a tiny classifier. Only --eval_every is lowered (to 2, hence 4 iterations): two evaluation cycles of
the real cadence (1,000 iterations) would take minutes even at width 1.
"""
import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import tensorflow as tf

from helpers import check_run, run_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_FIRST = True  # a minute of the suite: scheduled first (conftest.py)


def eval_scalars(logdir):
    """{tag: {step: value}} of the evaluation events."""
    out = {}
    for path in glob.glob(os.path.join(logdir, "eval", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                out.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return out


def test_cifar_resnet_rehearsal_survives_sigkill_and_evaluates_at_the_real_sizes(tmp_path, capsys):
    """Killed (SIGKILL) right after its first checkpoint, the same command resumes, evaluates and exports.

    The resumed run runs in this process (one TensorFlow import less). Real sizes: the 50,000 training
    images are the FID/KID reference, 5,000 samples per evaluation and
    50,000 at the end (before: the 10,000-image test split against 50,000 samples stopped the run). Its
    output and protocol lines name the stand-ins (before: "the first 50,000 CIFAR-10 training images").
    """
    from recipes import cifar_resnet, rehearsal

    command = [sys.executable, "-m", "recipes.cifar_resnet", f"--logdir={tmp_path}", "--rehearsal",
               "--precision=float32", "--conditional", "--eval_every=2"]
    state = tmp_path / "checkpoints" / "checkpoint"
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (state.exists() and "ckpt-2" in state.read_text()) and time.monotonic() < deadline:
            assert run.poll() is None, "the run ended before its first checkpoint"
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
    finally:
        run.kill()
        run.wait()
    assert not (tmp_path / "export").exists()             # it really died mid-run
    out = run_in_process(cifar_resnet, tmp_path, "--rehearsal", "--conditional", "--eval_every=2", capsys=capsys)
    assert "Resuming cifar_resnet from generator iteration 2" in out
    # the run says it is a rehearsal, and every line about the mock images or the tiny classifier says so
    assert out.splitlines()[0] == rehearsal.ANNOUNCEMENT
    assert ("cifar_resnet [rehearsal: mock data, tiny random classifier]: FID/KID reference: statistics of the first "
            "50,000 CIFAR-10 training images") in out
    assert all("[rehearsal: mock data" in line for line in out.splitlines() if "CIFAR-10" in line)
    protocol = json.loads((tmp_path / "eval" / "metrics.jsonl").read_text().splitlines()[-1])["protocol_line"]
    assert "classifier 'tiny_random_classifier'" in protocol
    assert "reference cifar10 [rehearsal: mock data] train: 50,000 images" in protocol
    check_run(tmp_path, 4, mode="rehearsal")
    config = json.load(open(tmp_path / "run_config.json"))
    assert config["gan"]["generator_kwargs"]["dim"] == 1                 # only the width is tiny
    reference = np.load(tmp_path / "real_stats_cifar10.npz")
    assert int(reference["is_num_samples"]) == 50_000                    # every training image
    final = json.load(open(tmp_path / "final_evaluation.json"))
    assert final["num_samples"] == 50_000 and final["iteration"] == 4
    scalars = eval_scalars(tmp_path)
    assert sorted(scalars["fid"]) == [2, 4] and sorted(scalars["final/fid"]) == [4]  # 2: before the kill
    assert all(np.isfinite(v) for tag in scalars.values() for v in tag.values())
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    images = loaded.signatures["sample"](n=tf.constant(3), seed=tf.constant(0, tf.int64),
                                         labels=tf.constant([0, 1, 2]))["images"]
    assert images.shape == (3, 32, 32, 3) and images.dtype == tf.uint8


def test_lsun_rehearsal_uses_the_training_images_as_reference(tmp_path, capsys, caplog):
    """LSUN's validation split has 300 images: the reference comes from the 3,033,042 training images."""
    from recipes import lsun_bedrooms

    run_in_process(lsun_bedrooms, tmp_path, "--rehearsal", "--eval_every=2", "--final_eval_samples=0")
    check_run(tmp_path, 4, mode="rehearsal")
    assert int(np.load(tmp_path / "real_stats_lsun_bedroom.npz")["is_num_samples"]) == 50_000
    assert sorted(eval_scalars(tmp_path)["fid"]) == [2, 4]
    assert "fewer than" not in caplog.text


def test_billion_word_rehearsal_on_a_new_run_directory_with_a_text_file(tmp_path, capsys):
    """``--text_file`` into a run directory that does not exist yet (before: FileNotFoundError on vocab.json);
    JS-n of 640 padded samples against the n-grams of every training line."""
    from recipes import billion_word

    corpus = tmp_path / "corpus.txt"
    lines = [f"line {i}: the critic reads soft characters" for i in range(500)]
    corpus.write_text("\n".join(lines) + "\n")
    logdir = tmp_path / "runs" / "new"
    out = run_in_process(billion_word, logdir, f"--text_file={corpus}", "--rehearsal", "--eval_every=2",
                         capsys=capsys)
    assert "JS-n reference: 500 training lines of 32 characters" in out
    check_run(logdir, 4, sample_suffix=".txt", mode="rehearsal")
    scalars = eval_scalars(logdir)
    assert sorted(scalars["js4"]) == [2, 4] and all(0.0 <= v <= 1.0 for v in scalars["js1"].values())
    loaded = tf.saved_model.load(str(logdir / "export"))
    text = loaded.signatures["sample"](n=tf.constant(2), seed=tf.constant(0, tf.int64))["text"].numpy()
    assert text.shape == (2,) and all(isinstance(t, bytes) for t in text)


def test_mnist_rehearsal_draws_both_critic_loss_curves_on_the_real_splits(tmp_path):
    """1,000 of the 60,000 training digits, critic losses (penalty included) on them and on 1,000 held-out."""
    from recipes import mnist

    run_in_process(mnist, tmp_path, "--rehearsal", "--eval_every=2")
    check_run(tmp_path, 4, mode="rehearsal")
    assert os.path.exists(tmp_path / "critic_loss.png")
    config = json.load(open(tmp_path / "run_config.json"))
    assert config["gan"]["generator_kwargs"]["normalization"] == "none"   # gan_mnist.py's WGAN-GP generator
