"""Disparities between groups and fairlearn's named measures, with bootstrap or simultaneous CIs.

It combines per-group estimates (and their replicates) into gaps; it computes no metric itself.

Evidence rule: a group's value enters a gap only when the count it rests on (the metric's
own denominator: rows for selection rate, positives for TPR/FNR, negatives for FPR,
predicted positives for precision, the smaller of positives and negatives for ROC AUC,
balanced accuracy, Brier score and calibration error) is at least `min_n`; the others are
*insufficient evidence* and are listed in `Gap.excluded`. `min_n=0` is fairlearn's
behaviour.

Interval rule: a largest gap (between groups, a fairness measure, the group furthest from
the reference) gets a simultaneous interval: every group's value is bounded at once
(max-t bootstrap, `cardgen.metrics._simultaneous`), and the interval is the range of gaps
those bounds allow, so it holds over every pair the gap was chosen from. A gap of one
group to the reference gets the percentile bootstrap interval, widened where needed to
contain the point estimate (a ratio's replicates can all fall below a point value of 1.0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._bootstrap import contain_point, percentile_interval
from ._engine import Estimate, GroupingResult
from ._simultaneous import (
    GroupBlock,
    critical_value,
    gap_interval,
    group_block,
    ratio_interval,
    reference_interval,
)

FEWER_THAN_TWO = "fewer than two groups with a defined value"
INSUFFICIENT = "insufficient evidence"
"""Words that name values left out of gaps because their denominator is below `min_n`."""
NOT_POSITIVE = "ratio needs positive values (largest value is 0 or a value is negative)"


@dataclass(frozen=True)
class Gap:
    """A disparity's point value (NaN when undefined), interval and reason.

    Attributes:
        value: the point estimate, NaN when undefined.
        ci_low, ci_high: interval bounds, NaN when there are none. For a largest gap
            (between groups) the interval is simultaneous over all the pairs it was chosen
            from (see `cardgen.metrics._simultaneous`).
        undefined_reason: why `value` is NaN.
        low_index, high_index: the groups with the smallest and the largest value.
        excluded: groups left out for insufficient evidence.
        comparisons: how many pairs of groups the gap was chosen from (0: one comparison
            was made, or none).
        blocks: the groups and their bootstrap statistics, for joining gaps of several
            metrics into one (equalized odds).
    """

    value: float
    ci_low: float
    ci_high: float
    undefined_reason: str
    low_index: int | None = None
    high_index: int | None = None
    excluded: tuple[int, ...] = ()
    comparisons: int = 0
    blocks: tuple[GroupBlock, ...] = ()


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


def _block(estimate: Estimate, keep: np.ndarray) -> GroupBlock | None:
    """The groups with evidence and their bootstrap statistics (None: fewer than two)."""
    kept = np.flatnonzero(keep)
    if len(kept) < 2:
        return None
    replicates = None
    if estimate.replicates is not None:
        replicates = np.where(keep, estimate.replicates, np.nan)
    return group_block(estimate.value, replicates, kept)


def _interval(measure: str, blocks: list[GroupBlock], ci: float) -> tuple[float, float]:
    """The simultaneous interval of a largest gap (or smallest ratio) chosen among the
    blocks' groups: of the larger gap, or the smaller ratio, when there are several."""
    critical = critical_value(blocks, ci)
    if measure == "ratio":
        bounds = [ratio_interval(b, critical) for b in blocks]
        return min(b[0] for b in bounds), min(b[1] for b in bounds)
    bounds = [gap_interval(b, critical) for b in blocks]
    return max(b[0] for b in bounds), max(b[1] for b in bounds)


def _between(estimate: Estimate, measure: str, ci: float, min_n: int = 0) -> Gap:
    fn = _difference if measure == "difference" else _ratio
    keep = evidence_mask(estimate, min_n)
    excluded = tuple(int(i) for i in np.flatnonzero(np.isfinite(estimate.value) & ~keep))
    values = np.where(keep, estimate.value, np.nan)
    point = float(fn(values))
    k = int(keep.sum())
    if k >= 2:
        reason = NOT_POSITIVE
    elif excluded:
        reason = (
            f"{INSUFFICIENT}: fewer than two groups with at least {min_n} observations "
            f"for this metric"
        )
    else:
        reason = FEWER_THAN_TWO
    if k < 2:
        return Gap(point, np.nan, np.nan, reason, excluded=excluded)
    low_index, high_index = int(np.nanargmin(values)), int(np.nanargmax(values))
    block = _block(estimate, keep)
    assert block is not None
    low = high = np.nan
    if np.isfinite(point):
        low, high = _interval(measure, [block], ci)
    return Gap(
        point, low, high, reason, low_index, high_index, excluded, k * (k - 1) // 2, (block,)
    )


def between_groups(estimate: Estimate, ci: float, min_n: int = 0) -> dict[str, Gap]:
    """Largest minus smallest group value, and smallest over largest.

    Groups where the metric is undefined are skipped, as fairlearn's `MetricFrame.difference()`
    and `.ratio()` (method `between_groups`) do, and so are groups whose value rests on
    fewer than `min_n` observations (listed in `Gap.excluded`); with fewer than two groups
    left the disparity is undefined. A ratio needs non-negative values and a positive maximum.

    The interval is simultaneous over every pair of the groups left (`Gap.comparisons`):
    the largest of many noisy gaps is biased upwards, and a pair's own interval would not
    account for its having been picked as the largest.
    """
    return {m: _between(estimate, m, ci, min_n) for m in ("difference", "ratio")}


def largest_to_reference(estimate: Estimate, reference: int, ci: float, min_n: int = 0) -> Gap:
    """The group furthest from the reference group: `group - reference`, with a simultaneous
    interval over every group's comparison with the reference (`Gap.comparisons`).

    `high_index` is that group and `low_index` the reference; groups (or a reference)
    whose value rests on fewer than `min_n` observations are left out.
    """
    keep = evidence_mask(estimate, min_n)
    excluded = tuple(int(i) for i in np.flatnonzero(np.isfinite(estimate.value) & ~keep))
    others = np.flatnonzero(keep & (np.arange(len(keep)) != reference))
    if not keep[reference] or not len(others):
        why = (
            f"{INSUFFICIENT}: the reference group or every other group has fewer than "
            f"{min_n} observations for this metric"
            if excluded
            else FEWER_THAN_TWO
        )
        return Gap(np.nan, np.nan, np.nan, why, excluded=excluded)
    block = _block(estimate, keep)
    assert block is not None
    position = {int(g): i for i, g in enumerate(block.groups)}
    differences = estimate.value[others] - estimate.value[reference]
    furthest = int(others[int(np.argmax(np.abs(differences)))])
    low, high = reference_interval(
        block, position[furthest], position[reference], critical_value([block], ci)
    )
    return Gap(
        float(estimate.value[furthest] - estimate.value[reference]),
        low,
        high,
        NOT_POSITIVE,
        reference,
        furthest,
        excluded,
        len(others),
        (block,),
    )


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
        value = float(combine(np.float64(a.value), b.value))
        reason = a.undefined_reason if not np.isfinite(a.value) else b.undefined_reason
        # The groups that produce it: those of whichever rate gives the combined value.
        side = (
            a
            if (
                np.isfinite(a.value)
                and (not np.isfinite(b.value) or combine(a.value, b.value) == a.value)
            )
            else b
        )
        # One simultaneous interval over both rates' groups: the measure is chosen from all.
        blocks = [*a.blocks, *b.blocks]
        low = high = np.nan
        if np.isfinite(value):
            low, high = _interval(measure, blocks, ci)
        out[f"equalized_odds_{measure}"] = Gap(
            value,
            low,
            high,
            reason,
            side.low_index,
            side.high_index,
            tuple(sorted(set(a.excluded) | set(b.excluded))),
            a.comparisons + b.comparisons,
            tuple(blocks),
        )
    return out
