"""A recipe's command-line entry point: parse the flags, run ``main``, report a user's mistake in one sentence.

Every recipe ends with::

    if __name__ == "__main__":
        entry.run(define_flags, main)
"""
import os
import sys

from absl import app, flags, logging

import tfgan_gp as tg
from tfgan_gp.training import Interrupted

from . import configs, rehearsal

USER_ERRORS = (tg.data.DataUnavailableError, tg.metrics.InceptionWeightsUnavailable,
               tg.metrics.protocols.ProtocolMismatchError, tg.distribute.ClusterError, FloatingPointError, ValueError,
               OSError)
"""Failures a user fixes with a flag, a file, the disk or the cluster (bad values, unusable data or run directory, a full
disk, a worker that never joined or died): reported in one sentence without a traceback, unless ``--verbose``."""


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

    A bad setting is a ``ValueError`` of the configs, raised before anything is written; so is an argument that
    is not a flag (``argv[1:]``, e.g. ``iterations=5`` for ``--iterations=5``), which absl would leave unread. A
    run stopped by SIGINT/SIGTERM (after saving its checkpoint) exits 130/143 with one line.
    """
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # TensorFlow's INFO lines drown the progress bar
    logging.set_verbosity(logging.WARNING)
    verbose = "verbose" in flag_values and flag_values.verbose
    try:
        _refuse_positional(argv[1:], flag_values)
        if "distribute" in flag_values:  # first: a multi-worker strategy must precede TensorFlow's first operation
            if flag_values.logical_cpus > 1:
                tg.distribute.split_cpu(flag_values.logical_cpus)
            tg.distribute.make_strategy(flag_values.distribute)
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


def _refuse_positional(extra, flag_values):
    """A recipe reads flags only: a stray argument is refused rather than silently ignored."""
    if not extra:
        return
    name = extra[0].split("=", 1)[0].lstrip("-")
    hint = f" (a flag is written --{name}=...)" if "=" in extra[0] and name in flag_values else ""
    raise ValueError(f"A recipe takes flags only, not the argument {extra[0]!r}{hint}. Received: "
                     f"{' '.join(extra)}")


def train(make_recipe, args, **config_changes):
    """``tg.train`` of ``make_recipe(args)`` under the flags' ``TrainConfig`` (checked first, before the recipe reads
    or writes anything), then where the run's outputs are; returns the GAN. ``config_changes``: e.g. another logdir.
    A rehearsal says so first."""
    config = configs.train_config(args, **config_changes)
    if args.rehearsal:
        print(rehearsal.ANNOUNCEMENT)
    gan = tg.train(make_recipe(args), config)
    print_outputs(config.logdir)
    return gan


def print_outputs(logdir):
    """Tell the user where a run's logs, pictures and export are (a worker that is not the chief: who writes them)."""
    logdir = os.path.abspath(logdir)
    if not tg.distribute.is_chief():
        task_type, index = tg.distribute.task()
        print(f"{task_type} {index}: the chief writes the run's logs, checkpoints and export to {logdir}")
        return
    print(f"Logs, pictures and checkpoints: {logdir}")
    if os.path.exists(os.path.join(logdir, "export")):
        print(f"Exported generator: {os.path.join(logdir, 'export')} (tf.saved_model.load)")
    print(f"  open the logs with:  tensorboard --logdir {logdir}")
