"""Readers that meet the files users have: JSON arrays of records, other encodings and
separators, and a spec's YAML error located where it starts.

Every table is also written by pandas (`to_json(orient="records")`, `to_csv(sep=";")`,
`encoding="latin-1"`), and every reading is compared with pandas' own reading of it.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from cardgen.build import build
from cardgen.cli import cli
from cardgen.collect._data import load_evaluation_set
from cardgen.collect.profile import profile
from cardgen.errors import EncodingError, SpecError
from cardgen.evaluate import evaluate
from cardgen.spec import load_spec
from cardgen.tables import detect_delimiter, read_frames

CITIES = ["Zürich", "Genève", "Köln", "Malmö", "Oslo"]


def predictions(rows: int = 50) -> pd.DataFrame:
    """Labels, predictions and a city with non-ASCII names; 50 rows (read as 50, not as 50
    columns)."""
    return pd.DataFrame(
        {
            "y": [i % 2 for i in range(rows)],
            "p": [(i // 3) % 2 for i in range(rows)],
            "city": [CITIES[i % len(CITIES)] for i in range(rows)],
            "score": [round((i % 10) / 10 + 0.05, 2) for i in range(rows)],
        }
    )


def accuracy_by_hand(frame: pd.DataFrame) -> float:
    return sum(int(a == b) for a, b in zip(frame["y"], frame["p"], strict=True)) / len(frame)


# --- JSON arrays of records ------------------------------------------------------------------


def test_a_json_array_of_records_is_read_as_rows(tmp_path: Path) -> None:
    frame = predictions()
    path = tmp_path / "preds.json"
    frame.to_json(path, orient="records")
    assert path.read_text().startswith("[{")
    evaluation = evaluate(path, label="y", pred="p", sensitive=["city"], n_boot=10)
    assert evaluation.overall["accuracy"].n == 50
    assert evaluation.overall["accuracy"].value == pytest.approx(accuracy_by_hand(frame))
    assert sorted(g.features["city"] for g in evaluation.groups) == sorted(CITIES)
    loaded = load_evaluation_set(str(path), ["y", "p", "city"])  # `cardgen run --data`
    pd.testing.assert_frame_equal(loaded.frame, frame[["y", "p", "city"]])
    profiled = profile(path)
    assert (profiled.format, profiled.num_rows) == ("json", 50)
    assert [c.name for c in profiled.columns] == list(frame.columns)
    counts = {v.value: v.count for v in profiled.columns[2].top_values}
    assert counts == frame["city"].value_counts().to_dict()


def test_a_json_array_reads_the_same_on_duckdb(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    frame = predictions()
    path = tmp_path / "preds.json"
    frame.to_json(path, orient="records")
    options = {"label": "y", "score": "score", "sensitive": ["city"], "n_boot": 10}
    pandas = evaluate(path, engine="pandas", **options)
    duckdb = evaluate(path, engine="duckdb", **options)
    assert duckdb.overall["roc_auc"].value == pytest.approx(pandas.overall["roc_auc"].value)
    assert duckdb.overall["accuracy"].n == 50


def test_a_json_array_that_is_not_records_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"y": 1, "p": 0},\n 3]')
    with pytest.raises(Exception, match=r"item 2 of the JSON array is int, not an object"):
        list(read_frames(path, ["y", "p"]))
    path.write_text('[{"y": 1, "p": 0},\n {"y": 1 "p": 0}]')
    with pytest.raises(Exception, match=r"bad.json:2:10: invalid JSON"):
        profile(path)


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["evaluate", "profile", "run"])
def test_every_command_that_reads_a_table_has_encoding(name: str) -> None:
    command = cli.commands[name]
    assert isinstance(command, click.Command)
    options = {o for p in command.params for o in getattr(p, "opts", [])}
    assert "--encoding" in options


def test_a_latin1_csv_names_encoding_and_reads_with_it(tmp_path: Path) -> None:
    frame = predictions()
    path = tmp_path / "preds.csv"
    frame.to_csv(path, index=False, encoding="latin-1")
    runner = CliRunner()
    args = ["evaluate", str(path), "--label", "y", "--pred", "p", "--sensitive", "city"]
    refused = runner.invoke(cli, [*args, "--n-boot", "10"])
    assert refused.exit_code == 1
    # Row 1 is the header; "Zürich" is on line 2, its "ü" is character 6 of "0,0,Zürich".
    assert f"{path}:2:6: not valid utf-8 (byte 0xfc" in refused.output
    assert "pass --encoding" in refused.output
    read = runner.invoke(cli, [*args, "--n-boot", "10", "--encoding", "latin-1"])
    assert read.exit_code == 0, read.output
    assert "Zürich" in read.output
    with pytest.raises(EncodingError) as raised:
        evaluate(path, label="y", pred="p", sensitive=["city"], n_boot=10)
    assert (raised.value.path, raised.value.encoding) == (str(path), "utf-8")
    profiled = profile(path, encoding="latin-1", sensitive=["city"])
    assert {g.features["city"] for g in profiled.groups} == set(CITIES)


def test_a_spec_source_can_name_its_encoding(tmp_path: Path) -> None:
    predictions().to_csv(tmp_path / "preds.csv", index=False, encoding="cp1252")
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "m.yaml").write_text(
        "kind: model\nname: m\nsources:\n  evaluate:\n"
        "    - {data: ../preds.csv, label: y, pred: p, sensitive: [city], n_boot: 10, "
        "encoding: cp1252}\n"
    )
    build("cards", root=tmp_path, site_project=None, progress=False)
    readme = (tmp_path / "build" / "cards" / "m" / "README.md").read_text(encoding="utf-8")
    assert "city=Zürich" in readme


# --- separators ----------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [";", "|", "\t"])
def test_a_csv_with_another_separator_is_read_as_pandas_reads_it(
    tmp_path: Path, separator: str
) -> None:
    frame = predictions()
    path = tmp_path / "preds.csv"
    frame.to_csv(path, index=False, sep=separator, decimal="," if separator == ";" else ".")
    assert detect_delimiter(path) == separator
    evaluation = evaluate(path, label="y", pred="p", sensitive=["city"], n_boot=10)
    assert evaluation.overall["accuracy"].value == pytest.approx(accuracy_by_hand(frame))
    profiled = profile(path, sensitive=["city"])
    assert [c.name for c in profiled.columns] == list(frame.columns)
    expected = pd.read_csv(path, sep=separator)["city"].value_counts().to_dict()
    assert {g.features["city"]: g.count for g in profiled.groups} == expected


def test_a_single_column_csv_keeps_the_comma(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("y\n1\n0\n1\n")
    assert detect_delimiter(path) == ","


# --- a spec's YAML error ---------------------------------------------------------------------


def test_an_unterminated_quote_is_reported_where_it_starts(tmp_path: Path) -> None:
    spec = tmp_path / "card.yaml"
    spec.write_text(
        'kind: model\nname: x\nsummary: "A model that\nintended_use:\n'
        "  primary_uses: [screening]\nmetadata:\n  license: mit\n"
    )
    with pytest.raises(SpecError) as raised:
        load_spec(spec)
    (problem,) = raised.value.problems
    # The quote opens on line 3, column 10; PyYAML gives up at the end, line 8.
    assert (problem.line, problem.column) == (3, 10)
    assert "never closed" in problem.message and "line 8" in problem.message


def test_an_unclosed_flow_list_is_reported_where_it_starts(tmp_path: Path) -> None:
    spec = tmp_path / "card.yaml"
    spec.write_text("kind: model\nname: x\nmetadata:\n  tags: [a, b\n  license: mit\n")
    with pytest.raises(SpecError) as raised:
        load_spec(spec)
    assert (raised.value.problems[0].line, raised.value.problems[0].column) == (4, 9)


def test_spark_reads_a_json_array_and_a_semicolon_csv(tmp_path: Path, spark: object) -> None:
    frame = predictions()
    frame.to_json(tmp_path / "preds.json", orient="records")
    frame.to_csv(tmp_path / "preds.csv", sep=";", index=False)
    options = {"label": "y", "pred": "p", "sensitive": ["city"], "n_boot": 10}
    for name in ("preds.json", "preds.csv"):
        evaluation = evaluate(tmp_path / name, engine="spark", **options)
        assert evaluation.overall["accuracy"].n == 50, name
        assert evaluation.overall["accuracy"].value == pytest.approx(accuracy_by_hand(frame))
        assert sorted(g.features["city"] for g in evaluation.groups) == sorted(CITIES)
