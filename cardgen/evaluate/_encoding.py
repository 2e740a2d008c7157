"""Task inference and encoding: rows of a predictions table into the compact arrays the
metrics engine counts, with codebooks that span chunks.

It checks columns and labels and codes values; it reads no file and computes no metric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._words import count
from ..errors import CardgenError
from ..metrics import (
    MISSING,
    CellTable,
    ColumnEvidence,
    EncodedTable,
    Inference,
    infer_task,
    positive_class,
    positive_inference,
    threshold_inference,
    value_sort_key,
    value_text,
)


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


class Encoder:
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
        self.label_integral = True
        self.pred_numeric: bool | None = None
        self.pred_integral = True
        self.pred_low, self.pred_high = math.inf, -math.inf

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
            self.label_integral &= _whole(y)
            self.data.y.append(y)
        else:
            y_codes, _ = self.classes.encode(y_col)
            self.stats[self.label].add(y_codes < 0, offset)
            self.data.y.append(y_codes)
        if self.pred:
            p_col = chunk[self.pred]
            # Predictions beside numeric labels are made numbers (or refused) below.
            numeric = bool(self.numeric_labels) or (
                pd.api.types.is_numeric_dtype(p_col) and not pd.api.types.is_bool_dtype(p_col)
            )
            self.pred_numeric = numeric and self.pred_numeric is not False
            if self.numeric_labels:
                p = self._numeric(p_col, self.pred, offset)
                self._describe_predictions(p)
                self.data.y_pred.append(p)
            else:
                if numeric:
                    self._describe_predictions(p_col.to_numpy(dtype=np.float64, na_value=np.nan))
                p_codes, _ = self.classes.encode(chunk[self.pred])
                self.stats[self.pred].add(p_codes < 0, offset)
                self.data.y_pred.append(p_codes)
        if self.score_col:
            self.data.score.append(
                self._numeric(chunk[self.score_col], self.score_col, offset, what="scores")
            )
        self.rows += n

    def _describe_predictions(self, p: np.ndarray) -> None:
        """Whether numeric predictions are whole numbers, and their range."""
        self.pred_integral &= _whole(p)
        if np.isfinite(p).any():
            self.pred_low = min(self.pred_low, float(np.nanmin(p)))
            self.pred_high = max(self.pred_high, float(np.nanmax(p)))

    def evidence(self) -> ColumnEvidence:
        """What the label and prediction columns hold, for inferring the task."""
        seen = set().union(*(np.unique(part).tolist() for part in self.data.y))
        if self.numeric_labels:
            values = [value_text(v) for v in seen]
        else:  # codes of the classes seen as labels (the codebook also holds predictions)
            values = [self.classes.values[c] for c in seen if c >= 0]
        return ColumnEvidence(
            label=self.label,
            label_values=tuple(sorted(set(values), key=value_sort_key)),
            label_numeric=bool(self.numeric_labels),
            label_integral=self.label_integral,
            pred=self.pred,
            pred_numeric=bool(self.pred_numeric),
            pred_integral=self.pred_integral,
            pred_range=(self.pred_low, self.pred_high) if self.pred_low <= self.pred_high else None,
            score=self.score_col,
        )

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


def _whole(values: np.ndarray) -> bool:
    """Every (non-missing) value is a whole number."""
    return bool(np.all(np.isnan(values) | (values == np.round(values))))


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    """The chunks' arrays as one (without a copy for a single chunk); empties the list."""
    whole = parts[0] if len(parts) == 1 else np.concatenate(parts)
    parts.clear()
    return whole


def _check_columns_complete(encoder: Encoder, source: str) -> None:
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
            f"{source}: column {name!r} has {count(stats.missing, 'missing value')}, first at row "
            f"{stats.first_missing}; drop or fill those rows (only sensitive features may be "
            f"missing)"
        )


def _check_shared_values(
    encoder: Encoder, classes: list[str], y: np.ndarray, y_pred: np.ndarray, source: str
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


@dataclass(frozen=True)
class Encoded:
    """An encoded table, its positive class, the score range, the empty intersections and
    the choices inferred from the data (task, positive class, threshold)."""

    table: EncodedTable | CellTable
    positive: str | None
    score_range: tuple[float, float] | None
    empty_cells: int
    inferences: tuple[Inference, ...] = ()


def finish(
    encoder: Encoder, *, task: str | None, threshold: float | None, pos_label: Any, source: str
) -> Encoded:
    _check_columns_complete(encoder, source)
    task, task_inference = infer_task(task, encoder.evidence())
    inferences = [task_inference] if task_inference else []
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
        return Encoded(table, None, None, empty_cells, tuple(inferences))

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
        return Encoded(table, None, None, empty_cells, tuple(inferences))

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
    if pos_label is None:
        inferences.append(positive_inference(classes, positive_name))
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
            inferences.append(threshold_inference(*score_range))
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
    return Encoded(table, names[1], score_range, empty_cells, tuple(inferences))
