"""`cardgen compare BASELINE NEW`: paired differences and flips between two runs, a gate.

It reads harness outputs, cards' stored facts or two predictions tables and reports
NEW - BASELINE per task, with the instances that flipped; it writes nothing but the files it
is asked for.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ._io import atomic_write_text, dumps_json
from ._words import count
from .collect.lm_common import LMRun, TaskResult, card_run, task_name
from .collect.lm_stats import (
    Difference,
    Flips,
    MeanSE,
    flips,
    is_binary,
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
    flips: Flips | None = None
    """Negative and positive flips (binary per-instance scores, paired runs only)."""
    flip_failure: bool = False
    """The negative flip rate's CI upper bound is above `--max-negative-flip-rate`."""


@dataclass
class Comparison:
    """All rows, the tasks only one side has, and the gate's outcome."""

    baseline: str
    new: str
    level: float
    power: float
    max_regression: float | None
    rows: list[Row] = field(default_factory=list)
    max_negative_flip_rate: float | None = None
    only_baseline: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Row]:
        """Rows whose CI lower bound lies below -max_regression."""
        return [row for row in self.rows if row.regression]

    @property
    def flip_failures(self) -> list[Row]:
        """Rows whose negative flip rate may exceed `max_negative_flip_rate` (CI upper bound)."""
        return [row for row in self.rows if row.flip_failure]

    @property
    def failures(self) -> list[Row]:
        """Rows failing either gate."""
        return [row for row in self.rows if row.regression or row.flip_failure]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for `--out diff.json`."""
        return {
            "baseline": self.baseline,
            "new": self.new,
            "ci_level": self.level,
            "power": self.power,
            "max_regression": self.max_regression,
            "max_negative_flip_rate": self.max_negative_flip_rate,
            "rows": [asdict(row) for row in self.rows],
            "only_baseline": self.only_baseline,
            "only_new": self.only_new,
            "regressions": len(self.regressions),
            "flip_failures": len(self.flip_failures),
            "passed": not self.failures,
        }


def load_run(
    path: str | Path,
    *,
    cluster_key: str | None = None,
    root: str | Path = ".",
    kind: str | None = None,
    dataset_id: str | None = None,
    id_key: str = "doc_id",
    id_column: str | None = None,
    label_column: str = "label",
    pred_column: str = "prediction",
) -> LMRun:
    """A run from an lm-eval output, an Inspect log, a card spec's stored facts, or a
    predictions table (with `id_column`).

    Args:
        path: the output, log, folder, spec or table.
        cluster_key: dotted path to cluster questions by.
        root: project folder whose `.cardgen/` holds a spec's facts.
        kind: `lm-eval` or `inspect` to skip guessing from the path.
        dataset_id: Hub dataset id naming the tasks' data.
        id_key: dotted path of an lm-eval sample's question id (pairing).
        id_column: a predictions table's instance id column (pairing); see
            `read_predictions`.
        label_column: a predictions table's true-label column.
        pred_column: a predictions table's predicted-label column.

    Raises:
        CardgenError: when PATH is none of these.
    """
    from .collect.inspect_log import read_inspect
    from .collect.lm_eval import read_lm_eval

    path = Path(path)
    if path.is_file() and path.name.lower().endswith(TABLE_SUFFIXES):
        if id_column is None:
            raise CardgenError(
                f"{path}: a predictions table; give --id COL, the column that names each "
                "instance in both tables, to pair them"
            )
        return read_predictions(
            path, id_column=id_column, label_column=label_column, pred_column=pred_column
        )
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


TABLE_SUFFIXES = (
    ".csv",
    ".tsv",
    ".parquet",
    ".pq",
    ".jsonl",
    ".ndjson",
    ".csv.gz",
    ".tsv.gz",
    ".jsonl.gz",
    ".csv.bz2",
)
"""Predictions tables `compare` pairs by an id column (`.json` stays an Inspect log)."""
PREDICTIONS_TASK = "predictions"
"""The task name of a predictions table's run: each instance right (1) or wrong (0)."""


def read_predictions(
    path: str | Path,
    *,
    id_column: str,
    label_column: str = "label",
    pred_column: str = "prediction",
    level: float = 0.95,
) -> LMRun:
    """A classifier's predictions table as a run of one task whose per-instance score is 1
    when the prediction equals the label (compared as the evaluation engine compares
    classes: `1` equals `1.0`) and 0 otherwise, keyed by the id column; its metric is
    accuracy with a CLT interval.

    Raises:
        CardgenError: a missing column, a missing or repeated id (naming the row).
    """
    import pandas as pd

    from .metrics import value_text
    from .schema import DatasetReference, DisaggregatedEvaluation, EvaluationRecord
    from .tables import read_frames

    columns = list(dict.fromkeys([id_column, label_column, pred_column]))
    frame = pd.concat(list(read_frames(path, columns)), ignore_index=True)
    ids = frame[id_column]
    missing = ids.isna().to_numpy()
    if missing.any():
        raise CardgenError(
            f"{path}: row {int(missing.argmax()) + 1} has no id in column {id_column!r}"
        )
    keys = [value_text(v) for v in ids]
    seen: dict[str, int] = {}
    for row, key in enumerate(keys, start=1):
        if key in seen:
            raise CardgenError(
                f"{path}: id {key!r} in column {id_column!r} appears twice (rows "
                f"{seen[key]} and {row}); ids must name one instance each"
            )
        seen[key] = row
    right = [
        1.0 if value_text(a) == value_text(b) else 0.0
        for a, b in zip(frame[label_column], frame[pred_column], strict=True)
    ]
    scores = dict(zip(keys, right, strict=True))
    from .collect.lm_common import sample_value

    classes = {value_text(v) for v in frame[label_column]}
    evaluation = DisaggregatedEvaluation(
        name=PREDICTIONS_TASK,
        task="binary" if len(classes) <= 2 else "multiclass",
        dataset=DatasetReference(name=Path(path).name),
        label_column=label_column,
        prediction_column=pred_column,
        overall={"accuracy": sample_value(scores, None, level)},
        record=EvaluationRecord(task=PREDICTIONS_TASK, headline_metric="accuracy"),
    )
    return LMRun("predictions", str(path), [TaskResult(evaluation, {"accuracy": scores})])


def _as_mean(value: Any) -> MeanSE:
    return MeanSE(value.value, value.se, value.ci_low, value.ci_high, value.n or 0)


def _compare_task(
    name: str,
    base: TaskResult,
    new: TaskResult,
    level: float,
    power: float,
    limit: float | None,
    flip_limit: float | None = None,
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
        flipped: Flips | None = None
        if base_scores and new_scores and shared:
            diff = paired_difference(base_scores, new_scores, level, power)
            if is_binary({k: base_scores[k] for k in shared}) and is_binary(
                {k: new_scores[k] for k in shared}
            ):
                flipped = flips(base_scores, new_scores, level)
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
        flip_failure = (
            flip_limit is not None and flipped is not None and flipped.negative_ci[1] > flip_limit
        )
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
                flipped,
                flip_failure,
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
    max_negative_flip_rate: float | None = None,
) -> Comparison:
    """NEW - BASELINE per shared task and metric: paired over shared question ids, with
    the negative and positive flips of binary (right/wrong) scores.

    Args:
        baseline, new: the runs.
        level: confidence level of the intervals.
        power: power of the minimum detectable effect (two-sided test at 1 - level).
        max_regression: a row regresses when its CI's lower bound is below -max_regression.
        max_negative_flip_rate: a row fails when the upper bound of its negative flip
            rate's Wilson interval is above this rate.

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
        max_negative_flip_rate=max_negative_flip_rate,
    )
    for name in shared:
        result.rows.extend(
            _compare_task(
                name,
                base_tasks[name],
                new_tasks[name],
                level,
                power,
                max_regression,
                max_negative_flip_rate,
            )
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


def _flip(count: int, rate: float, ci: tuple[float, float]) -> str:
    return f"{count} ({rate:.1%} [{ci[0]:.1%}, {ci[1]:.1%}])"


def flip_cells(row: Row) -> tuple[str, str, str]:
    """Negative flips, positive flips (count, rate, Wilson CI) and McNemar's p, or `-`."""
    f = row.flips
    if f is None:
        return "-", "-", "-"
    return (
        _flip(f.negative, f.negative_rate, f.negative_ci),
        _flip(f.positive, f.positive_rate, f.positive_ci),
        f"{f.mcnemar_p:.3g}",
    )


def terminal_table(comparison: Comparison) -> str:
    """A plain-text table for the terminal."""
    header: tuple[str, ...] = (
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
    )
    with_flips = any(row.flips for row in comparison.rows)
    if with_flips:
        header += ("negative flips [CI]", "positive flips [CI]", "McNemar p")
    header += ("",)
    lines: list[tuple[str, ...]] = [header]
    for row in comparison.rows:
        flipped = flip_cells(row) if with_flips else ()
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
                *flipped,
                " ".join(
                    word
                    for word, bad in (
                        ("REGRESSION", row.regression),
                        ("NEGATIVE FLIPS", row.flip_failure),
                    )
                    if bad
                ),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    notes = [f"{row.task} {row.metric}: {row.note}" for row in comparison.rows if row.note]
    if with_flips:
        notes.append(
            "flips: right in BASELINE and wrong in NEW (negative) or the reverse (positive), "
            f"over the paired instances, with {comparison.level:.0%} Wilson intervals; "
            "McNemar's exact test of negative against positive flips"
        )
    return "\n".join(text + [f"note: {n}" for n in notes]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def markdown(comparison: Comparison) -> str:
    """Markdown for a GitHub Actions job summary or a pull-request comment."""
    gates = []
    if comparison.max_regression is not None:
        bad = comparison.regressions
        gates.append(
            f"❌ {count(len(bad), 'task')} {'regresses' if len(bad) == 1 else 'regress'} "
            f"by more than {comparison.max_regression:g} "
            "(CI lower bound of NEW − BASELINE below the limit)"
            if bad
            else f"✅ no task regresses by more than {comparison.max_regression:g}"
        )
    if comparison.max_negative_flip_rate is not None:
        limit = comparison.max_negative_flip_rate
        flipped = comparison.flip_failures
        gates.append(
            f"❌ {count(len(flipped), 'task')} may flip more than {limit:.1%} of instances "
            "from right to wrong (Wilson CI upper bound of the negative flip rate above the limit)"
            if flipped
            else f"✅ no task flips more than {limit:.1%} of instances from right to wrong"
        )
    gate = "\n\n".join(gates)
    lines = [
        "## cardgen compare",
        "",
        f"`{_cell(comparison.new)}` − `{_cell(comparison.baseline)}`",
        "",
    ]
    if gate:
        lines += [gate, ""]
    with_flips = any(row.flips for row in comparison.rows)
    flip_head = " Negative flips [CI] | Positive flips [CI] | McNemar p |" if with_flips else ""
    lines += [
        f"| Task | Metric | Baseline | New | Δ | SE | {comparison.level:.0%} CI | n | "
        "Pairing | MDE (80% power) |" + flip_head,
        "|---|---|---:|---:|---:|---:|---|---:|---|---:|"
        + ("---:|---:|---:|" if with_flips else ""),
    ]
    for row in comparison.rows:
        flag = " ❌" if row.regression else ""
        flips_text = ""
        if with_flips:
            negative, positive, p_value = flip_cells(row)
            mark = " ❌" if row.flip_failure else ""
            flips_text = f" {negative}{mark} | {positive} | {p_value} |"
        lines.append(
            f"| {_cell(row.task)} | {_cell(row.metric)} | {_fmt(row.baseline)} | "
            f"{_fmt(row.new)} | {_fmt(row.diff, True)}{flag} | {_fmt(row.se)} | "
            f"{_ci(row)} | {row.n} | {'paired' if row.paired else 'unpaired'} | "
            f"{_fmt(row.mde)} |" + flips_text
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
