"""What the CycloneDX and SPDX exports share: the metric entries, datasets, time and ids.

It arranges a card's facts for the bill-of-materials writers; it formats no document.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from ..schema import (
    DatasetReference,
    DisaggregatedEvaluation,
    MetricValue,
    ModelCard,
    ThresholdTest,
)
from ..schema.data_card import DataCard
from ._glance import headline_metrics
from .filters import group_label

Card = ModelCard | DataCard


@dataclass(frozen=True)
class MetricEntry:
    """One number of a card in a bill of materials: a metric of a slice, or a measure."""

    type: str
    """Metric or measure name, e.g. `accuracy` or `demographic_parity_ratio`."""
    value: MetricValue
    """The value with its interval and count."""
    slice: str | None
    """The group (`race=Black, sex=Female`), the groups compared (`across race, sex`),
    or None for the whole evaluation set; prefixed with the evaluation's name when the
    card has several evaluations."""
    insufficient: int | None = None
    """The count the value rests on when it is below the evaluation's minimum group size
    (the value is shown but left out of gaps, measures and tests)."""
    min_group_size: int | None = None
    """The evaluation's minimum group size."""

    @property
    def label(self) -> str:
        """`type` with its slice, e.g. `accuracy [race=Black, sex=Female]`."""
        return self.type if self.slice is None else f"{self.type} [{self.slice}]"


def number(value: float) -> str:
    """The shortest text that reads back as the same float (no rounding)."""
    return repr(float(value))


def _slice(card: ModelCard, evaluation: DisaggregatedEvaluation, label: str | None) -> str | None:
    if len(card.quantitative_analyses.evaluations) < 2:
        return label
    return evaluation.name if label is None else f"{evaluation.name}: {label}"


def metric_entries(card: ModelCard) -> list[MetricEntry]:
    """Every headline metric of every evaluation, overall and for every group (intersectional
    and single-feature groups, in the evaluation's order), insufficient evidence marked."""
    entries = []
    for evaluation in card.quantitative_analyses.evaluations:
        headline = headline_metrics(evaluation, card.headline_metrics)
        small = {
            (item.metric, tuple(item.features.items())): item.n
            for item in evaluation.insufficient_evidence
        }
        for metric in headline:
            entries.append(
                MetricEntry(metric, evaluation.overall[metric], _slice(card, evaluation, None))
            )
        for group in evaluation.groups:
            for metric in headline:
                if metric not in group.metrics:
                    continue
                n = small.get((metric, tuple(group.features.items())))
                entries.append(
                    MetricEntry(
                        metric,
                        group.metrics[metric],
                        _slice(card, evaluation, group_label(group.features)),
                        n,
                        evaluation.min_group_size if n is not None else None,
                    )
                )
    return entries


def measure_entries(card: ModelCard) -> list[MetricEntry]:
    """Fairness measures and the between-group gap of each metric (`METRIC_difference`,
    `METRIC_ratio`, as `require:` names them), with their intervals."""
    entries = []
    for evaluation in card.quantitative_analyses.evaluations:
        across = "across " + ", ".join(evaluation.sensitive_features)
        for name, value in sorted(evaluation.fairness_measures.items()):
            entries.append(MetricEntry(name, value, _slice(card, evaluation, across)))
        for gap in evaluation.disparities:
            if gap.comparison == "between_groups":
                entries.append(
                    MetricEntry(
                        f"{gap.metric}_{gap.measure}",
                        gap.value,
                        _slice(card, evaluation, "across " + ", ".join(gap.features)),
                    )
                )
    return entries


def threshold_tests(card: ModelCard) -> list[tuple[DisaggregatedEvaluation, ThresholdTest]]:
    """Every threshold test of the card, with its evaluation."""
    return [
        (evaluation, test)
        for evaluation in card.quantitative_analyses.evaluations
        for test in evaluation.threshold_tests
    ]


def outcome(test: ThresholdTest) -> str:
    """`passed`, `failed` or `not evaluated`, with the observed value and its groups."""
    state = "not evaluated" if test.passed is None else ("passed" if test.passed else "failed")
    parts = [test.expression, state]
    if test.observed is not None:
        parts.append(f"observed {number(test.observed)}")
    if test.reason:
        parts.append(test.reason)
    if test.groups:
        parts.append("groups " + "; ".join(group_label(g) for g in test.groups))
    return " | ".join(parts)


@dataclass(frozen=True)
class DatasetUse:
    """A dataset a model card names, and what the model did with it."""

    dataset: DatasetReference
    roles: tuple[str, ...]
    """`training` and/or `evaluation`."""


def datasets(card: ModelCard) -> list[DatasetUse]:
    """The training and evaluation datasets a model card names (its data sections and its
    evaluations), each once, in the card's order."""
    found: dict[tuple[str, str | None, str | None, str | None], DatasetUse] = {}
    listed = [(d, "training") for d in card.training_data.datasets]
    listed += [(d, "evaluation") for d in card.evaluation_data.datasets]
    listed += [
        (e.dataset, "evaluation") for e in card.quantitative_analyses.evaluations if e.dataset
    ]
    for dataset, role in listed:
        key = (dataset.name, dataset.uri, dataset.split, dataset.config)
        use = found.get(key)
        if use is None:
            found[key] = DatasetUse(dataset, (role,))
        elif role not in use.roles:
            found[key] = DatasetUse(use.dataset, (*use.roles, role))
    return list(found.values())


def document_time(card: Card) -> datetime | None:
    """When the document's facts were collected (the latest fact's time), else the card's
    own date at midnight UTC; None when the card says neither. Never the time of rendering:
    the same card gives the same bytes."""
    times = []
    if isinstance(card, ModelCard):
        times += [
            e.provenance.collected_at
            for e in card.quantitative_analyses.evaluations
            if e.provenance and e.provenance.collected_at
        ]
    elif card.composition.profile is not None:
        provenance = card.composition.profile.provenance
        if provenance is not None and provenance.collected_at is not None:
            times.append(provenance.collected_at)
    if times:
        latest = max(t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in times)
        return latest.astimezone(timezone.utc)
    day: date | None = (
        card.model_details.date if isinstance(card, ModelCard) else card.authorship.date
    )
    return datetime.combine(day, time(0), tzinfo=timezone.utc) if day else None


def content_digest(card: Card) -> str:
    """SHA-256 of the card's content: the seed of the document's serial number and ids."""
    text = json.dumps(card.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_url(value: str | None) -> bool:
    """Whether a card's text is a web address (not a citation or a path)."""
    return bool(value) and str(value).startswith(("https://", "http://")) and " " not in str(value)


def spdx_license(value: str | None) -> str | None:
    """The SPDX id of a Hub license id (`cc-by-4.0` -> `CC-BY-4.0`); None when it is none."""
    if not value:
        return None
    from cyclonedx.spdx import fixup_id

    return fixup_id(value)
