"""Evaluation beyond one machine's memory: DuckDB and Spark engines against today's pyarrow
streaming path, and binned score metrics against per-row bootstrap weights.

Prints times, peak RSS and ratios side by side; it is a benchmark, not a test, and asserts
nothing. Each engine runs in a fresh process, so its peak RSS (VmHWM) is its own.

Usage:
    python benchmarks/bench_scale.py                      # the issue's sizes (100M, 10M, 1M)
    python benchmarks/bench_scale.py --rows 20000000 --spark-rows 2000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RACES = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]
RACE_P = [0.6, 0.2, 0.1, 0.05, 0.05]
CHUNK = 5_000_000


def write_parquet(path: Path, rows: int, seed: int = 0) -> None:
    """`rows` predictions (race 5 values x sex 2, label, prediction, score), by chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        y = (rng.random(n) < 0.3).astype(np.int8)
        score = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * y - 0.6)))
        table = pa.table(
            {
                "y": y,
                "yhat": (score >= 0.5).astype(np.int8),
                "score": score,
                "race": pa.array(np.array(RACES)[rng.choice(5, n, p=RACE_P)]).dictionary_encode(),
                "sex": pa.array(
                    np.array(["Female", "Male"])[rng.integers(0, 2, n)]
                ).dictionary_encode(),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
        done += n
    assert writer is not None
    writer.close()


CHILD = r"""
import json, sys, time
from pathlib import Path
from cardgen.evaluate import evaluate
args = json.loads(sys.argv[1])
start = time.perf_counter()
ev = evaluate(**args)
seconds = time.perf_counter() - start
warm = None
if args.get("engine") == "spark":  # again, on the started JVM
    start = time.perf_counter()
    evaluate(**args)
    warm = time.perf_counter() - start
def hwm(pid="self"):
    return next(int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines()
                if l.startswith("VmHWM"))
kib = hwm()
if args.get("engine") == "spark":  # the driver JVM is a child process: add its peak
    from pyspark.sql import SparkSession
    kib += hwm(SparkSession.getActiveSession().sparkContext._gateway.proc.pid)
print(json.dumps({"seconds": seconds, "warm_seconds": warm, "rss_mib": kib / 1024,
                  "accuracy": ev.overall["accuracy"].value,
                  "rows": ev.details["input"]["rows"]}))
"""


def run_child(**kwargs: object) -> dict:
    """`cardgen.evaluate(**kwargs)` in a fresh process: its time and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def roc_auc_bootstrap(rows: int, n_boot: int, row_reps: int) -> tuple[float, float, float]:
    """ROC AUC with bootstrap: seconds per replicate from bins and from row weights, and
    the binned point estimate's distance to scikit-learn's."""
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    from cardgen.evaluate import evaluate

    rng = np.random.default_rng(1)
    y = (rng.random(rows) < 0.3).astype(np.int64)
    score = 1 / (1 + np.exp(-(rng.normal(size=rows) + 1.5 * y - 0.6)))
    frame = pd.DataFrame(
        {
            "y": y,
            "score": score,
            "race": rng.choice(RACES, rows, p=RACE_P),
            "sex": rng.choice(["Female", "Male"], rows),
        }
    )
    kwargs = dict(label="y", score="score", sensitive=["race", "sex"], metrics=["roc_auc"])

    def per_replicate(n: int, **extra: object) -> tuple[float, float]:
        start = time.perf_counter()
        point = evaluate(frame, ci_method="none", **kwargs, **extra)
        base = time.perf_counter() - start
        start = time.perf_counter()
        evaluate(frame, n_boot=n, **kwargs, **extra)
        return (time.perf_counter() - start - base) / n, point.overall["roc_auc"].value

    binned, value = per_replicate(n_boot)
    by_rows, _ = per_replicate(row_reps, score_bins=0)
    return binned, by_rows, abs(value - roc_auc_score(y, score))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000_000, help="rows of the DuckDB vs pyarrow run"
    )
    parser.add_argument(
        "--spark-rows",
        type=int,
        default=10_000_000,
        help="rows of the Spark local[2] vs DuckDB run (0: skip)",
    )
    parser.add_argument(
        "--auc-rows",
        type=int,
        default=1_000_000,
        help="rows of the ROC AUC bootstrap run (0: skip)",
    )
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument(
        "--row-reps",
        type=int,
        default=10,
        help="replicates timed with per-row weights (each costs a pass over "
        "the rows; the time per replicate is what is compared)",
    )
    parser.add_argument(
        "--skip-pyarrow", action="store_true", help="skip today's pyarrow streaming path on --rows"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    import duckdb
    import pyspark

    from cardgen import __version__

    print(
        f"cardgen {__version__}, duckdb {duckdb.__version__}, pyspark {pyspark.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    work = Path(args.workdir or tempfile.mkdtemp(prefix="cardgen-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    common = dict(label="y", pred="yhat", sensitive=["race", "sex"], n_boot=args.n_boot)
    lines = []

    if args.rows:
        big = work / f"preds-{args.rows}.parquet"
        if not big.exists():
            start = time.perf_counter()
            write_parquet(big, args.rows)
            print(
                f"wrote {args.rows:,} rows ({big.stat().st_size / 2**20:,.0f} MiB) in "
                f"{time.perf_counter() - start:.0f} s"
            )
        duck = run_child(data=str(big), engine="duckdb", **common)
        lines.append(
            (
                f"{args.rows:,} rows, {args.n_boot} replicates: DuckDB",
                duck["seconds"],
                duck["rss_mib"],
            )
        )
        if not args.skip_pyarrow:
            arrow = run_child(data=str(big), engine="pandas", **common)
            assert abs(arrow["accuracy"] - duck["accuracy"]) < 1e-12
            lines.append(
                (
                    "  today's pyarrow streaming path (pandas engine)",
                    arrow["seconds"],
                    arrow["rss_mib"],
                )
            )
            lines.append(
                (
                    "  ratio (pyarrow / DuckDB)",
                    arrow["seconds"] / duck["seconds"],
                    arrow["rss_mib"] / duck["rss_mib"],
                )
            )

    if args.spark_rows:
        mid = work / f"preds-{args.spark_rows}.parquet"
        if not mid.exists():
            write_parquet(mid, args.spark_rows, seed=2)
        duck = run_child(data=str(mid), engine="duckdb", **common)
        spark = run_child(data=str(mid), engine="spark", spark_master="local[2]", **common)
        assert abs(spark["accuracy"] - duck["accuracy"]) < 1e-12
        lines.append(
            (
                f"{args.spark_rows:,} rows: Spark local[2], JVM start included",
                spark["seconds"],
                spark["rss_mib"],
            )
        )
        lines.append(
            (
                "  Spark local[2], second run on the started JVM",
                spark["warm_seconds"],
                spark["rss_mib"],
            )
        )
        lines.append(("  DuckDB on the same file", duck["seconds"], duck["rss_mib"]))
        lines.append(
            (
                "  ratio (Spark second run / DuckDB)",
                spark["warm_seconds"] / duck["seconds"],
                spark["rss_mib"] / duck["rss_mib"],
            )
        )

    print(f"\n{'':58}{'seconds':>10}{'peak RSS MiB':>14}   (Spark: Python + driver JVM)")
    for label, seconds, rss in lines:
        ratio = label.strip().startswith("ratio")
        print(
            f"{label:58}{seconds:>9.2f}{'x' if ratio else ' '}{rss:>13.2f}{'x' if ratio else ' '}"
        )

    if args.auc_rows:
        binned, by_rows, error = roc_auc_bootstrap(args.auc_rows, args.n_boot, args.row_reps)
        print(f"\nROC AUC, {args.auc_rows:,} rows, 10 groups, per bootstrap replicate:")
        print(
            f"  score bins (512)        {binned * 1e3:10.2f} ms   ({args.n_boot} replicates: "
            f"{binned * args.n_boot:.1f} s)"
        )
        print(
            f"  per-row weights (today) {by_rows * 1e3:10.2f} ms   ({args.n_boot} replicates: "
            f"{by_rows * args.n_boot:.0f} s, from {args.row_reps} timed)"
        )
        print(f"  ratio                   {by_rows / binned:10.0f}x")
        print(f"  |binned - scikit-learn| ROC AUC: {error:.2e}")


if __name__ == "__main__":
    main()
