"""One rule for repeated column names in every command that reads a table (evaluate, run,
profile): say which names repeat and how to select each copy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cardgen._columns import copy_names, repeated
from cardgen.collect._data import load_evaluation_set
from cardgen.collect.profile import profile
from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate

MESSAGE = (
    "column name 'p' repeats (columns 2 and 4): select a copy as 'p.1' (column 2) or "
    "'p.2' (column 4)"
)


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "dup.csv"
    # column 2 predicts every label right, column 4 predicts 1 throughout
    path.write_text("y,p,g,p\n" + "".join(f"{i % 2},{i % 2},a,1\n" for i in range(40)))
    return path


def test_copies_are_numbered_and_the_bare_name_selects_none() -> None:
    assert repeated(["y", "p", "g", "p"]) == {"p": [2, 4]}
    assert copy_names(["y", "p", "g", "p"]) == ["y", "p.1", "g", "p.2"]
    assert copy_names(["p", "p.1", "p"]) == ["p.2", "p.1", "p.3"]  # p.1 is taken


def test_evaluate_names_the_copies_and_selects_each(csv: Path, tmp_path: Path) -> None:
    with pytest.raises(CardgenError) as info:
        evaluate(csv, label="y", pred="p", ci_method="none")
    assert str(info.value) == f"{csv}: {MESSAGE}"
    right = evaluate(csv, label="y", pred="p.1", ci_method="none")
    ones = evaluate(csv, label="y", pred="p.2", ci_method="none")
    assert right.overall["accuracy"].value == 1.0
    assert ones.overall["selection_rate"].value == 1.0 and ones.overall["accuracy"].value == 0.5
    parquet = tmp_path / "dup.parquet"
    frame = pd.read_csv(csv, header=None, skiprows=1)
    pq.write_table(
        pa.table([pa.array(frame[i]) for i in range(4)], names=["y", "p", "g", "p"]), parquet
    )
    with pytest.raises(CardgenError, match=f"{parquet}: column name 'p' repeats"):
        evaluate(parquet, label="y", pred="p", ci_method="none")
    assert (
        evaluate(parquet, label="y", pred="p.2", ci_method="none").overall["selection_rate"].value
        == 1.0
    )


def test_run_and_profile_follow_the_same_rule(csv: Path) -> None:
    with pytest.raises(CardgenError, match="column name 'p' repeats"):
        load_evaluation_set(str(csv), ["y", "p"])
    assert load_evaluation_set(str(csv), ["y", "p.2"]).frame["p.2"].eq(1).all()
    with pytest.raises(CardgenError) as info:
        profile(csv)
    assert "column name 'p' repeats (columns 2 and 4): rename the copies in the file" in str(
        info.value
    )
