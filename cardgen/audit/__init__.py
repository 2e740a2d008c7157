"""`cardgen audit`: how well a population of cards is documented, card by card and in total.

It reads Markdown cards, specs or Hub repositories and writes reports; it never edits a card.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .._io import dumps_json
from .._words import count
from ..errors import CardgenError
from ._hub import CardStore, audit_hub, checkpoint_path
from ._record import CardAudit, audit_card, audit_markdown
from ._report import AuditReport, HubFigures, download_quartiles, population

MARKDOWN_SUFFIXES = (".md", ".markdown")
SPEC_SUFFIXES = (".yaml", ".yml")
PARALLEL_FROM = 2000
"""Below this many files one process is faster than starting workers."""

__all__ = [
    "AuditReport",
    "CardAudit",
    "CardStore",
    "HubFigures",
    "audit_card",
    "audit_hub",
    "audit_paths",
    "checkpoint_path",
    "download_quartiles",
    "population",
    "summary_lines",
    "write_outputs",
]


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
    report.cards = [card for card, _ in outcomes if card is not None]
    report.problems.extend(p for _, problems in outcomes for p in problems)
    return report


# --- outputs ---------------------------------------------------------------------------------


PARQUET_BATCH = 10_000
"""Rows written to the Parquet file at a time."""
_ROW_TYPES = {
    "source": "string",
    "origin": "string",
    "kind": "string",
    "completeness": "float64",
    "pipeline_tag": "string",
    "library_name": "string",
    "downloads": "int64",
    "download_quartile": "string",
    "checks": "list",
    "warnings": "list",
}


def card_row(card: CardAudit, quartiles: dict[str, str]) -> dict[str, Any]:
    """The Parquet row of one card (`quartiles` from `download_quartiles`)."""
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
    return row


def card_rows(report: AuditReport) -> Iterator[dict[str, Any]]:
    """One flat row per audited card, in card order: the Parquet table's rows."""
    quartiles = download_quartiles(report.cards)
    return (card_row(card, quartiles) for card in report.cards)


def _columns(report: AuditReport) -> list[str]:
    # Model and data cards have different section columns: take the union; a card
    # without one gets null. Every card of a kind has the same sections and fields.
    names = set(_ROW_TYPES) if len(report.cards) else {"source"}
    for tally in report.tallies()[0].values():
        figures = tally.figures()
        names |= {f"section.{k}" for k in figures["sections"]}
        names |= {f"field.{k}" for k in figures["fields"]}
    return sorted(names, key=lambda k: (k.count("."), k))


def _atomic_stream(path: Path) -> tuple[Any, Path]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    return os.fdopen(fd, "wb"), Path(tmp)


def write_json(report: AuditReport, path: str | Path) -> Path:
    """Write `report.to_json()` as `dumps_json` would, one card at a time (atomically)."""
    path = Path(path)
    text = dumps_json({**report._summary_json(), "cards": []})
    head = '{\n  "cards": [],\n'
    assert text.startswith(head)  # sorted keys: "cards" comes first
    handle, tmp = _atomic_stream(path)
    try:
        with handle:
            handle.write(b'{\n  "cards": [')
            first = True
            for card in report.cards:
                dumped = json.dumps(card.to_json(), indent=2, sort_keys=True, ensure_ascii=False)
                lines = "\n".join("    " + line for line in dumped.split("\n"))
                handle.write((("\n" if first else ",\n") + lines).encode("utf-8"))
                first = False
            handle.write((("],\n" if first else "\n  ],\n") + text[len(head) :]).encode("utf-8"))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_parquet(report: AuditReport, path: str | Path) -> Path:
    """Write one row per card to a Parquet file, `PARQUET_BATCH` rows at a time (atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    columns = _columns(report)
    kinds = {"list": pa.list_(pa.string()), "int64": pa.int64(), "float64": pa.float64()}
    schema = pa.schema([(c, kinds.get(_ROW_TYPES.get(c, "string"), pa.string())) for c in columns])
    handle, tmp = _atomic_stream(path)
    try:
        with handle, pq.ParquetWriter(handle, schema) as writer:
            batch: list[dict[str, Any]] = []
            for row in card_rows(report):
                batch.append(row)
                if len(batch) == PARQUET_BATCH:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch or not len(report.cards):
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_outputs(report: AuditReport, out: str | Path) -> list[Path]:
    """Write `audit.json` (everything) and `audit.parquet` (one row per card) into `out`.

    Both are written card by card, each to a temporary file renamed into place.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CardgenError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    return [write_json(report, out / "audit.json"), write_parquet(report, out / "audit.parquet")]


def _bar(rate: float, width: int = 20) -> str:
    filled = round(rate * width)
    return "█" * filled + "·" * (width - filled)


def summary_lines(report: AuditReport) -> list[str]:
    """The terminal summary: counts, completeness, fill rates with intervals, checks."""
    tallies, values = report.tallies()
    mean = float(np.mean(values)) if len(values) else 0.0
    if report.hub is not None and not report.hub.readmes_read:
        lines = [
            f"audited {count(len(values), 'card')} from Hub metadata only (READMEs not read, "
            f"sections not audited); mean completeness of the Hub fields {mean:.1f}%"
        ]
    else:
        lines = [f"audited {count(len(values), 'card')}; mean completeness {mean:.1f}%"]
    counts = Counter(p["problem"] for p in report.problems)
    if counts:
        lines.append("problems: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for kind, tally in tallies.items():
        figures = tally.figures()
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
