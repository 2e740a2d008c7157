"""`cardgen profile --engine duckdb` and `--engine spark`: the same profile as the pyarrow
reader, plus globs, hive-partitioned folders and (Spark) `spark:db.table`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb  # noqa: F401  (the duckdb extra: a missing one fails here)
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from shareddata import shipped_adult

from cardgen.cli import cli
from cardgen.collect.profile import profile
from cardgen.errors import CardgenError

ADULT = shipped_adult("adult.data")


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
    # Files outside the working folder are named by their names, not this machine's path.
    assert sorted(written["provenance"]["input_sha256"]) == ["part-0.csv", "part-1.csv"]


def test_profile_engine_errors(adult, tmp_path, monkeypatch):
    _, folder = adult
    with pytest.raises(CardgenError, match="the glob matches no file"):
        profile(str(tmp_path / "none-*.csv"), engine="duckdb")
    with pytest.raises(CardgenError, match=r"no sensitive column 'gender'; columns are: age"):
        profile(folder / "adult.parquet", sensitive=["gender"], engine="duckdb")
    with pytest.raises(CardgenError, match=r"--encoding latin-1 needs --engine pandas \(Spark"):
        profile(folder / "adult.csv", engine="spark", encoding="latin-1")
    # No Java: checked before a session starts (none is active here, as for a new user).
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CardgenError, match="install Debian's default-jre-headless"):
        profile(folder / "adult.csv", engine="spark")
    with pytest.raises(CardgenError, match="install Debian's default-jre-headless"):
        profile((folder / "adult.csv").as_uri())  # auto: a URI is for Spark
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extra were not installed
    with pytest.raises(
        CardgenError, match=r"needs the 'spark' extra: pip install 'cardgen\[spark\]'"
    ):
        profile("spark:db.adult")


def hand_counts(frame: pd.DataFrame, result) -> None:
    """Group sizes and base rates (Y = >50K) as pandas counts them."""
    for feature in ("race", "sex"):
        groups = {g.features[feature]: g for g in result.groups if list(g.features) == [feature]}
        assert {k: g.count for k, g in groups.items()} == frame[feature].value_counts().to_dict()
        rates = frame.groupby(feature)["Y"].apply(lambda y: (y == ">50K").mean())
        for value, rate in rates.items():
            assert groups[value].base_rate.value == pytest.approx(rate, abs=1e-12)


@pytest.mark.parametrize("name", ["adult.csv", "adult.parquet"])
def test_spark_reader_gives_the_same_profile(adult, name, spark):
    frame, folder = adult
    kwargs = dict(sensitive=["race", "sex"], label="Y", pos_label=">50K")
    by_pyarrow = profile(folder / name, engine="pandas", **kwargs)
    by_spark = profile(folder / name, engine="spark", spark_master="local[1]", **kwargs)
    assert comparable(by_spark) == comparable(by_pyarrow)
    hand_counts(frame, by_spark)
    assert by_spark.provenance.engine.startswith("spark ")
    assert "pyspark" in by_spark.provenance.library_versions
    assert list(by_spark.provenance.input_sha256) == [str(folder / name)]


def test_spark_profiles_a_catalog_table_and_flags_personal_data(adult, spark, tmp_path):
    _, folder = adult
    spark.read.parquet(str(folder / "adult.parquet")).createOrReplaceTempView("adult")
    out = tmp_path / "profile.json"
    done = CliRunner().invoke(
        cli,
        [
            *("profile", "spark:adult", "--sensitive", "race", "--sensitive", "sex"),
            *("--label", "Y", "--pos-label", ">50K", "--engine", "spark", "--out", str(out)),
        ],
    )
    assert done.exit_code == 0, done.output
    written = json.loads(out.read_text())
    assert (written["source"], written["format"]) == ("spark:adult", "table")
    assert written["provenance"]["engine"].startswith("spark ")
    assert written["provenance"]["input_sha256"] == {}
    by_pyarrow = profile(
        folder / "adult.parquet", sensitive=["race", "sex"], label="Y", pos_label=">50K"
    )
    expected = comparable(by_pyarrow) | {"source": "spark:adult", "format": "table"}
    from cardgen.schema.profile import DatasetProfile

    assert comparable(DatasetProfile.model_validate(written)) == expected
    with pytest.raises(CardgenError, match=r"spark:adult: no sensitive column 'gender'; columns"):
        profile("spark:adult", sensitive=["gender"])  # auto: a spark: table is for Spark
    with pytest.raises(CardgenError, match=r"spark:nowhere: Spark cannot read it: .*nowhere"):
        profile("spark:nowhere")
    # Personal data (names, e-mails, phones, birth dates, ids) is flagged as on pyarrow.
    pii = Path(__file__).parent / "data" / "profile" / "pii.csv"
    flags = {(f.column, f.kind) for f in profile(pii, engine="spark").personal_data}
    assert flags == {(f.column, f.kind) for f in profile(pii, engine="pandas").personal_data}
    assert ("contact", "email") in flags and ("reach", "phone") in flags


def test_build_passes_the_spark_engine_to_profile_sources(adult, spark, tmp_path):
    from cardgen.build import build

    frame, folder = adult
    spark.read.parquet(str(folder / "adult.parquet")).createOrReplaceTempView("adult_table")
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "adult.yaml").write_text(
        "kind: data\nname: adult\nsources:\n  profile:\n"
        f"    - data: {folder / 'adult.parquet'}\n      sensitive: [race, sex]\n      label: Y\n"
        "    - data: spark:adult_table\n      sensitive: [sex]\n"
    )
    build(
        "cards",
        root=tmp_path,
        out=tmp_path / "out",
        site_project=None,
        progress=False,
        engine="spark",
    )
    facts = tmp_path / ".cardgen" / "adult"
    for key in ("profile-adult", "profile-adult_table"):
        fact = json.loads((facts / f"{key}.json").read_text())
        assert fact["provenance"]["engine"].startswith("spark ")
        assert fact["num_rows"] == len(frame)
    croissant = json.loads((tmp_path / "out" / "adult" / "croissant.json").read_text())
    assert croissant["distribution"]
