"""`cardgen compare BASELINE NEW`: paired differences between two LM evaluation runs, a gate.

It reads harness outputs or cards' stored facts and reports NEW - BASELINE per task; it
writes nothing but the files it is asked for.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ._io import atomic_write_text, dumps_json
from .collect.lm_common import LMRun, TaskResult, card_run, task_name
from .collect.lm_stats import (
    Difference,
    MeanSE,
    paired_difference,
    unpaired_difference,
)
from .errors import CardgenError


@dataclass
class Row:
    """One task and metric: NEW - BASELINE with its error bars."""

    task: str
    metric: str
    baseline: float
    new: float
    diff: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    paired: bool
    mde: float | None
    note: str | None = None
    regression: bool = False


@dataclass
class Comparison:
    """All rows, the tasks only one side has, and the gate's outcome."""

    baseline: str
    new: str
    level: float
    power: float
    max_regression: float | None
    rows: list[Row] = field(default_factory=list)
    only_baseline: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Row]:
        """Rows whose CI lower bound lies below -max_regression."""
        return [row for row in self.rows if row.regression]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for `--out diff.json`."""
        return {
            "baseline": self.baseline,
            "new": self.new,
            "ci_level": self.level,
            "power": self.power,
            "max_regression": self.max_regression,
            "rows": [asdict(row) for row in self.rows],
            "only_baseline": self.only_baseline,
            "only_new": self.only_new,
            "regressions": len(self.regressions),
            "passed": not self.regressions,
        }


def load_run(
    path: str | Path,
    *,
    cluster_key: str | None = None,
    root: str | Path = ".",
    kind: str | None = None,
    dataset_id: str | None = None,
    id_key: str = "doc_id",
) -> LMRun:
    """A run from an lm-eval output, an Inspect log, or a card spec's stored facts.

    Args:
        path: the output, log, folder or spec.
        cluster_key: dotted path to cluster questions by.
        root: project folder whose `.cardgen/` holds a spec's facts.
        kind: `lm-eval` or `inspect` to skip guessing from the path.
        dataset_id: Hub dataset id naming the tasks' data.
        id_key: dotted path of an lm-eval sample's question id (pairing).

    Raises:
        CardgenError: when PATH is none of these.
    """
    from .collect.inspect_log import read_inspect
    from .collect.lm_eval import read_lm_eval

    path = Path(path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        from .spec import load_spec

        return card_run(load_spec(path).name, root)
    options: dict[str, Any] = {"cluster_key": cluster_key, "dataset_id": dataset_id}
    if (
        kind == "lm-eval"
        or (
            kind is None
            and path.is_file()
            and path.suffix == ".json"
            and path.name.startswith("results_")
        )
        or (kind is None and path.is_dir() and any(path.rglob("results_*.json")))
    ):
        return read_lm_eval(path, id_key=id_key, **options)
    if kind == "inspect" or path.is_dir() or path.suffix in (".eval", ".json"):
        return read_inspect(path, **options)
    raise CardgenError(
        f"{path}: expected an lm-eval results_*.json or output folder, an "
        "Inspect AI log (.eval/.json) or folder of logs, or a card spec "
        "(cards/NAME.yaml) with collected LM evaluations"
    )


def _as_mean(value: Any) -> MeanSE:
    return MeanSE(value.value, value.se, value.ci_low, value.ci_high, value.n or 0)


def _compare_task(
    name: str, base: TaskResult, new: TaskResult, level: float, power: float, limit: float | None
) -> list[Row]:
    rows = []
    for metric, base_value in base.evaluation.overall.items():
        new_value = new.evaluation.overall.get(metric)
        if new_value is None or base_value.value is None or new_value.value is None:
            continue
        base_scores, new_scores = base.samples.get(metric), new.samples.get(metric)
        note = None
        shared = set(base_scores or {}) & set(new_scores or {})
        diff: Difference
        if base_scores and new_scores and shared:
            diff = paired_difference(base_scores, new_scores, level, power)
            left_out = len(base_scores) + len(new_scores) - 2 * len(shared)
            if left_out:
                note = (
                    f"paired over the {len(shared)} question ids both runs share; "
                    f"{left_out} unmatched left out"
                )
        else:
            diff = unpaired_difference(_as_mean(base_value), _as_mean(new_value), level, power)
            note = (
                "unpaired: the question ids do not match"
                if base_scores and new_scores
                else "unpaired: a run has no per-question scores"
            )
        regression = limit is not None and diff.ci_low is not None and diff.ci_low < -limit
        rows.append(
            Row(
                name,
                metric,
                diff.baseline,
                diff.new,
                diff.diff,
                diff.se,
                diff.ci_low,
                diff.ci_high,
                diff.n,
                diff.paired,
                diff.mde,
                note,
                regression,
            )
        )
    return rows


def compare_runs(
    baseline: LMRun,
    new: LMRun,
    *,
    level: float = 0.95,
    power: float = 0.8,
    max_regression: float | None = None,
) -> Comparison:
    """NEW - BASELINE per shared task and metric: paired over shared question ids.

    Args:
        baseline, new: the runs.
        level: confidence level of the intervals.
        power: power of the minimum detectable effect (two-sided test at 1 - level).
        max_regression: a row regresses when its CI's lower bound is below -max_regression.

    Raises:
        CardgenError: when the runs share no task (or no metric of a shared task).
    """
    if not 0 < level < 1 or not 0 < power < 1:
        raise CardgenError("--ci and --power must lie between 0 and 1")
    base_tasks = {task_name(t.evaluation): t for t in baseline.tasks}
    new_tasks = {task_name(t.evaluation): t for t in new.tasks}
    shared = [name for name in base_tasks if name in new_tasks]
    if not shared:
        raise CardgenError(
            f"no shared task: {baseline.source} has {', '.join(sorted(base_tasks)) or 'none'}; "
            f"{new.source} has {', '.join(sorted(new_tasks)) or 'none'}"
        )
    result = Comparison(
        baseline.source,
        new.source,
        level,
        power,
        max_regression,
        only_baseline=sorted(set(base_tasks) - set(new_tasks)),
        only_new=sorted(set(new_tasks) - set(base_tasks)),
    )
    for name in shared:
        result.rows.extend(
            _compare_task(name, base_tasks[name], new_tasks[name], level, power, max_regression)
        )
    if not result.rows:
        raise CardgenError(
            f"tasks {', '.join(shared)} are in both runs but share no metric with a value"
        )
    return result


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _ci(row: Row) -> str:
    return f"[{_fmt(row.ci_low, True)}, {_fmt(row.ci_high, True)}]"


def terminal_table(comparison: Comparison) -> str:
    """A plain-text table for the terminal."""
    header = (
        "task",
        "metric",
        "baseline",
        "new",
        "diff",
        "SE",
        f"{comparison.level:.0%} CI",
        "n",
        "pairing",
        "MDE",
        "",
    )
    lines = [header]
    for row in comparison.rows:
        lines.append(
            (
                row.task,
                row.metric,
                _fmt(row.baseline),
                _fmt(row.new),
                _fmt(row.diff, True),
                _fmt(row.se),
                _ci(row),
                str(row.n),
                "paired" if row.paired else "unpaired",
                _fmt(row.mde),
                "REGRESSION" if row.regression else "",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    notes = [f"{row.task} {row.metric}: {row.note}" for row in comparison.rows if row.note]
    return "\n".join(text + [f"note: {n}" for n in notes]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def markdown(comparison: Comparison) -> str:
    """Markdown for a GitHub Actions job summary or a pull-request comment."""
    gate = ""
    if comparison.max_regression is not None:
        bad = comparison.regressions
        gate = (
            f"❌ {len(bad)} task(s) regress by more than {comparison.max_regression:g} "
            "(CI lower bound of NEW − BASELINE below the limit)"
            if bad
            else f"✅ no task regresses by more than {comparison.max_regression:g}"
        )
    lines = [
        "## cardgen compare",
        "",
        f"`{_cell(comparison.new)}` − `{_cell(comparison.baseline)}`",
        "",
    ]
    if gate:
        lines += [gate, ""]
    lines += [
        f"| Task | Metric | Baseline | New | Δ | SE | {comparison.level:.0%} CI | n | "
        "Pairing | MDE (80% power) |",
        "|---|---|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for row in comparison.rows:
        flag = " ❌" if row.regression else ""
        lines.append(
            f"| {_cell(row.task)} | {_cell(row.metric)} | {_fmt(row.baseline)} | "
            f"{_fmt(row.new)} | {_fmt(row.diff, True)}{flag} | {_fmt(row.se)} | "
            f"{_ci(row)} | {row.n} | {'paired' if row.paired else 'unpaired'} | "
            f"{_fmt(row.mde)} |"
        )
    notes = [
        f"- {_cell(row.task)} {_cell(row.metric)}: {_cell(row.note)}"
        for row in comparison.rows
        if row.note
    ]
    if comparison.only_baseline or comparison.only_new:
        notes.append(
            f"- only in baseline: {', '.join(comparison.only_baseline) or 'none'}; "
            f"only in new: {', '.join(comparison.only_new) or 'none'}"
        )
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def write_outputs(
    comparison: Comparison, out: str | Path | None, markdown_out: str | Path | None
) -> list[Path]:
    """Write `--out` JSON and `--markdown` files (each complete, or not at all)."""
    written = []
    if out is not None:
        written.append(atomic_write_text(Path(out), dumps_json(comparison.to_dict())))
    if markdown_out is not None:
        written.append(atomic_write_text(Path(markdown_out), markdown(comparison)))
    return written


def append_step_summary(comparison: Comparison) -> None:
    """Append the Markdown table to the GitHub job summary, when $GITHUB_STEP_SUMMARY is set."""
    import os

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(markdown(comparison))


def add_regression_tests(
    run: LMRun, baseline: LMRun, max_regression: float | None, level: float = 0.95
) -> Comparison:
    """Compare `run` to `baseline`; record the differences, and with `max_regression` one
    threshold test per shared metric, in each task's evaluation (a failed test fails the
    build and blocks a push).

    Raises:
        CardgenError: when the runs share no task.
    """
    from .schema import ThresholdTest

    comparison = compare_runs(baseline, run, level=level, max_regression=max_regression)
    for task in run.tasks:
        rows = [row for row in comparison.rows if row.task == task_name(task.evaluation)]
        if not rows:
            continue
        task.evaluation.details["baseline_comparison"] = {
            "baseline": comparison.baseline,
            "ci_level": level,
            "rows": [asdict(row) for row in rows],
        }
        if max_regression is None:
            continue
        for row in rows:
            task.evaluation.threshold_tests.append(
                ThresholdTest(
                    expression=f"ci_low({row.metric} new - baseline) >= {-max_regression:g}",
                    metric=f"{row.metric} difference to baseline (CI lower bound)",
                    operator=">=",
                    threshold=-max_regression,
                    observed=row.ci_low,
                    passed=None if row.ci_low is None else not row.regression,
                    reason=(
                        "no standard error: the difference has no interval"
                        if row.ci_low is None
                        else f"{'paired' if row.paired else 'unpaired'} difference "
                        f"{row.diff:+.4f}, n={row.n}"
                    ),
                )
            )
    return comparison
