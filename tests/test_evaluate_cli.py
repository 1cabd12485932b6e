"""The evaluate command end to end: a tiny export and a tiny image folder, the 2015 graph's layout.

The first run is the real command in a subprocess; the others run the command's ``main`` in this process
(on its own ``FlagValues``: one TensorFlow import less each).
"""
import importlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from absl import flags
from PIL import Image

from helpers import inception_2015_graph, tiny_image_gan
from tfgan_gp import metrics, serving

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def evaluate(*argv):
    result = subprocess.run([sys.executable, "-m", "evaluate", *argv], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-4000:])
    return result


def evaluate_here(capsys, *argv):
    """``python -m evaluate ARGV``'s ``main`` in this process: its stdout, or the one-sentence error it exits with."""
    tool = importlib.import_module("evaluate.__main__")
    flag_values = flags.FlagValues()
    tool.define_flags(flag_values)
    flag_values(["evaluate", *argv])
    try:
        tool.main(["evaluate"], flag_values)
    except SystemExit as exit_info:   # sys.exit(message): Python prints the message alone and exits 1
        assert isinstance(exit_info.code, str) and "\n" not in exit_info.code, exit_info.code
        return exit_info.code
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    serving.export_generator(tiny_image_gan(), str(root / "export"))
    folder = root / "real"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(24):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3)).astype(np.uint8)).save(folder / f"{i:03d}.png")
    return {"export": str(root / "export"), "real": str(folder), "graph": str(inception_2015_graph(root / "g.pb")),
            "root": root}


def test_export_against_an_image_folder_prints_every_metric_with_the_protocol(files):
    stats = files["root"] / "real_stats.npz"
    run = evaluate("--samples", files["export"], "--reference", files["real"], "--inception_graph", files["graph"],
                   "--num_samples=20", "--splits=2", "--batch_size=8", f"--stats_out={stats}", "--json",
                   "--no-progress")   # as --noprogress (before: absl's "Unknown command line flag 'no-progress'")
    assert "samples: 20 from" not in run.stderr and "reference: 24 images" not in run.stderr   # no progress bars
    result = json.loads(run.stdout)   # stdout holds the JSON object only (progress bars go to stderr)
    assert result["protocol"]["protocol"] == "ttur" and len(result["protocol"]["weights_sha256"]) == 64
    assert result["protocol"]["resize"] == "tf1_bilinear" and result["protocol"]["quantize"] == "uint8"
    assert result["num_samples"] == 20 and result["num_real"] == 24 and result["splits"] == 2
    assert set(result["metrics"]) == {"inception_score", "inception_score_std", "fid", "kid", "kid_std",
                                      "precision", "recall", "density", "coverage"}
    assert result["metrics"]["kid_std"] is None   # one KID block: no spread, null in strict JSON
    assert "20 generated samples, IS in 2 splits (the protocol: 50,000 in 10)" in result["protocol_line"]
    assert result["images_per_second"] > 0
    saved = metrics.ClassifierStatistics.load(stats)   # TTUR's keys plus the record
    assert saved.record == result["protocol"] and saved.num_samples == 24 and saved.features.shape == (24, 2048)


def test_a_folder_against_its_own_ttur_format_statistics_has_fid_zero(files, capsys):
    stats = files["root"] / "real_stats.npz"
    if not stats.exists():
        pytest.skip("needs the statistics of the first test")
    with np.load(stats) as f:   # what TTUR's fid.py writes: mu and sigma only
        np.savez(files["root"] / "fid_stats_real.npz", mu=f["mu"], sigma=f["sigma"])
    out = evaluate_here(capsys, "--samples", files["real"], "--reference", str(files["root"] / "fid_stats_real.npz"),
                        "--inception_graph", files["graph"], "--splits=3", "--batch_size=8")
    lines = out.strip().splitlines()   # the progress bars' labels, then the protocol line and the metrics
    protocol = next(line for line in lines if line.startswith("protocol "))
    assert protocol.startswith("protocol ttur: inception-2015-12-05 on uint8 images, tf1_bilinear to 299×299")
    fid = float(next(line for line in lines if line.startswith("FID")).split()[1])
    assert abs(fid) < 1e-2                    # the same 24 images: the same features
    assert any(line.startswith("Inception score") and "(3 splits)" in line for line in lines)
    assert not any(line.startswith(("KID", "precision")) for line in lines)   # a mu/sigma file keeps no features


def test_without_the_graph_file_one_sentence_names_the_file_and_the_flag(files, capsys):
    last = evaluate_here(capsys, "--samples", files["export"], "--reference", files["real"])
    assert last.startswith("evaluate: Protocol 'ttur' needs the 2015 Inception graph")
    assert "classify_image_graph_def.pb" in last and "--inception_graph=PATH" in last


def test_reference_of_another_protocol_is_refused_in_one_sentence(files, capsys):
    stats = files["root"] / "real_stats.npz"
    if not stats.exists():
        pytest.skip("needs the statistics of the first test")
    last = evaluate_here(capsys, "--samples", files["real"], "--reference", str(stats), "--protocol=clean",
                         "--inception_graph", files["graph"])
    assert last.startswith("evaluate: the reference statistics were computed under protocol 'ttur'")
    assert "not comparable" in last
