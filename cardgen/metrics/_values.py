"""Group and class values as text, which class of a binary task is positive, and which
task a table holds.

The one rule the pandas path, the DuckDB and Spark engines and the probe share; it names
values and never counts them.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import CardgenError
from ._groups import MISSING


def _is_pandas_missing(value: Any) -> bool:
    # pandas' missing markers can only come from a pandas that is already loaded.
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def value_text(value: Any) -> str:
    """The text of a group or class value: `1` for 1 and 1.0, `(missing)` for NaN/None."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return MISSING
    if _is_pandas_missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


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


Inference = tuple[str, str, str]
"""A choice the options left open: `(option, value, evidence)`, e.g.
`("task", "binary", "the label 'y' has 2 values: 0, 1")`."""


@dataclass(frozen=True)
class ColumnEvidence:
    """What the label and prediction columns hold, as far as the task depends on it.

    Attributes:
        label: the label column's name.
        label_values: the label's distinct values as text (at most a few are needed).
        label_numeric: the label column holds numbers (not booleans).
        label_integral: every label is a whole number (meaningful when numeric).
        pred: the prediction column's name (None with scores).
        pred_numeric: the prediction column holds numbers (not booleans).
        pred_integral: every prediction is a whole number (meaningful when numeric).
        pred_range: smallest and largest prediction (numeric predictions).
        score: the score column's name, when scores are given instead of predictions.
    """

    label: str
    label_values: tuple[str, ...]
    label_numeric: bool
    label_integral: bool
    pred: str | None = None
    pred_numeric: bool = False
    pred_integral: bool = True
    pred_range: tuple[float, float] | None = None
    score: str | None = None


def _listed(values: tuple[str, ...], most: int = 5) -> str:
    shown = ", ".join(values[:most])
    return shown + (f", … ({len(values)} in all)" if len(values) > most else "")


def infer_task(task: str | None, evidence: ColumnEvidence) -> tuple[str, Inference | None]:
    """The task, and the inference that chose it (None when `task` was given).

    The one rule of the pandas path and the DuckDB and Spark engines: a task is inferred
    only when the columns allow no other reading. Predictions that are fractions in
    [0, 1] beside labels with two values are scores given as labels, an error that
    names `--score` (unless the task is given as `regression`).

    Raises:
        CardgenError: probabilities given as `--pred`; columns that fit more than one task.
    """
    e = evidence
    two_labels = len(e.label_values) <= 2
    fractions = e.pred is not None and e.pred_numeric and not e.pred_integral
    low, high = e.pred_range or (math.nan, math.nan)
    if task in (None, "binary") and fractions and two_labels and low >= 0 and high <= 1:
        raise CardgenError(
            f"column {e.pred!r}, given as --pred (predicted labels), holds numbers between "
            f"0 and 1 that are not labels ({low:g} to {high:g}), while the label {e.label!r} "
            f"has two values ({_listed(e.label_values)}): they look like scores. Pass "
            f"--score {e.pred} --threshold T instead (T: the score at or above which the "
            f"model predicts the positive class, e.g. 0.5), or --task regression to "
            f"evaluate them as numeric predictions"
        )
    if task:
        return task, None
    if e.score is not None:
        return "binary", ("task", "binary", f"--score {e.score} gives scores of a binary task")
    if e.label_numeric and not e.label_integral:
        why = f"the label {e.label!r} holds numbers that are not whole"
        return "regression", ("task", "regression", why)
    if fractions and e.label_numeric:
        if two_labels:
            raise CardgenError(
                f"cannot infer the task: the label {e.label!r} has two values "
                f"({_listed(e.label_values)}) but the predictions in {e.pred!r} are numbers "
                f"that are not whole ({low:g} to {high:g}); pass --task regression for "
                f"numeric predictions, or --score {e.pred} --threshold T for scores"
            )
        why = (
            f"the label {e.label!r} has {len(e.label_values)} whole-number values and the "
            f"predictions in {e.pred!r} are not whole numbers, so they are not classes"
        )
        return "regression", ("task", "regression", why)
    if two_labels:
        why = f"the label {e.label!r} has {len(e.label_values)} values: {_listed(e.label_values)}"
        return "binary", ("task", "binary", why)
    if not e.label_numeric:
        why = (
            f"the label {e.label!r} has {len(e.label_values)} values that are not numbers: "
            f"{_listed(e.label_values)}"
        )
        return "multiclass", ("task", "multiclass", why)
    raise CardgenError(
        f"cannot infer the task: the label {e.label!r} has {len(e.label_values)} whole-number "
        f"values, which could be classes or a regression target; pass --task"
    )


def positive_inference(classes: list[str], positive_name: str) -> Inference:
    """The inference of a default positive class (no `--pos-label` given)."""
    return (
        "pos_label",
        positive_name,
        f"the label's values are {_listed(tuple(classes))}; {positive_name} is the "
        f"conventional positive class",
    )


def threshold_inference(low: float, high: float) -> Inference:
    """The inference of the default decision threshold 0.5 for scores in [0, 1]."""
    return (
        "threshold",
        "0.5",
        f"the scores lie in [0, 1] ({low:g} to {high:g}), where 0.5 means 'more likely than not'",
    )
