"""The site's audit section: population charts and tables, and one audit block per card.

It turns an `AuditReport` into Markdown and SVG text; it writes no file and runs no build.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._words import count
from ..audit import AuditReport, CardAudit
from ..render.filters import cell, inline
from . import _charts
from ._pages import CardPage

_KIND_TITLES = {"model": "Model cards", "data": "Data cards", "governance": "Governance cards"}


def card_slug(source: str) -> str:
    """A file name for a card's audit page: readable part plus a short hash (unique)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", source)[-60:].strip("-.") or "card"
    return f"{readable}-{hashlib.sha1(source.encode('utf-8')).hexdigest()[:8]}"


def card_audit_lines(card: CardAudit) -> list[str]:
    """A card's audit as Markdown: completeness, each section and field, failed checks."""
    lines = [
        f"Completeness **{card.completeness:.0f}%** of the recommended sections "
        '(placeholders such as "More information needed" count as empty).',
        "",
        "| Section or field | State |",
        "|---|---|",
    ]
    for name, state in card.sections.items():
        lines.append(f"| section `{name}` | {state} |")
    for name, state in card.fields.items():
        lines.append(f"| field `{name}` | {state} |")
    lines.append("")
    if card.checks:
        lines += ["**Claim checks that failed:**", ""]
        lines += [f"- `{c['code']}`: {inline(c['message'])} ({c['count']})" for c in card.checks]
        lines.append("")
    if card.warnings:
        lines += ["**Read with warnings:**", ""]
        lines += [f"- {inline(w)}" for w in card.warnings]
        lines.append("")
    return lines


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _rate_points(rows: dict[str, dict[str, Any]]) -> list[_charts.Point]:
    return [
        _charts.Point(name, row["rate"], row["ci_low"], row["ci_high"], n=None)
        for name, row in rows.items()
    ]


def audit_index(
    report: AuditReport, link: Callable[[CardAudit], str], chart_prefix: str = "charts/"
) -> tuple[str, dict[str, str]]:
    """The population page and its charts.

    Args:
        report: the audit.
        link: relative link from the page to a card's audit.
        chart_prefix: folder of the charts relative to the page.

    Returns:
        (Markdown of the page, SVG text by chart file name).
    """
    charts: dict[str, str] = {}
    # Kept out of the search index: its tables would outweigh every card's summary.
    lines = [
        "---",
        "search:",
        "  exclude: true",
        "---",
        "",
        "# Documentation audit",
        "",
        f"{count(len(report.cards), 'card')} audited; mean completeness "
        f"{report.mean_completeness:.1f}%. A section or field is *filled* when it holds "
        'text other than a template placeholder ("More information needed" and the '
        "like). Intervals are 95% Wilson score intervals.",
        "",
    ]
    if report.problems:
        lines += [
            "## Inputs that could not be audited in full",
            "",
            "| Input | Problem | Detail |",
            "|---|---|---|",
        ]
        lines += [
            f"| {cell(p['source'])} | {cell(p['problem'])} | {cell(p['message'])} |"
            for p in report.problems
        ]
        lines.append("")
    for kind, figures in report.population().items():
        title = _KIND_TITLES[kind]
        lines += [f"## {title} ({figures['n']:,})", ""]
        for group in ("sections", "fields"):
            name = f"{kind}-{group}.svg"
            charts[name] = _charts.dot_chart(
                f"{title}: share with each {group[:-1]} filled", _rate_points(figures[group])
            )
            lines += [f"![{title}: share with each {group[:-1]} filled]({chart_prefix}{name})", ""]
        hist = figures["completeness"]["histogram"]
        name = f"{kind}-completeness.svg"
        charts[name] = _charts.histogram(
            f"{title}: completeness (% of recommended sections)", hist["edges"], hist["counts"]
        )
        lines += [
            f"![{title}: completeness distribution]({chart_prefix}{name})",
            "",
            "| Section or field | Filled | Placeholder | Empty | Rate [95% CI] |",
            "|---|---:|---:|---:|---|",
        ]
        for group in ("sections", "fields"):
            for field, row in figures[group].items():
                lines.append(
                    f"| {group[:-1]} `{field}` | {row['filled']:,} | "
                    f"{row['placeholder']:,} | {row['empty']:,} | "
                    f"{_percent(row['rate'])} [{_percent(row['ci_low'])}, "
                    f"{_percent(row['ci_high'])}] |"
                )
        lines.append("")
        if figures["checks"]:
            lines += ["| Claim check | Cards |", "|---|---:|"]
            lines += [f"| `{code}` | {n:,} |" for code, n in figures["checks"].items()]
            lines.append("")
        for key, label in (
            ("by_pipeline_tag", "pipeline tag"),
            ("by_library", "library"),
            ("by_download_quartile", "download quartile"),
        ):
            if key not in figures:
                continue
            fields = list(figures["fields"])
            lines += [
                f"**By {label}**",
                "",
                f"| {label.capitalize()} | Cards | Mean completeness | "
                + " | ".join(f"`{f}`" for f in fields)
                + " |",
                "|---|---:|---:|" + "---:|" * len(fields),
            ]
            for group, row in figures[key].items():
                lines.append(
                    f"| {cell(group)} | {row['n']:,} | {row['mean_completeness']:.1f}% "
                    "| " + " | ".join(_percent(row["fields"][f]) for f in fields) + " |"
                )
            lines.append("")
        members = sorted(
            (c for c in report.cards if c.kind == kind), key=lambda c: (c.completeness, c.source)
        )
        lines += [
            "**Cards, least complete first**",
            "",
            "| Card | Completeness | Failed checks |",
            "|---|---:|---|",
        ]
        lines += [
            f"| [{cell(c.source)}]({link(c)}) | {c.completeness:.0f}% | "
            f"{cell(', '.join(ch['code'] for ch in c.checks))} |"
            for c in members
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n", charts


def audit_site_files(report: AuditReport) -> dict[str, str]:
    """Files of a stand-alone audit section: `audit/index.md`, its charts and one page per
    card (`audit/cards/<slug>.md`), relative to the docs folder."""
    index, charts = audit_index(report, lambda c: f"cards/{card_slug(c.source)}.md")
    files = {"audit/index.md": index}
    files.update({f"audit/charts/{name}": svg for name, svg in charts.items()})
    for card in report.cards:
        lines = [
            f"# Audit of {inline(card.source)}",
            "",
            f"[Back to the audit](../index.md) · {card.kind} card, read from {card.origin}.",
            "",
            *card_audit_lines(card),
        ]
        files[f"audit/cards/{card_slug(card.source)}.md"] = "\n".join(lines).rstrip() + "\n"
    return files


def compact_audit_lines(card: CardAudit) -> list[str]:
    """A card's audit in a few lines: completeness, then the sections and fields by state."""
    lines = [
        f"Completeness **{card.completeness:.0f}%** of the recommended sections "
        '(placeholders such as "More information needed" count as empty).',
        "",
    ]
    sections = sum(s == "filled" for s in card.sections.values())
    fields = sum(s == "filled" for s in card.fields.values())
    lines.append(
        f"- **Filled:** {sections} of {len(card.sections)} sections, {fields} of "
        f"{len(card.fields)} Hub fields"
    )
    for state in ("placeholder", "empty"):
        names = [f"`{n}`" for n, s in card.sections.items() if s == state]
        names += [f"field `{n}`" for n, s in card.fields.items() if s == state]
        if names:
            lines += [f"- **{state.capitalize()}:** " + ", ".join(names)]
    lines.append("")
    if card.checks:
        lines += [
            "**Claim checks that failed:** "
            + "; ".join(f"`{c['code']}` ({c['count']})" for c in card.checks),
            "",
        ]
    return lines


def card_page_lines(page: CardPage) -> list[str]:
    """The audit and crosswalk sections of a card's site page (after its history)."""
    lines: list[str] = []
    if page.audit is not None:
        lines += [
            "## Documentation audit",
            "",
            "[All cards' audit](../../audit/index.md)",
            "",
            *compact_audit_lines(page.audit),
        ]
    if page.crosswalk:
        lines += [
            "## Regulation crosswalk",
            "",
            "Which items of each documentation regime this card answers, with the card "
            "field that answers each. Flags under `regulatory:` in the spec decide what "
            "applies; `cardgen crosswalk` prints every item with what it asks.",
            "",
            page.crosswalk.rstrip("\n"),
            "",
        ]
    return lines


def site_audit_files(pages: list[CardPage]) -> dict[str, str]:
    """The audit section of a cards site: the population page, linking to each card page."""
    audits = [p.audit for p in pages if p.audit is not None]
    if not audits:
        return {}
    folders = {p.audit.source: p.folder for p in pages if p.audit is not None}
    index, charts = audit_index(
        AuditReport(cards=audits), lambda c: f"../{folders[c.source]}/index.md"
    )
    files = {"audit/index.md": index}
    files.update({f"audit/charts/{name}": svg for name, svg in charts.items()})
    return files


_AUDIT_HEADER = "# Written by `cardgen audit --site`."


def write_audit_site(report: AuditReport, out: Path, *, build: bool = True) -> Path:
    """Write (and build) a stand-alone MkDocs project of an audit in `out`.

    The project belongs to the audit: `docs/` is rewritten on every run. A folder holding
    another MkDocs project is refused.

    Returns:
        The folder of the built site (`out/public`).

    Raises:
        CardgenError: `out` holds a mkdocs.yml cardgen audit did not write, or mkdocs fails.
    """
    import shutil

    import yaml

    from .._io import atomic_write_text
    from ..errors import CardgenError
    from ._builders import run_builder

    config = out / "mkdocs.yml"
    if config.exists() and not config.read_text(encoding="utf-8").startswith(_AUDIT_HEADER):
        raise CardgenError(
            f"{config}: not written by `cardgen audit --site`; choose an empty "
            "folder for the audit site"
        )
    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    files = audit_site_files(report)
    files["index.md"] = (
        "# Documentation audit\n\n"
        f"{count(len(report.cards), 'card')} audited: "
        "[open the audit](audit/index.md).\n"
    )
    for rel, text in sorted(files.items()):
        atomic_write_text(docs / rel, text)
    settings = {
        "site_name": "Documentation audit",
        "docs_dir": "docs",
        "site_dir": "public",
        "use_directory_urls": True,
        "theme": {"name": "material", "font": False},
        "plugins": ["search"],
        "markdown_extensions": ["tables", "attr_list"],
        "not_in_nav": "/audit/cards/\n",
        "nav": [{"Home": "index.md"}, {"Audit": "audit/index.md"}],
    }
    atomic_write_text(
        config,
        _AUDIT_HEADER
        + "\n"
        + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=1000),
    )
    if build:
        run_builder(config)
    return out / "public"
