"""Engines: pandas, DuckDB and Spark give the same count table, hence the same evaluation."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb  # noqa: F401  (the duckdb extra: a missing one fails here)
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fairlearn.metrics import MetricFrame, selection_rate
from pyspark.sql import SparkSession
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score

from cardgen import engines
from cardgen.cli import cli
from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate
from cardgen.metrics import MISSING

COUNT_METRICS = (
    "count",
    "base_rate",
    "selection_rate",
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "f1",
)
SCORE_METRICS = ("roc_auc", "brier_score", "expected_calibration_error")


def predictions(n: int, seed: int = 0, *, decimals: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    score = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.4 * y - 0.5)))
    if decimals is not None:
        score = np.round(score, decimals)
    region = rng.choice(["north", "south", "east"], n)
    sex = rng.choice(["F", "M", None], n, p=[0.45, 0.45, 0.1])
    return pd.DataFrame(
        {
            "y": y,
            "score": score,
            "pred": (score >= 0.5).astype(np.int64),
            "sex": sex,
            "region": region,
        }
    )


def flat(evaluation, names) -> dict[tuple, float | None]:
    """Every value of the named metrics: overall and per group."""
    out = {("overall", m): evaluation.overall[m].value for m in names}
    for group in evaluation.groups:
        key = tuple(sorted(group.features.items()))
        out.update({(key, m): group.metrics[m].value for m in names})
    return out


def assert_close(a: dict, b: dict, rtol: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if a[key] is None or b[key] is None:
            assert a[key] is None and b[key] is None, key
        else:
            assert abs(a[key] - b[key]) <= rtol * abs(a[key]), (key, a[key], b[key])


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[pd.DataFrame, Path, Path]:
    frame = predictions(6000, seed=1)
    folder = tmp_path_factory.mktemp("engines")
    parquet, csv = folder / "preds.parquet", folder / "preds.csv"
    frame.to_parquet(parquet)
    frame.to_csv(csv, index=False)  # a missing sex is an empty field
    return frame, parquet, csv


def test_pandas_duckdb_and_spark_agree(table, spark):
    frame, parquet, csv = table
    runs = {}
    for engine, path in (
        ("pandas", parquet),
        ("duckdb", parquet),
        ("duckdb", csv),
        ("spark", parquet),
    ):
        for given in ({"pred": "pred"}, {"score": "score"}):
            runs[engine, path.suffix, next(iter(given))] = evaluate(
                path,
                label="y",
                sensitive=["sex", "region"],
                engine=engine,
                n_boot=50,
                spark_master="local[1]",
                **given,
            )
    for (engine, _, kind), evaluation in runs.items():
        reference = runs["pandas", ".parquet", kind]
        assert_close(flat(reference, COUNT_METRICS), flat(evaluation, COUNT_METRICS), 1e-12)
        # Missing sensitive values form the (missing) group on every engine.
        assert {"sex": MISSING} in [g.features for g in evaluation.groups]
        assert evaluation.provenance.engine.startswith(f"{engine} ")
        assert evaluation.details["engine"] == engine
        if kind == "score":
            # Scores: the same bins on every engine, so the same ROC AUC to the last bit.
            assert flat(evaluation, ["roc_auc"]) == flat(reference, ["roc_auc"])
            assert_close(flat(reference, SCORE_METRICS), flat(evaluation, SCORE_METRICS), 1e-12)
            assert evaluation.details["score_bins"] == reference.details["score_bins"]
    # Independent check of the counts: fairlearn on the same rows.
    duck = runs["duckdb", ".parquet", "pred"]
    mf = MetricFrame(
        metrics={"accuracy": accuracy_score, "selection_rate": selection_rate},
        y_true=frame["y"],
        y_pred=frame["pred"],
        sensitive_features=frame[["region"]],
    )
    for region, row in mf.by_group.iterrows():
        group = next(g for g in duck.groups if g.features == {"region": region})
        assert abs(group.metrics["accuracy"].value - row["accuracy"]) < 1e-12
        assert abs(group.metrics["selection_rate"].value - row["selection_rate"]) < 1e-12


def test_exact_scores_give_sklearn_values_on_every_engine(tmp_path, spark):
    frame = predictions(3000, seed=2, decimals=2)
    path = tmp_path / "rounded.parquet"
    frame.to_parquet(path)
    results = [
        evaluate(
            path, label="y", score="score", sensitive=["region"], engine=engine, ci_method="none"
        )
        for engine in ("pandas", "duckdb", "spark")
    ]
    for evaluation in results:
        assert evaluation.details["score_bins"]["exact"] is True
        assert flat(evaluation, SCORE_METRICS) == flat(results[0], SCORE_METRICS)
        overall = evaluation.overall
        assert abs(overall["roc_auc"].value - roc_auc_score(frame.y, frame.score)) < 1e-12
        assert abs(overall["brier_score"].value - brier_score_loss(frame.y, frame.score)) < 1e-12
        for region, rows in frame.groupby("region"):
            group = next(g for g in evaluation.groups if g.features == {"region": region})
            assert abs(group.metrics["roc_auc"].value - roc_auc_score(rows.y, rows.score)) < 1e-12


def test_spark_reads_a_catalog_table_and_a_hive_folder(tmp_path, spark):
    frame = predictions(2000, seed=3)
    folder = tmp_path / "hive"
    pq.write_to_dataset(
        pa.Table.from_pandas(frame, preserve_index=False), folder, partition_cols=["region"]
    )
    spark.createDataFrame(frame.astype(object).where(frame.notna(), None)).createOrReplaceTempView(
        "preds"
    )
    expected = flat(
        evaluate(frame, label="y", pred="pred", sensitive=["region", "sex"], ci_method="none"),
        COUNT_METRICS,
    )
    for data in ("spark:preds", folder.as_uri(), str(folder)):
        # A URI goes to Spark as written (as s3a:// or hdfs:// would): auto picks Spark.
        engine = "auto" if "://" in data else "spark"
        evaluation = evaluate(
            data,
            label="y",
            pred="pred",
            sensitive=["region", "sex"],
            engine=engine,
            ci_method="none",
        )
        assert_close(expected, flat(evaluation, COUNT_METRICS), 1e-12)
        assert evaluation.details["engine"] == "spark"
    assert evaluation.provenance.uri == str(folder)
    with pytest.raises(CardgenError, match="a Spark table or URI needs --engine spark"):
        evaluate(folder.as_uri(), label="y", pred="pred", engine="duckdb")
    with pytest.raises(CardgenError, match=r"no column 'race'; available columns: .*region"):
        evaluate("spark:preds", label="y", pred="pred", sensitive=["race"], engine="spark")


def test_duckdb_reads_globs_and_hive_partitioned_folders(tmp_path):
    frame = predictions(3000, seed=4)
    folder = tmp_path / "hive"
    pq.write_to_dataset(
        pa.Table.from_pandas(frame, preserve_index=False), folder, partition_cols=["region"]
    )
    (folder / "_SUCCESS").write_text("")
    for i in range(3):
        frame.iloc[i * 1000 : (i + 1) * 1000].to_csv(tmp_path / f"part-{i}.csv", index=False)
    expected = flat(
        evaluate(frame, label="y", score="score", sensitive=["region", "sex"], ci_method="none"),
        COUNT_METRICS + SCORE_METRICS,
    )
    for data in (folder, str(tmp_path / "part-*.csv")):
        evaluation = evaluate(
            data,
            label="y",
            score="score",
            sensitive=["region", "sex"],
            engine="auto",
            ci_method="none",
        )
        assert evaluation.details["engine"] == "duckdb"
        assert_close(expected, flat(evaluation, COUNT_METRICS + SCORE_METRICS), 1e-12)
    assert sorted(evaluation.provenance.input_sha256) == [
        str(tmp_path / f"part-{i}.csv") for i in range(3)
    ]


def test_roc_auc_from_bins_is_within_1e4_of_sklearn_on_a_million_scores():
    frame = predictions(1_000_000, seed=5)
    evaluation = evaluate(
        frame, label="y", score="score", sensitive=["region"], metrics=["roc_auc"], ci_method="none"
    )
    bins = evaluation.details["score_bins"]
    assert bins["exact"] is False and bins["budget"] == 512
    exact = roc_auc_score(frame.y, frame.score)
    error = abs(evaluation.overall["roc_auc"].value - exact)
    assert error <= 1e-4 and error <= bins["roc_auc_max_error"]
    for region, rows in frame.groupby("region"):
        group = next(g for g in evaluation.groups if g.features == {"region": region})
        assert abs(group.metrics["roc_auc"].value - roc_auc_score(rows.y, rows.score)) <= 1e-4


def test_score_bootstrap_draws_the_cell_table_like_row_resampling():
    # Rounded scores: bins are exact, so both bootstraps resample the same rows; their
    # intervals agree within Monte-Carlo error.
    frame = predictions(3000, seed=6, decimals=2)
    kwargs = dict(
        label="y",
        score="score",
        sensitive=["region"],
        n_boot=1500,
        metrics=["roc_auc", "brier_score", "expected_calibration_error"],
    )
    cells = evaluate(frame, seed=1, **kwargs)
    rows = evaluate(frame, seed=2, score_bins=0, **kwargs)
    assert "score_bins" not in rows.details
    for metric in kwargs["metrics"]:
        a, b = cells.overall[metric], rows.overall[metric]
        assert a.value == pytest.approx(b.value, rel=1e-12)
        se = (b.ci_high - b.ci_low) / 3.92
        assert abs(a.ci_low - b.ci_low) < 0.5 * se and abs(a.ci_high - b.ci_high) < 0.5 * se


def test_bad_inputs_say_what_is_wrong(table, tmp_path, monkeypatch):
    _, parquet, csv = table
    for engine, path in (("pandas", parquet), ("duckdb", parquet), ("duckdb", csv)):
        with pytest.raises(
            CardgenError,
            match=r"no column 'race'; available columns: y, "
            r"score, pred, sex, region",
        ):
            evaluate(path, label="y", pred="pred", sensitive=["race"], engine=engine)
    with pytest.raises(CardgenError, match="the glob matches no file"):
        evaluate(str(tmp_path / "nothing-*.parquet"), label="y", pred="pred", engine="duckdb")
    with pytest.raises(CardgenError, match="the pandas engine reads one file; use --engine duckdb"):
        evaluate(str(tmp_path / "*.parquet"), label="y", pred="pred", engine="pandas")
    with pytest.raises(CardgenError, match="'score' has 1 missing value"):
        frame = predictions(50)
        frame.loc[3, "score"] = np.nan
        frame.to_parquet(tmp_path / "nan.parquet")
        evaluate(tmp_path / "nan.parquet", label="y", score="score", engine="duckdb")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extras were not installed
    with pytest.raises(
        CardgenError,
        match=r"needs the 'spark' extra: pip install "
        r"'cardgen\[spark\]'",
    ):
        evaluate(parquet, label="y", pred="pred", engine="spark")
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(
        CardgenError,
        match=r"needs the 'duckdb' extra: pip install "
        r"'cardgen\[duckdb\]'",
    ):
        evaluate(parquet, label="y", pred="pred", engine="duckdb")


def test_spark_without_java_says_how_to_install_it(tmp_path, monkeypatch):
    from cardgen.engines import _spark

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CardgenError, match="install Debian's default-jre-headless"):
        _spark.session("local[1]")


def test_auto_uses_pandas_for_small_files_and_duckdb_above_the_size(table, monkeypatch):
    frame, parquet, _ = table
    assert engines.choose_engine("auto", frame) == "pandas"
    assert engines.choose_engine("auto", parquet) == "pandas"
    assert engines.choose_engine("auto", "spark:db.preds") == "spark"
    monkeypatch.setattr(engines, "AUTO_DUCKDB_BYTES", parquet.stat().st_size - 1)
    assert engines.choose_engine("auto", parquet) == "duckdb"
    with pytest.raises(CardgenError, match="pass a path instead of a DataFrame"):
        evaluate(frame, label="y", pred="pred", engine="duckdb")


def test_cli_takes_the_engine_and_records_it(table, tmp_path):
    _, parquet, _ = table
    out = tmp_path / "ev.json"
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(parquet),
            "--label",
            "y",
            "--score",
            "score",
            "--sensitive",
            "sex",
            "--engine",
            "duckdb",
            "--score-bins",
            "256",
            "--n-boot",
            "20",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert written["provenance"]["engine"].startswith("duckdb ")
    assert "duckdb" in written["provenance"]["library_versions"]
    assert written["details"]["score_bins"]["budget"] == 256
    folder = tmp_path / "hive"
    pq.write_to_dataset(pq.read_table(parquet), folder, partition_cols=["region"])
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(folder),
            "--label",
            "y",
            "--pred",
            "pred",
            "--sensitive",
            "region",
            "--ci-method",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "6000 rows" in result.output
    help_text = CliRunner().invoke(cli, ["evaluate", "--help"]).output
    assert "--engine [auto|pandas|duckdb|spark]" in help_text and "--score-bins" in help_text


def test_build_passes_the_engine_to_globbed_evaluations(tmp_path):
    from cardgen.build import build

    frame = predictions(1200, seed=7)
    (tmp_path / "data").mkdir()
    for i in range(2):
        frame.iloc[i::2].to_parquet(tmp_path / "data" / f"part-{i}.parquet")
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "m.yaml").write_text(
        "kind: model\nname: m\nsummary: s\nsources:\n  evaluate:\n"
        "    - data: data/part-*.parquet\n      label: y\n      pred: pred\n"
        "      sensitive: [region]\n      n_boot: 20\n"
    )
    build("cards", root=tmp_path, site_project=None, progress=False, engine="duckdb")
    fact = json.loads((tmp_path / ".cardgen" / "m" / "evaluate-part.json").read_text())
    assert fact["provenance"]["engine"].startswith("duckdb ")
    assert fact["details"]["input"]["rows"] == 1200
    expected = (
        evaluate(frame, label="y", pred="pred", sensitive=["region"], ci_method="none")
        .overall["accuracy"]
        .value
    )
    assert abs(fact["overall"]["accuracy"]["value"] - expected) < 1e-12


def test_multiclass_and_string_labels_agree_on_duckdb(tmp_path):
    rng = np.random.default_rng(8)
    n = 3000
    label = rng.choice(["cat", "dog", "fox"], n)
    pred = np.where(rng.random(n) < 0.7, label, rng.choice(["cat", "dog", "fox"], n))
    frame = pd.DataFrame(
        {
            "label": label,
            "pred": pred,
            "age": rng.choice([20.0, 40.0, np.nan], n),
            "income": rng.random(n),
            "predicted_income": rng.random(n),
        }
    )
    frame.to_parquet(tmp_path / "mc.parquet")
    ours = evaluate(
        tmp_path / "mc.parquet",
        label="label",
        pred="pred",
        sensitive=["age"],
        engine="duckdb",
        ci_method="none",
    )
    reference = evaluate(frame, label="label", pred="pred", sensitive=["age"], ci_method="none")
    assert ours.task == reference.task == "multiclass"
    names = list(reference.overall)
    assert_close(flat(reference, names), flat(ours, names), 1e-12)
    # Float group values print as integers and NaN is (missing), as on pandas.
    assert [g.features for g in ours.groups] == [{"age": "20"}, {"age": "40"}, {"age": MISSING}]
    assert abs(ours.overall["accuracy"].value - accuracy_score(label, pred)) < 1e-12
    with pytest.raises(CardgenError, match="regression runs on the pandas engine only"):
        evaluate(tmp_path / "mc.parquet", label="income", pred="predicted_income", engine="duckdb")
