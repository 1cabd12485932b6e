"""The toy recipes: quickstart, Figure 1(a) value surfaces, Figure 1(b, c) gradient norms and weights.

Each recipe's ``main`` runs in-process on its own ``absl.flags.FlagValues``
(so recipes defining the same flag names never collide), with its ``--smoke``
settings; the assertions check the produced files and what the paper claims.
"""
import json
import math
import os
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags
from PIL import Image

from recipes import toy, toy_gradient_norms, toy_value_surfaces
from tfgan_gp import losses, plotting


def run_recipe(module, logdir, *args):
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    flag_values(["recipe", f"--logdir={logdir}", *args])
    module.main([], flag_values)


def assert_picture(path, min_size, min_colours=50):
    """A PNG that decodes, is at least ``min_size`` pixels and is not blank (contours, points)."""
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape[1] >= min_size[0] and image.shape[0] >= min_size[1], image.shape
    assert len(np.unique(image.reshape(-1, 3), axis=0)) >= min_colours
    return image


def test_quickstart_writes_pictures_logs_and_summary(tmp_path, capsys):
    """The summary's modes, high-quality fraction and W1 are logged every --eval_every iterations (TensorBoard
    ``eval`` and ``eval/metrics.jsonl``, which the export reads); the printed ones are the last logged (before:
    printed only)."""
    run_recipe(toy, tmp_path, "--smoke")
    out = capsys.readouterr().out
    pictures = sorted(p.name for p in tmp_path.glob("value_surface_*.png"))
    assert pictures == ["value_surface_000001.png", "value_surface_000002.png"]
    assert_picture(tmp_path / pictures[-1], (300, 300))
    assert list((tmp_path / "train").glob("events.out.tfevents.*"))      # Keras TensorBoard scalars
    assert list((tmp_path / "images").glob("events.out.tfevents.*"))     # the pictures, as TB images
    assert "2 generator iterations" in out and "modes covered" in out and "exact W1" in out
    assert str((tmp_path / pictures[-1]).resolve()) in out
    logged = {}
    for path in (tmp_path / "eval").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                logged.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    for tag in ("modes_covered", "high_quality_fraction", "w1"):
        assert sorted(logged[tag]) == [1, 2], tag
    last = [json.loads(line) for line in (tmp_path / "eval" / "metrics.jsonl").read_text().splitlines()][-1]
    assert last["iteration"] == 2 and last["num_samples"] == toy.EVAL_SAMPLES
    assert f"modes covered:         {int(last['modes_covered'])} / 8" in out
    assert f"high-quality fraction: {last['high_quality_fraction']:.3f}" in out
    assert f"exact W1 (512 vs 512): {last['w1']:.4f}" in out
    assert json.load(open(tmp_path / "export" / "metadata.json"))["evaluation"]["w1"] == pytest.approx(last["w1"])


class PointGenerator:
    """Stands in for a trained GAN whose samples are ``points``, repeated (``sample`` as :class:`tfgan_gp.GAN`'s)."""

    iteration = 7

    def __init__(self, points):
        self.points = np.asarray(points, np.float32)

    def sample(self, n, seed=0):
        return tf.constant(self.points[np.arange(n) % len(self.points)])


def test_quickstart_summary_scores_the_samples():
    """Samples that are the real points themselves cover 8 of 8 modes, all within the radius (the noise's σ is
    0.02/√2, the radius 5σ), at W1 0; samples at the origin cover none, at W1 the circle's radius √2."""
    from tfgan_gp.data import toy as toy_data

    args = types.SimpleNamespace(dataset="8gaussians", seed=0)
    real = toy_data.sample("8gaussians", 512, [args.seed, -1]).numpy()      # the summary's real points
    assert toy.summary(PointGenerator(real), args) == [
        "8gaussians, 7 generator iterations:", "  modes covered:         8 / 8",
        "  high-quality fraction: 1.000  (within 0.0707 of a centre)", "  exact W1 (512 vs 512): 0.0000"]
    at_origin = toy.summary(PointGenerator([[0.0, 0.0]]), args)
    assert at_origin[1:3] == ["  modes covered:         0 / 8",
                              "  high-quality fraction: 0.000  (within 0.0707 of a centre)"]
    assert float(at_origin[3].split()[-1]) == pytest.approx(math.sqrt(2), abs=0.03)


def test_value_surfaces_figure_1a(tmp_path, capsys):
    """2 methods × 3 datasets; every critic ranks real points above noisy ones (a wrong loss sign
    fails this); clipped critics are far from the penalty's unit gradient norm."""
    run_recipe(toy_value_surfaces, tmp_path, "--smoke")
    out = capsys.readouterr().out
    image = assert_picture(tmp_path / "value_surfaces.png", (600, 400))
    assert image.shape[1] > image.shape[0]                                  # 3 columns, 2 rows
    assert str((tmp_path / "value_surfaces.png").resolve()) in out
    report = json.loads((tmp_path / "value_surfaces.json").read_text())
    # sample W1 between the data and the data + N(0, I): below the coupling bound E‖n‖ = sqrt(pi / 2)
    assert all(0.3 < w < math.sqrt(math.pi / 2) for w in report["exact_w1"].values()), report["exact_w1"]
    panels = report["panels"]
    assert [(p["method"].split()[0], p["dataset"]) for p in panels] == [
        (m, d) for m in ("weight", "gradient") for d in ("8gaussians", "25gaussians", "swissroll")]
    for p in panels:
        assert p["wasserstein_estimate"] > 0, p
        # W1(P, P * N(0, I)) <= E‖n‖ = sqrt(pi / 2); a critic with gradient norm <= ~1 cannot exceed it
        assert p["wasserstein_estimate"] < 1.1 * math.sqrt(math.pi / 2), p
    clipped = [p["mean_gradient_norm"] for p in panels[:3]]
    penalised = [p["mean_gradient_norm"] for p in panels[3:]]
    assert max(clipped) < 0.1 < min(penalised)


def test_gradient_norms_figure_1bc(tmp_path, capsys):
    """The paper's claim at reduced size (20 generator iterations, batch 16, 8 hidden layers of 512
    instead of 12): with c = 0.1 the gradient norms grow by more than 10× from the last layer to the
    first, with c = 0.001 they shrink by more than 10×, with the penalty they stay within 10×; clipped
    weights pile up at ±c, the penalty's do not pile up at their extremes."""
    run_recipe(toy_gradient_norms, tmp_path, "--smoke", "--depth=8", "--clip_values=0.1,0.001")
    out = capsys.readouterr().out
    image = assert_picture(tmp_path / "gradient_norms.png", (800, 400))
    assert image.shape[1] > image.shape[0]
    assert str((tmp_path / "gradient_norms.png").resolve()) in out
    report = json.loads((tmp_path / "gradient_norms.json").read_text())
    norms = {m["label"]: np.array(m["activation_grad_norms"]) for m in report["methods"]}
    assert list(norms) == ["clipping c=0.1", "clipping c=0.001", "gradient penalty λ=10"]
    assert all(len(v) == 8 for v in norms.values())
    exploding, vanishing, penalised = norms.values()
    assert exploding[0] > 10 * exploding[-1], exploding
    assert vanishing[0] < vanishing[-1] / 10, vanishing
    assert penalised.max() < 10 * penalised.min(), penalised

    weights = np.load(tmp_path / "critic_weights.npz")
    for c, key in ((0.1, "clipping c=0.1"), (0.001, "clipping c=0.001")):
        assert np.abs(weights[key]).max() <= c * (1 + 1e-6)
    assert np.mean(np.abs(weights["clipping c=0.001"]) >= 0.99e-3) > 0.9      # pushed to ±c
    gp = np.abs(weights["gradient penalty λ=10"])
    assert np.mean(gp >= 0.99 * gp.max()) < 0.01


def test_layer_gradient_norms_match_hand_backpropagation():
    """Against a numpy backward pass of L = mean D(fake) - mean D(real) through Dense-ReLU-Dense-ReLU-Dense."""
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(5, activation="relu"),
                               keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    for v in critic.weights:                 # non-zero biases, so every term of the backward pass matters
        v.assign(rng.normal(0, 0.7, v.shape))
    real, fake = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)) + 1.0
    activations, kernel_grads = toy_gradient_norms.layer_gradient_norms(
        critic, losses.get("wasserstein"), real, fake)

    (w1, b1), (w2, b2), (w3, _) = [(d.kernel.numpy().astype(np.float64), d.bias.numpy().astype(np.float64))
                                   for d in critic.layers]
    x = np.concatenate([real, fake])
    z1 = x @ w1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2 + b2
    h2 = np.maximum(z2, 0)
    sign = np.concatenate([-np.ones(6), np.ones(6)])[:, None] / 6      # dL/dD per row
    g_h2 = sign @ w3.T
    g_z2 = g_h2 * (z2 > 0)
    g_h1 = g_z2 @ w2.T
    g_z1 = g_h1 * (z1 > 0)
    expected_kernels = [x.T @ g_z1, h1.T @ g_z2, h2.T @ sign]
    np.testing.assert_allclose(activations, [np.linalg.norm(g_h1), np.linalg.norm(g_h2)], rtol=1e-5)
    np.testing.assert_allclose(kernel_grads, [np.linalg.norm(g) for g in expected_kernels], rtol=1e-5)


def test_layer_gradient_norms_refuses_a_critic_that_is_not_a_chain():
    x = keras.Input((2,))
    h = keras.layers.Dense(3, activation="relu")(x)
    critic = keras.Model(x, keras.layers.Dense(1)(keras.layers.Concatenate()([x, h])))
    with pytest.raises(ValueError, match="plain chain of layers"):
        toy_gradient_norms.layer_gradient_norms(critic, losses.get("wasserstein"), np.zeros((2, 2)),
                                                np.ones((2, 2)))


def test_plot_helpers_reject_malformed_input():
    with pytest.raises(ValueError, match="nested list"):
        plotting.value_surface_grid([[lambda p: p[:, 0]]], [np.zeros((1, 2))], ["a", "b"], ["x"])
    fig, ax = plotting.subplots()
    with pytest.raises(ValueError, match="non-negative"):
        plotting.layer_gradient_norms(ax, {"bad": [1.0, -1.0]})


def test_quickstart_runs_under_mirrored_strategy(tmp_path, capsys):
    run_recipe(toy, tmp_path, "--smoke", "--distribute=mirrored")
    assert "modes covered" in capsys.readouterr().out and os.path.exists(tmp_path / "value_surface_000002.png")
