"""The disaggregation engine: counts per intersectional cell -> metrics per group -> intervals.

It works on encoded numpy arrays (group codes, label codes, scores) and returns arrays; it
never reads files, validates user input or builds schema objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from tqdm.auto import tqdm

from ._bootstrap import (
    contain_point,
    multinomial_counts,
    multinomial_counts_split,
    percentile_interval,
    row_weights,
    wilson_interval,
)
from ._cells import (
    BIN_METRICS,
    DEFAULT_SCORE_BINS,
    CellTable,
    cells_from_rows,
    confusion_counts,
    confusion_from_bins,
    score_sums,
)
from ._definitions import (
    BINARY_COUNT_METRICS,
    REGRESSION_METRICS,
    SCORE_METRICS,
    CountMetric,
    GroupedRows,
    RowMetric,
    multiclass_count_metrics,
)
from ._groups import Grouping, groupings

TaskName = Literal["binary", "multiclass", "regression"]
CIName = Literal["bootstrap", "wilson", "none"]


@dataclass(frozen=True)
class EncodedTable:
    """An evaluation table reduced to integer codes and floats.

    Attributes:
        task: `binary`, `multiclass` or `regression`.
        features: sensitive feature names.
        cells: each intersectional group's value of every feature, indexed by code.
        group: intersectional group code of every row.
        y: label per row: class index (binary: 1 is the positive class) or a float.
        y_pred: prediction per row, coded like `y`.
        score: positive-class score per row (binary tasks with scores), else None.
        classes: class names in code order (classification).
    """

    task: TaskName
    features: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    group: np.ndarray
    y: np.ndarray
    y_pred: np.ndarray
    score: np.ndarray | None = None
    classes: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.group)


@dataclass
class Estimate:
    """One metric over the groups of one grouping.

    Attributes:
        value: point estimate per group, NaN where undefined.
        n: count each value rests on (rows or the metric's denominator).
        ci_low, ci_high: interval bounds per group, NaN where there is none.
        ci_method: `bootstrap`, `wilson` or `none`.
        undefined_reason: why a NaN value is undefined.
        replicates: `(n_boot, n_groups)` bootstrap values, when bootstrapped.
    """

    value: np.ndarray
    n: np.ndarray
    undefined_reason: str
    ci_method: str = "none"
    ci_low: np.ndarray | None = None
    ci_high: np.ndarray | None = None
    replicates: np.ndarray | None = None


@dataclass
class GroupingResult:
    """All metrics of one grouping, with the rows in each of its groups."""

    grouping: Grouping
    sizes: np.ndarray
    metrics: dict[str, Estimate] = field(default_factory=dict)


def available_metrics(
    task: TaskName, *, with_score: bool, classes: Sequence[str] = ()
) -> dict[str, CountMetric | RowMetric]:
    """Every metric a task can report, keyed by name."""
    if task == "regression":
        return dict(REGRESSION_METRICS)
    if task == "multiclass":
        return dict(multiclass_count_metrics(tuple(classes)))
    metrics: dict[str, CountMetric | RowMetric] = dict(BINARY_COUNT_METRICS)
    if with_score:
        metrics.update(SCORE_METRICS)
    return metrics


def disaggregate(
    table: EncodedTable,
    metric_names: Sequence[str],
    *,
    ci_method: CIName = "bootstrap",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    progress: bool = False,
    score_bins: int = DEFAULT_SCORE_BINS,
) -> list[GroupingResult]:
    """Metrics per group (overall, intersectional, marginal) with confidence intervals.

    Classification metrics come from the count table (`disaggregate_cells`): confusion
    counts, and score bins for ROC AUC, Brier score and calibration; regression metrics
    (and score metrics with `score_bins=0`) from (weighted) rows. Bootstrap replicates
    resample all rows with replacement, like fairlearn's `MetricFrame(n_boot=...)`: a
    replicate is one multinomial draw of the count table, or, for metrics from rows, rows
    get resampling weights. With `ci_method="wilson"` proportions get Wilson intervals and
    the other metrics bootstrap ones.

    Args:
        table: the encoded evaluation table.
        metric_names: metrics to compute; see `available_metrics`.
        ci_method: `bootstrap`, `wilson` or `none`.
        n_boot: bootstrap replicates.
        ci: confidence level.
        seed: seed of the bootstrap's random generator.
        progress: show a progress bar over replicates.
        score_bins: classification tasks go through their count table (`to_cells`) with
            this score-bin budget; 0 keeps score metrics on rows with per-row bootstrap
            weights (exact, but each replicate costs a pass over the rows).

    Returns:
        One `GroupingResult` per grouping: overall, intersectional, then each feature alone.
    """
    if table.task != "regression" and (score_bins > 0 or table.score is None):
        return disaggregate_cells(
            to_cells(table, max(score_bins, 1)),
            metric_names,
            ci_method=ci_method,
            n_boot=n_boot,
            ci=ci,
            seed=seed,
            progress=progress,
        )
    defs = available_metrics(table.task, with_score=table.score is not None, classes=table.classes)
    metrics = {name: defs[name] for name in metric_names}
    count_metrics = {k: m for k, m in metrics.items() if isinstance(m, CountMetric)}
    row_metrics = {k: m for k, m in metrics.items() if isinstance(m, RowMetric)}
    splits = groupings(table.features, table.cells)
    n_cells = max(1, len(table.cells))
    n_classes = len(table.classes)
    cell_sizes = np.bincount(table.group, minlength=n_cells)
    results = [GroupingResult(g, g.aggregate(cell_sizes[:, None, None])[:, 0, 0]) for g in splits]

    cell_counts = (
        confusion_counts(table.group, table.y, table.y_pred, n_cells, n_classes)
        if count_metrics
        else None
    )
    rows = []
    if row_metrics:
        by_score = (
            np.argsort(table.score, kind="stable")
            if table.score is not None and "roc_auc" in row_metrics
            else None
        )
        rows = [
            GroupedRows(
                g.of_cell[table.group],
                g.n_groups,
                table.y,
                score=table.score,
                y_pred=table.y_pred,
                score_order=by_score,
            )
            for g in splits
        ]

    for i, result in enumerate(results):
        if cell_counts is not None:
            counts = result.grouping.aggregate(cell_counts)
            for name, metric in count_metrics.items():
                value, n = metric.compute(counts)
                result.metrics[name] = Estimate(value, n, metric.undefined_reason)
        for name, metric in row_metrics.items():
            value, n = metric.compute(rows[i], None)
            result.metrics[name] = Estimate(value, n, metric.undefined_reason)

    if ci_method == "none" or n_boot < 1:
        return results

    rng = np.random.default_rng(seed)
    replicates: list[dict[str, list[np.ndarray]]] = [{k: [] for k in metrics} for _ in results]
    bar = tqdm(
        total=n_boot, desc="bootstrap", unit="rep", leave=False, disable=None if progress else True
    )  # None: only on a terminal
    if not row_metrics:
        assert cell_counts is not None
        for batch in multinomial_counts(cell_counts, n_boot, rng):
            for i, result in enumerate(results):
                counts = result.grouping.aggregate(batch)
                for name, metric in count_metrics.items():
                    replicates[i][name].append(metric.compute(counts)[0])
            bar.update(len(batch))
    else:
        for w in row_weights(table.n_rows, n_boot, rng):
            weighted = (
                confusion_counts(table.group, table.y, table.y_pred, n_cells, n_classes, weights=w)
                if count_metrics
                else None
            )
            for i, result in enumerate(results):
                if weighted is not None:
                    counts = result.grouping.aggregate(weighted)
                    for name, metric in count_metrics.items():
                        replicates[i][name].append(metric.compute(counts)[0][None])
                for name, metric in row_metrics.items():
                    replicates[i][name].append(metric.compute(rows[i], w)[0][None])
            bar.update(1)
    bar.close()

    _set_intervals(results, replicates, metrics, cell_counts, ci, ci_method)
    return results


def _set_intervals(
    results: list[GroupingResult],
    replicates: list[dict[str, list[np.ndarray]]],
    metrics: dict[str, Any],
    cell_counts: np.ndarray | None,
    ci: float,
    ci_method: CIName,
) -> None:
    """Each estimate's replicates, and its interval from them (`_set_interval`)."""
    for i, result in enumerate(results):
        for name, estimate in result.metrics.items():
            reps = np.concatenate(replicates[i][name], axis=0)
            estimate.replicates = reps
            if name != "count":
                _set_interval(
                    estimate, metrics[name], result.grouping, cell_counts, reps, ci, ci_method
                )


def _set_interval(
    estimate: Estimate,
    metric: Any,
    grouping: Grouping,
    cell_counts: np.ndarray | None,
    reps: np.ndarray,
    ci: float,
    ci_method: CIName,
) -> None:
    """The interval of one estimate from its replicates (Wilson for proportions when asked),
    widened to contain its point estimate; a zero-width interval is never shown."""
    if (
        ci_method == "wilson"
        and isinstance(metric, CountMetric)
        and metric.proportion
        and cell_counts is not None
    ):
        part = metric.proportion(grouping.aggregate(cell_counts))
        estimate.ci_low, estimate.ci_high = wilson_interval(part.successes, part.trials, ci)
        estimate.ci_method = "wilson"
    else:
        estimate.ci_low, estimate.ci_high = percentile_interval(reps, ci)
        estimate.ci_method = "bootstrap"
        if isinstance(metric, CountMetric) and metric.proportion:
            _widen_degenerate(estimate, metric, grouping, cell_counts, ci)
    estimate.ci_low, estimate.ci_high = contain_point(
        estimate.value, estimate.ci_low, estimate.ci_high
    )
    # A zero-width interval left (a metric that is not a proportion, on a group whose
    # replicates all agree) would read as certainty: it is dropped.
    flat = estimate.ci_high - estimate.ci_low <= 0
    if flat.any():
        estimate.ci_low = np.where(flat, np.nan, estimate.ci_low)
        estimate.ci_high = np.where(flat, np.nan, estimate.ci_high)


def to_cells(table: EncodedTable, score_bins: int = DEFAULT_SCORE_BINS) -> CellTable:
    """The count table of an encoded classification table (score bins when it has scores)."""
    return cells_from_rows(
        table.features,
        table.cells,
        table.task,
        table.classes,
        table.group,
        table.y,
        table.y_pred,
        table.score,
        score_bins,
    )


def disaggregate_cells(
    table: CellTable,
    metric_names: Sequence[str],
    *,
    ci_method: CIName = "bootstrap",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    progress: bool = False,
) -> list[GroupingResult]:
    """`disaggregate` for a count table: the same results, from counts alone.

    Count metrics come from the confusion counts, score metrics from the score bins (see
    `BIN_METRICS`). A bootstrap replicate is one multinomial draw of the whole table (of
    the score bins when score metrics are asked for, which also gives the confusion
    counts), as if the rows had been resampled with replacement; a drawn bin's score sums
    scale with its count (exact when each bin holds one distinct score).
    """
    defs = available_metrics(table.task, with_score=table.score is not None, classes=table.classes)
    metrics = {name: defs[name] for name in metric_names}
    count_metrics = {k: m for k, m in metrics.items() if isinstance(m, CountMetric)}
    score_metrics = {k: BIN_METRICS[k] for k in metrics if k not in count_metrics}
    bins = table.score
    if score_metrics:
        assert bins is not None
    splits = groupings(table.features, table.cells)
    cell_counts = table.counts
    cell_sizes = cell_counts.sum(axis=(1, 2))
    results = [GroupingResult(g, g.aggregate(cell_sizes[:, None, None])[:, 0, 0]) for g in splits]

    def measure(
        result: GroupingResult,
        counts: np.ndarray,
        n: np.ndarray | None,
        sums: np.ndarray | None,
        out: dict[str, list[np.ndarray]] | None,
    ) -> None:
        grouping = result.grouping
        aggregated = grouping.aggregate(counts)
        values = {name: metric.compute(aggregated) for name, metric in count_metrics.items()}
        if score_metrics:
            assert n is not None and sums is not None
            g_n, g_sums = grouping.aggregate(n), grouping.aggregate(sums)
            values.update(
                {name: metric.compute(g_n, g_sums) for name, metric in score_metrics.items()}
            )
        for name, (value, rests_on) in values.items():
            if out is None:
                undefined = metrics[name].undefined_reason
                result.metrics[name] = Estimate(value, rests_on, undefined)
            else:
                out[name].append(value)

    sums = (
        score_sums(bins.n, bins.total, bins.total_sq, bins.ece_bin)
        if bins is not None and score_metrics
        else None
    )
    for result in results:
        measure(result, cell_counts, bins.n if bins is not None else None, sums, out=None)
    if ci_method == "none" or n_boot < 1:
        return results

    rng = np.random.default_rng(seed)
    replicates: list[dict[str, list[np.ndarray]]] = [{k: [] for k in metrics} for _ in results]
    bar = tqdm(
        total=n_boot, desc="bootstrap", unit="rep", leave=False, disable=None if progress else True
    )  # None: only on a terminal
    if not score_metrics:
        for batch in multinomial_counts(cell_counts, n_boot, rng):
            for i, result in enumerate(results):
                measure(result, batch, None, None, replicates[i])
            bar.update(len(batch))
    else:
        assert bins is not None
        # Mean score (and squared score) per row of each bin, to scale the drawn counts.
        safe = np.where(bins.n > 0, bins.n, 1)
        mean, mean_sq = bins.total / safe, bins.total_sq / safe
        with_sums = any(name != "roc_auc" for name in score_metrics)
        for batch in multinomial_counts_split(bins.n, n_boot, rng):
            counts = confusion_from_bins(batch, bins.pred) if count_metrics else cell_counts
            # ROC AUC needs the counts alone; Brier score and calibration the score sums.
            drawn = (
                score_sums(batch, batch * mean, batch * mean_sq, bins.ece_bin)
                if with_sums
                else sums
            )
            for i, result in enumerate(results):
                measure(result, counts, batch, drawn, replicates[i])
            bar.update(len(batch))
    bar.close()

    _set_intervals(results, replicates, metrics, cell_counts, ci, ci_method)
    return results


def _widen_degenerate(
    estimate: Estimate,
    metric: CountMetric,
    grouping: Grouping,
    cell_counts: np.ndarray | None,
    ci: float,
) -> None:
    """Replace zero-width bootstrap intervals of a proportion by Wilson score intervals.

    Every replicate of a group whose rows all agree (3 positives, all predicted positive)
    gives the same value; a zero-width interval would read as certainty. Wilson's interval
    has positive width for any count, so it states the uncertainty such a group leaves.
    """
    assert estimate.ci_low is not None and estimate.ci_high is not None
    flat = (estimate.ci_high - estimate.ci_low) <= 0
    if cell_counts is None or not flat.any() or metric.proportion is None:
        return
    part = metric.proportion(grouping.aggregate(cell_counts))
    low, high = wilson_interval(part.successes, part.trials, ci)
    estimate.ci_low = np.where(flat, low, estimate.ci_low)
    estimate.ci_high = np.where(flat, high, estimate.ci_high)
    estimate.ci_method = "bootstrap"
