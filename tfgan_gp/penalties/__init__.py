"""Critic regularisers: gradient penalties, weight clipping and decay, and the stabilizers after the paper.

Every regulariser is a :class:`Penalty` with one method, ``objective(batch)``, on a
:class:`tfgan_gp.critic_batch.CriticBatch` (``penalty(critic, real, fake)`` evaluates it on given samples).
``names()`` lists them, ``build(name, weight=...)`` / ``get(name_or_instance)`` make one, ``@register("name")``
adds one; names join with ``+`` into a :class:`Combined` (``"gp+lecam"``).

* ``gradient.py``: WGAN-GP (``gp``, ``gp_one_sided``), DRAGAN, R1, R2, lazy R1 (``r1_lazy``);
* ``weights.py``: weight clipping (``clip``), weight decay, ``none``;
* ``consistency.py``: bCR; ``lecam.py``: LeCam.

Spectral and layer normalization are layers (:mod:`tfgan_gp.architectures.normalization`).
"""
from tfgan_gp.penalties.base import (MAX_INNER_GRAD_SCALE, NORM_EPSILON, REGISTRY, Combined, Penalty, check_name,
                                     input_gradient_norms)
from tfgan_gp.penalties.consistency import BalancedConsistency
from tfgan_gp.penalties.gradient import DRAGAN, R1, R2, GradientPenalty, LazyR1
from tfgan_gp.penalties.lecam import LeCam
from tfgan_gp.penalties.weights import NoPenalty, WeightClipping, WeightDecay

names, get, build, register = REGISTRY.names, REGISTRY.get, REGISTRY.build, REGISTRY.register
SEPARATOR = REGISTRY.SEPARATOR

__all__ = ["DRAGAN", "MAX_INNER_GRAD_SCALE", "NORM_EPSILON", "R1", "R2", "REGISTRY", "SEPARATOR", "BalancedConsistency",
           "Combined", "GradientPenalty", "LazyR1", "LeCam", "NoPenalty", "Penalty", "WeightClipping", "WeightDecay",
           "build", "check_name", "get", "input_gradient_norms", "names", "register"]
