"""What the recipes share: the shared flags, ``--smoke``, the typed config, offline stand-ins, the entry point.

Every recipe is one module with the same shape (copy ``recipes/mnist.py`` to start a new one)::

    def define_flags(flag_values):          # the shared flags with this recipe's defaults + its own
        common.define_shared_flags(flag_values, logdir="runs/mine", iterations=10_000)
        flags.DEFINE_integer("dim", 64, "Base width.", lower_bound=1, flag_values=flag_values)

    def main(argv, flag_values):            # parsed flags -> tfgan_gp.train(Recipe, TrainConfig)
        args = common.values(flag_values, smoke=dict(dim=8))
        return tg.train(tg.Recipe(...), common.train_config(args))

    if __name__ == "__main__":
        common.run(define_flags, main)

Flags are defined on a ``FlagValues`` passed in (the global one from the command line), so
any number of recipes can be imported into one process without their flags colliding.
"""
import os
import sys
import types

from absl import app, flags, logging

import tfgan_gp as tg
from tfgan_gp.data import images
from tfgan_gp.training import Interrupted

SMOKE = dict(iterations=4, eval_every=2, batch_size=8)
"""What ``--smoke`` shrinks in every recipe (flags the user did not pass); recipes add their widths."""
# ``--rehearsal`` (recipes/rehearsal.py) keeps every size but the recipe's widths (its REHEARSAL dict).

USER_ERRORS = (tg.data.DataUnavailableError, tg.metrics.InceptionWeightsUnavailable,
               tg.metrics.protocols.ProtocolMismatchError, FloatingPointError, ValueError, OSError)
"""Failures a user fixes with a flag, a file or the disk (bad values, unusable data or run directory, a full
disk): reported in one sentence without a traceback, unless ``--verbose``."""


def define_shared_flags(flag_values, **defaults):
    """Define the flags every training recipe shares, with the recipe's ``defaults`` (else the paper's)."""
    paper = tg.TrainConfig(logdir="runs/run")
    d = dict(dataclass_defaults(paper), data_dir=None, smoke=False, **defaults)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("logdir", d["logdir"], "Run directory: TensorBoard logs, checkpoints, pictures, export. "
                        "Re-running the same command resumes from its last checkpoint.", **fv)
    flags.DEFINE_integer("iterations", d["iterations"], "Generator iterations in total.", lower_bound=1, **fv)
    flags.DEFINE_integer("batch_size", d["batch_size"], "Samples per critic minibatch (global, all replicas).",
                         lower_bound=1, **fv)
    flags.DEFINE_integer("n_critic", d["n_critic"], "Critic updates per generator update.", lower_bound=1, **fv)
    flags.DEFINE_string("loss", d["loss"], f"Adversarial loss: {', '.join(tg.losses.names())}.", **fv)
    flags.DEFINE_string("penalty", d["penalty"], f"Critic regulariser: {', '.join(tg.penalties.names())}, or "
                        f"several joined by + (e.g. gp+lecam).", **fv)
    flags.DEFINE_float("lambda_gp", d["lambda_gp"], "Penalty weight λ (of a combination: the first part's; the "
                       "others keep their defaults).", lower_bound=0.0, **fv)
    flags.DEFINE_enum("precision", d["precision"], tg.precision.NAMES, "auto: mixed_float16 on GPU, "
                      "mixed_bfloat16 on CPUs where a probe shows it faster, else float32.", **fv)
    flags.DEFINE_enum("distribute", d["distribute"], tg.distribute.STRATEGIES, "tf.distribute strategy.", **fv)
    flags.DEFINE_string("data_dir", d["data_dir"], "tensorflow-datasets data_dir or a local dataset path "
                        "(.npz/.npy file or image folder).", **fv)
    flags.DEFINE_integer("eval_every", d["eval_every"], "Generator iterations between evaluations, sample "
                         "pictures and checkpoints (one Keras epoch).", lower_bound=1, **fv)
    flags.DEFINE_integer("seed", d["seed"], "Random seed (weights, noise, data order).", lower_bound=0, **fv)
    flags.DEFINE_float("ema_decay", d["ema_decay"], "Decay β of an exponential moving average of the generator's "
                       "weights (Yazıcı et al. 2019; BigGAN 0.9999); 0: none.", lower_bound=0.0, **fv)
    flags.DEFINE_integer("ema_start", d["ema_start"], "Generator iterations before the average starts (it copies "
                         "the weights until then).", lower_bound=0, **fv)
    flags.DEFINE_enum("sample_from", d["sample_from"], tg.averaging.SAMPLE_FROM, "Generator of the samples, "
                      "evaluation and export: auto (the averaged one when --ema_decay > 0), ema or raw.", **fv)
    flags.DEFINE_enum("augment", d["augment"], tg.augment.names(), "Differentiable augmentation of everything the "
                      "critic sees: none, diffaugment (Zhao et al. 2020), ada (the same transforms, each applied "
                      "with ADA's adaptive probability p, Karras et al. 2020; p is logged as augment_p). Image "
                      "recipes only.", **fv)
    flags.DEFINE_string("augment_policy", d["augment_policy"], f"The transforms of --augment, comma-separated "
                        f"from {', '.join(tg.augment.POLICIES)}.", **fv)
    flags.register_validator("augment_policy", _is_policy,
                             message=f"--augment_policy must be a comma-separated list of distinct names from "
                                     f"{', '.join(tg.augment.POLICIES)}", **fv)
    flags.DEFINE_bool("smoke", d["smoke"], "A few iterations of tiny models on synthetic data of the real "
                      "shapes, offline: checks the whole pipeline end to end.", **fv)
    flags.DEFINE_bool("verbose", False, "Show the full traceback of errors that are otherwise one sentence.", **fv)
    flags.DEFINE_bool("rehearsal", False, "The real configuration at tiny width, offline: tensorflow-datasets "
                      "mock data in the real split sizes, a tiny classifier instead of InceptionV3, and "
                      "--iterations 2 x --eval_every unless given; evaluation sizes, batch, schedule, "
                      "checkpoints, resume and export as in the real run (recipes/rehearsal.py).", **fv)
    flags.register_validator("ema_decay", lambda v: v < 1, message="--ema_decay must be in [0, 1)", **fv)
    flags.register_validator("loss", lambda v: v in tg.losses.names(),
                             message=f"--loss must be one of {', '.join(tg.losses.names())}", **fv)
    flags.register_validator("penalty", _valid_penalty, **fv)
    flags.register_multi_flags_validator(  # (--smoke and --rehearsal choose --iterations after parsing)
        ["iterations", "eval_every", "smoke", "rehearsal"],
        lambda v: v["smoke"] or v["rehearsal"] or v["iterations"] % min(v["eval_every"], v["iterations"]) == 0,
        message="--iterations must be a multiple of --eval_every (each Keras epoch is --eval_every iterations)",
        **fv)


def _is_policy(value):
    try:
        tg.augment.parse_policy(value)
    except ValueError:
        return False
    return True


def _valid_penalty(name):
    try:
        tg.penalties.check_name(name, argument="--penalty")
    except ValueError as err:
        raise flags.ValidationError(str(err)) from None
    return True


def define_image_flags(flag_values):
    """``--value_range``: the pixel range of a float ``.npy``/``.npz`` given as ``--data_dir``."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_list("value_range", None, "low,high of the pixel values of a float .npy/.npz --data_dir (default: "
                      "inferred from [0, 1], [-1, 1] or [0, 255]).", **fv)
    flags.register_validator("value_range", lambda v: v is None or _range(v) is not None,
                             message="--value_range must be two numbers low,high with low < high", **fv)


def _range(values):
    try:
        low, high = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    return (low, high) if low < high else None


def define_architecture_flag(flag_values, families, help_text=None):
    """``--architecture``: the recipe's own ``families`` (the first is the default) or ``mlp``.

    ``mlp`` is the fully connected GAN on the same images (:func:`tfgan_gp.architectures.mlp.image_kwargs`:
    the §5.2 MLP generator, depth 4 and width ``8·dim``, and a critic of that size over the flattened image).
    """
    families = list(families)
    flags.DEFINE_enum("architecture", families[0], families + ["mlp"], help_text or (
        f"Network family: {', '.join(families)} (the paper's), or mlp (fully connected G and D over the "
        f"flattened images, 4 hidden layers of 8·dim)."), flag_values=flag_values)


def mlp_image_kwargs(args, shape, latent_dim=128, num_classes=None, gradient_penalty=True):
    """``(generator kwargs, critic kwargs)`` of ``--architecture mlp`` for images of ``shape``: width ``8·--dim``."""
    from tfgan_gp.architectures import mlp

    generator_kwargs, critic_kwargs = mlp.image_kwargs(shape, latent_dim=latent_dim, width=8 * args.dim)
    generator_kwargs.update(num_classes=num_classes)
    critic_kwargs.update(num_classes=num_classes, gradient_penalty=gradient_penalty)
    return generator_kwargs, critic_kwargs


def dataclass_defaults(instance):
    """``{field: value}`` of a dataclass instance."""
    return {name: getattr(instance, name) for name in instance.__dataclass_fields__}


def values(flag_values, smoke=None, rehearsal=None, **overrides):
    """The parsed flags as a namespace.

    ``overrides`` replace flags the user did not pass (a recipe's per-method defaults); under
    ``--smoke`` so do :data:`SMOKE` and the recipe's ``smoke`` sizes (tiny widths, few samples),
    under ``--rehearsal`` the recipe's ``rehearsal`` widths and ``iterations = 2 × eval_every``.
    """
    result = {name: flag_values[name].value for name in flag_values if _recipe_flag(flag_values, name)}
    replace = dict(overrides, **(dict(SMOKE, **(smoke or {})) if result.get("smoke") else {}))
    if result.get("rehearsal"):
        replace.update(rehearsal or {})
    for name, value in replace.items():
        if name in result and not flag_values[name].present:  # (recipes without a flag ignore its size)
            result[name] = value
    if result.get("rehearsal") and not flag_values["iterations"].present:
        result["iterations"] = 2 * result["eval_every"]  # two evaluation cycles
    return types.SimpleNamespace(**result)


def _recipe_flag(flag_values, name):
    """False for the flags absl and TensorFlow define on the global FlagValues (--verbosity, --v, ...)."""
    module = flag_values.find_module_defining_flag(name) or ""
    return not module.startswith(("absl", "tensorflow", "keras"))


def train_config(args, **changes):
    """The :class:`tfgan_gp.TrainConfig` of the shared flags in ``args`` (``changes``: e.g. another logdir)."""
    fields = dataclass_defaults(tg.TrainConfig(logdir="runs/run"))
    return tg.TrainConfig(**{name: getattr(args, name) for name in fields if hasattr(args, name)} | changes)


EVALUATION_FLAGS = ("eval_samples", "final_eval_samples", "reference_samples", "inception_weights", "inception_graph",
                    "classifier_protocol", "reference_stats", "verbose", "heldout_examples")
"""Flags that change how a run is watched, not what it trains: a resumed run may change them."""


def run_config_extras(args):
    """Entries every recipe adds to ``run_config.json``: its own flags (a re-run must match them to continue).

    The shared training settings are stored by :func:`tfgan_gp.train` itself (``train``).
    """
    shared = set(dataclass_defaults(tg.TrainConfig(logdir="runs/run")))
    return {"flags": {name: value for name, value in sorted(vars(args).items())
                      if name not in shared and name not in EVALUATION_FLAGS and _is_json(value)}}


def _is_json(value):
    return value is None or isinstance(value, (bool, int, float, str, list))


def print_outputs(logdir):
    """Tell the user where a run's logs, pictures and export are."""
    logdir = os.path.abspath(logdir)
    print(f"Logs, pictures and checkpoints: {logdir}")
    if os.path.exists(os.path.join(logdir, "export")):
        print(f"Exported generator: {os.path.join(logdir, 'export')} (tf.saved_model.load)")
    print(f"  open the logs with:  tensorboard --logdir {logdir}")


def run(define_flags, main):
    """The command-line entry point: define the flags, parse ``sys.argv``, run ``main`` (see :func:`run_main`)."""
    before = set(flags.FLAGS)
    define_flags(flags.FLAGS)
    for name in sorted(set(flags.FLAGS) - before):  # --help lists every flag of the recipe
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[name])

    def absl_main(argv):
        run_main(main, argv, flags.FLAGS)  # absl would print a returned value and exit 1

    app.run(absl_main)


def run_main(main, argv, flag_values):
    """Run ``main(argv, flag_values)``; a failure the user can fix by a flag becomes one sentence (exit 1).

    A run stopped by SIGINT/SIGTERM (after saving its checkpoint) exits 130/143 with one line.
    """
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # TensorFlow's INFO lines drown the progress bar
    logging.set_verbosity(logging.WARNING)
    verbose = "verbose" in flag_values and flag_values.verbose
    try:
        return main(argv, flag_values)
    except Interrupted as stop:
        print(f"\n{stop}", file=sys.stderr)
        sys.exit(128 + int(stop.signal))
    except USER_ERRORS as err:
        if verbose:
            raise
        lines = str(err).strip().splitlines() or [type(err).__name__]
        more = " (--verbose shows the details)" if len(lines) > 1 else ""
        print(f"error: {lines[0]}{more}", file=sys.stderr)
        sys.exit(1)


# ----------------------------------------------------------------- data and evaluation
def image_loader(tfds_name, args, image_size, channels):
    """``load(split="train", **load_images_kwargs)`` for a recipe's ``--data_dir`` (a tfds dir or a local set).

    Images are converted to the recipe's ``image_size`` × ``image_size`` × ``channels`` (centre crop,
    resize, grayscale ↔ RGB), so e.g. 28×28 digits feed a 32×32 model. A local dataset has a single
    split: asking it for ``test``/``validation`` gives the same examples (e.g. as the FID reference).
    Under ``--rehearsal`` tfds sets are mocked in their real sizes.
    """
    source, tfds_dir = images.resolve_source(tfds_name, args.data_dir)
    is_local = source != tfds_name
    value_range = _range(args.value_range) if getattr(args, "value_range", None) else None

    def load(split="train", **kwargs):
        kwargs = dict(dict(image_size=image_size, channels=channels, value_range=value_range), **kwargs)
        with mocked_tfds(getattr(args, "rehearsal", False) and not is_local):
            return tg.data.load_images(source, split="train" if is_local else split, data_dir=tfds_dir, **kwargs)

    return load


def first_fraction(dataset, fraction, what):
    """The first ``round(fraction·N)`` (at least 1) of ``dataset``'s ``N`` examples; prints how many, of ``what``.

    The first ones, as the DiffAugment authors' StyleGAN2 code took its CIFAR subsets (``--num-samples``).
    """
    total = int(dataset.cardinality())
    if total < 0:
        raise ValueError(f"A fraction of the training data needs a dataset of known size. Received: fraction="
                         f"{fraction} of a dataset of unknown size")
    count = max(1, round(fraction * total))
    print(f"{what}: training on the first {count:,} of {total:,} (fraction {fraction:g}).")
    return dataset.take(count)


def mocked_tfds(rehearsal):
    """Within: tfds mock data in the real split sizes if ``rehearsal`` (see :mod:`recipes.rehearsal`)."""
    import contextlib

    from . import rehearsal as rehearsal_module

    return rehearsal_module.mock_tfds() if rehearsal else contextlib.nullcontext()


def synthetic_images(shape, num_examples=512, num_classes=None, seed=0):
    """Random images in [-1, 1] of ``shape`` (+ labels): offline stand-in data for ``--smoke``."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    pixels = rng.uniform(-1.0, 1.0, size=(num_examples, *shape)).astype("float32")
    if num_classes:
        labels = rng.integers(0, num_classes, num_examples).astype("int32")
        return tf.data.Dataset.from_tensor_slices((pixels, labels))
    return tf.data.Dataset.from_tensor_slices(pixels)


def tiny_classifier(image_shape, num_classes=10, seed=0):
    """A small random CNN ``images -> (logits, pool features)``: the offline evaluation network of ``--smoke``."""
    import keras

    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(seed))(inputs)
    pool = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    logits = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed))(pool)
    return tg.metrics.KerasClassifier(keras.Model(inputs, logits, name="smoke_classifier"), "pool")


def define_classifier_flags(flag_values):
    """The image recipes' evaluation flags: which protocol (network and pixels) scores IS/FID/KID, and its files."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_enum("classifier_protocol", "keras", tg.metrics.protocols.NAMES,
                      "Evaluation protocol: ttur / tfgan (the paper's numbers: the 2015 Inception graph, uint8 "
                      "images, TF1 bilinear, FID against the 50,000 training images; needs --inception_graph), "
                      "clean (clean-fid), keras (Keras InceptionV3: compare runs with each other only).", **fv)
    flags.DEFINE_string("inception_graph", None, "classify_image_graph_def.pb from inception-2015-12-05.tgz (or "
                        "TF-GAN's TF-Hub module directory) for --classifier_protocol ttur, tfgan or clean.", **fv)
    flags.DEFINE_string("inception_weights", None, "--classifier_protocol keras: a local InceptionV3 weights file "
                        "(default: download ImageNet's).", **fv)
    flags.DEFINE_string("reference_stats", None, "FID reference statistics instead of computing them from the "
                        "dataset: an .npz with mu and sigma (TTUR's fid_stats_cifar10_train.npz, clean-fid's, or "
                        "one written by python -m evaluate --stats_out) of the same protocol.", **fv)


def image_classifier(args, image_shape):
    """The evaluation network: ``--classifier``, else the ``--classifier_protocol``'s (Keras' InceptionV3 by default).

    ``--smoke`` and ``--rehearsal`` use a tiny random CNN unless a 2015-graph protocol is asked for explicitly.
    """
    classifier = getattr(args, "classifier", None)
    protocol = getattr(args, "classifier_protocol", None) or "keras"
    if (args.smoke or getattr(args, "rehearsal", False)) and not classifier and protocol == "keras":
        return tiny_classifier(image_shape)
    return classifier or tg.metrics.protocol_classifier(
        protocol, inception_graph=getattr(args, "inception_graph", None),
        inception_weights=getattr(args, "inception_weights", None))


def define_evaluation_flags(flag_values, eval_samples=5_000, final_eval_samples=50_000, reference_samples=50_000):
    """The image recipes' evaluation flags: sample counts (a CPU affords fewer during training, the paper's at the
    end) and the classifier protocol (:func:`define_classifier_flags`)."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_integer("eval_samples", eval_samples, "Generated samples per Inception score / FID / KID "
                         "evaluation during training (every --eval_every iterations; at least the score's 10 "
                         "splits).", lower_bound=10, **fv)
    flags.DEFINE_integer("final_eval_samples", final_eval_samples, "Generated samples of the evaluation at the "
                         "end of training (the paper's Inception scores: 50,000; 0: none).", lower_bound=0, **fv)
    flags.register_validator("final_eval_samples", lambda v: v == 0 or v >= 10,
                             message="--final_eval_samples must be 0 (none) or at least the score's 10 splits", **fv)
    flags.DEFINE_integer("reference_samples", reference_samples, "Real training images whose statistics are the "
                         "FID/KID reference (all of them when there are fewer).", lower_bound=1, **fv)
    define_classifier_flags(flag_values)


def image_callbacks(args, dataset_name, image_shape, real_images, batch_statistics=False):
    """``Recipe.callbacks`` of image recipes: a sample grid each epoch, IS/FID/KID and the k-NN metrics every
    ``--eval_every``, and ``--final_eval_samples`` at the end.

    ``real_images(split)`` gives the reference images for FID/KID (``split=None``: the recipe's reference,
    the first ``--reference_samples`` training images; the 2015-graph protocols ask for theirs), unless
    ``--reference_stats`` names a statistics file. Statistics are cached in the run directory;
    ``batch_statistics``: sample as the authors evaluated (see :class:`tfgan_gp.callbacks.Evaluate`);
    ``--smoke`` compares with synthetic images through :func:`tiny_classifier`.
    """
    protocol = tg.metrics.PROTOCOLS[getattr(args, "classifier_protocol", None) or "keras"]
    split = None if protocol.name == "keras" else protocol.real_split

    def make(gan, logdir):
        reference = getattr(args, "reference_stats", None)
        options = dict(kid_block_size=16) if args.smoke else {}
        if reference:
            reals = reference
        elif args.smoke:
            reals = synthetic_images(image_shape, seed=args.seed + 1)
        else:
            reals = real_images(split)
            options.update(num_real=args.reference_samples if protocol.name == "keras" else protocol.num_real,
                           source={"dataset": dataset_name, "split": split or "train"})
        return [tg.callbacks.Samples(logdir),
                tg.callbacks.Evaluate(args.eval_every, args.eval_samples,
                                      classifier=image_classifier(args, image_shape), real_stats=reals,
                                      log_dir=logdir, dataset_name="smoke" if args.smoke else dataset_name,
                                      final_num_samples=args.final_eval_samples or None,
                                      batch_statistics=batch_statistics, **options)]

    return make


def selection_problem(args, kind):
    """The :mod:`tfgan_gp.selection` problem of ``--dataset`` for the selection recipes."""
    from tfgan_gp import selection

    extra = {} if args.eval_samples is None else {"eval_samples": args.eval_samples}
    if kind == "toy":
        return selection.toy_problem(args.dataset, **extra)
    if kind == "text":
        return selection.text_problem(args.dataset, data_dir=args.data_dir,
                                      num_examples=getattr(args, "num_examples", None), **extra)
    shape = (args.image_size, args.image_size, 3)
    if args.smoke:
        return selection.image_problem(synthetic_images(shape, seed=args.seed), tiny_classifier(shape),
                                       name="synthetic images", batch_size=32, **extra)
    return selection.image_problem(args.dataset, image_classifier(args, shape), image_size=args.image_size,
                                   data_dir=args.data_dir, num_examples=getattr(args, "num_examples", None),
                                   **extra)
