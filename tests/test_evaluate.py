"""The Evaluate callback: trigger on generator iterations, TensorBoard scalars, history, cached real statistics."""
import glob
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from tfgan_gp import metrics
from tfgan_gp.architectures import mlp
from tfgan_gp.callbacks import Evaluate
from tfgan_gp.metrics import evaluation, manifold

from helpers import inception_2015_graph, tiny_classifier, tiny_gan, tiny_image_gan


def real_images(n=64, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 16, 16, 3)).astype(np.float32)


def read_scalars(log_dir):
    """{tag: {step: value}} from every event file under ``log_dir``."""
    out = {}
    for path in glob.glob(os.path.join(log_dir, "**", "events.out.tfevents.*"), recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                out.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return out


def test_image_metrics_reach_tensorboard_and_history_at_generator_iterations(tmp_path, monkeypatch):
    gan, clf, real = tiny_image_gan(), tiny_classifier(), real_images()
    log_dir = str(tmp_path)
    passes = []   # k-NN passes over one set: the reference's once per run, the samples' once per evaluation
    original = manifold.neighbour_distances
    monkeypatch.setattr(manifold, "neighbour_distances", lambda f, ks, chunk: passes.append(len(f)) or
                        original(f, ks, chunk))
    callback = Evaluate(2, 48, clf, real, log_dir=log_dir, dataset_name="noise", batch_size=20,
                        kid_block_size=16)
    data = tf.data.Dataset.from_tensor_slices(real).repeat().batch(4)
    history = gan.fit(data, steps_per_epoch=3, epochs=2, verbose=0, callbacks=[callback])

    scalars = read_scalars(os.path.join(log_dir, "eval"))
    for tag in ("inception_score", "inception_score_std", "fid", "kid", "kid_std"):
        assert sorted(scalars[tag]) == [2, 4, 6], tag          # generator iterations, not epochs
    assert history.history["eval_iteration"] == [2.0, 6.0]      # latest evaluation at each epoch end
    assert history.history["fid"] == pytest.approx([scalars["fid"][2], scalars["fid"][6]], rel=1e-6)
    assert len(passes) == 1 + 3 and {"precision", "recall", "density", "coverage"} <= set(scalars)

    # Known answer: the same numbers straight from the formulas on the model's samples and the real images.
    fake = np.concatenate([gan.sample(20, seed=0), gan.sample(20, seed=1), gan.sample(8, seed=2)])
    fake_logits, fake_pool = (np.asarray(t) for t in clf(fake))
    real_pool = np.asarray(clf(real[:48])[1])
    assert scalars["fid"][6] == pytest.approx(metrics.frechet_distance(real_pool, fake_pool), rel=1e-4)
    assert scalars["inception_score"][6] == pytest.approx(metrics.inception_score(fake_logits)[0], rel=1e-4)
    kid = metrics.kernel_inception_distance(fake_pool, real_pool, block_size=16)
    assert scalars["kid"][6] == pytest.approx(kid[0], rel=1e-3, abs=1e-7)
    assert os.path.exists(os.path.join(log_dir, "real_stats_noise.npz"))


def test_real_statistics_are_cached_per_dataset_in_the_log_dir(tmp_path):
    clf = tiny_classifier()
    first = evaluation.ImageEvaluator(clf, real_images(seed=1), cache_path=str(tmp_path / "real_stats_a.npz"))
    stats = first.real_statistics(32)
    other_images = evaluation.ImageEvaluator(clf, real_images(seed=2),
                                             cache_path=str(tmp_path / "real_stats_a.npz"))
    np.testing.assert_array_equal(other_images.real_statistics(32).moments.mean, stats.moments.mean)
    from_path = Evaluate(5, 32, clf, str(tmp_path / "real_stats_a.npz")).evaluator.real_statistics(32)
    np.testing.assert_array_equal(from_path.features, stats.features)
    fresh = evaluation.ImageEvaluator(clf, real_images(seed=2), cache_path=str(tmp_path / "real_stats_b.npz"))
    assert not np.array_equal(fresh.real_statistics(32).moments.mean, stats.moments.mean)


def test_protocol_is_recorded_with_every_evaluation(tmp_path):
    """Under the ttur protocol (the 2015 graph's layout): the protocol line in TensorBoard, one JSON line per
    evaluation with the record and counts, the k-NN metrics in history, the record in the cached statistics."""
    gan = tiny_image_gan()
    clf = metrics.protocol_classifier("ttur", inception_graph=inception_2015_graph(tmp_path / "graph.pb"))
    callback = Evaluate(2, 24, clf, real_images(24), log_dir=str(tmp_path), dataset_name="noise", batch_size=12,
                        kid_block_size=12, source={"dataset": "noise", "split": "train"})
    data = tf.data.Dataset.from_tensor_slices(real_images()).repeat().batch(4)
    history = gan.fit(data, steps_per_epoch=2, epochs=1, verbose=0, callbacks=[callback])
    for key in ("precision", "recall", "density", "coverage", "fid", "kid"):
        assert len(history.history[key]) == 1, key
    (line,) = [json.loads(x) for x in open(tmp_path / "eval" / "metrics.jsonl")]
    assert line["iteration"] == 2 and line["num_samples"] == 24 and line["fid"] == history.history["fid"][0]
    assert line["protocol"] == clf.record and line["protocol"]["protocol"] == "ttur"
    assert "24 generated samples" in line["protocol_line"]
    assert "reference noise train: 24 images" in line["protocol_line"]
    texts = [tf.make_ndarray(v.tensor).item().decode() for path in glob.glob(str(tmp_path / "eval_protocol" / "*"))
             for event in tf.compat.v1.train.summary_iterator(path) for v in event.summary.value]
    assert texts == [line["protocol_line"]]
    cached = metrics.ClassifierStatistics.load(tmp_path / "real_stats_noise.npz")
    assert cached.record == clf.record and cached.source == {"dataset": "noise", "split": "train"}


class StubModel:
    """What Evaluate reads from a GAN: ``optimizer.iterations`` and ``sample(n, seed)``."""

    def __init__(self, sample):
        self.optimizer = type("Optimizer", (), {"iterations": tf.Variable(0, dtype=tf.int64)})()
        self.sample = sample


def test_text_mode_logs_js_of_decoded_samples(tmp_path):
    alphabet = np.array(list("ab c"))

    def sample(n, seed):                                        # one-hot "softmax" outputs (n, 6, 4)
        rng = np.random.default_rng(seed)
        return np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 6))]

    decode = lambda batch: ["".join(alphabet[row]) for row in np.argmax(batch, axis=-1)]  # noqa: E731
    reference = ["abab c", "cab ba", "aaaa b"]
    callback = Evaluate.text(10, 12, reference, decode, log_dir=str(tmp_path), batch_size=5)
    callback.set_model(StubModel(sample))
    callback.on_train_begin()
    for _ in range(12):
        callback.model.optimizer.iterations.assign_add(1)
        callback.on_train_batch_end(0)
    logs = {"d_loss": 0.0}
    callback.on_epoch_end(0, logs)
    lines = decode(sample(5, 0)) + decode(sample(5, 1)) + decode(sample(2, 2))
    for n in range(1, 5):
        assert logs[f"js{n}"] == pytest.approx(metrics.ngram_js(lines, reference, n), rel=1e-12)
    assert logs["eval_iteration"] == 10.0 and logs["d_loss"] == 0.0
    assert sorted(read_scalars(str(tmp_path))["js4"]) == [10]


def test_toy_mode_through_fit(tmp_path):
    gan = tiny_gan(latent_dim=2)
    gan.compile()
    data = tg.data.for_gan(tg.data.toy.dataset("8gaussians"), batch_size=8, n_critic=5, shuffle_buffer=None)
    callback = Evaluate.toy(3, 256, "8gaussians", log_dir=str(tmp_path), w1_samples=64)
    history = gan.fit(data, steps_per_epoch=3, epochs=1, verbose=0, callbacks=[callback])
    fake = gan.sample(256, seed=0).numpy()
    centres = tg.data.toy.centres("8gaussians")
    radius = 0.1 / tg.data.toy.scale("8gaussians")
    assert history.history["modes_covered"] == [float(metrics.modes_covered(fake, centres, radius))]
    assert history.history["high_quality_fraction"] == [metrics.high_quality_fraction(fake, centres, radius)]
    real = tg.data.toy.sample("8gaussians", 64, [0, -1]).numpy()
    assert history.history["w1"][0] == pytest.approx(metrics.wasserstein_1(fake[:64], real))
    assert sorted(read_scalars(str(tmp_path))["w1"]) == [3]


def test_evaluate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="every_n_iterations"):
        Evaluate(0, 10, tiny_classifier())
    with pytest.raises(ValueError, match="exactly one"):
        Evaluate(1, 10)
    with pytest.raises(ValueError, match="decode"):
        Evaluate.text(1, 10, ["abc"], decode="not callable")


def test_a_reference_smaller_than_asked_is_used_whole_and_said(tmp_path, caplog):
    """300 real images (LSUN's validation split) for a 1,000-image reference: all 300, a warning, no crash."""
    clf = tiny_classifier()
    real = tf.data.Dataset.from_tensor_slices(real_images(300))
    evaluator = evaluation.ImageEvaluator(clf, real, num_real=1000, batch_size=64, kid_block_size=16)
    with caplog.at_level("WARNING", logger="tfgan_gp.metrics.evaluation"):
        results = evaluator(lambda n, seed: real_images(n, seed + 100), 96)
    assert evaluator.real_statistics(96).count == 300 and evaluator.num_real_used == 300
    assert np.isfinite(results["fid"]) and np.isfinite(results["kid"])
    assert "holds 300 real images, fewer than the 1000 asked for" in caplog.text
    unsized = tf.data.Dataset.from_tensor_slices(real_images(50)).filter(lambda x: True)  # cardinality unknown
    assert evaluation.count_images(unsized, 1000) == 50 and evaluation.count_images(real_images(50), 20) == 20


def test_final_evaluation_uses_its_own_sample_count_and_skips_stopped_runs(tmp_path):
    gan, clf, real = tiny_image_gan(), tiny_classifier(), real_images()
    callback = Evaluate(2, 24, clf, real, log_dir=str(tmp_path), dataset_name="noise", batch_size=20,
                        kid_block_size=16, num_real=64, final_num_samples=60)
    gan.fit(tf.data.Dataset.from_tensor_slices(real).repeat().batch(4), steps_per_epoch=2, epochs=2, verbose=0,
            callbacks=[callback])
    scalars = read_scalars(os.path.join(str(tmp_path), "eval"))
    assert sorted(scalars["fid"]) == [2, 4] and sorted(scalars["final/fid"]) == [4]
    saved = json.load(open(tmp_path / "final_evaluation.json"))
    assert saved["num_samples"] == 60 and saved["iteration"] == 4 and saved["fid"] == callback.final["fid"]
    assert callback.evaluator.real_statistics(24).count == 64    # one reference for every evaluation

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    stopped = Evaluate(2, 24, clf, real, final_num_samples=60, batch_size=20, kid_block_size=16)
    tiny_image_gan().fit(tf.data.Dataset.from_tensor_slices(real).repeat().batch(4), steps_per_epoch=2, epochs=1,
                    verbose=0, callbacks=[Stop(), stopped])
    assert stopped.final is None


def test_batch_statistics_sampling_normalises_each_batch_and_keeps_the_moving_averages():
    from tfgan_gp.architectures import resnet_cifar

    gan = tg.GAN(resnet_cifar.generator(dim=4), resnet_cifar.critic(dim=4), latent_dim=128, seed=0)
    moving = [v.numpy().copy() for v in gan.generator.non_trainable_variables]
    assert moving
    with_batch = gan.sample(16, seed=3, batch_statistics=True).numpy()
    z = tf.random.stateless_normal((16, 128), seed=[3, 0])
    expected = gan.generator(z, training=True).numpy()                 # (this call moves the averages)
    for variable, value in zip(gan.generator.non_trainable_variables, moving):
        variable.assign(value)
    np.testing.assert_allclose(with_batch, expected, rtol=1e-5, atol=1e-5)
    gan.sample(16, seed=3, batch_statistics=True)
    for variable, value in zip(gan.generator.non_trainable_variables, moving):
        np.testing.assert_array_equal(variable.numpy(), value)         # untouched by sampling
    assert not np.allclose(gan.sample(16, seed=3).numpy(), with_batch, atol=1e-3)   # moving averages differ


def test_critic_loss_curves_include_the_penalty_as_the_authors_logged_it(tmp_path):
    """§5.6: the logged critic cost is the adversarial loss plus λ·penalty on fixed fakes; training RNG untouched."""
    gan = tg.GAN(mlp.generator(2, 2, width=8, depth=1), mlp.critic(2, width=8, depth=1), latent_dim=2, seed=0)
    gan.compile()
    points = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    train, heldout = (tf.data.Dataset.from_tensor_slices(p) for p in (points[:20], points[20:]))
    with_penalty = tg.callbacks.CriticLossCurves(str(tmp_path), train, heldout, batch_size=8, include_penalty=True)
    without = tg.callbacks.CriticLossCurves(str(tmp_path), train, heldout, batch_size=8)
    for callback in (with_penalty, without):
        callback.set_model(gan)
    state = gan.seed_generator.state.numpy().copy()
    a, b = with_penalty.critic_loss(with_penalty.data["train"]), with_penalty.critic_loss(with_penalty.data["train"])
    plain = without.critic_loss(without.data["train"])
    assert a == b                                                     # the same fakes at every evaluation
    np.testing.assert_array_equal(gan.seed_generator.state.numpy(), state)
    # the same fakes and interpolates by hand: λ·E[(‖∇D(x̂)‖ − 1)²] on top of E[D(fake)] − E[D(real)]
    seed = keras.random.SeedGenerator(0)
    total = 0.0
    for batch in with_penalty.data["train"]:
        fake = gan.generator(tg.randomness.normal([len(batch), 2], seed), training=False)
        adversarial = float(tf.reduce_mean(gan.critic(fake)) - tf.reduce_mean(gan.critic(batch)))
        norms = tg.penalties.input_gradient_norms(tg.CriticBatch(critic=gan.critic, training=False),
                                                  tg.penalties.GradientPenalty().interpolates(batch, fake, seed=seed))
        total += (adversarial + 10.0 * float(tf.reduce_mean((norms - 1.0) ** 2))) * len(batch)
    assert a == pytest.approx(total / 20, rel=1e-5) and a > plain
    with_penalty.on_epoch_end(0, logs := {})
    assert logs["critic_loss_train"] == pytest.approx(a) and os.path.exists(tmp_path / "critic_loss.png")
