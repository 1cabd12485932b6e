"""``python -m export --checkpoint LOGDIR --out DIR [--format saved_model|tflite]``.

Rebuilds the generator of a training run from ``LOGDIR/run_config.json``, loads the newest
checkpoint in ``LOGDIR/checkpoints`` and exports it with ``metadata.json`` and ``README.md``.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags, logging  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("checkpoint", None, "Run directory (--logdir of the recipe) whose newest checkpoint to export.")
flags.DEFINE_string("out", None, "Output directory: the SavedModel (or the folder of generator.tflite).")
flags.DEFINE_enum("format", "saved_model", ["saved_model", "tflite"], "What to write.")
flags.mark_flags_as_required(["checkpoint", "out"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # keep TensorFlow's saving chatter out of the output
    from export import metadata, run_dir

    try:
        meta = run_dir.export_run(FLAGS.checkpoint, FLAGS.out, FLAGS.format)
    except ValueError as err:
        sys.exit(f"export: {err}")
    iteration = meta["iteration"]
    print(f"Exported {meta['kind']} generator"
          + (f" (generator iteration {iteration})" if iteration is not None else "")
          + f" to {os.path.abspath(FLAGS.out)} as {FLAGS.format}.")
    print(f"Signatures: {', '.join(meta['signatures'])}. Usage: {os.path.join(FLAGS.out, metadata.README_FILE)}")


if __name__ == "__main__":
    app.run(main)
