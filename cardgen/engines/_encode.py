"""Turn an engine's count rows into the metrics engine's CellTable, checking them as the
pandas path checks rows.

It codes groups and classes and finds the positive class; it never reads data.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._words import count
from ..errors import CardgenError
from ..metrics import (
    MISSING,
    CellTable,
    ColumnEvidence,
    Inference,
    build_score_bins,
    confusion_from_bins,
    infer_task,
    positive_class,
    positive_inference,
    value_sort_key,
    value_text,
)
from ._sql import CountRows, is_missing

if TYPE_CHECKING:
    from ._spec import AggregationSpec


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def encode_counts(
    counts: CountRows, spec: AggregationSpec, *, task: str | None, pos_label: Any, source: str
) -> tuple[CellTable, str | None, int, tuple[Inference, ...]]:
    """The CellTable of an engine's count rows, its positive class, the number of empty
    intersections, and the choices inferred from the data (task, positive class).

    Raises:
        CardgenError: missing labels or predictions, a regression task, labels that do
            not fit the task, an unknown positive class.
    """
    rows = counts.rows
    k = len(spec.sensitive)
    if not rows:
        raise CardgenError(f"{source}: no rows to evaluate")
    columns = list(zip(*rows, strict=True))
    n = np.array(columns[k + 1 + (1 if spec.pred else 3)], dtype=np.float64)
    total_rows = int(n.sum())
    labels = columns[k]
    preds = columns[k + 1] if spec.pred else None
    for name, values in ((spec.label, labels), (spec.pred, preds)):
        if values is None:
            continue
        missing = int(sum(c for v, c in zip(values, n, strict=True) if is_missing(v)))
        if missing == total_rows:
            raise CardgenError(
                f"{source}: column {name!r} has no values (all {total_rows} rows are missing)"
            )
        if missing:
            raise CardgenError(
                f"{source}: column {name!r} has {count(missing, 'missing value')}; "
                f"drop or fill those rows (only sensitive features may be "
                f"missing)"
            )

    # Groups: sensitive values as text, (missing) for null and NaN, in sorted order.
    texts = [[value_text(v) for v in columns[i]] for i in range(k)]
    for i, name in enumerate(spec.sensitive):
        if all(t == MISSING for t in texts[i]):
            raise CardgenError(
                f"{source}: column {name!r} has no values (all {total_rows} rows are missing)"
            )
    keys = list(zip(*texts, strict=True)) if k else [()] * len(rows)
    cells = sorted(set(keys), key=lambda cell: tuple(value_sort_key(v) for v in cell))
    index = {cell: i for i, cell in enumerate(cells)}
    cell = np.array([index[key] for key in keys], dtype=np.int64)
    empty = math.prod(len(set(t)) for t in texts) - len(cells) if k else 0

    label_text = [value_text(v) for v in labels]
    pred_text = [value_text(v) for v in preds] if preds is not None else []
    numeric_preds = [float(v) for v in preds or () if _is_number(v)]
    pred_numeric = preds is not None and len(numeric_preds) == len(preds)
    label_numeric = all(_is_number(v) for v in labels) and not spec.score
    evidence = ColumnEvidence(
        label=spec.label,
        label_values=tuple(sorted(set(label_text), key=value_sort_key)),
        label_numeric=label_numeric,
        label_integral=all(float(v).is_integer() for v in labels) if label_numeric else True,
        pred=spec.pred,
        pred_numeric=pred_numeric,
        pred_integral=all(v.is_integer() for v in numeric_preds),
        pred_range=(min(numeric_preds), max(numeric_preds)) if pred_numeric else None,
        score=spec.score,
    )
    task, inferred = infer_task(task, evidence)
    if task == "regression":
        raise CardgenError(
            f"{source}: regression runs on the pandas engine only; pass --engine pandas"
        )
    inferences = [inferred] if inferred else []
    classes = sorted(set(label_text) | set(pred_text), key=value_sort_key)
    code = {c: i for i, c in enumerate(classes)}
    y = np.array([code[t] for t in label_text], dtype=np.int64)
    n_cells = max(1, len(cells))

    if task == "multiclass":
        if spec.score:
            raise CardgenError("--score is for binary tasks; give a multiclass task --pred")
        p = np.array([code[t] for t in pred_text], dtype=np.int64)
        size = len(classes)
        matrix = np.bincount(
            (cell * size + y) * size + p, weights=n, minlength=n_cells * size * size
        )
        table = CellTable(
            "multiclass",
            spec.sensitive,
            tuple(cells),
            np.rint(matrix).astype(np.int64).reshape(n_cells, size, size),
            tuple(classes),
        )
        return table, None, empty, tuple(inferences)

    label_classes = sorted(set(label_text), key=value_sort_key)
    if len(label_classes) > 2:
        raise CardgenError(
            f"column {spec.label!r} has {len(label_classes)} distinct values "
            f"({', '.join(label_classes[:10])}); a binary task needs at most two "
            f"(pass --task multiclass, or map the labels to two values)"
        )
    if len(classes) > 2:
        raise CardgenError(
            f"the prediction column {spec.pred!r} has values that are not among the "
            f"labels: the two together have {len(classes)} values ({', '.join(classes[:10])})"
        )
    positive, positive_name = positive_class(classes, pos_label, spec.label)
    if pos_label is None:
        inferences.append(positive_inference(classes, positive_name))
    y01 = (y == positive).astype(np.int64)
    negatives = [c for i, c in enumerate(classes) if i != positive]
    names = (negatives[0] if negatives else f"not {positive_name}", positive_name)
    bins = None
    if spec.score:
        key = np.array(columns[k + 1], dtype=np.float64 if counts.exact else np.int64)
        ece = np.array(columns[k + 2], dtype=np.int64)
        pred01 = np.array(columns[k + 3], dtype=np.int64)
        # Binned scores come with their sums (exact keys: the sums follow from the key).
        total = None if counts.exact else np.array(columns[k + 5], dtype=np.float64)
        total_sq = None if counts.exact else np.array(columns[k + 6], dtype=np.float64)
        bins = build_score_bins(
            cell,
            y01,
            key,
            ece,
            pred01,
            n,
            total,
            total_sq,
            n_cells,
            exact=bool(counts.exact),
            budget=spec.score_bins,
        )
        matrix = confusion_from_bins(bins.n, bins.pred)
    else:
        p01 = np.array([t == positive_name for t in pred_text], dtype=np.int64)
        matrix = (
            np.rint(np.bincount((cell * 2 + y01) * 2 + p01, weights=n, minlength=n_cells * 4))
            .astype(np.int64)
            .reshape(n_cells, 2, 2)
        )
    table = CellTable("binary", spec.sensitive, tuple(cells), matrix, names, bins)
    return table, names[1], empty, tuple(inferences)
