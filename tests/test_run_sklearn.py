"""`cardgen run` with scikit-learn models saved by skops (and pickles only when trusted)."""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

skops_io = importlib.import_module("skops.io")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from cardgen.cli import cli  # noqa: E402
from cardgen.collect.run import run  # noqa: E402
from cardgen.errors import CardgenError  # noqa: E402


@pytest.fixture(scope="module")
def tabular(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("tabular")
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "hours": rng.normal(40, 10, n),
            "race": rng.choice(["Black", "White", "Asian"], n),
            "sex": rng.choice(["Female", "Male"], n),
        }
    )
    frame["income"] = (frame["hours"] + rng.normal(0, 5, n) > 42).astype(int)
    model = LogisticRegression().fit(frame[["age", "hours"]], frame["income"])
    skops_io.dump(model, folder / "model.skops")
    frame.to_parquet(folder / "test.parquet", index=False)
    return folder / "model.skops", folder / "test.parquet", frame


def test_scores_equal_predict_proba(
    tabular: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    model_path, data, frame = tabular
    result = run(
        str(model_path),
        str(data),
        label_column="income",
        sensitive=["race", "sex"],
        out=tmp_path / "p.parquet",
        batch_size=7,
    )
    model = skops_io.load(model_path)
    expected = model.predict_proba(frame[["age", "hours"]])
    table = pd.read_parquet(tmp_path / "p.parquet")
    assert list(table.columns) == [
        "row",
        "income",
        "race",
        "sex",
        "prediction",
        "score",
        "score_0",
        "score_1",
    ]
    np.testing.assert_allclose(table[["score_0", "score_1"]], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(table["prediction"], model.predict(frame[["age", "hours"]]))
    assert table["race"].tolist() == frame["race"].tolist()
    record = result.record
    assert record["run"]["model_kind"] == "sklearn"
    assert record["run"]["columns"]["features"] == ["age", "hours"]
    assert record["provenance"]["revision"].startswith("sha256:")
    assert "scikit-learn" in record["provenance"]["library_versions"]


def test_text_pipeline_reads_the_text_column(tmp_path: Path) -> None:
    texts = ["good film", "bad film", "great plot", "terrible plot", "good acting", "bad acting"]
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    skops_io.dump(model, tmp_path / "text.skops")
    pd.DataFrame({"review": texts, "sentiment": labels}).to_csv(tmp_path / "d.csv", index=False)
    try:
        result = run(
            str(tmp_path / "text.skops"),
            str(tmp_path / "d.csv"),
            text_column="review",
            label_column="sentiment",
            out=tmp_path / "p.csv",
        )
    except CardgenError as exc:  # skops may not trust every type of the pipeline
        assert "--trust-pickle" in str(exc)
        result = run(
            str(tmp_path / "text.skops"),
            str(tmp_path / "d.csv"),
            text_column="review",
            label_column="sentiment",
            out=tmp_path / "p.csv",
            trust_pickle=True,
        )
    np.testing.assert_allclose(
        result.table[["score_neg", "score_pos"]], model.predict_proba(texts), atol=1e-12
    )
    assert result.record["run"]["positive_class"] == "pos"


def test_pickle_needs_trust_pickle(
    tabular: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    model_path, data, frame = tabular
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(skops_io.load(model_path)))
    result = CliRunner().invoke(
        cli, ["run", str(pickled), "--data", str(data), "--out", str(tmp_path / "p.parquet")]
    )
    assert result.exit_code == 1
    assert "loading a pickle runs code stored in the file; pass --trust-pickle" in result.stderr
    assert not (tmp_path / "p.parquet").exists()
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(pickled),
            "--data",
            str(data),
            "-q",
            "--trust-pickle",
            "--out",
            str(tmp_path / "p.parquet"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(tmp_path / "p.parquet")) == len(frame)


def test_missing_feature_column_is_named(
    tabular: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    model_path, _, frame = tabular
    frame.drop(columns=["hours"]).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(CardgenError, match=r"d.csv: no column 'hours'; available columns: "):
        run(str(model_path), str(tmp_path / "d.csv"), out=tmp_path / "p.parquet")
