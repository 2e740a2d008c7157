"""Side-by-side timing of `cardgen profile` and plain pandas on 1M rows x 20 columns.

A benchmark script, not a test: it generates its own data and measures; it asserts nothing
about correctness (tests/test_profile_*.py do that against pandas on real data).

Each side runs in a fresh subprocess so that its peak RSS is its own; the sides alternate
`--repeat` times and the fastest run of each counts. The pandas side
computes what the issue names: `read_*`, `describe(include="all")` and `value_counts()` of
every column. Targets: cardgen at most 1.5x pandas' time and at most 2 GB RSS.

    .venv/bin/python benchmarks/bench_profile.py [--rows 1000000] [--format csv parquet]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

MAX_RATIO = 1.5
MAX_RSS_GB = 2.0

_PANDAS = """
import json, resource, sys, time
import pandas as pd
path = sys.argv[1]
start = time.perf_counter()
frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
described = frame.describe(include="all")
counts = {name: frame[name].value_counts() for name in frame.columns}
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds,
                  "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""

_CARDGEN = """
import json, resource, sys, time
from cardgen.collect.profile import profile
path = sys.argv[1]
start = time.perf_counter()
result = profile(path)
seconds = time.perf_counter() - start
assert result.num_rows > 0
print(json.dumps({"seconds": seconds,
                  "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Deterministic 20 columns: 8 float (some NaN), 4 integer, 6 categorical, 2 short text."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i in range(8):
        values = rng.normal(i, 1 + i, rows).round(4)
        values[rng.random(rows) < 0.02 * (i % 3)] = np.nan
        data[f"f{i}"] = values
    for i in range(4):
        data[f"i{i}"] = rng.integers(0, 10 ** (i + 2), rows)
    for i in range(6):
        categories = np.array([f"cat{j}" for j in range(3 + 4 * i)], dtype=object)
        column = categories[rng.integers(0, len(categories), rows)]
        if i % 2:
            column = np.where(rng.random(rows) < 0.05, None, column)
        data[f"c{i}"] = column
    words = np.array(["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "again"])
    for i in range(2):
        phrases = np.array(
            [" ".join(rng.choice(words, 3 + 2 * i)) for _ in range(5000)], dtype=object
        )
        data[f"t{i}"] = phrases[rng.integers(0, len(phrases), rows)]
    return pd.DataFrame(data)


def _run(script: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    """Generate the data, time both sides per format, print a table; 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--format", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"]
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Runs per side, alternating; the fastest counts (less noise).",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Keep generated files here (reused when present).",
    )
    args = parser.parse_args()
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-profile-"))
    folder.mkdir(parents=True, exist_ok=True)
    frame = None
    failed = False
    print(f"rows={args.rows} columns=20, fastest of {args.repeat} alternating runs per side")
    print(
        f"{'format':8} {'pandas s':>9} {'cardgen s':>10} {'ratio':>6} "
        f"{'pandas GB':>10} {'cardgen GB':>11}  verdict"
    )
    for fmt in args.format:
        path = folder / f"profile-{args.rows}.{fmt}"
        if not path.exists():
            frame = make_frame(args.rows) if frame is None else frame
            start = time.perf_counter()
            if fmt == "csv":  # Arrow writes the same CSV as pandas, ten times faster
                pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)
            else:
                frame.to_parquet(path, index=False)
            print(
                f"(wrote {path}, {path.stat().st_size / 2**20:.0f} MiB, "
                f"{time.perf_counter() - start:.1f} s)"
            )
        runs = [(_run(_PANDAS, path), _run(_CARDGEN, path)) for _ in range(args.repeat)]
        pandas_side = min((p for p, _ in runs), key=lambda r: r["seconds"])
        cardgen_side = min((c for _, c in runs), key=lambda r: r["seconds"])
        ratio = cardgen_side["seconds"] / pandas_side["seconds"]
        ok = ratio <= MAX_RATIO and cardgen_side["rss_gb"] <= MAX_RSS_GB
        failed |= not ok
        print(
            f"{fmt:8} {pandas_side['seconds']:9.2f} {cardgen_side['seconds']:10.2f} "
            f"{ratio:6.2f} {pandas_side['rss_gb']:10.2f} {cardgen_side['rss_gb']:11.2f}  "
            f"{'ok' if ok else 'MISSED'} (targets: <= {MAX_RATIO}x, <= {MAX_RSS_GB} GB)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
