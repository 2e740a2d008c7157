"""`cardgen profile --engine duckdb`: the same profile as the pyarrow reader, plus globs and
hive-partitioned folders."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb  # noqa: F401  (the duckdb extra: a missing one fails here)
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.collect.profile import profile
from cardgen.errors import CardgenError

ADULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "adult" / "adult.data"


@pytest.fixture(scope="module")
def adult(tmp_path_factory) -> tuple[pd.DataFrame, Path]:
    frame = pd.read_csv(ADULT, skipinitialspace=True, na_values="?")
    folder = tmp_path_factory.mktemp("adult")
    frame.to_csv(folder / "adult.csv", index=False)
    frame.to_parquet(folder / "adult.parquet")
    return frame, folder


def comparable(result) -> dict:
    data = result.model_dump(mode="json")
    data.pop("provenance")
    for column in data["columns"]:
        column.pop("storage_type")  # DuckDB hands text over as string, pyarrow large_string
        if column["numeric"]:
            for key in ("mean", "std"):  # summed in other batches: equal to the last bits
                column["numeric"][key] = round(column["numeric"][key], 9)
    return data


@pytest.mark.parametrize("name", ["adult.csv", "adult.parquet"])
def test_duckdb_reader_gives_the_same_profile(adult, name):
    _, folder = adult
    kwargs = dict(sensitive=["race", "sex"], label="Y")
    by_pyarrow = profile(folder / name, engine="pandas", **kwargs)
    by_duckdb = profile(folder / name, engine="duckdb", **kwargs)
    assert comparable(by_duckdb) == comparable(by_pyarrow)
    assert by_duckdb.provenance.engine.startswith("duckdb ")
    assert by_pyarrow.provenance.engine.startswith("pandas ")
    assert "duckdb" in by_duckdb.provenance.library_versions


def test_duckdb_reads_a_hive_folder_and_a_glob(adult, tmp_path):
    frame, _ = adult
    hive = tmp_path / "hive"
    pq.write_to_dataset(
        pa.Table.from_pandas(frame, preserve_index=False), hive, partition_cols=["sex"]
    )
    result = profile(hive, sensitive=["sex", "race"], label="Y")  # auto: DuckDB for a folder
    assert result.num_rows == len(frame)
    counts = {g.features["sex"]: g.count for g in result.groups if list(g.features) == ["sex"]}
    assert counts == frame["sex"].value_counts().to_dict()
    for i in range(2):
        frame.iloc[i::2].to_csv(tmp_path / f"part-{i}.csv", index=False)
    runner = CliRunner()
    out = tmp_path / "profile.json"
    done = runner.invoke(
        cli,
        [
            "profile",
            str(tmp_path / "part-*.csv"),
            "--sensitive",
            "race",
            "--label",
            "Y",
            "--engine",
            "duckdb",
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    written = json.loads(out.read_text())
    assert written["num_rows"] == len(frame)
    assert written["provenance"]["engine"].startswith("duckdb ")
    assert sorted(written["provenance"]["input_sha256"]) == [
        str(tmp_path / "part-0.csv"),
        str(tmp_path / "part-1.csv"),
    ]


def test_profile_engine_errors(adult, tmp_path):
    _, folder = adult
    with pytest.raises(CardgenError, match="the glob matches no file"):
        profile(str(tmp_path / "none-*.csv"), engine="duckdb")
    with pytest.raises(CardgenError, match="profile runs on the pandas or duckdb engine"):
        profile(folder / "adult.csv", engine="spark")
    with pytest.raises(CardgenError, match="profile runs on the pandas or duckdb engine"):
        profile((folder / "adult.csv").as_uri())
    with pytest.raises(CardgenError, match=r"no sensitive column 'gender'; columns are: age"):
        profile(folder / "adult.parquet", sensitive=["gender"], engine="duckdb")
