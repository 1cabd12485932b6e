"""Sample-quality metrics."""
from tfgan_gp.metrics.toy import high_quality_fraction, modes_covered, wasserstein1  # noqa: F401
