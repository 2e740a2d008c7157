"""`cardgen evaluate`: read a predictions table, check it, and build a DisaggregatedEvaluation.

It owns input reading, validation and the schema objects; the math lives in cardgen.metrics,
and nothing here prints (the CLI does).
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._io import atomic_write_text, dumps_json, sha256_file
from ._paths import portable
from .errors import CardgenError
from .facts import collection_time, new_provenance
from .metrics import (
    DEFAULT_METRICS,
    DEFAULT_SCORE_BINS,
    HEADLINE_METRICS,
    INSUFFICIENT,
    MISSING,
    PER_CLASS,
    SCORE_METRICS,
    CellTable,
    EncodedTable,
    Estimate,
    Gap,
    GroupingResult,
    available_metrics,
    between_groups,
    disaggregate,
    disaggregate_cells,
    evidence_mask,
    fairness_measures,
    roc_auc_error_bound,
    to_cells,
    to_reference,
    value_sort_key,
)
from .schema import (
    DatasetReference,
    DisaggregatedEvaluation,
    Disparity,
    GroupResult,
    InsufficientEvidence,
    MetricValue,
    ThresholdTest,
)
from .schema.sources import EvaluateSource
from .tables import check_encoding, missing_columns, read_frames

CHUNK_ROWS = 1_000_000
"""Rows read at a time from CSV, Parquet and JSON Lines files."""

PROGRESS_MIN_ROWS = 200_000
"""Inputs at least this large get a progress bar (when progress is asked for)."""

FAIRNESS_MEASURES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)
"""Named measures reported for binary tasks (fairlearn's names and definitions)."""

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_REQUIREMENT = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]+\])?(?:_(?:difference|ratio|min|max))?)"
    r"\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
_SUFFIXES = ("_difference", "_ratio", "_min", "_max")
_SCORE_RANGE_METRICS = ("brier_score", "expected_calibration_error")


@dataclass(frozen=True)
class Requirement:
    """A parsed threshold test such as `demographic_parity_ratio>=0.8`."""

    expression: str
    metric: str
    operator: str
    threshold: float


def parse_requirement(expression: str) -> Requirement:
    """Parse `METRIC OP NUMBER` (OP one of >=, <=, >, <, ==, !=).

    METRIC is a fairness measure (`demographic_parity_ratio`), an overall metric
    (`accuracy`), or a metric over the intersectional groups with a suffix:
    `accuracy_min`, `accuracy_max`, `accuracy_difference`, `accuracy_ratio`.

    Raises:
        CardgenError: when the expression does not parse.
    """
    match = _REQUIREMENT.match(expression)
    if not match:
        raise CardgenError(
            f"cannot parse requirement {expression!r}: expected METRIC OP NUMBER with OP one "
            f"of >=, <=, >, <, ==, != (e.g. 'demographic_parity_ratio>=0.8')"
        )
    threshold = float(match["threshold"])
    return Requirement(expression, match["metric"], match["op"], threshold)


# --- encoding -----------------------------------------------------------------------------


def value_text(value: Any) -> str:
    """The text of a group or class value: `1` for 1 and 1.0, `(missing)` for NaN/None."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return MISSING
    if value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


class _Codebook:
    """Values seen so far, each with a stable integer code (in order of first appearance)."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def code(self, value: Any) -> int:
        if value not in self.index:
            self.index[value] = len(self.values)
            self.values.append(value)
        return self.index[value]

    def encode(self, column: pd.Series) -> tuple[np.ndarray, int]:
        """Codes of a column's values as text; -1 marks a missing value. Also the count of
        missing values."""
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        # int32 codes: half the memory of pandas' int64 ones (the last entry maps NaN's -1).
        lut = np.array([self.code(value_text(u)) for u in uniques] + [-1], dtype=np.int32)
        coded = lut[codes]
        del codes
        return coded, int((coded < 0).sum())

    def final_order(self) -> np.ndarray:
        """Map from provisional code to the code in sorted value order."""
        order = sorted(range(len(self.values)), key=lambda i: value_sort_key(self.values[i]))
        remap = np.empty(len(order), dtype=np.int32)
        remap[order] = np.arange(len(order))
        return remap


@dataclass
class _ColumnStats:
    missing: int = 0
    first_missing: int | None = None

    def add(self, mask: np.ndarray, offset: int) -> None:
        count = int(mask.sum())
        if count and self.first_missing is None:
            self.first_missing = offset + int(np.argmax(mask)) + 1
        self.missing += count


@dataclass
class _Collected:
    group: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    y_pred: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)


class _Encoder:
    """Turns chunks of a table into compact arrays, with codebooks that span chunks."""

    def __init__(
        self,
        *,
        label: str,
        pred: str | None,
        score: str | None,
        sensitive: Sequence[str],
        numeric_labels: bool | None,
    ):
        self.label, self.pred, self.score_col = label, pred, score
        self.sensitive = list(sensitive)
        self.features = [_Codebook() for _ in sensitive]
        self.cells = _Codebook()
        self.classes = _Codebook()
        self.numeric_labels = numeric_labels
        self.stats = {c: _ColumnStats() for c in [label, pred, score, *sensitive] if c}
        self.data = _Collected()
        self.rows = 0
        self.integral = True

    def add(self, chunk: pd.DataFrame) -> None:
        offset, n = self.rows, len(chunk)
        if n == 0:
            return
        codes = []
        for name, book in zip(self.sensitive, self.features, strict=True):
            feature_codes, n_missing = book.encode(chunk[name])
            if n_missing:
                missing = feature_codes < 0
                self.stats[name].add(missing, offset)
                feature_codes[missing] = book.code(MISSING)
            codes.append(feature_codes)
        self.data.group.append(self._cells(codes, n))
        if self.numeric_labels is None:
            self.numeric_labels = (
                pd.api.types.is_numeric_dtype(chunk[self.label])
                and not pd.api.types.is_bool_dtype(chunk[self.label])
                and self.score_col is None
            )
        y_col = chunk[self.label]
        if self.numeric_labels:
            y = self._numeric(y_col, self.label, offset)
            self.integral &= bool(np.all(np.isnan(y) | (y == np.round(y))))
            self.data.y.append(y)
        else:
            y_codes, _ = self.classes.encode(y_col)
            self.stats[self.label].add(y_codes < 0, offset)
            self.data.y.append(y_codes)
        if self.pred:
            if self.numeric_labels:
                p = self._numeric(chunk[self.pred], self.pred, offset)
                self.integral &= bool(np.all(np.isnan(p) | (p == np.round(p))))
                self.data.y_pred.append(p)
            else:
                p_codes, _ = self.classes.encode(chunk[self.pred])
                self.stats[self.pred].add(p_codes < 0, offset)
                self.data.y_pred.append(p_codes)
        if self.score_col:
            self.data.score.append(
                self._numeric(chunk[self.score_col], self.score_col, offset, what="scores")
            )
        self.rows += n

    def _numeric(
        self, column: pd.Series, name: str, offset: int, what: str = "values"
    ) -> np.ndarray:
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            converted = pd.to_numeric(column, errors="coerce")
            bad = converted.isna() & column.notna()
            if bad.any():
                row = offset + int(np.argmax(bad.to_numpy())) + 1
                raise CardgenError(
                    f"column {name!r} must hold numeric {what}; row {row} has "
                    f"{column[bad].iloc[0]!r}"
                )
            column = converted
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        self.stats[name].add(np.isnan(values), offset)
        return values

    def _cells(self, codes: list[np.ndarray], n: int) -> np.ndarray:
        if not codes:
            return np.zeros(n, dtype=np.int32)
        sizes = [max(1, len(book.values)) for book in self.features]
        if math.prod(sizes) < 2**62:
            key = codes[0].astype(np.int64)
            for size, feature_codes in zip(sizes[1:], codes[1:], strict=True):
                key *= size
                key += feature_codes
            codes.clear()
            local, uniques = pd.factorize(key)
            del key
            tuples = np.unravel_index(uniques, sizes)
        else:
            uniques_rows, local = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
            tuples = tuple(uniques_rows.T)
        lut = np.array(
            [self.cells.code(t) for t in zip(*(map(int, c) for c in tuples), strict=True)],
            dtype=np.int32,
        )
        return lut[np.asarray(local).reshape(-1)]


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    """The chunks' arrays as one (without a copy for a single chunk); empties the list."""
    whole = parts[0] if len(parts) == 1 else np.concatenate(parts)
    parts.clear()
    return whole


def _check_columns_complete(encoder: _Encoder, source: str) -> None:
    if encoder.rows == 0:
        raise CardgenError(f"{source}: no rows to evaluate")
    for name, stats in encoder.stats.items():
        if stats.missing == encoder.rows:
            raise CardgenError(
                f"{source}: column {name!r} has no values (all {encoder.rows} rows are missing)"
            )
        if name in encoder.sensitive or not stats.missing:
            continue
        raise CardgenError(
            f"{source}: column {name!r} has {stats.missing} missing value(s), first at row "
            f"{stats.first_missing}; drop or fill those rows (only sensitive features may be "
            f"missing)"
        )


def _infer_task(encoder: _Encoder, task: str | None, score: str | None) -> str:
    if task:
        return task
    if score:
        return "binary"
    if encoder.numeric_labels and not encoder.integral:
        return "regression"
    n_values = (
        len(np.unique(np.concatenate(encoder.data.y)))
        if encoder.numeric_labels
        else len(encoder.classes.values)
    )
    if n_values <= 2:
        return "binary"
    if not encoder.numeric_labels:
        return "multiclass"
    raise CardgenError(
        f"cannot infer the task: the label has {n_values} integer values, which "
        f"could be classes or a regression target; pass --task"
    )


def _check_shared_values(
    encoder: _Encoder, classes: list[str], y: np.ndarray, y_pred: np.ndarray, source: str
) -> None:
    """Predicted labels that share no value with the true labels are a mistake (a wrong
    column, or labels coded differently such as `>50K` against `1`), not a task."""
    true_values = set(np.unique(y).tolist())
    pred_values = set(np.unique(y_pred).tolist())
    # Two values in all (labels all 0, predictions all 1) is a binary task got wrong, not a
    # coding mistake.
    if true_values & pred_values or len(true_values | pred_values) <= 2:
        return
    shown = ", ".join(repr(classes[c]) for c in sorted(true_values)[:5])
    predicted = ", ".join(repr(classes[c]) for c in sorted(pred_values)[:5])
    raise CardgenError(
        f"{source}: the predictions in {encoder.pred!r} share no value with the labels in "
        f"{encoder.label!r} (labels: {shown}; predictions: {predicted}); map both to the same "
        f"values, or check that --pred names the predicted-label column"
    )


def positive_class(classes: list[str], pos_label: Any, label: str) -> tuple[int, str]:
    """Index of the positive class in `classes` (-1 when no row has it) and its name."""
    if pos_label is not None:
        wanted = value_text(pos_label)
        if wanted in classes:
            return classes.index(wanted), wanted
        if len(classes) == 2:
            raise CardgenError(
                f"--pos-label {wanted!r} is not a value of the label or the "
                f"prediction; values: {', '.join(classes)}"
            )
        return -1, wanted
    for negative, positive in (("0", "1"), ("-1", "1"), ("False", "True")):
        if set(classes) <= {negative, positive}:
            return (classes.index(positive) if positive in classes else -1), positive
    raise CardgenError(
        f"cannot tell the positive class of {label!r} (values: "
        f"{', '.join(classes)}); pass --pos-label"
    )


@dataclass(frozen=True)
class _Encoded:
    table: EncodedTable | CellTable
    positive: str | None
    score_range: tuple[float, float] | None
    empty_cells: int


def _finish(
    encoder: _Encoder, *, task: str | None, threshold: float | None, pos_label: Any, source: str
) -> _Encoded:
    _check_columns_complete(encoder, source)
    task = _infer_task(encoder, task, encoder.score_col)
    group = _concat(encoder.data.group)
    # Groups in sorted value order, so that the output does not depend on row order.
    values = [
        tuple(encoder.features[f].values[c] for f, c in enumerate(cell))
        for cell in encoder.cells.values
    ]
    order = sorted(range(len(values)), key=lambda i: tuple(value_sort_key(v) for v in values[i]))
    remap = np.empty(len(order), dtype=np.int32)
    remap[order] = np.arange(len(order))
    group = remap[group] if len(order) else group
    cells = tuple(values[i] for i in order) if encoder.sensitive else ((),)
    empty_cells = (
        math.prod(len(book.values) for book in encoder.features) - len(order)
        if encoder.sensitive
        else 0
    )
    score = _concat(encoder.data.score) if encoder.score_col else None
    y = _concat(encoder.data.y)
    y_pred = _concat(encoder.data.y_pred) if encoder.pred else None

    if task == "regression":
        if not encoder.numeric_labels:
            raise CardgenError(
                f"column {encoder.label!r} is not numeric; a regression task needs numeric labels"
            )
        if y_pred is None:
            raise CardgenError("a regression task needs --pred")
        table = EncodedTable("regression", tuple(encoder.sensitive), cells, group, y, y_pred)
        return _Encoded(table, None, None, empty_cells)

    if encoder.numeric_labels:
        # Integral numeric labels: classes are their texts, coded like any other column.
        y = encoder.classes.encode(pd.Series(y))[0]
        if y_pred is not None:
            y_pred = encoder.classes.encode(pd.Series(y_pred))[0]
    class_remap = encoder.classes.final_order()
    classes = sorted(encoder.classes.values, key=value_sort_key)
    y = class_remap[y]
    y_pred = class_remap[y_pred] if y_pred is not None else None
    if y_pred is not None:
        _check_shared_values(encoder, classes, y, y_pred, source)

    if task == "multiclass":
        if score is not None:
            raise CardgenError("--score is for binary tasks; give a multiclass task --pred")
        assert y_pred is not None
        table = EncodedTable(
            "multiclass", tuple(encoder.sensitive), cells, group, y, y_pred, classes=tuple(classes)
        )
        return _Encoded(table, None, None, empty_cells)

    label_classes = sorted({classes[c] for c in np.unique(y)}, key=value_sort_key)
    if len(label_classes) > 2:
        raise CardgenError(
            f"column {encoder.label!r} has {len(label_classes)} distinct values "
            f"({', '.join(label_classes[:10])}); a binary task needs at most two "
            f"(pass --task multiclass, or map the labels to two values)"
        )
    if len(classes) > 2:
        raise CardgenError(
            f"the prediction column {encoder.pred!r} has values that are not among the "
            f"labels: the two together have {len(classes)} values ({', '.join(classes[:10])})"
        )
    positive, positive_name = positive_class(classes, pos_label, encoder.label)
    y01 = (y == positive).astype(np.int8)
    if score is not None:
        score_range = (float(score.min()), float(score.max()))
        if threshold is None:
            if score_range[0] < 0 or score_range[1] > 1:
                raise CardgenError(
                    f"{source}: scores in {encoder.score_col!r} range from {score_range[0]:g} "
                    f"to {score_range[1]:g}, outside [0, 1], so the default threshold 0.5 "
                    f"would not mean 'more likely than not'; pass --threshold (e.g. the "
                    f"score at or above which the model predicts {positive_name!r})"
                )
            threshold = 0.5
        pred01 = (score >= threshold).astype(np.int8)
    else:
        assert y_pred is not None
        pred01 = (y_pred == positive).astype(np.int8)
        score_range = None
    negatives = [c for i, c in enumerate(classes) if i != positive]
    names = [negatives[0] if negatives else f"not {positive_name}", positive_name]
    table = EncodedTable(
        "binary",
        tuple(encoder.sensitive),
        cells,
        group,
        y01,
        pred01,
        score=score,
        classes=tuple(names),
    )
    return _Encoded(table, names[1], score_range, empty_cells)


# --- metric choice ------------------------------------------------------------------------


def _choose_metrics(
    encoded: _Encoded,
    requested: Sequence[str],
    requirements: Sequence[Requirement],
    headline: Sequence[str] = (),
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Reported metrics, metrics computed (reported plus what fairness measures need),
    notes about metrics left out, and the headline metrics (always reported)."""
    table = encoded.table
    with_score = table.score is not None
    available = available_metrics(
        table.task,  # type: ignore[arg-type]
        with_score=with_score,
        classes=table.classes,
    )
    notes: list[str] = []

    def expand(name: str) -> list[str]:
        if table.task == "multiclass" and name in PER_CLASS:
            return [f"{name}[{c}]" for c in table.classes]
        if name in available:
            return [name]
        if name in SCORE_METRICS and not with_score:
            raise CardgenError(f"metric {name!r} needs scores; pass --score")
        raise CardgenError(
            f"unknown metric {name!r} for a {table.task} task; available: "
            f"{', '.join(sorted(set(available) | set(PER_CLASS)))}"
        )

    score_ok = encoded.score_range is None or (
        encoded.score_range[0] >= 0 and encoded.score_range[1] <= 1
    )
    if requested:
        names = [m for name in requested for m in expand(name)]
        bad = [m for m in names if m in _SCORE_RANGE_METRICS]
        if bad and not score_ok:
            assert encoded.score_range is not None  # score_ok holds without scores
            raise CardgenError(
                f"{', '.join(bad)} need scores in [0, 1]; scores range from "
                f"{encoded.score_range[0]} to {encoded.score_range[1]}"
            )
    else:
        defaults = list(DEFAULT_METRICS[table.task])
        if with_score:
            extra = list(DEFAULT_METRICS["binary+score"])
            if not score_ok:
                extra = [m for m in extra if m not in _SCORE_RANGE_METRICS]
                notes.append(
                    "brier_score and expected_calibration_error left out: scores are not in [0, 1]"
                )
            defaults += extra
        names = [m for name in defaults for m in expand(name)]
    for requirement in requirements:
        metric = requirement.metric
        if metric in FAIRNESS_MEASURES:
            if table.task != "binary":
                raise CardgenError(
                    f"requirement {requirement.expression!r}: {metric} is "
                    f"defined for binary tasks only"
                )
            if not table.features:
                raise CardgenError(
                    f"requirement {requirement.expression!r}: {metric} needs --sensitive"
                )
            continue
        base = metric
        for suffix in _SUFFIXES:
            if metric.endswith(suffix) and metric not in available:
                base = metric.removesuffix(suffix)
        if base not in available:
            raise CardgenError(
                f"requirement {requirement.expression!r}: unknown metric {metric!r}; use a "
                f"fairness measure ({', '.join(FAIRNESS_MEASURES)}), a metric, or a metric "
                f"with _min, _max, _difference or _ratio"
            )
        if base not in names:
            names.append(base)
    if headline:
        headlines = [m for name in headline for m in expand(name)]
    else:
        defaults = list(HEADLINE_METRICS[table.task])
        if with_score:
            defaults += list(HEADLINE_METRICS["binary+score"])
        headlines = [m for name in defaults for m in expand(name)]
        if requested:
            # Asked-for metrics only: the defaults among them (else the first few).
            headlines = [m for m in headlines if m in names] or [m for m in names if m != "count"][
                : len(headlines)
            ]
    headlines = list(dict.fromkeys(headlines))
    reported = list(dict.fromkeys([*names, *headlines]))
    computed = list(reported)
    if table.task == "binary" and table.features:
        computed += [
            m
            for m in ("selection_rate", "true_positive_rate", "false_positive_rate")
            if m not in computed
        ]
    return reported, computed, notes, headlines


# --- building the schema objects ----------------------------------------------------------


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _metric_value(estimate: Estimate, i: int, ci: float) -> MetricValue:
    value = _num(estimate.value[i])
    n = round(float(estimate.n[i]))
    if value is None:
        return MetricValue(value=None, undefined_reason=estimate.undefined_reason, n=n)
    low = _num(estimate.ci_low[i]) if estimate.ci_low is not None else None
    high = _num(estimate.ci_high[i]) if estimate.ci_high is not None else None
    has_ci = low is not None and high is not None
    return MetricValue(
        value=value,
        n=n,
        ci_low=low if has_ci else None,
        ci_high=high if has_ci else None,
        ci_level=ci if has_ci else None,
        ci_method=estimate.ci_method if has_ci else "none",
    )


def _gap_value(gap: Gap, ci: float, n: int) -> MetricValue:
    value = _num(gap.value)
    if value is None:
        return MetricValue(value=None, undefined_reason=gap.undefined_reason, n=n)
    # A zero-width gap interval comes from groups whose every replicate agrees (tiny
    # groups, typically): shown, it would read as certainty, so the gap gets no interval.
    has_ci = bool(np.isfinite(gap.ci_low) and np.isfinite(gap.ci_high) and gap.ci_high > gap.ci_low)
    return MetricValue(
        value=value,
        n=n,
        ci_low=float(gap.ci_low) if has_ci else None,
        ci_high=float(gap.ci_high) if has_ci else None,
        ci_level=ci if has_ci else None,
        ci_method="bootstrap" if has_ci else "none",
    )


def _parse_reference(
    reference: str | dict[str, str] | None, features: Sequence[str]
) -> dict[str, str]:
    if reference is None:
        return {}
    if isinstance(reference, dict):
        parsed = {str(k): value_text(v) for k, v in reference.items()}
    else:
        parsed = {}
        for part in reference.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise CardgenError(
                    f"cannot parse --reference {reference!r}: expected "
                    f"FEATURE=VALUE[,FEATURE=VALUE...]"
                )
            parsed[key.strip()] = value.strip()
    unknown = [k for k in parsed if k not in features]
    if unknown:
        raise CardgenError(
            f"--reference names {', '.join(unknown)}, which is not a sensitive "
            f"feature ({', '.join(features) or 'none given'})"
        )
    return parsed


def _reference_index(result: GroupingResult, reference: dict[str, str]) -> int:
    features = result.grouping.features
    if all(f in reference for f in features):
        wanted = tuple(reference[f] for f in features)
        if wanted not in result.grouping.labels:
            groups = "; ".join(_label(features, lab) for lab in result.grouping.labels[:20])
            raise CardgenError(
                f"--reference group {_label(features, wanted)} has no rows; groups: {groups}"
            )
        return result.grouping.labels.index(wanted)
    return int(np.argmax(result.sizes))  # the largest group; the first one on ties


def _label(features: Sequence[str], values: Sequence[str]) -> str:
    return ", ".join(f"{f}={v}" for f, v in zip(features, values, strict=True))


def _observed(
    requirement: Requirement,
    overall: dict[str, MetricValue],
    measures: dict[str, Gap],
    intersectional: GroupingResult | None,
    ci: float,
    min_n: int = 0,
) -> tuple[float | None, str | None, list[dict[str, str]]]:
    """The value a requirement reads, why it is missing, and the groups that produce it."""
    metric = requirement.metric
    labels = intersectional.grouping.labels if intersectional is not None else ()
    features = intersectional.grouping.features if intersectional is not None else ()

    def named(indices: Sequence[int | None]) -> list[dict[str, str]]:
        return [dict(zip(features, labels[i], strict=True)) for i in indices if i is not None]

    if metric in measures:
        gap = measures[metric]
        value = _num(gap.value)
        return (
            value,
            None if value is not None else gap.undefined_reason,
            named([gap.low_index, gap.high_index]),
        )
    if metric in overall:
        mv = overall[metric]
        return mv.value, mv.undefined_reason, []
    for suffix in _SUFFIXES:
        base = metric.removesuffix(suffix)
        if base == metric:
            continue
        if intersectional is None:
            return None, "no sensitive features given", []
        estimate = intersectional.metrics[base]
        if suffix in ("_min", "_max"):
            keep = evidence_mask(estimate, min_n)
            if not keep.any():
                why = (
                    "metric undefined in every group"
                    if not np.isfinite(estimate.value).any()
                    else f"{INSUFFICIENT}: no group has at least {min_n} observations for {base}"
                )
                return None, why, []
            values = np.where(keep, estimate.value, np.nan)
            i = int(np.nanargmin(values) if suffix == "_min" else np.nanargmax(values))
            return float(values[i]), None, named([i])
        gap = between_groups(estimate, ci, min_n)[suffix[1:]]
        value = _num(gap.value)
        return (
            value,
            gap.undefined_reason if value is None else None,
            named([gap.low_index, gap.high_index]),
        )
    return None, f"unknown metric {metric!r}", []


def _threshold_test(
    requirement: Requirement,
    observed: float | None,
    reason: str | None,
    groups: list[dict[str, str]],
) -> ThresholdTest:
    if observed is None:
        why = reason or "undefined"
        if why.startswith(INSUFFICIENT):
            text = f"not evaluated ({INSUFFICIENT}): {why.removeprefix(INSUFFICIENT + ': ')}"
        else:
            text = f"not evaluated: {why}"
        return ThresholdTest(
            expression=requirement.expression,
            metric=requirement.metric,
            operator=requirement.operator,
            threshold=requirement.threshold,
            observed=None,
            passed=None,
            reason=f"{text}; counts as a failure",
        )
    passed = _OPERATORS[requirement.operator](observed, requirement.threshold)
    return ThresholdTest(
        expression=requirement.expression,
        metric=requirement.metric,
        operator=requirement.operator,
        threshold=requirement.threshold,
        observed=observed,
        passed=passed,
        groups=groups,
    )


# --- reading through an engine -----------------------------------------------------------------


def _read_pandas(
    data: pd.DataFrame | str | os.PathLike[str],
    columns: list[str],
    *,
    encoding: str,
    label: str,
    pred: str | None,
    score: str | None,
    sensitive: list[str],
    task: str | None,
    threshold: float | None,
    pos_label: Any,
    progress: bool,
) -> tuple[_Encoded, DatasetReference | None, dict[str, str], str]:
    """Rows of a frame or one file, encoded in memory (the pandas engine)."""
    numeric = True if task == "regression" else (False if task else None)
    encoder = _Encoder(
        label=label, pred=pred, score=score, sensitive=sensitive, numeric_labels=numeric
    )
    if isinstance(data, pd.DataFrame):
        source = "data"
        missing_columns("data", columns, [str(c) for c in data.columns])
        encoder.add(data[columns])
        dataset = None
        input_hash: dict[str, str] = {}
        default_name = "evaluation"
    else:
        path = Path(data)
        source = str(path)
        chunks = read_frames(path, columns, chunk_rows=CHUNK_ROWS, encoding=encoding)
        if progress:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, desc="reading", unit="chunk", leave=False, disable=None)
        for chunk in chunks:
            encoder.add(chunk)
        digest = sha256_file(path)
        input_hash = {str(data): digest}
        dataset = DatasetReference(name=path.name, uri=str(data), revision=f"sha256:{digest}")
        default_name = path.name.split(".")[0] or "evaluation"
    encoded = _finish(encoder, task=task, threshold=threshold, pos_label=pos_label, source=source)
    return encoded, dataset, input_hash, default_name


def _read_engine(
    engine: str,
    data: str | os.PathLike[str],
    *,
    label: str,
    pred: str | None,
    score: str | None,
    sensitive: list[str],
    task: str | None,
    threshold: float | None,
    pos_label: Any,
    score_bins: int,
    spark_master: str,
) -> tuple[_Encoded, DatasetReference | None, dict[str, str], str]:
    """The count table of files or a Spark table, aggregated by DuckDB or Spark."""
    from .engines import (
        AggregationSpec,
        aggregate,
        default_name,
        encode_counts,
        resolve_inputs,
    )

    inputs = resolve_inputs(data)
    spec = AggregationSpec(
        label=label,
        pred=pred,
        score=score,
        threshold=0.5 if threshold is None else threshold,
        sensitive=tuple(sensitive),
        score_bins=score_bins or 1,
    )
    counts = aggregate(engine, inputs, spec, spark_master=spark_master)
    low, high = counts.score_range or (0.0, 1.0)
    if score and threshold is None and (low < 0 or high > 1):
        raise CardgenError(
            f"{inputs.given}: scores in {score!r} range from {low:g} to {high:g}, outside "
            f"[0, 1], so the default threshold 0.5 would not mean 'more likely than not'; "
            f"pass --threshold (e.g. the score at or above which the model predicts the "
            f"positive class)"
        )
    table, positive, empty = encode_counts(
        counts, spec, task=task, pos_label=pos_label, source=inputs.given
    )
    input_hash = {str(f): sha256_file(f) for f in inputs.files}
    given = os.fspath(data)
    if inputs.table is not None:
        dataset = DatasetReference(name=inputs.table, uri=given)
    else:
        single = len(inputs.files) == 1 and inputs.folder is None
        name = inputs.files[0].name if single else Path(given).name
        revision = f"sha256:{input_hash[str(inputs.files[0])]}" if single else None
        dataset = DatasetReference(name=name, uri=given, revision=revision)
    return (
        _Encoded(table, positive, counts.score_range, empty),
        dataset,
        input_hash,
        default_name(given),
    )


def _score_bin_details(table: CellTable) -> dict[str, Any]:
    """How the scores were binned, and the largest ROC AUC error that binning allows."""
    from .metrics import groupings

    bins = table.score
    assert bins is not None
    bound = 0.0
    # Exact bins hold one distinct score: their positive-negative pairs are real ties.
    for grouping in [] if bins.exact else groupings(table.features, table.cells):
        per_group = roc_auc_error_bound(grouping.aggregate(bins.n))
        if np.isfinite(per_group).any():
            bound = max(bound, float(np.nanmax(per_group)))
    return {
        "budget": bins.budget,
        "bins": int(bins.n.shape[-1]),
        "exact": bins.exact,
        "roc_auc_max_error": bound,
    }


# --- the public function ------------------------------------------------------------------


def evaluate(
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    label: str,
    pred: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    sensitive: Sequence[str] = (),
    pos_label: Any = None,
    task: str | None = None,
    metrics: Sequence[str] = (),
    headline_metrics: Sequence[str] = (),
    include_small_groups: bool = False,
    require: Sequence[str] = (),
    ci_method: Literal["bootstrap", "wilson", "none"] = "bootstrap",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    min_group_size: int = 30,
    reference: str | dict[str, str] | None = None,
    name: str | None = None,
    progress: bool = False,
    engine: str = "auto",
    score_bins: int = DEFAULT_SCORE_BINS,
    spark_master: str = "local[*]",
    encoding: str = "utf-8",
) -> DisaggregatedEvaluation:
    """Disaggregated evaluation of predictions by group and intersectional group.

    Groups are the intersections of all `sensitive` features, and each feature alone; a
    missing sensitive value forms the group `(missing)`. Every metric gets a confidence
    interval and the count it rests on; a metric with an empty denominator is null with a
    reason, never 0. Point estimates equal fairlearn's `MetricFrame` on the same data.

    Args:
        data: a DataFrame, or a CSV, Parquet or JSON Lines file (read in chunks).
        label: column with the true label.
        pred: column with the predicted label (give `pred` or `score`).
        score: column with the positive-class score; prediction is `score >= threshold`.
        threshold: decision threshold for `score`; 0.5 when None, which needs scores in
            [0, 1] (scores outside it without a threshold are an error).
        sensitive: sensitive feature columns.
        pos_label: the positive class (binary); 1 or True by default for 0/1 or bool labels.
        task: `binary`, `multiclass` or `regression`; inferred when unambiguous.
        metrics: metric names (fairlearn / scikit-learn names); a default set per task.
        headline_metrics: the few metrics readers see first (always computed); a default
            set per task when empty (see `cardgen.metrics.HEADLINE_METRICS`).
        include_small_groups: let values that rest on fewer than `min_group_size`
            observations into gaps, fairness measures and tests (fairlearn's behaviour).
        require: threshold tests such as `demographic_parity_ratio>=0.8`.
        ci_method: `bootstrap` (every number), `wilson` (proportions; bootstrap for the
            rest) or `none`.
        n_boot: bootstrap replicates.
        ci: confidence level.
        seed: bootstrap seed.
        min_group_size: groups with fewer rows are flagged `small`; a metric value whose
            own denominator is smaller is insufficient evidence (left out of gaps).
        reference: reference group for disparities, `race=White,sex=Male`; default largest.
        name: the evaluation's name; the file stem (or `evaluation`) by default.
        progress: show progress bars for large inputs.
        engine: `auto`, `pandas`, `duckdb` or `spark` (see `cardgen.engines`): which engine
            computes the count table. DuckDB and Spark also read globs, hive-partitioned
            folders and (Spark) `spark:db.table`.
        score_bins: score-bin budget of ROC AUC, Brier score and calibration (see
            `cardgen.metrics.DEFAULT_SCORE_BINS`); 0 computes them from rows (pandas only).
        spark_master: Spark master URL when a new SparkSession is started.
        encoding: text encoding of a CSV or JSON file (pandas engine; DuckDB and Spark
            read UTF-8).

    Returns:
        The evaluation; its `threshold_tests` say whether each requirement passed.

    Raises:
        CardgenError: for any problem with the input or the options, before anything is
            computed or written.

    Example:
        >>> ev = evaluate(df, label="y", pred="yhat", sensitive=["race", "sex"],
        ...               require=["demographic_parity_ratio>=0.8"])  # doctest: +SKIP
    """
    requirements = [parse_requirement(r) for r in require]
    if (pred is None) == (score is None):
        raise CardgenError(
            "give exactly one of --pred (predicted labels) or --score (scores, with --threshold)"
        )
    if task not in (None, "binary", "multiclass", "regression"):
        raise CardgenError(f"unknown task {task!r}; use binary, multiclass or regression")
    if ci_method not in ("bootstrap", "wilson", "none"):
        raise CardgenError(f"unknown --ci-method {ci_method!r}; use bootstrap, wilson or none")
    if not 0 < ci < 1:
        raise CardgenError(f"--ci must be between 0 and 1, got {ci}")
    if n_boot < 1 and ci_method != "none":
        raise CardgenError(f"--n-boot must be at least 1, got {n_boot}")
    sensitive = list(sensitive)
    columns = [c for c in [label, pred, score, *sensitive] if c]
    if len(set(columns)) != len(columns):
        raise CardgenError(f"a column is used twice: {', '.join(columns)}")
    references = _parse_reference(reference, sensitive)
    if score_bins < 0:
        raise CardgenError(f"--score-bins must be 0 or more, got {score_bins}")
    from .engines import choose_engine

    chosen = choose_engine(engine, data)
    check_encoding(encoding, chosen)
    if chosen == "pandas":
        encoded, dataset, input_hash, default_name = _read_pandas(
            data,
            columns,
            encoding=encoding,
            label=label,
            pred=pred,
            score=score,
            sensitive=sensitive,
            task=task,
            threshold=threshold,
            pos_label=pos_label,
            progress=progress,
        )
    else:
        if score_bins == 0:
            raise CardgenError(
                f"--score-bins 0 (scores from rows) needs --engine pandas; "
                f"the {chosen} engine bins scores"
            )
        assert not isinstance(data, pd.DataFrame)  # choose_engine keeps frames on pandas
        encoded, dataset, input_hash, default_name = _read_engine(
            chosen,
            data,
            label=label,
            pred=pred,
            score=score,
            sensitive=sensitive,
            task=task,
            threshold=threshold,
            pos_label=pos_label,
            score_bins=score_bins,
            spark_master=spark_master,
        )
    reported, computed, notes, headlines = _choose_metrics(
        encoded, metrics, requirements, headline_metrics
    )
    table = encoded.table
    show = progress and table.n_rows >= PROGRESS_MIN_ROWS
    if isinstance(table, EncodedTable):
        results = disaggregate(
            table,
            computed,
            ci_method=ci_method,
            n_boot=n_boot,
            ci=ci,
            seed=seed,
            progress=show,
            score_bins=score_bins,
        )
        cell_table = (
            to_cells(table, score_bins)
            if (table.score is not None and score_bins and table.task == "binary")
            else None
        )
    else:
        results = disaggregate_cells(
            table, computed, ci_method=ci_method, n_boot=n_boot, ci=ci, seed=seed, progress=show
        )
        cell_table = table
    evaluation = _build(
        encoded,
        results,
        reported,
        requirements,
        notes,
        references,
        ci=ci,
        ci_method=ci_method,
        n_boot=n_boot,
        seed=seed,
        min_group_size=min_group_size,
        include_small=include_small_groups,
    )
    evaluation.headline_metrics = headlines
    evaluation.name = name or default_name
    evaluation.label_column, evaluation.prediction_column = label, pred
    evaluation.score_column = score
    evaluation.threshold = (0.5 if threshold is None else threshold) if score else None
    evaluation.dataset = dataset
    evaluation.details["input"] = {"rows": table.n_rows, "columns": columns}
    evaluation.details["engine"] = chosen
    if (
        cell_table is not None
        and cell_table.score is not None
        and any(m in SCORE_METRICS for m in computed)
    ):
        evaluation.details["score_bins"] = _score_bin_details(cell_table)
    from .engines import engine_version

    distribution, version = engine_version(chosen)
    evaluation.provenance = new_provenance(
        "evaluate",
        libraries=tuple(dict.fromkeys(("numpy", "pandas", "pyarrow", distribution))),
        collected_at=collection_time(),
        uri=str(data) if dataset or chosen != "pandas" else None,
        input_sha256=input_hash,
        seed=seed if ci_method != "none" else None,
        engine=f"{chosen} {version}",
    )
    return evaluation


def _build(
    encoded: _Encoded,
    results: list[GroupingResult],
    reported: list[str],
    requirements: list[Requirement],
    notes: list[str],
    references: dict[str, str],
    *,
    ci: float,
    ci_method: str,
    n_boot: int,
    seed: int,
    min_group_size: int,
    include_small: bool = False,
) -> DisaggregatedEvaluation:
    table = encoded.table
    min_n = 0 if include_small else min_group_size
    overall_result = results[0]
    overall = {m: _metric_value(overall_result.metrics[m], 0, ci) for m in reported}
    groups: list[GroupResult] = []
    disparities: list[Disparity] = []
    insufficient: list[InsufficientEvidence] = []
    for result in results[1:]:
        grouping = result.grouping
        features = list(grouping.features)

        def group_of(
            i: int, features: list[str] = features, grouping: Any = grouping
        ) -> dict[str, str]:
            return dict(zip(features, grouping.labels[i], strict=True))

        ref = _reference_index(result, references)
        for i in range(grouping.n_groups):
            n = int(result.sizes[i])
            groups.append(
                GroupResult(
                    features=group_of(i),
                    n=n,
                    small=n < min_group_size,
                    metrics={m: _metric_value(result.metrics[m], i, ci) for m in reported},
                )
            )
        for metric in reported:
            if metric == "count":
                continue
            estimate = result.metrics[metric]
            for i in range(grouping.n_groups):
                if min_n and np.isfinite(estimate.value[i]) and estimate.n[i] < min_n:
                    insufficient.append(
                        InsufficientEvidence(
                            metric=metric, features=group_of(i), n=round(float(estimate.n[i]))
                        )
                    )
            for measure, gap in between_groups(estimate, ci, min_n).items():
                disparities.append(
                    Disparity(
                        metric=metric,
                        features=features,
                        comparison="between_groups",
                        measure=measure,
                        value=_gap_value(gap, ci, table.n_rows),
                        extremes=_extremes(gap, group_of),
                    )
                )
            gaps = to_reference(estimate, ref, ci, min_n)
            reference = group_of(ref)
            for i in range(grouping.n_groups):
                if i == ref:
                    continue
                n = int(result.sizes[i] + result.sizes[ref])
                for measure in ("difference", "ratio"):
                    disparities.append(
                        Disparity(
                            metric=metric,
                            features=features,
                            comparison="to_reference",
                            measure=measure,
                            value=_gap_value(gaps[measure][i], ci, n),
                            group=group_of(i),
                            reference=reference,
                        )
                    )
    fairness: dict[str, MetricValue] = {}
    fairness_groups: dict[str, list[dict[str, str]]] = {}
    intersectional = results[1] if len(results) > 1 else None
    measures: dict[str, Gap] = {}
    if table.task == "binary" and intersectional is not None:
        measures = fairness_measures(intersectional, ci, min_n)
        labels = intersectional.grouping.labels
        features = list(intersectional.grouping.features)

        def label_of(i: int) -> dict[str, str]:
            return dict(zip(features, labels[i], strict=True))

        for key, gap in measures.items():
            fairness[key] = _gap_value(gap, ci, table.n_rows)
            if gap.low_index is not None:
                fairness_groups[key] = _extremes(gap, label_of)
            if gap.excluded:
                # Metrics the measure needs may not be reported; name their small groups too.
                for metric in _MEASURE_RATES[key]:
                    estimate = intersectional.metrics[metric]
                    for i in gap.excluded:
                        if metric in reported or not np.isfinite(estimate.value[i]):
                            continue
                        if estimate.n[i] < min_n:
                            insufficient.append(
                                InsufficientEvidence(
                                    metric=metric,
                                    features=label_of(i),
                                    n=round(float(estimate.n[i])),
                                )
                            )
    tests = [
        _threshold_test(r, *_observed(r, overall, measures, intersectional, ci, min_n))
        for r in requirements
    ]
    details: dict[str, Any] = {
        "ci_method": ci_method,
        "empty_intersections": encoded.empty_cells,
        "intervals": INTERVAL_METHOD,
    }
    if ci_method != "none":
        details["bootstrap"] = {
            "n_boot": n_boot,
            "seed": seed,
            "resampling": "rows with replacement (whole dataset, as fairlearn's MetricFrame)",
        }
    if table.task == "multiclass":
        details["classes"] = list(table.classes)
    if "expected_calibration_error" in reported:
        details["expected_calibration_error_bins"] = 10
    if notes:
        details["notes"] = notes
    return DisaggregatedEvaluation(
        name="evaluation",
        task=table.task,
        pos_label=encoded.positive,
        sensitive_features=list(table.features),
        min_group_size=min_group_size,
        include_small_groups=include_small,
        overall=overall,
        groups=groups,
        disparities=disparities,
        fairness_measures=fairness,
        fairness_groups=fairness_groups,
        insufficient_evidence=insufficient,
        threshold_tests=tests,
        details=details,
    )


INTERVAL_METHOD = (
    "percentile bootstrap (rows resampled with replacement) at the stated level; a "
    "proportion whose replicates all agree gets its Wilson score interval instead of a "
    "zero-width one; every interval is widened where needed to contain its point estimate; "
    "any other interval of zero width is dropped (it would read as certainty)"
)
"""How the reported intervals are made; stored in every evaluation's `details`."""

_MEASURE_RATES: dict[str, tuple[str, ...]] = {
    "demographic_parity_difference": ("selection_rate",),
    "demographic_parity_ratio": ("selection_rate",),
    "equal_opportunity_difference": ("true_positive_rate",),
    "equal_opportunity_ratio": ("true_positive_rate",),
    "equalized_odds_difference": ("true_positive_rate", "false_positive_rate"),
    "equalized_odds_ratio": ("true_positive_rate", "false_positive_rate"),
}
"""The group rates each fairness measure compares."""


def _extremes(gap: Gap, group_of: Callable[[int], dict[str, str]]) -> list[dict[str, str]]:
    if gap.low_index is None or gap.high_index is None:
        return []
    return [group_of(gap.low_index), group_of(gap.high_index)]


def evaluate_source(
    source: EvaluateSource, name: str | None = None, progress: bool = False
) -> DisaggregatedEvaluation:
    """Run the evaluation a spec's `sources.evaluate` entry describes (see `evaluate`)."""
    return evaluate(
        source.data,
        label=source.label,
        pred=source.pred,
        score=source.score,
        threshold=source.threshold,
        sensitive=source.sensitive,
        pos_label=source.pos_label,
        task=source.task,
        metrics=source.metrics,
        headline_metrics=source.headline_metrics,
        include_small_groups=source.include_small_groups,
        require=source.require,
        ci_method=source.ci_method,
        n_boot=source.n_boot,
        ci=source.ci,
        seed=source.seed,
        min_group_size=source.min_group_size,
        reference=source.reference,
        name=name,
        progress=progress,
        engine=source.engine,
        score_bins=source.score_bins,
        spark_master=source.spark_master,
        encoding=source.encoding,
    )


def card_requirements(card: str | os.PathLike[str], data: str) -> list[str]:
    """Requirements a card spec declares for this data file (its `sources.evaluate` entries
    whose `data` is the same file)."""
    from ._paths import resolve_sources
    from .spec import load_spec

    spec = resolve_sources(load_spec(card), card)
    entries = getattr(getattr(spec, "sources", None), "evaluate", None) or []
    target = Path(data).resolve()
    return [r for entry in entries if Path(entry.data).resolve() == target for r in entry.require]


def store_in_card(
    card: str | os.PathLike[str],
    evaluation: DisaggregatedEvaluation,
    root: str | os.PathLike[str] = ".",
) -> Path:
    """Store an evaluation as the fact `evaluate-<name>` of the card a spec file defines."""
    from .facts import write_fact
    from .spec import load_spec

    return write_fact(load_spec(card).name, f"evaluate-{evaluation.name}", evaluation, root=root)


def failed_tests(evaluation: DisaggregatedEvaluation) -> list[ThresholdTest]:
    """Threshold tests that failed or could not be evaluated (both stop a release)."""
    return [t for t in evaluation.threshold_tests if t.failed]


def write_evaluation(evaluation: DisaggregatedEvaluation, path: str | os.PathLike[str]) -> Path:
    """Write an evaluation as deterministic JSON, atomically (paths as `portable` writes
    them: relative to the working folder, else file names)."""
    return atomic_write_text(path, dumps_json(portable(evaluation.model_dump(mode="json"))))


def insufficient_by_measure(
    evaluation: DisaggregatedEvaluation,
) -> dict[str, list[InsufficientEvidence]]:
    """Groups left out of each fairness measure and each metric's gaps for too little
    evidence, keyed by measure or metric name (intersectional groups only)."""
    features = evaluation.sensitive_features
    by_metric: dict[str, list[InsufficientEvidence]] = {}
    for item in evaluation.insufficient_evidence:
        if len(item.features) == len(features):
            by_metric.setdefault(item.metric, []).append(item)
    out = dict(by_metric)
    for measure, rates in _MEASURE_RATES.items():
        if measure in evaluation.fairness_measures:
            out[measure] = [i for r in rates for i in by_metric.get(r, [])]
    return out


def _short_group(features: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in features.items())


def summary_table(evaluation: DisaggregatedEvaluation, max_groups: int = 40) -> str:
    """A readable plain-text summary: every headline metric by group, measures and tests.

    Each cell is `value [CI]`; a value resting on fewer than `min_group_size` observations
    is marked `*` (insufficient evidence). Groups past `max_groups` (largest first) are
    summarised in one line; the JSON has them all.
    """
    metrics = [m for m in evaluation.headline_metrics if m in evaluation.overall] or [
        m for m in evaluation.overall if m != "count"
    ][:6]
    small = evaluation.min_group_size

    def cell(mv: MetricValue | None) -> str:
        if mv is None or mv.value is None:
            return "undefined"
        mark = "*" if mv.n is not None and mv.n < small else ""
        if mv.ci_low is None or mv.ci_high is None:
            return f"{mv.value:.3f}{mark}"
        return f"{mv.value:.3f} [{mv.ci_low:.3f}, {mv.ci_high:.3f}]{mark}"

    rows = [
        (
            "overall",
            str(evaluation.details["input"]["rows"]),
            *(cell(evaluation.overall.get(m)) for m in metrics),
        )
    ]
    shown = evaluation.groups
    if len(shown) > max_groups:
        shown = sorted(shown, key=lambda g: -(g.n or 0))[:max_groups]
    for group in shown:
        rows.append(
            (
                _short_group(group.features),
                str(group.n),
                *(cell(group.metrics.get(m)) for m in metrics),
            )
        )
    header = ("group", "n", *(_SHORT_NAMES.get(m, m) for m in metrics))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        f"{evaluation.name}: {evaluation.task}, "
        f"{evaluation.details['input']['rows']} rows, CIs: {evaluation.details['ci_method']}"
    ]
    for r in [header, *rows]:
        lines.append(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    if len(shown) < len(evaluation.groups):
        lines.append(
            f"... {len(evaluation.groups) - len(shown)} smaller groups not shown "
            f"(all are in the JSON)"
        )
    abbreviations = [f"{_SHORT_NAMES[m]}={m}" for m in metrics if m in _SHORT_NAMES]
    if abbreviations:
        lines.append("columns: " + ", ".join(abbreviations))
    lines.append(
        f"* rests on fewer than {small} observations (its own denominator): {INSUFFICIENT}"
    )
    left_out = insufficient_by_measure(evaluation)
    if evaluation.fairness_measures:
        lines.append("")
        for key, mv in evaluation.fairness_measures.items():
            text = f"{key}: {cell(mv).rstrip('*')}"
            producing = evaluation.fairness_groups.get(key)
            if producing:
                text += f" ({_short_group(producing[0])} vs {_short_group(producing[1])})"
            lines.append(text)
            if left_out.get(key) and not evaluation.include_small_groups:
                names = "; ".join(
                    f"{_short_group(i.features)} ({i.metric} n={i.n})" for i in left_out[key][:8]
                )
                more = len(left_out[key]) - 8
                lines.append(
                    f"  {INSUFFICIENT}, left out: {names}"
                    + (f"; and {more} more" if more > 0 else "")
                )
    if evaluation.threshold_tests:
        lines.append("")
        for test in evaluation.threshold_tests:
            verdict = "FAIL" if test.failed else "PASS"
            observed = "undefined" if test.observed is None else f"{test.observed:.4g}"
            text = f"{verdict} {test.expression} (observed {observed}"
            if test.groups:
                text += ", from " + " vs ".join(_short_group(g) for g in test.groups)
            text += ")"
            if test.passed is None and test.reason:
                text += f": {test.reason}"
            lines.append(text)
    return "\n".join(lines)


_SHORT_NAMES = {
    "selection_rate": "sel",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "false_negative_rate": "FNR",
    "precision": "prec",
    "accuracy": "acc",
    "roc_auc": "AUC",
    "mean_absolute_error": "MAE",
    "root_mean_squared_error": "RMSE",
    "f1_macro": "macro-F1",
}
"""Column headings of the terminal summary, which must fit a terminal."""
