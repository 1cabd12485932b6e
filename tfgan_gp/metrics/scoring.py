"""Score a generator or a set of images against a reference, under a named protocol: what ``evaluate`` runs.

    import tfgan_gp as tg
    result = tg.metrics.score("runs/cifar/export", "fid_stats_cifar10_train.npz", protocol="ttur",
                              inception_graph="classify_image_graph_def.pb")
    print(result["protocol_line"], result["metrics"])

Samples: a SavedModel export (its ``sample`` signature: uint8 images, conditional models cycling
through the classes), a training run directory (its newest checkpoint, exported first), or a folder /
``.npz`` / ``.npy`` of images. Reference: a statistics file (ours, TTUR's ``fid_stats_*.npz``,
clean-fid's), a folder / ``.npz`` of images, or a tensorflow-datasets name (the protocol's split:
``train`` for ``ttur``/``tfgan``/``clean``), whose statistics are computed once and cached.
"""
import contextlib
import json
import os
import tempfile
import time

import numpy as np

from tfgan_gp import cache, run_directory, serving
from tfgan_gp.metrics import protocols
from tfgan_gp.metrics.classifiers import classifier_record, protocol_classifier
from tfgan_gp.metrics.evaluation import ImageEvaluator
from tfgan_gp.metrics.statistics import (ClassifierStatistics, cached_statistics, compute_statistics, holds_statistics,
                                         image_batches)

SAVED_MODEL_FILE = "saved_model.pb"


def cache_dir():
    """Where computed reference statistics are kept: ``$TFGAN_GP_CACHE/stats`` (default ``~/.cache/tfgan_gp``)."""
    return cache.path("stats")


def is_statistics_file(path):
    """An ``.npz`` holding ``mu`` and ``sigma`` (statistics), as opposed to one holding images."""
    if not (isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith(".npz") and os.path.isfile(path)):
        return False
    with np.load(path) as f:
        return holds_statistics(f.files)


class GeneratorSamples:
    """``sample_fn(n, seed)`` of a SavedModel export (uint8 images from its ``sample`` signature)."""

    def __init__(self, path):
        import tensorflow as tf

        self.path = path
        self._loaded = tf.saved_model.load(path)
        if "sample" not in self._loaded.signatures:
            raise ValueError(f"The SavedModel at {path!r} has no 'sample' signature (export it with "
                             f"tfgan_gp.serving or python -m export). Received: signatures "
                             f"{sorted(self._loaded.signatures)}")
        self._sample = self._loaded.signatures["sample"]
        meta_path = os.path.join(path, serving.metadata.METADATA_FILE)
        meta = {}
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
        if meta.get("kind", "image") != "image":
            raise ValueError(f"Only image generators can be scored with IS/FID. Received: a {meta['kind']!r} "
                             f"generator at {path!r}")
        self.num_classes = meta.get("num_classes")
        self.max_batch = meta.get("max_samples", 1024)
        self.description = f"generator {os.path.abspath(path)}" + (
            f" (iteration {meta['iteration']})" if meta.get("iteration") is not None else "")

    def __call__(self, n, seed):
        import tensorflow as tf

        kwargs = dict(n=tf.constant(n, tf.int32), seed=tf.constant(seed, tf.int64))
        if self.num_classes:
            kwargs["labels"] = tf.range(n, dtype=tf.int32) % self.num_classes
        return self._sample(**kwargs)["images"].numpy()


@contextlib.contextmanager
def generator_samples(path):
    """:class:`GeneratorSamples` of an export directory, or of a run directory's newest checkpoint (exported
    to a temporary directory for the duration)."""
    if os.path.exists(os.path.join(path, SAVED_MODEL_FILE)):
        yield GeneratorSamples(path)
        return
    with tempfile.TemporaryDirectory(prefix="tfgan_gp_evaluate_") as tmp:
        meta = serving.export_run(path, os.path.join(tmp, "export"))
        samples = GeneratorSamples(os.path.join(tmp, "export"))
        samples.description = f"run {os.path.abspath(path)} (iteration {meta.get('iteration')})"
        yield samples


def _images(path, data_dir=None, split="train", image_size=None):
    """``(dataset of float images in [-1, 1], count, description)`` of a folder, array file or tfds name."""
    from tfgan_gp import data

    ds = data.load_images(path, split=split, data_dir=data_dir, image_size=image_size, cache=False)
    count = int(ds.cardinality())
    local = os.path.exists(path)
    return ds, count, os.path.abspath(path) if local else f"{path} {split}"


class _Progress:
    """A ``keras.utils.Progbar`` over ``total`` images, labelled at its first update (``enabled=False``: silent)."""

    def __init__(self, total, label, enabled):
        self.total, self.label, self.enabled = total, label, enabled
        self.bar = None

    def __call__(self, count):
        if not self.enabled:
            return
        if self.bar is None:
            import keras

            print(self.label)
            self.bar = keras.utils.Progbar(self.total, unit_name="image")
        self.bar.update(count)


def reference_statistics(reference, classifier, num_real=None, batch_size=100, splits=10, data_dir=None,
                         image_size=None, stats_out=None, progress=True):
    """Statistics of ``reference`` (statistics file, images, or tfds name), computed once and cached.

    Images are scored with ``classifier`` (``num_real`` of them: default the protocol's count, or all
    when there are fewer) and saved to ``stats_out``, or to :func:`cache_dir` for a tfds name.
    """
    record = classifier_record(classifier)
    if is_statistics_file(reference):
        stats = ClassifierStatistics.load(reference)
        protocols.check_comparable(stats.record, record, "the reference statistics")
        return stats
    protocol = protocols.PROTOCOLS.get(record["protocol"])
    split = protocol.real_split if protocol else "train"
    local = os.path.exists(reference)
    ds, count, description = _images(reference, data_dir, "train" if local else split, image_size)
    wanted = num_real or (protocol.num_real if protocol and protocol.num_real else count)
    num = min(wanted, count) if num_real is None else num_real
    source = {"dataset": description if not local else os.path.basename(os.path.normpath(reference)),
              "split": "" if local else split, "path": os.path.abspath(reference) if local else ""}
    bar = _Progress(num, f"reference: {num:,} images of {description}", progress)
    if not local:  # a dataset's statistics are computed once (local images may have changed: recomputed)
        if stats_out is None:
            sha = (record.get("weights_sha256") or "na")[:12]
            stats_out = os.path.join(cache_dir(), f"{reference.replace('/', '_')}_{split}_{record['protocol']}_"
                                                  f"{sha}_{num}.npz")
        return cached_statistics(stats_out, classifier, ds, num, batch_size, splits, source=source, progress=bar)
    stats = compute_statistics(classifier, image_batches(ds, batch_size), num, splits, source=source, progress=bar)
    if stats_out:
        stats.save(stats_out)
    return stats


def domain_reference(classifier, batch_size=100, splits=10, stats_out=None, progress=True):
    """Statistics of the domain classifier's whole training split (computed once and cached)."""
    data = classifier.data
    images = data.train[0]
    sha = classifier.record["weights_sha256"][:12]
    path = stats_out or os.path.join(cache_dir(), f"{data.name}_train_domain_{sha}_{len(images)}.npz")
    bar = _Progress(len(images), f"reference: {len(images):,} training images of {data.name}", progress)
    return cached_statistics(path, classifier, images, len(images), batch_size, splits,
                             source={"dataset": data.name, "split": "train"}, progress=bar)


def score(samples, reference=None, protocol="ttur", inception_graph=None, inception_weights=None, classifier=None,
          num_samples=None, num_real=None, splits=None, batch_size=100, seed=0, data_dir=None, image_size=None,
          stats_out=None, progress=True, domain_data=None):
    """IS, and FID/KID/precision/recall/density/coverage against ``reference``, of ``samples`` under ``protocol``.

    Args:
        samples: export directory, run directory, or folder / ``.npz`` / ``.npy`` of images.
        reference: statistics file, folder / ``.npz`` of images, tfds name, or ``None`` (IS only).
        protocol, inception_graph, inception_weights: see :func:`~tfgan_gp.metrics.protocol_classifier`;
            ``classifier`` replaces them (any classifier, recorded as ``custom``).
        num_samples, splits: generated samples and IS splits (default: the protocol's, 50,000 in 10;
            for a set of images, all of them up to that).
        num_real: real images for computed reference statistics (default: the protocol's).
        seed: generator samples use seeds ``seed, seed + 1, …`` per batch.
        stats_out: where to save reference statistics computed from images.
        progress: show a ``keras.utils.Progbar`` per pass.
        domain_data: protocol ``domain``: the labelled images its classifier is trained on (default:
            ``reference``). Their training split is the reference (unless ``reference`` is a statistics file
            of the same classifier), and the same measures of their test split are added as ``floor/<metric>``.

    Returns:
        ``{"metrics": {...}, "protocol": record, "protocol_line": str, "num_samples", "splits",
        "num_real", "samples", "reference", "seconds", "images_per_second"}``.
    """
    if not os.path.exists(samples):
        raise ValueError(f"samples must be an export directory, a run directory, or a folder / .npz / .npy of "
                         f"images. Received: samples={samples!r} (no such file or directory)")
    if classifier is None:
        if protocols.get(protocol).name == "domain":
            domain_data = _domain_data(reference, domain_data)
        classifier = protocol_classifier(protocol, inception_graph=inception_graph,
                                         inception_weights=inception_weights, domain_data=domain_data,
                                         data_dir=data_dir, image_size=image_size)
    record = classifier_record(classifier)
    standard = protocols.PROTOCOLS.get(record["protocol"])
    splits = splits or (standard.splits if standard else 10)
    real, floor = None, None
    domain = getattr(classifier, "data", None)
    if domain is not None:
        floor = domain.test[0]
        if reference is None or not is_statistics_file(reference):
            reference = domain_reference(classifier, batch_size, splits, stats_out, progress)
    if isinstance(reference, ClassifierStatistics):
        real = reference
    elif reference is not None:
        real = reference_statistics(reference, classifier, num_real, batch_size, splits, data_dir, image_size,
                                    stats_out, progress)
    start = time.perf_counter()
    evaluator_options = dict(batch_size=batch_size, splits=splits)
    with contextlib.ExitStack() as stack:
        if os.path.isdir(samples) and (os.path.exists(os.path.join(samples, SAVED_MODEL_FILE))
                                       or os.path.exists(os.path.join(samples, run_directory.CONFIG_FILE))):
            generator = stack.enter_context(generator_samples(samples))
            n = num_samples or (standard.num_samples if standard else 50_000)
            description = generator.description
            sample_fn = generator
            batch_size = min(batch_size, generator.max_batch)
        else:
            ds, count, description = _images(samples, image_size=image_size)
            n = min(num_samples or (standard.num_samples if standard else count), count)
            if num_samples and num_samples > count:
                raise ValueError(f"num_samples={num_samples} is more than the {count} images in {samples!r}. "
                                 f"Received: num_samples={num_samples}")
            batches = image_batches(ds, batch_size)
            sample_fn = lambda size, _seed: next(batches)  # noqa: E731 -- the images in order
        bar = _Progress(n, f"samples: {n:,} from {description}", progress)
        evaluator = ImageEvaluator(classifier, real, progress=bar, floor=floor, **evaluator_options)
        results = evaluator(sample_fn, n, seed)
    seconds = time.perf_counter() - start
    return {"metrics": results, "protocol": record, "protocol_line": evaluator.describe(n), "num_samples": n,
            "splits": splits, "num_real": None if real is None else real.num_samples, "samples": description,
            "reference": None if real is None else (real.source.get("path") or real.source.get("dataset")
                                                    or str(reference)),
            "seconds": seconds, "images_per_second": n / seconds if seconds else None}


def _domain_data(reference, domain_data):
    """The labelled images of the domain protocol: ``domain_data``, else ``reference`` (unless a statistics file)."""
    if domain_data is None and reference is not None and not is_statistics_file(reference):
        return reference
    if domain_data is not None and reference is not None and not is_statistics_file(reference) \
            and os.path.abspath(os.fspath(reference)) != os.path.abspath(os.fspath(domain_data)):
        raise ValueError(f"Protocol 'domain' compares with the training split of the images its classifier learns "
                         f"from: pass the same data as reference and domain_data, or a statistics file as "
                         f"reference. Received: reference={reference!r}, domain_data={domain_data!r}")
    return domain_data


def format_result(result):
    """The lines ``evaluate`` prints: the protocol line, then one line per metric, with its floor beside it."""
    m = result["metrics"]
    lines = [result["protocol_line"], f"samples: {result['samples']}"]
    if result.get("reference"):
        lines.append(f"reference: {result['reference']}")

    def row(label, text, *keys):
        floor = [m.get(f"floor/{k}") for k in keys]
        if all(v is not None for v in floor):
            text = f"{text:<24} floor {'/'.join(f'{v:.4g}' for v in floor)}"
        lines.append(f"{label:<19}{text}")

    row("Inception score", f"{m['inception_score']:.3f} ± {m['inception_score_std']:.3f} ({result['splits']} splits)"
        if "floor/inception_score" not in m else f"{m['inception_score']:.3f} ± {m['inception_score_std']:.3f}",
        "inception_score")
    if "classes_covered" in m:
        row("classes covered", f"{m['classes_covered']:.0f}", "classes_covered")
    if "fid" in m:
        row("FID", f"{m['fid']:.3f}", "fid")
    if "kid" in m:
        row("KID", f"{m['kid']:.5f} ± {m['kid_std']:.5f}", "kid")
    if "precision" in m:
        row("precision/recall", f"{m['precision']:.4f} / {m['recall']:.4f} (k = 3)", "precision", "recall")
    if "density" in m:
        row("density/coverage", f"{m['density']:.4f} / {m['coverage']:.4f} (k = 5)", "density", "coverage")
    if any(k.startswith("floor/") for k in m):
        lines.append("(floor: the same measure between the real test split and the real training split)")
    if "classes_covered" in m:
        shares = ", ".join(f"{k[len('class_fraction/'):]} {v:.1%}" for k, v in m.items()
                           if k.startswith("class_fraction/"))
        lines.append(f"samples per class: {shares}")
    lines.append(f"{result['num_samples']:,} samples in {result['seconds']:.1f} s "
                 f"({result['images_per_second']:.1f} images/s)")
    return lines
