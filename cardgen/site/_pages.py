"""One card's contribution to the site: its page Markdown, charts, home-table row and links.

Runs once per card (in worker processes for large sites); it reads a card and formats it,
and never touches the output folder or another card.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._paths import portable
from .._words import count
from ..audit import CardAudit, audit_card
from ..crosswalk import crosswalk, crosswalk_markdown
from ..errors import CardgenError, Problem, SpecError
from ..evaluate.summary import headline_metrics
from ..facts import read_facts
from ..governance import KnownCard, link_problems
from ..merge import load_card
from ..privacy import Declarations, assign_roles
from ..render import capped_groups
from ..render import render as render_page
from ..render import sidecars as render_sidecars
from ..render.filters import claims_badge, group_label, metric, slug
from ..schema import Card, DataCard, DisaggregatedEvaluation, GovernanceCard, ModelCard
from ..schema.profile import DatasetProfile
from ..spec import load_spec
from . import _charts
from ._history import snapshot

KIND_DIRS = {"model": "models", "data": "data", "governance": "governance"}
MAX_HISTOGRAMS = 8
UNVERSIONED = "unversioned"


@dataclass(frozen=True)
class ChartFigure:
    """One chart as the page shows it: a figure under its own heading, drawn from one view
    of its section's SVG file, with a text alternative."""

    heading: str
    """The metric (or measure, or column) the chart is about."""
    file: str
    """The section's SVG file, in the card's `charts/` folder."""
    view: str
    """The id of the chart's `<view>` in that file."""
    width: int
    height: int
    alt: str
    """The chart in words: rows, lowest and highest values, reference line."""
    caption: str
    """Its title, and which rows are shown when there are more than fit."""


@dataclass
class CardPage:
    """Everything the site needs from one card, as plain data (cheap to pass between processes)."""

    kind: str
    name: str
    spec: str
    title: str
    summary: str
    body: str
    files: dict[str, bytes] = field(default_factory=dict)
    """The card's own files beside its page, by path in its folder: the SVG of its charts
    (`charts/NAME.svg`, one per section) and the full evaluation JSON its page links
    (`evaluation/NAME.json`). Compressed (zlib): a site of 20,000 cards holds every page
    in memory until the pages are written, and these are most of a page's bytes."""
    chart_sections: list[tuple[str, list[ChartFigure]]] = field(default_factory=list)
    """Charts by section (an evaluation or a profiled file), each a figure."""
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
    governs: dict[str, list[str]] = field(default_factory=dict)
    """A governance card's `governs` (`models`, `datasets`: card names)."""
    governed_by: str | None = None
    """Name of the governance card that governs this model or data card (set once every
    card is loaded)."""

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


def _updated(card: Card, profiles: list[DatasetProfile]) -> str:
    dates: list[dt.date] = []
    own = (
        card.model_details.date
        if isinstance(card, ModelCard)
        else card.authorship.date
        if isinstance(card, DataCard)
        else None
    )
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
        "claims": claims_badge(card.quantitative_analyses.claims_checked),
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
        "claims": "—",
    }


def _governance_row(card: GovernanceCard) -> dict[str, str]:
    models, datasets = len(card.governs.models), len(card.governs.datasets)
    return {
        "task": "—",
        "license": card.licensing_and_release.model_license or card.metadata.license or "—",
        "headline": f"governs {count(models, 'model card')}, {count(datasets, 'data card')}",
        "gap": "—",
        "tests": "—",
        "claims": "—",
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
    declared = Declarations.of(card)
    for where, data in raw:
        try:
            # The card's roles, whatever the stored fact holds: no withheld value is charted.
            profiles.append(assign_roles(DatasetProfile.model_validate(data), declared))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise CardgenError(
                f"{card.name}: {where}: not a valid dataset profile ({loc}: {first['msg']})"
            ) from None
    return profiles


def _furthest(
    items: list[Any], distances: list[float | None], limit: int = _charts.ROWS_MAX
) -> list[Any]:
    """`items` in their order, or, when there are more than `limit`, the `limit` with the
    largest distances (None counts as nearest; ties keep the earlier item)."""
    if len(items) <= limit:
        return items
    ranked = sorted(range(len(items)), key=lambda i: -(distances[i] or 0.0))
    keep = set(ranked[:limit])
    return [item for i, item in enumerate(items) if i in keep]


def _furthest_points(points: list[_charts.Point], reference: float | None) -> list[_charts.Point]:
    """The points to draw: all, or the `ROWS_MAX` furthest from `reference`."""
    return _furthest(
        points,
        [
            None if p.value is None or reference is None else abs(p.value - reference)
            for p in points
        ],
    )


def _shown(shown: int, total: int, what: str) -> str:
    if shown == total:
        return ""
    return f" The {shown} {what} of {total:,} are shown; the tables list every one."


class _ChartSet:
    """Charts of one card, stacked into one SVG file per section (evaluation or profile),
    each shown on the page as its own figure (a `<view>` of that file).

    One file per section rather than per chart: thousands of cards would otherwise mean
    tens of thousands of small files to write and copy.
    """

    def __init__(self) -> None:
        self._charts: list[tuple[str, str, str, str, str]] = []

    def add(self, section: str, heading: str, svg: str, alt: str, caption: str) -> None:
        self._charts.append((section, heading, svg, alt, caption))

    def finish(self) -> tuple[dict[str, str], list[tuple[str, list[ChartFigure]]]]:
        """SVG files by name, and the figures to show under each section."""
        files: dict[str, str] = {}
        sections: list[tuple[str, list[ChartFigure]]] = []
        for section, group in groupby(self._charts, key=lambda chart: chart[0]):
            charts = list(group)
            base = slug(section)[:80]
            name, i = f"{base}.svg", 2
            while name in files:
                name, i = f"{base}-{i}.svg", i + 1
            views: list[str] = []
            for _, heading, _, _, _ in charts:
                view, k = slug(heading)[:60] or "chart", 2
                while view in views:
                    view, k = f"{slug(heading)[:60]}-{k}", k + 1
                views.append(view)
            files[name] = _charts.stack(
                f"Charts of {section}", [(v, c[2]) for v, c in zip(views, charts, strict=True)]
            )
            figures = [
                ChartFigure(heading, name, view, _charts.WIDTH, _charts.height(svg), alt, caption)
                for view, (_, heading, svg, alt, caption) in zip(views, charts, strict=True)
            ]
            sections.append((section, figures))
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
        reference = overall.value if overall else None
        drawn = _furthest_points(points, reference)
        unit = all(v is None or 0 <= v <= 1 for p in drawn for v in (p.value, p.ci_low, p.ci_high))
        title = f"{name} by group ({evaluation.name})"
        charts.add(
            evaluation.name,
            name,
            _charts.dot_chart(title, drawn, reference, unit),
            _charts.describe_dots(drawn, reference, "overall"),
            f"{title}: each group's value (dot) and 95% interval (bar)."
            + _shown(len(drawn), len(points), "groups furthest from overall"),
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
        drawn = _furthest_points(points, reference)
        title = f"Disparities ({measure}) in {evaluation.name}"
        charts.add(
            evaluation.name,
            f"Disparities ({measure})",
            _charts.dot_chart(title, drawn, reference, unit=False),
            _charts.describe_dots(drawn, reference, "no disparity"),
            f"{title}: each disparity and its 95% interval."
            + _shown(len(drawn), len(points), "disparities furthest from no disparity"),
        )


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
        equal = 1 / len(bars)
        drawn_bars = _furthest(bars, [abs(b.value - equal) for b in bars])
        title = f"Group representation ({profile.source})"
        charts.add(
            section,
            "Group representation",
            _charts.bar_chart(title, drawn_bars),
            _charts.describe_bars(drawn_bars),
            f"{title}: each group's rows and share of all rows."
            + _shown(len(drawn_bars), len(bars), "groups furthest from an equal share"),
        )
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
            drawn = _furthest_points(points, overall)
            charts.add(
                section,
                "Label base rate by group",
                _charts.dot_chart(title, drawn, overall),
                _charts.describe_dots(drawn, overall, "overall base rate"),
                f"{title}: each group's share of positive labels and its 95% interval."
                + _shown(len(drawn), len(points), "groups furthest from overall"),
            )
    shown = 0
    for column in profile.columns:
        if shown >= MAX_HISTOGRAMS:
            break
        hist = column.numeric.histogram if column.numeric else None
        if hist and hist.counts:
            title = f"Distribution of {column.name} ({profile.source})"
            charts.add(
                section,
                f"Distribution of {column.name}",
                _charts.histogram(title, hist.bin_edges, hist.counts),
                _charts.describe_histogram(hist.bin_edges, hist.counts),
                f"{title}: rows per equal-width bin.",
            )
            shown += 1


def _keys(card: Card) -> list[str]:
    keys = {card.name}
    if isinstance(card, GovernanceCard):
        return [card.name.lower()]
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
    elif isinstance(card, GovernanceCard):
        row, version = _governance_row(card), None
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
        files={
            relative: zlib.compress(text.encode("utf-8"))
            for relative, text in [
                *((f"charts/{name}", svg) for name, svg in chart_files.items()),
                *render_sidecars(card, compact=True).items(),
            ]
        },
        chart_sections=chart_sections,
        row=row,
        snapshot=snapshot(card, profiles),
        release=release or version or UNVERSIONED,
        keys=_keys(card),
        base_models=sorted(b.lower() for b in card.metadata.base_model)
        if isinstance(card, ModelCard)
        else [],
        dataset_refs=_dataset_refs(card) if isinstance(card, ModelCard) else [],
        # The spec as the project names it: no absolute path of this machine on the site.
        audit=audit_card(portable(str(spec), root), card),
        crosswalk=crosswalk_markdown(crosswalk(card), heading_level=3, compact=True)
        if isinstance(card, ModelCard)
        else "",
        governs={"models": card.governs.models, "datasets": card.governs.datasets}
        if isinstance(card, GovernanceCard)
        else {},
    )


def attach_governance(pages: list[CardPage], root: Path) -> list[Problem]:
    """Check every governance card's links against the site's cards, then give each model
    and data card it governs its `governed_by`, and each model its crosswalk again with
    the organisational items read from that governance card.

    Only the governed models are loaded a second time, so the cost follows the number of
    governance links, not the size of the site.

    Returns:
        The broken links, each at its spec line; nothing is changed when there are any.
    """
    governing = [p for p in pages if p.kind == "governance"]
    if not governing:
        return []
    cards: dict[str, GovernanceCard] = {}
    for page in governing:
        card = load_spec(page.spec)  # it loaded a moment ago, as a governance card
        if isinstance(card, GovernanceCard):
            cards[page.spec] = card
    known = [KnownCard(p.kind, p.name, p.spec) for p in pages]
    problems = link_problems(
        [(p.spec, cards[p.spec]) for p in governing], known, "the cards of this site"
    )
    if problems:
        return problems
    by_key = {(p.kind, p.name): p for p in pages}
    for page in governing:
        card = cards[page.spec]
        for name in card.governs.datasets:
            by_key[("data", name)].governed_by = page.name
        for name in card.governs.models:
            model_page = by_key[("model", name)]
            model_page.governed_by = page.name
            results = crosswalk(load_card(model_page.spec, root), governance=card)
            model_page.crosswalk = crosswalk_markdown(results, heading_level=3, compact=True)
    return []
