"""Every paper recipe runs end to end offline (``--smoke``): train, evaluate, checkpoint, resume, export."""
import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from helpers import check_run, run_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def eval_scalars(logdir):
    """{tag: {step: value}} of the evaluation events."""
    out = {}
    for path in glob.glob(os.path.join(logdir, "eval", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                out.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return out


# --------------------------------------------------------------------------------------------- rehearsals
# Each recipe's real configuration (evaluation sample counts, reference sets, split sizes, batch, n_critic,
# schedule) at tiny width, on tfds mock data in the real split sizes, with a tiny classifier. Only
# --eval_every is lowered (to 2, hence 4 iterations): two evaluation cycles of the real cadence (1,000
# iterations) would take minutes even at width 1.

def test_cifar_resnet_rehearsal_survives_sigkill_and_evaluates_at_the_real_sizes(tmp_path, capsys):
    """Killed (SIGKILL) right after its first checkpoint, the same command resumes, evaluates and exports.

    The resumed run runs in this process (one TensorFlow import less). Real sizes: the 50,000 training
    images are the FID/KID reference, 5,000 samples per evaluation and
    50,000 at the end (before: the 10,000-image test split against 50,000 samples stopped the run).
    """
    from recipes import cifar_resnet

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
    assert "statistics of the first 50,000 CIFAR-10 training images" in out
    check_run(tmp_path, 4, mode="rehearsal")
    config = json.load(open(tmp_path / "run_config.json"))
    assert config["generator_kwargs"]["dim"] == 1                        # only the width is tiny
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
    assert config["generator_kwargs"]["normalization"] == "none"          # gan_mnist.py's WGAN-GP generator


def test_unavailable_dataset_is_one_sentence(tmp_path, monkeypatch, capsys):
    """Offline, tfds cannot prepare CIFAR-10: the recipe exits 1 with one sentence naming --data_dir."""
    import tensorflow_datasets as tfds
    from absl import flags

    from recipes import cifar_resnet, common

    class Offline:
        def __init__(self, *args, **kwargs):
            pass

        def is_prepared(self):
            return False

        def download_and_prepare(self):
            raise ConnectionError("Max retries exceeded (name resolution failed)")

    monkeypatch.setattr(tfds, "builder", Offline)
    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["cifar_resnet", f"--logdir={tmp_path}", "--precision=float32", "--dim=8"])
    with pytest.raises(SystemExit) as exit_info:
        common.run_main(cifar_resnet.main, [], flag_values)
    assert exit_info.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--data_dir" in lines[0]
    assert "cifar10" in lines[0]


def test_paper_protocol_without_the_graph_file_is_one_sentence(tmp_path, capsys):
    """--classifier_protocol ttur needs the 2015 Inception graph: offline, without it, one sentence naming the flag."""
    from absl import flags

    from recipes import cifar_resnet, common

    flag_values = flags.FlagValues()
    cifar_resnet.define_flags(flag_values)
    flag_values(["cifar_resnet", f"--logdir={tmp_path}", "--smoke", "--precision=float32",
                 "--classifier_protocol=ttur"])
    with pytest.raises(SystemExit) as exit_info:
        common.run_main(cifar_resnet.main, [], flag_values)
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
            g_opt, d_opt = lsun.optimizers(method)(10, 1)
            gan.compile(g_optimizer=g_opt, d_optimizer=d_opt, run_eagerly=True)
            logs = gan.train_step(real)
            assert all(np.isfinite(float(v)) for v in logs.values()), (architecture, method, logs)
        keras.backend.clear_session()


def test_recipe_smoke_under_mirrored_strategy(tmp_path, capsys):
    from recipes import mnist

    out = run_in_process(mnist, tmp_path, "--smoke", "--distribute=mirrored", capsys=capsys)
    check_run(tmp_path, 4)
    assert "precision float32" in out


@pytest.mark.parametrize("module_name, shape", [("mnist", (32, 32, 1)), ("cifar_resnet", (32, 32, 3)),
                                                ("lsun_bedrooms", (64, 64, 3))])
def test_image_recipes_take_the_fully_connected_architecture(module_name, shape, tmp_path):
    """--architecture mlp: the recipe's Recipe builds MLPs over the flattened images and trains a step."""
    import importlib

    import tfgan_gp as tg
    from absl import flags

    from recipes import common

    module = importlib.import_module(f"recipes.{module_name}")
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    flag_values(["recipe", f"--logdir={tmp_path}", "--smoke", "--architecture=mlp"])
    args = common.values(flag_values, smoke=module.SMOKE)
    recipe = module.recipe(args, "mlp", "wgan_gp") if module_name == "lsun_bedrooms" else module.recipe(args)
    assert recipe.architecture == "mlp"
    assert json.loads(json.dumps(recipe.generator_kwargs)) == recipe.generator_kwargs   # run_config.json
    family = tg.architectures.get(recipe.architecture)
    generator, critic = family.generator(**recipe.generator_kwargs), family.critic(**recipe.critic_kwargs)
    assert generator.output_shape == (None, *shape) and critic.input_shape == (None, *shape)
    assert critic.get_layer("hidden_0").kernel.shape[0] == int(np.prod(shape))
    gan = tg.GAN(generator, critic, latent_dim=recipe.latent_dim, n_critic=1, seed=0)
    gan.compile(run_eagerly=True)
    logs = gan.train_step(tf.random.uniform((2, *shape), -1.0, 1.0, seed=0))
    assert all(np.isfinite(float(v)) for v in logs.values())


def test_random_architectures_trains_wgan_gp_with_the_section_5_1_optimizers(tmp_path, capsys, monkeypatch):
    """§5.1 / Appendix B: Adam(1e-4, 0, 0.9), and weight decay 1e-3 on critics that normalize (layer norm)."""
    from recipes import random_architectures as study
    from tfgan_gp.selection import search_space

    arch = search_space.RandomArchitecture("relu", "relu", 2, 2, False, True, 8, 8)
    g_opt, d_opt = study.wgan_gp_optimizers(arch)
    for opt in (g_opt, d_opt):
        assert (float(opt.learning_rate), opt.beta_1, opt.beta_2) == (pytest.approx(1e-4), 0.0, 0.9)
    assert g_opt.weight_decay is None and d_opt.weight_decay == pytest.approx(1e-3)
    plain = search_space.RandomArchitecture("relu", "relu", 2, 2, True, False, 8, 8)
    assert study.wgan_gp_optimizers(plain)[1].weight_decay is None

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

    from recipes import common, mnist

    for method, normalization, optimizer, lr in (("wgan_gp", "none", "Adam", 1e-4), ("wgan_clip", "batch", "RMSprop",
                                                                                        5e-5)):
        flag_values = flags.FlagValues()
        mnist.define_flags(flag_values)
        flag_values(["mnist", f"--method={method}", "--smoke"])
        args = common.values(flag_values, smoke=mnist.SMOKE, **mnist.METHODS[method])
        recipe = mnist.recipe(args)
        assert recipe.generator_kwargs["normalization"] == recipe.critic_kwargs["normalization"] == normalization
        assert recipe.critic_kwargs["gradient_penalty"] == (method == "wgan_gp")
        assert args.penalty == ("gp" if method == "wgan_gp" else "clip") and args.n_critic == 5
        g_opt, d_opt = recipe.optimizers(10, 5)
        assert type(g_opt).__name__ == type(d_opt).__name__ == optimizer
        assert float(g_opt.learning_rate) == float(d_opt.learning_rate) == pytest.approx(lr)
