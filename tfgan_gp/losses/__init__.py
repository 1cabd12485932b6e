"""Adversarial losses: what the critic and the generator each minimise, from the critic's scores.

Every loss is a :class:`Loss` with ``critic_objective(batch)`` and ``generator_objective(batch)`` on a
:class:`tfgan_gp.critic_batch.CriticBatch` (``loss.critic_loss(real_out, fake_out)`` evaluates one on given
scores). ``names()`` lists them, ``get(name, **overrides)`` builds one, ``@register("name")`` adds one.
Every divergence of :mod:`tfgan_gp.divergences` is also the loss ``"f_gan:<divergence>"`` (:class:`FGAN`).

* ``standard.py``: minimax, non-saturating, Wasserstein, least squares, hinge;
* ``relativistic.py``: RSGAN, RaSGAN, RaLSGAN;
* ``loss_sensitive.py``: Qi's Loss-Sensitive GAN (its margin reads the samples);
* ``f_gan.py``: the f-GAN family.
"""
from tfgan_gp.losses.base import REGISTRY, Loss
from tfgan_gp.losses.f_gan import FGAN, PREFIX as F_GAN_PREFIX, divergence_of
from tfgan_gp.losses.loss_sensitive import LossSensitive
from tfgan_gp.losses.relativistic import Relativistic, RelativisticAverage, RelativisticAverageLeastSquares
from tfgan_gp.losses.standard import Hinge, LeastSquares, Minimax, NonSaturating, Wasserstein

names, get, build, register = REGISTRY.names, REGISTRY.get, REGISTRY.build, REGISTRY.register

__all__ = ["F_GAN_PREFIX", "FGAN", "Hinge", "LeastSquares", "Loss", "LossSensitive", "Minimax", "NonSaturating",
           "REGISTRY", "Relativistic", "RelativisticAverage", "RelativisticAverageLeastSquares", "Wasserstein", "build",
           "divergence_of", "get", "names", "register"]
