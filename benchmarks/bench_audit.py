"""Benchmark: `cardgen audit` over 25,000 local Markdown cards vs one `cardgen import` per card.

The shared corpus (279 Hub READMEs) is replicated with hard links to `--cards` files; the
audit runs once as a command, its wall time and the peak memory of its whole process tree
measured; the import loop runs on a sample and is extrapolated (printed as such).

    .venv/bin/python benchmarks/bench_audit.py [--cards 25000] [--sample 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "hf-cards" / "cards"
GOAL_SECONDS = 120.0
GOAL_BYTES = 1 << 30


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (bytes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_measured(command: list[str]) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Run a command; return wall seconds, peak RSS of its process tree, and the result."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - start
    return seconds, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def replicate(folder: Path, count: int) -> list[Path]:
    """`count` card files in folders of 500, hard-linked to the corpus in turn."""
    sources = sorted(CORPUS.glob("*.md"))
    paths = []
    for index in range(count):
        source = sources[index % len(sources)]
        target = folder / f"batch-{index // 500:03d}" / f"{index:06d}-{source.name}"
        target.parent.mkdir(exist_ok=True)
        os.link(source, target)
        paths.append(target)
    return paths


def main() -> int:
    """Time the audit and the import loop; print both, the ratio and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=25_000)
    parser.add_argument(
        "--sample",
        type=int,
        default=20,
        help="cards imported one command each, to extrapolate the loop",
    )
    args = parser.parse_args()
    cardgen = [sys.executable, "-m", "cardgen"]
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        cards = Path(tmp) / "cards"
        cards.mkdir()
        paths = replicate(cards, args.cards)
        seconds, peak, result = run_measured(
            [*cardgen, "audit", str(cards), "--out", str(Path(tmp) / "out"), "-q"]
        )
        if result.returncode != 0:
            print(result.stdout, result.stderr, sep="\n")
            return 1
        audited = result.stdout.splitlines()[0]
        loop_start = time.perf_counter()
        step = max(1, len(paths) // args.sample)
        sample = paths[::step][: args.sample]
        for index, path in enumerate(sample):
            subprocess.run(
                [*cardgen, "import", str(path), "--out", str(Path(tmp) / f"spec-{index}.yaml")],
                check=True,
                capture_output=True,
            )
        per_import = (time.perf_counter() - loop_start) / len(sample)
    loop = per_import * args.cards
    load = os.getloadavg()[0]
    print(
        f"{args.cards:,} Markdown cards (the shared corpus of 279 replicated); "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    print(f"cardgen audit: {audited}")
    print()
    print(f"{'':34}{'cardgen audit':>16}{'import loop':>26}{'ratio':>10}")
    print(
        f"{'wall time':34}{seconds:>14.1f} s{f'~{loop:,.0f} s (extrapolated)':>26}"
        f"{loop / seconds:>9,.0f}x"
    )
    print(f"{'per card':34}{1000 * seconds / args.cards:>13.2f} ms{per_import * 1000:>23.0f} ms")
    print(f"peak memory of the audit's process tree: {peak / 2**20:,.0f} MiB")
    print(f"import loop measured on {len(sample)} cards, one `cardgen import` command each")
    ok = seconds <= GOAL_SECONDS and peak <= GOAL_BYTES
    print(f"goal (<= {GOAL_SECONDS:.0f} s and <= 1 GiB): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
