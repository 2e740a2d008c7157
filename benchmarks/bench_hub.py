"""Benchmark: collecting many Hub repositories concurrently vs a sequential model_info loop.

Runs against the local test Hub (tests/hubserver.py) with injected latency; it never
contacts the real Hub and is not part of the test run.

    .venv/bin/python benchmarks/bench_hub.py [--repos 200] [--latency 0.05] [--jobs 32]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing may reach the real Hub

import subprocess  # noqa: E402

from huggingface_hub import HfApi  # noqa: E402

from cardgen.collect import collect_many  # noqa: E402


def main() -> int:
    """Run both variants in one process on the same server; print times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--min-ratio", type=float, default=8.0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="alternate the variants this many times; report each one's best",
    )
    args = parser.parse_args()

    # The server runs in its own process so that its work does not share this one's GIL.
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "hubserver.py"),
            "--latency",
            str(args.latency),
            "--copies",
            str(args.repos),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        ids = [f"bench/model-{index:03d}" for index in range(args.repos)]
        api = HfApi(endpoint=url)
        with tempfile.TemporaryDirectory() as warm:
            # Warm imports and the connection pool for both variants, on a repo not timed.
            api.model_info("google-bert/bert-base-uncased")
            collect_many(["google-bert/bert-base-uncased"], endpoint=url, root=warm)
        sequential_times, concurrent_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            for repo_id in ids:
                api.model_info(repo_id)
            sequential_times.append(time.perf_counter() - start)
            with tempfile.TemporaryDirectory() as tmp:  # facts written fresh each time
                start = time.perf_counter()
                report = collect_many(ids, jobs=args.jobs, endpoint=url, root=tmp)
                concurrent_times.append(time.perf_counter() - start)
                if not report.ok:
                    print(f"errors: {report.errors}", file=sys.stderr)
                    return 1
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)

    sequential, concurrent = min(sequential_times), min(concurrent_times)
    ratio = sequential / concurrent
    print(
        f"repos: {args.repos}, latency: {args.latency * 1000:.0f} ms/request, "
        f"jobs: {args.jobs}, best of {args.repeat}"
    )
    print(
        f"sequential HfApi.model_info loop: {sequential:6.2f} s "
        f"({args.repos} requests: info only)  runs: {_fmt(sequential_times)}"
    )
    print(
        f"cardgen collect_many:             {concurrent:6.2f} s "
        f"({2 * args.repos} requests: info + README; facts written)  "
        f"runs: {_fmt(concurrent_times)}"
    )
    print(
        f"speed-up: {ratio:.1f}x (required >= {args.min_ratio:g}x); "
        f"collected {len(report.results)} repos per run"
    )
    return 0 if ratio >= args.min_ratio else 1


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    sys.exit(main())
