"""Disparities between groups and fairlearn's named fairness measures, with bootstrap CIs.

It combines per-group estimates (and their replicates) into gaps; it computes no metric itself.

Evidence rule: a group's value enters a gap only when the count it rests on (the metric's
own denominator: rows for selection rate, positives for TPR/FNR, negatives for FPR,
predicted positives for precision, the smaller of positives and negatives for ROC AUC,
balanced accuracy, Brier score and calibration error) is at least `min_n`; the others are
*insufficient evidence* and are listed in `Gap.excluded`. `min_n=0` is fairlearn's
behaviour.

Interval rule: the reported interval is the percentile bootstrap interval widened, where
needed, to contain the point estimate (a ratio's replicates can all fall below a point
value of 1.0); an interval of zero width resting on a group with insufficient evidence is
dropped rather than shown as certainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._bootstrap import contain_point, percentile_interval
from ._engine import Estimate, GroupingResult

FEWER_THAN_TWO = "fewer than two groups with a defined value"
INSUFFICIENT = "insufficient evidence"
"""Words that name values left out of gaps because their denominator is below `min_n`."""
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
    low_index: int | None = None
    high_index: int | None = None
    excluded: tuple[int, ...] = ()


def evidence_mask(estimate: Estimate, min_n: int) -> np.ndarray:
    """True for groups whose value is defined and rests on at least `min_n` observations."""
    return np.isfinite(estimate.value) & (np.asarray(estimate.n) >= min_n)


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
    low, high = contain_point(np.array([value]), low, high)
    if not np.isfinite(value):
        low, high = np.array([np.nan]), np.array([np.nan])
    return Gap(value, float(low[0]), float(high[0]), reason, reps)


def _between(estimate: Estimate, measure: str, ci: float, min_n: int = 0) -> Gap:
    fn = _difference if measure == "difference" else _ratio
    keep = evidence_mask(estimate, min_n)
    excluded = tuple(int(i) for i in np.flatnonzero(np.isfinite(estimate.value) & ~keep))
    values = np.where(keep, estimate.value, np.nan)
    reps = None if estimate.replicates is None else fn(np.where(keep, estimate.replicates, np.nan))
    point = fn(values)
    if keep.sum() >= 2:
        reason = NOT_POSITIVE
    elif excluded:
        reason = (
            f"{INSUFFICIENT}: fewer than two groups with at least {min_n} observations "
            f"for this metric"
        )
    else:
        reason = FEWER_THAN_TWO
    gap = _gap(point, reps, ci, reason)
    low_index = high_index = None
    if keep.sum() >= 2:
        low_index = int(np.nanargmin(values))
        high_index = int(np.nanargmax(values))
    return Gap(
        gap.value,
        gap.ci_low,
        gap.ci_high,
        gap.undefined_reason,
        gap.replicates,
        low_index,
        high_index,
        excluded,
    )


def between_groups(estimate: Estimate, ci: float, min_n: int = 0) -> dict[str, Gap]:
    """Largest minus smallest group value, and smallest over largest.

    Groups where the metric is undefined are skipped, as fairlearn's `MetricFrame.difference()`
    and `.ratio()` (method `between_groups`) do, and so are groups whose value rests on
    fewer than `min_n` observations (listed in `Gap.excluded`); with fewer than two groups
    left the disparity is undefined. A ratio needs non-negative values and a positive maximum.
    """
    return {m: _between(estimate, m, ci, min_n) for m in ("difference", "ratio")}


def to_reference(
    estimate: Estimate, reference: int, ci: float, min_n: int = 0
) -> dict[str, list[Gap]]:
    """Every group against the reference group: `group - reference` and `group / reference`.

    A group, or a reference, whose value rests on fewer than `min_n` observations gets no
    gap (insufficient evidence).

    Returns:
        For `difference` and `ratio`, one `Gap` per group in group order (the reference
        group's own entry compares it with itself).
    """
    out: dict[str, list[Gap]] = {}
    keep = evidence_mask(estimate, min_n)
    value = np.where(keep, estimate.value, np.nan)
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
            low, high = percentile_interval(gap(np.where(keep, estimate.replicates, np.nan)), ci)
            low, high = contain_point(point, low, high)
        gaps = []
        for i in range(len(value)):
            if (
                not (keep[i] and keep[reference])
                and np.isfinite(estimate.value[i])
                and np.isfinite(estimate.value[reference])
            ):
                reason = (
                    f"{INSUFFICIENT}: the group or the reference group has fewer than "
                    f"{min_n} observations for this metric"
                )
            elif not (base_defined and np.isfinite(value[i])):
                reason = "metric undefined for the group or the reference group"
            else:
                reason = NOT_POSITIVE
            defined = np.isfinite(point[i])
            gaps.append(
                Gap(
                    float(point[i]),
                    float(low[i]) if defined else np.nan,
                    float(high[i]) if defined else np.nan,
                    reason,
                )
            )
        out[measure] = gaps
    return out


def fairness_measures(intersectional: GroupingResult, ci: float, min_n: int = 0) -> dict[str, Gap]:
    """fairlearn's named measures over the intersectional groups (binary tasks).

    Each rate leaves out the groups whose own denominator is below `min_n` (see
    `between_groups`), so an equalized-odds measure may compare different groups for its
    true and false positive rates; `Gap.excluded` lists the union.

    - demographic_parity_difference / _ratio: selection_rate between groups
    - equalized_odds_difference: max of the true and false positive rate differences
    - equalized_odds_ratio: min of the true and false positive rate ratios
    - equal_opportunity_difference / _ratio: true_positive_rate between groups
    """
    sel = intersectional.metrics["selection_rate"]
    tpr = intersectional.metrics["true_positive_rate"]
    fpr = intersectional.metrics["false_positive_rate"]
    out = {
        "demographic_parity_difference": _between(sel, "difference", ci, min_n),
        "demographic_parity_ratio": _between(sel, "ratio", ci, min_n),
        "equal_opportunity_difference": _between(tpr, "difference", ci, min_n),
        "equal_opportunity_ratio": _between(tpr, "ratio", ci, min_n),
    }
    for measure, combine in (("difference", np.maximum), ("ratio", np.minimum)):
        a, b = _between(tpr, measure, ci, min_n), _between(fpr, measure, ci, min_n)
        reps = None
        if a.replicates is not None and b.replicates is not None:
            reps = combine(a.replicates, b.replicates)
        reason = a.undefined_reason if not np.isfinite(a.value) else b.undefined_reason
        gap = _gap(combine(np.float64(a.value), b.value), reps, ci, reason)
        # The groups that produce it: those of whichever rate gives the combined value.
        side = (
            a
            if (
                np.isfinite(a.value)
                and (not np.isfinite(b.value) or combine(a.value, b.value) == a.value)
            )
            else b
        )
        out[f"equalized_odds_{measure}"] = Gap(
            gap.value,
            gap.ci_low,
            gap.ci_high,
            gap.undefined_reason,
            gap.replicates,
            side.low_index,
            side.high_index,
            tuple(sorted(set(a.excluded) | set(b.excluded))),
        )
    return out
