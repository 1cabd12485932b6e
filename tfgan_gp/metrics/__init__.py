"""Sample-quality metrics: IS, FID, KID, precision/recall, density/coverage, sliced Wasserstein, n-gram JS, toy metrics.

Modules: ``protocols`` (named evaluation protocols: ``ttur``/``tfgan`` -- the published numbers --,
``clean``, ``keras``), ``preprocessing`` (uint8 quantization, the protocols' resizes),
``inception_2015`` (the 2015 Inception graph from a local file), ``classifiers`` (the protocols'
networks and injectable classifiers), ``inception`` (IS/FID/KID formulas), ``statistics`` (one
streaming classifier pass; statistics files, TTUR's and clean-fid's read too), ``streaming``
(running mean/covariance), ``manifold`` (k-NN estimates: precision/recall, Kynkäänniemi et al.
2019; density/coverage, Naeem et al. 2020), ``swd``, ``text``, ``toy``, ``evaluation``
(generator-in, metrics-out evaluators used by ``tfgan_gp.callbacks.Evaluate``) and ``scoring``
(:func:`score`, what the ``evaluate`` command runs).
"""
from tfgan_gp.metrics import protocols
from tfgan_gp.metrics.classifiers import (Inception2015Features, InceptionFeatures, InceptionWeightsUnavailable,
                                          KerasClassifier, load_classifier, protocol_classifier)
from tfgan_gp.metrics.evaluation import ImageEvaluator, TextEvaluator, ToyEvaluator
from tfgan_gp.metrics.inception import (frechet_distance, frechet_distance_from_stats,
                                        inception_score, kernel_inception_distance)
from tfgan_gp.metrics.manifold import density_coverage, precision_recall
from tfgan_gp.metrics.preprocessing import quantize_uint8
from tfgan_gp.metrics.protocols import PROTOCOLS, Protocol
from tfgan_gp.metrics.scoring import score
from tfgan_gp.metrics.statistics import ClassifierStatistics, compute_statistics
from tfgan_gp.metrics.swd import sliced_wasserstein
from tfgan_gp.metrics.text import ngram_js
from tfgan_gp.metrics.toy import high_quality_fraction, modes_covered, wasserstein_1

__all__ = [
    "PROTOCOLS", "ClassifierStatistics", "ImageEvaluator", "Inception2015Features", "InceptionFeatures",
    "InceptionWeightsUnavailable", "KerasClassifier", "Protocol", "TextEvaluator", "ToyEvaluator",
    "compute_statistics", "density_coverage", "frechet_distance", "frechet_distance_from_stats",
    "high_quality_fraction", "inception_score", "kernel_inception_distance", "load_classifier", "modes_covered",
    "ngram_js", "precision_recall", "protocol_classifier", "protocols", "quantize_uint8", "score",
    "sliced_wasserstein", "wasserstein_1",
]
