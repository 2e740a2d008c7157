"""Building the result: metric values with intervals, disparities, fairness measures,
insufficient evidence and threshold tests, as a DisaggregatedEvaluation.

It turns the metrics engine's estimates into schema objects; it reads no data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import CardgenError
from ..metrics import (
    INSUFFICIENT,
    CellTable,
    Estimate,
    Gap,
    GroupingResult,
    between_groups,
    evidence_mask,
    fairness_measures,
    largest_to_reference,
    roc_auc_error_bound,
    to_reference,
    value_text,
)
from ..schema import (
    DisaggregatedEvaluation,
    Disparity,
    GroupResult,
    InsufficientEvidence,
    MetricValue,
    ThresholdTest,
)
from ._encoding import Encoded
from .requirements import MEASURE_RATES, OPERATORS, SUFFIXES, Requirement

INTERVAL_METHOD = (
    "percentile bootstrap (rows resampled with replacement) at the stated level; a "
    "proportion whose replicates all agree gets its Wilson score interval instead of a "
    "zero-width one; every interval is widened where needed to contain its point estimate; "
    "any other interval of zero width is dropped (it would read as certainty). A largest "
    "gap (between groups, a fairness measure, the group furthest from a named reference) "
    "gets a simultaneous interval over every pair of groups it was chosen from: each "
    "group's value within c standard errors at once, c being the stated quantile of the "
    "largest |replicate - estimate| / standard error over the groups (studentized max-t "
    "bootstrap), and the gap's interval the range of gaps those bounds allow, so that "
    "picking the largest of many noisy gaps does not bias it"
)
"""How the reported intervals are made; stored in every evaluation's `details`."""


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
    method = "simultaneous" if gap.comparisons else "bootstrap"
    return MetricValue(
        value=value,
        n=n,
        ci_low=float(gap.ci_low) if has_ci else None,
        ci_high=float(gap.ci_high) if has_ci else None,
        ci_level=ci if has_ci else None,
        ci_method=method if has_ci else "none",
    )


def parse_reference(
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
    for suffix in SUFFIXES:
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
    passed = OPERATORS[requirement.operator](observed, requirement.threshold)
    return ThresholdTest(
        expression=requirement.expression,
        metric=requirement.metric,
        operator=requirement.operator,
        threshold=requirement.threshold,
        observed=observed,
        passed=passed,
        groups=groups,
    )


def score_bin_details(table: CellTable) -> dict[str, Any]:
    """How the scores were binned, and the largest ROC AUC error that binning allows."""
    from ..metrics import groupings

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


def build_evaluation(
    encoded: Encoded,
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
                        comparisons=gap.comparisons,
                        extremes=_extremes(gap, group_of),
                    )
                )
            reference = group_of(ref)
            if all(f in references for f in features):
                furthest = largest_to_reference(estimate, ref, ci, min_n)
                far = furthest.high_index
                disparities.append(
                    Disparity(
                        metric=metric,
                        features=features,
                        comparison="furthest_from_reference",
                        measure="difference",
                        value=_gap_value(furthest, ci, table.n_rows),
                        comparisons=furthest.comparisons,
                        group=None if far is None else group_of(far),
                        reference=reference,
                    )
                )
            gaps = to_reference(estimate, ref, ci, min_n)
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
    fairness_comparisons: dict[str, int] = {}
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
            if gap.comparisons:
                fairness_comparisons[key] = gap.comparisons
            if gap.low_index is not None:
                fairness_groups[key] = _extremes(gap, label_of)
            if gap.excluded:
                # Metrics the measure needs may not be reported; name their small groups too.
                for metric in MEASURE_RATES[key]:
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
        fairness_comparisons=fairness_comparisons,
        reference=references,
        insufficient_evidence=insufficient,
        threshold_tests=tests,
        details=details,
    )


def _extremes(gap: Gap, group_of: Callable[[int], dict[str, str]]) -> list[dict[str, str]]:
    if gap.low_index is None or gap.high_index is None:
        return []
    return [group_of(gap.low_index), group_of(gap.high_index)]
