"""``python -m export --checkpoint LOGDIR --out DIR [--format saved_model|tflite] [--generator auto|ema|raw]
[--overwrite]`` (installed: ``tfgan_gp_export``).

Rebuilds the generator of a training run from ``LOGDIR/run_config.json``, loads the newest
checkpoint in ``LOGDIR/checkpoints`` (the moving average of its weights when the run keeps one, unless
``--generator raw``) and exports it with ``metadata.json`` and ``README.md``. An export already at
``--out`` is replaced only with ``--overwrite``; a file or a folder of other files never is. A mistake
(a bad run directory, an ``--out`` that cannot be written) is one sentence, exit status 1.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if os.path.exists("/proc/driver/nvidia") else "3")

from absl import app, flags, logging  # noqa: E402

from tfgan_gp import averaging, serving  # noqa: E402


def define_flags(flag_values=flags.FLAGS):
    """Register the tool's flags on ``flag_values``."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("checkpoint", None, "Run directory (--logdir of the recipe) whose newest checkpoint to "
                        "export.", **fv)
    flags.DEFINE_string("out", None, "Output directory: the SavedModel (or the folder of generator.tflite).", **fv)
    flags.DEFINE_enum("format", "saved_model", serving.FORMATS, "What to write.", **fv)
    flags.DEFINE_enum("generator", "auto", averaging.SAMPLE_FROM, "Which generator: auto (the one the run "
                      "samples from: the moving average of its weights when trained with --ema_decay), ema or raw "
                      "(the trained weights without averaging).", **fv)
    flags.DEFINE_bool("overwrite", False, "Replace an export already at --out (refused otherwise; a folder of other "
                      "files is never replaced).", **fv)
    flags.mark_flags_as_required(["checkpoint", "out"], **fv)


def main(argv, flag_values=flags.FLAGS):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if "verbosity" not in flag_values or not flag_values["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # keep TensorFlow's saving chatter out of the output
    out, fmt = flag_values.out, flag_values.format
    try:
        meta = serving.export_run(flag_values.checkpoint, out, fmt, generator=flag_values.generator,
                                  overwrite=flag_values.overwrite)
    except (ValueError, OSError) as err:
        sys.exit(f"export: {err}")
    iteration = meta["iteration"]
    print(f"Exported {meta['kind']} generator ({meta['generator']} weights)"
          + (f" (generator iteration {iteration})" if iteration is not None else "")
          + f" to {os.path.abspath(out)} as {fmt}.")
    print(f"Signatures: {', '.join(meta['signatures'])}. Usage: {os.path.join(out, serving.metadata.README_FILE)}")


if __name__ == "__main__":
    define_flags()
    app.run(main)
