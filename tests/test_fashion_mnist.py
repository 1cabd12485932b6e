"""The Fashion-MNIST recipe in its real configuration (domain protocol, dequantized 8-bit data, 10-wide grids, the
final evaluation) on a small labelled IDX set, with only the width, iterations and the classifier's training shrunk;
its defaults and --paper; the benchmark's resize of 28×28 samples and its table."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp.metrics import domain

from helpers import labelled, run_in_process, write_idx

FAST = dict(epochs=2, batch_size=16, learning_rate=3e-3, seed=0)
SMALL = ["--dim=4", "--batch_size=16", "--iterations=4", "--eval_every=2", "--eval_samples=40",
         "--final_eval_samples=60", "--reference_samples=240"]
"""The real configuration shrunk: width, iterations, sample counts."""


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory):
    """Four kinds of 28×28 pattern as an IDX folder (240 train, 60 t10k); the classifier cache in a temporary
    folder and quick classifier training."""
    folder = tmp_path_factory.mktemp("fashion") / "fashion-mnist"
    folder.mkdir()
    for seed, (prefix, n) in enumerate({"train": 60, "t10k": 15}.items()):
        images, labels = labelled(n, seed)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFGAN_GP_CACHE", str(folder.parent / "cache"))
        mp.setattr(domain, "TRAINING", dict(FAST))
        yield str(folder)


def evaluations(logdir):
    with open(os.path.join(logdir, "eval", "metrics.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize("conditional", [False, True])
def test_recipe_scores_with_the_domain_classifier_and_its_floors(idx_folder, tmp_path, capsys, conditional):
    """Every evaluation is in the domain protocol with floors and per-class shares, timed; the grid is 10×10 (one
    column per class when conditional); the final evaluation and the export are written."""
    from recipes import fashion_mnist

    run_in_process(fashion_mnist, tmp_path, f"--data_dir={idx_folder}", *SMALL,
                   *(["--conditional"] if conditional else []), capsys=capsys)
    lines = evaluations(tmp_path)
    assert [line["iteration"] for line in lines] == [2, 4, 4]          # two during training, the final one
    for line in lines:
        assert line["protocol"]["protocol"] == "domain"
        assert line["protocol"]["network"] == "domain-classifier/fashion_mnist"
        assert 0 < float(line["protocol"]["test_accuracy"]) <= 1
        prefix = "final/" if "final/fid" in line else ""
        assert line[prefix + "floor/fid"] < line[prefix + "fid"]     # real test split vs an untrained generator
        assert prefix + "classes_covered" in line and line["time"] > 0
    final = lines[-1]
    assert final["num_samples"] == 60 and final["final/floor/classes_covered"] == 4
    assert 0 <= final["final/classes_covered"] <= 4
    assert sum(v for k, v in final.items() if k.startswith("final/class_fraction/")) == pytest.approx(1.0)
    grid = tf.io.decode_png(tf.io.read_file(str(tmp_path / "samples_000004.png"))).numpy()
    assert grid.shape == (320, 320, 1)                                 # 100 samples, 10 × 10, 32×32 each
    config = json.load(open(tmp_path / "run_config.json"))
    assert config["gan"]["num_classes"] == (10 if conditional else None)
    assert config["gan"]["generator_kwargs"]["normalization"] == "none"
    assert os.path.exists(tmp_path / "export" / "saved_model.pb")


def test_defaults_are_the_measured_cpu_configuration_and_paper_is_gan_mnist(tmp_path):
    """Defaults: dim 32, batch 64, Adam 2e-4 (0.5, 0.9), n_critic 5, λ 10, precision auto, domain protocol;
    --paper: gan_mnist.py's DIM 64, batch 50, Adam 1e-4, 200,000 iterations, float32 (flags given still win)."""
    from absl import flags

    from recipes import fashion_mnist, shared_flags

    def args(*argv):
        flag_values = flags.FlagValues()
        fashion_mnist.define_flags(flag_values)
        flag_values(["fashion_mnist", f"--logdir={tmp_path}", *argv])
        paper = fashion_mnist.PAPER if flag_values["paper"].value else {}
        return shared_flags.values(flag_values, **paper)

    default = args()
    assert (default.dim, default.batch_size, default.learning_rate, default.precision) == (32, 64, 2e-4, "auto")
    assert (default.n_critic, default.loss, default.penalty, default.classifier_protocol) == (
        5, "wasserstein", "gp", "domain")
    spec = fashion_mnist.recipe(default).gan
    assert spec.penalty_weight in (None, 10.0)
    assert spec.optimizer == tg.Optimizer("adam", 2e-4, beta_1=0.5, beta_2=0.9)
    paper = args("--paper")
    assert (paper.dim, paper.batch_size, paper.learning_rate, paper.iterations, paper.precision) == (
        64, 50, 1e-4, 200_000, "float32")
    assert args("--paper", "--iterations=1000").iterations == 1000


def test_benchmark_resizes_28_pixel_samples_as_the_recipe_reads_real_images(idx_folder):
    """The keras.io example's 28×28 samples, resized for the 32×32 classifier, are the pixels the recipe's loader
    makes of the same images (8-bit, antialiased bilinear)."""
    from benchmarks.fashion_mnist import table, to_recipe_size
    from tfgan_gp.data import idx

    images, _ = idx.load(idx_folder, "train")
    loaded = np.stack(list(tg.data.load_images(idx_folder, image_size=32, channels=1, uint8=True, cache=False)
                           .as_numpy_iterator()))
    ours = to_recipe_size(images.astype(np.float32) / 127.5 - 1.0).numpy()   # (N, 28, 28, 1) → 32×32
    assert ours.shape == (240, 32, 32, 1)
    np.testing.assert_allclose(ours, loaded.astype(np.float32) / 127.5 - 1.0, atol=1.01 / 127.5)
    row = dict(part="equal_time", case="keras_io", minutes=10, iterations=60, fid=30.5, floor_fid=0.04,
               classes_covered=7, inception_score=4.2, floor_inception_score=7.6, grid="docs/x.png")
    assert "| equal_time | keras_io | 10 | 60 |  |  | 30.50 (0.040) | 7 / 10 | 4.20 (7.60) | [png](docs/x.png) |" in \
        table([row])


def test_select_on_labelled_images_ranks_by_the_domain_classifier_beside_lucic(idx_folder, tmp_path, capsys):
    """recipes.select on an IDX folder: scored by the domain classifier (classes covered as mode coverage), nsgan is
    the non-saturating GAN under Lucic et al.'s name, and the report sets the ranking beside their finding."""
    from recipes import select
    from tfgan_gp import selection

    nsgan = selection.get("nsgan", "images")
    assert nsgan.name == "nsgan" and nsgan.gan == selection.get("dcgan", "images").gan
    run_in_process(select, tmp_path, f"--dataset={idx_folder}", "--candidates=wgan_gp,nsgan", "--budget=8",
                   "--seeds=2", "--dim=4", "--eval_samples=40", "--batch_size=16", capsys=capsys)
    board = (tmp_path / "leaderboard.csv").read_text()
    assert "classes_covered_mean" in board and "nsgan" in board
    report = (tmp_path / "report.md").read_text()
    assert "more than half of the 4 classes covered" in report
    section = report.split("## Beside Lucic et al. (2018)")[1].split("##")[0]
    assert "no loss consistently better" in section and "`wgan_gp`" in section and "`nsgan`" in section
    assert "Here after round 1 (2 iterations each" in section and "Here at the end (2 iterations each" in section
