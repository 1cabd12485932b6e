"""The evaluation tool: IS, FID, KID, precision/recall and density/coverage under a named protocol.

    python -m evaluate --samples runs/cifar/export --reference fid_stats_cifar10_train.npz \\
        --protocol ttur --inception_graph classify_image_graph_def.pb

(installed from a wheel: ``python -m tfgan_gp_evaluate ...``). The scoring itself is
:func:`tfgan_gp.metrics.score`, re-exported here.
"""
from tfgan_gp.metrics import score

__all__ = ["score"]
