"""GAN selection: catalogue, recommendations, measures against hand computations, and compare end to end."""
import csv
import dataclasses
import glob
import json
import math
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.plugins.hparams import plugin_data_pb2

import tfgan_gp as tg
from tfgan_gp import checkpoints, losses, penalties, selection, training
from tfgan_gp.data import load_text
from tfgan_gp.metrics import ImageEvaluator, evaluation, frechet_distance, ngram_js
from tfgan_gp.selection import advice, candidates as candidates_lib, comparison, measures

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
    assert wgan_gp.answers("dcgan") == {"architecture": "dcgan", "loss": "wasserstein", "regularization": "gp",
                                        "divergence": "wasserstein_1"}
    assert selection.get("sngan").gan.penalty == "spectral" and selection.get("sngan").gan.loss == "hinge"
    assert selection.get("ralsgan").gan.loss == "relativistic_average_ls"
    assert selection.get("fgan_reverse_kl").gan.loss == "f_gan:reverse_kl"
    assert selection.get("fgan_reverse_kl").divergence == "reverse_kl"
    # published settings that depend on the data: gan_toy.py's λ = 0.1, gan_language.py's 10 critic steps
    assert selection.get("wgan_gp", "toy").gan.build_penalty().weight == 0.1
    assert selection.get("wgan_gp", "images").gan.build_penalty().weight == 10.0
    assert selection.get("wgan_gp", "text").gan.n_critic == 10
    assert wgan_gp.gan.optimizer == tg.Optimizer(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)  # gan_toy.py's Adam
    assert selection.get("wgan_clip").gan.optimizer == tg.Optimizer("rmsprop", 5e-5)
    # the models are left to the problem: no family, no shapes
    assert all(c.gan.latent_dim is None and "latent_dim" not in c.gan.generator_kwargs
               for c in selection.CATALOGUE.values())


def test_catalogue_answers_the_four_questions_for_the_papers_other_methods():
    """Geometric GAN, the loss-sensitive GAN, the fully connected GAN and the ten f-GANs, each with its answers."""
    answers = {name: tuple(c.answers().values()) for name, c in selection.CATALOGUE.items()}
    assert answers["geometric_gan"] == (None, "hinge", "none", "total_variation")
    assert answers["loss_sensitive"] == (None, "loss_sensitive", "weight_decay", "l1_margin_lipschitz")
    assert answers["fc_gan"] == ("mlp", "non_saturating", "none", "jensen_shannon")
    assert {c.divergence for n, c in selection.CATALOGUE.items() if n.startswith("fgan_")} == set(
        tg.divergences.names())
    geometric, sngan = selection.get("geometric_gan"), selection.get("sngan")
    assert geometric.gan.n_critic == 1 and sngan.gan.n_critic == 5 and not geometric.gan.gradient_penalty
    assert selection.get("loss_sensitive").gan.build_penalty().weight == 5e-5
    assert selection.get("dcgan", "toy").gan.generator_kwargs == {"normalization": "batch"}  # else it is fc_gan
    assert [c.name for c in candidates_lib.parse("all")] == selection.names()
    assert len(selection.CATALOGUE) == 27   # 21 methods + 6 stabilizers; on toy data not the 3 that transform images
    assert len(candidates_lib.parse("all", "toy")) == 24


@pytest.mark.parametrize("name", REQUIRED)
def test_each_candidate_builds_and_makes_one_training_step(name, toy):
    candidate = selection.get(name, "toy")
    gan = toy.complete(candidate.gan, TINY_MLP).build(seed=0)
    assert gan.n_critic == candidate.gan.n_critic
    assert type(gan.adversarial_loss) is type(losses.get(candidate.gan.loss))
    assert type(gan.penalty) is type(candidate.gan.build_penalty())
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
    if candidate.gan.penalty in ("gp", "dragan"):
        assert gan.penalty.weight == candidate.gan.penalty_weight and "penalty" in logs


def test_image_candidates_put_batch_norm_only_where_it_belongs():
    images = tf.data.Dataset.from_tensor_slices(np.zeros((4, 32, 32, 1), np.float32))
    problem = selection.image_problem(images, classifier=lambda x: (x, x), name="zeros")

    def critic_layers(name):
        gan = problem.complete(selection.get(name).gan, {"dim": 2}).build()
        return ({type(layer).__name__ for layer in gan.critic._flatten_layers()},
                {type(layer).__name__ for layer in gan.generator._flatten_layers()})

    critic, generator = critic_layers("wgan_gp")
    assert "BatchNormalization" not in critic and "BatchNormalization" in generator
    critic, _ = critic_layers("dcgan")  # DCGAN's own critic has batch norm (no per-sample penalty)
    assert "BatchNormalization" in critic
    batch_norm = selection.get("wgan_gp").replace(critic_kwargs={"normalization": "batch"})
    assert problem.complete(batch_norm.gan, {"dim": 2}).critic_kwargs == {
        "image_size": 32, "channels": 1, "dim": 2, "gradient_penalty": True, "normalization": "batch"}
    with pytest.raises(ValueError, match="batch normalization"):
        problem.complete(batch_norm.gan, {"dim": 2}).build()


def test_unknown_candidate_lists_the_valid_names(toy):
    with pytest.raises(ValueError, match="wgan_gp.*sngan.*Received: 'wgan_gpp'"):
        selection.get("wgan_gpp")
    with pytest.raises(ValueError, match="ralsgan"):
        selection.compare(["wgan_gp", "nope"], toy, iterations=1, seeds=1)


def test_candidate_validation_names_the_argument():
    with pytest.raises(ValueError, match="gan must be a tfgan_gp.GANSpec.*Received: gan='hinge'"):
        selection.Candidate("x", "hinge")
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        selection.Candidate("", tg.GANSpec())
    # the spec's own checks, reached through the candidate's replace
    sngan = selection.get("sngan")
    with pytest.raises(ValueError, match="critic's normalization must be 'spectral'.*Received: critic normalization="
                                         "'batch'"):
        sngan.replace(critic_kwargs={"normalization": "batch"})
    with pytest.raises(ValueError, match="penalty must be one of.*Received: penalty='dropout'"):
        sngan.replace(penalty="dropout")   # (weight_decay is one: the loss-sensitive GAN's)
    with pytest.raises(ValueError, match="loss must be one of.*Received: loss='wasserstein_gp'"):
        sngan.replace(loss="wasserstein_gp")
    with pytest.raises(ValueError, match="n_critic"):
        sngan.replace(n_critic=0)
    with pytest.raises(ValueError, match="duplicates"):
        candidates_lib.parse("lsgan,lsgan")


def test_candidate_replace_routes_its_own_fields_and_the_specs_and_derives_the_divergence():
    lsgan = selection.get("lsgan")
    fast = lsgan.replace(name="lsgan_fast", optimizer=lsgan.gan.optimizer.replace(learning_rate=1e-3), n_critic=2)
    assert (fast.name, fast.summary, fast.gan.loss) == ("lsgan_fast", lsgan.summary, "least_squares")
    assert (fast.gan.optimizer.learning_rate, fast.gan.optimizer.beta_2, fast.gan.n_critic) == (1e-3, 0.999, 2)
    assert lsgan.gan.optimizer.learning_rate == 2e-4 and lsgan.name == "lsgan"     # the catalogue's is unchanged
    # another loss, another divergence; another penalty, its own default weight
    assert fast.replace(loss="f_gan:kl").divergence == "kl" and fast.divergence == "pearson_chi2"
    assert fast.replace(penalty="gp").gan.penalty_weight == 10.0
    assert fast.replace(penalty="gp", penalty_weight=2.5).gan.penalty_weight == 2.5
    assert selection.get("wgan_clip").replace(penalty_weight=3.0).gan.penalty_weight is None   # clipping: weightless
    hparams = fast.hparams()
    assert (hparams["regularization"], hparams["learning_rate"], hparams["beta_1"], hparams["penalty_weight"]) == (
        "none", 1e-3, 0.5, 0.0)
    assert selection.get("wgan_clip").hparams()["beta_1"] == 0.0                   # RMSProp has none


def test_a_spectral_part_is_named_once_in_candidates():   # (the penalty parts: test_regularizers)
    received = re.escape("Received: penalty='spectral+spectral'")
    with pytest.raises(ValueError, match=f"penalty must name each part of a combination once.*{received}"):
        selection.get("sngan").replace(penalty="spectral+spectral")


def test_combined_penalty_names_are_accepted_by_candidates_and_build(toy):
    sn_lecam = selection.Candidate("x", tg.GANSpec(loss="hinge", penalty="spectral+lecam", n_critic=1))
    assert isinstance(sn_lecam.gan.build_penalty(), penalties.LeCam) and not sn_lecam.gan.gradient_penalty
    spec = toy.complete(sn_lecam.gan, TINY_MLP)
    assert spec.critic_builder_kwargs()["normalization"] == "spectral" and not spec.critic_kwargs["gradient_penalty"]
    gan = spec.build(seed=0)
    assert "SpectralNormalization" in {type(layer).__name__ for layer in gan.critic._flatten_layers()}
    assert isinstance(gan.penalty, penalties.LeCam) and gan.penalty.weight == 0.3
    gp_bcr = selection.Candidate("x", tg.GANSpec(loss="wasserstein", penalty="gp+bcr", penalty_weight=5.0))
    assert [part.weight for part in gp_bcr.gan.build_penalty().parts] == [5.0, 10.0]   # λ goes to the first part
    assert not gp_bcr.suits("toy") and gp_bcr.suits("images")                         # bCR flips images
    # compare's penalty_weight for all: the first part of a combination, weightless penalties ignore it
    assert [p.weight for p in gp_bcr.replace(penalty_weight=2.0).gan.build_penalty().parts] == [2.0, 10.0]
    # a spectrally normalized critic with batch norm: refused by name
    with pytest.raises(ValueError, match=r"penalty='spectral\+lecam' normalizes the critic's weights spectrally"):
        sn_lecam.replace(critic_kwargs={"normalization": "batch"})


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
    assert selection.recommend("text")[0].candidate.gan.n_critic == 10


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
        assert hparams["loss"].string_value == selection.get(run["candidate"], "toy").gan.loss
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
    assert isinstance(problem.evaluator, ImageEvaluator)
    gan = problem.complete(selection.get("lsgan").gan, {"dim": 2}).build()
    scores = problem.evaluate(gan, seed=0)
    assert {"fid", "kid", "inception_score", "precision", "recall"} <= set(scores)
    fake = np.concatenate([gan.sample(8, seed=10_000 + i).numpy() for i in range(3)])
    real_features, fake_features = classifier(images)[1].numpy(), classifier(fake)[1].numpy()
    assert scores["fid"] == pytest.approx(frechet_distance(real_features, fake_features), rel=1e-6)
    assert (scores["precision"], scores["recall"]) == pytest.approx(
        naive_precision_recall(real_features.astype(np.float64), fake_features.astype(np.float64), 3))


def moments(x):
    """A classifier whose features (and logits) are each image's pixel mean and std."""
    x = tf.convert_to_tensor(x)
    feats = tf.concat([tf.reduce_mean(x, [1, 2]), tf.math.reduce_std(x, [1, 2])], axis=1)
    return feats, feats


def moments_image_problem(images):
    """An image problem on ``images`` scored by :func:`moments`."""
    return selection.image_problem(tf.data.Dataset.from_tensor_slices(images), moments, eval_samples=16,
                                   batch_size=8)


def test_compare_scores_image_runs_through_the_image_evaluator_with_real_statistics_computed_once(monkeypatch):
    images = np.random.default_rng(1).uniform(-1, 1, size=(16, 16, 16, 1)).astype(np.float32)

    problem = moments_image_problem(images)
    scored, computed = [], []
    call, compute = ImageEvaluator.__call__, evaluation.compute_statistics
    monkeypatch.setattr(ImageEvaluator, "__call__", lambda self, *a, **k: scored.append(call(self, *a, **k)) or
                        scored[-1])
    monkeypatch.setattr(evaluation, "compute_statistics", lambda *a, **k: computed.append(1) or compute(*a, **k))
    tiny = {"width": 4, "depth": 1}
    lsgan = selection.get("lsgan").replace(name="lsgan_mlp", architecture="mlp")   # (16×16: no DCGAN)
    board = selection.compare(["fc_gan", lsgan], problem, iterations=1, seeds=1, batch_size=4, model_kwargs=tiny,
                              run_eagerly=True, verbose=False)
    assert [run.metrics for run in board.runs] == scored       # the evaluator's numbers, nothing recomputed
    assert len(computed) == 3                                   # the real statistics once, then one per run
    gan = problem.complete(selection.get("fc_gan").gan, tiny).build()
    direct = ImageEvaluator(moments, real_stats=images, batch_size=8, splits=1, kid_block_size=16,
                            keep_features=16)(gan.sample, 16, seed=10_000)
    assert problem.evaluate(gan, 0) == pytest.approx(direct, nan_ok=True)   # (one KID block: no std)


def test_text_problem_scores_js_and_the_fraction_of_distinct_lines(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"the {word} sat on a mat\n" for word in ("cat", "dog", "hen", "ant") * 4))
    problem = selection.text_problem(str(path), seq_len=8, eval_samples=20, reference_lines=16)
    assert problem.supports("char_cnn") and not problem.supports("mlp")
    gan = problem.complete(selection.get("wgan_gp", "text").gan, {"dim": 4, "num_blocks": 1}).build()
    scores = problem.evaluate(gan, seed=2)
    _, vocab = load_text(str(path), seq_len=8, one_hot=False)
    lines = [vocab.decode(row, strip_pad=False)
             for batch in evaluation.sample_batches(gan.sample, 20, 64, 10_002) for row in batch]
    reference = [f"the {word} " for word in ("cat", "dog", "hen", "ant") * 4]
    assert scores["unique_fraction"] == len(set(lines)) / 20
    assert scores == pytest.approx(dict({f"js{n}": ngram_js(lines, reference, n) for n in range(1, 5)},
                                        unique_fraction=len(set(lines)) / 20))


def test_toy_problem_refuses_other_families(toy):
    with pytest.raises(ValueError, match="mlp.*Received: architecture='dcgan'"):
        toy.complete(selection.get("lsgan").replace(architecture="dcgan").gan)


def test_problem_models_merge_shapes_then_model_kwargs_then_the_candidates_own(toy):
    models = toy.models("mlp", {"width": 8, "depth": 1})
    assert models == {"generator_kwargs": dict(latent_dim=2, output_dim=2, width=8, depth=1),
                      "critic_kwargs": dict(input_dim=2, width=8, depth=1), "latent_dim": 2}
    assert toy.models("mlp", {"mlp": {"width": 4}, "dcgan": {"dim": 2}})["critic_kwargs"] == dict(input_dim=2, width=4)
    dcgan = selection.get("dcgan", "toy").replace(generator_kwargs={"normalization": "batch", "width": 6})
    spec = toy.complete(dcgan.gan, {"width": 8, "depth": 1})
    assert (spec.architecture, spec.latent_dim) == ("mlp", 2)
    assert spec.generator_kwargs == dict(latent_dim=2, output_dim=2, width=6, depth=1, normalization="batch")
    assert spec.critic_kwargs == dict(input_dim=2, width=8, depth=1, gradient_penalty=False)
    with pytest.raises(ValueError, match="The mlp generator takes no argument dim"):
        toy.complete(selection.get("lsgan").gan, {"dim": 2})


# ------------------------------------------------------- §5.1 random architectures
def test_search_space_draws_and_builds_with_the_penalty_aware_critic_norm():
    from tfgan_gp.selection import search_space

    rng = np.random.default_rng(3)
    draws = [search_space.sample(rng, depths=(4, 5), widths=(2, 4)) for _ in range(40)]
    assert {d.g_nonlinearity for d in draws} == set(search_space.NONLINEARITIES)
    assert {d.g_depth for d in draws} == {4, 5} and {d.d_batch_norm for d in draws} == {True, False}
    assert search_space.sample(np.random.default_rng(3), depths=(4, 5), widths=(2, 4)) == draws[0]
    arch = search_space.RandomArchitecture("softplus", "leaky_relu", 5, 4, True, True, 2, 2)
    conv = tg.architectures.get(search_space.CONV)
    for method, norm in (("wgan_gp", "LayerNorm"), ("dcgan", "BatchNormalization")):
        drawn = arch.candidate(selection.get(method), "images").gan
        assert drawn.architecture == search_space.CONV and drawn.critic_kwargs["depth"] == 4
        g = conv.generator(**drawn.generator_kwargs, image_size=16, channels=1, latent_dim=4)
        d = conv.critic(**drawn.critic_kwargs, image_size=16, channels=1, gradient_penalty=drawn.gradient_penalty)
        assert g.output_shape == (None, 16, 16, 1) and d.output_shape == (None, 1)
        convs = lambda m: sum(type(l).__name__ in ("Conv2D", "UpsampleConv", "ConvMeanPool")  # noqa: E731
                              for l in m.layers)
        assert (convs(g), convs(d)) == (arch.g_depth, arch.d_depth)  # depth counts convolutions
        critic_norms = {type(l).__name__ for l in d._flatten_layers()} & {"LayerNorm", "BatchNormalization"}
        assert critic_norms == {norm}
    # on 2-D points through the problem, as recipes/random_architectures.py builds them: the toy MLP's shapes
    toy = selection.toy_problem("8gaussians")
    toy = dataclasses.replace(toy, shapes=search_space.shapes(toy))
    spec = toy.complete(arch.candidate(selection.get("wgan_gp", "toy"), "toy").gan)
    assert (spec.architecture, spec.latent_dim, spec.critic_kwargs["gradient_penalty"]) == (search_space.MLP, 2, True)
    gan = spec.build()
    assert len([l for l in gan.generator.layers if isinstance(l, keras.layers.Dense)]) == arch.g_depth + 1
    assert {type(l).__name__ for l in gan.critic._flatten_layers()} & {"LayerNorm", "BatchNormalization"} == {
        "LayerNorm"}
    with pytest.raises(ValueError, match="The generator's depth must be >= 4 at 32x32"):
        tg.architectures.random_space.conv_generator("relu", 3, False, 2, image_size=32)
    # softplus(2x + 2)/2 - 1: log(2)/2 - 1 at x = -1, about x for large x
    values = keras.ops.convert_to_numpy(tg.architectures.random_space.shifted_softplus(np.array([-1.0, 20.0])))
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
    gan = problem.complete(selection.get("fc_gan").gan, {"dcgan": {"dim": 2}, "mlp": {"width": 4, "depth": 1}}).build()
    assert gan.critic.input_shape == (None, 32, 32, 1) and gan.generator.output_shape == (None, 32, 32, 1)
    assert gan.critic.get_layer("hidden_0").kernel.shape == (32 * 32, 4)


# ------------------------------------------------------- budgeted search and report
@pytest.fixture(scope="module")
def halving(toy, tmp_path_factory):
    """Successive halving of three candidates, one of them clipped WGAN with a learning rate of 1000 (its generator
    blows up at once), then the report; 2 rounds (⌈log₂ 3⌉), budget 24 = 2 × 12: round 1 gives 12 // (3 × 2) = 2
    iterations to each run, round 2 gives 12 // (2 × 2) = 3 more to the two kept. The report judges them without the
    problem's minimum, which 5 iterations reach for none (the minimum's own tests are at the end)."""
    logdir = str(tmp_path_factory.mktemp("halving"))
    diverging = selection.get("wgan_clip", "toy").replace(name="wgan_clip_lr1000",
                                                          optimizer=tg.Optimizer("rmsprop", learning_rate=1e3))
    board = selection.compare(["lsgan", diverging, "rsgan"], toy, budget=24, seeds=2, logdir=logdir, batch_size=8,
                              model_kwargs=TINY_MLP, n_critic=1, run_eagerly=True, verbose=False)
    without_minimum = dataclasses.replace(toy, baseline=None, coverage_minimum=None)
    report = selection.Report(dataclasses.replace(board, problem=without_minimum))
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
    # the score by hand: 2 finalists, ranks scaled to 0 (none measurably better) / 1; weights quality 3, stability 2,
    # modes 1; a tie within twice the standard error of the difference (2 seeds: s/√2 for a mean, and for a standard
    # deviation s/√(2(n−1)) = s/√2 too)
    rows = {r["candidate"]: r for r in board.rows}
    q = {n: (rows[n]["w1_mean"], rows[n]["w1_std"] / math.sqrt(2)) for n in ("lsgan", "rsgan")}
    s = {n: (rows[n]["w1_std"], rows[n]["w1_std"] / math.sqrt(2)) for n in ("lsgan", "rsgan")}
    m = {n: (rows[n]["modes_covered_mean"], rows[n]["modes_covered_std"] / math.sqrt(2)) for n in ("lsgan", "rsgan")}

    def scaled(values, lower):
        (a, error_a), (b, error_b) = values["lsgan"], values["rsgan"]
        if abs(a - b) <= 2 * math.hypot(error_a, error_b):
            return {"lsgan": 0.0, "rsgan": 0.0}
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
    # 2 iterations reach no minimum: no verdict, and the budget to try
    assert "**No verdict**" in out and "`--budget 16`" in out and str(tmp_path / "report.md") in out
    for name in ("leaderboard.csv", "leaderboard.md", "leaderboard.png", "report.md", "report.png"):
        assert (tmp_path / name).exists(), name
    runs = list(csv.DictReader(open(tmp_path / "runs.csv")))
    assert sorted(int(r["iterations"]) for r in runs) == [2, 2]                    # 4 = 2 candidates × 1 seed × 2


def test_select_recipe_keeps_lambda_gp_as_the_old_name_of_penalty_weight():
    from absl import flags

    from recipes import select

    for flag in ("--lambda_gp=0.5", "--penalty_weight=0.5"):
        flag_values = flags.FlagValues()
        select.define_flags(flag_values)
        flag_values(["select", flag])
        assert flag_values.penalty_weight == 0.5 and flag_values.lambda_gp == 0.5


# ------------------------------------------------------------- the training path: tg.train's
def test_compare_trains_each_run_as_tg_train_does(toy, monkeypatch):
    """The same candidate and seed trained by tg.train (in memory) and by compare: the same iterations, losses and
    scores, and compare's run went through training.fit."""
    fits = []
    fit = training.fit
    monkeypatch.setattr(training, "fit", lambda *a, **k: fits.append(k.get("until")) or fit(*a, **k))
    board = selection.compare(["rsgan"], toy, iterations=4, seeds=[3], batch_size=8, model_kwargs=TINY_MLP,
                              verbose=False)
    (run,) = board.runs
    assert fits == [4]
    recorder = measures.RunRecorder()
    recipe = tg.Recipe(name="rsgan", gan=toy.complete(selection.get("rsgan", "toy").gan, TINY_MLP),
                       data=lambda: toy.real_data(3), in_memory=False, shuffle_buffer=None,
                       callbacks=lambda gan, logdir: [recorder])
    gan = tg.train(recipe, tg.TrainConfig(logdir=None, iterations=4, batch_size=8, eval_every=4, seed=3,
                                          precision="float32"))
    assert gan.iteration == run.iterations == 4 and fits == [4, None]   # (tg.train: to config.iterations)
    for name in ("d_loss", "g_loss", "wasserstein_estimate"):
        np.testing.assert_allclose(recorder.curves[name], run.curves[name], rtol=1e-5, atol=1e-6)
    assert toy.evaluate(gan, 3) == pytest.approx(run.metrics, rel=1e-4)


def test_compare_with_run_directories_records_checkpoints_and_resumes(tmp_path, toy):
    logdir = str(tmp_path)
    settings = dict(seeds=1, logdir=logdir, batch_size=8, model_kwargs=TINY_MLP, run_dirs=True, verbose=False)
    selection.compare(["lsgan"], toy, iterations=2, **settings)
    directory = comparison.run_dir(logdir, "lsgan", 0)
    assert directory == os.path.join(logdir, "runs", "lsgan", "seed_0")
    with open(os.path.join(directory, "run_config.json")) as f:
        record = json.load(f)
    assert (record["recipe"], record["gan"]["loss"], record["gan"]["architecture"]) == ("lsgan", "least_squares",
                                                                                      "mlp")
    assert record["settings"] == {"problem": "8gaussians"} and record["train"]["seed"] == 0
    assert checkpoints.latest(directory).endswith("-2")
    assert glob.glob(os.path.join(directory, "**", "events.out.tfevents.*"), recursive=True)   # TensorBoard

    board = selection.compare(["lsgan"], toy, iterations=5, **settings)   # resumes at 2: trains 3 more
    (run,) = board.runs
    assert run.iterations == 5 and len(run.curves["d_loss"]) == 3 and not run.diverged
    assert checkpoints.latest(directory).endswith("-5")
    with pytest.raises(ValueError, match="run_dirs=True trains every run in LOGDIR/runs.*Received: logdir=None"):
        selection.compare(["lsgan"], toy, iterations=1, seeds=1, run_dirs=True)
    with pytest.raises(ValueError, match="successive halving ranks every run after each round.*Received: budget=8"):
        selection.compare(["lsgan", "rsgan"], toy, budget=8, seeds=1, logdir=logdir, run_dirs=True)


# ------------------------------------------- the report's minimum and noise (issue 31), on synthetic results
@pytest.fixture(scope="module")
def grid25():
    return selection.toy_problem("25gaussians", eval_samples=256)


def synthetic_board(problem, measured, iterations=1000):
    """A leaderboard of ``measured`` = ``{candidate: [(W1, modes, seconds per iteration) per seed]}`` (no training)."""
    runs = [comparison.RunResult(candidate=name, seed=seed, n_critic=5,
                                 metrics={"w1": w1, "modes_covered": modes, "high_quality_fraction": 0.5},
                                 oscillation=0.1, failure=None, iterations=iterations, seconds_per_iteration=cost,
                                 params_generator=100, params_critic=100,
                                 curves={"wasserstein_estimate": [1.0, 0.5, 0.2]})
            for name, seeds in measured.items() for seed, (w1, modes, cost) in enumerate(seeds)]
    return selection.Leaderboard(problem, [selection.get(name, "toy") for name in measured], runs, iterations)


def panel_texts(figure):
    """``{title: the text drawn in the panel}`` of a report figure's panels that say why they show nothing."""
    return {ax.get_title(): " ".join(t.get_text() for t in ax.texts).replace("\n", " ")
            for ax in figure.axes if ax.texts and ax.get_title()}


def test_report_gives_no_verdict_when_no_candidate_reaches_the_minimum(grid25, tmp_path):
    """The issue's case: every candidate covered 0 of 25 modes and the report still said "use sngan"."""
    board = synthetic_board(grid25, {"wgan_gp": [(0.30, 0, 0.0300)], "sngan": [(0.29, 0, 0.0301)],
                                     "lsgan": [(0.9, 3, 0.008)]})
    report = selection.Report(board)
    assert report.verdict is None and report.scores == {}                  # before: "use sngan"
    minimum = grid25.minimum()     # a Gaussian with the data's mean and covariance: W1 ≈ 0.4 on 25 Gaussians
    assert 0.2 < minimum.quality < 0.6 and minimum.coverage == 0
    assert report.shortfalls("sngan") == ["modes 0, short of at least one mode covered"]
    assert report.shortfalls("lsgan") == [f"W1 0.9 is no better than {minimum.quality:.3g} (a Gaussian with the "
                                          f"data's mean and covariance)"]
    markdown = report.markdown()
    assert (f"**No verdict**: no candidate reached the minimum for toy data on 25gaussians (W1 below "
            f"{minimum.quality:.3g}, the score of a Gaussian with the data's mean and covariance; at least one mode "
            f"covered) with 1,000 generator iterations per run, 1 seed") in markdown
    assert "- `sngan`: modes 0, short of at least one mode covered (W1 0.29" in markdown
    assert "Try a budget 4× this one: `--iterations 4000` (`compare(iterations=4000)`)" in markdown
    assert "**Verdict" not in markdown and "| no |" in markdown
    # the panels that were empty axes say why
    panels = panel_texts(report.figure())
    assert "mode collapse: modes (higher is better)" not in panels   # lsgan covered 3: drawn as bars
    assert panels["stability: spread of W1 across seeds (lower is better)"] == ("one seed: stability needs two or "
                                                                                "more (--seeds 2)")
    nothing = selection.Report(synthetic_board(grid25, {"wgan_gp": [(0.3, 0, 0.03)], "sngan": [(0.29, 0, 0.03)]}))
    panels = panel_texts(nothing.figure())
    assert panels["mode collapse: modes (higher is better)"] == "modes: 0 for every candidate"
    report.write(str(tmp_path))
    assert (tmp_path / "report.png").exists()
    under_budget = dataclasses.replace(board, iterations=None, budget=600)
    assert "`--budget 2400` (`compare(budget=2400)`)" in "\n".join(selection.Report(under_budget).verdict_lines())


def test_report_calls_differences_inside_the_measured_noise_ties(grid25):
    """A 0.25 % cost difference made one candidate "cheaper"; quality differences within the seed spread are
    ties too, and a tie of the best scores is reported as one."""
    one_seed = selection.Report(synthetic_board(grid25, {"wgan_gp": [(0.20, 5, 0.0300)],
                                                         "sngan": [(0.20, 5, 0.030075)]}), ["cost"])
    lines = "\n".join(one_seed.verdict_lines())
    assert "30 ms, 1 of 2 (tied with `sngan`: less than 10% apart or within the spread across seeds)" in lines
    assert one_seed.outcome("cost", "wgan_gp", "sngan") == 0 and one_seed.scores == {"wgan_gp": 0.0, "sngan": 0.0}
    assert "A tie: `sngan` scores the same" in lines
    by_default_priorities = "\n".join(selection.Report(one_seed.board).verdict_lines())
    assert "one seed: no spread across seeds was measured" in by_default_priorities
    assert one_seed.outcome("cost", "wgan_gp", "sngan", None, {**one_seed.rows["sngan"], "sec_per_iter": 0.04}) == 1

    # three seeds: W1 0.12 ± 0.02 vs 0.13 ± 0.02 tie (twice the standard error of the difference is 0.033);
    # 0.05 ± 0.001 is better than both
    board = synthetic_board(grid25, {"wgan_gp": [(0.10, 5, 0.03), (0.14, 5, 0.03), (0.12, 5, 0.03)],
                                     "lsgan": [(0.13, 5, 0.03), (0.15, 5, 0.03), (0.11, 5, 0.03)],
                                     "sngan": [(0.050, 5, 0.03), (0.051, 5, 0.03), (0.049, 5, 0.03)]})
    report = selection.Report(board, ["quality"])
    assert report.tolerance("quality", "wgan_gp", "lsgan") == pytest.approx(2 * math.sqrt(2 * 0.02 ** 2 / 3))
    assert report.outcome("quality", "wgan_gp", "lsgan") == 0
    assert report.outcome("quality", "sngan", "wgan_gp") == 1 and report.outcome("quality", "lsgan", "sngan") == -1
    assert report.verdict == "sngan" and report.scores["wgan_gp"] == report.scores["lsgan"] == 0.5
    assert report._criterion_line("wgan_gp", "quality", ["wgan_gp", "lsgan", "sngan"]).endswith(
        "0.12, 2 of 3 (tied with `lsgan`: within the spread across seeds)")


def test_each_kind_of_data_has_a_minimum_drawn_from_the_datas_own_statistics(grid25, tmp_path):
    """Toy: a Gaussian with the data's mean and covariance; images: independent pixels with the per-pixel mean and
    standard deviation; text: independent characters with each position's frequencies. Each is scored by the
    problem's own evaluator, once."""
    real = np.stack(list(grid25.real_data(10_000).take(256).as_numpy_iterator()))
    points = grid25.baseline.fit(grid25.real_data(10_000).take(256))(20_000, 0)
    np.testing.assert_allclose(points.mean(0), real.mean(0), atol=0.03)
    np.testing.assert_allclose(np.cov(points.T), np.cov(real.T), atol=0.03)
    assert grid25.minimum() is grid25.minimum()                                       # scored once

    images = np.random.default_rng(0).uniform(-1, 1, size=(16, 8, 8, 1)).astype(np.float32)
    images *= np.linspace(0, 1, 8)[:, None]                                          # pixels vary more to the right

    problem = moments_image_problem(images)
    drawn = problem.baseline.fit(problem.real_data(0).take(16))(4000, 0)
    assert drawn.shape == (4000, 8, 8, 1) and drawn.min() >= -1 and drawn.max() <= 1
    np.testing.assert_allclose(drawn.std(0)[0, :, 0], images.std(0)[0, :, 0], atol=0.05)   # wide where the data are
    minimum = problem.minimum()
    assert np.isfinite(minimum.quality) and minimum.coverage == 0 and "recall above 0" in minimum.coverage_words

    path = tmp_path / "lines.txt"
    path.write_text("".join(f"the {word} sat on a mat\n" for word in ("cat", "dog", "hen", "ant") * 4))
    problem = selection.text_problem(str(path), seq_len=8, eval_samples=20, reference_lines=16)
    _, vocab = load_text(str(path), seq_len=8, one_hot=False)
    lines = [vocab.decode(row, strip_pad=False)
             for row in problem.baseline.fit(problem.real_data(0).take(16))(400, 0)]
    assert {line[:4] for line in lines} == {"the "} and {line[4] for line in lines} == set("cdha")
    minimum = problem.minimum()
    assert 0 < minimum.quality < 1 and minimum.coverage == 1 / 20                     # JS-4 in bits; two lines
