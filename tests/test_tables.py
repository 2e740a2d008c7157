"""One table reader: evaluate, run and profile accept the same files and reject them alike."""

from __future__ import annotations

import bz2
import csv
import gzip
from pathlib import Path

import pandas as pd
import pytest

from cardgen.collect._data import load_evaluation_set
from cardgen.collect.profile import profile
from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate
from cardgen.tables import read_frames, table_format

ROWS = [("y", "p", "g")] + [(i % 2, (i // 2) % 2, "ab"[i % 3 == 0]) for i in range(60)]


def _text(delimiter: str = ",") -> str:
    return "".join(delimiter.join(map(str, row)) + "\n" for row in ROWS)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    data = text.encode(encoding)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data, mtime=0))
    elif path.suffix == ".bz2":
        path.write_bytes(bz2.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name", ["t.csv", "t.csv.gz", "t.csv.bz2", "t.data", "t.data.gz", "t.txt", "t.tsv", "t.tsv.gz"]
)
def test_every_command_reads_every_text_table_type(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, _text("\t" if ".tsv" in name else ","))
    # Independent count with the csv module: accuracy = rows where y == p.
    with open(tmp_path / "plain.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    with open(tmp_path / "plain.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    accuracy = sum(r["y"] == r["p"] for r in rows) / len(rows)

    evaluation = evaluate(path, label="y", pred="p", sensitive=["g"], n_boot=10)
    assert evaluation.overall["accuracy"].value == pytest.approx(accuracy)
    loaded = load_evaluation_set(str(path), ["y", "g"])
    assert len(loaded.frame) == len(rows)
    profiled = profile(path)
    assert profiled.num_rows == len(rows)
    assert [c.name for c in profiled.columns] == ["y", "p", "g"]


def test_format_is_read_from_all_suffixes() -> None:
    assert table_format("adult.data.gz").kind == "csv"
    assert table_format("x.tsv.bz2").delimiter == "\t"
    assert table_format("x.v2.jsonl").kind == "jsonl"
    assert table_format("x.parquet").compression is None
    for bad in ("x.parquet.gz", "x.xlsx", "README"):
        with pytest.raises(CardgenError, match="unknown file type"):
            table_format(bad)


def test_duplicated_column_names_follow_one_rule_in_every_reader(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "y,p,y\n1,0,1\n0,0,1\n")
    ambiguous = (
        r"d.csv: column name 'y' repeats \(columns 1 and 3\): select a copy as "
        r"'y.1' \(column 1\) or 'y.2' \(column 3\)"
    )
    for read in (
        lambda: list(read_frames(path, ["y", "p"])),
        lambda: evaluate(path, label="y", pred="p", n_boot=10),
    ):
        with pytest.raises(CardgenError, match=ambiguous):
            read()
    # Each copy is selected by its number: column 3 is y.2 (1, 1), column 1 is y.1 (1, 0).
    (frame,) = read_frames(path, ["y.2", "p"])
    assert frame["y.2"].tolist() == [1, 1]
    (frame,) = read_frames(path, ["y.1"])
    assert frame["y.1"].tolist() == [1, 0]
    # A profile describes every column, so it refuses the file and says how to rename.
    with pytest.raises(CardgenError, match=r"d.csv: column name 'y' repeats .*rename the copies"):
        profile(path)
    # pandas alone would have renamed only the second one, silently:
    assert list(pd.read_csv(path).columns) == ["y", "p", "y.1"]


def test_a_bad_encoding_is_located_alike(tmp_path: Path) -> None:
    path = _write(tmp_path / "l.csv", "y,p,g\n1,1,café\n0,0,b\n", encoding="latin-1")
    # 'café' in latin-1 ends in byte 0xe9 at line 2, column 8 (after "1,1,caf").
    expected = r"l.csv:2:8: not valid utf-8 \(byte 0xe9"
    with pytest.raises(CardgenError, match=expected):
        evaluate(path, label="y", pred="p", sensitive=["g"], n_boot=10)
    with pytest.raises(CardgenError, match=expected):
        profile(path)
    frames = list(read_frames(path, ["y", "g"], encoding="latin-1"))
    assert frames[0]["g"].tolist() == ["café", "b"]


def test_a_missing_file_is_no_such_file_or_directory(tmp_path: Path) -> None:
    absent = tmp_path / "absent.csv"
    for read in (
        lambda: evaluate(absent, label="y", pred="p"),
        lambda: profile(absent),
        lambda: load_evaluation_set(str(absent), ["y"]),
    ):
        with pytest.raises(CardgenError, match=r"absent\.csv: no such file or directory"):
            read()
