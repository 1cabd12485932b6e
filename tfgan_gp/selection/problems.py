"""Problems: the data a comparison trains on, the models its data need, and the evaluator that scores samples.

A :class:`Problem` bundles what ``compare`` needs to know about the data, whatever its kind:

* ``toy``: the paper's 2-D sets (``8gaussians``, ``25gaussians``, ``swissroll``); quality is the
  exact W1 to held-out real points, mode collapse the number of modes covered (mixtures)
  (:class:`~tfgan_gp.metrics.evaluation.ToyEvaluator`);
* ``images``: a tfds name, an image directory, an array file, or a ``tf.data.Dataset``; quality
  is FID (and KID, Inception score, precision) from an injectable classifier, mode collapse the
  recall of Kynkäänniemi et al. (2019) in the classifier's feature space
  (:class:`~tfgan_gp.metrics.evaluation.ImageEvaluator`; the real statistics are computed once and
  shared by every candidate and seed);
* ``text``: ``lm1b`` or a ``.txt`` file, one-hot characters (paper §5.4); quality is the
  character 4-gram JS divergence (JS-n for n = 1..4 reported,
  :class:`~tfgan_gp.metrics.evaluation.TextEvaluator`), mode collapse the fraction of distinct generated lines.

:func:`problem` builds one from a name.

Every problem also says what a candidate must measure before a report names it (:meth:`Problem.minimum`): a
quality better than its **baseline**, samples drawn from simple statistics of the real data without any learning
(toy: a Gaussian with the data's mean and covariance; images: independent pixels with the data's per-pixel mean
and standard deviation; text: independent characters with the data's character frequencies at each position), and,
where the data have modes, some coverage (toy mixtures: at least one mode; images: a recall above 0; text: more than
one distinct line). A generator that has not beaten the data's own moments, or that covers nothing, has not
learned the data yet, whatever its rank.
"""
import dataclasses
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from tfgan_gp import architectures
from tfgan_gp.architectures import mlp
from tfgan_gp.data import toy as toy_data
from tfgan_gp.metrics.evaluation import ImageEvaluator, TextEvaluator, ToyEvaluator

EVAL_SEED = 10_000
"""Evaluation samples of run seed ``s`` come from the latent seeds ``EVAL_SEED + s, EVAL_SEED + s + 1, …``."""


@dataclasses.dataclass(frozen=True)
class Metric:
    """A measured quantity: its key in the evaluation dict and whether higher is better."""

    key: str
    higher_is_better: bool
    label: str


@dataclasses.dataclass(frozen=True)
class Baseline:
    """Samples from simple statistics of the real data, the quality a candidate must beat.

    ``fit``: a ``tf.data.Dataset`` of real samples -> ``sample(num_samples, seed)`` (the baseline "generator", as
    ``GAN.sample`` without a model); ``words``: what it draws.
    """

    fit: Callable
    words: str


@dataclasses.dataclass(frozen=True)
class Minimum:
    """What a candidate must measure (means over its finished seeds) before a report names it.

    ``quality``: the problem's quality metric of the baseline (``nan``: no baseline), to be beaten; ``baseline``: the
    baseline in words; ``coverage``: the coverage metric must exceed it (``None``: no coverage minimum), as
    ``coverage_words`` says.
    """

    quality: float
    baseline: str
    coverage: Optional[float] = None
    coverage_words: str = ""


def _stacked(real):
    return np.stack(list(real.as_numpy_iterator()))


def _gaussian_fit(real):
    """A Gaussian with the mean and covariance of the ``real`` points."""
    real = _stacked(real).astype(np.float64)
    mean, cov = real.mean(0), np.cov(real, rowvar=False)
    return lambda n, seed: np.random.default_rng(seed).multivariate_normal(mean, cov, n).astype(np.float32)


def _pixel_fit(real):
    """Independent pixels with the per-pixel mean and standard deviation of the ``real`` images, in ``[-1, 1]``."""
    real = _stacked(real)
    mean, std = real.mean(0), real.std(0)
    return lambda n, seed: np.clip(mean + std * np.random.default_rng(seed).standard_normal(
        (n, *mean.shape), np.float32), -1.0, 1.0)


def _character_fit(real):
    """Independent characters with the frequencies of the ``real`` one-hot lines ``(length, vocab)`` at each
    position (counted batch by batch: the one-hot lines of a large vocabulary are big)."""
    frequencies = sum(batch.sum(0, dtype=np.float64) for batch in real.batch(64).as_numpy_iterator())
    frequencies /= frequencies.sum(-1, keepdims=True)
    cumulative = frequencies.cumsum(-1)
    vocab = frequencies.shape[-1]

    def sample(n, seed):
        u = np.random.default_rng(seed).random((n, len(cumulative), 1))
        ids = np.minimum((u > cumulative[None]).sum(-1), vocab - 1)
        return np.eye(vocab, dtype=np.float32)[ids]
    return sample


@dataclasses.dataclass
class Problem:
    """What candidates are compared on.

    Attributes:
        name: shown in leaderboards.
        kind: ``toy``, ``images`` or ``text`` (what :func:`tfgan_gp.selection.recommend` calls ``data_kind``).
        architecture: default family for candidates that name none.
        shapes: ``{family: (generator kwargs, critic kwargs)}`` fixing the sample shape (and ``latent_dim``) for
            every family the problem can build.
        real_data: ``seed -> tf.data.Dataset`` of unbatched real samples (the seed matters for sampled sources,
            the toy sets; a fixed dataset ignores it); ``functools.partial(real_data, seed)`` is a
            :class:`tfgan_gp.Recipe`'s ``data``.
        evaluator: ``(sample_fn, num_samples, seed) -> {metric key: float}`` (:mod:`tfgan_gp.metrics.evaluation`).
        eval_samples: samples per evaluation.
        quality, coverage: the headline metrics for sample quality and mode coverage
            (``coverage`` is ``None`` when the data have no measurable modes, e.g. the Swiss roll).
        extra_metrics: further metrics the evaluation reports.
        batch_size: default critic minibatch size.
        shuffle_buffer: the recipe's (``None``: the source is already random).
        baseline: the :class:`Baseline` whose quality a candidate must beat (``None``: no quality minimum).
        coverage_minimum: ``(value, words)``: the coverage metric must exceed ``value`` (``None``: no minimum).
    """

    name: str
    kind: str
    architecture: str
    shapes: dict
    real_data: Callable[[int], tf.data.Dataset]
    evaluator: Callable
    eval_samples: int
    quality: Metric
    coverage: Optional[Metric]
    extra_metrics: tuple = ()
    batch_size: int = 64
    shuffle_buffer: Optional[int] = 10_000
    baseline: Optional[Baseline] = None
    coverage_minimum: Optional[tuple] = None
    _minimum: Optional[Minimum] = dataclasses.field(default=None, init=False, repr=False, compare=False)

    @property
    def metrics(self):
        return tuple(m for m in (self.quality, self.coverage, *self.extra_metrics) if m is not None)

    def supports(self, family):
        """Whether this problem can build the architecture ``family``."""
        return family in self.shapes

    def models(self, family, model_kwargs=None):
        """``{"generator_kwargs", "critic_kwargs", "latent_dim"}`` of ``family`` on this problem's data.

        The problem's shapes, then ``model_kwargs`` for both builders (e.g. ``{"width": 128}``); keyed by family
        names instead (``{"dcgan": {"dim": 16}, "mlp": {"width": 128}}``) each family takes its own entry (none
        if it has no entry), so one setting serves candidates of different families.
        """
        if family not in self.shapes:
            raise ValueError(f"The {self.name} problem cannot build the {family!r} family; use one of "
                             f"{', '.join(self.shapes)}. Received: architecture={family!r}")
        extra = dict(model_kwargs or {})
        if extra and all(key in architectures.names() for key in extra):  # per-family settings
            extra = dict(extra.get(family) or {})
        generator, critic = self.shapes[family]
        generator = {**generator, **extra}
        return {"generator_kwargs": generator, "critic_kwargs": {**critic, **extra},
                "latent_dim": generator["latent_dim"]}

    def complete(self, gan, model_kwargs=None):
        """``gan`` (a candidate's :class:`~tfgan_gp.spec.GANSpec`) with its models: the family's shapes, then
        ``model_kwargs`` (:meth:`models`), then the spec's own builder arguments; the critic is told whether it
        trains under a per-sample gradient penalty (batch norm is then refused)."""
        family = gan.architecture or self.architecture
        models = self.models(family, model_kwargs)
        critic = {**models["critic_kwargs"], "gradient_penalty": gan.gradient_penalty, **gan.critic_kwargs}
        return gan.replace(architecture=family, generator_kwargs={**models["generator_kwargs"],
                                                                  **gan.generator_kwargs},
                           critic_kwargs=critic, latent_dim=models["latent_dim"])

    def evaluate(self, gan, seed):
        """The evaluator's scores of ``eval_samples`` samples of ``gan`` (latent seeds from ``EVAL_SEED + seed``)."""
        return self.evaluator(gan.sample, self.eval_samples, seed=EVAL_SEED + seed)

    def minimum(self):
        """The :class:`Minimum` a candidate must reach (the baseline is fitted to ``eval_samples`` real samples and
        scored as a candidate is, once)."""
        if self._minimum is None:
            quality, words = float("nan"), "no baseline"
            if self.baseline is not None:
                sample = self.baseline.fit(self.real_data(EVAL_SEED).take(self.eval_samples))
                scores = self.evaluator(sample, self.eval_samples, seed=EVAL_SEED)
                quality, words = float(scores[self.quality.key]), self.baseline.words
            coverage, coverage_words = self.coverage_minimum or (None, "")
            self._minimum = Minimum(quality, words, coverage, coverage_words)
        return self._minimum


# ----------------------------------------------------------------------- toy
TOY_EVAL_SAMPLES = 2560  # as recipes/toy.py: 2,560 samples for modes, the first 512 for the exact W1


def toy_problem(name, eval_samples=TOY_EVAL_SAMPLES):
    """One of the paper's 2-D distributions (Gulrajani et al. 2017, §4; MLP models, batch 256 as ``gan_toy.py``).

    "Near a mode" is within 0.1 of a centre in the authors' unscaled units (as ``recipes/toy.py``).
    """
    toy_data.centres(name)  # ValueError for unknown names
    mixture = toy_data.centres(name) is not None
    return Problem(
        name=name, kind="toy", architecture="mlp",
        shapes={"mlp": (dict(latent_dim=2, output_dim=2), dict(input_dim=2))},
        real_data=lambda seed: toy_data.dataset(name, seed=seed),
        evaluator=ToyEvaluator.for_dataset(name, num_real=512, seed=EVAL_SEED), eval_samples=eval_samples,
        quality=Metric("w1", False, "W1"),
        coverage=Metric("modes_covered", True, "modes") if mixture else None,
        extra_metrics=(Metric("high_quality_fraction", True, "high-quality"),) if mixture else (),
        batch_size=256, shuffle_buffer=None,
        baseline=Baseline(_gaussian_fit, "a Gaussian with the data's mean and covariance"),
        coverage_minimum=(0, "at least one mode covered") if mixture else None)


# -------------------------------------------------------------------- images
def image_shapes(height, width, channels):
    """``{family: (generator kwargs, critic kwargs)}`` of the image families for ``(height, width, channels)``."""
    size = dict(image_size=height, channels=channels)
    shapes = {"dcgan": (dict(latent_dim=128, **size), size)}
    if height == 32:
        shapes["resnet_cifar"] = (dict(latent_dim=128, channels=channels), dict(channels=channels))
    if height == 64 and channels == 3:
        shapes["resnet_64"] = (dict(latent_dim=128), {})
    # the fully connected GAN: MLPs over the flattened images
    shapes["mlp"] = mlp.image_kwargs((height, width, channels))
    return shapes


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
        batch_size: images per classifier batch.

    The Inception score is computed over one split (the samples are few), KID in one block of all of them. With a
    domain classifier (:mod:`tfgan_gp.metrics.domain`, which names its classes) mode coverage is the number of
    classes covered, and a candidate must cover more than half of them.
    """
    from tfgan_gp.data import load_images

    if isinstance(source, tf.data.Dataset):
        data = lambda seed: source  # noqa: E731
        name = name or "images"
    else:
        data = lambda seed: load_images(source, data_dir=data_dir, image_size=image_size,  # noqa: E731
                                        num_examples=num_examples, seed=0, download=download)
        name = name or str(source)
    real = data(0)
    height, width, channels = real.element_spec.shape
    if height != width:
        raise ValueError(f"The image families need square images. Received: images of shape "
                         f"{(height, width, channels)} from {name!r}")
    evaluator = ImageEvaluator(classifier, real_stats=real, num_real=eval_samples, batch_size=batch_size, splits=1,
                               kid_block_size=max(eval_samples, 2), keep_features=eval_samples)
    coverage, extra = Metric("recall", True, "recall"), ()
    minimum = (0, "a recall above 0 (some real images within the generated images' neighbourhoods)")
    classes = getattr(evaluator.classifier, "class_names", None)
    if classes:  # a domain classifier (tfgan_gp.metrics.domain): mode coverage is the classes covered
        coverage, extra = Metric("classes_covered", True, "classes covered"), (Metric("recall", True, "recall"),)
        minimum = (len(classes) / 2, f"more than half of the {len(classes)} classes covered")
    return Problem(
        name=name, kind="images", architecture="dcgan", shapes=image_shapes(height, width, channels),
        real_data=data, evaluator=evaluator, eval_samples=eval_samples,
        quality=Metric("fid", False, "FID"), coverage=coverage,
        extra_metrics=(Metric("kid", False, "KID"), Metric("precision", True, "precision"),
                       Metric("inception_score", True, "IS")) + extra,
        batch_size=64,
        baseline=Baseline(_pixel_fit, "independent pixels with the data's per-pixel mean and standard deviation"),
        coverage_minimum=minimum)


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
    size = dict(seq_len=seq_len, vocab_size=len(vocab))
    return Problem(
        name=str(source), kind="text", architecture="char_cnn", shapes={"char_cnn": (dict(latent_dim=128, **size),
                                                                                     size)},
        real_data=lambda seed: ids.map(vocab.one_hot), evaluator=TextEvaluator(
            reference, lambda batch: [vocab.decode(row, strip_pad=False) for row in batch]),
        eval_samples=eval_samples,
        quality=Metric("js4", False, "JS-4"), coverage=Metric("unique_fraction", True, "unique lines"),
        extra_metrics=tuple(Metric(f"js{n}", False, f"JS-{n}") for n in (1, 2, 3)), batch_size=64,
        baseline=Baseline(_character_fit, "independent characters with the data's character frequencies at each "
                                          "position"),
        coverage_minimum=(1 / eval_samples, "more than one distinct line"))


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
