"""Scoring the generator during training: :class:`Evaluate` (IS/FID/KID, JS-n, toy metrics) on generator iterations."""
import json
import os
import time

import keras
import tensorflow as tf

from tfgan_gp import metrics


class Evaluate(keras.callbacks.Callback):
    """Every ``every_n_iterations`` generator iterations, score ``num_samples`` generated samples.

    Images (default): Inception score and, with ``real_stats``, FID, KID, precision/recall
    (Kynkäänniemi et al. 2019, k = 3) and density/coverage (Naeem et al. 2020, k = 5), computed by
    :class:`tfgan_gp.metrics.ImageEvaluator` with ``classifier`` (for numbers comparable with
    papers ``tfgan_gp.metrics.protocol_classifier("ttur", inception_graph=PATH)``; else
    ``tfgan_gp.metrics.InceptionFeatures()``, any callable ``images -> (logits, pool_features)``
    or a SavedModel path). Text: :meth:`text` (JS-1…4 in bits). 2-D toy data: :meth:`toy` (W1,
    modes covered, high-quality fraction). Any other evaluator (see
    :mod:`tfgan_gp.metrics.evaluation`) goes in ``evaluator``.

    The trigger is the generator-iteration counter ``model.optimizer.iterations``, checked
    after every training batch (so any ``steps_per_epoch`` works, and a resumed run keeps
    its schedule). Results are written as TensorBoard scalars in ``log_dir/eval`` at that
    iteration (with ``eval_seconds``, the evaluation's wall time), and the latest ones (plus
    ``eval_iteration``, the iteration they belong to) into the epoch's ``logs``, hence into
    ``history.history``, from the first evaluation on.
    Every evaluation also appends one JSON line to ``log_dir/eval/metrics.jsonl`` (``iteration``, the
    metrics, the sample count, ``time``: when it ended, Unix seconds; the exporter reads the last one). Image evaluations record their protocol
    with every number: in that line (the protocol record and line) and as a ``protocol`` text summary in
    ``log_dir/eval_protocol`` (network, weights hash, resize, quantization, sample counts).

    With ``final_num_samples`` the run ends with one more evaluation on that many samples (e.g. a
    cheap 5,000 during training, the paper's 50,000 at the end), logged as ``final/<metric>`` and written
    to ``log_dir/final_evaluation.json``; it is skipped when training was stopped early.

    Args:
        every_n_iterations: generator iterations between evaluations.
        num_samples: generated samples per evaluation during training.
        final_num_samples: samples of the evaluation at the end of training (``None``: none).
        batch_statistics: sample with the generator's batch norm in training mode, i.e. normalised by the
            statistics of each sampled batch (``batch_size`` samples), as the authors' code evaluated
            (their batch norm kept no moving averages in use); moving averages are left untouched.
        classifier, real_stats: see :class:`~tfgan_gp.metrics.ImageEvaluator`. Real images
            are scored once, at the first evaluation, and cached in
            ``log_dir/real_stats_<dataset_name>.npz`` when both are given.
        log_dir: TensorBoard log directory (``None``: logs and history only).
        dataset_name: key of the cached real statistics.
        evaluator: an evaluator instead of ``classifier``.
        seed: latent codes of evaluation ``k`` are drawn from seeds ``seed, seed + 1, …``
            (the same at every evaluation).
        **image_options: ``batch_size``, ``num_real``, ``splits``, ``kid_block_size``,
            ``keep_features``, ``source`` of ``ImageEvaluator`` (``source`` defaults to
            ``{"dataset": dataset_name}``).
    """

    def __init__(self, every_n_iterations, num_samples, classifier=None, real_stats=None, log_dir=None,
                 dataset_name=None, evaluator=None, seed=0, final_num_samples=None, batch_statistics=False,
                 **image_options):
        super().__init__()
        for name, value in (("every_n_iterations", every_n_iterations), ("num_samples", num_samples),
                            ("final_num_samples", 1 if final_num_samples is None else final_num_samples)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
        if (classifier is None) == (evaluator is None):
            raise ValueError(f"Evaluate needs exactly one of classifier (images) or evaluator. "
                             f"Received: classifier={classifier!r}, evaluator={evaluator!r}")
        if evaluator is None:
            cache = (os.path.join(log_dir, f"real_stats_{dataset_name}.npz")
                     if log_dir and dataset_name else None)
            image_options.setdefault("source", {"dataset": dataset_name} if dataset_name else None)
            evaluator = metrics.ImageEvaluator(classifier, real_stats, cache_path=cache, **image_options)
        splits = getattr(evaluator, "splits", 1)
        if num_samples < splits:
            raise ValueError(f"num_samples must be at least the Inception score's {splits} splits (an evaluation "
                             f"would fail only after training). Received: num_samples={num_samples}")
        self.evaluator = evaluator
        self.every_n_iterations, self.num_samples = every_n_iterations, num_samples
        self.final_num_samples, self.batch_statistics = final_num_samples, bool(batch_statistics)
        self.log_dir, self.seed = log_dir, seed
        self.latest, self.final = {}, None
        self._writer = self._text_writer = None
        self._done = 0

    @classmethod
    def text(cls, every_n_iterations, num_samples, reference, decode, log_dir=None, max_n=4, batch_size=64,
             seed=0):
        """JS divergences of character n-grams (n = 1..``max_n``) against ``reference`` lines (paper §5.5)."""
        return cls(every_n_iterations, num_samples, log_dir=log_dir, seed=seed,
                   evaluator=metrics.TextEvaluator(reference, decode, max_n, batch_size))

    @classmethod
    def toy(cls, every_n_iterations, num_samples, dataset, log_dir=None, seed=0, w1_samples=512):
        """Toy metrics for a ``tfgan_gp.data.toy`` dataset name (or a ``(M, 2)`` array of real points)."""
        if isinstance(dataset, str):
            evaluator = metrics.ToyEvaluator.for_dataset(dataset, w1_samples, seed, w1_samples)
        else:
            evaluator = metrics.ToyEvaluator(dataset, w1_samples=w1_samples)
        return cls(every_n_iterations, num_samples, log_dir=log_dir, seed=seed, evaluator=evaluator)

    def _iteration(self):
        return int(tf.convert_to_tensor(self.model.optimizer.iterations))  # also a MirroredVariable

    def on_train_begin(self, logs=None):
        self._done = self._iteration() // self.every_n_iterations

    def on_train_batch_end(self, batch, logs=None):
        iteration = self._iteration()
        if iteration // self.every_n_iterations > self._done:
            self._done = iteration // self.every_n_iterations
            self.evaluate(iteration)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.latest)

    def on_train_end(self, logs=None):
        if self.final_num_samples and not self.model.stop_training:
            self.evaluate(self._iteration(), self.final_num_samples, prefix="final/")

    def _sample(self, n, seed):
        if self.batch_statistics:
            return self.model.sample(n, seed=seed, batch_statistics=True)
        return self.model.sample(n, seed=seed)

    def evaluate(self, iteration, num_samples=None, prefix=""):
        """Score ``num_samples`` samples (default: ``num_samples``) now; log the results at ``iteration``."""
        num_samples = num_samples or self.num_samples
        start = time.perf_counter()
        results = self.evaluator(self._sample, num_samples, self.seed)
        seconds = time.perf_counter() - start  # the first one includes the real statistics, once per run
        describe = getattr(self.evaluator, "describe", None)
        protocol = describe(num_samples) if describe else None
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "eval"))
            with self._writer.as_default(step=iteration):
                for name, value in results.items():
                    tf.summary.scalar(prefix + name, value)
                tf.summary.scalar(prefix + "eval_seconds", seconds)
            self._writer.flush()
            if protocol:
                if self._text_writer is None:  # its own run: the eval run holds scalars only
                    self._text_writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "eval_protocol"))
                with self._text_writer.as_default(step=iteration):
                    tf.summary.text(prefix + "protocol", protocol)
                self._text_writer.flush()
            line = dict(iteration=int(iteration), **{prefix + k: float(v) for k, v in results.items()},
                        num_samples=num_samples, time=time.time())
            if protocol:
                line.update(protocol=self.evaluator.record, protocol_line=protocol)
            with open(os.path.join(self.log_dir, "eval", "metrics.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        if prefix:
            self.final = dict(results, iteration=iteration, num_samples=num_samples, eval_seconds=seconds)
            if self.log_dir:
                with open(os.path.join(self.log_dir, "final_evaluation.json"), "w") as f:
                    json.dump({k: float(v) for k, v in self.final.items()}, f, indent=1, sort_keys=True)
        else:
            self.latest = dict(results, eval_iteration=float(iteration))
        return results
