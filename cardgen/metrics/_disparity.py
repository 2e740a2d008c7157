"""Disparities between groups and fairlearn's named fairness measures, with bootstrap CIs.

It combines per-group estimates (and their replicates) into gaps; it computes no metric itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._bootstrap import percentile_interval
from ._engine import Estimate, GroupingResult

FEWER_THAN_TWO = "fewer than two groups with a defined value"
NOT_POSITIVE = "ratio needs positive values (largest value is 0 or a value is negative)"


@dataclass(frozen=True)
class Gap:
    """A disparity's point value (NaN when undefined), interval and reason.

    Attributes:
        value: the point estimate, NaN when undefined.
        ci_low, ci_high: percentile bootstrap bounds, NaN when there are none.
        undefined_reason: why `value` is NaN.
        replicates: the disparity in each bootstrap replicate, when bootstrapped.
    """

    value: float
    ci_low: float
    ci_high: float
    undefined_reason: str
    replicates: np.ndarray | None = None


def _extremes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max and min over the last axis ignoring NaN, and the number of defined values."""
    defined = np.isfinite(values)
    high = np.where(defined, values, -np.inf).max(axis=-1)
    low = np.where(defined, values, np.inf).min(axis=-1)
    return high, low, defined.sum(axis=-1)


def _difference(values: np.ndarray) -> np.ndarray:
    high, low, k = _extremes(values)
    return np.where(k >= 2, high - low, np.nan)


def _ratio(values: np.ndarray) -> np.ndarray:
    high, low, k = _extremes(values)
    ok = (k >= 2) & (high > 0) & (low >= 0)
    return np.where(ok, low / np.where(ok, high, 1.0), np.nan)


def _gap(point: np.ndarray, reps: np.ndarray | None, ci: float, reason: str) -> Gap:
    value = float(point)
    if reps is None:
        return Gap(value, np.nan, np.nan, reason)
    low, high = percentile_interval(reps[:, None], ci)
    if not np.isfinite(value):
        low, high = np.array([np.nan]), np.array([np.nan])
    return Gap(value, float(low[0]), float(high[0]), reason, reps)


def _between(estimate: Estimate, measure: str, ci: float) -> Gap:
    fn = _difference if measure == "difference" else _ratio
    reps = None if estimate.replicates is None else fn(estimate.replicates)
    point = fn(estimate.value)
    reason = FEWER_THAN_TWO if (np.isfinite(estimate.value).sum() < 2) else NOT_POSITIVE
    return _gap(point, reps, ci, reason)


def between_groups(estimate: Estimate, ci: float) -> dict[str, Gap]:
    """Largest minus smallest group value, and smallest over largest.

    Groups where the metric is undefined are skipped, as fairlearn's `MetricFrame.difference()`
    and `.ratio()` (method `between_groups`) do; with fewer than two defined groups the
    disparity is undefined. A ratio needs non-negative values and a positive maximum.
    """
    return {m: _between(estimate, m, ci) for m in ("difference", "ratio")}


def to_reference(estimate: Estimate, reference: int, ci: float) -> dict[str, list[Gap]]:
    """Every group against the reference group: `group - reference` and `group / reference`.

    Returns:
        For `difference` and `ratio`, one `Gap` per group in group order (the reference
        group's own entry compares it with itself).
    """
    out: dict[str, list[Gap]] = {}
    value = estimate.value
    base_defined = np.isfinite(value[reference])
    for measure in ("difference", "ratio"):
        def gap(v: np.ndarray, measure: str = measure) -> np.ndarray:
            b = v[..., reference, None]
            if measure == "difference":
                return v - b
            ok = (b > 0) & (v >= 0)
            return np.where(ok, v / np.where(ok, b, 1.0), np.nan)

        point = gap(value)
        if estimate.replicates is None:
            low = high = np.full(len(value), np.nan)
        else:
            low, high = percentile_interval(gap(estimate.replicates), ci)
        gaps = []
        for i in range(len(value)):
            if not (base_defined and np.isfinite(value[i])):
                reason = "metric undefined for the group or the reference group"
            else:
                reason = NOT_POSITIVE
            defined = np.isfinite(point[i])
            gaps.append(Gap(float(point[i]), float(low[i]) if defined else np.nan,
                            float(high[i]) if defined else np.nan, reason))
        out[measure] = gaps
    return out


def fairness_measures(intersectional: GroupingResult, ci: float) -> dict[str, Gap]:
    """fairlearn's named measures over the intersectional groups (binary tasks).

    - demographic_parity_difference / _ratio: selection_rate between groups
    - equalized_odds_difference: max of the true and false positive rate differences
    - equalized_odds_ratio: min of the true and false positive rate ratios
    - equal_opportunity_difference / _ratio: true_positive_rate between groups
    """
    sel = intersectional.metrics["selection_rate"]
    tpr = intersectional.metrics["true_positive_rate"]
    fpr = intersectional.metrics["false_positive_rate"]
    out = {
        "demographic_parity_difference": _between(sel, "difference", ci),
        "demographic_parity_ratio": _between(sel, "ratio", ci),
        "equal_opportunity_difference": _between(tpr, "difference", ci),
        "equal_opportunity_ratio": _between(tpr, "ratio", ci),
    }
    for measure, combine in (("difference", np.maximum), ("ratio", np.minimum)):
        a, b = _between(tpr, measure, ci), _between(fpr, measure, ci)
        reps = None
        if a.replicates is not None and b.replicates is not None:
            reps = combine(a.replicates, b.replicates)
        reason = a.undefined_reason if not np.isfinite(a.value) else b.undefined_reason
        out[f"equalized_odds_{measure}"] = _gap(combine(np.float64(a.value), b.value), reps,
                                                ci, reason)
    return out
