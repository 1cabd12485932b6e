"""The leaderboard of a comparison: per-candidate aggregates over seeds, as CSV, Markdown and a PNG.

One row per candidate, ranked by the problem's quality metric (mean over the seeds whose run
finished; ties broken by mode coverage), after two coarser keys: under a successive-halving
budget, how far the candidate got (a candidate stopped after round ``r`` ranks below every one
that trained longer), and then whether any of its runs failed (a candidate whose runs all
finished ranks above one with a failed run). Columns:

* quality and coverage metrics: mean and sample standard deviation over seeds — the standard
  deviation of the quality metric is the *spread across seeds* (stability between runs);
* ``oscillation``: mean over seeds of :func:`~tfgan_gp.selection.measures.oscillation` of the
  critic's Wasserstein estimate per generator iteration (stability within a run);
* ``diverged``: runs stopped by a non-finite loss (their metrics are left out of the means);
* cost: median seconds per generator iteration (and the standard deviation across seeds, the timing
  noise), trainable parameters of G and D, and the largest peak allocator memory of a run;
* under a budget: ``iterations`` each run trained and ``stopped``, the round after which
  successive halving stopped the candidate (empty for those that trained to the end).
"""
import csv
import dataclasses
import math
import os
from typing import List, Optional

import numpy as np

FILES = {"csv": "leaderboard.csv", "markdown": "leaderboard.md", "png": "leaderboard.png", "runs_csv": "runs.csv"}

@dataclasses.dataclass
class RunResult:
    """One trained candidate/seed pair."""

    candidate: str
    seed: int
    n_critic: int
    metrics: dict
    oscillation: float
    failure: object  # None, or the sentence saying where the run stopped
    iterations: int
    seconds_per_iteration: float
    params_generator: int
    params_critic: int
    curves: dict
    peak_memory_bytes: float = math.nan
    samples: object = None        # a few generated samples (numpy) for the report's pictures, or None
    stopped_round: Optional[int] = None  # successive halving stopped the candidate after this round

    @property
    def diverged(self):
        return self.failure is not None


def _stats(values):
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], np.float64)
    mean = float(values.mean()) if len(values) else math.nan
    std = float(values.std(ddof=1)) if len(values) > 1 else math.nan
    return mean, std


def nothing_to_draw(values, missing, all_zero):
    """Why bars of ``values`` would be empty axes: ``missing`` when none is finite, ``all_zero`` when every finite one
    is 0; ``None`` when there is something to draw."""
    finite = [v for v in values if v is not None and np.isfinite(v)]
    if not finite:
        return missing
    return all_zero if not any(finite) else None


def _fmt(value):
    """Integers with thousands separators, floats to 3 significant digits, missing values as a dash."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return f"{value:.3g}"


def _mean_std(mean, std):
    return _fmt(mean) if not np.isfinite(std) else f"{_fmt(mean)} ± {_fmt(std)}"


@dataclasses.dataclass
class Leaderboard:
    """Results of :func:`tfgan_gp.selection.compare`: ``rows`` (ranked, one dict per candidate) and ``runs``."""

    problem: object
    candidates: list
    runs: List[RunResult]
    iterations: Optional[int]     # per run; None under a budget
    budget: Optional[int] = None  # generator iterations in total (successive halving)
    # successive halving, one dict per round: round, iterations_per_run, iterations (each run's total by then),
    # candidates (ranked), quality ({name: mean}), rows ({name: that round's leaderboard row}), stopped
    history: list = dataclasses.field(default_factory=list)
    rows: list = dataclasses.field(init=False)
    paths: dict = dataclasses.field(init=False, default_factory=dict)

    def __post_init__(self):
        self.rows = sorted((self._row(c) for c in self.candidates), key=self._rank_key)
        for rank, row in enumerate(self.rows, 1):
            row["rank"] = rank

    # ------------------------------------------------------------ aggregation
    def _row(self, candidate):
        runs = [r for r in self.runs if r.candidate == candidate.name]
        finished = [r for r in runs if not r.diverged]
        row = {"candidate": candidate.name, **candidate.answers(self.problem.architecture),
               "n_critic": runs[0].n_critic if runs else candidate.gan.n_critic,
               "seeds": len(runs), "iterations": max((r.iterations for r in runs), default=0),
               "stopped": runs[0].stopped_round if runs else None}
        for metric in self.problem.metrics:
            row[f"{metric.key}_mean"], row[f"{metric.key}_std"] = _stats(r.metrics.get(metric.key) for r in finished)
        row["oscillation_mean"], row["oscillation_std"] = _stats(r.oscillation for r in runs)
        row["diverged_runs"] = len(runs) - len(finished)
        row["sec_per_iter"] = float(np.median([r.seconds_per_iteration for r in runs])) if runs else math.nan
        row["sec_per_iter_std"] = _stats(r.seconds_per_iteration for r in runs)[1]
        row["params_generator"] = runs[0].params_generator if runs else 0
        row["params_critic"] = runs[0].params_critic if runs else 0
        memory = [r.peak_memory_bytes for r in runs if np.isfinite(r.peak_memory_bytes)]
        row["peak_memory_mib"] = max(memory) / 2 ** 20 if memory else math.nan
        return row

    def _rank_key(self, row):
        def key(metric):
            if metric is None:
                return 0.0
            value = row[f"{metric.key}_mean"]
            if not np.isfinite(value):
                return math.inf
            return -value if metric.higher_is_better else value
        reached = -(row["stopped"] if row["stopped"] is not None else math.inf)
        return reached, row["diverged_runs"] > 0, key(self.problem.quality), key(self.problem.coverage)

    @property
    def halving(self):
        """Whether the comparison spent a budget by successive halving."""
        return self.budget is not None

    @property
    def rounds(self):
        return len(self.history)

    # --------------------------------------------------------------- outputs
    def columns(self):
        """``[(csv key, Markdown header)]`` in display order."""
        def arrow(metric):
            return f"{metric.label} {'↑' if metric.higher_is_better else '↓'}"
        cols = [("rank", "rank"), ("candidate", "candidate"), ("loss", "loss"),
                ("regularization", "regularization"), ("divergence", "divergence")]
        cols += [(f"{m.key}_mean", arrow(m)) for m in self.problem.metrics]
        cols += [("oscillation_mean", "W-osc ↓"), ("diverged_runs", "diverged"), ("sec_per_iter", "s/iter"),
                 ("params_generator", "params G"), ("params_critic", "params D"), ("peak_memory_mib", "peak MiB")]
        if self.halving:
            cols += [("iterations", "iterations"), ("stopped", "stopped")]
        return cols

    def markdown(self):
        """The leaderboard as a Markdown table (metrics as mean ± std over seeds)."""
        cols = self.columns()
        lines = ["| " + " | ".join(header for _, header in cols) + " |",
                 "|" + "|".join("---" if key in ("candidate", "loss", "regularization", "divergence") else "--:"
                                for key, _ in cols) + "|"]
        for row in self.rows:
            cells = []
            for key, _ in cols:
                if key.endswith("_mean"):
                    cells.append(_mean_std(row[key], row[key[:-5] + "_std"]))
                elif key == "diverged_runs":
                    cells.append(f"{row[key]}/{row['seeds']}")
                elif key == "stopped":
                    cells.append("–" if row[key] is None else f"after round {row[key]} of {self.rounds}")
                elif isinstance(row[key], str):
                    cells.append(row[key])
                else:
                    cells.append(_fmt(row[key]))
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def caption(self):
        quality = self.problem.quality
        seeds = len(self.runs) // max(1, len(self.candidates))
        if self.halving:
            spent = sum(r.iterations for r in self.runs)
            budget = (f"successive halving under a budget of {self.budget:,} generator iterations in total "
                      f"({spent:,} spent) over {self.rounds} round{'s' * (self.rounds != 1)}, keeping the better "
                      f"half after each; candidates stopped earlier rank lower")
        else:
            budget = f"{self.iterations} generator iterations each"
        return (f"{self.problem.name}: {len(self.candidates)} candidates × {seeds} seed{'s' * (seeds != 1)}, "
                f"{budget}; ranked by {quality.label} "
                f"({'higher' if quality.higher_is_better else 'lower'} is better), candidates with a failed run "
                f"last; ± is the standard deviation across seeds; W-osc: oscillation of the critic's Wasserstein "
                f"estimate (0 monotone, 1 zig-zag).")

    def write(self, logdir):
        """Write ``leaderboard.csv``, ``leaderboard.md``, ``leaderboard.png`` and ``runs.csv``; return their paths."""
        os.makedirs(logdir, exist_ok=True)
        paths = {key: os.path.join(logdir, name) for key, name in FILES.items()}
        self._write_csv(paths["csv"], self.rows)
        self._write_csv(paths["runs_csv"], [self._run_row(r) for r in self.runs])
        with open(paths["markdown"], "w", encoding="utf-8") as f:
            f.write(f"{self.caption()}\n\n{self.markdown()}\n")
        from tfgan_gp import plotting

        plotting.save_png(plotting.figure_png(self.figure()), paths["png"])
        self.paths = paths
        return paths

    def _run_row(self, run):
        row = {"candidate": run.candidate, "seed": run.seed, "n_critic": run.n_critic, "iterations": run.iterations,
               "diverged": run.diverged, "failure": run.failure or "",
               "stopped": "" if run.stopped_round is None else run.stopped_round}
        row.update({m.key: run.metrics.get(m.key, math.nan) for m in self.problem.metrics})
        row.update(oscillation=run.oscillation, sec_per_iter=run.seconds_per_iteration,
                   params_generator=run.params_generator, params_critic=run.params_critic,
                   peak_memory_mib=run.peak_memory_bytes / 2 ** 20)
        return row

    @staticmethod
    def _write_csv(path, rows):
        keys = list(rows[0]) if rows else []
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)

    def figure(self):
        """A 2×3 figure: quality, coverage and oscillation bars, cost vs quality, Wasserstein-estimate curves,
        parameters."""
        from tfgan_gp import plotting

        names = [row["candidate"] for row in self.rows]
        x = np.arange(len(names))
        fig, axes = plotting.subplots(2, 3, figsize=(15, 8.5))
        seeds = max((row["seeds"] for row in self.rows), default=0)

        def bars(ax, key, title, label):
            means = [row[f"{key}_mean"] for row in self.rows]
            stds = [row.get(f"{key}_std", math.nan) for row in self.rows]
            reason = nothing_to_draw(means, "no run finished", f"{label}: 0 for every candidate")
            if reason:
                plotting.note(ax, reason, title)
                return
            ax.bar(x, np.nan_to_num(means), yerr=np.nan_to_num(stds), capsize=3, color="tab:blue", alpha=0.8)
            ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
            ax.set_title(title, fontsize=10)

        quality, coverage = self.problem.quality, self.problem.coverage
        bars(axes[0, 0], quality.key, f"{quality.label} ({'higher' if quality.higher_is_better else 'lower'} "
                                      f"is better), mean ± std over seeds", quality.label)
        if coverage is not None:
            bars(axes[0, 1], coverage.key, f"mode coverage: {coverage.label} (higher is better)", coverage.label)
        else:
            plotting.note(axes[0, 1], f"{self.problem.name} has no modes to count", "mode coverage")
        bars(axes[0, 2], "oscillation", "oscillation of the Wasserstein estimate (lower is steadier)", "W-osc")
        if seeds < 2:
            axes[0, 0].set_xlabel("one seed: no spread across seeds (--seeds 2 or more)", fontsize=8)

        ax = axes[1, 0]
        cost = [row["sec_per_iter"] for row in self.rows]
        ax.scatter(cost, [row[f"{quality.key}_mean"] for row in self.rows], color="tab:red")
        for name, c, q in zip(names, cost, (row[f"{quality.key}_mean"] for row in self.rows)):
            if np.isfinite(c) and np.isfinite(q):
                ax.annotate(name, (c, q), fontsize=8, xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel("seconds per generator iteration")
        ax.set_ylabel(quality.label)
        ax.set_title("cost vs quality", fontsize=10)

        ax = axes[1, 1]
        for name in names:
            curves = [np.asarray(r.curves["wasserstein_estimate"]) for r in self.runs if r.candidate == name]
            length = min(len(c) for c in curves) if curves else 0
            if length:
                ax.plot(np.arange(1, length + 1), np.mean([c[:length] for c in curves], axis=0), label=name,
                        linewidth=0.8)
        ax.set_xlabel("generator iteration")
        ax.set_title("critic's Wasserstein estimate E[D(x)] − E[D(G(z))], mean over seeds", fontsize=10)
        ax.legend(fontsize=7)

        ax = axes[1, 2]
        ax.bar(x, np.nan_to_num([row["params_generator"] + row["params_critic"] for row in self.rows]),
               color="tab:gray")
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
        ax.set_title("trainable parameters (G + D)", fontsize=10)
        fig.suptitle(self.caption(), fontsize=9, wrap=True)
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        return fig
