"""Site search index at scale: one Pagefind run over every card page beside cardgen's parts.

It builds a site of synthetic cards once (`cardgen site build`), copies its card pages until
there are `--cards` x `--copies` of them, then indexes them as one Pagefind process (as
cardgen did before) and as `run_pagefind` does (parts of at most `--part-pages`, one after
another), and prints wall time, peak memory (the largest process, and the whole process
tree sampled every 0.1 s), the bundles written, and the load average beside every figure.
It measures; it changes nothing outside a temp folder.

Usage:
    .venv/bin/python benchmarks/bench_search.py --cards 2000 --copies 10
    .venv/bin/python benchmarks/bench_search.py --cards 500 --copies 4 --part-pages 500,1000
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_site import _run
from sitecards import write_cards

KINDS = ("models", "data", "governance")


def _load() -> float:
    return os.getloadavg()[0]


def _copy_pages(public: Path, copies: int) -> int:
    """Copy each card page `copies - 1` times (`models/NAME-cK/`); return the card pages."""
    pages = [p for kind in KINDS for p in sorted(public.glob(f"{kind}/*/index.html"))]
    for page in pages:
        for k in range(2, copies + 1):
            target = page.parent.with_name(f"{page.parent.name}-c{k}") / "index.html"
            target.parent.mkdir()
            shutil.copyfile(page, target)
    return len(pages) * copies


def _row(label: str, seconds: float, largest: float, tree: float, bundles: int, load: str) -> str:
    return (
        f"{label:<24} | {seconds:8.1f} s | {largest:8.0f} MiB | {tree:8.0f} MiB | "
        f"{bundles:>7} | {load}"
    )


def main() -> None:
    """Parse options, build and copy the pages, index them both ways, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000, help="Cards built (default 2000).")
    parser.add_argument(
        "--copies", type=int, default=10, help="Copies of each card page indexed (default 10)."
    )
    parser.add_argument(
        "--part-pages",
        default="1500",
        help="Comma-separated part sizes to index with (default: 1500, cardgen's).",
    )
    parser.add_argument(
        "--work", type=Path, default=None, help="Folder for the site (default: a temp folder)."
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.part_pages.split(",") if s.strip()]
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        folder = Path(tmp)
        write_cards(folder, args.cards)
        command = [sys.executable, "-m", "cardgen", "site", "build", "--cards", "cards"]
        seconds, _, _ = _run([*command, "--out", "site", "--facts", "."], folder)
        public = folder / "site" / "public"
        pages = _copy_pages(public, args.copies)
        print(f"built {args.cards:,} cards in {seconds:.1f} s; indexing {pages:,} card pages")
        print(
            f"{'index':<24} | {'time':>10} | {'largest proc':>12} | {'process tree':>12} | "
            f"bundles | load average (1 min) before -> after"
        )
        print("-" * 100)
        before = _load()
        one = [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(public),
            "--glob",
            "{models,data,governance}/*/index.html",
            "--output-subdir",
            "pagefind-one",
            "--root-selector",
            "article",
            "--exclude-selectors",
            "td:not(:first-child)",
            "--silent",
        ]
        single = _run(one, folder)
        print(_row("one Pagefind", *single, 1, f"{before:.2f} -> {_load():.2f}"), flush=True)
        shutil.rmtree(public / "pagefind-one")
        for size in sizes:
            before = _load()
            code = (
                "import sys; from pathlib import Path; import cardgen.site._search as s; "
                f"s.PAGEFIND_PART_PAGES = {size}; s.run_pagefind(Path(sys.argv[1]))"
            )
            parts = _run([sys.executable, "-c", code, str(public)], folder)
            bundles = 1 + len(list((public / "pagefind").glob("part-*")))
            label = f"parts of {size:,}"
            print(_row(label, *parts, bundles, f"{before:.2f} -> {_load():.2f}"), flush=True)
            print(
                f"{'':<24} | {parts[0] / single[0]:8.2f} x | {parts[1] / single[1]:8.2f} x    | "
                f"{parts[2] / single[2]:8.2f} x    | (parts / one)",
                flush=True,
            )
    print(f"load average at the end: {_load():.2f}")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
