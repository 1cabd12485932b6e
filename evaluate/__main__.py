"""``python -m evaluate --samples PATH [--reference PATH|DATASET] [--protocol ttur] [--inception_graph FILE] [--json]``.

Offline, on labelled data such as Fashion-MNIST: ``--protocol domain --reference /usr/share/datasets/fashion-mnist``
(a classifier trained once on its training split; every number printed beside its floor).

Scores generated images -- a SavedModel export, a training run directory (its newest checkpoint) or a
folder / ``.npz`` of images -- against a reference: a statistics file (TTUR's ``fid_stats_*.npz``,
clean-fid's, or one this tool saved), a folder / ``.npz`` of images, MNIST IDX files (a folder: its
``train-*`` files; one ``*-images-idx3-ubyte[.gz]`` file, e.g. ``t10k-…`` for the test split), or a
tensorflow-datasets name (the protocol's split, ``train`` for ``ttur``). Prints the protocol line, then IS, FID, KID,
precision/recall and density/coverage; ``--json`` prints one JSON object instead (progress goes to
stderr; ``--noprogress`` or ``--no-progress`` hides it). Installed from a wheel: ``python -m tfgan_gp_evaluate``.
"""
import contextlib
import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags, logging  # noqa: E402

from tfgan_gp import data  # noqa: E402
from tfgan_gp.metrics import InceptionWeightsUnavailable, protocols, scoring  # noqa: E402


def define_flags(flag_values=flags.FLAGS):
    """Register the tool's flags on ``flag_values``."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("samples", None, "What to score: a SavedModel export, a run directory (--logdir of a "
                        "recipe), or a folder / .npz / .npy of images or of MNIST IDX files.", **fv)
    flags.DEFINE_string("reference", None, "FID/KID reference: a statistics .npz (TTUR fid_stats_*.npz, "
                        "clean-fid, or --stats_out of this tool), a folder / .npz of images, a folder of MNIST IDX "
                        "files (its train-* files) or one t10k-images-idx3-ubyte.gz / train-... file, or a tfds name "
                        "(e.g. cifar10, fashion_mnist). Without it only the Inception score is computed.", **fv)
    flags.DEFINE_enum("protocol", "ttur", protocols.NAMES, "Evaluation protocol: ttur / tfgan (the published "
                      "numbers: 2015 Inception graph, uint8, TF1 bilinear), clean (clean-fid), keras (Keras "
                      "InceptionV3, not comparable with papers), domain (offline: a classifier trained once on "
                      "the labelled --reference, e.g. /usr/share/datasets/fashion-mnist; every number with its "
                      "floor, the real test split against the training split).", **fv)
    flags.DEFINE_string("domain_data", None, "Protocol domain: the labelled images its classifier learns from "
                        "(default: --reference; needed when --reference is a statistics file).", **fv)
    flags.DEFINE_string("inception_graph", None, "classify_image_graph_def.pb from inception-2015-12-05.tgz, or "
                        "TF-GAN's TF-Hub module directory tfgan/eval/inception/1 (protocols ttur, tfgan, clean).",
                        **fv)
    flags.DEFINE_string("inception_weights", None, "Protocol keras: a local InceptionV3 weights file (default: "
                        "download ImageNet's).", **fv)
    flags.DEFINE_integer("num_samples", None, "Generated samples (default: the protocol's, 50,000; for a set of "
                         "images, all of them up to that).", lower_bound=1, **fv)
    flags.DEFINE_integer("num_real", None, "Real images for reference statistics computed here (default: the "
                         "protocol's 50,000, or all there are).", lower_bound=2, **fv)
    flags.DEFINE_integer("splits", None, "Inception-score splits (default: the protocol's, 10).", lower_bound=1, **fv)
    flags.DEFINE_integer("batch_size", 100, "Images per network pass.", lower_bound=1, **fv)
    flags.DEFINE_integer("seed", 0, "Generator samples use the seeds seed, seed + 1, ... (one per batch).", **fv)
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data_dir for a dataset --reference.", **fv)
    flags.DEFINE_integer("image_size", None, "Centre-crop and resize image folders of mixed sizes to this side "
                         "first (as the data pipeline does).", lower_bound=1, **fv)
    flags.DEFINE_string("stats_out", None, "Save the reference statistics computed here to this .npz (TTUR's "
                        "mu/sigma plus the protocol record); tfds references are cached in "
                        "$TFGAN_GP_CACHE/stats anyway.", **fv)
    flags.DEFINE_bool("json", False, "Print one JSON object (metrics, protocol record, counts) instead of text.",
                      **fv)
    flags.DEFINE_bool("progress", True, "Show a progress bar per pass (stderr with --json).", **fv)
    flags.mark_flags_as_required(["samples"], **fv)


def main(argv, flag_values=flags.FLAGS):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    if "verbosity" not in flag_values or not flag_values["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    fv = flag_values
    # the progress bars write to stdout; with --json stdout holds the JSON object only
    redirect = contextlib.redirect_stdout(sys.stderr) if fv.json else contextlib.nullcontext()
    try:
        with redirect:
            result = scoring.score(fv.samples, fv.reference, protocol=fv.protocol, inception_graph=fv.inception_graph,
                                   inception_weights=fv.inception_weights, num_samples=fv.num_samples,
                                   num_real=fv.num_real, splits=fv.splits, batch_size=fv.batch_size, seed=fv.seed,
                                   data_dir=fv.data_dir, image_size=fv.image_size, stats_out=fv.stats_out,
                                   progress=fv.progress, domain_data=fv.domain_data)
    except (ValueError, InceptionWeightsUnavailable, data.DataUnavailableError) as err:
        sys.exit(f"evaluate: {err}")
    if fv.json:  # strict JSON: a KID spread of one block (nan) becomes null
        result["metrics"] = {k: v if math.isfinite(v) else None for k, v in result["metrics"].items()}
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print("\n".join(scoring.format_result(result)))


def absl_spelling(argv, flag_values=flags.FLAGS):
    """``argv`` with ``--no-NAME`` of a boolean flag written as absl reads it, ``--noNAME`` (``--no-progress``
    is what other tools take)."""
    booleans = {name for name in flag_values if isinstance(flag_values[name], flags.BooleanFlag)}
    return [f"--no{arg[len('--no-'):]}" if arg.startswith("--no-") and arg[len("--no-"):] in booleans else arg
            for arg in argv]


if __name__ == "__main__":
    define_flags()
    app.run(main, argv=absl_spelling(sys.argv))
