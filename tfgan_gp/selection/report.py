"""The selection report: one page (Markdown + PNG) answering the four questions for your data, with evidence.

:class:`Report` reads a :class:`~tfgan_gp.selection.leaderboard.Leaderboard` (what
:func:`~tfgan_gp.selection.compare` measured) and the recommender's priors
(:func:`~tfgan_gp.selection.recommend`, whose reasons cite the selection framework's findings)
and writes ``report.md`` and ``report.png``:

* the **verdict**: which candidate to use and why, in numbers;
* the **four questions** (architecture, loss, regularization, divergence): for each answer that
  was tried, its best candidate and that candidate's evidence; the answer the verdict gives; and
  the framework's findings on that question next to what was measured here;
* the **evidence**: quality, stability across seeds, mode collapse and cost of every candidate,
  and, under a budget, the rounds of successive halving.

How the verdict is chosen. Candidates that trained to the end (not stopped by successive halving)
and whose runs all finished are eligible (if none is, those that trained to the end). Each is
ranked on every *measured* criterion among the priorities: ``quality`` (the problem's quality
metric, mean over seeds), ``stability`` (its standard deviation across seeds; needs 2 seeds or
more), ``mode_coverage`` (the coverage metric, where the problem has one) and ``cost`` (seconds
per generator iteration). Ranks are scaled to ``[0, 1]`` (0 best, ties share their mean rank)
and averaged with the priority weights of :func:`~tfgan_gp.selection.advice.priority_weights`;
the lowest score wins, ties going to the better quality. ``gradients`` and ``convergence`` are
not measured: they weigh only in the recommender's prior, which the report shows beside it.
"""
import dataclasses
import math
import os

import numpy as np

from tfgan_gp import losses
from tfgan_gp.callbacks.samples import image_grid
from tfgan_gp.selection import advice
from tfgan_gp.selection import candidates as candidates_lib

FILES = {"markdown": "report.md", "png": "report.png"}
MEASURED = ("quality", "stability", "mode_coverage", "cost")


def architecture_answer(candidate, problem):
    """The architecture a candidate answers: its family, with the normalization it sets explicitly."""
    answer = candidate.gan.architecture or problem.architecture
    notes = [f"{kwargs['normalization']} norm in {role}"
             for role, kwargs in (("G", candidate.gan.generator_kwargs), ("D", candidate.gan.critic_kwargs))
             if "normalization" in kwargs]
    return answer + (f" ({', '.join(notes)})" if notes else "")


def _answer(candidate, problem, question):
    if question == "architecture":
        return architecture_answer(candidate, problem)
    return candidate.answers()[question]


def _fmt(value, digits=3):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    return f"{value:.{digits}g}"


def _scaled_ranks(values, lower_is_better):
    """Ranks of ``values`` scaled to ``[0, 1]`` (0 best); ties share their mean rank, missing values rank last."""
    values = np.asarray(values, np.float64)
    key = np.where(np.isfinite(values), values if lower_is_better else -values, np.inf)
    order = np.argsort(key, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=np.float64)
    for v in np.unique(key):  # ties: the mean of their ranks
        ranks[key == v] = ranks[key == v].mean()
    return ranks / max(len(values) - 1, 1)


@dataclasses.dataclass
class Report:
    """The one-page answer of a comparison.

    Args:
        board: the :class:`~tfgan_gp.selection.leaderboard.Leaderboard` of :func:`compare`.
        priorities: as for :func:`~tfgan_gp.selection.recommend` (default: quality, stability,
            mode coverage).
    """

    board: object
    priorities: object = None
    weights: dict = dataclasses.field(init=False)
    recommendations: dict = dataclasses.field(init=False)
    scores: dict = dataclasses.field(init=False)
    verdict: object = dataclasses.field(init=False)
    paths: dict = dataclasses.field(init=False, default_factory=dict)

    def __post_init__(self):
        self.weights = advice.priority_weights(self.priorities)
        problem = self.board.problem
        known = [c.name for c in self.board.candidates if c.name in advice.KNOWLEDGE]
        ranked = advice.recommend(problem.kind, self.weights, known) if known else []
        self.recommendations = {r.candidate.name: r for r in ranked}
        self.rows = {row["candidate"]: row for row in self.board.rows}
        self.candidates = {c.name: c for c in self.board.candidates}
        self.scores = self._measured_scores()
        self.verdict = min(self.scores, key=lambda n: (self.scores[n], self.rows[n]["rank"])) if self.scores else None

    # ---------------------------------------------------------------- measures
    def measure(self, name, criterion, row=None):
        """A candidate's measured value for a criterion (``nan`` where it is not measured); ``row``: another
        leaderboard row of it (a round of successive halving) instead of the final one."""
        row, problem = row or self.rows[name], self.board.problem
        if criterion == "quality":
            return row[f"{problem.quality.key}_mean"]
        if criterion == "stability":
            return row[f"{problem.quality.key}_std"]
        if criterion == "mode_coverage":
            return row[f"{problem.coverage.key}_mean"] if problem.coverage else math.nan
        if criterion == "cost":
            return row["sec_per_iter"]
        raise ValueError(f"Unknown measured criterion. Received: criterion={criterion!r}")

    def _lower_is_better(self, criterion):
        problem = self.board.problem
        if criterion == "quality":
            return not problem.quality.higher_is_better
        return criterion != "mode_coverage"

    def measured_weights(self):
        """The priority weights of the criteria this comparison measured (all of them, if none was prioritised)."""
        measurable = [c for c in MEASURED if not (c == "mode_coverage" and self.board.problem.coverage is None)]
        seeds = max((row["seeds"] for row in self.board.rows), default=0)
        if seeds < 2:
            measurable.remove("stability")
        weights = {c: self.weights[c] for c in measurable if self.weights.get(c, 0.0) > 0}
        return weights or {c: 1.0 for c in measurable}

    def eligible(self):
        """Candidates that trained to the end without a failed run (else those that trained to the end)."""
        finalists = [r["candidate"] for r in self.board.rows if r["stopped"] is None]
        clean = [n for n in finalists if self.rows[n]["diverged_runs"] == 0
                 and np.isfinite(self.measure(n, "quality"))]
        return clean or finalists

    def _measured_scores(self):
        names = self.eligible()
        if not names:
            return {}
        weights, total = self.measured_weights(), 0.0
        scores = np.zeros(len(names))
        for criterion, weight in weights.items():
            scores += weight * _scaled_ranks([self.measure(n, criterion) for n in names],
                                             self._lower_is_better(criterion))
            total += weight
        return dict(zip(names, scores / total))

    # ---------------------------------------------------------------- words
    def _evidence(self, name):
        problem, row = self.board.problem, self.rows[name]
        quality = f"{problem.quality.label} {_fmt(self.measure(name, 'quality'))}"
        parts = [f"{quality} ± {_fmt(self.measure(name, 'stability'))} across seeds"]
        if problem.coverage:
            parts.append(f"{problem.coverage.label} {_fmt(self.measure(name, 'mode_coverage'))}")
        parts.append(f"{self.measure(name, 'cost') * 1e3:.3g} ms/iteration")
        if row["diverged_runs"]:
            parts.append(f"{row['diverged_runs']}/{row['seeds']} runs failed")
        if row["stopped"] is not None:
            parts.append(f"stopped after round {row['stopped']} at {row['iterations']:,} iterations")
        return ", ".join(parts)

    def _criterion_line(self, name, criterion, names):
        values = [self.measure(n, criterion) for n in names]
        lower = self._lower_is_better(criterion)
        mine = values[names.index(name)]
        better = sum(1 for v in values if np.isfinite(v) and ((v < mine) if lower else (v > mine)))
        tied = sum(1 for v in values if v == mine) - 1
        position = f"{better + 1}" + (f" (tied with {tied} other{'s' * (tied != 1)})" if tied else "")
        problem = self.board.problem
        label = {"quality": f"quality ({problem.quality.label}, {'lower' if lower else 'higher'} is better)",
                 "stability": f"stability across seeds (standard deviation of {problem.quality.label})",
                 "mode_coverage": f"mode collapse ({problem.coverage.label if problem.coverage else ''} covered)",
                 "cost": "cost (seconds per generator iteration)"}[criterion]
        value = self.measure(name, criterion)
        shown = f"{value * 1e3:.3g} ms" if criterion == "cost" else _fmt(value)
        return f"{label}: {shown}, {position} of {len(names)}"

    def verdict_lines(self):
        """The verdict and why, as Markdown lines."""
        board, problem = self.board, self.board.problem
        if self.verdict is None:
            return ["**No verdict**: no candidate trained to the end. Give a larger budget or fewer candidates."]
        name, candidate = self.verdict, self.candidates[self.verdict]
        names = sorted(self.scores, key=lambda n: (self.scores[n], self.rows[n]["rank"]))
        answers = ", ".join(f"{q} **{_answer(candidate, problem, q)}**" for q in candidates_lib.QUESTIONS)
        lines = [f"**Verdict: use `{name}`** — {answers}.", "", candidate.summary, "",
                 f"Why, measured on {problem.name} ({self._budget_words()}), among the {len(names)} candidate"
                 f"{'s' * (len(names) != 1)} that trained to the end without failing:"]
        for criterion, weight in self.measured_weights().items():
            lines.append(f"- {self._criterion_line(name, criterion, names)} (priority weight {weight:g})")
        lines.append(f"- score {self.scores[name]:.2f} (0 = best on every measured priority)"
                     + (f"; runner-up `{names[1]}` {self.scores[names[1]]:.2f}: {self._evidence(names[1])}"
                        if len(names) > 1 else ""))
        best_quality = board.rows[0]["candidate"]
        if best_quality != name and board.rows[0]["stopped"] is None:
            lines.append(f"- `{best_quality}` ranks first on {problem.quality.label} alone "
                         f"({self._evidence(best_quality)}), but loses on the other priorities.")
        recommendation = self.recommendations.get(name)
        if recommendation:
            n = len(self.recommendations)
            agreement = ("agrees with" if recommendation.rank <= max(3, n // 4) else "differs from")
            lines += ["", f"The published evidence {agreement} this: the recommender (the selection framework's "
                          f"ratings, no training) ranks `{name}` {recommendation.rank} of {n} for {problem.kind} data "
                          f"with these priorities; its reasons:"]
            lines += [f"- {reason}" for reason in recommendation.reasons[:4]]
            top = next(iter(self.recommendations.values()))
            if top.candidate.name != name:
                lines.append(f"- (the recommender's own first choice, `{top.candidate.name}`, measured: "
                             f"{self._evidence(top.candidate.name)})")
        return lines

    def _budget_words(self):
        board = self.board
        seeds = max((row["seeds"] for row in board.rows), default=0)
        if board.halving:
            return (f"successive halving under {board.budget:,} generator iterations in total, {seeds} seed"
                    f"{'s' * (seeds != 1)}")
        return f"{board.iterations:,} generator iterations per run, {seeds} seed{'s' * (seeds != 1)}"

    def question_lines(self, question):
        """One question: each answer tried with its best candidate and evidence, the answer, the findings."""
        problem = self.board.problem
        best = {}
        for row in self.board.rows:  # leaderboard order: the first candidate of an answer is its best
            best.setdefault(_answer(self.candidates[row["candidate"]], problem, question), row["candidate"])
        lines = [f"### {question.capitalize()}", "",
                 f"| {question} | its best candidate | evidence |", "|---|---|---|"]
        for answer, name in best.items():
            chosen = self.verdict is not None and answer == _answer(self.candidates[self.verdict], problem, question)
            mark = "**" if chosen else ""
            lines.append(f"| {mark}{answer}{mark} | `{name}` | {self._evidence(name)} |")
        if self.verdict is not None:
            answer = _answer(self.candidates[self.verdict], problem, question)
            others = len(best) - 1
            lines += ["", f"Answer for {problem.name}: **{answer}** (the verdict's; {others} other answer"
                          f"{'s' * (others != 1)} tried)."]
        findings = [key for key, (q, _) in advice.FINDINGS.items() if q == question]
        if findings:
            lines += ["", f"The framework's findings on this question ({advice.FRAMEWORK}), and what was measured "
                          f"here:"]
            for key in findings:
                lines.append(f"- {advice.FINDINGS[key][1]}{self._check(key) or ' — not measured here.'}")
        return lines

    def _best_with(self, predicate):
        """The best candidate (leaderboard order) satisfying ``predicate`` with a finite quality, or ``None``."""
        for row in self.board.rows:
            if predicate(self.candidates[row["candidate"]]) and np.isfinite(self.measure(row["candidate"], "quality")):
                return row["candidate"]
        return None

    def _common_rows(self, a, b):
        """Rows of ``a`` and ``b`` measured after the same number of iterations, and the words saying when.

        The final rows when both trained to the end (or without a budget); else those of the last round of
        successive halving that both took part in.
        """
        if self.rows[a]["stopped"] is None and self.rows[b]["stopped"] is None:
            return self.rows[a], self.rows[b], ""
        for entry in reversed(self.board.history):
            if a in entry["rows"] and b in entry["rows"]:
                return (entry["rows"][a], entry["rows"][b],
                        f" after round {entry['round']} ({entry['iterations']:,} iterations each)")
        return None, None, ""

    def _versus(self, a, b, criteria):
        """``— measured: a against b: ...`` on ``criteria``, compared after equal training."""
        if a is None or b is None or a == b:
            return ""
        row_a, row_b, when = self._common_rows(a, b)
        if row_a is None:
            return ""
        parts = []
        for criterion in criteria:
            va, vb = self.measure(a, criterion, row_a), self.measure(b, criterion, row_b)
            if not (np.isfinite(va) and np.isfinite(vb)):
                continue
            better = (va < vb) == self._lower_is_better(criterion)
            word = {"quality": "quality", "stability": "spread across seeds", "cost": "cost per iteration",
                    "mode_coverage": "mode coverage"}[criterion]
            verdict = "equal" if va == vb else ("better" if better else "worse")
            parts.append(f"{word} {verdict} ({_fmt(va, 4)} vs {_fmt(vb, 4)})")
        return f"`{a}` against `{b}`{when}: " + ", ".join(parts) if parts else ""

    def _pair(self, a, b, criteria):
        """``_versus`` of two named candidates (empty unless both were compared)."""
        return self._versus(a if a in self.rows else None, b if b in self.rows else None, criteria)

    def _check(self, key):
        """`` — measured: ...``: what this comparison measured about finding ``key`` (empty when it cannot tell)."""
        found = [text for text in self._measured_about(key) if text]
        return " — measured: " + "; ".join(found) + "." if found else ""

    def _measured_about(self, key):
        if key == "strong_candidates":
            ranks = [f"`{row['candidate']}` {row['rank']}" + ("" if row["stopped"] is None
                                                               else f" (stopped after round {row['stopped']})")
                     for row in self.board.rows if row["candidate"] in advice.FRAMEWORK_PICKS]
            return [f"ranks of {len(self.board.rows)}: " + ", ".join(ranks)] if ranks else []
        if key == "generalisation":  # the quality metric is measured against held-out real data
            return [self._pair(a, "dcgan", ("quality", "stability")) for a in ("loss_sensitive", "sngan")]
        if key == "f_divergences":
            ranks = [f"`{row['candidate']}` {row['rank']}" for row in self.board.rows
                     if self.candidates[row["candidate"]].gan.loss.startswith(losses.F_GAN_PREFIX)]
            return [f"the f-GANs rank, of {len(self.board.rows)}: " + ", ".join(ranks)] if ranks else []
        return [self._measured_pair(key)]

    def _measured_pair(self, key):
        if key == "relativism":
            return self._pair("ralsgan", "lsgan", ("quality", "stability"))
        if key == "batch_norm" and self.board.problem.kind == "toy":  # same loss and MLPs: only G's batch norm differs
            return self._pair("dcgan", "fc_gan", ("quality", "stability"))
        if key == "gp_quality":
            gp = self._best_with(lambda c: c.gan.penalty in ("gp", "gp_one_sided", "dragan"))
            none = self._best_with(lambda c: c.gan.penalty == "none")
            return self._versus(gp, none, ("quality", "stability"))
        if key == "sn_cost":
            sn = self._best_with(lambda c: c.gan.spectral_norm)
            gp = self._best_with(lambda c: c.gan.penalty in ("gp", "gp_one_sided"))
            return self._versus(sn, gp, ("cost",))
        return ""

    def evidence_lines(self):
        """The evidence table: every candidate, leaderboard order."""
        problem = self.board.problem
        cols = ["rank", "candidate", f"{problem.quality.label} (± across seeds)"]
        cols += [problem.coverage.label] if problem.coverage else []
        cols += ["W-osc", "failed runs", "ms/iter", "iterations", "stopped"]
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" if c == "candidate" else "--:" for c in cols)
                 + "|"]
        for row in self.board.rows:
            name = row["candidate"]
            cells = [str(row["rank"]), f"**`{name}`**" if name == self.verdict else f"`{name}`",
                     f"{_fmt(self.measure(name, 'quality'))} ± {_fmt(self.measure(name, 'stability'))}"]
            cells += [_fmt(self.measure(name, "mode_coverage"))] if problem.coverage else []
            cells += [_fmt(row["oscillation_mean"]), f"{row['diverged_runs']}/{row['seeds']}",
                      f"{row['sec_per_iter'] * 1e3:.3g}", f"{row['iterations']:,}",
                      "–" if row["stopped"] is None else f"round {row['stopped']}"]
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    def markdown(self):
        """The whole report as Markdown."""
        board = self.board
        lines = [f"# Which GAN for {board.problem.name}?", ""] + self.verdict_lines()
        lines += ["", "## The four questions", "",
                  f"Each table lists the answers that were tried, each with its best candidate (leaderboard order); "
                  f"the verdict's answer is in bold. Findings cite the {advice.FRAMEWORK}.", ""]
        for question in candidates_lib.QUESTIONS:
            lines += self.question_lines(question) + [""]
        lines += ["## Evidence", "", board.caption(), ""] + self.evidence_lines()
        if board.halving:
            lines += ["", "### Successive halving", "", "| round | iterations per run | candidates | stopped |",
                      "|--:|--:|--:|---|"]
            for entry in board.history:
                stopped = ", ".join(f"`{n}`" for n in entry["stopped"]) or "–"
                lines.append(f"| {entry['round']} | {entry['iterations_per_run']:,} | {len(entry['candidates'])} "
                             f"| {stopped} |")
        lines += ["", "## How to read this", "",
                  "- The verdict weighs only what was measured here (quality, spread across seeds, mode coverage, "
                  "cost) by your priorities; the recommender's prior adds the published evidence. A short budget "
                  "favours methods that learn fast, not necessarily those that end best: confirm the finalists with "
                  "longer runs (`--candidates a,b --iterations N`).",
                  "- Spread across seeds needs at least two seeds; numbers from different budgets or sample counts "
                  "do not compare.", ""]
        return "\n".join(lines)

    # ---------------------------------------------------------------- picture
    def figure(self):
        """One page: quality and spread, mode coverage, cost vs quality, the verdict's samples, the four answers."""
        from tfgan_gp import plotting

        board, problem = self.board, self.board.problem
        fig, axes = plotting.subplots(2, 3, figsize=(16, 9.5))
        names = [row["candidate"] for row in board.rows]
        x = np.arange(len(names))
        colours = ["tab:red" if n == self.verdict else ("0.7" if self.rows[n]["stopped"] is not None else "tab:blue")
                   for n in names]

        def bars(ax, criterion, title, errors=None):
            values = np.array([self.measure(n, criterion) for n in names], np.float64)
            finite = values[np.isfinite(values)]
            cap = np.percentile(finite, 90) * 3 if finite.size and criterion == "quality" else None
            shown = np.nan_to_num(values if cap is None else np.minimum(values, cap))
            ax.bar(x, shown, yerr=None if errors is None else np.nan_to_num(errors), capsize=2, color=colours)
            ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
            ax.set_title(title, fontsize=9)

        lower = "lower" if not problem.quality.higher_is_better else "higher"
        bars(axes[0, 0], "quality", f"{problem.quality.label} ({lower} is better), mean ± std over seeds "
                                    f"(red: verdict, grey: stopped)",
             errors=[self.measure(n, "stability") for n in names])
        if problem.coverage is not None:
            bars(axes[0, 1], "mode_coverage", f"mode collapse: {problem.coverage.label} (higher is better)")
        else:
            bars(axes[0, 1], "stability", f"spread of {problem.quality.label} across seeds (lower is better)")
        ax = axes[0, 2]
        for n, c in zip(names, colours):
            cost, quality = self.measure(n, "cost"), self.measure(n, "quality")
            if np.isfinite(cost) and np.isfinite(quality):
                ax.scatter(cost * 1e3, quality, color=c, s=30 if n == self.verdict else 12)
                if self.rows[n]["stopped"] is None:  # names of the finalists only: the stopped ones crowd
                    ax.annotate(n, (cost * 1e3, quality), fontsize=7, xytext=(2, 2), textcoords="offset points")
        ax.set_xlabel("ms per generator iteration", fontsize=8)
        ax.set_ylabel(problem.quality.label, fontsize=8)
        finite = [self.measure(n, "quality") for n in names if np.isfinite(self.measure(n, "quality"))]
        if finite and not problem.quality.higher_is_better:
            ax.set_yscale("log")
        ax.set_title("cost vs quality (named: candidates that trained to the end)", fontsize=9)

        self._draw_samples(axes[1, 0])
        bars(axes[1, 1], "stability", f"stability: spread of {problem.quality.label} across seeds (lower is better)")
        ax = axes[1, 2]
        ax.set_axis_off()
        text = [f"Verdict: {self.verdict or 'none'}", ""]
        if self.verdict is not None:
            candidate = self.candidates[self.verdict]
            text += [f"{q}: {_answer(candidate, problem, q)}" for q in candidates_lib.QUESTIONS]
            text += ["", f"score {self.scores[self.verdict]:.2f} (0 best) on", ", ".join(self.measured_weights())]
        ax.text(0.0, 1.0, "\n".join(text), va="top", fontsize=10, family="monospace", transform=ax.transAxes)
        fig.suptitle(f"Which GAN for {problem.name}? {board.caption()}", fontsize=8, wrap=True)
        fig.tight_layout(rect=(0, 0, 1, 0.94))
        return fig

    def _draw_samples(self, ax):
        problem = self.board.problem
        run = next((r for r in self.board.runs if r.candidate == self.verdict and r.samples is not None), None)
        if run is None:
            ax.set_axis_off()
            return
        real = next(iter(problem.real_data(0).batch(len(run.samples)).take(1))).numpy()
        if problem.kind == "toy":
            ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:blue", alpha=0.5, label="real")
            ax.scatter(run.samples[:, 0], run.samples[:, 1], s=2, c="tab:orange", alpha=0.7, label="generated")
            ax.set_aspect("equal")
            ax.legend(fontsize=7, markerscale=4)
        else:
            canvas = image_grid(run.samples)
            ax.imshow(canvas.squeeze(), cmap="gray" if canvas.shape[-1] == 1 else None)
            ax.set_axis_off()
        ax.set_title(f"{self.verdict}: samples (seed {run.seed})", fontsize=9)

    # ---------------------------------------------------------------- files
    def write(self, logdir):
        """Write ``report.md`` and ``report.png`` into ``logdir``; return their paths."""
        from tfgan_gp import plotting

        os.makedirs(logdir, exist_ok=True)
        paths = {key: os.path.join(logdir, name) for key, name in FILES.items()}
        with open(paths["markdown"], "w", encoding="utf-8") as f:
            f.write(self.markdown())
        plotting.save_png(plotting.figure_png(self.figure()), paths["png"])
        self.paths = paths
        return paths
