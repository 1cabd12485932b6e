"""Choosing a GAN for an application: the four-question framework as a tool (arXiv 2002.08641).

Four questions pick a GAN: **architecture**, **loss**, **regularization** and **divergence**.
This package answers them four ways:

* :class:`Candidate` holds one answer to each, with the published hyper-parameters, as a named
  :class:`tfgan_gp.GANSpec` whose models the data's :class:`Problem` completes; :func:`get` / :func:`names` give
  the catalogue (``wgan_gp``, ``wgan_clip``,
  ``lsgan``, ``rsgan``, ``ralsgan``, ``sngan``, ``dcgan``, ``dragan``, ``fgan_<divergence>`` for the ten
  divergences of f-GAN, ``geometric_gan``, ``loss_sensitive``, ``fc_gan``);
* :func:`recommend` ranks the catalogue for a kind of data and a list of priorities, each
  candidate with its reasons in words, citing the framework's findings it relies on;
* :func:`compare` trains candidates with the same budget and seeds on your data and ranks them by
  measured quality, stability, mode coverage and cost, writing a leaderboard (CSV, Markdown, PNG)
  and TensorBoard HParams sessions; every run trains as :func:`tfgan_gp.train` does (in memory, or in its own
  run directory with ``run_dirs=True``) and is scored by the evaluators of :mod:`tfgan_gp.metrics.evaluation`;
  with ``budget=`` it spends a total budget by successive halving, stopping hopeless candidates early;
* :class:`Report` turns a leaderboard into a one-page answer to the four questions for your data
  (Markdown + PNG): which candidate to use and why, with the measured evidence and the
  framework's findings.

Example::

    from tfgan_gp import selection
    for r in selection.recommend("images", ["quality", "cost"])[:3]:
        print(r)
    board = selection.compare(["wgan_gp", "sngan"], "8gaussians", iterations=500, seeds=2,
                              logdir="runs/select", model_kwargs={"width": 128})
    selection.Report(board, ["quality", "cost"]).write("runs/select")   # report.md, report.png
"""
from tfgan_gp.selection.advice import CRITERIA, Recommendation, recommend  # noqa: F401
from tfgan_gp.selection.candidates import CATALOGUE, Candidate, get, names  # noqa: F401
from tfgan_gp.selection.comparison import compare  # noqa: F401
from tfgan_gp.selection.leaderboard import Leaderboard  # noqa: F401
from tfgan_gp.selection.measures import oscillation  # noqa: F401
from tfgan_gp.selection.problems import Problem, image_problem, problem, text_problem, toy_problem  # noqa: F401
from tfgan_gp.selection.report import Report  # noqa: F401

__all__ = ["CATALOGUE", "CRITERIA", "Candidate", "Leaderboard", "Problem", "Recommendation", "Report", "compare",
           "get", "image_problem", "names", "oscillation", "problem", "recommend", "text_problem", "toy_problem"]
