"""Benchmark: reading the Hub at scale against its rate limits, and the 200-repository race.

Runs against the local test Hub (tests/hubserver.py, its own process) with injected latency
and, for the scale runs, the free account's budget enforced as the Hub enforces it (fixed
windows, `RateLimit` headers, 429s past the budget). It never contacts the real Hub and is
not part of the test run.

    .venv/bin/python benchmarks/bench_hub.py                 # all three parts, ~10 minutes
    .venv/bin/python benchmarks/bench_hub.py --part race     # 200 repos: ratio to a loop
    .venv/bin/python benchmarks/bench_hub.py --part scale    # 10,000 repos, free budget
    .venv/bin/python benchmarks/bench_hub.py --part memory   # peak RSS at 10k and 100k repos

`--time-scale K` runs the server's and the client's clock K times faster, so a 300 s
budget window lasts 300/K real seconds; the budget-bound run then takes about 300/K s
plus the time to process the last window's downloads, which does not shrink with K. At
K = 1 (the default) the figures are real time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing may reach the real Hub
os.environ.pop("HF_TOKEN", None)

from huggingface_hub import HfApi  # noqa: E402

from cardgen.audit import audit_hub  # noqa: E402
from cardgen.collect import collect_many  # noqa: E402


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


FREE = {"api": (1000, 300.0), "resolvers": (5000, 300.0)}
"""The free account's budget (Hub documentation): requests per window of seconds."""


def load() -> str:
    """The 1-minute load average, printed beside every figure (other work shares the CPUs)."""
    return f"[load {os.getloadavg()[0]:.2f}]"


@contextmanager
def server(*args: str) -> Iterator[tuple[str, dict[str, dict[str, int]]]]:
    """Run tests/hubserver.py in its own process; yield its URL and, after, its counters."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "hubserver.py"), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    stats: dict[str, dict[str, int]] = {}
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip(), stats
    finally:
        if process.stdin is not None:
            process.stdin.close()
        if process.stdout is not None:
            stats.update(json.loads(process.stdout.readline() or "{}"))
        process.wait(timeout=60)


def budget_args(time_scale: float) -> list[str]:
    limits = [f"--rate-limit={bucket}={q}/{w:g}" for bucket, (q, w) in FREE.items()]
    return [*limits, "--time-scale", str(time_scale)]


def floor_seconds(requests: int, bucket: str, time_scale: float) -> float:
    """The least real time a fixed-window budget allows for `requests` requests starting
    with a fresh window: the last one cannot go before window floor((n-1)/q) opens."""
    quota, window = FREE[bucket]
    return max(0, (requests - 1) // quota) * window / time_scale


# --- part 1: the 200-repository race ---------------------------------------------------------


def race(args: argparse.Namespace) -> bool:
    """A sequential model_info loop against `collect_many` (listing + READMEs + facts)."""
    ids = [f"bench/model-{index:03d}" for index in range(args.repos)]
    sequential_times, bulk_times = [], []
    with server("--latency", str(args.latency), "--copies", str(args.repos)) as (url, _):
        api = HfApi(endpoint=url)
        with tempfile.TemporaryDirectory() as warm:  # imports and connections, not timed
            api.model_info("google-bert/bert-base-uncased")
            collect_many(["google-bert/bert-base-uncased"], endpoint=url, root=warm)
        for _ in range(args.repeat):
            start = time.perf_counter()
            for repo_id in ids:
                api.model_info(repo_id)
            sequential_times.append(time.perf_counter() - start)
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                report = collect_many(ids, jobs=args.jobs, endpoint=url, root=tmp)
                bulk_times.append(time.perf_counter() - start)
            if not report.ok:
                print(f"errors: {report.errors}", file=sys.stderr)
                return False
    sequential, bulk = min(sequential_times), min(bulk_times)
    ratio = sequential / bulk
    print(
        f"\n== {args.repos} repositories, {args.latency * 1000:.0f} ms per request, "
        f"best of {args.repeat}"
    )
    print(
        f"sequential HfApi.model_info loop: {sequential:6.2f} s ({args.repos} API calls)  {load()}"
    )
    print(
        f"cardgen collect_many (bulk):      {bulk:6.2f} s "
        f"({_count(report.requests['api'], 'API call')} "
        f"+ {_count(report.requests['files'], 'README')}; facts written)  {load()}"
    )
    print(f"speed-up: {ratio:.1f}x (goal >= {args.min_ratio:g}x)  {load()}")
    return ratio >= args.min_ratio


# --- part 2: 10,000 repositories under the free budget ---------------------------------------


def scale(args: argparse.Namespace) -> bool:
    n, k = args.scale_repos, args.time_scale
    ok = True
    server_args = ["--latency", str(args.latency), "--population", str(n), *budget_args(k)]
    print(
        f"\n== {n:,} repositories, {args.latency * 1000:.0f} ms per request, free budget "
        f"(api 1000/300 s, files 5000/300 s) enforced, time scale {k:g} "
        f"(a 300 s window lasts {300 / k:g} s)"
    )
    with server(*server_args) as (url, stats):
        for metadata_only in (True, False):
            start = time.perf_counter()
            report = audit_hub(
                authors=["scale"],
                metadata_only=metadata_only,
                endpoint=url,
                jobs=args.jobs,
                time_scale=k,
            )
            wall = time.perf_counter() - start
            assert report.hub is not None
            sent = report.hub.requests
            per = report.hub.per_repository()
            cards = len(report.cards)
            if metadata_only:
                target = per["api"] <= 0.05
                print(
                    f"metadata only: {cards:,} cards in {wall:6.1f} s; {sent['api']} API calls "
                    f"({per['api']:.4f} per repository, goal <= 0.05), {sent['files']} file "
                    f"downloads  {load()}"
                )
            else:
                floor = floor_seconds(sent["files"], "resolvers", k)
                within = wall / floor - 1 if floor else float("nan")
                target = per["total"] <= 1.05 and floor > 0 and within <= 0.10
                print(
                    f"with READMEs:  {cards:,} cards in {wall:6.1f} s; {sent['api']} API calls + "
                    f"{sent['files']:,} downloads ({per['total']:.4f} requests per repository, "
                    f"goal <= 1.05)  {load()}"
                )
                print(
                    f"  the budget allows {sent['files']:,} downloads in no less than "
                    f"{floor:.1f} s; wall {wall:.1f} s is {100 * within:+.1f}% of that "
                    f"(goal <= +10%); waited {report.hub.waited / k:.1f} s  {load()}"
                )
            ok &= target
        one_by_one = floor_seconds(n, "api", k)
    throttled = stats.get("throttled", {})
    print(
        f"429 answers from the server: {sum(throttled.values())} ({throttled or 'none'})  {load()}"
    )
    print(
        f"for comparison, one model_info call per repository ({n:,} API calls) needs at "
        f"least {one_by_one * k / 60:.0f} min of budget windows at the free API budget"
    )
    return ok and not sum(throttled.values())


# --- part 3: memory at 100,000 repositories -------------------------------------------------


def peak_rss_mb(command: list[str], cwd: str) -> tuple[float, float, int]:
    """Run `command`; its wall time, peak resident memory (MiB) and exit status."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, process.returncode


def memory(args: argparse.Namespace) -> bool:
    print(
        "\n== peak RSS of `cardgen audit --author ... --metadata-only --out DIR` "
        f"(a child process; listing streamed, each card checkpointed, outputs written "
        f"card by card; goal <= {args.max_rss_mb:g} MiB)"
    )
    ok = True
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = env_path
    for n in args.memory_repos:
        with (
            server("--population", str(n), *budget_args(1.0)) as (url, _),
            tempfile.TemporaryDirectory() as tmp,
        ):
            command = [
                sys.executable, "-m", "cardgen", "audit", "--author", "scale",
                "--metadata-only", "--endpoint", url, "--out", "out", "-q",
            ]  # fmt: skip
            wall, rss, status = peak_rss_mb(command, tmp)
            size = (Path(tmp) / "out" / "audit.json").stat().st_size / 2**20
        print(
            f"{n:>7,} repositories: peak RSS {rss:6.0f} MiB, {wall:6.1f} s, exit {status}, "
            f"audit.json {size:.0f} MiB  {load()}"
        )
        ok &= status == 0 and rss <= args.max_rss_mb
    return ok


def main() -> int:
    """Run the chosen parts; exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["race", "scale", "memory", "all"], default="all")
    parser.add_argument("--repos", type=int, default=200, help="repositories in the race")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--min-ratio", type=float, default=25.0)
    parser.add_argument("--repeat", type=int, default=3, help="race runs; the best counts")
    parser.add_argument("--scale-repos", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument(
        "--memory-repos", type=int, nargs="+", default=[10_000, 100_000], metavar="N"
    )
    parser.add_argument("--max-rss-mb", type=float, default=500.0)
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}  {load()}")
    results = {}
    for part, run in (("race", race), ("scale", scale), ("memory", memory)):
        if args.part in (part, "all"):
            results[part] = run(args)
    print("\ngoals met: " + ", ".join(f"{p} {'yes' if ok else 'NO'}" for p, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
