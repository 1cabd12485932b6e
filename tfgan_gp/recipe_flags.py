"""The absl flags every recipe shares (DESIGN.md), with per-recipe defaults and validation.

A recipe calls :func:`define` once at import with its paper defaults; absl then rejects bad
values with one line naming the flag (e.g. ``--n_critic must be >= 1``).
"""
from absl import flags

from tfgan_gp import distribute

FLAGS = flags.FLAGS
PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")


SHARED_DEFAULTS = dict(logdir="runs/run", iterations=100_000, batch_size=64, n_critic=5, loss="wasserstein",
                       penalty="gp", lambda_gp=10.0, precision="auto", distribute="none", data_dir=None,
                       eval_every=1000, seed=0, smoke=False)


def define(**defaults):
    """Define the shared flags with a recipe's defaults (``defaults`` overrides :data:`SHARED_DEFAULTS`).

    Importing a second recipe in the same process resets every shared default to that recipe's.
    """
    first = "logdir" not in FLAGS
    d = dict(SHARED_DEFAULTS, **defaults)
    flag = define_extra
    flag(flags.DEFINE_string, "logdir", d["logdir"], "Run directory: TensorBoard logs, checkpoints, pictures, "
         "export. Re-running the same command resumes from its last checkpoint.")
    flag(flags.DEFINE_integer, "iterations", d["iterations"], "Generator iterations in total.", lower_bound=1)
    flag(flags.DEFINE_integer, "batch_size", d["batch_size"], "Samples per critic minibatch (global, all replicas).",
         lower_bound=1)
    flag(flags.DEFINE_integer, "n_critic", d["n_critic"], "Critic updates per generator update.", lower_bound=1)
    flag(flags.DEFINE_string, "loss", d["loss"], "Adversarial loss: a name from tfgan_gp.losses.names().")
    flag(flags.DEFINE_string, "penalty", d["penalty"], "Critic regulariser: gp, gp_one_sided, dragan, r1, r2, clip, "
         "none.")
    flag(flags.DEFINE_float, "lambda_gp", d["lambda_gp"], "Penalty weight λ.", lower_bound=0.0)
    flag(flags.DEFINE_enum, "precision", d["precision"], "auto: mixed_float16 on GPU, mixed_bfloat16 on CPUs where "
         "a probe shows it faster, else float32.", enum_values=PRECISIONS)
    flag(flags.DEFINE_enum, "distribute", d["distribute"], "tf.distribute strategy.",
         enum_values=distribute.STRATEGIES)
    flag(flags.DEFINE_string, "data_dir", d["data_dir"], "tensorflow-datasets data_dir or a local dataset path "
         "(.npz/.npy file or image folder).")
    flag(flags.DEFINE_integer, "eval_every", d["eval_every"], "Generator iterations between evaluations, "
         "sample pictures and checkpoints (one Keras epoch).", lower_bound=1)
    flag(flags.DEFINE_integer, "seed", d["seed"], "Random seed (weights, noise, data order).", lower_bound=0)
    flag(flags.DEFINE_bool, "smoke", d["smoke"], "A few iterations of tiny models on synthetic data of the real "
         "shapes, offline: checks the whole pipeline end to end.")
    if not first:
        return
    from tfgan_gp import losses, penalties
    flags.register_validator("loss", lambda v: v in losses.names(),
                             message=f"--loss must be one of {', '.join(losses.names())}")
    flags.register_validator("penalty", lambda v: v in penalties.names(),
                             message=f"--penalty must be one of {', '.join(penalties.names())}")
    flags.register_multi_flags_validator(
        ["iterations", "eval_every"], lambda v: v["iterations"] % min(v["eval_every"], v["iterations"]) == 0,
        message="--iterations must be a multiple of --eval_every (each Keras epoch is --eval_every iterations)")


def define_extra(define, name, default, help, **kwargs):
    """Define a recipe's own flag (``define`` is e.g. ``flags.DEFINE_integer``).

    When a recipe imported earlier in this process defined it already, only its default
    changes (as for the shared flags), so several recipes can be imported together.
    """
    if name in FLAGS:
        FLAGS.set_default(name, default)
    else:
        define(name=name, default=default, help=help, **kwargs)
