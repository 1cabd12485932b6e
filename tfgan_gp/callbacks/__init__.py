"""Training callbacks, one entry point: ``tg.callbacks.<Name>``.

* what the generator makes, every epoch: :class:`Samples` (image grids), :class:`TextSamples`
  (``samples.py``);
* how good it is, every ``n`` generator iterations: :class:`Evaluate` (IS/FID/KID, JS-n, toy
  metrics; ``evaluation.py``);
* what the critic does: :class:`ToyValueSurface` (2-D value surfaces) and
  :class:`CriticLossCurves` (training vs held-out critic loss, paper §5.6; ``pictures.py``);
* keeping a run safe: :class:`NaNGuard` and :class:`Checkpoint` (``safety.py``), :class:`StopOnSignal`
  (``signals.py``);
* TensorBoard scalars stepped by generator iteration: :class:`Scalars` (``scalars.py``).

Importing this package imports no plotting library; the picture callbacks load
:mod:`tfgan_gp.plotting` (and matplotlib) when they first draw.
"""
from tfgan_gp.callbacks.evaluation import Evaluate
from tfgan_gp.callbacks.pictures import CriticLossCurves, ToyValueSurface
from tfgan_gp.callbacks.safety import Checkpoint, NaNGuard
from tfgan_gp.callbacks.samples import Samples, TextSamples
from tfgan_gp.callbacks.scalars import Scalars
from tfgan_gp.callbacks.signals import StopOnSignal

__all__ = ["Checkpoint", "CriticLossCurves", "Evaluate", "NaNGuard", "Samples", "Scalars", "StopOnSignal",
           "TextSamples", "ToyValueSurface"]
