"""The aggregation as SQL text, shared by DuckDB and Spark, and the rows it returns.

It writes queries and checks their answers (missing values, numeric scores); it never
connects to an engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._words import count as count_of
from ..errors import CardgenError
from ..metrics import BINS_ECE, bin_plan

if TYPE_CHECKING:
    from ._spec import AggregationSpec

Quote = Callable[[str], str]


@dataclass(frozen=True)
class CountRows:
    """The count table an engine returns.

    Attributes:
        rows: one tuple per group: the sensitive values, the label, then the prediction
            (with `pred`) or the score key, calibration bin and 0/1 prediction (with
            `score`), then the row count, then (binned scores only) the sums of the scores
            and of their squares. Values are as the engine returns them.
        exact: scores are kept exactly (the score key is the score); None without scores.
        score_range: smallest and largest score.
        engine: the engine's name.
    """

    rows: list[tuple[Any, ...]]
    exact: bool | None
    score_range: tuple[float, float] | None
    engine: str


def double(value: float) -> str:
    """A SQL double literal that both engines parse to the same bits."""
    return f"CAST('{value!r}' AS DOUBLE)"


def score_expr(q: Quote, spec: AggregationSpec) -> str:
    assert spec.score is not None
    return f"CAST({q(spec.score)} AS DOUBLE)"


def stats_sql(q: Quote, source: str, spec: AggregationSpec) -> str:
    """Rows, non-null scores, min, max, NaN scores and approximate distinct scores."""
    s = score_expr(q, spec)
    return (
        f"SELECT COUNT(*), COUNT({s}), MIN({s}), MAX({s}), "
        f"SUM(CASE WHEN isnan({s}) THEN 1 ELSE 0 END), approx_count_distinct({s}) "
        f"FROM {source}"
    )


def distinct_sql(q: Quote, source: str, spec: AggregationSpec) -> str:
    return f"SELECT COUNT(DISTINCT {score_expr(q, spec)}) FROM {source}"


def plan_scores(
    stats: Sequence[Any], distinct: Callable[[], int], spec: AggregationSpec
) -> tuple[bool, float, float, float]:
    """Check the scores and choose exact keys or bins: (exact, low, high, scale).

    `distinct` counts distinct scores exactly; it runs only when the approximate count
    is near the bin budget (an exact count of many distinct values costs memory).
    """
    rows, present, low, high, nans, approx = stats
    missing = int(rows) - int(present) + int(nans or 0)
    if rows == 0:
        raise CardgenError("no rows to evaluate")
    if missing == rows:
        raise CardgenError(f"column {spec.score!r} has no values (all {rows} rows are missing)")
    if missing:
        raise CardgenError(
            f"column {spec.score!r} has {count_of(missing, 'missing value')}; drop or "
            f"fill those rows (only sensitive features may be missing)"
        )
    count = distinct() if int(approx) <= 2 * spec.score_bins + 16 else int(approx)
    exact, scale = bin_plan(count, float(low), float(high), spec.score_bins)
    return exact, float(low), float(high), scale


def group_sql(
    q: Quote,
    source: str,
    spec: AggregationSpec,
    *,
    exact: bool = True,
    low: float = 0.0,
    scale: float = 0.0,
) -> str:
    """The aggregation: GROUP BY sensitive values, label, prediction (or score key,
    calibration bin and 0/1 prediction), with counts and, for binned scores, sums."""
    keys = [q(c) for c in spec.sensitive] + [q(spec.label)]
    sums: list[str] = []
    if spec.pred:
        keys.append(q(spec.pred))
    if spec.score:
        s = score_expr(q, spec)
        if exact:
            keys.append(s)
        else:
            keys.append(
                f"LEAST(GREATEST(CAST(FLOOR(({s} - {double(low)}) * {double(scale)}) "
                f"AS BIGINT), 0), {spec.score_bins - 1})"
            )
            # Exact decimal sums: the same total whatever order the engine adds rows in,
            # so the same input gives the same bytes (double sums vary with threads).
            sums = [
                f"SUM(CAST({s} AS DECIMAL(38, 18)))",
                f"SUM(CAST({s} * {s} AS DECIMAL(38, 18)))",
            ]
        keys.append(f"LEAST(CAST(FLOOR({s} * {BINS_ECE}) AS BIGINT), {BINS_ECE - 1})")
        keys.append(f"CASE WHEN {s} >= {double(spec.threshold)} THEN 1 ELSE 0 END")
    positions = ", ".join(str(i + 1) for i in range(len(keys)))
    return f"SELECT {', '.join([*keys, 'COUNT(*)', *sums])} FROM {source} GROUP BY {positions}"


def check_columns(source: str, spec: AggregationSpec, available: Sequence[str]) -> None:
    """Name each missing column and list those available."""
    missing = [c for c in spec.columns if c not in available]
    if missing:
        raise CardgenError(
            f"{source}: no column {', '.join(repr(c) for c in missing)}; "
            f"available columns: {', '.join(available) or '(none)'}"
        )


def check_score_type(source: str, spec: AggregationSpec, numeric: bool) -> None:
    if spec.score and not numeric:
        raise CardgenError(f"{source}: column {spec.score!r} must hold numeric scores")


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
