"""One card's contribution to the site: its page Markdown, charts, home-table row and links.

Runs once per card (in worker processes for large sites); it reads a card and formats it,
and never touches the output folder or another card.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..audit import CardAudit, audit_card
from ..crosswalk import crosswalk, crosswalk_markdown
from ..errors import CardgenError, Problem, SpecError
from ..evaluate.summary import headline_metrics
from ..facts import read_facts
from ..merge import load_card
from ..render import capped_groups
from ..render import render as render_page
from ..render import sidecars as render_sidecars
from ..render.filters import group_label, metric, slug
from ..schema import DataCard, DisaggregatedEvaluation, ModelCard
from ..schema.profile import DatasetProfile
from . import _charts
from ._history import snapshot

KIND_DIRS = {"model": "models", "data": "data"}
MAX_HISTOGRAMS = 8
UNVERSIONED = "unversioned"


@dataclass
class CardPage:
    """Everything the site needs from one card, as plain data (cheap to pass between processes)."""

    kind: str
    name: str
    spec: str
    title: str
    summary: str
    body: str
    charts: dict[str, str] = field(default_factory=dict)
    """SVG files of the card's charts (one per section), by file name."""
    chart_sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    """Charts by section (an evaluation or a profiled file): (alt text, file name)."""
    sidecars: dict[str, str] = field(default_factory=dict)
    """Full evaluation JSON files the page links (`evaluation/NAME.json`), by path."""
    row: dict[str, str] = field(default_factory=dict)
    snapshot: dict[str, list[Any]] = field(default_factory=dict)
    release: str = UNVERSIONED
    keys: list[str] = field(default_factory=list)
    """Names this card is known by (card name, Hub id, pretty name), lower-cased."""
    base_models: list[str] = field(default_factory=list)
    dataset_refs: list[str] = field(default_factory=list)
    audit: CardAudit | None = None
    """The card's documentation audit (sections and Hub fields filled or not)."""
    crosswalk: str = ""
    """The regulation crosswalk as Markdown (model cards)."""

    @property
    def folder(self) -> str:
        """The card's folder inside docs, e.g. `models/adult-income`."""
        return f"{KIND_DIRS[self.kind]}/{self.name}"


def _first_sentence(text: str | None, limit: int = 160) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _headline(evaluation: DisaggregatedEvaluation, card_wide: list[str]) -> str | None:
    """The card's first headline metric (the spec's order, else the task's default)."""
    names = headline_metrics(evaluation, card_wide)
    return names[0] if names else None


def _worst_gap(evaluation: DisaggregatedEvaluation, name: str | None) -> str:
    """The headline metric's largest gap between the intersectional groups with enough
    evidence, naming the groups left out (see `evaluate`'s insufficient-evidence rule)."""
    features = evaluation.sensitive_features
    gaps = [
        d
        for d in evaluation.disparities
        if d.comparison == "between_groups"
        and d.measure == "difference"
        and d.metric == name
        and d.features == features
    ]
    if gaps:
        text = f"{name}: {metric(gaps[0].value, show_n=False)}"
        left = [
            i
            for i in evaluation.insufficient_evidence
            if i.metric == name and len(i.features) == len(features)
        ]
        if left and not evaluation.include_small_groups:
            names = "; ".join(f"{group_label(i.features)} n={i.n}" for i in left[:3])
            more = f"; and {len(left) - 3} more" if len(left) > 3 else ""
            text += f" (insufficient evidence, left out: {names}{more})"
        return text
    # Results without gaps (e.g. read from a Hub model-index): groups with enough rows only.
    values = [
        value
        for g in evaluation.groups
        if name in g.metrics
        and (value := g.metrics[name].value) is not None
        and (g.n is None or g.n >= evaluation.min_group_size)
    ]
    if name and len(values) > 1:
        return f"{name}: {max(values) - min(values):.3f} (no CI)"
    return "—"


def _updated(card: ModelCard | DataCard, profiles: list[DatasetProfile]) -> str:
    dates: list[dt.date] = []
    own = card.model_details.date if isinstance(card, ModelCard) else card.authorship.date
    if own:
        dates.append(own)
    provenances = (
        [e.provenance for e in card.quantitative_analyses.evaluations]
        if isinstance(card, ModelCard)
        else [p.provenance for p in profiles]
    )
    dates += [p.collected_at.date() for p in provenances if p and p.collected_at]
    return max(dates).isoformat() if dates else "—"


def _model_row(card: ModelCard) -> dict[str, str]:
    evaluations = card.quantitative_analyses.evaluations
    headline = gap = "—"
    if evaluations:
        first = evaluations[0]
        name = _headline(first, card.headline_metrics)
        if name:
            headline = f"{name}: {metric(first.overall[name], show_n=False)}"
        gap = _worst_gap(first, name)
    tests = [t for e in evaluations for t in e.threshold_tests]
    failed = sum(t.failed for t in tests)
    unknown = sum(t.passed is None for t in tests)
    test_text = f"{len(tests) - failed} passed, {failed} failed" + (
        f" ({unknown} not evaluated)" if unknown else ""
    )
    return {
        "task": card.metadata.pipeline_tag or "—",
        "license": card.metadata.license or "—",
        "headline": headline,
        "gap": gap,
        "tests": test_text if tests else "—",
    }


def _data_row(card: DataCard, profiles: list[DatasetProfile]) -> dict[str, str]:
    headline = "—"
    gap = "—"
    for profile in profiles:
        if profile.base_rate is not None:
            headline = f"base_rate: {metric(profile.base_rate, show_n=False)}"
            rates = [
                g.base_rate.value
                for g in profile.groups
                if g.base_rate is not None and g.base_rate.value is not None
            ]
            if len(rates) > 1:
                gap = f"base_rate: {max(rates) - min(rates):.3f} (no CI)"
            break
    return {
        "task": ", ".join(card.metadata.task_categories) or "—",
        "license": ", ".join(card.metadata.license) or "—",
        "headline": headline,
        "gap": gap,
        "tests": "—",
    }


def profiles_of(card: DataCard, root: Path) -> list[DatasetProfile]:
    """The dataset profiles of a data card: `composition.profile` and `profile-*` facts.

    Raises:
        CardgenError: if a stored profile does not validate.
    """
    raw: list[tuple[str, Any]] = []
    if card.composition.profile:
        raw.append(("composition.profile", card.composition.profile))
    raw += [
        (f".cardgen/{card.name}/{key}.json", value)
        for key, value in read_facts(card.name, root).items()
        if key.startswith("profile-")
    ]
    profiles = []
    for where, data in raw:
        try:
            profiles.append(DatasetProfile.model_validate(data))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise CardgenError(
                f"{card.name}: {where}: not a valid dataset profile ({loc}: {first['msg']})"
            ) from None
    return profiles


class _ChartSet:
    """Charts of one card, stacked into one SVG file per section (evaluation or profile).

    One file per section rather than per chart: thousands of cards would otherwise mean
    tens of thousands of small files to write and copy.
    """

    def __init__(self) -> None:
        self._charts: list[tuple[str, str, str]] = []

    def add(self, section: str, title: str, svg: str) -> None:
        self._charts.append((section, title, svg))

    def finish(self) -> tuple[dict[str, str], list[tuple[str, list[tuple[str, str]]]]]:
        """SVG files by name, and the (alt text, file) to show under each section."""
        files: dict[str, str] = {}
        sections: list[tuple[str, list[tuple[str, str]]]] = []
        for section, group in groupby(self._charts, key=lambda chart: chart[0]):
            charts = list(group)
            base = slug(section)[:80]
            name, i = f"{base}.svg", 2
            while name in files:
                name, i = f"{base}-{i}.svg", i + 1
            titles = [title for _, title, _ in charts]
            files[name] = _charts.stack(f"Charts of {section}", [svg for _, _, svg in charts])
            sections.append((section, [("; ".join(titles), name)]))
        return files, sections


def _evaluation_charts(charts: _ChartSet, evaluation: DisaggregatedEvaluation) -> None:
    metrics = sorted(set(evaluation.overall) | {m for g in evaluation.groups for m in g.metrics})
    # Very many groups: the same groups as the page's tables (the furthest from overall).
    shown, _ = capped_groups(evaluation.groups, evaluation, headline_metrics(evaluation, []))
    for name in metrics:
        groups = [g for g in shown if name in g.metrics]
        if not groups:
            continue
        points = [
            _charts.Point(
                group_label(g.features),
                g.metrics[name].value,
                g.metrics[name].ci_low,
                g.metrics[name].ci_high,
                g.n,
                g.small,
                g.metrics[name].undefined_reason,
            )
            for g in groups
        ]
        overall = evaluation.overall.get(name)
        unit = all(v is None or 0 <= v <= 1 for p in points for v in (p.value, p.ci_low, p.ci_high))
        title = f"{name} by group ({evaluation.name})"
        charts.add(
            evaluation.name,
            title,
            _charts.dot_chart(title, points, overall.value if overall else None, unit),
        )
    for measure, reference in (("difference", 0.0), ("ratio", 1.0)):
        rows = [d for d in evaluation.disparities if d.measure == measure]
        if not rows:
            continue
        points = []
        for d in rows:
            who = (
                f"{group_label(d.group)} vs {group_label(d.reference)}"
                if d.group and d.reference
                else " × ".join(d.features)
            )
            points.append(
                _charts.Point(
                    f"{d.metric}: {who}",
                    d.value.value,
                    d.value.ci_low,
                    d.value.ci_high,
                    None,
                    False,
                    d.value.undefined_reason,
                )
            )
        title = f"Disparities ({measure}) in {evaluation.name}"
        charts.add(evaluation.name, title, _charts.dot_chart(title, points, reference, unit=False))


def _profile_charts(charts: _ChartSet, profile: DatasetProfile) -> None:
    section = profile.source
    if profile.groups:
        bars = [
            _charts.Bar(
                group_label(g.features),
                g.share or 0.0,
                g.small,
                f"{g.count:,} ({(g.share or 0.0) * 100:.1f}%)",
            )
            for g in profile.groups
        ]
        title = f"Group representation ({profile.source})"
        charts.add(section, title, _charts.bar_chart(title, bars))
        rated = [g for g in profile.groups if g.base_rate is not None]
        if rated:
            points = [
                _charts.Point(
                    group_label(g.features),
                    rate.value,
                    rate.ci_low,
                    rate.ci_high,
                    g.count,
                    g.small,
                    rate.undefined_reason,
                )
                for g in rated
                if (rate := g.base_rate) is not None
            ]
            title = f"Label base rate by group ({profile.source})"
            overall = profile.base_rate.value if profile.base_rate else None
            charts.add(section, title, _charts.dot_chart(title, points, overall))
    shown = 0
    for column in profile.columns:
        if shown >= MAX_HISTOGRAMS:
            break
        hist = column.numeric.histogram if column.numeric else None
        if hist and hist.counts:
            title = f"Distribution of {column.name} ({profile.source})"
            charts.add(section, title, _charts.histogram(title, hist.bin_edges, hist.counts))
            shown += 1


def _keys(card: ModelCard | DataCard) -> list[str]:
    keys = {card.name}
    if card.sources.hub:
        keys.add(card.sources.hub.repo_id)
    if isinstance(card, DataCard):
        keys.update(k for k in (card.metadata.pretty_name, card.distribution.url) if k)
    if isinstance(card, ModelCard) and card.metadata.model_name:
        keys.add(card.metadata.model_name)
    return sorted(k.lower() for k in keys)


def _dataset_refs(card: ModelCard) -> list[str]:
    refs = set(card.metadata.datasets)
    for section in (card.evaluation_data, card.training_data):
        for ref in section.datasets:
            refs.update(x for x in (ref.name, ref.uri) if x)
    for evaluation in card.quantitative_analyses.evaluations:
        if evaluation.dataset:
            refs.update(x for x in (evaluation.dataset.name, evaluation.dataset.uri) if x)
    return sorted(r.lower() for r in refs)


def prepare(
    spec: Path, root: Path, precision: int, release: str | None
) -> CardPage | list[Problem]:
    """Load one spec with its facts and format its page, charts and home-table row.

    Returns:
        The card's `CardPage`, or the problems that stop it from being built.
    """
    try:
        card = load_card(spec, root)
        profiles = profiles_of(card, root) if isinstance(card, DataCard) else []
        body = render_page(card, "page", precision)
    except SpecError as exc:
        return list(exc.problems)
    except CardgenError as exc:
        return [Problem(str(spec), str(exc))]
    charts = _ChartSet()
    if isinstance(card, ModelCard):
        for evaluation in card.quantitative_analyses.evaluations:
            _evaluation_charts(charts, evaluation)
        row = _model_row(card)
        version = card.model_details.version
    else:
        for profile in profiles:
            _profile_charts(charts, profile)
        row = _data_row(card, profiles)
        version = card.authorship.version
    row["updated"] = _updated(card, profiles)
    chart_files, chart_sections = charts.finish()
    title = card.title or (card.metadata.pretty_name if isinstance(card, DataCard) else None)
    return CardPage(
        kind=card.kind,
        name=card.name,
        spec=str(spec),
        title=title or card.name,
        summary=_first_sentence(card.summary),
        body=body,
        charts=chart_files,
        sidecars=render_sidecars(card),
        chart_sections=chart_sections,
        row=row,
        snapshot=snapshot(card, profiles),
        release=release or version or UNVERSIONED,
        keys=_keys(card),
        base_models=sorted(b.lower() for b in card.metadata.base_model)
        if isinstance(card, ModelCard)
        else [],
        dataset_refs=_dataset_refs(card) if isinstance(card, ModelCard) else [],
        audit=audit_card(str(spec), card),
        crosswalk=crosswalk_markdown(crosswalk(card), heading_level=3, compact=True)
        if isinstance(card, ModelCard)
        else "",
    )
