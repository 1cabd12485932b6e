"""Export: SavedModels that serve without tfgan_gp, their signatures, input checks, metadata, TFLite and the CLI.

The exports are written once per module; three subprocesses (the CLI, ``saved_model_cli`` and an
isolated ``python -I`` loader that may import nothing but TensorFlow) run while the module's
in-process work goes on.
"""
import json
import os
import re
import subprocess
import sys
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

import export
import tfgan_gp as tg
from tfgan_gp.serving import endpoints, run_dir
from tfgan_gp import checkpoints, run_directory
from tfgan_gp.architectures import mlp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENT, CLASSES = 4, 3
CHARS = ["\ufffd", "a", "b", " ", "`"]  # id 4 is the pad
VOCAB = types.SimpleNamespace(chars=CHARS, pad="`")
SEQ_LEN = 6
MLP_KWARGS = dict(latent_dim=3, output_dim=2, width=8, depth=1)

# Runs in `python -I` (no checkout on sys.path) with tfgan_gp and export refused even where they are installed:
# loading needs TensorFlow alone (which imports Keras itself, so Keras cannot be refused).
LOADER = r'''
import json, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tfgan_gp", "export", "tfgan_gp_export", "tfgan_gp_recipes"):
            raise ImportError(f"the exported model must load without {name}")
sys.meta_path.insert(0, Refuse())
import tensorflow as tf
plan, results, models = json.load(open(sys.argv[1])), {}, {}
for call in plan:
    if call["dir"] not in models:
        models[call["dir"]] = tf.saved_model.load(call["dir"])
    signature = models[call["dir"]].signatures[call["signature"]]
    try:
        out = signature(**{k: tf.constant(v, dtype=d) for k, (d, v) in call["inputs"].items()})
    except tf.errors.InvalidArgumentError as err:
        results[call["id"]] = {"error": err.message}
        continue
    results[call["id"]] = {k: {"dtype": v.dtype.name, "shape": v.shape.as_list(),
                               "values": [s.decode() for s in v.numpy()] if v.dtype == tf.string
                               else v.numpy().tolist()} for k, v in out.items()}
json.dump(results, open(sys.argv[2], "w"))
'''


def image_generator(num_classes=None):
    """8×8×3 tanh images from z (and a class embedding); a wide last kernel spreads pixels over [-1, 1]."""
    z = keras.Input((LATENT,))
    h, inputs = z, [z]
    if num_classes:
        labels = keras.Input((), dtype="int32")
        inputs.append(labels)
        h = layers.Concatenate()([z, layers.Embedding(num_classes, 4)(labels)])
    h = layers.Reshape((4, 4, 8))(layers.Dense(4 * 4 * 8, activation="relu")(h))
    out = layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh",
                                 kernel_initializer=keras.initializers.RandomNormal(stddev=3.0))(h)
    return keras.Model(inputs if num_classes else z, out)


def image_gan():
    critic = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, strides=2), layers.Flatten(),
                               layers.Dense(1)])
    return tg.GAN(image_generator(), critic, latent_dim=LATENT)


def text_generator():
    """Softmax over CHARS at SEQ_LEN positions; biases force "a`?b``" (position 2 depends on z)."""
    bias = np.zeros((SEQ_LEN, len(CHARS)), "float32")
    bias[[0, 1, 3, 4, 5], [CHARS.index(c) for c in "a`b``"]] = 50.0
    z = keras.Input((LATENT,))
    logits = layers.Dense(SEQ_LEN * len(CHARS), bias_initializer=keras.initializers.Constant(bias.ravel()))(z)
    return keras.Model(z, layers.Softmax()(layers.Reshape((SEQ_LEN, len(CHARS)))(logits)))


def write_run_dir(logdir):
    """A run directory as a recipe leaves it: its record, a checkpoint at generator iteration 7, evaluations."""
    gan = tg.GAN(mlp.generator(**MLP_KWARGS), mlp.critic(2, width=8, depth=1), latent_dim=3)
    gan.compile()
    gan.g_optimizer.iterations.assign(7)
    spec = tg.GANSpec(architecture="mlp", generator_kwargs=MLP_KWARGS, critic_kwargs=dict(input_dim=2, width=8, depth=1),
                      latent_dim=3)
    run_directory.RunRecord(recipe="toy", gan=spec, train=tg.TrainConfig(logdir=logdir)).save(logdir)
    checkpoints.manager(gan, logdir).save()
    os.makedirs(os.path.join(logdir, "eval"))
    with open(os.path.join(logdir, run_dir.METRICS_FILE), "w") as f:
        f.write(json.dumps({"iteration": 3, "w1": 0.5, "num_samples": 512}) + "\n")
        f.write(json.dumps({"iteration": 7, "w1": 0.25, "num_samples": 512}) + "\n")
    return gan


def write_text_run(logdir):
    """A character-model run as the first record format left it ("vocab_file" at the top, no "format"), holding only
    generator weights (no optimizer) and its saved vocabulary."""
    from tfgan_gp.architectures import char_cnn
    from tfgan_gp.data.text import Vocab

    kwargs = dict(latent_dim=LATENT, seq_len=SEQ_LEN, dim=8, vocab_size=len(CHARS), num_blocks=1)
    generator, vocab = char_cnn.generator(**kwargs), Vocab(CHARS, pad="`", unknown="\ufffd")
    os.makedirs(logdir)
    with open(os.path.join(logdir, run_directory.CONFIG_FILE), "w") as f:
        json.dump(dict(recipe="billion_word", architecture="char_cnn", generator_kwargs=kwargs, critic_kwargs={},
                       latent_dim=LATENT, num_classes=None, precision="float32", vocab_file="vocab.json",
                       train=dict(loss="wasserstein", penalty="gp", lambda_gp=10.0, n_critic=10, iterations=4)), f)
    vocab.save(os.path.join(logdir, "vocab.json"))
    tf.train.CheckpointManager(tf.train.Checkpoint(generator=generator),
                               os.path.join(logdir, checkpoints.CHECKPOINT_DIR), max_to_keep=1).save()
    return generator, vocab


def saved_model_cli():
    beside_python = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    return beside_python if os.path.exists(beside_python) else "saved_model_cli"


def call(id_, dir_, signature, **inputs):
    return {"id": id_, "dir": str(dir_), "signature": signature, "inputs": inputs}


def z_values(n, width, seed):
    return np.random.default_rng(seed).normal(size=(n, width)).astype("float32")


def to_uint8_reference(x):
    return np.clip(np.round((np.asarray(x, np.float64) + 1.0) * 127.5), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("export")
    quiet = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    w = types.SimpleNamespace(root=root, run=root / "run", cli_out=root / "cli")
    w.cli_gan = write_run_dir(str(w.run))
    cli = subprocess.Popen([sys.executable, "-m", "export", "--checkpoint", str(w.run), "--out", str(w.cli_out)],
                           cwd=REPO, env=quiet, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    w.gan, w.conditional, w.text = image_gan(), image_generator(CLASSES), text_generator()
    w.meta = {"img": export.export_generator(w.gan, root / "img", metadata={"note": "unit test"}),
              "imgc": export.export_generator(w.conditional, root / "imgc", num_classes=CLASSES),
              "text": export.export_generator(w.text, root / "text", vocab=VOCAB)}
    w.text_run_generator, w.text_run_vocab = write_text_run(str(root / "text_run"))
    w.meta["text_run"] = run_dir.export_run(str(root / "text_run"), str(root / "text_run_out"))
    show = subprocess.Popen([saved_model_cli(), "show", "--all", "--dir", str(root / "imgc")], cwd=root, env=quiet,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    w.cli_output = cli.communicate(timeout=120)[0]
    w.cli_returncode = cli.returncode

    w.z = {"img": z_values(3, LATENT, 1), "imgc": z_values(3, LATENT, 2), "text": z_values(3, LATENT, 3),
           "cli": z_values(2, 3, 4)}
    n_seed = lambda n, seed: {"n": ("int32", n), "seed": ("int64", seed)}  # noqa: E731
    img, imgc, text, cli_dir = root / "img", root / "imgc", root / "text", w.cli_out
    plan = [
        call("img_serve", img, "serving_default", z=("float32", w.z["img"].tolist())),
        call("img_sample", img, "sample", **n_seed(5, 3)),
        call("img_sample_other_seed", img, "sample", **n_seed(5, 4)),
        call("img_n0", img, "sample", **n_seed(0, 3)),
        call("img_n1025", img, "sample", **n_seed(1025, 3)),
        call("img_wide_z", img, "serving_default", z=("float32", np.zeros((2, LATENT + 1)).tolist())),
        call("imgc_serve", imgc, "serving_default", z=("float32", w.z["imgc"].tolist()),
             labels=("int32", [0, 1, 2])),
        call("imgc_sample", imgc, "sample", **n_seed(4, 1), labels=("int32", [2, 0, 1, 2])),
        call("imgc_label_3", imgc, "sample", **n_seed(2, 1), labels=("int32", [0, 3])),
        call("imgc_label_negative", imgc, "serving_default", z=("float32", np.zeros((2, LATENT)).tolist()),
             labels=("int32", [-1, 0])),
        call("imgc_short_labels", imgc, "sample", **n_seed(2, 1), labels=("int32", [1])),
        call("imgc_narrow_z", imgc, "serving_default", z=("float32", np.zeros((1, LATENT - 1)).tolist()),
             labels=("int32", [1])),
        call("text_serve", text, "serving_default", z=("float32", w.z["text"].tolist())),
        call("text_sample", text, "sample", **n_seed(3, 0)),
        call("cli_serve", cli_dir, "serving_default", z=("float32", w.z["cli"].tolist())),
        call("cli_sample", cli_dir, "sample", **n_seed(4, 2)),
        call("text_run_sample", root / "text_run_out", "sample", **n_seed(3, 5)),
    ]
    (root / "plan.json").write_text(json.dumps(plan))
    loader = root / "loader.py"
    loader.write_text(LOADER)
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # cwd outside the checkout
    loaded = subprocess.run([sys.executable, "-I", str(loader), str(root / "plan.json"), str(root / "out.json")],
                            cwd=elsewhere, env=quiet, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    w.loaded = json.loads((root / "out.json").read_text())
    w.show_output = show.communicate(timeout=120)[0]
    w.show_returncode = show.returncode
    return w


def loaded_array(result, key):
    return np.array(result[key]["values"], dtype=result[key]["dtype"])


# ------------------------------------------------------------------ round trip in a fresh interpreter
def test_serving_default_equals_the_in_process_generator(world):
    for name, model, extra in [("img", world.gan.generator, None),
                               ("imgc", world.conditional, np.array([0, 1, 2], "int32"))]:
        result = world.loaded[f"{name}_serve"]
        inputs = world.z[name] if extra is None else [world.z[name], extra]
        expected = np.asarray(model(inputs, training=False))
        assert result["images"]["dtype"] == "float32" and result["images"]["shape"] == [3, 8, 8, 3]
        np.testing.assert_allclose(loaded_array(result, "images"), expected, atol=1e-5)
        assert expected.min() < -0.9 and expected.max() > 0.9  # the uint8 checks below see the full range


def assert_uint8_matches(got, floats):
    """Equal to round((x + 1) * 127.5) clipped; at most 1 level off only where x sits on a rounding tie."""
    expected = to_uint8_reference(floats)
    scaled = (np.asarray(floats, np.float64) + 1.0) * 127.5
    near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-3
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert got.dtype == np.uint8 and got.shape == expected.shape
    assert diff.max() <= 1 and np.all(diff[~near_tie] == 0)


def test_sample_is_gan_sample_as_uint8_and_deterministic(world):
    got = loaded_array(world.loaded["img_sample"], "images")
    assert got.shape == (5, 8, 8, 3)
    assert_uint8_matches(got, world.gan.sample(5, seed=3))  # same seed in another process: same images
    assert {0, 255} <= set(np.unique(got))
    other = loaded_array(world.loaded["img_sample_other_seed"], "images")
    assert_uint8_matches(other, world.gan.sample(5, seed=4))
    assert np.mean(other != got) > 0.5


def test_conditional_sample_uses_the_labels(world):
    got = loaded_array(world.loaded["imgc_sample"], "images")
    labels = tf.constant([2, 0, 1, 2])
    z = tf.random.stateless_normal((4, LATENT), seed=[1, 0])
    assert_uint8_matches(got, world.conditional([z, labels], training=False))
    swapped = world.conditional([z, (labels + 1) % CLASSES], training=False)
    assert np.mean(to_uint8_reference(swapped) != got) > 0.5


def test_text_signatures_decode_with_the_vocabulary_and_strip_trailing_padding(world):
    probabilities = np.asarray(world.text(world.z["text"], training=False))
    served = world.loaded["text_serve"]
    np.testing.assert_allclose(loaded_array(served, "probabilities"), probabilities, atol=1e-5)
    expected = ["".join(CHARS[i] for i in row).rstrip("`") for row in probabilities.argmax(-1)]
    assert served["text"]["values"] == expected
    assert all(re.fullmatch("a`.b", t) for t in expected)  # interior pad kept, trailing pads gone
    sampled = world.loaded["text_sample"]["text"]
    z = tf.random.stateless_normal((3, LATENT), seed=[0, 0])
    ids = np.asarray(world.text(z, training=False)).argmax(-1)
    assert sampled["dtype"] == "string" and sampled["shape"] == [3]
    assert sampled["values"] == ["".join(CHARS[i] for i in row).rstrip("`") for row in ids]


@pytest.mark.parametrize("case, message", [
    ("img_n0", r"n \(number of samples\) must be in \[1, 1024\]; received:\] \[0\]"),
    ("img_n1025", r"n \(number of samples\) must be in \[1, 1024\]; received:\] \[1025\]"),
    ("img_wide_z", r"z must have shape \(batch, latent_dim=4\); received width:\] \[5\]"),
    ("imgc_narrow_z", r"z must have shape \(batch, latent_dim=4\); received width:\] \[3\]"),
    ("imgc_label_3", r"labels must be class ids in \[0, 3\); received:\] \[0 3\]"),
    ("imgc_label_negative", r"labels must be class ids in \[0, 3\); received:\] \[-1 0\]"),
    ("imgc_short_labels", r"labels must hold one class id per sample \(n of them\); expected\] \[2\] "
                          r"\[received\] \[1\]"),
])
def test_bad_inputs_raise_invalid_argument_with_the_expected_values(world, case, message):
    assert re.search(message, world.loaded[case]["error"]), world.loaded[case]


# ------------------------------------------------------------------ saved_model_cli and metadata
def parse_saved_model_cli(text):
    """``{signature: {"inputs"|"outputs": {name: (dtype, shape)}}}`` from ``saved_model_cli show --all``."""
    signatures, current, tensor = {}, None, None
    for line in text.splitlines():
        line = line.strip()
        if m := re.match(r"signature_def\['(\w+)'\]:", line):
            current = signatures.setdefault(m.group(1), {"inputs": {}, "outputs": {}})
        elif (m := re.match(r"(inputs|outputs)\['(\w+)'\] tensor_info:", line)) and current is not None:
            tensor = current[m.group(1)].setdefault(m.group(2), {})
        elif (m := re.match(r"(dtype|shape): (.*)", line)) and tensor is not None:
            tensor[m.group(1)] = m.group(2)
    return signatures


def test_saved_model_cli_lists_signatures_with_dtypes_and_shapes(world):
    assert world.show_returncode == 0, world.show_output[-2000:]
    listed = parse_saved_model_cli(world.show_output)
    assert listed["serving_default"] == {
        "inputs": {"z": {"dtype": "DT_FLOAT", "shape": "(-1, 4)"}, "labels": {"dtype": "DT_INT32", "shape": "(-1)"}},
        "outputs": {"images": {"dtype": "DT_FLOAT", "shape": "(-1, 8, 8, 3)"}}}
    assert listed["sample"] == {
        "inputs": {"n": {"dtype": "DT_INT32", "shape": "()"}, "seed": {"dtype": "DT_INT64", "shape": "()"},
                   "labels": {"dtype": "DT_INT32", "shape": "(-1)"}},
        "outputs": {"images": {"dtype": "DT_UINT8", "shape": "(-1, 8, 8, 3)"}}}


def test_metadata_and_readme_describe_the_export(world):
    meta = json.loads((world.root / "imgc" / "metadata.json").read_text())
    assert meta == json.loads(json.dumps(world.meta["imgc"]))
    assert (meta["kind"], meta["latent_dim"], meta["num_classes"]) == ("image", LATENT, CLASSES)
    assert meta["image_size"] == {"height": 8, "width": 8, "channels": 3}
    assert meta["signatures"]["sample"]["outputs"]["images"] == {"dtype": "uint8", "shape": [None, 8, 8, 3]}
    assert meta["signatures"]["serving_default"]["inputs"]["labels"] == {"dtype": "int32", "shape": [None]}
    assert world.meta["img"]["note"] == "unit test" and world.meta["img"]["num_classes"] is None
    text_meta = world.meta["text"]
    assert (text_meta["kind"], text_meta["seq_len"], text_meta["vocab_size"], text_meta["pad"]) == (
        "text", SEQ_LEN, len(CHARS), "`")
    readme = (world.root / "imgc" / "README.md").read_text()
    assert f'generator = tf.saved_model.load("{world.root / "imgc"}")' in readme
    assert "labels outside [0, 3) or not one per sample" in readme
    assert 'images = generator.sample(n=16, seed=0, labels=tf.range(16) % 3)["images"]' in readme


def test_readme_snippet_runs(world):
    readme = (world.root / "imgc" / "README.md").read_text()
    code = readme.split("```python\n")[1].split("```")[0]
    assert len(code.splitlines()) == 3
    namespace = {}
    exec(code, namespace)  # noqa: S102
    assert namespace["images"].dtype == tf.uint8 and namespace["images"].shape == (16, 8, 8, 3)


# ------------------------------------------------------------------ CLI on a run directory
def test_cli_exports_the_newest_checkpoint_with_run_facts(world):
    assert world.cli_returncode == 0, world.cli_output[-3000:]
    assert "generator iteration 7" in world.cli_output
    meta = json.loads((world.cli_out / "metadata.json").read_text())
    assert meta["iteration"] == 7 and meta["latent_dim"] == 3 and meta["kind"] == "vector"
    assert meta["source_run"] == str(world.run) and meta["architecture"] == "mlp"
    assert meta["checkpoint"] == checkpoints.latest(str(world.run))
    assert meta["evaluation"] == {"iteration": 7, "w1": 0.25, "num_samples": 512}
    readme = (world.cli_out / "README.md").read_text()
    assert f"Trained in `{world.run}`, generator iteration 7." in readme
    assert "Latest evaluation, at generator iteration 7:\n\n- w1: 0.25\n" in readme
    z = world.z["cli"]
    np.testing.assert_allclose(loaded_array(world.loaded["cli_serve"], "samples"),
                               world.cli_gan.generator(z, training=False), atol=1e-5)
    np.testing.assert_allclose(loaded_array(world.loaded["cli_sample"], "samples"),
                               world.cli_gan.sample(4, seed=2), atol=1e-5)


def test_text_run_is_decoded_with_its_saved_vocabulary(world):
    meta = world.meta["text_run"]
    assert (meta["kind"], meta["pad"], meta["architecture"], meta["iteration"]) == ("text", "`", "char_cnn", None)
    z = tf.random.stateless_normal((3, LATENT), seed=[5, 0])
    expected = [world.text_run_vocab.decode(p) for p in np.asarray(world.text_run_generator(z, training=False))]
    assert world.loaded["text_run_sample"]["text"]["values"] == expected


def test_latest_evaluation_is_the_last_complete_line(tmp_path):
    assert run_dir.latest_evaluation(str(tmp_path)) == {}   # a run without evaluations
    os.makedirs(tmp_path / "eval")
    lines = [json.dumps({"iteration": i, "fid": 10.0 - i}) for i in range(3)]
    (tmp_path / run_dir.METRICS_FILE).write_text("\n".join(lines) + "\n" + lines[0][:7])  # the last one cut short
    assert run_dir.latest_evaluation(str(tmp_path)) == {"iteration": 2, "fid": 8.0}


def test_run_without_checkpoint_or_config_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"not a tfgan_gp run directory.*Received: logdir="):
        run_dir.export_run(str(tmp_path), str(tmp_path / "out"))
    spec = tg.GANSpec(architecture="mlp", generator_kwargs=MLP_KWARGS, latent_dim=3)
    run_directory.RunRecord(recipe="toy", gan=spec, train=tg.TrainConfig()).save(str(tmp_path))
    with pytest.raises(ValueError, match=r"No checkpoint in .*Received: logdir="):
        run_dir.export_run(str(tmp_path), str(tmp_path / "out"))


# ------------------------------------------------------------------ TFLite
@pytest.mark.parametrize("conditional", [False, True])
def test_tflite_interpreter_matches_the_generator(tmp_path, conditional):
    generator = image_generator(CLASSES if conditional else None)
    meta = export.export_generator(generator, tmp_path, num_classes=CLASSES if conditional else None,
                                   format="tflite")
    assert meta["format"] == "tflite" and set(meta["signatures"]) == {"serving_default"}
    runner = tf.lite.Interpreter(str(tmp_path / "generator.tflite")).get_signature_runner("serving_default")
    z = z_values(3, LATENT, 5)
    labels = np.array([2, 1, 0], "int32")
    inputs = {"z": z, "labels": labels} if conditional else {"z": z}
    expected = generator([z, labels] if conditional else z, training=False)
    np.testing.assert_allclose(runner(**inputs)["images"], expected, atol=1e-5)
    namespace = {}
    exec((tmp_path / "README.md").read_text().split("```python\n")[1].split("```")[0], namespace)  # noqa: S102
    assert namespace["images"].shape == (4, 8, 8, 3) and namespace["images"].dtype == np.float32


def test_mixed_precision_generator_serves_float32(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # conftest restores the policy
    generator = image_generator()
    export.export_generator(generator, tmp_path)
    z = z_values(2, LATENT, 6)
    served = tf.saved_model.load(str(tmp_path)).signatures["serving_default"](z=tf.constant(z))["images"]
    assert generator.compute_dtype == "bfloat16" and served.dtype == tf.float32
    np.testing.assert_allclose(served, tf.cast(generator(z, training=False), tf.float32), atol=1e-5)


# ------------------------------------------------------------------ graph helpers and argument checks
def test_uint8_mapping_known_values():
    x = tf.constant([-2.0, -1.0, -0.999, -1 / 255, 0.0, 1 / 255, 0.999, 1.0, 1.5])
    # (x + 1) * 127.5 = -127.5, 0, 0.1275, 127, 127.5 (tie -> even 128), 128, 254.87, 255, 318.75
    assert endpoints.to_uint8(x).numpy().tolist() == [0, 0, 0, 127, 128, 128, 255, 255, 255]


def test_decode_text_with_and_without_padding():
    ids = np.array([[1, 4, 2, 4, 4], [4, 4, 4, 4, 4], [3, 1, 2, 0, 1]])
    probabilities = tf.one_hot(ids, len(CHARS))
    assert endpoints.decode_text(probabilities, tuple(CHARS), 4).numpy().tolist() == [
        b"a`b", b"", " ab\ufffda".encode()]
    assert endpoints.decode_text(probabilities, tuple(CHARS), None).numpy().tolist()[0] == b"a`b``"


@pytest.mark.parametrize("make, kwargs, message", [
    (image_generator, dict(format="onnx"), r"format must be one of saved_model, tflite\. Received: format='onnx'"),
    (image_generator, dict(latent_dim=5), r"latent_dim=5 contradicts the generator's first input.*Received"),
    (image_generator, dict(latent_dim=0), r"latent_dim must be a positive integer\. Received: latent_dim=0"),
    (image_generator, dict(num_classes=3), r"num_classes is set but the generator takes only z.*Received"),
    (lambda: image_generator(3), {}, r"takes \[z, labels\] but num_classes is not set.*Received: num_classes=None"),
    (image_generator, dict(vocab=CHARS), r"vocab is only for character generators.*Received"),
    (text_generator, {}, r"pass vocab .*Received: vocab=None"),
    (text_generator, dict(vocab=CHARS[:4]), r"one entry per generator output channel \(5\)\. Received: vocab of 4"),
    (text_generator, dict(vocab="abcde"), r"vocab must have \.chars.*Received: vocab of type str"),
    (text_generator, dict(vocab=types.SimpleNamespace(chars=CHARS, pad="#")), r"pad character.*Received: pad='#'"),
    (text_generator, dict(vocab=VOCAB, format="tflite"), r"TFLite export is for image.*Received"),
    (image_generator, dict(metadata={"latent_dim": 9}), r"must not override.*latent_dim.*Received"),
    (image_generator, dict(metadata={"when": object()}), r"metadata must be JSON-serialisable.*Received"),
    (lambda: "generator", {}, r"tfgan_gp\.GAN or a Keras generator model\. Received: str"),
])
def test_bad_arguments_are_refused_before_writing(tmp_path, make, kwargs, message):
    with pytest.raises(ValueError, match=message):
        export.export_generator(make(), tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_gan_and_explicit_arguments_must_agree(tmp_path):
    with pytest.raises(ValueError, match=r"num_classes=2 contradicts the GAN, which has num_classes=None"):
        export.export_generator(image_gan(), tmp_path, num_classes=2)
