"""Data-efficient CIFAR-10 (Zhao et al. 2020): ``recipes.cifar_resnet --fraction 0.1 --augment diffaugment|ada``."""
import glob
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from helpers import check_run, run_in_process


def train_scalars(logdir):
    """{tag: [values]} of the training events (the Scalars callback's ``batch_``/``epoch_`` logs)."""
    out = {}
    for path in glob.glob(os.path.join(logdir, "train", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                out.setdefault(value.tag, []).append(float(tf.make_ndarray(value.tensor)))
    return out


def test_smoke_with_a_tenth_of_the_data_and_ada_logs_and_checkpoints_p(tmp_path, capsys):
    from recipes import cifar_resnet

    out = run_in_process(cifar_resnet, tmp_path, "--smoke", "--fraction=0.1", "--augment=ada", capsys=capsys)
    assert "synthetic images: training on the first 51 of 512 (fraction 0.1)" in out
    check_run(tmp_path, 4)
    config = json.load(open(tmp_path / "run_config.json"))
    assert config["settings"]["fraction"] == 0.1
    assert (config["gan"]["augment"], config["gan"]["augment_policy"]) == ("ada", "color,translation,cutout")
    scalars = train_scalars(tmp_path)
    assert len(scalars["batch_augment_p"]) == 4 and len(scalars["epoch_augment_p"]) == 2
    assert all(0.0 <= p <= 1.0 for p in scalars["batch_augment_p"])
    saved = dict(tf.train.list_variables(tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))))
    assert any(name.startswith("augment_p/") for name in saved)


def test_rehearsal_trains_on_5000_images_scores_against_the_full_set_and_keeps_its_fraction(tmp_path, capsys):
    """The mock CIFAR-10 has the real 50,000 training images: 5,000 are trained on, the FID reference is not
    limited to them (6,000 reference images asked for, 6,000 used), and a re-run may not change --fraction."""
    from recipes import cifar_resnet

    argv = ["--rehearsal", "--fraction=0.1", "--augment=diffaugment", "--iterations=2", "--eval_every=1",
            "--eval_samples=100", "--final_eval_samples=0"]
    out = run_in_process(cifar_resnet, tmp_path, *argv, "--reference_samples=6000", capsys=capsys)
    assert "CIFAR-10 training images: training on the first 5,000 of 50,000 (fraction 0.1)" in out
    check_run(tmp_path, 2, mode="rehearsal")
    assert int(np.load(tmp_path / "real_stats_cifar10.npz")["num_samples"]) == 6000

    with pytest.raises(SystemExit):
        run_in_process(cifar_resnet, tmp_path, *[a.replace("0.1", "0.2") for a in argv], "--reference_samples=6000")
    assert "holds a different run (--fraction 0.1 -> 0.2)" in capsys.readouterr().err
