"""The browsable site: writes a MkDocs project of all cards, builds it (MkDocs-Material or
Zensical, `--strict`) and indexes it for search (Pagefind).

It writes only inside the output project (of an existing mkdocs.yml only `nav`, and keys an
older cardgen did not write), never specs or facts, and the site it makes loads nothing
from another host.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._io import atomic_write_text, dumps_json
from .._resources import templates_dir
from .._words import count
from ..errors import CardgenError, Problem
from ..render import environment as _env
from ..render.filters import cell, inline
from ..validate import spec_files
from . import _audit, _charts, _history
from ._audit import write_audit_site
from ._builders import (
    BUILDERS,
    DEFAULT_BUILDER,
    END_OF_LIFE_NOTICE,
    built_with,
    check_builder,
    run_builder,
)
from ._mkdocs import read_config
from ._pages import KIND_DIRS, UNVERSIONED, CardPage, attach_governance, prepare
from ._search import run_pagefind
from ._shards import _AnyTagLoader, build_sharded

MANIFEST = ".cardgen-site.json"
SECTION_MAX = 250
"""Cards per section page; a first character with more cards is split into parts."""
RELATED_MAX = 50
"""Related cards listed by name on a card page; the rest are counted."""
PARALLEL_FROM = 64
"""Below this many specs, preparing cards in one process is faster than starting workers."""
SHARD_FROM = 400
"""From this many cards, several mkdocs processes build slices of the site at once."""
_SHARED_PAGES = [
    "index.md",
    "sections/",
    "models/index.md",
    "data/index.md",
    "governance/index.md",
    "find/index.md",
    "audit/",
]
"""Pages besides the cards: only the first of several mkdocs processes builds them."""
_OWNED = (
    "index.md",
    "models/",
    "data/",
    "governance/",
    "sections/",
    "assets/cardgen/",
    "find/",
    "audit/",
)
KINDS = ("model", "data", "governance")
"""Kinds of card, in the order the site lists them."""
_KIND_HEADINGS = {"model": "Models", "data": "Datasets", "governance": "Governance"}
_HEADER = "# Written by `cardgen site build`."


@dataclass(frozen=True)
class Section:
    """A page listing some cards of one kind."""

    kind: str
    label: str
    file: str
    pages: list[CardPage]


@dataclass(frozen=True)
class SiteProject:
    """What writing the MkDocs project did."""

    config: Path
    docs_dir: Path
    site_dir: Path
    cards: int
    written: int
    removed: int
    history_changed: int
    prefix: str = ""
    """Folder of the generated pages inside docs: `cards/` in a site cardgen did not create."""
    card_folders: tuple[str, ...] = ()
    """Each card's folder inside docs (`models/NAME`), for builds split over processes."""


@dataclass(frozen=True)
class SiteBuild:
    """What `build_site` did: the project written and the mkdocs build run."""

    project: SiteProject
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds of each stage: `cards` (loading and formatting them), `project` (writing
    the MkDocs project), the builder's (`mkdocs` or `zensical`) and `search` (the Pagefind
    index)."""


# --- loading ---------------------------------------------------------------------------------


def _prepare_all(
    specs: list[Path], root: Path, precision: int, release: str | None, jobs: int
) -> list[CardPage | list[Problem]]:
    args = [(spec, root, precision, release) for spec in specs]
    if jobs <= 1 or len(specs) < PARALLEL_FROM:
        return [prepare(*a) for a in args]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(
            pool.map(prepare, *zip(*args, strict=True), chunksize=max(1, len(specs) // (jobs * 8)))
        )


def load_pages(
    cards: str | Path | Iterable[Path],
    root: str | Path = Path("."),
    *,
    precision: int = 3,
    release: str | None = None,
    jobs: int | None = None,
) -> list[CardPage]:
    """Load every spec (with its facts) and format its page, charts and home-table row.

    Args:
        cards: a folder of specs, or spec files and folders.
        root: the project folder holding `.cardgen/` facts.
        precision: decimals of metric values.
        release: release id recorded in each card's history (default: the card's version,
            else `git describe` of the specs' repository, else `unversioned`).
        jobs: worker processes (default: CPU count); small sites use one.

    Returns:
        One page per card, sorted by kind then name.

    Raises:
        CardgenError: if no spec is found, a spec is invalid (every problem is listed),
            two cards of one kind share a name, or a governance card names a card the
            site does not have.
    """
    paths = [Path(cards)] if isinstance(cards, (str, os.PathLike)) else [Path(c) for c in cards]
    root = Path(root)
    found = spec_files(paths)
    problems = [p for p in found if isinstance(p, Problem)]
    specs = [p for p in found if isinstance(p, Path)]
    if not specs and not problems:
        problems.append(Problem(", ".join(str(p) for p in paths), "no spec files found"))
    results = _prepare_all(specs, root, precision, release, jobs or os.cpu_count() or 1)
    fallback = git_release(specs[0].parent) if specs and release is None else None
    pages: list[CardPage] = []
    for result in results:
        if isinstance(result, list):
            problems.extend(result)
        else:
            if fallback and result.release == UNVERSIONED:
                result.release = fallback
            pages.append(result)
    seen: dict[tuple[str, str], str] = {}
    for page in pages:
        other = seen.setdefault((page.kind, page.name), page.spec)
        if other != page.spec:
            problems.append(
                Problem(
                    page.spec,
                    f"card name {page.name!r} is also used by "
                    f"{other}; names of one kind must be unique",
                )
            )
    if not problems:
        problems += attach_governance(pages, root)
    if problems:
        raise CardgenError(
            "\n".join(str(p) for p in problems)
            + f"\n{count(len(problems), 'problem')} found; nothing was built"
        )
    return sorted(pages, key=lambda p: (p.kind, p.name))


def git_release(folder: Path) -> str | None:
    """`git describe --tags --always` of the repository holding `folder`, if there is one.

    The release id of cards that state no version of their own.
    """
    try:
        done = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


# --- sections, links, lineage -------------------------------------------------------------------


def sections_of(pages: list[CardPage], size: int = SECTION_MAX) -> list[Section]:
    """Group cards by kind and first character; a group above `size` is split into parts."""
    groups: dict[tuple[str, str], list[CardPage]] = defaultdict(list)
    for page in pages:
        groups[(page.kind, page.name[0].lower())].append(page)
    sections = []
    for (kind, first), members in sorted(groups.items()):
        parts = [members[i : i + size] for i in range(0, len(members), size)]
        for i, part in enumerate(parts, 1):
            suffix = f"-{i}" if len(parts) > 1 else ""
            label = f"{first} ({i} of {len(parts)})" if len(parts) > 1 else first
            sections.append(Section(kind, label, f"{KIND_DIRS[kind]}-{first}{suffix}.md", part))
    return sections


def _link(page: CardPage, other: CardPage) -> str:
    return f"[{inline(other.title)}](../../{other.folder}/index.md)"


def _related(
    page: CardPage,
    by_key: dict[str, dict[str, list[CardPage]]],
    by_name: dict[str, dict[str, list[CardPage]]],
    used_by: dict[str, list[CardPage]],
) -> list[str]:
    """Links to related cards: a model's datasets, a dataset's models, a governance
    card's model and data cards, and the governance card of a card it governs."""
    lines: list[str] = []
    if page.kind == "model":
        datasets: dict[str, CardPage] = {}
        for ref in page.dataset_refs:
            for other in by_key["data"].get(ref, []):
                datasets[other.name] = other
        if datasets:
            lines.append("**Datasets:** " + _links(page, [d for _, d in sorted(datasets.items())]))
    elif page.kind == "data":
        models = used_by.get(page.name, [])
        if models:
            lines.append("**Models that use this dataset:** " + _links(page, models))
    else:
        for field, kind, label in (
            ("models", "model", "Model cards"),
            ("datasets", "data", "Data cards"),
        ):
            governed = [o for n in page.governs.get(field, []) for o in by_name[kind].get(n, [])]
            if governed:
                lines.append(f"**{label} this project governs:** " + _links(page, governed))
    if page.governed_by:
        governance = by_name["governance"][page.governed_by]
        lines.append("**Governance:** " + _links(page, governance))
    return lines


def _links(page: CardPage, others: list[CardPage]) -> str:
    text = ", ".join(_link(page, o) for o in others[:RELATED_MAX])
    if len(others) > RELATED_MAX:
        text += f" and {len(others) - RELATED_MAX:,} more (filter the home table by name)"
    return text


def _has_lineage(page: CardPage, children: dict[str, list[CardPage]]) -> bool:
    """Whether a card's page shows a lineage: a model with a base model or a derived one."""
    return page.kind == "model" and bool(page.base_models or children.get(page.name))


def _lineage(
    page: CardPage,
    by_key: dict[str, dict[str, list[CardPage]]],
    children: dict[str, list[CardPage]],
) -> tuple[list[str], str | None]:
    if not _has_lineage(page, children):
        return [], None
    bases: list[tuple[str, CardPage | None]] = []
    for ref in page.base_models:
        known = by_key["model"].get(ref, [])
        bases.append((ref, known[0] if known else None))
    derived = children.get(page.name, [])
    lines = []
    for ref, base in bases:
        lines.append(
            f"- Base model: {_link(page, base) if base else inline(ref)}"
            + ("" if base else " (not in this site)")
        )
    lines += [f"- Derived model: {_link(page, d)}" for d in derived[:RELATED_MAX]]
    if len(derived) > RELATED_MAX:
        lines.append(f"- and {len(derived) - RELATED_MAX:,} more derived models")
    svg = _charts.lineage_diagram(
        f"Lineage of {page.name}",
        [known.name if known else ref for ref, known in bases],
        page.name,
        [d.name for d in derived[:RELATED_MAX]],
    )
    return lines, svg


def _history_lines(releases: list[_history.Release], precision: int) -> list[str]:
    if len(releases) < 2:
        only = releases[0].release if releases else "—"
        return [f"One release recorded ({inline(only)}); changes appear from the next one."]
    lines = [
        "Changes between consecutive releases. A change *exceeds its CI* when |Δ| is "
        "larger than the sum of the two intervals' half-widths (the intervals do not "
        "overlap).",
        "",
    ]

    def num(entry: list[Any] | None) -> str:
        if entry is None or entry[0] is None:
            return "—"
        value = entry[0]
        text = f"{value:,}" if isinstance(value, int) else f"{value:.{precision}f}"
        if entry[1] is not None and entry[2] is not None:
            text += f" [{entry[1]:.{precision}f}, {entry[2]:.{precision}f}]"
        return text

    for before, after in reversed(list(itertools.pairwise(releases))):
        changed = _history.changes(before.metrics, after.metrics)
        lines.append(
            f"**{inline(before.release)} → {inline(after.release)}** ({len(changed)} changed)"
        )
        lines.append("")
        if not changed:
            continue
        lines += ["| Metric | Before | After | Δ | Exceeds CI? |", "|---|---|---|---:|---|"]
        for change in changed:
            delta = "—" if change.delta is None else f"{change.delta:+.{precision}f}"
            verdict = {True: "yes", False: "no", None: "no CI"}[change.exceeds_ci]
            lines.append(
                f"| {cell(change.key)} | {num(change.before)} | {num(change.after)} "
                f"| {delta} | {verdict} |"
            )
        lines.append("")
    return lines


def card_markdown(
    page: CardPage,
    related: list[str],
    lineage: list[str],
    lineage_svg: str | None,
    history: list[str],
) -> str:
    """A card's page: the rendered card, then related cards, lineage, charts, history, and
    its documentation audit and regulation crosswalk (laid out by
    `templates/site/card.md.j2`)."""
    text = (
        _templates()
        .get_template("site/card.md.j2")
        .render(
            body=page.body.rstrip("\n"),
            name=page.name,
            related=related,
            lineage=lineage,
            lineage_svg=lineage_svg,
            chart_sections=page.chart_sections,
            history=history,
            audit=_audit.card_page_lines(page),
        )
    )
    return text.rstrip("\n") + "\n"


# --- mkdocs.yml ------------------------------------------------------------------------------


def _nav(pages: list[CardPage], prefix: str = "") -> list[Any]:
    nav: list[Any] = [{"Cards" if prefix else "Home": f"{prefix}index.md"}]
    for kind in KINDS:
        if any(p.kind == kind for p in pages):
            nav.append({_KIND_HEADINGS[kind]: f"{prefix}{KIND_DIRS[kind]}/index.md"})
    nav.append({"Search": f"{prefix}find/index.md"})
    if pages:
        nav.append({"Audit": f"{prefix}audit/index.md"})
    return nav


def _nav_text(nav: list[Any]) -> str:
    return yaml.safe_dump({"nav": nav}, sort_keys=False, allow_unicode=True, width=1000)


def new_config(site_name: str, nav: list[Any]) -> str:
    """The mkdocs.yml of a new cardgen site: Material, no web fonts, small nav and index."""
    config = {
        "site_name": site_name,
        "docs_dir": "docs",
        "site_dir": "public",
        "use_directory_urls": True,
        # variant: Zensical's look of Material (MkDocs' Material ignores the key).
        "theme": {"name": "material", "font": False, "variant": "classic"},
        # The builders' own search is off: the one search box is Pagefind's (site.js).
        "plugins": [{"search": {"enabled": False}}],
        "markdown_extensions": ["tables", "attr_list", {"toc": {"permalink": False}}],
        "extra_css": ["assets/cardgen/cardgen.css"],
        "extra_javascript": ["assets/cardgen/site.js"],
        "not_in_nav": "/models/\n/data/\n/governance/\n/sections/\n",
        # A card may link to an anchor its page lacks (imported Hub cards do): MkDocs only
        # mentions it, Zensical would fail a strict build. Both ignore it.
        "validation": {"anchors": "ignore"},
    }
    head = (
        _HEADER + " Edit freely: on later builds cardgen only\n"
        "# rewrites `nav`. Plain MkDocs + Material settings, no plugins: MkDocs and\n"
        "# Zensical (`cardgen site build --builder zensical`) both build it as it is.\n"
    )
    return (
        head
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=1000)
        + _nav_text(nav)
    )


_OLD_SEARCH = re.compile(r"^plugins:\n- search\n(?![ \t-])", re.MULTILINE)
_NEW_SEARCH = "plugins:\n- search:\n    enabled: false\n"
_ADDED_KEYS = {
    "extra_javascript": "extra_javascript:\n- assets/cardgen/site.js\n",
    "validation": "validation:\n  anchors: ignore\n",
}


def upgrade_config(text: str) -> str:
    """A mkdocs.yml that an older cardgen wrote, brought up to this one: the builder's own
    search off (when still written exactly as cardgen wrote it), and the keys this cardgen
    writes (the site script holding the header's search box, lenient anchor validation
    for Zensical) added where the file has no such key. Everything else, edits included,
    stays byte for byte."""
    text = _OLD_SEARCH.sub(_NEW_SEARCH, text, count=1)
    for key, block in _ADDED_KEYS.items():
        if not re.search(rf"^{key}:", text, re.MULTILINE):
            text += ("" if text.endswith("\n") else "\n") + block
    return text


def replace_nav(text: str, nav: list[Any], prefix: str = "") -> str:
    """An existing mkdocs.yml with its top-level `nav` replaced; every other byte kept.

    Entries of the old nav that point outside cardgen's pages are kept: before cardgen's
    when the pages live under a `prefix` in someone else's site, after them otherwise.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("nav:")), None)
    if start is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + _nav_text(nav)
    end = start + 1
    while end < len(lines) and (lines[end].strip() == "" or lines[end][0] in " \t-"):
        end += 1
    while end > start + 1 and lines[end - 1].strip() == "":
        end -= 1
    try:
        old = yaml.load("".join(lines[start:end]), Loader=_AnyTagLoader) or {}
    except yaml.YAMLError:
        old = {}
    kept = [item for item in (old.get("nav") or []) if not _is_ours(item, prefix)]
    merged = kept + nav if prefix else nav + kept
    return "".join(lines[:start]) + _nav_text(merged) + "".join(lines[end:])


def _is_ours(item: Any, prefix: str = "") -> bool:
    targets = list(item.values()) if isinstance(item, dict) else [item]
    owned = tuple(prefix + o for o in _OWNED)
    return all(isinstance(t, str) and t.startswith(owned) for t in targets)


# --- writing ---------------------------------------------------------------------------------


def _write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_bytes() == text.encode("utf-8"):
            return False
    except OSError:
        pass
    atomic_write_text(path, text)
    return True


def _refuse_foreign(docs: Path, files: dict[str, str], old: set[str]) -> None:
    """Raise when a file cardgen would write is there already, written by someone else:
    not in the last build's manifest (`old`), and not already what cardgen would write.

    Raises:
        CardgenError: naming the first of those files.
    """
    foreign = [
        rel
        for rel in sorted(set(files) - old)
        if (docs / rel).exists() and (docs / rel).read_bytes() != files[rel].encode("utf-8")
    ]
    if foreign:
        raise CardgenError(
            f"{docs}: cardgen would overwrite files it did not write: "
            f"{', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}; "
            "move them or choose another --out"
        )


def _card_paths(page: CardPage, children: dict[str, list[CardPage]]) -> list[str]:
    """The files `write_project` writes for a card, inside docs."""
    paths = [f"{page.folder}/index.md", *(f"{page.folder}/{r}" for r in page.files)]
    return paths + ([f"{page.folder}/lineage.svg"] if _has_lineage(page, children) else [])


def _templates() -> Any:
    return _env.builtin_environment("page")


def write_project(
    pages: list[CardPage], out: Path, *, site_name: str = "Cards", precision: int = 3
) -> SiteProject:
    """Write (or update) the MkDocs project for `pages` in `out`; build nothing.

    Only files whose bytes change are rewritten; generated files of cards that are gone
    are removed (tracked in `out/.cardgen-site.json`). Each card's metrics are recorded
    in `out/history/<kind>/<name>.jsonl` under its release id.

    Returns:
        Paths and counts of what changed.

    Raises:
        CardgenError: if `out` cannot be written or an existing mkdocs.yml cannot be read.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".cardgen-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CardgenError(
            f"{out}: cannot write the site project here ({exc.strerror or exc})"
        ) from None
    config_path = out / "mkdocs.yml"
    if config_path.exists():
        config = read_config(config_path)
        existing = config_path.read_text(encoding="utf-8")
        # In a site cardgen did not create, its pages go under cards/ so that they never
        # collide with the owner's pages (their index.md above all).
        prefix = "" if existing.startswith(_HEADER) else "cards/"
        config_text = replace_nav(
            upgrade_config(existing) if not prefix else existing, _nav(pages, prefix), prefix
        )
    else:
        prefix = ""
        config = {"docs_dir": "docs", "site_dir": "public"}
        config_text = new_config(site_name, _nav(pages))
    docs = out / str(config.get("docs_dir") or "docs")
    site_dir = out / str(config.get("site_dir") or "site")
    title = str(config.get("site_name") or site_name)

    files: dict[str, str] = {}
    by_key: dict[str, dict[str, list[CardPage]]] = {kind: defaultdict(list) for kind in KINDS}
    by_name: dict[str, dict[str, list[CardPage]]] = {kind: defaultdict(list) for kind in KINDS}
    for page in pages:
        by_name[page.kind][page.name].append(page)
        for key in page.keys:
            by_key[page.kind][key].append(page)
    used_by: dict[str, list[CardPage]] = defaultdict(list)
    children: dict[str, list[CardPage]] = defaultdict(list)
    for page in pages:
        if page.kind != "model":
            continue
        for name in sorted(
            {d.name for ref in page.dataset_refs for d in by_key["data"].get(ref, [])}
        ):
            used_by[name].append(page)
        for name in sorted(
            {b.name for ref in page.base_models for b in by_key["model"].get(ref, [])}
        ):
            children[name].append(page)

    env = _templates()
    counts = {kind: sum(p.kind == kind for p in pages) for kind in KINDS}
    files["index.md"] = env.get_template("site/home.md.j2").render(
        title=title, pages=pages, counts=counts
    )
    files["find/index.md"] = env.get_template("site/find.md.j2").render()
    sections = sections_of(pages)
    for kind in KINDS:
        mine = [s for s in sections if s.kind == kind]
        if not mine:
            continue
        files[f"{KIND_DIRS[kind]}/index.md"] = env.get_template("site/kind.md.j2").render(
            heading=_KIND_HEADINGS[kind], sections=mine, total=counts[kind]
        )
        for section in mine:
            files[f"sections/{section.file}"] = env.get_template("site/section.md.j2").render(
                heading=f"{_KIND_HEADINGS[kind]}: {section.label}", pages=section.pages
            )
    files.update(_audit.site_audit_files(pages))
    for asset in ("cardgen.js", "cardgen.css", "site.js"):
        files[f"assets/cardgen/{asset}"] = (templates_dir() / "site" / "assets" / asset).read_text(
            encoding="utf-8"
        )
    files = {prefix + rel: text for rel, text in files.items()}

    manifest_path = out / MANIFEST
    try:
        old = set(json.loads(manifest_path.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        old = set()
    _refuse_foreign(docs, files, old)
    # Each card's files are written as soon as they are made, so that a site of 20,000
    # cards is never all in memory at once; unless a file cardgen did not write is where
    # one of them goes: then they are all made first and compared before any is written.
    card_paths = [prefix + rel for page in pages for rel in _card_paths(page, children)]
    stream = not any(rel not in old and (docs / rel).exists() for rel in card_paths)
    cards: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:  # small-file writes wait on the disk
        pending: list[Future[bool]] = []
        history_changed = 0
        for page in pages:
            history_path = out / "history" / KIND_DIRS[page.kind] / f"{page.name}.jsonl"
            before = history_path.read_bytes() if history_path.exists() else None
            releases = _history.record(history_path, page.release, page.snapshot)
            history_changed += history_path.read_bytes() != before
            lineage, lineage_svg = _lineage(page, by_key, children)
            own = {
                f"{page.folder}/index.md": card_markdown(
                    page,
                    _related(page, by_key, by_name, used_by),
                    lineage,
                    lineage_svg,
                    # A governance card holds no numbers to follow between releases.
                    _history_lines(releases, precision) if page.kind != "governance" else [],
                )
            }
            if lineage_svg:
                own[f"{page.folder}/lineage.svg"] = lineage_svg
            for relative, packed in page.files.items():
                own[f"{page.folder}/{relative}"] = zlib.decompress(packed).decode("utf-8")
            if stream:
                pending += [
                    pool.submit(_write_if_changed, docs / prefix / r, t) for r, t in own.items()
                ]
            else:
                cards.update({prefix + r: t for r, t in own.items()})
        _refuse_foreign(docs, cards, old)
        files.update(cards)
        written = sum(f.result() for f in pending)
        written += sum(pool.map(_write_if_changed, [docs / r for r in files], files.values()))
    every = set(files) | set(card_paths)
    removed = 0
    for rel in sorted(old - every):
        target = docs / rel
        if target.is_file():
            target.unlink()
            removed += 1
    _write_if_changed(
        manifest_path, dumps_json({"docs_dir": str(docs.relative_to(out)), "files": sorted(every)})
    )
    written += _write_if_changed(config_path, config_text)
    return SiteProject(
        config_path,
        docs,
        site_dir,
        len(pages),
        written,
        removed,
        history_changed,
        prefix,
        tuple(prefix + p.folder for p in pages),
    )


# --- building --------------------------------------------------------------------------------


def build_project(
    project: SiteProject,
    *,
    jobs: int | None = None,
    strict: bool = True,
    builder: str = DEFAULT_BUILDER,
) -> dict[str, float]:
    """Build a written project with `builder`, then index it for search (Pagefind).

    MkDocs runs in one process, or from `SHARD_FROM` cards in several at once; Zensical
    builds in parallel by itself.

    Returns:
        Seconds of each stage: the builder's (named `mkdocs` or `zensical`), then
        `search` (the Pagefind index).

    Raises:
        CardgenError: if the builder is missing or fails (with its messages).
    """
    start = time.perf_counter()
    check_builder(builder)
    processes = min(jobs or os.cpu_count() or 1, 8)
    if builder == "mkdocs" and processes > 1 and len(project.card_folders) >= SHARD_FROM:
        build_sharded(
            project.config,
            project.docs_dir,
            project.site_dir,
            list(project.card_folders),
            [project.prefix + p for p in _SHARED_PAGES],
            processes,
            strict,
        )
    else:
        run_builder(project.config, builder, strict, project.site_dir)
    built = time.perf_counter()
    run_pagefind(project.site_dir, project.prefix)
    return {builder: built - start, "search": time.perf_counter() - built}


def build_site(
    cards: str | Path | Iterable[Path],
    out: str | Path,
    *,
    root: str | Path = Path("."),
    release: str | None = None,
    site_name: str = "Cards",
    precision: int = 3,
    jobs: int | None = None,
    build: bool = True,
    strict: bool = True,
    builder: str = DEFAULT_BUILDER,
) -> SiteBuild:
    """Write the MkDocs project of a folder of specs and build it.

    Args:
        cards: a folder of specs (or spec files and folders).
        out: the MkDocs project folder; an existing `mkdocs.yml` there keeps everything
            but `nav`. The site goes to its `site_dir` (`public/` for a new project).
        root: project folder holding the `.cardgen/` facts.
        release: release id for the cards' history (default: each card's version).
        site_name: `site_name` of a new mkdocs.yml.
        precision: decimals of metric values.
        jobs: worker processes for preparing cards (default: CPU count).
        build: run the builder after writing the project.
        strict: build with `--strict` (warnings fail the build).
        builder: `mkdocs` (MkDocs with Material) or `zensical`; both build the same
            mkdocs.yml into the same pages.

    Returns:
        What was written and how long it took.

    Raises:
        CardgenError: on bad specs (nothing is written), an unwritable `out`, a builder
            that is not installed, or a failed build.

    Example:
        >>> build_site(Path("cards"), Path("site-project"))  # doctest: +SKIP
    """
    start = time.perf_counter()
    if build:
        check_builder(builder)
    args = (cards, root, precision, release, jobs, Path(out), site_name)
    workers = jobs or os.cpu_count() or 1
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods() and _large(cards):
        # Every page is in memory until it is written: a child process does that and takes
        # the memory with it when it ends, before the builder's processes start.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as child:
            project, stages = child.submit(_load_and_write, *args).result()
    else:
        project, stages = _load_and_write(*args)
    if build:
        stages.update(build_project(project, jobs=jobs, strict=strict, builder=builder))
    return SiteBuild(project, time.perf_counter() - start, stages)


def _large(cards: str | Path | Iterable[Path]) -> bool:
    """Whether `cards` holds at least `SHARD_FROM` specs (a site built in parts)."""
    paths = [Path(cards)] if isinstance(cards, (str, os.PathLike)) else [Path(c) for c in cards]
    return len(spec_files(paths)) >= SHARD_FROM


def _load_and_write(
    cards: str | Path | Iterable[Path],
    root: str | Path,
    precision: int,
    release: str | None,
    jobs: int | None,
    out: Path,
    site_name: str,
) -> tuple[SiteProject, dict[str, float]]:
    """`load_pages` then `write_project`, with the seconds each took."""
    start = time.perf_counter()
    pages = load_pages(cards, root, precision=precision, release=release, jobs=jobs)
    loaded = time.perf_counter()
    project = write_project(pages, out, site_name=site_name, precision=precision)
    return project, {"cards": loaded - start, "project": time.perf_counter() - loaded}


def serve_site(
    cards: str | Path,
    out: str | Path,
    *,
    root: str | Path = Path("."),
    address: str = "127.0.0.1:8000",
    release: str | None = None,
    site_name: str = "Cards",
    precision: int = 3,
    builder: str = DEFAULT_BUILDER,
    say: Callable[[str], None] = print,
) -> None:
    """Build the site (pages, builder, search index), serve it, and rebuild it when specs or
    facts change.

    It serves the built site itself, so search works as on any static host; pages open in
    a browser reload after each rebuild (MkDocs' live-reload server, whichever builder
    builds). Stops on Ctrl-C or SIGTERM.

    Raises:
        CardgenError: on bad specs at start, an unwritable `out`, a builder that is not
            installed or fails at start, or an address that cannot be used.
    """
    from mkdocs.livereload import LiveReloadServer

    cards, out, root = Path(cards), Path(out), Path(root)
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise CardgenError(f"--dev-addr {address!r}: expected HOST:PORT, e.g. 127.0.0.1:8000")
    check_builder(builder)

    def rebuild() -> Path:
        pages = load_pages(cards, root, precision=precision, release=release)
        project = write_project(pages, out, site_name=site_name, precision=precision)
        build_project(project, strict=False, builder=builder, jobs=1)
        return project.site_dir

    def rebuild_reporting() -> None:
        # The server keeps the last good site and tells the browser nothing on failure.
        try:
            rebuild()
        except CardgenError as exc:
            print(f"error: {exc}", file=sys.stderr)

    site_dir = rebuild()
    server = LiveReloadServer(
        builder=rebuild_reporting, host=host.strip("[]"), port=int(port), root=str(site_dir)
    )
    server.watch(str(cards))
    if (root / ".cardgen").is_dir():
        server.watch(str(root / ".cardgen"))
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) if in_main_thread else None
    say(f"serving {site_dir} on {server.url} (Ctrl-C stops)")
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise CardgenError(f"cannot serve on {address}: {exc.strerror or exc}") from None
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        server.shutdown()


def _raise_interrupt(signum: int, frame: Any) -> None:
    # SIGTERM (what `kill` and process managers send) stops the preview like Ctrl-C does.
    raise KeyboardInterrupt


__all__ = [
    "BUILDERS",
    "DEFAULT_BUILDER",
    "END_OF_LIFE_NOTICE",
    "SiteBuild",
    "SiteProject",
    "build_project",
    "build_site",
    "built_with",
    "check_builder",
    "load_pages",
    "run_builder",
    "serve_site",
    "write_audit_site",
    "write_project",
]
