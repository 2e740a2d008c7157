"""Full-text search of a built site: Pagefind indexes its card pages in parts, one after another.

It writes only the Pagefind bundles (and the mark around what they leave out); it never
builds pages or reads the cards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .._io import atomic_write_text
from ..errors import CardgenError
from ._pages import KIND_DIRS
from ._shards import folder_patterns, split_parts

PAGEFIND_PART_PAGES = 1500
"""Most card pages one Pagefind process indexes. Pagefind holds its whole index in memory
(about 0.18 MB a card page: 3.1 GB for 20,000, 350 MB for 2,000); a larger site is indexed
in parts of at most this many pages, one part at a time, so its memory stays that of one
part (under 300 MB) at any number of cards (benchmarks/bench_search.py)."""

BUNDLE = "pagefind"
"""The first part's bundle, inside the site; part K (from 2) goes to `pagefind/part-K/`."""

PARTS_KEY = "cardgen_parts"
"""Key written into the first part's `pagefind-entry.json` when there are several parts:
the folders of the others, relative to it, which the site's search merges in the browser.
A site of one part has no such key (nor any other file of ours)."""

NOINDEX = "<!-- cardgen:noindex -->"
"""Written into a card page before the sections that repeat on every card (its audit and
regulation crosswalk); the rest of the page from there on is left out of the search index."""


def _mark_page(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    start = text.find(NOINDEX)
    end = text.find("</article>", start)
    if start < 0 or end < 0:
        return
    marked = (
        text[:start]
        + '<div data-pagefind-ignore="all">'
        + text[start + len(NOINDEX) : end]
        + "</div>"
        + text[end:]
    )
    atomic_write_text(page, marked)


def _mark_unindexed(pages: list[Path]) -> None:
    """Wrap each page's content from `NOINDEX` to the end of its article in an element
    Pagefind ignores (its selectors cannot say "everything after a heading").
    Without them, every card page repeats the same item and field names and the indexer
    needs about half as much memory again at thousands of cards."""
    for page in pages:
        _mark_page(page)


def card_folders(site_dir: Path, prefix: str = "") -> list[str]:
    """The built card pages' folders (`PREFIXmodels/NAME`, relative to `site_dir`), sorted."""
    found = []
    for kind_dir in KIND_DIRS.values():
        found += [
            str(page.parent.relative_to(site_dir))
            for page in site_dir.glob(f"{prefix}{kind_dir}/*/index.html")
        ]
    return sorted(found)


def part_glob(part: list[str], folders: list[str]) -> str:
    """The Pagefind `--glob` matching exactly the card pages of `part` among `folders`."""
    return "{" + ",".join(folder_patterns(set(part), folders)) + "}/index.html"


def _pagefind(site_dir: Path, glob: str, output: str) -> None:
    # Table cells after the first (numbers: values, intervals, counts) are not indexed: no
    # one searches for "0.853", and they are most of a card's words (index memory drops
    # by about 40%); group names, headings and prose are.
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_dir),
        "--glob",
        glob,
        "--output-subdir",
        output,
        "--root-selector",
        "article",
        "--exclude-selectors",
        "td:not(:first-child)",
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CardgenError(f"cannot run pagefind: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr + done.stdout).strip().splitlines()
        if any("Could not find pagefind binary" in line for line in detail):
            raise CardgenError(
                "the Pagefind binary is not installed: pip install 'pagefind[bin]>=1.1,<2'"
            )
        raise CardgenError(f"pagefind failed for {site_dir}:\n" + "\n".join(detail[-20:]))


def run_pagefind(site_dir: Path, prefix: str = "") -> None:
    """Index every card page's content for full-text search (Pagefind, into `pagefind/`).

    Only card pages are indexed (`PREFIX{models,data,governance}/NAME/`): the home,
    section and audit pages list what the cards say, and would only repeat them in the
    results. Pagefind splits its index into small fragments that the search box fetches
    on demand, so any word of any card is found, at any number of cards. Beyond
    `PAGEFIND_PART_PAGES` card pages the index is written in parts (`pagefind/`, then
    `pagefind/part-2/`, ...), one Pagefind process after another, listed under
    `PARTS_KEY` in `pagefind/pagefind-entry.json`; the site's search merges them. The
    pages are marked (`NOINDEX`) a part ahead of the indexer, in a thread.

    Raises:
        CardgenError: if Pagefind is not installed or fails.
    """
    shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)
    folders = card_folders(site_dir, prefix)
    parts = split_parts(folders, PAGEFIND_PART_PAGES)
    cards = {site_dir / f / "index.html" for f in folders}
    others = sorted(p for p in site_dir.rglob("*.html") if p not in cards)
    batches = [[site_dir / f / "index.html" for f in part] for part in parts]
    batches[0] = others + batches[0]
    globs = [f"{prefix}{{{','.join(KIND_DIRS.values())}}}/*/index.html"]
    if len(parts) > 1:
        globs = [part_glob(part, folders) for part in parts]
    outputs = [BUNDLE] + [f"{BUNDLE}/part-{k}" for k in range(2, len(parts) + 1)]
    # One thread marks the pages, a part ahead: while Pagefind (another process) indexes
    # part K, part K + 1 is marked.
    marker = ThreadPoolExecutor(max_workers=1)
    try:
        marking = [marker.submit(_mark_unindexed, batch) for batch in batches]
        for marked, glob, output in zip(marking, globs, outputs, strict=True):
            marked.result()
            _pagefind(site_dir, glob, output)
    finally:
        marker.shutdown(cancel_futures=True)
    if len(parts) > 1:
        entry = site_dir / BUNDLE / "pagefind-entry.json"
        data = json.loads(entry.read_text(encoding="utf-8"))
        data[PARTS_KEY] = [output[len(BUNDLE) + 1 :] + "/" for output in outputs[1:]]
        atomic_write_text(entry, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
