"""Count tables: confusion counts and score bins per intersectional cell, and their metrics.

It turns encoded rows (or an engine's aggregate) into one small table and computes every
classification metric, ROC AUC, Brier score and calibration from it; it never reads files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._definitions import BINS_ECE, _divide

DEFAULT_SCORE_BINS = 512
"""Score bins per evaluation (`--score-bins`): scores with at most this many distinct values
are kept exactly; more are cut into this many equal-width bins between their min and max."""


@dataclass(frozen=True)
class ScoreBins:
    """Scores of a binary task reduced to ordered bins (all rows of bin `k` score below
    all rows of bin `k + 1`).

    Attributes:
        n: rows per `[cell, label (0/1), bin]`, int64.
        total: sum of the scores per `[cell, label, bin]`.
        total_sq: sum of the squared scores per `[cell, label, bin]`.
        pred: prediction (0/1) of each bin's rows.
        ece_bin: calibration bin (of `BINS_ECE` equal-width bins of [0, 1]) of each bin.
        exact: every bin holds one distinct score, so ROC AUC is exact.
        budget: the bin budget the table was built with.
    """

    n: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    pred: np.ndarray
    ece_bin: np.ndarray
    exact: bool
    budget: int


@dataclass(frozen=True)
class CellTable:
    """An evaluation reduced to counts per intersectional cell (classification tasks).

    Attributes:
        task: `binary` or `multiclass`.
        features: sensitive feature names.
        cells: each intersectional group's value of every feature, indexed by code.
        counts: confusion counts `[cell, true class, predicted class]`, int64.
        classes: class names in code order (binary: negative, positive).
        score: score bins (binary tasks with scores), else None.
    """

    task: str
    features: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    classes: tuple[str, ...]
    score: ScoreBins | None = None

    @property
    def n_rows(self) -> int:
        """Number of rows the counts come from."""
        return int(self.counts.sum())


def bin_plan(distinct: int, low: float, high: float, budget: int) -> tuple[bool, float]:
    """Whether scores are kept exactly, and else the scale of `floor((s - low) * scale)`.

    Every engine computes the bin of a score with this same arithmetic, so their tables
    are equal bit for bit.
    """
    if budget < 1:
        raise ValueError("the score-bin budget must be at least 1")
    if distinct <= budget or high <= low:
        return True, 0.0
    return False, budget / (high - low)


def score_bin_keys(score: np.ndarray, low: float, scale: float, budget: int) -> np.ndarray:
    """Bin of each score: `floor((s - low) * scale)` clipped to `[0, budget - 1]`."""
    return np.clip(np.floor((score - low) * scale), 0, budget - 1).astype(np.int64)


def ece_bin_keys(score: np.ndarray) -> np.ndarray:
    """Calibration bin of each score: `floor(s * BINS_ECE)`, at most `BINS_ECE - 1`."""
    return np.minimum(np.floor(score * BINS_ECE), BINS_ECE - 1).astype(np.int64)


def build_score_bins(
    cell: np.ndarray,
    y: np.ndarray,
    key: np.ndarray,
    ece: np.ndarray,
    pred: np.ndarray,
    n: np.ndarray,
    total: np.ndarray | None,
    total_sq: np.ndarray | None,
    n_cells: int,
    *,
    exact: bool,
    budget: int,
) -> ScoreBins:
    """Score bins from aggregated entries (one per cell x label x bin x calibration bin x
    prediction).

    Args:
        cell, y: cell code and 0/1 label of each entry.
        key: the entry's score (exact) or bin number; bins are ordered by it, then by
            calibration bin and prediction (both increase with the score).
        ece, pred: calibration bin and 0/1 prediction of each entry.
        n: rows per entry.
        total, total_sq: sums of the scores and squared scores per entry; in exact mode
            they may be None and are then `n * key` and `n * key**2`, so that every engine
            gets the same bits.
        n_cells: number of cells.
        exact: `key` is the score itself.
        budget: the bin budget.
    """
    if exact:
        total = n * key
        total_sq = n * key * key
    assert total is not None and total_sq is not None
    order = np.lexsort((pred, ece, key))
    key, ece, pred = key[order], ece[order], pred[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (key[1:] != key[:-1]) | (ece[1:] != ece[:-1]) | (pred[1:] != pred[:-1])
    k = np.empty(len(order), dtype=np.int64)
    k[order] = np.cumsum(starts) - 1
    n_bins = int(starts.sum())
    flat = (cell.astype(np.int64) * 2 + y) * n_bins + k
    size = n_cells * 2 * n_bins
    shape = (n_cells, 2, n_bins)
    counts = np.bincount(flat, weights=n, minlength=size)
    return ScoreBins(
        n=np.rint(counts).astype(np.int64).reshape(shape),
        total=np.bincount(flat, weights=total, minlength=size).reshape(shape),
        total_sq=np.bincount(flat, weights=total_sq, minlength=size).reshape(shape),
        pred=pred[starts].astype(np.int64),
        ece_bin=ece[starts],
        exact=exact,
        budget=budget,
    )


def confusion_counts(
    group: np.ndarray,
    y: np.ndarray,
    y_pred: np.ndarray,
    n_cells: int,
    n_classes: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Confusion counts of every intersectional cell in one pass.

    One `np.bincount` over `(group * C + y) * C + y_pred` gives all of them at once.

    Returns:
        Array `(n_cells, C, C)` indexed `[cell, true class, predicted class]` (int64, or
        float64 with weights).
    """
    code = group.astype(np.int64)  # built in place: one array of the table's length
    code *= n_classes
    code += y
    code *= n_classes
    code += y_pred
    counts = np.bincount(code, weights=weights, minlength=n_cells * n_classes * n_classes)
    if weights is None:
        counts = counts.astype(np.int64, copy=False)
    return counts.reshape(n_cells, n_classes, n_classes)


def cells_from_rows(
    features: Sequence[str],
    cells: tuple[tuple[str, ...], ...],
    task: str,
    classes: tuple[str, ...],
    group: np.ndarray,
    y: np.ndarray,
    y_pred: np.ndarray,
    score: np.ndarray | None,
    budget: int,
) -> CellTable:
    """The count table of encoded rows (what the pandas engine computes in memory)."""
    n_cells = max(1, len(cells))
    counts = confusion_counts(group, y, y_pred, n_cells, len(classes))
    bins = None
    if score is not None:
        distinct = np.unique(score)
        exact, scale = bin_plan(len(distinct), float(distinct[0]), float(distinct[-1]), budget)
        ece = ece_bin_keys(score)
        if exact:
            key = np.searchsorted(distinct, score)  # the score's rank among the distinct ones
        else:
            key = score_bin_keys(score, float(distinct[0]), scale, budget)
        # One entry per distinct (cell, label, key, calibration bin, prediction), found by
        # one sort of a single integer code.
        n_keys = int(key.max()) + 1
        ece_low = int(ece.min())
        n_ece = int(ece.max()) - ece_low + 1
        code = group.astype(np.int64) * 2 + y
        for part, size in ((key, n_keys), (ece - ece_low, n_ece), (y_pred, 2)):
            code *= size
            code += part
        entries, inverse = np.unique(code, return_inverse=True)
        inverse = inverse.reshape(-1)
        entries, e_pred = np.divmod(entries, 2)
        entries, e_ece = np.divmod(entries, n_ece)
        entries, e_key = np.divmod(entries, n_keys)
        e_cell, e_y = np.divmod(entries, 2)
        n = np.bincount(inverse, minlength=len(e_key)).astype(np.float64)
        total = total_sq = None
        if not exact:
            total = np.bincount(inverse, weights=score, minlength=len(e_key))
            total_sq = np.bincount(inverse, weights=score * score, minlength=len(e_key))
        bins = build_score_bins(
            e_cell,
            e_y,
            distinct[e_key] if exact else e_key,
            e_ece + ece_low,
            e_pred,
            n,
            total,
            total_sq,
            n_cells,
            exact=exact,
            budget=budget,
        )
    return CellTable(task, tuple(features), cells, counts, classes, bins)


# --- score metrics from bins -----------------------------------------------------------------


def score_sums(
    n: np.ndarray, total: np.ndarray, total_sq: np.ndarray, ece_bin: np.ndarray
) -> np.ndarray:
    """What Brier score and calibration need of each cell, `(..., cells, 1, 2 + 2 * B)`
    with B = `BINS_ECE`: sum of squared scores, sum of the positives' scores, then per
    calibration bin the positives and the sum of the scores."""
    onehot = np.zeros((len(ece_bin), BINS_ECE))
    onehot[np.arange(len(ece_bin)), np.clip(ece_bin, 0, BINS_ECE - 1)] = 1.0
    parts = [
        total_sq.sum(axis=(-1, -2))[..., None],
        total[..., 1, :].sum(axis=-1)[..., None],
        n[..., 1, :] @ onehot,
        total.sum(axis=-2) @ onehot,
    ]
    return np.concatenate(parts, axis=-1)[..., None, :]


@dataclass(frozen=True)
class BinMetric:
    """A score metric computed from a group's score bins.

    `compute(n, sums)` takes rows per `(..., groups, 2, bins)` and `score_sums` per group
    and returns the value per group (NaN where undefined) and the count it rests on.
    """

    name: str
    undefined_reason: str

    def compute(self, n: np.ndarray, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Value and count per group."""
        return _BIN_FUNCTIONS[self.name](n.astype(np.float64, copy=False), sums[..., 0, :])


def _roc_auc(n: np.ndarray, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    neg, pos = n[..., 0, :], n[..., 1, :]
    below = np.cumsum(neg, axis=-1) - neg
    concordant = (pos * (below + 0.5 * neg)).sum(axis=-1)
    n_pos, n_neg = pos.sum(axis=-1), neg.sum(axis=-1)
    return _divide(concordant, n_pos * n_neg), np.minimum(n_pos, n_neg)


def _fewer_class(n: np.ndarray) -> np.ndarray:
    """The smaller of a group's positives and negatives: what a score metric rests on."""
    return np.minimum(n[..., 0, :].sum(axis=-1), n[..., 1, :].sum(axis=-1))


def _brier(n: np.ndarray, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # sum (s - y)^2 = sum s^2 - 2 sum_{y=1} s + count_{y=1}
    rows = n.sum(axis=(-1, -2))
    value = _divide(sums[..., 0] - 2 * sums[..., 1] + n[..., 1, :].sum(axis=-1), rows)
    return value, _fewer_class(n)


def _ece(n: np.ndarray, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    positives = sums[..., 2 : 2 + BINS_ECE]
    scores = sums[..., 2 + BINS_ECE :]
    rows = n.sum(axis=(-1, -2))
    return _divide(np.abs(positives - scores).sum(axis=-1), rows), _fewer_class(n)


_BIN_FUNCTIONS = {"roc_auc": _roc_auc, "brier_score": _brier, "expected_calibration_error": _ece}

BIN_METRICS: dict[str, BinMetric] = {
    "roc_auc": BinMetric("roc_auc", "group lacks positive or negative labels"),
    "brier_score": BinMetric("brier_score", "no rows in group"),
    "expected_calibration_error": BinMetric("expected_calibration_error", "no rows in group"),
}
"""Score metrics from bins (definitions and counts as `SCORE_METRICS`). ROC AUC counts the positive-
negative pairs of one bin as ties (half concordant): exact when every bin holds one
distinct score, otherwise off by at most `roc_auc_error_bound`. Brier score and the
calibration error come from per-bin sums and are exact."""


def roc_auc_error_bound(n: np.ndarray) -> np.ndarray:
    """Largest possible |binned - exact| ROC AUC per group of bins `(..., groups, 2, bins)`:
    half the share of positive-negative pairs whose two scores share a bin."""
    neg, pos = n[..., 0, :].astype(np.float64), n[..., 1, :].astype(np.float64)
    return 0.5 * _divide((pos * neg).sum(axis=-1), pos.sum(axis=-1) * neg.sum(axis=-1))


def confusion_from_bins(n: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Confusion counts `(..., cells, 2, 2)` of score bins `(..., cells, 2, bins)`."""
    onehot = np.zeros((len(pred), 2), dtype=n.dtype)
    onehot[np.arange(len(pred)), pred] = 1
    return n @ onehot
