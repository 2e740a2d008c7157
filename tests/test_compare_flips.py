"""`cardgen compare` counts flips: negative and positive flips by hand, Wilson intervals and
McNemar's exact test against statsmodels, on predictions tables of two real classifiers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from cardgen.cli import cli
from cardgen.collect.lm_stats import flips, mcnemar_exact
from cardgen.compare import compare_runs, load_run, markdown
from cardgen.errors import CardgenError


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Predictions of two Adult classifiers (trained on different rows) over 1,000 test rows,
    written by `cardgen run`: version 1 and version 2 of one model."""
    from cardgen.collect.run import run
    from cardgen.demo import CATEGORICAL, read_adult, train_model

    folder = tmp_path_factory.mktemp("versions")
    train = read_adult("train")
    test = read_adult("test").iloc[:1000].copy()
    for frame in (train, test):
        for column in CATEGORICAL:
            frame[column] = frame[column].fillna("(missing)")
    test.to_csv(folder / "test.csv", index=False)
    paths = {}
    for name, rows in (("v1", slice(0, 600)), ("v2", slice(20000, 21500))):
        train_model(train.iloc[rows].copy(), folder / f"{name}.skops")
        out = folder / f"{name}.parquet"
        run(str(folder / f"{name}.skops"), str(folder / "test.csv"), label_column="income", out=out)
        paths[name] = out
    return paths


def hand_count(base: pd.DataFrame, new: pd.DataFrame) -> tuple[int, int, np.ndarray]:
    right_before = (base["prediction"] == base["income"]).to_numpy()
    right_now = (new["prediction"] == new["income"]).to_numpy()
    table = np.zeros((2, 2), dtype=int)
    for before, now in zip(right_before, right_now, strict=True):
        table[int(before), int(now)] += 1
    return int((right_before & ~right_now).sum()), int((~right_before & right_now).sum()), table


def test_flips_of_two_classifiers_equal_a_hand_count_and_statsmodels(
    versions: dict[str, Path],
) -> None:
    base, new = (pd.read_parquet(versions[v]) for v in ("v1", "v2"))
    negative, positive, table = hand_count(base, new)
    assert negative > 0 and positive > 0
    comparison = compare_runs(
        load_run(versions["v1"], id_column="row", label_column="income"),
        load_run(versions["v2"], id_column="row", label_column="income"),
    )
    (row,) = comparison.rows
    assert (row.task, row.metric, row.n, row.paired) == ("predictions", "accuracy", 1000, True)
    flipped = row.flips
    assert flipped is not None
    assert (flipped.negative, flipped.positive, flipped.n) == (negative, positive, 1000)
    assert flipped.negative_rate == negative / 1000 and flipped.positive_rate == positive / 1000
    for count, interval in ((negative, flipped.negative_ci), (positive, flipped.positive_ci)):
        assert interval == pytest.approx(
            proportion_confint(count, 1000, method="wilson"), abs=1e-12
        )
    assert flipped.mcnemar_p == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-15)
    # the accuracy difference is the same paired difference as for LM runs
    accuracy = [(b["prediction"] == b["income"]).mean() for b in (base, new)]
    assert row.diff == pytest.approx(accuracy[1] - accuracy[0])


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 3), (1, 9), (12, 4), (0, 25), (40, 31)])
def test_mcnemar_exact_equals_statsmodels(b: int, c: int) -> None:
    table = np.array([[50, c], [b, 50]])  # [[wrong/wrong, wrong→right], [right→wrong, right/right]]
    assert mcnemar_exact(b, c) == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-15)


def test_flips_need_shared_binary_scores() -> None:
    with pytest.raises(ValueError, match="share no question id"):
        flips({"a": 1.0}, {"b": 0.0})
    with pytest.raises(ValueError, match="binary"):
        flips({"a": 0.5}, {"a": 1.0})
    counted = flips({"a": 1.0, "b": 0.0, "c": 1.0}, {"a": 0.0, "b": 1.0, "c": 1.0, "d": 0.0})
    assert (counted.n, counted.negative, counted.positive) == (3, 1, 1)


def test_cli_gate_on_negative_flips_table_json_and_markdown(
    versions: dict[str, Path], tmp_path: Path
) -> None:
    base, new = (pd.read_parquet(versions[v]) for v in ("v1", "v2"))
    negative, _, _ = hand_count(base, new)
    low, high = proportion_confint(negative, 1000, method="wilson")
    args = ["compare", str(versions["v1"]), str(versions["v2"]), "--id", "row"]
    args += [
        "--label",
        "income",
        "--out",
        str(tmp_path / "d.json"),
        "--markdown",
        str(tmp_path / "d.md"),
    ]
    failing = CliRunner().invoke(
        cli, [*args, "--max-negative-flip-rate", f"{(low + high) / 2:.4f}"]
    )
    assert failing.exit_code == 1, failing.output
    assert "may flip more than" in failing.output and "NEGATIVE FLIPS" in failing.output
    passing = CliRunner().invoke(cli, [*args, "--max-negative-flip-rate", f"{high + 0.001:.4f}"])
    assert passing.exit_code == 0, passing.output
    assert "McNemar p" in passing.output and "Wilson intervals" in passing.output
    row = json.loads((tmp_path / "d.json").read_text())["rows"][0]
    assert row["flips"]["negative"] == negative and row["flips"]["interval"] == "wilson"
    text = (tmp_path / "d.md").read_text()
    assert "| Negative flips [CI] | Positive flips [CI] | McNemar p |" in text
    assert f"| {negative} ({negative / 1000:.1%} [{low:.1%}, {high:.1%}])" in text


def test_predictions_tables_need_an_id_column_named_once_per_instance(tmp_path: Path) -> None:
    table = tmp_path / "a.csv"
    table.write_text("id,label,prediction\n1,a,a\n2,b,a\n2,a,a\n", encoding="utf-8")
    with pytest.raises(CardgenError, match="give --id COL"):
        load_run(table)
    with pytest.raises(CardgenError, match=r"id '2' in column 'id' appears twice \(rows 2 and 3\)"):
        load_run(table, id_column="id")
    with pytest.raises(CardgenError, match=r"no column 'key'; available columns: id, label"):
        load_run(table, id_column="key")


def test_comparison_markdown_without_flips_is_unchanged() -> None:
    from cardgen.compare import Comparison, Row

    plain = Comparison(
        "a", "b", 0.95, 0.8, None, [Row("t", "m", 0.5, 0.6, 0.1, 0.01, 0.08, 0.12, 9, False, 0.03)]
    )
    text = markdown(plain)
    assert "McNemar" not in text and text.splitlines()[-1].startswith("| t | m | 0.5000 | 0.6000 |")
