"""``compare``: train every candidate with the same budget and seeds, measure, rank, write the leaderboard.

The budget is the paper's unit, **generator iterations**, with the same batch size for
every candidate; each candidate keeps its own number of critic steps per generator step
(its published setting, or ``n_critic`` for all), so the cost per iteration differs and is
reported. Run ``seed`` initialises the weights (``keras.utils.set_random_seed``), orders the
real data and draws the GAN's noise; evaluation samples use seeds derived from it, so two
candidates with the same seed see the same real data and the same evaluation latent codes.

Two ways to spend it:

* ``iterations=N``: every candidate trains ``N`` generator iterations per seed;
* ``budget=B``: **successive halving** (Karnin et al. 2013; Jamieson & Talwalkar 2016) under
  ``B`` generator iterations *in total*, summed over every candidate and seed. With ``n``
  candidates there are ``R = max(1, ⌈log₂ n⌉)`` rounds of ``⌊B / R⌋`` iterations each; in
  round ``r`` the ``n_r`` candidates still in train ``⌊B / (R·n_r·S)⌋`` more iterations on each
  of the ``S`` seeds (continuing where they stopped), are evaluated, and, except after the
  last round, only the better half (``⌈n_r / 2⌉``, ranked as the leaderboard ranks) goes on.
  The others are *stopped*: the leaderboard shows the round they stopped after and ranks them
  below every candidate that went further. Each round draws the real data with the seed
  ``seed + 10000·r``, the same for every candidate; iterations lost to rounding down are not
  spent, so the total is at most ``B``. Every candidate still in the race stays in memory.
"""
import dataclasses
import math
import time

import keras
import numpy as np

from tfgan_gp.callbacks import NaNGuard
from tfgan_gp.data import for_gan
from tfgan_gp.selection import candidates as candidates_lib
from tfgan_gp.selection import hparams as hparams_lib
from tfgan_gp.selection.leaderboard import Leaderboard, RunResult
from tfgan_gp.selection.measures import PeakMemory, RunRecorder, count_params, oscillation
from tfgan_gp.selection.problems import problem as make_problem

ROUND_DATA_SEED_STRIDE = 10_000
KEPT_SAMPLES = {"toy": 512, "images": 16}  # generated samples each run keeps for the report's pictures


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


def train(gan, problem, seed, iterations, batch_size, recorder=None, guard=None, data_seed=None):
    """Train a compiled GAN for ``iterations`` more generator iterations: ``(RunRecorder, failure)``.

    A run whose losses become non-finite stops there; ``failure`` is then the sentence saying where.
    Pass the ``recorder`` and ``guard`` of earlier calls to continue a run (its curves and timings go on);
    ``data_seed`` (default ``seed``) draws the real data.
    """
    data_seed = seed if data_seed is None else data_seed
    data = for_gan(problem.real_data(data_seed), batch_size, gan.real_batches_per_step,
                   shuffle_buffer=problem.shuffle_buffer, seed=data_seed)
    recorder, guard = recorder or RunRecorder(), guard or NaNGuard()
    gan.fit(data, steps_per_epoch=iterations, epochs=1, verbose=0, callbacks=[recorder, guard])
    return recorder, guard.failure


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


def measure(gan, name, problem, seed, recorder, failure, peak_memory_bytes=math.nan, metrics=None):
    """Evaluate a trained GAN (unless it failed) and collect its run's measurements: a :class:`RunResult`.

    ``metrics``: an evaluation already made of this state of the GAN (it is not repeated).
    """
    if metrics is None:
        metrics, failure = _evaluate(gan, problem, seed, failure)
    return RunResult(
        candidate=name, seed=seed, n_critic=gan.n_critic, metrics=metrics,
        oscillation=oscillation(recorder.curves["wasserstein_estimate"]), failure=failure,
        iterations=gan.iteration, seconds_per_iteration=recorder.seconds_per_iteration,
        params_generator=count_params(gan.generator), params_critic=count_params(gan.critic),
        curves=recorder.curves, peak_memory_bytes=peak_memory_bytes,
        samples=None if failure else _kept_samples(gan, problem, seed))


def compare(candidates, dataset, iterations=None, seeds=3, logdir=None, batch_size=None, model_kwargs=None,
            n_critic=None, penalty_weight=None, classifier=None, data_dir=None, problem_kwargs=None,
            jit_compile=False, run_eagerly=False, verbose=True, budget=None):
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
            (``{"dcgan": {"dim": 32}, "mlp": {"width": 256}}``).
        n_critic: critic steps per generator step for every candidate (default: each candidate's own).
        penalty_weight: λ for every candidate with a gradient penalty (default: each candidate's own).
        classifier: for image data: callable ``images -> (logits, pool_features)`` or SavedModel path.
        data_dir, problem_kwargs: passed to the problem's factory (e.g. ``{"eval_samples": 500}``).
        jit_compile: XLA-compile the training step.
        run_eagerly: run the training step eagerly (debugging; no tracing, so also quicker for a few steps).
        verbose: print one line per run and the final table.
        budget: instead of ``iterations``: generator iterations in total, over all candidates and seeds,
            spent by successive halving (see the module docstring).
    """
    problem = make_problem(dataset, classifier=classifier, data_dir=data_dir, **(problem_kwargs or {}))
    chosen = candidates_lib.parse(candidates, problem.kind,
                                  supports=lambda c: problem.supports(c.architecture or problem.architecture))
    if penalty_weight is not None:
        chosen = [c.replace(penalty_weight=penalty_weight) for c in chosen]  # weightless penalties ignore it
    seeds = _seeds(seeds)
    if (iterations is None) == (budget is None):
        raise ValueError(f"Give either iterations (per run) or budget (in total, successive halving), not both "
                         f"or neither. Received: iterations={iterations!r}, budget={budget!r}")
    if iterations is not None and (isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1):
        raise ValueError(f"iterations must be a positive int (generator iterations per run). "
                         f"Received: iterations={iterations!r}")
    schedule = halving_schedule(len(chosen), len(seeds), budget) if budget is not None else None
    batch_size = batch_size or problem.batch_size
    if logdir:
        hparams_lib.write_config(logdir, problem, chosen, seeds, n_critic)
    settings = dict(model_kwargs=model_kwargs, n_critic=n_critic, batch_size=batch_size, jit_compile=jit_compile,
                    run_eagerly=run_eagerly, verbose=verbose)
    if schedule is None:
        runs, history = _fixed(chosen, problem, seeds, iterations, **settings), []
    else:
        runs, history = _successive_halving(chosen, problem, seeds, schedule, **settings)
    if logdir:
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


@dataclasses.dataclass
class _Run:
    """A (candidate, seed) pair in training."""

    candidate: object
    seed: int
    gan: object
    recorder: object
    guard: object
    peak_memory_bytes: float = math.nan
    metrics: dict = dataclasses.field(default_factory=dict)
    failure: object = None


def _build(candidate, problem, seed, model_kwargs, n_critic, jit_compile, run_eagerly):
    return candidate.build(problem, seed, model_kwargs, n_critic, jit_compile=jit_compile, run_eagerly=run_eagerly)


def _fixed(chosen, problem, seeds, iterations, model_kwargs, n_critic, batch_size, jit_compile, run_eagerly,
           verbose):
    runs, total = [], len(chosen) * len(seeds)
    for candidate in chosen:
        for seed in seeds:
            start = time.perf_counter()
            fresh_start(seed)
            with PeakMemory() as memory:  # building counts: weights and optimizer slots are allocated there
                gan = _build(candidate, problem, seed, model_kwargs, n_critic, jit_compile, run_eagerly)
                recorder, failure = train(gan, problem, seed, iterations, batch_size)
            run = measure(gan, candidate.name, problem, seed, recorder, failure, memory.peak_bytes)
            del gan, recorder  # so that the next fresh_start can free this run's models
            runs.append(run)
            if verbose:
                print(f"[{len(runs)}/{total}] {candidate.name} seed {seed}: {_summary(problem, run)} "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
    return runs


def _successive_halving(chosen, problem, seeds, schedule, model_kwargs, n_critic, batch_size, jit_compile,
                        run_eagerly, verbose):
    rounds, per_round = schedule
    keras.backend.clear_session()
    states, results, alive, stopped, history = {}, {}, list(chosen), {}, []
    for r in range(rounds):
        chunk = per_round // (len(alive) * len(seeds))
        if verbose:
            print(f"Round {r + 1}/{rounds}: {len(alive)} candidates × {len(seeds)} seeds, {chunk} more generator "
                  f"iterations each", flush=True)
        for candidate in alive:
            for seed in seeds:
                start = time.perf_counter()
                state = states.get((candidate.name, seed))
                with PeakMemory() as memory:
                    if state is None:
                        keras.utils.set_random_seed(seed)
                        gan = _build(candidate, problem, seed, model_kwargs, n_critic, jit_compile, run_eagerly)
                        state = states[candidate.name, seed] = _Run(candidate, seed, gan, RunRecorder(), NaNGuard())
                    if not state.failure:
                        _, state.failure = train(state.gan, problem, seed, chunk, batch_size, state.recorder,
                                                 state.guard, data_seed=seed + ROUND_DATA_SEED_STRIDE * r)
                state.peak_memory_bytes = max((m for m in (state.peak_memory_bytes, memory.peak_bytes)
                                               if np.isfinite(m)), default=math.nan)
                state.metrics, state.failure = _evaluate(state.gan, problem, seed, state.failure)
                run = results[candidate.name, seed] = _result(state, problem)  # measured once per round
                if verbose:
                    print(f"  {candidate.name} seed {seed}: {_summary(problem, run)} at {run.iterations} iterations "
                          f"({time.perf_counter() - start:.1f} s)", flush=True)
        ranked = Leaderboard(problem, alive, [results[c.name, s] for c in alive for s in seeds], None).rows
        keep = len(alive) if r == rounds - 1 else math.ceil(len(alive) / 2)
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
        if verbose and r < rounds - 1:
            print(f"  stopped after round {r + 1}: {', '.join(history[-1]['stopped']) or 'none'}", flush=True)
        alive = [c for c in alive if c.name in kept]
    runs = []
    for candidate in chosen:
        for seed in seeds:
            runs.append(dataclasses.replace(results[candidate.name, seed], stopped_round=stopped.get(candidate.name)))
    return runs, history


def _result(state, problem):
    return measure(state.gan, state.candidate.name, problem, state.seed, state.recorder, state.failure,
                   state.peak_memory_bytes, metrics=state.metrics)


def _summary(problem, run):
    if run.diverged:
        return run.failure
    parts = [f"{m.label} {run.metrics[m.key]:.4g}" for m in problem.metrics if m.key in run.metrics]
    return ", ".join(parts + [f"W-osc {run.oscillation:.3f}", f"{run.seconds_per_iteration * 1e3:.1f} ms/iter"])
