"""Metric definitions: the math of each metric as a function of sufficient statistics.

Every function here is pure numpy over precomputed counts or weighted rows; none of them
reads files, draws random numbers or decides which metrics a user gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BINS_ECE = 10
"""Number of equal-width score bins of the expected calibration error."""


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """`num / den` as float64, NaN where `den` is zero (undefined, never 0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


@dataclass(frozen=True)
class Proportion:
    """A metric that is `successes / trials`, so it also has a Wilson interval."""

    successes: np.ndarray
    trials: np.ndarray


@dataclass(frozen=True)
class CountMetric:
    """A classification metric computed from a group's confusion counts.

    `compute` takes counts of shape `(..., C, C)` indexed `[true class, predicted class]`
    and returns the value (NaN where undefined) and the count it rests on; `proportion`
    returns successes and trials for metrics that are proportions.
    """

    name: str
    undefined_reason: str
    compute: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    proportion: Callable[[np.ndarray], Proportion] | None = None


def _binary_cells(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """tn, fp, fn, tp of counts shaped `(..., 2, 2)` (class 1 is the positive class)."""
    c = c.astype(np.float64, copy=False)
    return c[..., 0, 0], c[..., 0, 1], c[..., 1, 0], c[..., 1, 1]


def _proportion_metric(
    name: str, reason: str, parts: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
) -> CountMetric:
    def compute(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        num, den = parts(c)
        return _divide(num, den), den

    def proportion(c: np.ndarray) -> Proportion:
        num, den = parts(c)
        return Proportion(num, den)

    return CountMetric(name, reason, compute, proportion)


def _n(c: np.ndarray) -> np.ndarray:
    return c.sum(axis=(-1, -2)).astype(np.float64)


def _count(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = _n(c)
    return n, n


def _balanced_accuracy(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tn, fp, fn, tp = _binary_cells(c)
    # scikit-learn averages the recalls of the classes present; with one class absent
    # its denominator is zero, so the balanced accuracy is undefined here.
    value = (_divide(tp, tp + fn) + _divide(tn, tn + fp)) / 2
    return value, np.minimum(tp + fn, tn + fp)


def _f1(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, fp, fn, tp = _binary_cells(c)
    return _divide(2 * tp, (tp + fn) + (tp + fp)), tp + fp + fn


BINARY_COUNT_METRICS: dict[str, CountMetric] = {
    m.name: m
    for m in [
        CountMetric("count", "no rows in group", _count),
        _proportion_metric(
            "base_rate",
            "no rows in group",
            lambda c: (_binary_cells(c)[2] + _binary_cells(c)[3], _n(c)),
        ),
        _proportion_metric(
            "selection_rate",
            "no rows in group",
            lambda c: (_binary_cells(c)[1] + _binary_cells(c)[3], _n(c)),
        ),
        _proportion_metric(
            "accuracy",
            "no rows in group",
            lambda c: (_binary_cells(c)[0] + _binary_cells(c)[3], _n(c)),
        ),
        CountMetric(
            "balanced_accuracy", "group lacks positive or negative labels", _balanced_accuracy
        ),
        _proportion_metric(
            "precision",
            "no predicted positives in group",
            lambda c: (_binary_cells(c)[3], _binary_cells(c)[3] + _binary_cells(c)[1]),
        ),
        _proportion_metric(
            "recall",
            "no positive labels in group",
            lambda c: (_binary_cells(c)[3], _binary_cells(c)[3] + _binary_cells(c)[2]),
        ),
        _proportion_metric(
            "true_positive_rate",
            "no positive labels in group",
            lambda c: (_binary_cells(c)[3], _binary_cells(c)[3] + _binary_cells(c)[2]),
        ),
        _proportion_metric(
            "false_positive_rate",
            "no negative labels in group",
            lambda c: (_binary_cells(c)[1], _binary_cells(c)[1] + _binary_cells(c)[0]),
        ),
        _proportion_metric(
            "false_negative_rate",
            "no positive labels in group",
            lambda c: (_binary_cells(c)[2], _binary_cells(c)[2] + _binary_cells(c)[3]),
        ),
        _proportion_metric(
            "true_negative_rate",
            "no negative labels in group",
            lambda c: (_binary_cells(c)[0], _binary_cells(c)[0] + _binary_cells(c)[1]),
        ),
        CountMetric("f1", "no positive labels and no predicted positives in group", _f1),
    ]
}
"""Binary metrics from confusion counts, with tn, fp, fn, tp the group's cells:

- count = n = tn + fp + fn + tp
- base_rate = (tp + fn) / n; selection_rate = (tp + fp) / n; accuracy = (tp + tn) / n
- precision = tp / (tp + fp); recall = true_positive_rate = tp / (tp + fn)
- false_positive_rate = fp / (fp + tn); false_negative_rate = fn / (fn + tp);
  true_negative_rate = tn / (tn + fp)
- balanced_accuracy = (recall + true_negative_rate) / 2, resting on min(tp + fn, tn + fp)
- f1 = 2 tp / (2 tp + fp + fn)
"""


def _mc_accuracy(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = _n(c)
    return _divide(np.trace(c, axis1=-2, axis2=-1), n), n


def _mc_f1_macro(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = c.astype(np.float64, copy=False)
    tp = np.diagonal(c, axis1=-2, axis2=-1)
    support = c.sum(axis=-1) + c.sum(axis=-2)
    # scikit-learn averages over the labels present in y_true or y_pred of the group.
    present = support > 0
    f1 = _divide(2 * tp, support)
    total = np.where(present, f1, 0.0).sum(axis=-1)
    return _divide(total, present.sum(axis=-1)), _n(c)


def multiclass_count_metrics(classes: tuple[str, ...]) -> dict[str, CountMetric]:
    """Multiclass metrics from a `(C, C)` confusion matrix per group.

    accuracy = trace / n; f1_macro = mean over the classes present in the group (as label
    or prediction) of 2 tp_k / (true_k + predicted_k). For each class k, one-vs-rest:
    `selection_rate[k]` = predicted_k / n, `recall[k]` = tp_k / true_k,
    `precision[k]` = tp_k / predicted_k, `false_positive_rate[k]` =
    (predicted_k - tp_k) / (n - true_k).
    """
    metrics = [
        CountMetric("count", "no rows in group", _count),
        _proportion_metric(
            "accuracy",
            "no rows in group",
            lambda c: (np.trace(c, axis1=-2, axis2=-1).astype(np.float64), _n(c)),
        ),
        CountMetric("f1_macro", "no rows in group", _mc_f1_macro),
    ]
    for k, name in enumerate(classes):

        def true_k(c: np.ndarray, k: int = k) -> np.ndarray:
            return c[..., k, :].sum(axis=-1).astype(np.float64)

        def pred_k(c: np.ndarray, k: int = k) -> np.ndarray:
            return c[..., :, k].sum(axis=-1).astype(np.float64)

        def tp_k(c: np.ndarray, k: int = k) -> np.ndarray:
            return c[..., k, k].astype(np.float64)

        metrics += [
            _proportion_metric(
                f"selection_rate[{name}]", "no rows in group", lambda c, p=pred_k: (p(c), _n(c))
            ),
            _proportion_metric(
                f"recall[{name}]",
                f"no labels of class {name} in group",
                lambda c, t=tp_k, r=true_k: (t(c), r(c)),
            ),
            _proportion_metric(
                f"precision[{name}]",
                f"no predictions of class {name} in group",
                lambda c, t=tp_k, p=pred_k: (t(c), p(c)),
            ),
            _proportion_metric(
                f"false_positive_rate[{name}]",
                f"no labels of other classes than {name} in group",
                lambda c, t=tp_k, p=pred_k, r=true_k: (p(c) - t(c), _n(c) - r(c)),
            ),
        ]
    return {m.name: m for m in metrics}


# --- metrics that need rows (scores, regression) --------------------------------------


@dataclass(frozen=True)
class RowMetric:
    """A metric computed from (weighted) rows of each group rather than from counts.

    `compute(rows, w)` returns the value per group (NaN where undefined) and the count it
    rests on; `w` are bootstrap weights per row (None: every row once).
    """

    name: str
    undefined_reason: str
    compute: Callable[[GroupedRows, np.ndarray | None], tuple[np.ndarray, np.ndarray]]


class GroupedRows:
    """Rows of one grouping, with what score metrics need precomputed once.

    Args:
        group: group index of every row, in `[0, n_groups)`.
        n_groups: number of groups.
        y: label per row (0/1 for binary tasks, a float for regression).
        score: score per row (binary tasks with scores).
        y_pred: prediction per row (regression).
        score_order: `argsort(score, kind="stable")`, when already computed (it can be
            shared by every grouping of the same rows).
    """

    def __init__(
        self,
        group: np.ndarray,
        n_groups: int,
        y: np.ndarray,
        score: np.ndarray | None = None,
        y_pred: np.ndarray | None = None,
        score_order: np.ndarray | None = None,
    ):
        self.group = group
        self.n_groups = n_groups
        self.y = y
        self.score = score
        self.y_pred = y_pred
        self.score_order = score_order
        self._auc_blocks: tuple[np.ndarray, ...] | None = None

    def sums(self, values: np.ndarray | None, w: np.ndarray | None) -> np.ndarray:
        """Per-group sum of `values` (1 when None) weighted by `w`."""
        weights = w if values is None else values if w is None else values * w
        return np.bincount(self.group, weights=weights, minlength=self.n_groups).astype(np.float64)

    def auc_blocks(self) -> tuple[np.ndarray, ...]:
        """Rows sorted by (group, score) and cut into blocks of tied scores (computed once)."""
        if self._auc_blocks is None:
            assert self.score is not None
            # A stable sort by group of the rows in score order: the same order as
            # lexsort((score, group)), several times faster (integer keys sort by radix).
            by_score = self.score_order
            if by_score is None:
                by_score = np.argsort(self.score, kind="stable")
            order = by_score[np.argsort(self.group[by_score], kind="stable")]
            g, s = self.group[order], self.score[order]
            starts = np.ones(len(order), dtype=bool)
            starts[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
            block = np.cumsum(starts) - 1
            y = self.y[order].astype(np.float64)
            self._auc_blocks = (order, block, g[starts], int(starts.sum()), y)
        return self._auc_blocks


def _roc_auc(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    order, block, block_group, n_blocks, y = rows.auc_blocks()
    if w is None:
        pos = np.bincount(block, weights=y, minlength=n_blocks)
        neg = np.bincount(block, minlength=n_blocks) - pos
    elif n_blocks == len(order):  # no tied scores: every row is its own block
        pos = w[order]
        neg = pos - pos * y
        pos *= y
    else:
        ws = w[order]
        pos = np.bincount(block, weights=ws * y, minlength=n_blocks)
        neg = np.bincount(block, weights=ws, minlength=n_blocks) - pos
    # Negatives below each block within its group: cumulative over all blocks, minus the
    # cumulative total where the group starts (blocks are contiguous per group).
    below = np.cumsum(neg) - neg
    first = np.ones(n_blocks, dtype=bool)
    first[1:] = block_group[1:] != block_group[:-1]
    group_start = below[first]
    below -= np.repeat(group_start, np.diff(np.append(np.flatnonzero(first), n_blocks)))
    concordant = np.bincount(
        block_group, weights=pos * (below + 0.5 * neg), minlength=rows.n_groups
    )
    n_pos = np.bincount(block_group, weights=pos, minlength=rows.n_groups)
    n_neg = np.bincount(block_group, weights=neg, minlength=rows.n_groups)
    return _divide(concordant, n_pos * n_neg), np.minimum(n_pos, n_neg)


def _fewer_class(rows: GroupedRows, w: np.ndarray | None) -> np.ndarray:
    """The smaller of a group's positives and negatives: what a score metric rests on."""
    positives = rows.sums(rows.y.astype(np.float64), w)
    return np.minimum(positives, rows.sums(None, w) - positives)


def _brier(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    assert rows.score is not None
    n = rows.sums(None, w)
    return _divide(rows.sums((rows.score - rows.y) ** 2, w), n), _fewer_class(rows, w)


def _ece(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    assert rows.score is not None
    bins = np.minimum((rows.score * BINS_ECE).astype(np.int64), BINS_ECE - 1)
    key = rows.group.astype(np.int64) * BINS_ECE + bins
    size = rows.n_groups * BINS_ECE
    y = rows.y.astype(np.float64)
    gap = np.abs(
        np.bincount(key, weights=y if w is None else y * w, minlength=size)
        - np.bincount(key, weights=rows.score if w is None else rows.score * w, minlength=size)
    )
    n = rows.sums(None, w)
    return _divide(gap.reshape(rows.n_groups, BINS_ECE).sum(axis=1), n), _fewer_class(rows, w)


SCORE_METRICS: dict[str, RowMetric] = {
    m.name: m
    for m in [
        RowMetric("roc_auc", "group lacks positive or negative labels", _roc_auc),
        RowMetric("brier_score", "no rows in group", _brier),
        RowMetric("expected_calibration_error", "no rows in group", _ece),
    ]
}
"""Binary metrics from scores s (probability of the positive class) and labels y in {0, 1}:

- roc_auc = P(s_pos > s_neg) + P(s_pos = s_neg) / 2 over positive/negative pairs of the group
  (the Mann-Whitney statistic; equal to scikit-learn's trapezoidal ROC AUC)
- brier_score = mean((s - y)^2)
- expected_calibration_error = sum over 10 equal-width score bins b of
  (n_b / n) |mean(y)_b - mean(s)_b|

Each rests on the smaller of the group's positives and negatives (its `n`): a score metric
says how the scores separate or fit both classes, so the evidence rule asks for enough of
each. Balanced accuracy, the mean of the two classes' recalls, rests on the same count.
"""


def _mean_absolute_error(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n = rows.sums(None, w)
    return _divide(rows.sums(np.abs(rows.y - rows.y_pred), w), n), n


def _rmse(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n = rows.sums(None, w)
    return np.sqrt(_divide(rows.sums((rows.y - rows.y_pred) ** 2, w), n)), n


def _r2(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n = rows.sums(None, w)
    mean = _divide(rows.sums(rows.y, w), n)
    centred = rows.y - np.nan_to_num(mean)[rows.group]
    total = rows.sums(centred**2, w)
    residual = rows.sums((rows.y - rows.y_pred) ** 2, w)
    # A constant label leaves R² undefined (scikit-learn returns 0 or 1 by convention).
    return 1 - _divide(residual, total), n


def _mean_of(
    attr: str,
) -> Callable[[GroupedRows, np.ndarray | None], tuple[np.ndarray, np.ndarray]]:
    def compute(rows: GroupedRows, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        n = rows.sums(None, w)
        return _divide(rows.sums(getattr(rows, attr), w), n), n

    return compute


REGRESSION_METRICS: dict[str, RowMetric] = {
    m.name: m
    for m in [
        RowMetric("count", "no rows in group", lambda rows, w: (rows.sums(None, w),) * 2),
        RowMetric("mean_absolute_error", "no rows in group", _mean_absolute_error),
        RowMetric("root_mean_squared_error", "no rows in group", _rmse),
        RowMetric("r2_score", "label is constant in group (or fewer than two rows)", _r2),
        RowMetric("mean_prediction", "no rows in group", _mean_of("y_pred")),
        RowMetric("mean_label", "no rows in group", _mean_of("y")),
    ]
}
"""Regression metrics with e = y - y_pred: mean_absolute_error = mean|e|,
root_mean_squared_error = sqrt(mean e^2), r2_score = 1 - sum e^2 / sum (y - mean y)^2,
mean_prediction = mean y_pred, mean_label = mean y.
"""

DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "binary": (
        "count",
        "base_rate",
        "selection_rate",
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "false_positive_rate",
        "false_negative_rate",
        "true_negative_rate",
        "f1",
    ),
    "binary+score": ("roc_auc", "brier_score", "expected_calibration_error"),
    "multiclass": (
        "count",
        "accuracy",
        "f1_macro",
        "selection_rate",
        "recall",
        "precision",
        "false_positive_rate",
    ),
    "regression": tuple(REGRESSION_METRICS),
}
"""Metrics reported when none are asked for, by task (`binary+score` is added with scores)."""

PER_CLASS = ("selection_rate", "recall", "precision", "false_positive_rate")
"""Multiclass metric names that expand into one-vs-rest values per class."""

HEADLINE_METRICS: dict[str, tuple[str, ...]] = {
    "binary": (
        "selection_rate",
        "true_positive_rate",
        "false_positive_rate",
        "false_negative_rate",
        "precision",
        "accuracy",
    ),
    "binary+score": ("roc_auc",),
    "multiclass": ("accuracy", "f1_macro"),
    "regression": ("mean_absolute_error", "root_mean_squared_error"),
}
"""The few metrics a card shows first when its spec names none, by task (`binary+score`
is added with scores); every other metric is still computed and stored."""
