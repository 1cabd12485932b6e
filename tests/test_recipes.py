"""Every paper recipe runs end to end offline (``--smoke``): train, evaluate, checkpoint, resume, export.

Each recipe's real configuration at tiny width (``--rehearsal``) is in test_rehearsals.py.
"""
import html
import importlib
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_gp as tg
from helpers import check_run, run_in_process


class Offline:
    """A tfds builder on a machine without network: nothing prepared, the download fails."""

    def __init__(self, *args, **kwargs):
        pass

    def is_prepared(self):
        return False

    def download_and_prepare(self):
        raise ConnectionError("Max retries exceeded (name resolution failed)")


def test_unavailable_dataset_is_one_sentence(tmp_path, monkeypatch, capsys):
    """Offline, tfds cannot prepare CIFAR-10: the recipe exits 1 with one sentence naming --data_dir."""
    import tensorflow_datasets as tfds
    from absl import flags

    from recipes import cifar_resnet, entry

    monkeypatch.setattr(tfds, "builder", Offline)
    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["cifar_resnet", f"--logdir={tmp_path}", "--precision=float32", "--dim=8"])
    with pytest.raises(SystemExit) as exit_info:
        entry.run_main(cifar_resnet.main, [], flag_values)
    assert exit_info.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--data_dir" in lines[0]
    assert "cifar10" in lines[0]


def test_billion_word_offline_names_text_file_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """Offline, lm1b is unavailable: the sentence (and --data_dir's help) name --text_file, the recipe's flag for a
    local corpus (before: "pass a local UTF-8 .txt file as the dataset", which no flag of the recipe takes), and
    the run directory is not created."""
    import tensorflow_datasets as tfds
    from absl import flags

    from recipes import billion_word, entry

    monkeypatch.setattr(tfds, "builder", Offline)
    flag_values = flags.FlagValues()
    billion_word.define_flags(flag_values)
    flag_values(["billion_word", f"--logdir={tmp_path / 'run'}", "--precision=float32", "--dim=8"])
    assert "--text_file" in flag_values["data_dir"].help and "image" not in flag_values["data_dir"].help
    with pytest.raises(SystemExit) as exit_info:
        entry.run_main(billion_word.main, [], flag_values)
    lines = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(lines) == 1 and "'lm1b'" in lines[0], lines
    assert "--text_file=PATH" in lines[0] and "--data_dir" in lines[0]
    assert not (tmp_path / "run").exists()


def test_billion_word_rehearsal_corpus_shows_progress_labels_its_mock_data_and_stores_a_compact_reference(
        tmp_path, capsys):
    """The corpus of a rehearsal (mock lm1b: 30,301,028 lines): both passes read the first --num_examples lines
    only and show their progress; every line about the mock lines says so; the n-gram reference is compact (before:
    silent for 12 minutes and 576 MB for the 10 million lines, unlabelled)."""
    from absl import flags

    from recipes import billion_word, shared_flags

    flag_values = flags.FlagValues()
    billion_word.define_flags(flag_values)
    flag_values(["billion_word", f"--logdir={tmp_path}", "--rehearsal", "--num_examples=3000"])
    args = shared_flags.values(flag_values, smoke=billion_word.SMOKE, rehearsal=billion_word.REHEARSAL)
    ids, vocab, reference = billion_word.corpus(args, str(tmp_path))
    out = capsys.readouterr().out
    lines = [line for line in out.replace("\r", "\n").splitlines() if line.strip()]
    assert lines[0] == ("billion_word [rehearsal: mock data]: vocabulary: counting the characters of the lines of "
                        "lm1b ...")
    labels = [line for line in lines if line.startswith("billion_word")]
    assert len(labels) == 3 and all(line.startswith("billion_word [rehearsal: mock data]: ") for line in labels)
    assert "JS-n reference: 3,000 training lines of 32 characters" in labels[2]
    assert out.count("3000/3000") >= 2                                   # both progress bars reach the end
    assert int(ids.cardinality()) == reference.rows == 3000
    distinct = sum(len(reference.counts(n)[0]) for n in range(1, 5))
    assert os.path.getsize(tmp_path / billion_word.REFERENCE_FILE) < 16 * distinct / 4   # int64 ids and counts: 16


@pytest.mark.filterwarnings("ignore:html5lib's sanitizer is deprecated:DeprecationWarning")
def test_text_samples_show_backticks_in_tensorboard(tmp_path):
    """TensorBoard renders text as Markdown: every sample line shows as itself, backticks (the pad) and markup
    included (before: each line in an inline code span, which a backtick ended)."""
    from tensorboard.plugins.text import text_plugin

    lines = ["a`b``c", "`leading pad", "x <b>y</b> *z* _w_", "trailing pad`"]

    class Generator:
        iteration = 3

        def sample(self, n, seed=0):
            return tf.zeros((n, 1))

    callback = tg.callbacks.TextSamples(str(tmp_path), lambda batch: lines[:len(batch)], num_samples=4)
    callback.set_model(Generator())
    callback.on_epoch_end(0)
    [event_file] = (tmp_path / "samples").glob("events.out.tfevents.*")
    [text] = [tf.make_ndarray(value.tensor) for event in tf.compat.v1.train.summary_iterator(str(event_file))
              for value in event.summary.value]
    shown = text_plugin.text_array_to_html(text, True)
    assert shown.startswith("<pre><code>") and shown.endswith("</code></pre>")
    assert html.unescape(shown[len("<pre><code>"):-len("</code></pre>")]) == "\n".join(lines) + "\n"
    assert (tmp_path / "samples_000003.txt").read_text() == "\n".join(lines) + "\n"


def test_paper_protocol_without_the_graph_file_is_one_sentence(tmp_path, capsys):
    """--classifier_protocol ttur needs the 2015 Inception graph: offline, without it, one sentence naming the flag."""
    from absl import flags

    from recipes import cifar_resnet, entry

    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["cifar_resnet", f"--logdir={tmp_path}", "--smoke", "--precision=float32",
                 "--classifier_protocol=ttur"])
    with pytest.raises(SystemExit) as exit_info:
        entry.run_main(cifar_resnet.main, [], flag_values)
    assert exit_info.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Protocol 'ttur' needs the 2015 Inception graph")
    assert "classify_image_graph_def.pb" in lines[0] and "--inception_graph=PATH" in lines[0]


def test_local_npz_dataset_through_data_dir(tmp_path, capsys):
    from recipes import cifar_resnet

    images = np.random.default_rng(0).integers(0, 256, size=(40, 32, 32, 3), dtype=np.uint8)
    np.savez(tmp_path / "mine.npz", images=images)
    with pytest.raises(SystemExit) as exit_info:
        run_in_process(cifar_resnet, tmp_path / "run", f"--data_dir={tmp_path / 'mine.npz'}", "--dim=8",
                       "--iterations=1", "--eval_every=1", "--batch_size=4", "--eval_samples=10",
                       "--inception_weights=/nonexistent.h5")
    # reads the local array (no tfds involved), then stops at the missing evaluation network, in one sentence
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: InceptionV3 weights") and "--inception_weights=PATH" in last
    assert "Traceback" not in err


def test_every_lsun_architecture_and_method_steps_once():
    """§5.2 grid at dim 4, batch 2, one eager step each (resnet101's step runs in test_architectures).

    Each architecture's generator and its two critics (layer norm for the penalty, batch norm for the
    others) are built once and shared by the methods: the step is what is checked, not the build.
    """
    import keras

    import tfgan_gp as tg
    from recipes import lsun_bedrooms as lsun
    from tfgan_gp.architectures import resnet_64

    real = tf.random.uniform((2, 64, 64, 3), -1.0, 1.0, seed=0)
    for architecture in [v for v in resnet_64.VARIANTS if v != "resnet101"]:
        generator = resnet_64.generator(variant=architecture, dim=4)
        critics = {gp: resnet_64.critic(variant=architecture, dim=4, gradient_penalty=gp) for gp in (True, False)}
        for method, settings in sorted(lsun.METHODS.items()):
            gan = tg.GAN(generator, critics[method == "wgan_gp"], latent_dim=128, loss=settings["loss"], n_critic=1,
                         penalty=tg.penalties.build(settings["penalty"], weight=10.0))
            gan.compile(g_optimizer=lsun.OPTIMIZERS[method].build(), d_optimizer=lsun.OPTIMIZERS[method].build(),
                        run_eagerly=True)
            logs = gan.train_step(real)
            assert all(np.isfinite(float(v)) for v in logs.values()), (architecture, method, logs)
        keras.backend.clear_session()


@pytest.mark.parametrize("method, loss, penalty, n_critic, optimizer", [
    ("wgan_gp", "wasserstein", "gp", 5, ("adam", 1e-4, 0.5, 0.9)),
    ("wgan_clip", "wasserstein", "clip", 5, ("rmsprop", 5e-5, None, None)),
    ("dcgan", "non_saturating", "none", 1, ("adam", 2e-4, 0.5, 0.999)),
    ("lsgan", "least_squares", "none", 1, ("rmsprop", 1e-4, None, None)),
])
def test_lsun_methods_are_the_papers_table(method, loss, penalty, n_critic, optimizer):
    """The §5.2 table: each method's loss, regulariser, critic steps and optimiser reach the spec."""
    from absl import flags

    from recipes import lsun_bedrooms as lsun, shared_flags

    flag_values = flags.FlagValues()
    lsun.define_flags(flag_values)
    flag_values(["lsun", "--smoke", f"--method={method}"])
    args = shared_flags.values(flag_values, smoke=lsun.SMOKE, **lsun.METHODS[method])
    spec = lsun.recipe(args, "good", method).gan
    assert (spec.loss, spec.penalty, spec.n_critic, spec.critic_optimizer) == (loss, penalty, n_critic, None)
    assert (spec.optimizer.name, spec.optimizer.learning_rate, spec.optimizer.beta_1, spec.optimizer.beta_2,
            spec.optimizer.decay) == (*optimizer, "constant")
    assert spec.critic_kwargs["gradient_penalty"] == (method == "wgan_gp")


def test_recipe_smoke_under_mirrored_strategy(tmp_path, capsys):
    from recipes import mnist

    out = run_in_process(mnist, tmp_path, "--smoke", "--distribute=mirrored", capsys=capsys)
    check_run(tmp_path, 4)
    assert "precision float32" in out


@pytest.mark.parametrize("module_name, shape", [("mnist", (32, 32, 1)), ("cifar_resnet", (32, 32, 3)),
                                                ("lsun_bedrooms", (64, 64, 3))])
def test_image_recipes_take_the_fully_connected_architecture(module_name, shape, tmp_path):
    """--architecture mlp: the recipe's spec builds MLPs over the flattened images and trains a step."""
    import importlib

    from absl import flags

    from recipes import shared_flags

    module = importlib.import_module(f"recipes.{module_name}")
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    flag_values(["recipe", f"--logdir={tmp_path}", "--smoke", "--architecture=mlp"])
    args = shared_flags.values(flag_values, smoke=module.SMOKE)
    recipe = module.recipe(args, "mlp", "wgan_gp") if module_name == "lsun_bedrooms" else module.recipe(args)
    spec = recipe.gan
    assert spec.architecture == "mlp"
    assert json.loads(json.dumps(spec.to_json())) == spec.to_json()   # run_config.json
    gan = spec.replace(n_critic=1, generator_batch_multiple=1).build(seed=0, iterations=4, run_eagerly=True)
    assert gan.generator.output_shape == (None, *shape) and gan.critic.input_shape == (None, *shape)
    assert gan.critic.get_layer("hidden_0").kernel.shape[0] == int(np.prod(shape))
    logs = gan.train_step(tf.random.uniform((2, *shape), -1.0, 1.0, seed=0))
    assert all(np.isfinite(float(v)) for v in logs.values())


FIRST_FORMAT = os.path.join(os.path.dirname(__file__), "fixtures", "first_format")
"""``run_config.json`` as the previous version wrote it (``python -m recipes.<name> --smoke``, commit 2c1c520)."""


@pytest.mark.parametrize("module_name, monitoring", [
    ("toy", ["--verbose"]),
    ("mnist", ["--verbose", "--heldout_examples=10"]),
    ("billion_word", ["--eval_samples=10"]),
    ("cifar_resnet", ["--eval_samples=20", "--final_eval_samples=0", "--reference_samples=30",
                      "--classifier_protocol=clean", "--inception_graph=g.pb", "--reference_stats=s.npz"]),
    ("lsun_bedrooms", ["--eval_samples=20", "--inception_weights=w.h5"]),
])
def test_settings_are_the_flags_the_previous_version_recorded(module_name, monitoring, tmp_path):
    """A recipe's settings are exactly its old record's "flags" (every flag but the shared training ones, which
    the configs hold, and the monitoring ones, which may change on resume), so the old runs still resume."""
    from absl import flags

    from recipes import shared_flags

    module = importlib.import_module(f"recipes.{module_name}")
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    flag_values(["recipe", f"--logdir={tmp_path}", "--smoke", "--lambda_gp=3", "--n_critic=2", *monitoring])
    args = shared_flags.values(flag_values, smoke=module.SMOKE)
    recipe = module.recipe(args, "good", "wgan_gp") if module_name == "lsun_bedrooms" else module.recipe(args)
    assert recipe.settings == json.load(open(os.path.join(FIRST_FORMAT, f"{module_name}.json")))["flags"]
    assert (recipe.gan.penalty_weight, recipe.gan.n_critic) == (3.0, 2)


def test_random_architectures_trains_wgan_gp_with_the_section_5_1_optimizers(tmp_path, capsys, monkeypatch):
    """§5.1 / Appendix B: Adam(1e-4, 0, 0.9), and weight decay 1e-3 on critics that normalize (layer norm)."""
    from recipes import random_architectures as study
    from tfgan_gp import selection
    from tfgan_gp.selection import search_space

    arch = search_space.RandomArchitecture("relu", "relu", 2, 2, False, True, 8, 8)
    g_opt, d_opt = (optimizer.build() for optimizer in study.wgan_gp_optimizers(arch))
    for opt in (g_opt, d_opt):
        assert (float(opt.learning_rate), opt.beta_1, opt.beta_2) == (pytest.approx(1e-4), 0.0, 0.9)
    assert g_opt.weight_decay is None and d_opt.weight_decay == pytest.approx(1e-3)
    plain = search_space.RandomArchitecture("relu", "relu", 2, 2, True, False, 8, 8)
    assert study.wgan_gp_optimizers(plain)[1].build().weight_decay is None
    drawn = study.candidate(selection.get("wgan_gp", "toy"), arch, "toy").gan   # what each run trains
    assert (drawn.optimizer, drawn.critic_optimizer) == study.wgan_gp_optimizers(arch)
    assert study.candidate(selection.get("dcgan", "toy"), arch, "toy").gan.critic_optimizer is None

    seen = []
    original = study.wgan_gp_optimizers
    monkeypatch.setattr(study, "wgan_gp_optimizers", lambda a: seen.append(a) or original(a))
    run_in_process(study, tmp_path, "--smoke", "--num_architectures=1", capsys=capsys)
    assert len(seen) == 1                                  # for WGAN-GP only (not for the standard GAN)
    summary = (tmp_path / "summary.md").read_text()
    assert "1 random architectures on 8gaussians" in summary and (tmp_path / "architectures.csv").exists()


def test_select_smoke_ranks_a_relativistic_candidate_next_to_wgan_gp(tmp_path, capsys):
    """The shared --smoke sizes reach recipes without an --eval_every flag (before: KeyError 'eval_every'),
    and a relativistic candidate trains on its generator's own real minibatches."""
    from recipes import select

    out = run_in_process(select, tmp_path, "--smoke", "--candidates=wgan_gp,ralsgan", "--seeds=1", capsys=capsys)
    assert "| ralsgan |" in out and "| wgan_gp |" in out and (tmp_path / "leaderboard.csv").exists()


def test_mnist_methods_are_the_authors_gan_mnist_modes():
    """gan_mnist.py: 'wgan-gp' has no batch norm and Adam(1e-4, 0.5, 0.9); 'wgan' clips at 0.01, uses batch
    norm in G and D and RMSProp(5e-5)."""
    from absl import flags

    from recipes import mnist, shared_flags

    for method, normalization, optimizer, lr in (("wgan_gp", "none", "Adam", 1e-4), ("wgan_clip", "batch", "RMSprop",
                                                                                        5e-5)):
        flag_values = flags.FlagValues()
        mnist.define_flags(flag_values)
        flag_values(["mnist", f"--method={method}", "--smoke"])
        args = shared_flags.values(flag_values, smoke=mnist.SMOKE, **mnist.METHODS[method])
        spec = mnist.recipe(args).gan
        assert spec.generator_kwargs["normalization"] == spec.critic_kwargs["normalization"] == normalization
        assert spec.critic_kwargs["gradient_penalty"] == (method == "wgan_gp")
        assert spec.penalty == ("gp" if method == "wgan_gp" else "clip") and spec.n_critic == 5
        assert spec.penalty_weight == (10.0 if method == "wgan_gp" else None)     # clipping has no weight
        g_opt, d_opt = spec.optimizers(10)
        assert type(g_opt).__name__ == type(d_opt).__name__ == optimizer
        assert float(g_opt.learning_rate) == float(d_opt.learning_rate) == pytest.approx(lr)


def test_cifar_spec_is_appendix_f():
    """Adam(2e-4, 0, 0.9) decayed linearly to 0 (the critic's over its n_critic updates per generator iteration),
    generator updates on 2 × the batch, AC-GAN weights 1 and 0.1 in the conditional model."""
    from absl import flags

    from recipes import cifar_resnet, shared_flags

    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["cifar", "--smoke", "--conditional"])
    spec = cifar_resnet.recipe(shared_flags.values(flag_values, smoke=cifar_resnet.SMOKE)).gan
    assert spec.optimizer == tg.Optimizer("adam", 2e-4, beta_1=0.0, beta_2=0.9, decay="linear")
    assert (spec.generator_batch_multiple, spec.ac_critic_weight, spec.ac_generator_weight) == (2, 1.0, 0.1)
    assert spec.num_classes == 10 and spec.critic_kwargs["conditioning"] == "ac"
    g_opt, d_opt = spec.optimizers(iterations=100)
    for optimizer, updates in ((g_opt, 100), (d_opt, 500)):   # halfway through each one's updates: half the rate
        optimizer.iterations.assign(updates // 2)
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        optimizer.iterations.assign(updates)
        assert float(optimizer.learning_rate) == 0.0
