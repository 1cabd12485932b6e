"""GAN selection: catalogue, recommendations, measures against hand computations, and compare end to end."""
import csv
import glob
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.plugins.hparams import plugin_data_pb2

import tfgan_gp as tg
from tfgan_gp import losses, selection
from tfgan_gp.metrics import frechet_distance
from tfgan_gp.selection import advice, candidates as candidates_lib, measures

from helpers import naive_precision_recall

TINY_MLP = {"width": 8, "depth": 1}


@pytest.fixture(scope="module")
def toy():
    return selection.toy_problem("8gaussians", eval_samples=256)


# ------------------------------------------------------------------ catalogue
REQUIRED = ("wgan_gp", "wgan_clip", "lsgan", "rsgan", "ralsgan", "sngan", "dcgan", "dragan", "fgan_gan", "fgan_kl",
            "fgan_reverse_kl", "fgan_pearson", "fgan_squared_hellinger", "fgan_jensen_shannon",
            # the rest of what the selection framework's four questions name
            "fgan_total_variation", "fgan_neyman", "fgan_jeffrey", "fgan_alpha", "geometric_gan", "loss_sensitive",
            "fc_gan")


def test_catalogue_holds_the_required_candidates_with_their_four_answers():
    assert set(REQUIRED) <= set(selection.names())
    wgan_gp = selection.get("wgan_gp")
    assert (wgan_gp.loss, wgan_gp.regularization, wgan_gp.divergence) == ("wasserstein", "gp", "wasserstein_1")
    assert selection.get("sngan").regularization == "spectral" and selection.get("sngan").loss == "hinge"
    assert selection.get("ralsgan").loss == "relativistic_average_ls"
    assert selection.get("fgan_reverse_kl").loss == "f_gan:reverse_kl"
    assert selection.get("fgan_reverse_kl").divergence == "reverse_kl"
    # published settings that depend on the data: gan_toy.py's λ = 0.1, gan_language.py's 10 critic steps
    assert selection.get("wgan_gp", "toy").penalty().weight == 0.1
    assert selection.get("wgan_gp", "images").penalty().weight == 10.0
    assert selection.get("wgan_gp", "text").n_critic == 10


def test_catalogue_answers_the_four_questions_for_the_papers_other_methods():
    """Geometric GAN, the loss-sensitive GAN, the fully connected GAN and the ten f-GANs, each with its answers."""
    answers = {name: (c.architecture, c.loss, c.regularization, c.divergence)
               for name, c in selection.CATALOGUE.items()}
    assert answers["geometric_gan"] == (None, "hinge", "none", "total_variation")
    assert answers["loss_sensitive"] == (None, "loss_sensitive", "weight_decay", "l1_margin_lipschitz")
    assert answers["fc_gan"] == ("mlp", "non_saturating", "none", "jensen_shannon")
    assert {c.divergence for n, c in selection.CATALOGUE.items() if n.startswith("fgan_")} == set(
        tg.divergences.names())
    geometric, sngan = selection.get("geometric_gan"), selection.get("sngan")
    assert geometric.n_critic == 1 and sngan.n_critic == 5 and not geometric.gradient_penalty
    assert selection.get("loss_sensitive").penalty().weight == 5e-5
    assert selection.get("dcgan", "toy").generator_normalization == "batch"   # else it is fc_gan on toy data
    assert [c.name for c in candidates_lib.parse("all")] == selection.names()
    assert len(selection.CATALOGUE) == 27   # 21 methods + 6 stabilizers; on toy data not the 3 that transform images
    assert len(candidates_lib.parse("all", "toy")) == 24


@pytest.mark.parametrize("name", REQUIRED)
def test_each_candidate_builds_and_makes_one_training_step(name, toy):
    candidate = selection.get(name, "toy")
    gan = candidate.build(toy, seed=0, model_kwargs=TINY_MLP)
    assert gan.n_critic == candidate.n_critic
    assert type(gan.adversarial_loss) is type(losses.get(candidate.loss))
    assert type(gan.penalty) is type(candidate.penalty())
    g_before = [v.numpy().copy() for v in gan.generator.trainable_variables]
    d_before = [v.numpy().copy() for v in gan.critic.trainable_variables]
    real = toy.real_data(0).take(4 * gan.n_critic).batch(4 * gan.n_critic).get_single_element()
    logs = gan.train_step(real)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(g_before, gan.generator.trainable_variables))
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(d_before, gan.critic.trainable_variables))
    layers = [type(layer).__name__ for layer in gan.critic._flatten_layers()]
    assert ("SpectralNormalization" in layers) == (name == "sngan")
    if name == "wgan_clip":
        assert max(np.abs(v.numpy()).max() for v in gan.critic.trainable_variables) <= 0.01 + 1e-7
        assert isinstance(gan.g_optimizer, keras.optimizers.RMSprop)
    if candidate.regularization in ("gp", "dragan"):
        assert gan.penalty.weight == candidate.penalty().weight and "penalty" in logs


def test_image_candidates_put_batch_norm_only_where_it_belongs():
    images = tf.data.Dataset.from_tensor_slices(np.zeros((4, 32, 32, 1), np.float32))
    problem = selection.image_problem(images, classifier=lambda x: (x, x), name="zeros")

    def critic_layers(name):
        gan = selection.get(name).build(problem, model_kwargs={"dim": 2})
        return ({type(layer).__name__ for layer in gan.critic._flatten_layers()},
                {type(layer).__name__ for layer in gan.generator._flatten_layers()})

    critic, generator = critic_layers("wgan_gp")
    assert "BatchNormalization" not in critic and "BatchNormalization" in generator
    critic, _ = critic_layers("dcgan")  # DCGAN's own critic has batch norm (no per-sample penalty)
    assert "BatchNormalization" in critic
    with pytest.raises(ValueError, match="batch normalization"):
        selection.get("wgan_gp").replace(critic_normalization="batch").build(problem, model_kwargs={"dim": 2})


def test_unknown_candidate_lists_the_valid_names(toy):
    with pytest.raises(ValueError, match="wgan_gp.*sngan.*Received: 'wgan_gpp'"):
        selection.get("wgan_gpp")
    with pytest.raises(ValueError, match="ralsgan"):
        selection.compare(["wgan_gp", "nope"], toy, iterations=1, seeds=1)


def test_candidate_validation_names_the_argument():
    with pytest.raises(ValueError, match="divergence follows from the loss.*Received: divergence='kl'"):
        selection.Candidate("x", "wasserstein", divergence="kl")
    with pytest.raises(ValueError, match="critic_normalization"):
        selection.Candidate("x", "hinge", "spectral", critic_normalization="batch")
    with pytest.raises(ValueError, match="regularization must be one of"):
        selection.Candidate("x", "hinge", "dropout")   # (weight_decay is one now: the loss-sensitive GAN's)
    with pytest.raises(ValueError, match="Unknown loss"):
        selection.Candidate("x", "wasserstein_gp")
    with pytest.raises(ValueError, match="n_critic"):
        selection.Candidate("x", "hinge", n_critic=0)
    with pytest.raises(ValueError, match="duplicates"):
        candidates_lib.parse("lsgan,lsgan")


# ------------------------------------------------------------------ recommend
def test_recommend_ranks_every_candidate_with_reasons_in_words():
    ranked = selection.recommend("images")
    assert [r.rank for r in ranked] == list(range(1, len(selection.names()) + 1))
    assert all(r.reasons and all(isinstance(s, str) and len(s) > 20 for s in r.reasons) for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    reasons = {r.candidate.name: " ".join(r.reasons) for r in ranked}
    assert "cheaper than the gradient penalty" in reasons["sngan"]
    assert "quality more than stability" in reasons["wgan_gp"]
    assert "relativism helps LSGAN" in reasons["ralsgan"]
    assert "batch norm helps the generator but hurts the critic" in reasons["wgan_gp"]
    assert "hurts the critic" in reasons["dcgan"]


def test_recommend_scores_are_the_priority_weighted_ratings():
    # cost alone: the score is the cost rating (SNGAN 1 < LSGAN 2, WGAN-GP 0)
    scores = {r.candidate.name: r.score for r in selection.recommend("toy", {"cost": 1.0})}
    assert (scores["wgan_gp"], scores["sngan"], scores["lsgan"]) == (0.0, 1.0, 2.0)
    # ordered list [quality, cost] weighs 2:1 -> WGAN-GP (2·2 + 1·0)/3, SNGAN (2·2 + 1·1)/3
    scores = {r.candidate.name: r.score for r in selection.recommend("toy", ["quality", "cost"])}
    assert scores["wgan_gp"] == pytest.approx(4 / 3) and scores["sngan"] == pytest.approx(5 / 3)
    # a failure mode names the criterion that avoids it
    top = selection.recommend("toy", "mode_collapse")[:3]
    assert {r.candidate.name for r in top} == {"wgan_gp", "dragan", "fgan_kl"}
    # text: the paper trained its character model only with WGAN-GP
    assert selection.recommend("text")[0].candidate.name == "wgan_gp"
    assert selection.recommend("text")[0].candidate.n_critic == 10


def test_recommend_rejects_bad_input():
    with pytest.raises(ValueError, match="data_kind.*Received: data_kind='audio'"):
        selection.recommend("audio")
    with pytest.raises(ValueError, match="Unknown priority.*mode_collapse.*Received: 'beauty'"):
        selection.recommend("toy", "quality,beauty")
    assert set(advice.priority_weights("speed")) == {"cost"}


# ------------------------------------------------------------------- measures
def test_oscillation_hand_computed_values():
    assert selection.oscillation(np.linspace(3.0, -1.0, 50)) == 0.0          # monotone: all net progress
    assert selection.oscillation([0.0, 1.0] * 20) == pytest.approx(1.0)     # full-range zig-zag
    assert selection.oscillation([2.0] * 10) == 0.0
    # [0, 2, 1, 3]: TV = 5, range = 3, T = 4 -> (5/3 - 1) / 2
    assert selection.oscillation([0.0, 2.0, 1.0, 3.0]) == pytest.approx(1.0 / 3.0)
    assert selection.oscillation([0.0, np.nan, 2.0, 1.0, np.inf, 3.0]) == pytest.approx(1.0 / 3.0)
    # i.i.d. uniform noise: E|ΔU| = 1/3 of the range
    noise = np.random.default_rng(0).uniform(size=20_000)
    assert selection.oscillation(noise) == pytest.approx(1.0 / 3.0, abs=0.01)


class _FakeGAN:
    def __init__(self):
        self.trackers = {name: keras.metrics.Mean() for name in ("wasserstein_estimate", "d_loss", "g_loss")}


def test_run_recorder_recovers_each_iterations_mean_from_running_trackers():
    recorder = measures.RunRecorder(names=("wasserstein_estimate",), warmup=0)
    recorder.set_model(_FakeGAN())
    tracker = recorder.model.trackers["wasserstein_estimate"]
    for values, reset in (([1.0, 2.0], False), ([3.0, 5.0], False), ([7.0], True), ([-1.0, 0.0, 4.0], False)):
        if reset:
            tracker.reset_state()  # Keras resets metrics at each epoch
        recorder.on_train_batch_begin(0)
        for v in values:
            tracker.update_state(v)
        recorder.on_train_batch_end(0)
    assert recorder.curves["wasserstein_estimate"] == pytest.approx([1.5, 4.0, 7.0, 1.0])
    assert recorder.seconds_per_iteration >= 0.0


# -------------------------------------------------------------------- compare
def _events(directory):
    (path,) = glob.glob(os.path.join(directory, "events.out.tfevents.*"))
    return [value for event in tf.compat.v1.train.summary_iterator(path) for value in event.summary.value]


def _hparams_plugin_data(values):
    data = [v for v in values if v.metadata.plugin_data.plugin_name == "hparams"]
    parsed = []
    for value in data:
        content = plugin_data_pb2.HParamsPluginData()
        content.ParseFromString(value.metadata.plugin_data.content)
        parsed.append(content)
    return parsed


def test_compare_writes_leaderboard_and_hparams(tmp_path, toy):
    logdir = str(tmp_path / "select")
    board = selection.compare(["wgan_gp", "lsgan"], toy, iterations=3, seeds=2, logdir=logdir, batch_size=8,
                              model_kwargs=TINY_MLP, n_critic=1, run_eagerly=True, verbose=False)

    # ---- CSV: one row per candidate; aggregates recomputed here from runs.csv
    with open(os.path.join(logdir, "runs.csv")) as f:
        runs = list(csv.DictReader(f))
    with open(os.path.join(logdir, "leaderboard.csv")) as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["candidate"], r["seed"]) for r in runs) == [("lsgan", "0"), ("lsgan", "1"),
                                                                 ("wgan_gp", "0"), ("wgan_gp", "1")]
    assert all(r["n_critic"] == "1" and r["iterations"] == "3" for r in runs)
    for row in rows:
        w1 = np.array([float(r["w1"]) for r in runs if r["candidate"] == row["candidate"]])
        assert float(row["w1_mean"]) == pytest.approx(w1.mean())
        assert float(row["w1_std"]) == pytest.approx(w1.std(ddof=1))
        assert int(row["diverged_runs"]) == 0 and 0.0 <= float(row["oscillation_mean"]) <= 1.0
        assert float(row["sec_per_iter"]) > 0 and int(row["params_generator"]) > 0
    assert [float(r["w1_mean"]) for r in rows] == sorted(float(r["w1_mean"]) for r in rows)  # ranked by W1
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert all(0.0 < float(r["w1"]) < 10.0 and 0 <= float(r["modes_covered"]) <= 8 for r in runs)
    assert all(len(run.curves["wasserstein_estimate"]) == 3 for run in board.runs)

    # ---- Markdown and PNG
    with open(os.path.join(logdir, "leaderboard.md"), encoding="utf-8") as f:
        markdown = f.read()
    assert "| rank | candidate |" in markdown and "| wgan_gp |" in markdown and "| lsgan |" in markdown
    assert board.markdown() in markdown
    png = tf.io.decode_png(tf.io.read_file(os.path.join(logdir, "leaderboard.png")))
    assert png.shape[0] > 200 and png.shape[1] > 200

    # ---- HParams: the experiment config at the root, one session per run with its metrics
    (config,) = _hparams_plugin_data(_events(logdir))
    hparam_names = {h.name for h in config.experiment.hparam_infos}
    assert {"candidate", "loss", "regularization", "divergence", "seed", "n_critic", "learning_rate"} <= hparam_names
    assert {m.name.tag for m in config.experiment.metric_infos} >= {"quality/w1", "quality/modes_covered",
                                                                    "stability/oscillation",
                                                                    "cost/seconds_per_iteration"}
    for run in runs:
        values = _events(os.path.join(logdir, run["candidate"], f"seed_{run['seed']}"))
        (session,) = _hparams_plugin_data(values)
        hparams = session.session_start_info.hparams
        assert hparams["candidate"].string_value == run["candidate"]
        assert hparams["seed"].number_value == float(run["seed"])
        assert hparams["loss"].string_value == selection.get(run["candidate"], "toy").loss
        w1 = [tf.make_ndarray(v.tensor) for v in values if v.tag == "quality/w1"]
        assert float(w1[0]) == pytest.approx(float(run["w1"]), rel=1e-6)
        assert len([v for v in values if v.tag == "train/wasserstein_estimate"]) == 3


def test_compare_rejects_bad_budgets(toy):
    with pytest.raises(ValueError, match="iterations"):
        selection.compare(["lsgan"], toy, iterations=0)
    with pytest.raises(ValueError, match="seeds"):
        selection.compare(["lsgan"], toy, iterations=1, seeds=[1, 1])
    with pytest.raises(ValueError, match="classifier"):
        selection.compare(["lsgan"], "some_image_dataset", iterations=1)


def test_image_problem_scores_generated_images_with_an_injected_classifier():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, size=(24, 32, 32, 1)).astype(np.float32)

    def classifier(x):  # per-channel mean and std as "features": enough to tell images apart
        x = tf.convert_to_tensor(x)
        feats = tf.concat([tf.reduce_mean(x, [1, 2]), tf.math.reduce_std(x, [1, 2])], axis=1)
        return feats, feats

    problem = selection.image_problem(tf.data.Dataset.from_tensor_slices(images), classifier, eval_samples=24,
                                      batch_size=8)
    gan = selection.get("lsgan").build(problem, model_kwargs={"dim": 2})
    scores = problem.evaluate(gan, seed=0)
    assert set(scores) == {"fid", "kid", "inception_score", "precision", "recall"}
    fake = np.concatenate([gan.sample(8, seed=10_000 + i).numpy() for i in range(3)])
    real_features, fake_features = classifier(images)[1].numpy(), classifier(fake)[1].numpy()
    assert scores["fid"] == pytest.approx(frechet_distance(real_features, fake_features), rel=1e-6)
    assert (scores["precision"], scores["recall"]) == pytest.approx(
        naive_precision_recall(real_features.astype(np.float64), fake_features.astype(np.float64), 3))


def test_toy_problem_refuses_other_families(toy):
    with pytest.raises(ValueError, match="mlp.*Received: architecture='dcgan'"):
        selection.get("lsgan").replace(architecture="dcgan").build(toy)


# ------------------------------------------------------- §5.1 random architectures
def test_search_space_draws_and_builds_with_the_penalty_aware_critic_norm():
    from tfgan_gp.selection import search_space

    rng = np.random.default_rng(3)
    draws = [search_space.sample(rng, depths=(4, 5), widths=(2, 4)) for _ in range(40)]
    assert {d.g_nonlinearity for d in draws} == set(search_space.NONLINEARITIES)
    assert {d.g_depth for d in draws} == {4, 5} and {d.d_batch_norm for d in draws} == {True, False}
    assert search_space.sample(np.random.default_rng(3), depths=(4, 5), widths=(2, 4)) == draws[0]
    arch = search_space.RandomArchitecture("softplus", "leaky_relu", 5, 4, True, True, 2, 2)
    for gradient_penalty, norm in ((True, "LayerNorm"), (False, "BatchNormalization")):
        g, d = search_space.conv_models(arch, gradient_penalty, image_size=16, channels=1, latent_dim=4)
        assert g.output_shape == (None, 16, 16, 1) and d.output_shape == (None, 1)
        convs = lambda m: sum(type(l).__name__ in ("Conv2D", "UpsampleConv", "ConvMeanPool")  # noqa: E731
                              for l in m.layers)
        assert (convs(g), convs(d)) == (arch.g_depth, arch.d_depth)  # depth counts convolutions
        critic_norms = {type(l).__name__ for l in d._flatten_layers()} & {"LayerNorm", "BatchNormalization"}
        assert critic_norms == {norm}
    g, d = search_space.mlp_models(arch, gradient_penalty=True)
    assert len([l for l in g.layers if isinstance(l, keras.layers.Dense)]) == arch.g_depth + 1
    with pytest.raises(ValueError, match="g_depth must be >= 4"):
        search_space.conv_models(arch.__class__("relu", "relu", 3, 4, False, False, 2, 2), True, image_size=32)
    # softplus(2x + 2)/2 - 1: log(2)/2 - 1 at x = -1, about x for large x
    values = keras.ops.convert_to_numpy(search_space.shifted_softplus(np.array([-1.0, 20.0])))
    assert values == pytest.approx([math.log(2.0) / 2.0 - 1.0, 20.0], abs=1e-6)


def test_outcome_table_counts_like_the_papers_table_2():
    from tfgan_gp.selection import search_space

    scores = [{"a": 0.9, "b": 0.2}, {"a": 0.5, "b": 0.6}, {"a": float("nan"), "b": 0.8}, {"a": 0.1, "b": 0.1}]
    rows = search_space.outcome_table(scores, ["a", "b"], [0.5]).splitlines()
    assert rows[0] == "| min. score | a succeeded | b succeeded | only a | only b | both | neither |"
    assert rows[2] == "| 0.5 | 2 | 2 | 1 | 1 | 1 | 1 |"


# ------------------------------------------------ the framework's findings, cited
def test_recommend_cites_the_framework_findings_it_relies_on():
    ranked = {r.candidate.name: r for r in selection.recommend("images")}
    assert set(ranked) == set(selection.names())
    citation = ("selection framework, arXiv 2002.08641, loss question: the loss-sensitive GAN and SNGAN "
                "generalise better")
    for name in ("loss_sensitive", "sngan"):
        assert any(citation in reason for reason in ranked[name].reasons), name
        assert "generalisation" in ranked[name].findings
    assert "sn_cost" in ranked["sngan"].findings and "gp_quality" in ranked["wgan_gp"].findings
    assert all("[[" not in reason for r in ranked.values() for reason in r.reasons)   # every marker resolved
    assert all(key in advice.FINDINGS for r in ranked.values() for key in r.findings)
    # on images the fully connected GAN is marked down for ignoring spatial structure
    assert ranked["fc_gan"].reasons[0].startswith("images: fully connected networks ignore the spatial structure")
    toy = {r.candidate.name: r.score for r in selection.recommend("toy")}
    assert ranked["fc_gan"].score == pytest.approx(toy["fc_gan"] - 0.5)


def test_all_means_the_catalogue_the_problem_can_build(toy):
    assert toy.supports("mlp") and not toy.supports("dcgan")
    names = [c.name for c in candidates_lib.parse("all", "toy", supports=lambda c: c.name != "fc_gan")]
    assert names == [n for n in selection.names() if n != "fc_gan" and selection.get(n, "toy").suits("toy")]
    images = tf.data.Dataset.from_tensor_slices(np.zeros((4, 32, 32, 1), np.float32))
    problem = selection.image_problem(images, classifier=lambda x: (x, x), name="zeros")
    assert problem.supports("mlp") and problem.supports("dcgan") and not problem.supports("char_cnn")
    gan = selection.get("fc_gan").build(problem, model_kwargs={"dcgan": {"dim": 2}, "mlp": {"width": 4, "depth": 1}})
    assert gan.critic.input_shape == (None, 32, 32, 1) and gan.generator.output_shape == (None, 32, 32, 1)
    assert gan.critic.get_layer("hidden_0").kernel.shape == (32 * 32, 4)


# ------------------------------------------------------- budgeted search and report
@pytest.fixture(scope="module")
def halving(toy, tmp_path_factory):
    """Successive halving of three candidates, one of them clipped WGAN with a learning rate of 1000 (its generator
    blows up at once), then the report; 2 rounds (⌈log₂ 3⌉), budget 24 = 2 × 12: round 1 gives 12 // (3 × 2) = 2
    iterations to each run, round 2 gives 12 // (2 × 2) = 3 more to the two kept."""
    logdir = str(tmp_path_factory.mktemp("halving"))
    diverging = selection.get("wgan_clip", "toy").replace(name="wgan_clip_lr1000", learning_rate=1e3)
    board = selection.compare(["lsgan", diverging, "rsgan"], toy, budget=24, seeds=2, logdir=logdir, batch_size=8,
                              model_kwargs=TINY_MLP, n_critic=1, run_eagerly=True, verbose=False)
    report = selection.Report(board)
    report.write(logdir)
    return board, report, logdir


def test_successive_halving_stops_the_diverging_candidate_first(halving):
    board, _, logdir = halving
    assert [h["stopped"] for h in board.history] == [["wgan_clip_lr1000"], []]
    assert [h["iterations_per_run"] for h in board.history] == [2, 3]
    iterations = {(r.candidate, r.seed): r.iterations for r in board.runs}
    assert iterations == {("lsgan", 0): 5, ("lsgan", 1): 5, ("rsgan", 0): 5, ("rsgan", 1): 5,
                          ("wgan_clip_lr1000", 0): 2, ("wgan_clip_lr1000", 1): 2}
    assert sum(iterations.values()) <= 24 and {r.seed for r in board.runs} == {0, 1}   # same seeds for all
    with open(os.path.join(logdir, "leaderboard.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [r["candidate"] for r in rows][-1] == "wgan_clip_lr1000"                      # ranked below the finalists
    assert {r["candidate"]: r["stopped"] for r in rows} == {"lsgan": "", "rsgan": "", "wgan_clip_lr1000": "1"}
    assert "| after round 1 of 2 |" in open(os.path.join(logdir, "leaderboard.md"), encoding="utf-8").read()
    clip = [r for r in board.runs if r.candidate == "wgan_clip_lr1000"]
    assert all(r.diverged or r.metrics["w1"] > 100 for r in clip)                         # it did blow up


def test_report_answers_the_four_questions_with_evidence(halving):
    board, report, logdir = halving
    assert report.verdict in ("lsgan", "rsgan")                                          # a finalist
    markdown = open(os.path.join(logdir, "report.md"), encoding="utf-8").read()
    assert f"**Verdict: use `{report.verdict}`**" in markdown
    for heading in ("### Architecture", "### Loss", "### Regularization", "### Divergence", "## Evidence",
                    "### Successive halving"):
        assert heading in markdown
    assert "| **mlp** | `" in markdown and "| clip | `wgan_clip_lr1000` |" in markdown
    assert "stability across seeds" in markdown and "mode collapse (modes covered)" in markdown
    assert "selection framework, arXiv 2002.08641" in markdown                           # findings cited
    png = tf.io.decode_png(tf.io.read_file(os.path.join(logdir, "report.png")))
    assert png.shape[0] > 500 and png.shape[1] > 1000
    # the score by hand: 2 finalists, ranks scaled to 0 (best) / 1; weights quality 3, stability 2, modes 1
    rows = {r["candidate"]: r for r in board.rows}
    q = {n: rows[n]["w1_mean"] for n in ("lsgan", "rsgan")}
    s = {n: rows[n]["w1_std"] for n in ("lsgan", "rsgan")}
    m = {n: rows[n]["modes_covered_mean"] for n in ("lsgan", "rsgan")}

    def scaled(values, lower):
        a, b = values["lsgan"], values["rsgan"]
        if a == b:
            return {"lsgan": 0.5, "rsgan": 0.5}
        first = (a < b) == lower
        return {"lsgan": 0.0 if first else 1.0, "rsgan": 1.0 if first else 0.0}

    expected = {n: (3 * scaled(q, True)[n] + 2 * scaled(s, True)[n] + scaled(m, False)[n]) / 6
                for n in ("lsgan", "rsgan")}
    assert report.scores == pytest.approx(expected)


def test_compare_rejects_a_budget_that_cannot_feed_the_first_round(toy):
    with pytest.raises(ValueError, match=r"budget is too small: 3 candidates × 2 seeds over 2 rounds need at least "
                                         r"12 generator iterations.*Received: budget=11"):
        selection.compare(["lsgan", "rsgan", "sngan"], toy, budget=11, seeds=2)
    with pytest.raises(ValueError, match=r"either iterations .* or budget.*Received: iterations=5, budget=100"):
        selection.compare(["lsgan"], toy, iterations=5, budget=100)


def test_select_recipe_writes_the_report_next_to_the_leaderboard(tmp_path, capsys):
    from absl import flags

    from recipes import select

    flag_values = flags.FlagValues()
    select.define_flags(flag_values)
    flag_values(["select", f"--logdir={tmp_path}", "--smoke", "--candidates=lsgan,fc_gan", "--budget=4", "--seeds=1",
                 "--width=4"])
    select.main([], flag_values)
    out = capsys.readouterr().out
    assert "**Verdict: use `" in out and str(tmp_path / "report.md") in out
    for name in ("leaderboard.csv", "leaderboard.md", "leaderboard.png", "report.md", "report.png"):
        assert (tmp_path / name).exists(), name
    runs = list(csv.DictReader(open(tmp_path / "runs.csv")))
    assert sorted(int(r["iterations"]) for r in runs) == [2, 2]                    # 4 = 2 candidates × 1 seed × 2
