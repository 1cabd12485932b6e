"""``compare``: train every candidate with the same budget and seeds, measure, rank, write the leaderboard.

The budget is the paper's unit, **generator iterations**, with the same batch size for
every candidate; each candidate keeps its own number of critic steps per generator step
(its published setting, or ``n_critic`` for all), so the cost per iteration differs and is
reported.

Every run trains the way :func:`tfgan_gp.train` does: the candidate's spec, completed by the problem
(:meth:`~tfgan_gp.selection.problems.Problem.complete`), is a :class:`tfgan_gp.Recipe` run under a
:class:`tfgan_gp.TrainConfig` by :func:`tfgan_gp.training.build` and :func:`tfgan_gp.training.fit` (the same
batching, callbacks and NaN policy: a non-finite loss is the run's failure). Runs stay in memory; with
``run_dirs=True`` each one is :func:`tfgan_gp.train` itself in ``LOGDIR/runs/<candidate>/seed_<k>`` (run record,
checkpoints, TensorBoard scalars), and a second ``compare`` with the same settings resumes those runs
(successive halving runs in memory only: a resumed directory would be past the rounds it is ranked in).

Seeds. Run seed ``s`` initialises the weights (``keras.utils.set_random_seed``), draws the GAN's noise and orders
the real batches (the config's seed: a streamed source is shuffled with seed ``s + i`` from generator iteration
``i`` on); the real data of round ``r`` come from ``problem.real_data(s + 10000·r)`` (the toy sets: a fresh
stream; a fixed dataset: the same examples), and evaluation samples from the latent seeds ``10000 + s, …``. So
every candidate with seed ``s`` sees the same real data and is scored on the same latent codes.

Two ways to spend the budget:

* ``iterations=N``: every candidate trains ``N`` generator iterations per seed;
* ``budget=B``: **successive halving** (Karnin et al. 2013; Jamieson & Talwalkar 2016) under
  ``B`` generator iterations *in total*, summed over every candidate and seed. With ``n``
  candidates there are ``R = max(1, ⌈log₂ n⌉)`` rounds of ``⌊B / R⌋`` iterations each; in
  round ``r`` the ``n_r`` candidates still in train ``⌊B / (R·n_r·S)⌋`` more iterations on each
  of the ``S`` seeds (continuing where they stopped), are evaluated, and, except after the
  last round, only the better half (``⌈n_r / 2⌉``, ranked as the leaderboard ranks) goes on.
  The others are *stopped*: the leaderboard shows the round they stopped after and ranks them
  below every candidate that went further. Iterations lost to rounding down are not spent, so
  the total is at most ``B``. Every candidate still in the race stays in memory.
"""
import dataclasses
import functools
import math
import os
import time
from typing import Optional

import keras
import numpy as np

from tfgan_gp import distribute as distribute_lib
from tfgan_gp import training
from tfgan_gp.selection import candidates as candidates_lib
from tfgan_gp.selection import hparams as hparams_lib
from tfgan_gp.selection.leaderboard import Leaderboard, RunResult
from tfgan_gp.selection.measures import PeakMemory, RunRecorder, count_params, oscillation
from tfgan_gp.selection.problems import problem as make_problem
from tfgan_gp.spec import GANSpec
from tfgan_gp.train_config import TrainConfig

ROUND_DATA_SEED_STRIDE = 10_000
KEPT_SAMPLES = {"toy": 512, "images": 16}  # generated samples each run keeps for the report's pictures
RUNS = "runs"  # LOGDIR/runs/<candidate>/seed_<k>: the run directories of compare(..., run_dirs=True)


def _seeds(seeds):
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be a positive number of seeds or a list of ints. Received: seeds={seeds}")
        return list(range(seeds))
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds) \
            or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a positive int or a list of distinct ints >= 0. Received: seeds={seeds!r}")
    return seeds


def fresh_start(seed):
    """Free the previous run's models (``clear_session`` also garbage-collects) and seed Keras, so that a
    run's weights depend on ``seed`` only."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)


def run_dir(logdir, candidate, seed):
    """Where ``compare(..., run_dirs=True)`` trains ``candidate`` (a name) with ``seed``."""
    return os.path.join(logdir, RUNS, candidate, f"seed_{seed}")


@dataclasses.dataclass
class Run:
    """One (candidate, seed) run, trained as a :class:`tfgan_gp.Recipe` in memory or in its run directory.

    Attributes:
        name: the candidate's name (the recipe's).
        spec: the candidate's :class:`~tfgan_gp.spec.GANSpec`, complete (:meth:`Problem.complete`).
        problem, seed, batch_size: what it trains on, its seed, the critic minibatch size.
        iterations: its planned length (under successive halving: if it is never stopped); :meth:`train` goes to
            a given iteration, continuing where the last call stopped.
        directory: train with :func:`tfgan_gp.train` in this run directory (``None``: in memory, nothing written).
        compile_kwargs: ``jit_compile``/``run_eagerly`` for the GAN.
        distribute: the ``tf.distribute`` strategy's name (:data:`tfgan_gp.distribute.STRATEGIES`).
        gan, recorder, failure, peak_memory_bytes: the run so far (``failure``: the sentence saying where it stopped).
    """

    name: str
    spec: GANSpec
    problem: object
    seed: int
    iterations: int
    batch_size: int
    directory: Optional[str] = None
    compile_kwargs: dict = dataclasses.field(default_factory=dict)
    distribute: str = "none"
    gan: object = None
    recorder: RunRecorder = dataclasses.field(default_factory=RunRecorder)
    failure: Optional[str] = None
    peak_memory_bytes: float = math.nan

    def recipe(self, data_seed):
        """The run's recipe, its real data drawn with ``data_seed``."""
        data = functools.partial(self.problem.real_data, data_seed)
        return training.Recipe(name=self.name, gan=self.spec, data=data, in_memory=False,
                               shuffle_buffer=self.problem.shuffle_buffer, callbacks=self._watch,
                               settings={"problem": self.problem.name})

    def config(self, iterations):
        """The run's config: ``iterations`` in one Keras epoch, in the current dtype policy, no export."""
        return TrainConfig(logdir=self.directory, iterations=iterations, batch_size=self.batch_size,
                           eval_every=iterations, seed=self.seed, export=False, distribute=self.distribute,
                           precision=keras.mixed_precision.global_policy().name)

    def _watch(self, gan, logdir):
        """The recipe's callbacks: the recorder (and the compile options, set before the step is traced)."""
        for option, value in self.compile_kwargs.items():
            setattr(gan, option, value)
        return [self.recorder]

    def train(self, until, data_seed=None):
        """Train to generator iteration ``until`` unless the run failed; a non-finite loss is its failure."""
        if self.failure:
            return
        recipe = self.recipe(self.seed if data_seed is None else data_seed)
        with PeakMemory() as memory:  # building counts: weights and optimizer slots are allocated there
            try:
                if self.directory:
                    self.gan = training.train(recipe, self.config(until))  # resumes from its checkpoint
                else:
                    config = self.config(self.iterations)  # one epoch per call: fit stops exactly at `until`
                    if self.gan is None:
                        keras.utils.set_random_seed(self.seed)  # as tg.train: the weights depend on the seed only
                        self.gan = training.build(recipe, config, distribute_lib.make_strategy(self.distribute))
                    training.fit(self.gan, recipe, config, recipe.source(), until=until)
            except FloatingPointError as err:
                self.gan, self.failure = self.recorder.model, str(err)
        self.peak_memory_bytes = max((m for m in (self.peak_memory_bytes, memory.peak_bytes) if np.isfinite(m)),
                                     default=math.nan)

    def result(self):
        """Evaluate the GAN as it is now (unless the run failed) and collect the run's measurements."""
        metrics, self.failure = _evaluate(self.gan, self.problem, self.seed, self.failure)
        gan, recorder = self.gan, self.recorder
        return RunResult(
            candidate=self.name, seed=self.seed, n_critic=gan.n_critic, metrics=metrics,
            oscillation=oscillation(recorder.curves["wasserstein_estimate"]), failure=self.failure,
            iterations=gan.iteration, seconds_per_iteration=recorder.seconds_per_iteration,
            params_generator=count_params(gan.generator), params_critic=count_params(gan.critic),
            curves={name: list(curve) for name, curve in recorder.curves.items()},
            peak_memory_bytes=self.peak_memory_bytes,
            samples=None if self.failure else _kept_samples(gan, self.problem, self.seed))


def _evaluate(gan, problem, seed, failure):
    """``(metrics, failure)``: the problem's evaluation, where a non-finite quality metric is a failure too."""
    if failure:
        return {}, failure
    metrics = {k: float(v) for k, v in problem.evaluate(gan, seed).items()}
    quality = metrics.get(problem.quality.key, math.nan)
    if not np.isfinite(quality):
        return metrics, (f"The generated samples are unusable after generator iteration {gan.iteration}: "
                         f"{problem.quality.label} is {quality}.")
    return metrics, None


def _kept_samples(gan, problem, seed):
    n = KEPT_SAMPLES.get(problem.kind)
    if not n:
        return None
    samples = gan.sample(n, seed=20_000 + seed).numpy()
    return samples if np.all(np.isfinite(samples)) else None


def compare(candidates, dataset, iterations=None, seeds=3, logdir=None, batch_size=None, model_kwargs=None,
            n_critic=None, penalty_weight=None, classifier=None, data_dir=None, problem_kwargs=None,
            jit_compile=False, run_eagerly=False, verbose=True, budget=None, run_dirs=False, distribute="none"):
    """Train each candidate under the same budget and seeds; return (and write) the :class:`Leaderboard`.

    Args:
        candidates: catalogue names (a list or one comma-separated string; ``"all"`` is the whole
            catalogue, less the candidates whose architecture the problem cannot build) and/or
            :class:`~tfgan_gp.selection.Candidate` objects. Catalogue names take the published
            settings for the problem's kind of data.
        dataset: a toy name (``8gaussians``, ``25gaussians``, ``swissroll``), an image source
            (tfds name, directory, array file), ``lm1b`` or a ``.txt`` file, or a
            :class:`~tfgan_gp.selection.problems.Problem`.
        iterations: generator iterations per run (every candidate, every seed).
        seeds: number of seeds (``0 … seeds-1``) or a list of seeds.
        logdir: where ``leaderboard.{csv,md,png}``, ``runs.csv`` and the TensorBoard HParams
            sessions go (``None``: write nothing).
        batch_size: critic minibatch size (default: the problem's: 256 toy, 64 otherwise).
        model_kwargs: builder arguments for both networks, e.g. ``{"width": 128}`` (toy MLP) or
            ``{"dim": 32}`` (image and text families), or per family
            (``{"dcgan": {"dim": 32}, "mlp": {"width": 256}}``); see :meth:`Problem.models`.
        n_critic: critic steps per generator step for every candidate (default: each candidate's own).
        penalty_weight: λ for every candidate with a weighted penalty (default: each candidate's own).
        classifier: for image data: callable ``images -> (logits, pool_features)`` or SavedModel path.
        data_dir, problem_kwargs: passed to the problem's factory (e.g. ``{"eval_samples": 500}``).
        jit_compile: XLA-compile the training step.
        run_eagerly: run the training step eagerly (debugging; no tracing, so also quicker for a few steps).
        verbose: print one line per run and the final table.
        budget: instead of ``iterations``: generator iterations in total, over all candidates and seeds,
            spent by successive halving (see the module docstring).
        run_dirs: train each run with :func:`tfgan_gp.train` in ``LOGDIR/runs/<candidate>/seed_<k>`` (:func:`run_dir`)
            instead of in memory: run record, checkpoints, TensorBoard; calling ``compare`` again resumes them (a
            larger ``iterations`` trains them further). With ``iterations`` only (successive halving runs in memory).
        distribute: train every run under this ``tf.distribute`` strategy (``multi_worker``: every worker runs the
            same comparison; the chief writes ``logdir``, the others a scratch directory).
    """
    problem = make_problem(dataset, classifier=classifier, data_dir=data_dir, **(problem_kwargs or {}))
    chosen = candidates_lib.parse(candidates, problem.kind,
                                  supports=lambda c: problem.supports(c.gan.architecture or problem.architecture))
    overrides = {key: value for key, value in (("n_critic", n_critic), ("penalty_weight", penalty_weight))
                 if value is not None}  # weightless penalties ignore the weight
    chosen = [c.replace(**overrides) for c in chosen] if overrides else chosen
    specs = {c.name: problem.complete(c.gan, model_kwargs) for c in chosen}  # bad builder arguments fail here
    seeds = _seeds(seeds)
    if (iterations is None) == (budget is None):
        raise ValueError(f"Give either iterations (per run) or budget (in total, successive halving), not both "
                         f"or neither. Received: iterations={iterations!r}, budget={budget!r}")
    if iterations is not None and (isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1):
        raise ValueError(f"iterations must be a positive int (generator iterations per run). "
                         f"Received: iterations={iterations!r}")
    if run_dirs and not logdir:
        raise ValueError(f"run_dirs=True trains every run in LOGDIR/{RUNS}/<candidate>/seed_<k>: give logdir. "
                         f"Received: logdir={logdir!r}")
    if run_dirs and budget is not None:  # a resumed directory is past the earlier rounds it would be ranked in
        raise ValueError(f"run_dirs=True resumes runs of a fixed length; successive halving ranks every run after "
                         f"each round, which a resumed run directory cannot replay: give iterations (or run_dirs="
                         f"False). Received: budget={budget!r}, run_dirs=True")
    batch_size = batch_size or problem.batch_size
    compile_kwargs = dict(jit_compile=jit_compile, run_eagerly=run_eagerly)
    logdir = logdir and distribute_lib.writable_dir(logdir)

    def make_run(candidate, seed, length):
        return Run(candidate.name, specs[candidate.name], problem, seed, length, batch_size,
                   run_dir(logdir, candidate.name, seed) if run_dirs else None, compile_kwargs, distribute)

    if budget is None:
        runs, history = _fixed(chosen, seeds, iterations, make_run, problem, verbose), []
    else:
        chunks = halving_chunks(len(chosen), len(seeds), *halving_schedule(len(chosen), len(seeds), budget))
        runs, history = _successive_halving(chosen, problem, seeds, chunks, make_run, verbose)
    if logdir:
        hparams_lib.write_config(logdir, problem, chosen, seeds)
        for run in runs:
            hparams_lib.write_run(logdir, problem, next(c for c in chosen if c.name == run.candidate), run)
    board = Leaderboard(problem, chosen, runs, iterations, budget=budget, history=history)
    if logdir:
        board.write(logdir)
    if verbose:
        print(f"\n{board.caption()}\n\n{board.markdown()}")
    return board


def halving_schedule(n_candidates, n_seeds, budget):
    """``(rounds, iterations per round)`` of successive halving; a ``ValueError`` if round 1 gets no iteration."""
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"budget must be a positive int (generator iterations in total). Received: budget={budget!r}")
    rounds = max(1, math.ceil(math.log2(n_candidates)))
    per_round = budget // rounds
    if per_round // (n_candidates * n_seeds) < 1:
        raise ValueError(f"budget is too small: {n_candidates} candidates × {n_seeds} seeds over {rounds} rounds need "
                         f"at least {rounds * n_candidates * n_seeds} generator iterations for one each in the first "
                         f"round. Received: budget={budget}")
    return rounds, per_round


def halving_chunks(n_candidates, n_seeds, rounds, per_round):
    """The iterations each run still in the race trains in every round (``⌊per_round / (n_r · n_seeds)⌋``)."""
    chunks, alive = [], n_candidates
    for r in range(rounds):
        chunks.append(per_round // (alive * n_seeds))
        alive = math.ceil(alive / 2)
    return chunks


def _fixed(chosen, seeds, iterations, make_run, problem, verbose):
    results, total = [], len(chosen) * len(seeds)
    for candidate in chosen:
        for seed in seeds:
            start = time.perf_counter()
            fresh_start(seed)
            run = make_run(candidate, seed, iterations)
            run.train(iterations)
            results.append(run.result())
            del run  # so that the next fresh_start can free this run's models
            if verbose:
                print(f"[{len(results)}/{total}] {candidate.name} seed {seed}: {_summary(problem, results[-1])} "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
    return results


def _successive_halving(chosen, problem, seeds, chunks, make_run, verbose):
    keras.backend.clear_session()
    states, results, alive, stopped, history = {}, {}, list(chosen), {}, []
    for r, chunk in enumerate(chunks):
        if verbose:
            print(f"Round {r + 1}/{len(chunks)}: {len(alive)} candidates × {len(seeds)} seeds, {chunk} more "
                  f"generator iterations each", flush=True)
        for candidate in alive:
            for seed in seeds:
                start = time.perf_counter()
                run = states.get((candidate.name, seed)) or states.setdefault(
                    (candidate.name, seed), make_run(candidate, seed, sum(chunks)))
                run.train(sum(chunks[:r + 1]), data_seed=seed + ROUND_DATA_SEED_STRIDE * r)
                result = results[candidate.name, seed] = run.result()  # measured once per round
                if verbose:
                    print(f"  {candidate.name} seed {seed}: {_summary(problem, result)} at {result.iterations} "
                          f"iterations ({time.perf_counter() - start:.1f} s)", flush=True)
        ranked = Leaderboard(problem, alive, [results[c.name, s] for c in alive for s in seeds], None).rows
        keep = len(alive) if r == len(chunks) - 1 else math.ceil(len(alive) / 2)
        kept = {row["candidate"] for row in ranked[:keep]}
        history.append({"round": r + 1, "iterations_per_run": chunk,
                        "iterations": ranked[0]["iterations"] if ranked else 0,
                        "candidates": [row["candidate"] for row in ranked],
                        "quality": {row["candidate"]: row[f"{problem.quality.key}_mean"] for row in ranked},
                        "rows": {row["candidate"]: row for row in ranked},
                        "stopped": [row["candidate"] for row in ranked[keep:]]})
        for candidate in alive:
            if candidate.name not in kept:
                stopped[candidate.name] = r + 1
        if verbose and r < len(chunks) - 1:
            print(f"  stopped after round {r + 1}: {', '.join(history[-1]['stopped']) or 'none'}", flush=True)
        alive = [c for c in alive if c.name in kept]
    runs = []
    for candidate in chosen:
        for seed in seeds:
            runs.append(dataclasses.replace(results[candidate.name, seed], stopped_round=stopped.get(candidate.name)))
    return runs, history


def _summary(problem, run):
    if run.diverged:
        return run.failure
    parts = [f"{m.label} {run.metrics[m.key]:.4g}" for m in problem.metrics if m.key in run.metrics]
    return ", ".join(parts + [f"W-osc {run.oscillation:.3f}", f"{run.seconds_per_iteration * 1e3:.1f} ms/iter"])
