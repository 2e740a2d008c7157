"""`profile` on edge cases: empty and odd files, encodings, mixed types, huge cardinality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.collect import _profile_read
from cardgen.collect.profile import profile
from cardgen.errors import CardgenError

DATA = Path(__file__).parent / "data" / "profile"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_empty_file_is_an_error_naming_it() -> None:
    with pytest.raises(CardgenError, match=r"empty\.csv: empty file: no header and no rows"):
        profile(DATA / "empty.csv")


def test_header_only_csv_is_a_valid_profile_with_zero_rows() -> None:
    result = profile(DATA / "header_only.csv")
    assert (result.num_rows, result.num_columns) == (0, 3)
    assert [c.name for c in result.columns] == ["a", "b", "c"]
    column = result.columns[0]
    assert (column.count, column.missing, column.missing_rate, column.top_values) == (
        0,
        0,
        None,
        [],
    )
    assert result.duplicate_rate is None and result.warnings == []


def test_single_column(tmp_path: Path) -> None:
    result = profile(_write(tmp_path / "one.csv", "x\n1\n2\n2\n5\n"))
    assert result.num_columns == 1 and result.duplicate_rows == 1
    (column,) = result.columns
    assert column.numeric is not None
    assert (column.numeric.min, column.numeric.max, column.numeric.mean) == (1, 5, 2.5)
    assert column.numeric.std == pytest.approx(pd.Series([1, 2, 2, 5]).std())
    assert [(v.value, v.count) for v in column.top_values] == [("2", 2), ("1", 1), ("5", 1)]


def test_all_missing_column_is_reported_not_zero(tmp_path: Path) -> None:
    result = profile(_write(tmp_path / "m.csv", "a,b\n1,\n2,\n3,\n"))
    b = result.columns[1]
    assert (b.type, b.count, b.missing, b.missing_rate, b.distinct) == ("null", 0, 3, 1.0, 0)
    assert b.numeric is None
    assert [w.kind for w in result.warnings if w.column == "b"] == ["all_missing"]
    nan = tmp_path / "nan.parquet"
    pq.write_table(pa.table({"f": pa.array([np.nan, None, np.nan], pa.float64())}), nan)
    (f,) = profile(nan).columns
    assert (f.type, f.count, f.missing) == ("float", 0, 3)
    assert f.numeric is not None and f.numeric.mean is None


def test_a_million_distinct_values_are_counted_exactly(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    # "v0" twice: not every value is distinct, so the column is not an identifier and
    # keeps its top values.
    path.write_text("id\nv0\n" + "\n".join(f"v{i}" for i in range(1_000_000)) + "\n")
    (column,) = profile(path).columns
    assert column.distinct == 1_000_000
    assert column.top_values[0].count == 2
    assert [v.value for v in column.top_values] == [
        "v0",
        "v1",
        "v10",
        "v100",
        "v1000",
        "v10000",
        "v100000",
        "v100001",
        "v100002",
        "v100003",
    ]


def test_beyond_the_tracking_limit_values_are_hashed_and_top_values_recovered(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ids.csv"
    values = [f"id-{i}" for i in range(200_000)] + ["often"] * 7 + ["twice"] * 2
    path.write_text("id\n" + "\n".join(values) + "\n")
    result = profile(path, max_tracked_values=60_000)
    (column,) = result.columns
    assert (column.distinct, column.distinct_exact) == (200_002, True)
    assert [(v.value, v.count) for v in column.top_values] == [("often", 7), ("twice", 2)]
    assert [w.kind for w in result.warnings] == ["high_cardinality"]


def test_far_beyond_the_tracking_limit_distinct_values_are_estimated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_profile_read, "CSV_BLOCK_BYTES", 256 << 10)
    path = tmp_path / "ids.csv"
    values = ["often"] * 7 + [f"id-{i}" for i in range(300_000)] + ["late"] * 3
    path.write_text("id\n" + "\n".join(values) + "\n")
    (column,) = profile(path, max_tracked_values=20_000).columns
    assert (column.distinct_exact, column.top_values_exact) == (False, False)
    assert column.distinct == pytest.approx(300_002, rel=0.03)  # HyperLogLog, ~0.8% error
    assert [(v.value, v.count) for v in column.top_values] == [("often", 7)]  # "late" missed
    numbers = tmp_path / "x.parquet"
    pq.write_table(
        pa.table({"x": np.arange(300_000, dtype=np.float64)}), numbers, row_group_size=20_000
    )
    (x,) = profile(numbers, max_tracked_values=20_000, max_exact_values=10_000).columns
    assert x.distinct_exact is False and x.distinct == pytest.approx(300_000, rel=0.03)
    assert x.numeric is not None and (x.numeric.min, x.numeric.max) == (0, 299_999)


def test_numbers_beyond_the_exact_limit_are_sampled_for_quantiles(tmp_path: Path) -> None:
    values = np.random.default_rng(1).normal(10, 2, 20_000)
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"x": values}), path, row_group_size=3000)
    numeric = profile(path, max_exact_values=2_000).columns[0].numeric
    assert numeric is not None
    assert (numeric.exact, numeric.sample_size) == (False, 2_000)
    assert (numeric.min, numeric.max) == (values.min(), values.max())
    assert numeric.mean == pytest.approx(values.mean())
    assert numeric.std == pytest.approx(values.std(ddof=1))
    assert numeric.quantiles["0.5"] == pytest.approx(np.median(values), abs=0.15)
    exact = profile(path).columns[0].numeric
    assert exact is not None and exact.exact
    assert exact.quantiles["0.5"] == pytest.approx(np.median(values))


def test_mixed_types_in_one_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Arrow infers types from the first block; text in a later block must not be lost.
    monkeypatch.setattr(_profile_read, "CSV_BLOCK_BYTES", 4096)
    rows = [str(i) for i in range(3000)] + ["n/a", "twelve"]
    path = _write(tmp_path / "mixed.csv", "value\n" + "\n".join(rows) + "\n")
    (column,) = profile(path).columns
    assert (column.type, column.storage_type, column.count) == ("mixed", "string", 3001)
    assert column.numeric_values == 3000
    assert column.missing == 1  # n/a is a missing value, as in pandas
    jsonl = profile(DATA / "mixed.jsonl").columns[1]
    assert (jsonl.type, jsonl.count, jsonl.missing, jsonl.numeric_values) == ("mixed", 3, 1, 2)
    assert sorted(v.value for v in jsonl.top_values) == ["3", "4.5", "three"]


def test_non_utf8_bytes_are_an_error_naming_line_and_column() -> None:
    with pytest.raises(CardgenError) as caught:
        profile(DATA / "latin1.csv")
    message = str(caught.value)
    assert message.startswith(f"{DATA / 'latin1.csv'}:3:4: not valid utf-8 (byte 0xe9")
    assert "--encoding" in message
    names, cities = profile(DATA / "latin1.csv", encoding="latin-1").columns
    assert [v.value for v in cities.top_values] == ["Madrid", "Montréal"]
    # `name` holds personal names: its values are withheld, whatever the encoding
    assert names.top_values == [] and names.values_withheld


def test_invalid_json_line_is_located() -> None:
    with pytest.raises(CardgenError, match=r"bad\.jsonl:2:1: invalid JSON"):
        profile(DATA / "bad.jsonl")


def test_missing_sensitive_column_names_it_and_lists_columns() -> None:
    with pytest.raises(
        CardgenError,
        match=r"no sensitive column 'gender'; columns are: "
        r"customer, contact, reach",
    ):
        profile(DATA / "pii.csv", sensitive=["gender"])
    with pytest.raises(CardgenError, match=r"no label column 'income'"):
        profile(DATA / "pii.csv", label="income")
    with pytest.raises(CardgenError, match=r"label 'score' has \d+ values; pass --pos-label"):
        profile(DATA / "pii.csv", sensitive=["city"], label="score")


def _groups_csv(tmp_path: Path) -> Path:
    lines = ["group,income,label"]
    lines += [f"A,{i},{int(i % 4 == 0)}" for i in range(100)]
    lines += [f"B,{'' if i % 2 else i},{int(i % 2 == 0)}" for i in range(100)]
    lines += ["C,5,"] * 3
    return _write(tmp_path / "g.csv", "\n".join(lines) + "\n")


def test_small_groups_and_differential_missingness_are_warned(tmp_path: Path) -> None:
    result = profile(_groups_csv(tmp_path), sensitive=["group"], label="label")
    kinds = {(w.kind, w.column) for w in result.warnings}
    assert ("small_group", None) in kinds
    assert ("differential_missingness", "income") in kinds
    message = next(w.message for w in result.warnings if w.kind == "differential_missingness")
    assert "50.0% of rows with group=B but 0.0% with group=A" in message
    small = next(w for w in result.warnings if w.kind == "small_group")
    assert small.group == {"group": "C"}


def test_base_rate_of_a_group_without_labels_is_undefined_not_zero(tmp_path: Path) -> None:
    result = profile(_groups_csv(tmp_path), sensitive=["group"], label="label")
    assert result.pos_label == "1"
    rates = {g.features["group"]: g.base_rate for g in result.groups}
    assert rates["A"] is not None and rates["A"].value == 0.25
    assert rates["C"] is not None and rates["C"].value is None
    assert rates["C"].undefined_reason == "no rows with a label in group"
    assert result.base_rate is not None and result.base_rate.n == 200


def test_missing_sensitive_values_form_their_own_group(tmp_path: Path) -> None:
    result = profile(
        _write(tmp_path / "s.csv", "sex,y\nF,1\n,0\nM,1\n,1\n"), sensitive=["sex"], label="y"
    )
    assert [(g.features["sex"], g.count) for g in result.groups] == [
        ("(missing)", 2),
        ("F", 1),
        ("M", 1),
    ]


def test_parquet_jsonl_and_datasets_folder_give_the_same_facts(tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2, 2, None], "b": ["x", "y", "y", "z"]})
    pq.write_table(table, tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    folder = tmp_path / "saved"
    folder.mkdir()
    with (
        pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink,
        pa.ipc.new_stream(sink, table.schema) as writer,
    ):
        writer.write_table(table)
    (folder / "state.json").write_text(
        json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}]})
    )
    facts = []
    for path, fmt in [
        (tmp_path / "t.parquet", "parquet"),
        (tmp_path / "t.jsonl", "jsonl"),
        (folder, "arrow"),
    ]:
        result = profile(path)
        assert result.format == fmt
        facts.append(
            [
                (
                    c.name,
                    c.type,
                    c.count,
                    c.missing,
                    c.distinct,
                    [(v.value, v.count) for v in c.top_values],
                )
                for c in result.columns
            ]
            + [result.duplicate_rows]
        )
    assert facts[0] == facts[1] == facts[2]
    assert facts[0][0] == ("a", "integer", 3, 1, 2, [("2", 2), ("1", 1)])


def test_output_is_deterministic_apart_from_the_collection_time() -> None:
    first = profile(DATA / "pii.csv").model_dump(mode="json")
    second = profile(DATA / "pii.csv").model_dump(mode="json")
    for dump in (first, second):
        dump["provenance"].pop("collected_at")
    assert first == second


def test_long_values_are_cut_in_top_values(tmp_path: Path) -> None:
    (column,) = profile(_write(tmp_path / "l.csv", "t\n" + "x" * 500 + "\n")).columns
    (top,) = column.top_values
    assert (len(top.value), top.truncated) == (200, True)
    assert column.text is not None and column.text.max_length == 500


def test_profile_command_writes_nothing_on_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["profile", str(DATA / "latin1.csv"), "--out", "p.json"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and ":3:4: not valid utf-8" in result.stderr
    assert not Path("p.json").exists()
    result = CliRunner().invoke(
        cli, ["profile", str(DATA / "latin1.csv"), "--out", "p.json", "--encoding", "latin-1"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(Path("p.json").read_text())["encoding"] == "latin-1"


def test_quoted_line_breaks_survive_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_profile_read, "CSV_BLOCK_BYTES", 1024)
    # Each note twice: neither free text nor an identifier, so its values are kept.
    rows = "".join(f'{i},"first\nline {i // 2}"\n' for i in range(2000))
    result = profile(_write(tmp_path / "notes.csv", "id,note\n" + rows))
    assert result.num_rows == 2000
    assert result.columns[1].distinct == 1000
    assert result.columns[1].top_values[0].value == "first\nline 0"


def test_a_row_with_too_many_fields_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", "a,b,c\n1,2,3\n4,5,6,7\n")
    with pytest.raises(
        CardgenError,
        match=r"bad\.csv:3: expected 3 fields as in the header, "
        r"found 4",
    ):
        profile(path)


def test_nan_in_a_sensitive_or_label_column_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "f.parquet"
    pq.write_table(
        pa.table({"score": [1.0, np.nan, 1.0, None], "y": [1.0, 0.0, np.nan, 1.0]}), path
    )
    result = profile(path, sensitive=["score"], label="y")
    assert result.pos_label == "1"
    groups = {
        g.features["score"]: (g.count, g.base_rate.n if g.base_rate else None)
        for g in result.groups
    }
    assert groups == {"1": (2, 1), "(missing)": (2, 2)}


def test_a_saved_dataset_dict_needs_a_split(tmp_path: Path) -> None:
    table = pa.table({"text": ["a", "b"], "label": [0, 1]})
    for split in ("train", "test"):
        folder = tmp_path / "dd" / split
        folder.mkdir(parents=True)
        with (
            pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink,
            pa.ipc.new_stream(sink, table.schema) as writer,
        ):
            writer.write_table(table)
        (folder / "state.json").write_text(
            json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}]})
        )
    (tmp_path / "dd" / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "test"]}))
    with pytest.raises(
        CardgenError,
        match=r"a DatasetDict folder; pass --split with one of: "
        r"train, test",
    ):
        profile(tmp_path / "dd")
    result = profile(tmp_path / "dd", split="test", label="label")
    assert (result.format, result.num_rows, result.pos_label) == ("arrow", 2, "1")


def test_duplicates_are_not_counted_past_the_row_limit() -> None:
    from cardgen.collect._profile_stats import DuplicateCounter

    counter = DuplicateCounter(max_rows=4)
    counter.add(np.array([1, 2, 2], dtype=np.uint64))
    assert counter.duplicates() == 1
    counter.add(np.array([3, 3], dtype=np.uint64))
    assert (counter.gave_up, counter.duplicates()) == (True, None)
