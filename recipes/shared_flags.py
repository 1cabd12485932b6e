"""The flags every training recipe shares, and the parsed flags as a namespace with ``--smoke``/``--rehearsal`` sizes.

Flags are defined on a ``FlagValues`` passed in (the global one from the command line), so any number of
recipes can be imported into one process without their flags colliding. Only absl's type parsing happens
here: whether a value makes sense (a loss name, λ ≥ 0, iterations a multiple of eval_every) is checked once,
where the flags become a :class:`tfgan_gp.GANSpec` and a :class:`tfgan_gp.TrainConfig` (:mod:`recipes.configs`),
whose sentences name the setting by the flag's own name.
"""
import types

from absl import flags

import tfgan_gp as tg

from . import configs

SMOKE = dict(iterations=4, eval_every=2, batch_size=8)
"""What ``--smoke`` shrinks in every recipe (flags the user did not pass); recipes add their widths."""
# ``--rehearsal`` (recipes/rehearsal.py) keeps every size but the recipe's widths (its REHEARSAL dict).

DATA_DIR_HELP = ("tensorflow-datasets data_dir or a local dataset path (.npz/.npy file, image folder, or a folder "
                 "of MNIST IDX files such as /usr/share/datasets/fashion-mnist).")
"""``--data_dir``'s help in the image recipes."""

OLD_NAMES = {"lambda_gp": "penalty_weight"}
"""Flag names of earlier versions, kept as aliases that still parse: ``{old name: flag}``."""

MONITORING = "monitoring"
"""Attribute of a flag that changes how a run is watched, not what it trains (see :func:`monitoring`)."""


def monitoring(flag_values, *names):
    """Mark ``names`` as monitoring flags (evaluation sizes and network, verbosity): they are not settings of
    the run (:func:`recipes.configs.settings`), so a resumed run may change them. Call it where they are defined."""
    for name in names:
        setattr(flag_values[name], MONITORING, True)


class Args(types.SimpleNamespace):
    """The parsed flags of a recipe, by name (``args.dim``); ``monitoring`` (not a flag): the names of the
    monitoring flags among them (:func:`monitoring`)."""

    __slots__ = ("monitoring",)


def define_training_flags(flag_values, data_dir_help=DATA_DIR_HELP, **defaults):
    """Define the flags every training recipe shares, with the recipe's ``defaults`` (else the paper's) and the
    help of its ``--data_dir`` (what local data it reads instead of tensorflow-datasets).

    The defaults are those of :class:`tfgan_gp.TrainConfig` and :class:`tfgan_gp.GANSpec` (``penalty_weight``:
    ``None``, the penalty's own λ).
    """
    spec, config = tg.GANSpec(), tg.TrainConfig(logdir="runs/run")
    d = {name: getattr(spec, name) for name in configs.SPEC_FLAGS} | {
        name: getattr(config, name) for name in configs.TRAIN_FLAGS}
    d.update(penalty_weight=None, data_dir=None, smoke=False)  # (a default spec's λ is the gradient penalty's)
    d.update(defaults)
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("logdir", d["logdir"], "Run directory: TensorBoard logs, checkpoints, pictures, export. "
                        "Re-running the same command resumes from its last checkpoint.", **fv)
    flags.DEFINE_integer("iterations", d["iterations"], "Generator iterations in total (a multiple of "
                         "--eval_every).", **fv)
    flags.DEFINE_integer("batch_size", d["batch_size"], "Samples per critic minibatch (global, all replicas).",
                         **fv)
    flags.DEFINE_integer("n_critic", d["n_critic"], "Critic updates per generator update.", **fv)
    flags.DEFINE_string("loss", d["loss"], f"Adversarial loss: {', '.join(tg.losses.names())}.", **fv)
    flags.DEFINE_string("penalty", d["penalty"], f"Critic regulariser: {', '.join(tg.penalties.names())}, "
                        f"spectral (spectral normalization of the critic), or several joined by + (e.g. gp+lecam, "
                        f"spectral+lecam).", **fv)
    flags.DEFINE_float("penalty_weight", d["penalty_weight"], "Penalty weight λ (default: the penalty's own, e.g. "
                       "gp 10, lecam 0.3; of a combination: the first part's, the others keep their defaults).",
                       **fv)
    for old, name in OLD_NAMES.items():
        flags.DEFINE_alias(old, name, **fv)
    flags.DEFINE_enum("precision", d["precision"], tg.precision.NAMES, "auto: mixed_float16 on GPU, "
                      "mixed_bfloat16 on CPUs where a probe shows it faster, else float32.", **fv)
    flags.DEFINE_enum("distribute", d["distribute"], tg.distribute.STRATEGIES, "tf.distribute strategy: none, "
                      "mirrored (this machine's GPUs, or its logical CPUs) or multi_worker (one command per worker, "
                      "each with its TF_CONFIG).", **fv)
    flags.DEFINE_integer("logical_cpus", 0, "Split this machine's CPU into this many logical devices (0: as "
                         "TensorFlow sees it): with --distribute mirrored and no GPU, that many replicas, to try "
                         "scale-out on one machine.", **fv)
    flags.DEFINE_string("data_dir", d["data_dir"], data_dir_help, **fv)
    flags.DEFINE_integer("eval_every", d["eval_every"], "Generator iterations between evaluations, sample "
                         "pictures and checkpoints (one Keras epoch).", **fv)
    flags.DEFINE_integer("seed", d["seed"], "Random seed (weights, noise, data order).", **fv)
    flags.DEFINE_float("ema_decay", d["ema_decay"], "Decay β in [0, 1) of an exponential moving average of the "
                       "generator's weights (Yazıcı et al. 2019; BigGAN 0.9999); 0: none.", **fv)
    flags.DEFINE_integer("ema_start", d["ema_start"], "Generator iterations before the average starts (it copies "
                         "the weights until then).", **fv)
    flags.DEFINE_enum("sample_from", d["sample_from"], tg.averaging.SAMPLE_FROM, "Generator of the samples, "
                      "evaluation and export: auto (the averaged one when --ema_decay > 0), ema or raw.", **fv)
    flags.DEFINE_enum("augment", d["augment"], tg.augment.names(), "Differentiable augmentation of everything the "
                      "critic sees: none, diffaugment (Zhao et al. 2020), ada (the same transforms, each applied "
                      "with ADA's adaptive probability p, Karras et al. 2020; p is logged as augment_p). Image "
                      "recipes only.", **fv)
    flags.DEFINE_string("augment_policy", d["augment_policy"], f"The transforms of --augment, comma-separated "
                        f"from {', '.join(tg.augment.POLICIES)}.", **fv)
    flags.DEFINE_bool("smoke", d["smoke"], "A few iterations of tiny models on synthetic data of the real "
                      "shapes, offline: checks the whole pipeline end to end.", **fv)
    flags.DEFINE_bool("verbose", False, "Show the full traceback of errors that are otherwise one sentence.", **fv)
    flags.DEFINE_bool("rehearsal", False, "The real configuration at tiny width, offline: tensorflow-datasets "
                      "mock data in the real split sizes, a tiny classifier instead of InceptionV3, and "
                      "--iterations 2 x --eval_every unless given; evaluation sizes, batch, schedule, "
                      "checkpoints, resume and export as in the real run (recipes/rehearsal.py).", **fv)
    monitoring(flag_values, "verbose", "logical_cpus")


def define_conditional_flags(flag_values, generator_conditioning):
    """``--conditional`` (class-conditional G and D; the generator reads the labels by ``generator_conditioning``)
    and ``--conditioning`` (how the critic reads them)."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_bool("conditional", False, f"Class-conditional model: {generator_conditioning}, AC-GAN head on D "
                      f"(or see --conditioning).", **fv)
    flags.DEFINE_enum("conditioning", "ac", list(tg.architectures.common.CONDITIONINGS), "How the conditional critic "
                      "reads the labels: ac (AC-GAN head, the paper's) or projection (Miyato & Koyama 2018).", **fv)
    flags.register_multi_flags_validator(["conditioning", "conditional"],
                                         lambda v: v["conditioning"] == "ac" or v["conditional"],
                                         message="--conditioning=projection needs --conditional", **fv)


def define_architecture_flag(flag_values, families, help_text=None):
    """``--architecture``: the recipe's own ``families`` (the first is the default) or ``mlp``.

    ``mlp`` is the fully connected GAN on the same images (:func:`recipes.configs.mlp_image_kwargs`: the
    §5.2 MLP generator, depth 4 and width ``8·dim``, and a critic of that size over the flattened image).
    """
    families = list(families)
    flags.DEFINE_enum("architecture", families[0], families + ["mlp"], help_text or (
        f"Network family: {', '.join(families)} (the paper's), or mlp (fully connected G and D over the "
        f"flattened images, 4 hidden layers of 8·dim)."), flag_values=flag_values)


def values(flag_values, smoke=None, rehearsal=None, **overrides):
    """The parsed flags as an :class:`Args` namespace (aliases of :data:`OLD_NAMES` left out: their flag is there).

    ``overrides`` replace flags the user did not pass (a recipe's per-method defaults); under
    ``--smoke`` so do :data:`SMOKE` and the recipe's ``smoke`` sizes (tiny widths, few samples),
    under ``--rehearsal`` the recipe's ``rehearsal`` widths and ``iterations = 2 × eval_every``. The two
    exclude each other (a mix of both would rehearse nothing).
    """
    names = [name for name in flag_values if _recipe_flag(flag_values, name) and OLD_NAMES.get(name) not in flag_values]
    result = {name: flag_values[name].value for name in names}
    if result.get("smoke") and result.get("rehearsal"):
        raise ValueError("--smoke and --rehearsal exclude each other (--smoke shrinks every size, --rehearsal "
                         "keeps the real ones at tiny width): pass one. Received: --smoke --rehearsal")
    replace = dict(overrides, **(dict(SMOKE, **(smoke or {})) if result.get("smoke") else {}))
    if result.get("rehearsal"):
        replace.update(rehearsal or {})
    for name, value in replace.items():
        if name in result and not flag_values[name].present:  # (recipes without a flag ignore its size)
            result[name] = value
    if result.get("rehearsal") and not flag_values["iterations"].present:
        result["iterations"] = 2 * result["eval_every"]  # two evaluation cycles
    args = Args(**result)
    args.monitoring = frozenset(name for name in names if vars(flag_values[name]).get(MONITORING))
    return args


def _recipe_flag(flag_values, name):
    """False for the flags absl and TensorFlow define on the global FlagValues (--verbosity, --v, ...)."""
    module = flag_values.find_module_defining_flag(name) or ""
    return not module.startswith(("absl", "tensorflow", "keras"))
