"""Site build at scale: `cardgen site build` next to a flat-nav MkDocs-Material build.

For each size it writes synthetic cards with facts, builds them with cardgen (sections,
pruned nav, small search index), then builds the same generated pages with plain
MkDocs-Material and every card in one flat nav, and prints time, output size, peak RSS
and search-index size of both; for cardgen also the Pagefind full-text bundle, how many
pages hold the deep word only one card has, and whether 5,000 cards meet 2 min and 1 GiB.
It measures; it changes nothing outside a temp folder.

Usage:
    .venv/bin/python benchmarks/bench_site.py --sizes 100,1000,5000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sitecards import DEEP_WORD, write_cards

GOAL_SECONDS, GOAL_MIB = 120, 1024
"""The 5,000-card goal: a full build, full-text index included, in 2 minutes and 1 GiB."""


def _run(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Run a command; return (seconds, peak RSS in MiB of the largest process in its tree)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{output.decode(errors='replace')[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def _du(path: Path) -> int:
    done = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def _flat_project(project: Path, target: Path) -> Path:
    """The same pages as plain MkDocs-Material: every card in one flat nav, full search."""
    shutil.copytree(project / "docs", target / "docs")
    pages = sorted((target / "docs").glob("*/*/index.md"))
    for page in pages:  # plain MkDocs indexes every page: drop cardgen's search exclusion
        text = page.read_text(encoding="utf-8")
        page.write_text(
            re.sub(r"\A---\nsearch:\n  exclude: true\n---\n\n", "", text), encoding="utf-8"
        )
    nav = [{"Home": "index.md"}]
    nav += [{p.parent.name: str(p.relative_to(target / "docs"))} for p in pages]
    config = {
        "site_name": "Cards (flat nav)",
        "docs_dir": "docs",
        "site_dir": "public",
        "theme": {"name": "material", "font": False},
        "plugins": ["search"],
        "markdown_extensions": ["tables", "attr_list", {"toc": {"permalink": False}}],
        "extra_css": ["assets/cardgen/cardgen.css"],
        "nav": nav,
    }
    (target / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return target / "mkdocs.yml"


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB" if size >= 2**20 else f"{size / 2**10:,.0f} KiB"


def bench(size: int, work: Path, baseline: bool, jobs: int | None) -> list[str]:
    """Build `size` cards both ways; return the printed rows."""
    folder = work / f"n{size}"
    write_cards(folder, size)
    out = folder / "site-project"
    command = [
        sys.executable,
        "-m",
        "cardgen",
        "site",
        "build",
        "--cards",
        "cards",
        "--out",
        str(out),
        "--facts",
        ".",
    ]
    if jobs:
        command += ["--jobs", str(jobs)]
    seconds, rss = _run(command, cwd=folder)
    size_out = _du(out / "public")
    index = (out / "public" / "search" / "search_index.json").stat().st_size
    full_text = _du(out / "public" / "pagefind")
    deep = [
        p.parent.name
        for p in (out / "public" / "models").glob("*/index.html")
        if DEEP_WORD in p.read_text(encoding="utf-8")
    ]
    goal = "met" if seconds <= GOAL_SECONDS and rss <= GOAL_MIB else "MISSED"
    rows = [
        f"{size:>6,} | cardgen site build   | {seconds:8.1f} s | {_mib(size_out):>12} | "
        f"{rss:7.0f} MiB | {_mib(index):>10} | {_mib(full_text):>10} | "
        f"{len(deep)} page(s) | {goal if size == 5000 else ''}"
    ]
    if baseline:
        config = _flat_project(out, folder / "flat")
        seconds, rss = _run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)])
        size_out = _du(folder / "flat" / "public")
        index = (folder / "flat" / "public" / "search" / "search_index.json").stat().st_size
        rows.append(
            f"{size:>6,} | flat-nav mkdocs build | {seconds:8.1f} s | "
            f"{_mib(size_out):>12} | {rss:7.0f} MiB | {_mib(index):>10} | "
            f"{'—':>10} | {'—':>9} |"
        )
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    """Parse options, run each size, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="100,1000,5000",
        help="Comma-separated card counts (default: 100,1000,5000).",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="Skip the flat-nav MkDocs-Material build."
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="cardgen worker processes (default: CPU count)."
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="Folder for the builds (default: a temporary folder).",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(
        f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}, "
        f"python {sys.version.split()[0]}"
    )
    print(
        " cards | build                 |     time   |  output size | peak RSS    | "
        "search idx | full text  | deep word | 2 min, 1 GiB"
    )
    print(
        "-------|-----------------------|------------|--------------|-------------|"
        "------------|------------|-----------|-------------"
    )
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for size in sizes:
            for row in bench(size, Path(tmp), not args.no_baseline, args.jobs):
                print(row, flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
