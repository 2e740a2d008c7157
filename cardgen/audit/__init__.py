"""`cardgen audit`: how well a population of cards is documented, card by card and in total.

It reads Markdown cards, specs or Hub repositories and writes reports; it never edits a card.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write_bytes, atomic_write_text, dumps_json
from .._words import count
from ..errors import CardgenError
from ._record import (
    CardAudit,
    audit_card,
    audit_hub_facts,
    audit_markdown,
)

MARKDOWN_SUFFIXES = (".md", ".markdown")
SPEC_SUFFIXES = (".yaml", ".yml")
PARALLEL_FROM = 2000
"""Below this many files one process is faster than starting workers."""
CI_LEVEL = 0.95
HISTOGRAM_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]

__all__ = [
    "AuditReport",
    "CardAudit",
    "audit_card",
    "audit_hub",
    "audit_paths",
    "download_quartiles",
]


@dataclass
class AuditReport:
    """Every card's audit, the inputs that could not be audited, and the population figures."""

    cards: list[CardAudit] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    """`{source, problem, message}`: problem is `unreadable`, `binary`, `empty`,
    `broken-front-matter`, `invalid-spec` or `hub-error`. Empty cards and cards with
    broken front matter are still audited; the others are not."""

    @property
    def mean_completeness(self) -> float:
        """Mean completeness (percent) over the audited cards; 0 when there are none."""
        return float(np.mean([c.completeness for c in self.cards])) if self.cards else 0.0

    def population(self) -> dict[str, Any]:
        """Population figures per card kind (see `population`)."""
        return {
            kind: population([c for c in self.cards if c.kind == kind])
            for kind in ("model", "data", "governance")
            if any(c.kind == kind for c in self.cards)
        }

    def to_json(self) -> dict[str, Any]:
        """The whole report as a JSON-able mapping (deterministic order)."""
        return {
            "cards_audited": len(self.cards),
            "mean_completeness": round(self.mean_completeness, 2),
            "problems": self.problems,
            "problem_counts": dict(sorted(Counter(p["problem"] for p in self.problems).items())),
            "population": self.population(),
            "cards": [c.to_json() for c in self.cards],
        }


# --- population ------------------------------------------------------------------------------


def _rates(cards: list[CardAudit], attr: str) -> dict[str, dict[str, Any]]:
    from ..metrics import wilson_interval

    names = list(getattr(cards[0], attr)) if cards else []
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        counts = Counter(getattr(c, attr).get(name, "empty") for c in cards)
        low, high = wilson_interval(np.array([counts["filled"]]), np.array([len(cards)]), CI_LEVEL)
        out[name] = {
            "filled": counts["filled"],
            "placeholder": counts["placeholder"],
            "empty": counts["empty"],
            "n": len(cards),
            "rate": round(counts["filled"] / len(cards), 6),
            "ci_low": round(float(low[0]), 6),
            "ci_high": round(float(high[0]), 6),
        }
    return out


def download_quartiles(cards: list[CardAudit]) -> dict[str, str]:
    """`Q1` (least downloaded) to `Q4` per card source, for cards with a download count."""
    counted = [c for c in cards if c.downloads is not None]
    if not counted:
        return {}
    edges = np.percentile([c.downloads for c in counted], [25, 50, 75])
    return {
        c.source: f"Q{int(np.searchsorted(edges, float(c.downloads or 0))) + 1}" for c in counted
    }


def _breakdown(
    cards: list[CardAudit], key: Callable[[CardAudit], str | None]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CardAudit]] = defaultdict(list)
    for card in cards:
        groups[key(card) or "(none)"].append(card)
    return {
        name: {
            "n": len(members),
            "mean_completeness": round(float(np.mean([c.completeness for c in members])), 2),
            "fields": {f: v["rate"] for f, v in _rates(members, "fields").items()},
        }
        for name, members in sorted(groups.items())
    }


def population(cards: list[CardAudit]) -> dict[str, Any]:
    """Fill rate of each section and field with a Wilson interval, the completeness
    distribution, claim-check counts and breakdowns by pipeline tag, library and (for Hub
    repositories) download quartile."""
    values = np.array([c.completeness for c in cards]) if cards else np.array([0.0])
    histogram, _ = np.histogram(values, bins=HISTOGRAM_EDGES)
    quartiles = download_quartiles(cards)
    report: dict[str, Any] = {
        "n": len(cards),
        "sections": _rates(cards, "sections"),
        "fields": _rates(cards, "fields"),
        "completeness": {
            "mean": round(float(values.mean()), 2),
            "median": round(float(np.median(values)), 2),
            "q1": round(float(np.percentile(values, 25)), 2),
            "q3": round(float(np.percentile(values, 75)), 2),
            "histogram": {"edges": HISTOGRAM_EDGES, "counts": histogram.tolist()},
        },
        "checks": dict(sorted(Counter(ch["code"] for c in cards for ch in c.checks).items())),
        "by_pipeline_tag": _breakdown(cards, lambda c: c.pipeline_tag),
        "by_library": _breakdown(cards, lambda c: c.library_name),
    }
    if quartiles:
        report["by_download_quartile"] = _breakdown(cards, lambda c: quartiles.get(c.source))
    return report


# --- reading files ---------------------------------------------------------------------------


def _files(paths: Iterable[Path], problems: list[dict[str, str]]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in MARKDOWN_SUFFIXES + SPEC_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and (p.is_file() or not p.exists())
            )
            if not inside:
                problems.append(
                    {
                        "source": str(path),
                        "problem": "unreadable",
                        "message": "folder holds no Markdown cards or specs",
                    }
                )
            found.extend(inside)
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            problems.append(
                {"source": str(path), "problem": "unreadable", "message": "no such file or folder"}
            )
    return list(dict.fromkeys(found))  # a file named and inside a named folder: once


def audit_file(path: Path, root: Path) -> tuple[CardAudit | None, list[dict[str, str]]]:
    """Audit one Markdown card or spec; bad input becomes problems, never an exception."""
    from ..hub.importer import parse_readme

    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [
            {
                "source": source,
                "problem": "unreadable",
                "message": f"cannot read: {exc.strerror or exc}",
            }
        ]
    if b"\0" in data[:8192]:
        return None, [
            {
                "source": source,
                "problem": "binary",
                "message": "binary file (NUL bytes), not a card",
            }
        ]
    if path.suffix.lower() in SPEC_SUFFIXES:
        return _audit_spec(path, root)
    parsed = parse_readme(data)
    problems = []
    broken = [w for w in parsed.warnings if w.startswith("front matter is not")]
    if broken:
        problems.append({"source": source, "problem": "broken-front-matter", "message": broken[0]})
    if not parsed.text.strip():
        problems.append({"source": source, "problem": "empty", "message": "empty card"})
    return audit_markdown(source, parsed), problems


def _audit_spec(path: Path, root: Path) -> tuple[CardAudit | None, list[dict[str, str]]]:
    from ..errors import SpecError
    from ..merge import load_card

    try:
        card = load_card(path, root)
    except SpecError as exc:
        first = exc.problems[0] if exc.problems else None
        return None, [
            {
                "source": str(path),
                "problem": "invalid-spec",
                "message": str(first) if first else str(exc),
            }
        ]
    except CardgenError as exc:
        return None, [{"source": str(path), "problem": "invalid-spec", "message": str(exc)}]
    return audit_card(str(path), card), []


def _audit_chunk(
    paths: list[Path], root: Path
) -> list[tuple[CardAudit | None, list[dict[str, str]]]]:
    return [audit_file(p, root) for p in paths]


def audit_paths(
    paths: Iterable[str | Path], *, root: str | Path = ".", jobs: int | None = None
) -> AuditReport:
    """Audit every Markdown card (`*.md`) and spec (`*.yaml`) in files and folders.

    Folders are searched recursively (hidden folders such as `.cardgen/` skipped).
    Unreadable, binary, empty cards and broken front matter are listed in `problems`.

    Args:
        paths: files and folders.
        root: project folder whose `.cardgen/` facts are merged into specs.
        jobs: worker processes (default: CPU count); small inputs use one.

    Returns:
        The report, cards in path order.
    """
    report = AuditReport()
    files = _files([Path(p) for p in paths], report.problems)
    root = Path(root)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(files) >= PARALLEL_FROM:
        size = max(1, len(files) // (jobs * 4))
        chunks = [files[i : i + size] for i in range(0, len(files), size)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            outcomes = [
                o for part in pool.map(_audit_chunk, chunks, [root] * len(chunks)) for o in part
            ]
    else:
        outcomes = _audit_chunk(files, root)
    for card, problems in outcomes:
        report.problems.extend(problems)
        if card is not None:
            report.cards.append(card)
    return report


def audit_hub(
    repo_ids: Iterable[str],
    *,
    repo_type: str = "model",
    jobs: int = 8,
    endpoint: str | None = None,
    timeout: float = 30.0,
    retries: int = 4,
    progress: Callable[[str, bool], None] | None = None,
) -> AuditReport:
    """Audit Hub repositories, read through the batch collector (`collect_many`).

    Facts go to a temporary folder that is removed afterwards; a repository that cannot
    be read is a `hub-error` problem.
    """
    from ..hub.collect import card_name_for, collect_many

    report = AuditReport()
    with tempfile.TemporaryDirectory(prefix="cardgen-audit-") as tmp:
        batch = collect_many(
            repo_ids,
            repo_type=repo_type,
            jobs=jobs,
            endpoint=endpoint,
            root=tmp,
            timeout=timeout,
            retries=retries,
            progress=progress,
        )
        for repo, result in batch.results.items():
            folder = Path(tmp) / ".cardgen" / card_name_for(repo)
            facts = json.loads((folder / "hub.json").read_text(encoding="utf-8"))
            evaluations_path = folder / "hub-evaluations.json"
            evaluations = (
                json.loads(evaluations_path.read_text(encoding="utf-8"))["evaluations"]
                if evaluations_path.exists()
                else []
            )
            card = audit_hub_facts(facts, evaluations)
            card.source = result.repo_id
            report.cards.append(card)
        for repo, message in batch.errors.items():
            report.problems.append({"source": repo, "problem": "hub-error", "message": message})
    return report


# --- outputs ---------------------------------------------------------------------------------


def card_rows(report: AuditReport) -> list[dict[str, Any]]:
    """One flat row per audited card: the Parquet table's rows."""
    quartiles = download_quartiles(report.cards)
    rows = []
    for card in report.cards:
        row: dict[str, Any] = {
            "source": card.source,
            "origin": card.origin,
            "kind": card.kind,
            "completeness": round(card.completeness, 2),
            "pipeline_tag": card.pipeline_tag,
            "library_name": card.library_name,
            "downloads": card.downloads,
            "download_quartile": quartiles.get(card.source),
            "checks": sorted(ch["code"] for ch in card.checks),
            "warnings": list(card.warnings),
        }
        row.update({f"section.{k}": v for k, v in card.sections.items()})
        row.update({f"field.{k}": v for k, v in card.fields.items()})
        rows.append(row)
    return rows


def write_outputs(report: AuditReport, out: str | Path) -> list[Path]:
    """Write `audit.json` (everything) and `audit.parquet` (one row per card) into `out`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CardgenError(f"{out}: exists and is not a folder")
    json_path = atomic_write_text(out / "audit.json", dumps_json(report.to_json()))
    rows = card_rows(report)
    # Model and data cards have different section columns: take the union (pyarrow's
    # from_pylist would keep only the first row's keys); a card without one gets null.
    columns = (
        sorted({k for row in rows for k in row}, key=lambda k: (k.count("."), k))
        if rows
        else ["source"]
    )
    table = pa.table({c: [row.get(c) for row in rows] for c in columns})
    fd, tmp = tempfile.mkstemp(prefix=".audit.parquet.", dir=out)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        atomic_write_bytes(out / "audit.parquet", Path(tmp).read_bytes())
    finally:
        Path(tmp).unlink(missing_ok=True)
    return [json_path, out / "audit.parquet"]


def _bar(rate: float, width: int = 20) -> str:
    filled = round(rate * width)
    return "█" * filled + "·" * (width - filled)


def summary_lines(report: AuditReport) -> list[str]:
    """The terminal summary: counts, completeness, fill rates with intervals, checks."""
    lines = [
        f"audited {count(len(report.cards), 'card')}; "
        f"mean completeness {report.mean_completeness:.1f}%"
    ]
    counts = Counter(p["problem"] for p in report.problems)
    if counts:
        lines.append("problems: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for kind, figures in report.population().items():
        lines += ["", f"{kind} cards ({figures['n']}): fill rate [95% Wilson interval]"]
        for group in ("sections", "fields"):
            for name, row in figures[group].items():
                lines.append(
                    f"  {_bar(row['rate'])} {100 * row['rate']:5.1f}% "
                    f"[{100 * row['ci_low']:.1f}, {100 * row['ci_high']:.1f}]  "
                    f"{group[:-1]} {name}"
                    + (f", {row['placeholder']} placeholder" if row["placeholder"] else "")
                )
        if figures["checks"]:
            lines.append(
                "  claim checks failed: "
                + ", ".join(f"{code} ({n})" for code, n in figures["checks"].items())
            )
    return lines
