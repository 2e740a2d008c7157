"""What a reader sees first of an evaluation: headline metrics, tests, largest gaps, groups.

It selects and orders numbers the evaluation already holds; it computes no statistic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..evaluate.requirements import MEASURE_RATES
from ..evaluate.summary import headline_metrics
from ..schema import (
    DisaggregatedEvaluation,
    Disparity,
    GroupResult,
    InsufficientEvidence,
    MetricValue,
    ThresholdTest,
)

MAX_GROUP_ROWS = 250
"""Group tables longer than this show the groups furthest from the overall value only."""
SHOWN_WHEN_CAPPED = 50
"""Rows a capped group table keeps."""
MAX_NAMED = 12
"""Groups named in one "insufficient evidence" note; the rest are counted."""


@dataclass(frozen=True)
class LeftOut:
    """Groups left out of a number for insufficient evidence: the first few, and a count."""

    named: list[InsufficientEvidence]
    more: int

    def __bool__(self) -> bool:
        return bool(self.named)

    @property
    def key(self) -> tuple[object, ...]:
        """The groups and counts, whatever metric they were counted for."""
        return (*((tuple(i.features.items()), i.n) for i in self.named), self.more)


@dataclass(frozen=True)
class TestLine:
    """A threshold test with the value it read, its interval and the groups behind it."""

    test: ThresholdTest
    value: MetricValue | None
    left_out: LeftOut


@dataclass(frozen=True)
class GapLine:
    """The largest between-group difference of one headline metric, and (with a named
    reference group) the group furthest from the reference."""

    metric: str
    gap: Disparity | None
    left_out: LeftOut
    furthest: Disparity | None = None
    ratio: Disparity | None = None
    """The smallest over the largest value (the four-fifths rule's ratio)."""


@dataclass(frozen=True)
class GapBlock:
    """The gaps of one grouping: a sensitive attribute alone, or the intersections."""

    features: list[str]
    lines: list[GapLine]
    reference: dict[str, str] | None = None
    """The reference group the author named for this grouping, if any."""

    @property
    def shown(self) -> list[GapLine]:
        """The lines with a gap to show."""
        return [line for line in self.lines if line.gap]

    @property
    def furthest(self) -> list[GapLine]:
        """The lines with a group furthest from the named reference."""
        return [line for line in self.lines if line.furthest and line.furthest.group]

    @property
    def left_out_lines(self) -> list[tuple[list[str], LeftOut]]:
        """Groups left out of the gaps, one line per distinct list (metrics such as TPR and
        FNR share a denominator, so they leave out the same groups)."""
        lines: list[tuple[list[str], LeftOut]] = []
        for line in self.lines:
            if not line.left_out:
                continue
            for metrics, left_out in lines:
                if left_out.key == line.left_out.key:
                    metrics.append(line.metric)
                    break
            else:
                lines.append(([line.metric], line.left_out))
        return lines


@dataclass(frozen=True)
class Glance:
    """An evaluation arranged for "at a glance" and the headline per-group table."""

    headline: list[str]
    overall: list[tuple[str, MetricValue]]
    tests: list[TestLine]
    gaps: list[GapBlock]
    """Each sensitive attribute on its own, then the intersections."""
    groups: list[GroupResult]
    groups_total: int
    measures_left_out: dict[str, LeftOut] = field(default_factory=dict)

    @property
    def simultaneous_level(self) -> float | None:
        """The level of the gaps' simultaneous intervals (None when they have none, as in
        evaluations stored before cardgen made them)."""
        for block in self.gaps:
            for line in block.shown:
                value = line.gap.value if line.gap else None
                if value and value.ci_method == "simultaneous" and value.ci_level:
                    return value.ci_level
        return None

    @property
    def capped(self) -> bool:
        """True when the group table shows only some groups."""
        return len(self.groups) < self.groups_total


def _left_out(items: list[InsufficientEvidence]) -> LeftOut:
    seen: dict[tuple[tuple[str, str], ...], InsufficientEvidence] = {}
    for item in items:
        seen.setdefault(tuple(item.features.items()), item)
    unique = list(seen.values())
    return LeftOut(unique[:MAX_NAMED], max(0, len(unique) - MAX_NAMED))


def _insufficient(
    evaluation: DisaggregatedEvaluation, features: list[str]
) -> dict[str, list[InsufficientEvidence]]:
    out: dict[str, list[InsufficientEvidence]] = {}
    for item in evaluation.insufficient_evidence:
        if list(item.features) == features:
            out.setdefault(item.metric, []).append(item)
    return out


def _test_value(
    evaluation: DisaggregatedEvaluation,
    test: ThresholdTest,
    gaps: dict[tuple[str, str], Disparity],
    groups: list[GroupResult],
) -> MetricValue | None:
    metric = test.metric
    if metric in evaluation.fairness_measures:
        return evaluation.fairness_measures[metric]
    if metric in evaluation.overall:
        return evaluation.overall[metric]
    for suffix in ("_difference", "_ratio"):
        if metric.endswith(suffix):
            found = gaps.get((metric.removesuffix(suffix), suffix[1:]))
            return found.value if found else None
    for suffix in ("_min", "_max"):
        if metric.endswith(suffix) and test.groups:
            for group in groups:
                if group.features == test.groups[0]:
                    return group.metrics.get(metric.removesuffix(suffix))
    return None


def _distance(
    group: GroupResult, evaluation: DisaggregatedEvaluation, headline: list[str]
) -> float:
    """How far a group's headline values lie from the overall ones (its largest gap)."""
    far = 0.0
    for name in headline:
        value, overall = group.metrics.get(name), evaluation.overall.get(name)
        if value and overall and value.value is not None and overall.value is not None:
            far = max(far, abs(value.value - overall.value))
    return far


def glance(evaluation: DisaggregatedEvaluation, card_wide: list[str] | None = None) -> Glance:
    """The at-a-glance summary and the headline group table of an evaluation.

    The table lists every group (each feature alone, then the intersections); gaps compare
    each feature's groups on their own, then the intersectional groups, each gap with its
    simultaneous interval. With more than `MAX_GROUP_ROWS` groups, the table keeps the
    `SHOWN_WHEN_CAPPED` groups whose headline values lie furthest from the overall values,
    groups with enough evidence first.
    """
    headline = headline_metrics(evaluation, card_wide or [])
    features = list(evaluation.sensitive_features)
    top = (
        [g for g in evaluation.groups if len(g.features) == len(features)]
        if features
        else list(evaluation.groups)
    )
    # Each attribute on its own first, as the gaps are read: then the intersections.
    table = sorted(
        evaluation.groups, key=lambda g: len(g.features) == len(features) and len(features) > 1
    )
    gaps: dict[tuple[str, str], Disparity] = {
        (d.metric, d.measure): d
        for d in evaluation.disparities
        if d.comparison == "between_groups" and d.features == features
    }
    small = _insufficient(evaluation, features)
    overall = [(m, evaluation.overall[m]) for m in headline if m in evaluation.overall]
    tests = []
    for test in evaluation.threshold_tests:
        rates = MEASURE_RATES.get(test.metric)
        if rates is None:
            base = test.metric
            for suffix in ("_difference", "_ratio", "_min", "_max"):
                base = base.removesuffix(suffix) if base not in evaluation.overall else base
            rates = (base,)
        items = (
            []
            if evaluation.include_small_groups or test.metric in evaluation.overall
            else [i for r in rates for i in small.get(r, [])]
        )
        tests.append(TestLine(test, _test_value(evaluation, test, gaps, top), _left_out(items)))
    gap_blocks = [
        _gap_block(evaluation, grouping, headline)
        for grouping in ([[f] for f in features] + ([features] if len(features) > 1 else []))
    ]
    measures_left_out = {
        k: _left_out([i for r in rates for i in small.get(r, [])])
        for k, rates in MEASURE_RATES.items()
        if k in evaluation.fairness_measures
    }
    shown = table
    if len(table) > MAX_GROUP_ROWS:
        thin = {tuple(i.features.items()) for i in evaluation.insufficient_evidence}
        ranked = sorted(
            table,
            key=lambda g: (tuple(g.features.items()) in thin, -_distance(g, evaluation, headline)),
        )
        keep = {id(g) for g in ranked[:SHOWN_WHEN_CAPPED]}
        shown = [g for g in table if id(g) in keep]
    return Glance(headline, overall, tests, gap_blocks, shown, len(table), measures_left_out)


def _gap_block(
    evaluation: DisaggregatedEvaluation, features: list[str], headline: list[str]
) -> GapBlock:
    """The largest gap of each headline metric among one grouping's groups with evidence,
    and the group furthest from the reference the author named for it."""
    found: dict[tuple[str, str, str], Disparity] = {
        (d.metric, d.comparison, d.measure): d
        for d in evaluation.disparities
        if d.features == features and d.comparison in ("between_groups", "furthest_from_reference")
    }
    small = _insufficient(evaluation, features)
    named = all(f in evaluation.reference for f in features)
    return GapBlock(
        features,
        [
            GapLine(
                m,
                found.get((m, "between_groups", "difference")),
                _left_out(small.get(m, [])),
                found.get((m, "furthest_from_reference", "difference")),
                found.get((m, "between_groups", "ratio")),
            )
            for m in headline
        ],
        {f: evaluation.reference[f] for f in features} if named else None,
    )


def capped_groups(
    groups: list[GroupResult], evaluation: DisaggregatedEvaluation, headline: list[str]
) -> tuple[list[GroupResult], int]:
    """A detail table's groups: all of them, or the furthest `SHOWN_WHEN_CAPPED` when there
    are more than `MAX_GROUP_ROWS`; also the number left out."""
    if len(groups) <= MAX_GROUP_ROWS:
        return groups, 0
    ranked = sorted(groups, key=lambda g: -_distance(g, evaluation, headline))
    keep = {id(g) for g in ranked[:SHOWN_WHEN_CAPPED]}
    return [g for g in groups if id(g) in keep], len(groups) - SHOWN_WHEN_CAPPED


def sidecar_path(evaluation: DisaggregatedEvaluation) -> str:
    """Where an evaluation's full results sit beside the README (a relative path)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", evaluation.name).strip(".-") or "evaluation"
    return f"evaluation/{safe}.json"
