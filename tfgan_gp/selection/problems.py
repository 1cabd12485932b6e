"""Problems: the data a comparison trains on, the shapes the models need, and how samples are scored.

A :class:`Problem` bundles what ``compare`` needs to know about the data, whatever its kind:

* ``toy``: the paper's 2-D sets (``8gaussians``, ``25gaussians``, ``swissroll``); quality is the
  exact W1 to held-out real points, mode collapse the number of modes covered (mixtures);
* ``images``: a tfds name, an image directory, an array file, or a ``tf.data.Dataset``; quality
  is FID (and KID, Inception score, precision) from an injectable classifier, mode collapse the
  recall of Kynkäänniemi et al. (2019) in the classifier's feature space;
* ``text``: ``lm1b`` or a ``.txt`` file, one-hot characters (paper §5.4); quality is the
  character 4-gram JS divergence (JS-n for n = 1..4 reported), mode collapse the fraction of
  distinct generated lines.

:func:`problem` builds one from a name.
"""
import dataclasses
from typing import Callable, Optional

import tensorflow as tf

from tfgan_gp.data import toy as toy_data
from tfgan_gp.metrics.evaluation import ToyEvaluator, sample_batches
from tfgan_gp.metrics.manifold import precision_recall
from tfgan_gp.metrics.statistics import compute_statistics, image_batches
from tfgan_gp.metrics.text import ngram_js


@dataclasses.dataclass(frozen=True)
class Metric:
    """A measured quantity: its key in the evaluation dict and whether higher is better."""

    key: str
    higher_is_better: bool
    label: str


@dataclasses.dataclass
class Problem:
    """What candidates are compared on.

    Attributes:
        name: shown in leaderboards.
        kind: ``toy``, ``images`` or ``text`` (what :func:`tfgan_gp.selection.recommend` calls ``data_kind``).
        architecture: default family for candidates that name none.
        latent_dim: width of z.
        real_data: ``seed -> tf.data.Dataset`` of unbatched real samples.
        shape_kwargs: ``family -> (generator kwargs, critic kwargs)`` fixing the sample shape.
        evaluate: ``(gan, seed) -> {metric key: float}``.
        quality, coverage: the headline metrics for sample quality and mode coverage
            (``coverage`` is ``None`` when the data have no measurable modes, e.g. the Swiss roll).
        extra_metrics: further metrics the evaluation reports.
        batch_size: default critic minibatch size.
        shuffle_buffer: for :func:`tfgan_gp.data.for_gan` (``None``: the source is already random).
    """

    name: str
    kind: str
    architecture: str
    latent_dim: int
    real_data: Callable[[int], tf.data.Dataset]
    shape_kwargs: Callable[[str], tuple]
    evaluate: Callable
    quality: Metric
    coverage: Optional[Metric]
    extra_metrics: tuple = ()
    batch_size: int = 64
    shuffle_buffer: Optional[int] = 10_000

    @property
    def metrics(self):
        return tuple(m for m in (self.quality, self.coverage, *self.extra_metrics) if m is not None)

    def supports(self, family):
        """Whether this problem can build the architecture ``family`` (its ``shape_kwargs`` accepts it)."""
        try:
            self.shape_kwargs(family)
        except ValueError:
            return False
        return True


def _unsupported(problem_kind, family, supported):
    return ValueError(f"The {problem_kind} problem cannot build the {family!r} family; use one of "
                      f"{', '.join(supported)}. Received: architecture={family!r}")


# ----------------------------------------------------------------------- toy
TOY_EVAL_SAMPLES = 2560  # as recipes/toy.py: 2,560 samples for modes, the first 512 for the exact W1


def toy_problem(name, eval_samples=TOY_EVAL_SAMPLES):
    """One of the paper's 2-D distributions (Gulrajani et al. 2017, §4; MLP models, batch 256 as ``gan_toy.py``).

    "Near a mode" is within 0.1 of a centre in the authors' unscaled units (as ``recipes/toy.py``).
    """
    toy_data.centres(name)  # ValueError for unknown names
    evaluator = ToyEvaluator.for_dataset(name, num_real=512, seed=10_000)

    def shape_kwargs(family):
        if family != "mlp":
            raise _unsupported("toy", family, ["mlp"])
        return dict(latent_dim=2, output_dim=2), dict(input_dim=2)

    def evaluate(gan, seed):
        return evaluator(gan.sample, eval_samples, seed=10_000 + seed)

    mixture = toy_data.centres(name) is not None
    return Problem(
        name=name, kind="toy", architecture="mlp", latent_dim=2,
        real_data=lambda seed: toy_data.dataset(name, seed=seed), shape_kwargs=shape_kwargs, evaluate=evaluate,
        quality=Metric("w1", False, "W1"),
        coverage=Metric("modes_covered", True, "modes") if mixture else None,
        extra_metrics=(Metric("high_quality_fraction", True, "high-quality"),) if mixture else (),
        batch_size=256, shuffle_buffer=None)


# -------------------------------------------------------------------- images
IMAGE_FAMILIES = ("dcgan", "resnet_cifar", "resnet_64", "mlp")


def image_problem(source, classifier, name=None, image_size=32, data_dir=None, num_examples=None,
                  eval_samples=1000, batch_size=100, download=True):
    """Images in ``[-1, 1]`` with FID/KID/Inception score/precision/recall from ``classifier``.

    Args:
        source: tfds name, image directory, ``.npy``/``.npz`` file (see
            :func:`tfgan_gp.data.load_images`) or an unbatched ``tf.data.Dataset`` of float images
            ``(H, W, C)`` in ``[-1, 1]``.
        classifier: callable ``images -> (logits, pool_features)`` or a SavedModel path, e.g.
            :class:`tfgan_gp.metrics.InceptionFeatures` (the standard one; it needs its weights).
        image_size: side the images are resized to (32 or 64 for the DCGAN family).
        num_examples: train on a fixed random subset of this many images.
        eval_samples: generated (and real) images per evaluation. FID is biased upwards at small
            sizes, so compare numbers computed with the same ``eval_samples`` only.
    """
    from tfgan_gp.architectures.mlp import image_kwargs as mlp_image_kwargs
    from tfgan_gp.data import load_images
    from tfgan_gp.metrics.classifiers import load_classifier

    if isinstance(source, tf.data.Dataset):
        data = lambda seed: source  # noqa: E731
        name = name or "images"
    else:
        data = lambda seed: load_images(source, data_dir=data_dir, image_size=image_size,  # noqa: E731
                                        num_examples=num_examples, seed=0, download=download)
        name = name or str(source)
    height, width, channels = data(0).element_spec.shape
    if height != width:
        raise ValueError(f"The image families need square images. Received: images of shape "
                         f"{(height, width, channels)} from {name!r}")
    classifier = load_classifier(classifier)
    real_stats = []  # computed on first evaluation, shared by every candidate and seed

    def shape_kwargs(family):
        if family == "dcgan":
            size = dict(image_size=height, channels=channels)
            return dict(latent_dim=128, **size), size
        if family == "resnet_cifar" and height == 32:
            return dict(latent_dim=128, channels=channels), dict(channels=channels)
        if family == "resnet_64" and height == 64 and channels == 3:
            return dict(latent_dim=128), {}
        if family == "mlp":  # the fully connected GAN: MLPs over the flattened images
            generator_kwargs, critic_kwargs = mlp_image_kwargs((height, width, channels))
            return generator_kwargs, critic_kwargs
        raise _unsupported(f"{height}x{width}x{channels} image", family,
                           ["dcgan"] + (["resnet_cifar"] if height == 32 else [])
                           + (["resnet_64"] if height == 64 and channels == 3 else []) + ["mlp"])

    def evaluate(gan, seed):
        if not real_stats:
            real_stats.append(compute_statistics(classifier, image_batches(data(0), batch_size), eval_samples,
                                                 splits=1, keep_features=eval_samples))
        real = real_stats[0]
        fake = compute_statistics(classifier, sample_batches(gan.sample, eval_samples, batch_size, 10_000 + seed),
                                  eval_samples, splits=1, keep_features=eval_samples)
        kid, _ = fake.kernel_inception_distance(real, block_size=max(eval_samples, 2))
        precision, recall = precision_recall(real.features, fake.features)
        return {"fid": fake.frechet_distance(real), "kid": kid, "inception_score": fake.inception_score()[0],
                "precision": precision, "recall": recall}

    return Problem(
        name=name, kind="images", architecture="dcgan", latent_dim=128, real_data=data,
        shape_kwargs=shape_kwargs, evaluate=evaluate,
        quality=Metric("fid", False, "FID"), coverage=Metric("recall", True, "recall"),
        extra_metrics=(Metric("kid", False, "KID"), Metric("precision", True, "precision"),
                       Metric("inception_score", True, "IS")),
        batch_size=64)


# ---------------------------------------------------------------------- text
def text_problem(source, seq_len=32, vocab_size=2048, data_dir=None, num_examples=None, eval_samples=640,
                 reference_lines=10_000, download=True):
    """Character sequences (paper §5.4: 32 characters, one-hot, the char-CNN family).

    Quality is the JS divergence of character 4-grams between ``eval_samples`` generated lines
    (the paper: 640) and up to ``reference_lines`` training lines; JS-1..3 are reported too.
    """
    from tfgan_gp.data import load_text

    ids, vocab = load_text(source, seq_len=seq_len, vocab_size=vocab_size, data_dir=data_dir,
                           num_examples=num_examples, one_hot=False, download=download)
    reference = [vocab.decode(row, strip_pad=False) for row in ids.take(reference_lines).as_numpy_iterator()]

    def shape_kwargs(family):
        if family != "char_cnn":
            raise _unsupported("text", family, ["char_cnn"])
        size = dict(seq_len=seq_len, vocab_size=len(vocab))
        return dict(latent_dim=128, **size), size

    def evaluate(gan, seed):
        lines = [vocab.decode(row, strip_pad=False)
                 for batch in sample_batches(gan.sample, eval_samples, 64, 10_000 + seed) for row in batch]
        scores = {f"js{n}": ngram_js(lines, reference, n) for n in range(1, 5)}
        scores["unique_fraction"] = len(set(lines)) / len(lines)
        return scores

    return Problem(
        name=str(source), kind="text", architecture="char_cnn", latent_dim=128,
        real_data=lambda seed: ids.map(vocab.one_hot), shape_kwargs=shape_kwargs, evaluate=evaluate,
        quality=Metric("js4", False, "JS-4"), coverage=Metric("unique_fraction", True, "unique lines"),
        extra_metrics=tuple(Metric(f"js{n}", False, f"JS-{n}") for n in (1, 2, 3)), batch_size=64)


TEXT_SOURCES = ("lm1b",)


def problem(dataset, classifier=None, data_dir=None, **kwargs):
    """A :class:`Problem` from a name: toy names, text (``lm1b`` or ``*.txt``) or images (anything else).

    A :class:`Problem` passes through. Image problems need ``classifier`` (the standard one is
    ``tfgan_gp.metrics.InceptionFeatures()``); ``kwargs`` go to the kind's factory.
    """
    if isinstance(dataset, Problem):
        return dataset
    if isinstance(dataset, str) and dataset in toy_data.NAMES:
        return toy_problem(dataset, **kwargs)
    if isinstance(dataset, str) and (dataset in TEXT_SOURCES or dataset.endswith(".txt")):
        return text_problem(dataset, data_dir=data_dir, **kwargs)
    if classifier is None:
        raise ValueError(f"Image data need a classifier for FID/recall: pass classifier= (a callable "
                         f"images -> (logits, pool_features), a SavedModel path, or "
                         f"tfgan_gp.metrics.InceptionFeatures()). Received: classifier=None for {dataset!r}")
    return image_problem(dataset, classifier, data_dir=data_dir, **kwargs)

