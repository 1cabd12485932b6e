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
and reached the problem's minimum (:meth:`~tfgan_gp.selection.problems.Problem.minimum`: a quality
better than samples from the data's own simple statistics, and some mode coverage where the data
have modes) are eligible, those whose runs all finished first. With none, there is **no verdict**:
the report says what each candidate missed and what budget to try. Each eligible candidate is
ranked on every *measured* criterion among the priorities: ``quality`` (the problem's quality
metric, mean over seeds), ``stability`` (its standard deviation across seeds; needs 2 seeds or
more), ``mode_coverage`` (the coverage metric, where the problem has one) and ``cost`` (seconds
per generator iteration). Its rank on a criterion is the number of candidates *measurably* better
(:meth:`Report.outcome`: differences inside the measured noise are ties), scaled to ``[0, 1]``
(0: none is better); ranks are averaged with the priority weights of
:func:`~tfgan_gp.selection.advice.priority_weights`; the lowest score wins, ties going to the
better leaderboard rank and reported as ties. ``gradients`` and ``convergence`` are not
measured: they weigh only in the recommender's prior, which the report shows beside it.

Noise. With two or more seeds, two values tie when they differ by less than twice the standard
error of their difference, estimated from each candidate's spread across seeds (for ``stability``,
the standard error of a sample standard deviation, ``s/√(2(n−1))``); with one seed no noise is
measured and differences are taken as they are (the report says so). Costs also tie below
:data:`COST_TIE`.
"""
import dataclasses
import math
import os
import textwrap

import numpy as np

from tfgan_gp import losses
from tfgan_gp.callbacks.samples import image_grid
from tfgan_gp.selection import advice
from tfgan_gp.selection import candidates as candidates_lib
from tfgan_gp.selection.leaderboard import nothing_to_draw

FILES = {"markdown": "report.md", "png": "report.png"}
MEASURED = ("quality", "stability", "mode_coverage", "cost")
COST_TIE = 0.10
LUCIC = ("Lucic et al. (2018, \"Are GANs Created Equal? A Large-Scale Study\") trained MM GAN, NS GAN, LSGAN, WGAN, "
         "WGAN-GP, DRAGAN and BEGAN on MNIST, Fashion-MNIST, CIFAR-10 and CelebA at equal computational budgets and "
         "found no loss consistently better than the others: given enough budget and a hyperparameter search most "
         "reach similar FIDs, and the spread across seeds and settings is as large as the differences between them.")
"""Their finding, which :meth:`Report.lucic_lines` sets this comparison's ranking beside (image data)."""
"""Costs (seconds per generator iteration) less than 10 % apart are ties. Timing repeats only so well: on the
shared 2-core CPU the selection tool was measured on, one candidate's seconds per iteration varied by 10–31 %
(relative standard deviation over 3 seeds of 300 iterations) and three identical copies of a candidate differed by
up to 25 % in their 3-seed means. With two or more seeds a larger measured spread widens the tie; a 10 % difference
in cost is no reason to choose a GAN anyway."""
GROWTH = 4
"""A comparison without a verdict suggests this many times its budget."""


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


def _covered(label):
    """``modes covered`` for the label ``modes``; a label that says it already (``classes covered``) as it is."""
    return label if label.endswith("covered") else f"{label} covered"


def _names(names):
    """``a``, ``b`` and ``c`` as Markdown code, or how many beyond three."""
    if len(names) > 3:
        return f"{len(names)} others"
    return ", ".join(f"`{n}`" for n in names)


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
        self.minimum = problem.minimum()
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

    def standard_error(self, name, criterion, row=None):
        """The standard error of a candidate's value of ``criterion``, from its spread across seeds (``nan`` with
        fewer than two runs measured)."""
        row, problem = row or self.rows[name], self.board.problem
        runs = row["seeds"] if criterion == "cost" else row["seeds"] - row["diverged_runs"]
        if runs < 2:
            return math.nan
        if criterion == "stability":  # of a sample standard deviation (normal data)
            return row[f"{problem.quality.key}_std"] / math.sqrt(2 * (runs - 1))
        spread = {"quality": row[f"{problem.quality.key}_std"], "cost": row["sec_per_iter_std"],
                  "mode_coverage": row[f"{problem.coverage.key}_std"] if problem.coverage else math.nan}[criterion]
        return spread / math.sqrt(runs)

    def tolerance(self, criterion, a, b, row_a=None, row_b=None):
        """The difference on ``criterion`` below which ``a`` and ``b`` tie: twice the standard error of their
        difference (0 where no spread was measured: one seed); for cost at least :data:`COST_TIE` of the cheaper."""
        errors = [e for e in (self.standard_error(a, criterion, row_a), self.standard_error(b, criterion, row_b))
                  if np.isfinite(e)]
        noise = 2.0 * math.sqrt(sum(e * e for e in errors))
        if criterion == "cost":
            noise = max(noise, COST_TIE * min(self.measure(a, "cost", row_a), self.measure(b, "cost", row_b)))
        return noise

    def outcome(self, criterion, a, b, row_a=None, row_b=None):
        """``1`` when ``a`` is measurably better than ``b`` on ``criterion``, ``-1`` when worse, ``0`` for a tie
        (a difference within :meth:`tolerance`, or neither measured); a missing value is worse than any."""
        va, vb = self.measure(a, criterion, row_a), self.measure(b, criterion, row_b)
        if not (np.isfinite(va) and np.isfinite(vb)):
            return int(np.isfinite(va)) - int(np.isfinite(vb))
        if abs(va - vb) <= self.tolerance(criterion, a, b, row_a, row_b):
            return 0
        return 1 if (va < vb) == self._lower_is_better(criterion) else -1

    def noise_measured(self):
        """Whether differences were tested against a measured spread (two or more seeds)."""
        return max((row["seeds"] for row in self.board.rows), default=0) >= 2

    def shortfalls(self, name):
        """What a candidate misses of the problem's minimum, in words (empty: it reaches it)."""
        problem, minimum = self.board.problem, self.minimum
        quality = self.measure(name, "quality")
        if not np.isfinite(quality):
            return ["no run finished"]
        missed = []
        better = quality > minimum.quality if problem.quality.higher_is_better else quality < minimum.quality
        if np.isfinite(minimum.quality) and not better:
            missed.append(f"{problem.quality.label} {_fmt(quality)} is no better than {_fmt(minimum.quality)} "
                          f"({minimum.baseline})")
        if minimum.coverage is not None and problem.coverage is not None:
            coverage = self.measure(name, "mode_coverage")
            if not coverage > minimum.coverage:
                missed.append(f"{problem.coverage.label} {_fmt(coverage)}, short of {minimum.coverage_words}")
        return missed

    def minimum_words(self):
        """The minimum for a verdict on this problem, in words."""
        problem, minimum = self.board.problem, self.minimum
        better = "below" if not problem.quality.higher_is_better else "above"
        parts = []
        if np.isfinite(minimum.quality):
            parts.append(f"{problem.quality.label} {better} {_fmt(minimum.quality)}, the score of {minimum.baseline}")
        if minimum.coverage is not None and problem.coverage is not None:
            parts.append(minimum.coverage_words)
        return "; ".join(parts) or "a finished run"

    def measured_weights(self):
        """The priority weights of the criteria this comparison measured (all of them, if none was prioritised)."""
        measurable = [c for c in MEASURED if not (c == "mode_coverage" and self.board.problem.coverage is None)]
        seeds = max((row["seeds"] for row in self.board.rows), default=0)
        if seeds < 2:
            measurable.remove("stability")
        weights = {c: self.weights[c] for c in measurable if self.weights.get(c, 0.0) > 0}
        return weights or {c: 1.0 for c in measurable}

    def finalists(self):
        """Candidates that trained to the end (successive halving did not stop them)."""
        return [r["candidate"] for r in self.board.rows if r["stopped"] is None]

    def eligible(self):
        """Finalists that reach the problem's minimum, without a failed run (else with one)."""
        reached = [n for n in self.finalists() if not self.shortfalls(n)]
        return [n for n in reached if self.rows[n]["diverged_runs"] == 0] or reached

    def _scaled_ranks(self, names, criterion):
        """Per candidate of ``names``: how many others are measurably better on ``criterion``, scaled to
        ``[0, 1]`` (0: none is)."""
        better = [sum(self.outcome(criterion, other, name) > 0 for other in names) for name in names]
        return np.asarray(better, np.float64) / max(len(names) - 1, 1)

    def _measured_scores(self):
        names = self.eligible()
        if not names:
            return {}
        weights = self.measured_weights()
        scores = sum(weight * self._scaled_ranks(names, criterion) for criterion, weight in weights.items())
        return dict(zip(names, scores / sum(weights.values())))

    def tied_with_verdict(self):
        """The other eligible candidates whose score equals the verdict's."""
        if self.verdict is None:
            return []
        best = self.scores[self.verdict]
        return [n for n in self.scores if n != self.verdict and math.isclose(self.scores[n], best, abs_tol=1e-9)]

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

    def _tie_words(self, criterion):
        """Why two values of ``criterion`` count as tied, in words."""
        if criterion == "cost":
            return f"less than {COST_TIE:.0%} apart or within the spread across seeds"
        return "within the spread across seeds" if self.noise_measured() else "equal"

    def _criterion_line(self, name, criterion, names):
        better = sum(self.outcome(criterion, n, name) > 0 for n in names)
        tied = [n for n in names if n != name and self.outcome(criterion, n, name) == 0]
        position = f"{better + 1} of {len(names)}" + (f" (tied with {_names(tied)}: {self._tie_words(criterion)})"
                                                      if tied else "")
        problem = self.board.problem
        lower = self._lower_is_better(criterion)
        label = {"quality": f"quality ({problem.quality.label}, {'lower' if lower else 'higher'} is better)",
                 "stability": f"stability across seeds (standard deviation of {problem.quality.label})",
                 "mode_coverage": f"mode collapse ({_covered(problem.coverage.label if problem.coverage else '')})",
                 "cost": "cost (seconds per generator iteration)"}[criterion]
        value = self.measure(name, criterion)
        shown = f"{value * 1e3:.3g} ms" if criterion == "cost" else _fmt(value)
        return f"{label}: {shown}, {position}"

    def verdict_lines(self):
        """The verdict and why (or why there is none and what budget to try), as Markdown lines."""
        board, problem = self.board, self.board.problem
        if self.verdict is None:
            return self._no_verdict_lines()
        name, candidate = self.verdict, self.candidates[self.verdict]
        names = sorted(self.scores, key=lambda n: (self.scores[n], self.rows[n]["rank"]))
        answers = ", ".join(f"{q} **{_answer(candidate, problem, q)}**" for q in candidates_lib.QUESTIONS)
        lines = [f"**Verdict: use `{name}`** — {answers}.", "", candidate.summary, ""]
        tied = self.tied_with_verdict()
        if tied:
            lines += [f"A tie: {_names(tied)} score{'s' * (len(tied) == 1)} the same (measured differences inside "
                      f"the noise, or trading off equally); `{name}` comes first on the leaderboard's order. A longer "
                      f"comparison of these alone may separate them.", ""]
        lines.append(f"Why, measured on {problem.name} ({self._budget_words()}), among the {len(names)} candidate"
                     f"{'s' * (len(names) != 1)} that trained to the end and reached the minimum "
                     f"({self.minimum_words()}):")
        for criterion, weight in self.measured_weights().items():
            lines.append(f"- {self._criterion_line(name, criterion, names)} (priority weight {weight:g})")
        if not self.noise_measured() and {"quality", "mode_coverage"} & set(self.measured_weights()):
            lines.append("- one seed: no spread across seeds was measured, so quality and mode coverage are compared "
                         "as measured (two or more seeds tell differences from noise)")
        lines.append(f"- score {self.scores[name]:.2f} (0 = best on every measured priority)"
                     + (f"; runner-up `{names[1]}` {self.scores[names[1]]:.2f}: {self._evidence(names[1])}"
                        if len(names) > 1 else ""))
        below = [n for n in self.finalists() if self.shortfalls(n)]
        if below:
            lines.append("- below the minimum, so not chosen: "
                         + "; ".join(f"`{n}` ({', '.join(self.shortfalls(n))})" for n in below))
        best_quality = board.rows[0]["candidate"]
        if best_quality in self.scores and self.outcome("quality", best_quality, name) > 0:
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

    def _no_verdict_lines(self):
        board, problem, finalists = self.board, self.board.problem, self.finalists()
        lines = [f"**No verdict**: no candidate reached the minimum for {problem.kind} data on {problem.name} "
                 f"({self.minimum_words()}) with {self._budget_words()}; what each one that trained to the end "
                 f"missed:"]
        lines += [f"- `{n}`: {'; '.join(self.shortfalls(n))} ({self._evidence(n)})" for n in finalists]
        if finalists and all(self.shortfalls(n) == ["no run finished"] for n in finalists):
            return lines + ["", "Every run failed (each run's failure says where it stopped): a longer budget will not "
                                "help; try other candidates or settings."]
        key, value = ("budget", board.budget) if board.halving else ("iterations", board.iterations)
        return lines + ["", f"Try a budget {GROWTH}× this one: `--{key} {GROWTH * value}` "
                            f"(`compare({key}={GROWTH * value})`), then compare again."]

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
            word = {"quality": "quality", "stability": "spread across seeds", "cost": "cost per iteration",
                    "mode_coverage": "mode coverage"}[criterion]
            outcome = self.outcome(criterion, a, b, row_a, row_b)
            verdict = {1: "better", -1: "worse", 0: f"tied ({self._tie_words(criterion)})"}[outcome]
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

    def lucic_lines(self):
        """This ranking beside Lucic et al.'s finding (no loss consistently better at equal budget), in words: which
        candidates tie with the best on quality where all had trained equally long (round 1 under successive
        halving), and, after halving, among the finalists at the end."""
        lines = [LUCIC, ""]
        if not self.eligible():
            lines += ["No candidate reached the minimum for this data yet, so the order says little about the losses: "
                      "give them a larger budget before setting it beside their finding.", ""]
        leaders = []
        stages = [(self.rows, "")]
        if self.board.halving:
            first = self.board.history[0]
            finalists = {n: row for n, row in self.rows.items() if row["stopped"] is None}
            stages = [(first["rows"], f" after round 1 ({first['iterations']:,} iterations each, the last round all "
                                      f"ran)"),
                      (finalists, f" at the end ({self.board.history[-1]['iterations']:,} iterations each, the "
                                  f"finalists)")]
        for rows, when in stages:
            leader, words = self._order_words(rows, when)
            leaders.append(leader)
            lines += words
        if len(set(filter(None, leaders))) > 1:
            lines.append(f"The leader changed with the budget (`{leaders[0]}` first, `{leaders[-1]}` at the end), as "
                         f"Lucic et al. found orders do: rank at the budget you will train with.")
        return lines

    def _order_words(self, rows, when):
        """``(best candidate, lines)``: the order by quality among ``rows`` and which tie with the best."""
        label = self.board.problem.quality.label
        sign = 1 if self._lower_is_better("quality") else -1
        ranked = sorted((n for n in rows if np.isfinite(self.measure(n, "quality", rows[n]))),
                        key=lambda n: sign * self.measure(n, "quality", rows[n]))
        if len(ranked) < 2:
            return None, [f"Too few candidates finished{when} to set an order beside it."]
        best, others = ranked[0], ranked[1:]
        order = ", ".join(f"`{n}` {_fmt(self.measure(n, 'quality', rows[n]), 4)}" for n in ranked)
        lines = [f"Here{when}, by {label}: {order}."]
        if not self.noise_measured():
            return best, lines + ["With one seed per candidate the spread is unknown and no difference can be told "
                                  "from noise: rerun with `--seeds 3` before reading this order against their finding."]
        ties = [n for n in others if self.outcome("quality", best, n, rows[best], rows[n]) == 0]
        behind = [n for n in others if n not in ties]
        if ties:
            verb = "ties" if len(ties) == 1 else "tie"
            words = (f"{_names(ties)} {verb} with `{best}` within the spread across seeds: {len(ties) + 1} of "
                     f"{len(ranked)} candidates cannot be told apart on {label}, in line with their finding")
            if behind:
                words += (f"; {_names(behind)} {'is' if len(behind) == 1 else 'are'} measurably behind at this "
                          f"budget, a gap they found more budget or a hyperparameter search often closes")
            return best, lines + [words + "."]
        return best, lines + [f"`{best}` beats every other candidate beyond the spread across seeds: at this budget, "
                              f"on this one dataset and with each candidate's published settings untuned."]

    def evidence_lines(self):
        """The evidence table: every candidate, leaderboard order."""
        problem = self.board.problem
        cols = ["rank", "candidate", f"{problem.quality.label} (± across seeds)"]
        cols += [problem.coverage.label] if problem.coverage else []
        cols += ["W-osc", "failed runs", "ms/iter", "iterations", "stopped", "minimum"]
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" if c == "candidate" else "--:" for c in cols)
                 + "|"]
        for row in self.board.rows:
            name = row["candidate"]
            cells = [str(row["rank"]), f"**`{name}`**" if name == self.verdict else f"`{name}`",
                     f"{_fmt(self.measure(name, 'quality'))} ± {_fmt(self.measure(name, 'stability'))}"]
            cells += [_fmt(self.measure(name, "mode_coverage"))] if problem.coverage else []
            cells += [_fmt(row["oscillation_mean"]), f"{row['diverged_runs']}/{row['seeds']}",
                      f"{row['sec_per_iter'] * 1e3:.3g}", f"{row['iterations']:,}",
                      "–" if row["stopped"] is None else f"round {row['stopped']}",
                      "no" if self.shortfalls(name) else "reached"]
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    def markdown(self):
        """The whole report as Markdown."""
        board = self.board
        lines = [f"# Which GAN for {board.problem.name}?", ""] + self.verdict_lines()
        lines += ["", "## The four questions", "",
                  f"Each table lists the answers that were tried, each with its best candidate (leaderboard order); "
                  f"the verdict's answer is in bold. Findings cite the {advice.FRAMEWORK}.", ""]
        if board.problem.kind == "images":
            lines += ["## Beside Lucic et al. (2018)", ""] + self.lucic_lines() + [""]
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
                  f"- Only a candidate that reaches the minimum for this data can be the verdict: "
                  f"{self.minimum_words()}. Below it a generator has not learned the data yet, whatever its rank.",
                  f"- Differences inside the measured noise are ties: quality, spread and mode coverage within twice "
                  f"the standard error of their difference (from the spread across seeds), costs also when less "
                  f"than {COST_TIE:.0%} apart. Spread across seeds needs at least two seeds; numbers from different "
                  f"budgets or sample counts do not compare.", ""]
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

        def bars(ax, criterion, title, errors=None, missing="no run finished"):
            values = np.array([self.measure(n, criterion) for n in names], np.float64)
            label = {"quality": problem.quality.label, "stability": f"spread of {problem.quality.label}",
                     "mode_coverage": problem.coverage.label if problem.coverage else ""}[criterion]
            reason = nothing_to_draw(values, missing, f"{label}: 0 for every candidate")
            if reason:
                plotting.note(ax, reason, title)
                return
            finite = values[np.isfinite(values)]
            cap = np.percentile(finite, 90) * 3 if criterion == "quality" else None
            shown = np.nan_to_num(values if cap is None else np.minimum(values, cap))
            ax.bar(x, shown, yerr=None if errors is None else np.nan_to_num(errors), capsize=2, color=colours)
            ax.set_xticks(x, names, rotation=60, ha="right", fontsize=7)
            ax.set_title(title, fontsize=9)

        lower = "lower" if not problem.quality.higher_is_better else "higher"
        bars(axes[0, 0], "quality", f"{problem.quality.label} ({lower} is better), mean ± std over seeds "
                                    f"(red: verdict, grey: stopped)",
             errors=[self.measure(n, "stability") for n in names])
        if np.isfinite(self.minimum.quality) and axes[0, 0].axison:
            axes[0, 0].axhline(self.minimum.quality, color="k", linestyle="--", linewidth=0.8,
                               label=f"minimum: {self.minimum.baseline}")
            axes[0, 0].legend(fontsize=7)
        if problem.coverage is not None:
            bars(axes[0, 1], "mode_coverage", f"mode collapse: {problem.coverage.label} (higher is better)")
        else:
            plotting.note(axes[0, 1], f"{problem.name} has no modes to count: mode collapse shows in "
                                      f"{problem.quality.label}", "mode collapse")
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
        ax.set_title(f"cost vs quality (named: candidates that trained to the end; costs less than {COST_TIE:.0%} "
                     f"apart tie)", fontsize=9)

        self._draw_samples(axes[1, 0])
        seeds = max((row["seeds"] for row in board.rows), default=0)
        bars(axes[1, 1], "stability", f"stability: spread of {problem.quality.label} across seeds (lower is better)",
             missing=("one seed: stability needs two or more (--seeds 2)" if seeds < 2
                      else "no candidate has two finished runs: stability needs two or more"))
        ax = axes[1, 2]
        ax.set_axis_off()
        text = [f"Verdict: {self.verdict or 'none'}", ""]
        if self.verdict is not None:
            candidate = self.candidates[self.verdict]
            text += [f"{q}: {_answer(candidate, problem, q)}" for q in candidates_lib.QUESTIONS]
            text += ["", f"score {self.scores[self.verdict]:.2f} (0 best) on", ", ".join(self.measured_weights())]
            tied = self.tied_with_verdict()
            text += [f"tied with {', '.join(tied)}"] if tied else []
        else:
            text += textwrap.wrap(f"no candidate reached the minimum: {self.minimum_words()}", 40)
        ax.text(0.0, 1.0, "\n".join(text), va="top", fontsize=10, family="monospace", transform=ax.transAxes)
        fig.suptitle(f"Which GAN for {problem.name}? {board.caption()}", fontsize=8, wrap=True)
        fig.tight_layout(rect=(0, 0, 1, 0.94))
        return fig

    def _draw_samples(self, ax):
        """The verdict's samples (without a verdict: those of the leaderboard's first candidate) over real data."""
        from tfgan_gp import plotting

        problem = self.board.problem
        shown = self.verdict or self.board.rows[0]["candidate"]
        run = next((r for r in self.board.runs if r.candidate == shown and r.samples is not None), None)
        if run is None:
            kept = any(r.samples is not None for r in self.board.runs)
            plotting.note(ax, f"{shown}: its runs kept no samples (they failed)" if kept else "no run kept samples",
                          "samples")
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
        words = "" if self.verdict else " (no verdict: the leaderboard's first)"
        ax.set_title(f"{shown}: samples (seed {run.seed}){words}", fontsize=9)

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
