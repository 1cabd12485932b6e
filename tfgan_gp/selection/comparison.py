"""``compare``: train every candidate with the same budget and seeds, measure, rank, write the leaderboard.

The budget is the paper's unit, **generator iterations**, with the same batch size for
every candidate; each candidate keeps its own number of critic steps per generator step
(its published setting, or ``n_critic`` for all), so the cost per iteration differs and is
reported. Run ``seed`` initialises the weights (``keras.utils.set_random_seed``), orders the
real data and draws the GAN's noise; evaluation samples use seeds derived from it, so two
candidates with the same seed see the same real data and the same evaluation latent codes.
"""
import math
import time

import keras

from tfgan_gp.callbacks import NaNGuard
from tfgan_gp.data import for_gan
from tfgan_gp.selection import candidates as candidates_lib
from tfgan_gp.selection import hparams as hparams_lib
from tfgan_gp.selection.leaderboard import Leaderboard, RunResult
from tfgan_gp.selection.measures import PeakMemory, RunRecorder, count_params, oscillation
from tfgan_gp.selection.problems import problem as make_problem


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


def train(gan, problem, seed, iterations, batch_size):
    """Train a compiled GAN for ``iterations`` generator iterations: ``(RunRecorder, failure)``.

    A run whose losses become non-finite stops there; ``failure`` is then the sentence saying where.
    """
    data = for_gan(problem.real_data(seed), batch_size, gan.real_batches_per_step,
                   shuffle_buffer=problem.shuffle_buffer, seed=seed)
    recorder, guard = RunRecorder(), NaNGuard()
    gan.fit(data, steps_per_epoch=iterations, epochs=1, verbose=0, callbacks=[recorder, guard])
    return recorder, guard.failure


def measure(gan, name, problem, seed, recorder, failure, peak_memory_bytes=math.nan):
    """Evaluate a trained GAN (unless it failed) and collect its run's measurements: a :class:`RunResult`."""
    metrics = {} if failure else {k: float(v) for k, v in problem.evaluate(gan, seed).items()}
    return RunResult(
        candidate=name, seed=seed, n_critic=gan.n_critic, metrics=metrics,
        oscillation=oscillation(recorder.curves["wasserstein_estimate"]), failure=failure,
        iterations=gan.iteration, seconds_per_iteration=recorder.seconds_per_iteration,
        params_generator=count_params(gan.generator), params_critic=count_params(gan.critic),
        curves=recorder.curves, peak_memory_bytes=peak_memory_bytes)


def compare(candidates, dataset, iterations, seeds=3, logdir=None, batch_size=None, model_kwargs=None,
            n_critic=None, penalty_weight=None, classifier=None, data_dir=None, problem_kwargs=None,
            jit_compile=False, run_eagerly=False, verbose=True):
    """Train each candidate under the same budget and seeds; return (and write) the :class:`Leaderboard`.

    Args:
        candidates: catalogue names (a list or one comma-separated string) and/or
            :class:`~tfgan_gp.selection.Candidate` objects. Catalogue names take the published
            settings for the problem's kind of data.
        dataset: a toy name (``8gaussians``, ``25gaussians``, ``swissroll``), an image source
            (tfds name, directory, array file), ``lm1b`` or a ``.txt`` file, or a
            :class:`~tfgan_gp.selection.problems.Problem`.
        iterations: generator iterations per run.
        seeds: number of seeds (``0 … seeds-1``) or a list of seeds.
        logdir: where ``leaderboard.{csv,md,png}``, ``runs.csv`` and the TensorBoard HParams
            sessions go (``None``: write nothing).
        batch_size: critic minibatch size (default: the problem's: 256 toy, 64 otherwise).
        model_kwargs: builder arguments for both networks, e.g. ``{"width": 128}`` (toy MLP) or
            ``{"dim": 32}`` (image and text families).
        n_critic: critic steps per generator step for every candidate (default: each candidate's own).
        penalty_weight: λ for every candidate with a gradient penalty (default: each candidate's own).
        classifier: for image data: callable ``images -> (logits, pool_features)`` or SavedModel path.
        data_dir, problem_kwargs: passed to the problem's factory (e.g. ``{"eval_samples": 500}``).
        jit_compile: XLA-compile the training step.
        run_eagerly: run the training step eagerly (debugging; no tracing, so also quicker for a few steps).
        verbose: print one line per run and the final table.
    """
    problem = make_problem(dataset, classifier=classifier, data_dir=data_dir, **(problem_kwargs or {}))
    chosen = candidates_lib.parse(candidates, problem.kind)
    if penalty_weight is not None:
        chosen = [c.replace(penalty_weight=penalty_weight) for c in chosen]  # weightless penalties ignore it
    seeds = _seeds(seeds)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be a positive int (generator iterations per run). "
                         f"Received: iterations={iterations!r}")
    batch_size = batch_size or problem.batch_size
    if logdir:
        hparams_lib.write_config(logdir, problem, chosen, seeds, n_critic)
    runs, total = [], len(chosen) * len(seeds)
    for candidate in chosen:
        for seed in seeds:
            start = time.perf_counter()
            fresh_start(seed)
            with PeakMemory() as memory:  # building counts: weights and optimizer slots are allocated there
                gan = candidate.build(problem, seed, model_kwargs, n_critic, jit_compile=jit_compile,
                                      run_eagerly=run_eagerly)
                recorder, failure = train(gan, problem, seed, iterations, batch_size)
            run = measure(gan, candidate.name, problem, seed, recorder, failure, memory.peak_bytes)
            del gan, recorder  # so that the next fresh_start can free this run's models
            runs.append(run)
            if logdir:
                hparams_lib.write_run(logdir, problem, candidate, run)
            if verbose:
                print(f"[{len(runs)}/{total}] {candidate.name} seed {seed}: {_summary(problem, run)} "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
    board = Leaderboard(problem, chosen, runs, iterations)
    if logdir:
        board.write(logdir)
    if verbose:
        print(f"\n{board.caption()}\n\n{board.markdown()}")
    return board


def _summary(problem, run):
    if run.diverged:
        return run.failure
    parts = [f"{m.label} {run.metrics[m.key]:.4g}" for m in problem.metrics if m.key in run.metrics]
    return ", ".join(parts + [f"W-osc {run.oscillation:.3f}", f"{run.seconds_per_iteration * 1e3:.1f} ms/iter"])
