"""Claims per minute of `cardgen verify`, and its overhead over a bare `run` + `evaluate`.

Lays out the demo project (UCI Adult, the demo's scikit-learn model), measures its claims once
with `cardgen.run` + `cardgen.evaluate` to write a README whose `model-index` claims them, then
times, in turns in one process, (a) the bare run + evaluate with the settings verify uses and
(b) `cardgen.verify` of that README. The difference is what verify adds: reading the claims,
planning, judging, provenance. It prints figures with the load average beside each and
asserts nothing.

Usage:
    python benchmarks/bench_verify.py                 # compact (7 claims) and full model-index
    python benchmarks/bench_verify.py --repeat 5 --json out.json

No GPU is needed (the demo model is a scikit-learn pipeline); for GPU throughput of the
transformers runner that verify drives, see `bench_run.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

METRICS = [
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "precision",
    "accuracy",
    "roc_auc",
]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def bare(model: Path, data: Path, out: Path, sensitive: list[str], n_boot: int) -> Any:
    """What verify runs for the claims on one dataset: `cardgen run`, then the engine with
    the same options (scores from rows, so ROC AUC is exact)."""
    from cardgen.collect.run import run
    from cardgen.evaluate import evaluate

    run(str(model), str(data), label_column="income", sensitive=sensitive, out=out)
    return evaluate(
        out,
        label="income",
        score="score",
        pos_label=">50K",
        task="binary",
        metrics=METRICS,
        sensitive=sensitive,
        n_boot=n_boot,
        score_bins=0,
        engine="pandas",
        name="verify",
    )


def readme(folder: Path, evaluation: Any, full: bool) -> Path:
    """A README whose model-index claims the evaluation's numbers (compact: the 7 headline
    values; full: every group's too, as `render: {model_index: full}` writes them)."""
    from cardgen.hub.model_index import front_matter
    from cardgen.schema import ModelCard

    evaluation = evaluation.model_copy(update={"name": "adult-test"})
    evaluation.dataset.name = "scikit-learn/adult-census-income"
    card = ModelCard(name="adult-income", render={"model_index": "full" if full else "compact"})
    card.quantitative_analyses.evaluations = [evaluation]
    path = folder / ("full" if full else "compact") / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"model-index": front_matter(card)["model-index"]}
    path.write_text(f"---\n{yaml.safe_dump(data)}---\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed turns of each side")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()

    import cardgen
    from cardgen.demo import prepare
    from cardgen.verify import Options, verify

    results: dict[str, Any] = {
        "cardgen": cardgen.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cases": {},
    }
    print(
        f"cardgen {cardgen.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        prepare(folder / "demo", lambda message: None)
        model = folder / "demo" / "models" / "adult-income.skops"
        data = folder / "demo" / "data" / "adult-test.csv"
        for full in (False, True):
            sensitive = ["race", "sex"] if full else []
            claimed = bare(model, data, folder / "claims.parquet", sensitive, args.n_boot)
            card = readme(folder, claimed, full)
            options = Options(
                model=str(model),
                data={"*": str(data)},
                label_column="income",
                n_boot=args.n_boot,
            )
            bare_times: list[float] = []
            verify_times: list[float] = []
            found = None
            for turn in range(args.repeat):
                started = time.perf_counter()
                bare(model, data, folder / f"bare-{turn}.parquet", sensitive, args.n_boot)
                bare_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                found = verify(card, options)
                verify_times.append(time.perf_counter() - started)
            assert found is not None
            name = "full model-index" if full else "compact model-index"
            claims = len(found.claims)
            measured = claims - found.counts["unverifiable"]
            bare_s, verify_s = statistics.median(bare_times), statistics.median(verify_times)
            overhead = verify_s / bare_s - 1
            print(f"\n{name}: {claims} claims ({found.counts}), 16,281 rows, {load()}")
            print(f"  bare run + evaluate   median {bare_s:7.2f} s of {bare_times}   {load()}")
            print(f"  cardgen verify        median {verify_s:7.2f} s of {verify_times}   {load()}")
            print(
                f"  claims per minute     {claims / verify_s * 60:7.0f} "
                f"({measured / verify_s * 60:.0f} measured)   {load()}"
            )
            print(f"  overhead of verify    {overhead:+7.1%} (goal: at most +10%)   {load()}")
            results["cases"][name] = {
                "claims": claims,
                "counts": found.counts,
                "bare_seconds": bare_times,
                "verify_seconds": verify_times,
                "claims_per_minute": claims / verify_s * 60,
                "overhead": overhead,
                "load": os.getloadavg(),
            }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
