"""Site build at scale: `cardgen site build --builder mkdocs` beside `--builder zensical`.

For each size it writes synthetic cards with facts once, then builds the site with each
builder in a fresh process (the same pages, charts and Pagefind index), and prints wall
time, peak memory (the largest process, and the whole process tree sampled every 0.1 s),
output size, the Pagefind bundle, whether the word only one card holds is on one page,
and the load average beside every figure; at the end the ratio of the builders per size
and whether the faster one meets the goal at 20,000 cards (3 minutes, 1.5 GB).
It measures; it changes nothing outside a temp folder.

Usage:
    .venv/bin/python benchmarks/bench_site.py --sizes 5000,20000
    .venv/bin/python benchmarks/bench_site.py --sizes 1000 --builders zensical
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sitecards import DEEP_WORD, write_cards

GOAL_CARDS, GOAL_SECONDS, GOAL_MIB = 20_000, 180, 1536
"""The goal: 20,000 cards built, full-text index included, in 3 minutes and 1.5 GB."""


@dataclass
class Run:
    """One build: what it took and what it made."""

    builder: str
    seconds: float
    largest_mib: float
    tree_mib: float
    output: int
    pagefind: int
    deep_pages: int
    load_before: float
    load_after: float
    stages: str
    """Seconds of each stage, as `cardgen site build` prints them."""


def _load() -> float:
    return os.getloadavg()[0]


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:  # a process ended while the tree was read: this sample is skipped
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def _run(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Run a command; return (seconds, peak RSS of its largest process, peak RSS of its
    whole process tree at once, in MiB, and what it printed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watched = psutil.Process(proc.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, _tree_rss(watched))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{output.decode(errors='replace')[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, peak / 2**20, output.decode(errors="replace")


def _du(path: Path) -> int:
    done = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def _mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def build(folder: Path, builder: str, jobs: int | None) -> Run:
    """Build the cards in `folder` with `builder` into a fresh project."""
    out = folder / f"site-{builder}"
    command = [sys.executable, "-m", "cardgen", "site", "build", "--cards", "cards"]
    command += ["--out", str(out), "--facts", ".", "--builder", builder]
    if jobs:
        command += ["--jobs", str(jobs)]
    before = _load()
    seconds, largest, tree, printed = _run(command, folder)
    stages = re.search(r"^built .* in [0-9.]+ s \((.*)\)$", printed, re.MULTILINE)
    after = _load()
    public = out / "public"
    deep = sum(
        DEEP_WORD in page.read_text(encoding="utf-8")
        for page in (public / "models").glob("*/index.html")
    )
    run = Run(
        builder,
        seconds,
        largest,
        tree,
        _du(public),
        _du(public / "pagefind"),
        deep,
        before,
        after,
        stages.group(1) if stages else "(not printed)",
    )
    shutil.rmtree(out, ignore_errors=True)
    return run


def row(size: int, run: Run) -> str:
    """One printed line: the figures of a run, with the load average around it."""
    return (
        f"{size:>7,} | {run.builder:<8} | {run.seconds:8.1f} s | {run.largest_mib:7.0f} MiB | "
        f"{run.tree_mib:7.0f} MiB | {_mib(run.output):>11} | {_mib(run.pagefind):>10} | "
        f"{run.deep_pages:>4} | {run.load_before:5.2f} -> {run.load_after:5.2f}\n"
        f"{'':>7} |   stages: {run.stages}"
    )


def _version(name: str) -> str:
    """The installed version of a distribution (LookupError when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        raise LookupError(name) from None


def main() -> None:
    """Parse options, build each size with each builder, print a table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="5000,20000", help="Comma-separated card counts (default: 5000,20000)."
    )
    parser.add_argument(
        "--builders",
        default="mkdocs,zensical",
        help="Comma-separated builders, run in this order (default: mkdocs,zensical).",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="cardgen worker processes (default: CPU count)."
    )
    parser.add_argument(
        "--work", type=Path, default=None, help="Folder for the builds (default: a temp folder)."
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    builders = [b.strip() for b in args.builders.split(",") if b.strip()]
    versions = []
    for name in ("mkdocs", "mkdocs-material", "zensical", "pagefind"):
        try:
            versions.append(f"{name} {_version(name)}")
        except LookupError:
            versions.append(f"{name} (not installed)")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, {', '.join(versions)}")
    print(
        "  cards | builder  |       time | largest proc | process tree | output size | "
        "  pagefind | deep | load average (1 min) before -> after"
    )
    print("-" * 118)
    results: dict[int, dict[str, Run]] = {}
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for size in sizes:
            folder = Path(tmp) / f"n{size}"
            start = time.perf_counter()
            write_cards(folder, size)
            print(
                f"{size:>7,} | (wrote cards and facts in {time.perf_counter() - start:.1f} s, "
                f"load {_load():.2f})",
                flush=True,
            )
            results[size] = {}
            for builder in builders:
                run = build(folder, builder, args.jobs)
                results[size][builder] = run
                print(row(size, run), flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    print()
    for size, runs in results.items():
        if {"mkdocs", "zensical"} <= set(runs):
            m, z = runs["mkdocs"], runs["zensical"]
            print(
                f"{size:>7,} cards: zensical / mkdocs time {z.seconds / m.seconds:.2f} "
                f"(loads {z.load_before:.2f}, {m.load_before:.2f}), process tree "
                f"{z.tree_mib / m.tree_mib:.2f}"
            )
        if size == GOAL_CARDS and runs:
            fastest = min(runs.values(), key=lambda r: r.seconds)
            met = fastest.seconds <= GOAL_SECONDS and fastest.tree_mib <= GOAL_MIB
            print(
                f"goal at {GOAL_CARDS:,} cards (<= {GOAL_SECONDS} s, <= {GOAL_MIB} MiB): "
                f"{'met' if met else 'MISSED'} by {fastest.builder} "
                f"({fastest.seconds:.0f} s, {fastest.tree_mib:.0f} MiB, load "
                f"{fastest.load_before:.2f})"
            )
    print(f"load average at the end: {_load():.2f}")


if __name__ == "__main__":
    main()
