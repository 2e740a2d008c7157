"""Side-by-side timing of `cardgen.evaluate` against fairlearn's `MetricFrame`.

Prints times, speed-up ratios and peak memory; it is a benchmark, not a test, and asserts
nothing.

Usage:
    python benchmarks/bench_evaluate.py                   # 1M rows, 10M-row Parquet run
    python benchmarks/bench_evaluate.py --rows 200000 --stream-rows 0
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

RACES = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]
RACE_P = [0.6, 0.2, 0.1, 0.05, 0.05]
METRICS = ["selection_rate", "accuracy", "true_positive_rate", "false_positive_rate", "precision"]


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    """Binary labels and predictions with race (5 values) x sex (2): 10 groups."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    yhat = np.where(rng.random(n) < 0.8, y, 1 - y)
    return pd.DataFrame(
        {
            "y": y,
            "yhat": yhat,
            "race": rng.choice(RACES, n, p=RACE_P),
            "sex": rng.choice(["Female", "Male"], n),
        }
    )


def fairlearn_metrics() -> dict:
    from fairlearn.metrics import false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score, precision_score

    return {
        "selection_rate": selection_rate,
        "accuracy": accuracy_score,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "precision": precision_score,
    }


def timed(fn, repeat: int = 1) -> float:
    """Best wall-clock time of `repeat` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux: VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_parquet(path: Path, n: int, chunk: int = 1_000_000) -> None:
    """A `n`-row Parquet file written one row group at a time (never all in memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for i, start in enumerate(range(0, n, chunk)):
        table = pa.Table.from_pandas(
            make_table(min(chunk, n - start), seed=i), preserve_index=False
        )
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


STREAM_CHILD = """
import sys, time
from pathlib import Path
import cardgen
start = time.perf_counter()
ev = cardgen.evaluate(sys.argv[1], label="y", pred="yhat", sensitive=["race", "sex"],
                      metrics=sys.argv[2].split(","), n_boot=int(sys.argv[3]))
elapsed = time.perf_counter() - start
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
           if l.startswith("VmHWM:"))
print(elapsed, hwm / 1024, ev.details["input"]["rows"])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--n-boot", type=int, default=1000, help="cardgen bootstrap replicates")
    parser.add_argument(
        "--fairlearn-boot",
        type=int,
        default=2,
        help="fairlearn bootstrap replicates (each costs about a full run)",
    )
    parser.add_argument(
        "--stream-rows",
        type=int,
        default=10_000_000,
        help="rows of the Parquet streaming run (0 skips it)",
    )
    args = parser.parse_args()

    import fairlearn
    from fairlearn.metrics import MetricFrame

    import cardgen

    warnings.simplefilter("ignore")
    df = make_table(args.rows)
    input_mb = df.memory_usage(deep=True).sum() / 2**20
    print(
        f"cardgen {cardgen.__version__}, fairlearn {fairlearn.__version__}, numpy "
        f"{np.__version__}, pandas {pd.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{args.rows:,} rows, 2 sensitive features (10 groups), {len(METRICS)} metrics; "
        f"input {input_mb:.1f} MiB in memory\n"
    )

    def ours(**kw):
        return cardgen.evaluate(
            df, label="y", pred="yhat", sensitive=["race", "sex"], metrics=METRICS, **kw
        )

    def theirs(**kw):
        return MetricFrame(
            metrics=fairlearn_metrics(),
            y_true=df["y"],
            y_pred=df["yhat"],
            sensitive_features=df[["race", "sex"]],
            **kw,
        )

    # Same numbers first, then times.
    check = ours(ci_method="none")
    frame = theirs()
    for g in check.groups:
        if len(g.features) == 2:
            expected = frame.by_group.loc[(g.features["race"], g.features["sex"])]
            for m in METRICS:
                assert np.isclose(g.metrics[m].value, expected[m], rtol=1e-12), (g.features, m)

    t_ours = timed(lambda: ours(ci_method="none"), repeat=3)
    t_theirs = timed(lambda: theirs())
    t_ours_boot = timed(lambda: ours(n_boot=args.n_boot))
    t_theirs_boot = timed(
        lambda: theirs(n_boot=args.fairlearn_boot, ci_quantiles=[0.025, 0.975], random_state=0)
    )
    per_rep_ours = max(t_ours_boot - t_ours, 1e-9) / args.n_boot
    per_rep_theirs = max(t_theirs_boot - t_theirs, 1e-9) / args.fairlearn_boot

    tracemalloc.start()
    ours(n_boot=args.n_boot)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    rows = [
        ("point estimates", f"{t_ours:.3f} s", f"{t_theirs:.2f} s", t_theirs / t_ours),
        (
            "bootstrap, per replicate",
            f"{per_rep_ours * 1e3:.4f} ms",
            f"{per_rep_theirs:.2f} s",
            per_rep_theirs / per_rep_ours,
        ),
        (
            f"point + {args.n_boot} replicates",
            f"{t_ours_boot:.3f} s",
            f"~{t_theirs + per_rep_theirs * args.n_boot:,.0f} s (extrapolated)",
            (t_theirs + per_rep_theirs * args.n_boot) / t_ours_boot,
        ),
    ]
    print(f"{'':28}{'cardgen':>14}{'fairlearn':>30}{'ratio':>14}")
    for label, a, b, r in rows:
        print(f"{label:28}{a:>14}{b:>30}{r:>13,.0f}x")
    print(
        f"\npeak memory allocated by cardgen.evaluate (tracemalloc, n_boot={args.n_boot}): "
        f"{peak_mb:.1f} MiB = {peak_mb / input_mb:.2f} x the input ({input_mb:.1f} MiB)"
    )
    print(
        f"fairlearn bootstrap timed with {args.fairlearn_boot} replicates; cardgen with "
        f"{args.n_boot}"
    )

    if args.stream_rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.parquet"
            start = time.perf_counter()
            write_parquet(path, args.stream_rows)
            size = path.stat().st_size / 2**20
            print(
                f"\nstreaming: wrote {args.stream_rows:,} rows to Parquet ({size:.0f} MiB, "
                f"row groups of 1M) in {time.perf_counter() - start:.0f} s"
            )
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    STREAM_CHILD,
                    str(path),
                    ",".join(METRICS),
                    str(args.n_boot),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            elapsed, rss, n = out.stdout.split()
            print(
                f"streaming: cardgen.evaluate({args.stream_rows:,} rows from Parquet, "
                f"n_boot={args.n_boot}) took {float(elapsed):.1f} s, peak RSS of the whole "
                f"process {float(rss):,.0f} MiB (limit 4096 MiB); rows read: {int(n):,}"
            )


if __name__ == "__main__":
    main()
