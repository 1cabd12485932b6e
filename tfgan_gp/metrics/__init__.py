"""Sample-quality metrics: Inception score, FID, KID, precision/recall, sliced Wasserstein, n-gram JS, toy metrics.

Modules: ``inception`` (IS/FID/KID formulas), ``classifiers`` (Inception and injectable
classifiers), ``statistics`` (one streaming classifier pass, cached as ``.npz``),
``streaming`` (running mean/covariance), ``manifold`` (k-NN estimates: precision/recall,
Kynkäänniemi et al. 2019), ``swd``, ``text``, ``toy`` and ``evaluation`` (generator-in,
metrics-out evaluators used by ``tfgan_gp.callbacks.Evaluate``).
"""
from tfgan_gp.metrics.classifiers import (InceptionFeatures, InceptionWeightsUnavailable,
                                          KerasClassifier, load_classifier)
from tfgan_gp.metrics.evaluation import ImageEvaluator, TextEvaluator, ToyEvaluator
from tfgan_gp.metrics.inception import (frechet_distance, frechet_distance_from_stats,
                                        inception_score, kernel_inception_distance)
from tfgan_gp.metrics.manifold import precision_recall
from tfgan_gp.metrics.statistics import ClassifierStatistics, compute_statistics
from tfgan_gp.metrics.swd import sliced_wasserstein
from tfgan_gp.metrics.text import ngram_js
from tfgan_gp.metrics.toy import high_quality_fraction, modes_covered, wasserstein_1

__all__ = [
    "ClassifierStatistics", "ImageEvaluator", "InceptionFeatures", "InceptionWeightsUnavailable", "KerasClassifier",
    "TextEvaluator", "ToyEvaluator", "compute_statistics", "frechet_distance", "frechet_distance_from_stats",
    "high_quality_fraction", "inception_score", "kernel_inception_distance", "load_classifier", "modes_covered",
    "ngram_js", "precision_recall", "sliced_wasserstein", "wasserstein_1",
]
