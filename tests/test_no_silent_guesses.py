"""No silent guesses: probabilities given as labels, a threshold without scores and a task
that the columns leave open are errors; every inference that remains is printed and stored.

Before: `cardgen evaluate p.csv --label y --pred prob --pos-label 1` with
probabilities in `prob` used to exit 0 with a regression evaluation, and `--pred pred
--threshold 0.7` ignored the threshold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate
from cardgen.schema import DisaggregatedEvaluation

ENGINES = ["pandas", "duckdb"]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """200 rows: a 0/1 label, a probability, a 0/1 prediction from it, a group."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 200)
    prob = np.clip(0.35 * y + rng.uniform(0, 0.65, 200), 0.001, 0.999).round(3)
    frame = pd.DataFrame(
        {"y": y, "prob": prob, "pred": (prob >= 0.5).astype(int), "g": rng.choice(["a", "b"], 200)}
    )
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    return path


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["evaluate", *args, "--n-boot", "20"])
    return result.exit_code, result.output


def test_probabilities_given_as_pred_are_an_error_that_names_score(
    table: Path, tmp_path: Path
) -> None:
    out = tmp_path / "e.json"
    code, output = _cli(
        str(table), "--label", "y", "--pred", "prob", "--pos-label", "1", "--out", str(out)
    )
    assert code == 1
    assert "--score prob --threshold T" in output and "look like scores" in output
    assert not out.exists()  # nothing half-written
    frame = pd.read_csv(table)
    for engine in ENGINES:
        with pytest.raises(CardgenError, match="--score prob --threshold T"):
            evaluate(table, label="y", pred="prob", pos_label=1, engine=engine)
    with pytest.raises(CardgenError, match="--score prob --threshold T"):
        evaluate(frame, label="y", pred="prob", task="binary")
    # string labels with two values: the same mistake, the same answer
    named = frame.assign(y=np.where(frame["y"] == 1, "yes", "no"))
    with pytest.raises(CardgenError, match="--score prob --threshold T"):
        evaluate(named, label="y", pred="prob")
    # asked for as regression, the numbers are evaluated as numeric predictions
    regression = evaluate(frame, label="y", pred="prob", task="regression", ci_method="none")
    expected = float(np.mean(np.abs(frame["y"] - frame["prob"])))
    assert regression.overall["mean_absolute_error"].value == pytest.approx(expected)
    assert regression.inferences == []


def test_threshold_with_pred_is_an_error(table: Path) -> None:
    code, output = _cli(str(table), "--label", "y", "--pred", "pred", "--threshold", "0.7")
    assert code == 1
    assert "--threshold 0.7 applies to scores" in output and "--score COLUMN" in output
    with pytest.raises(CardgenError, match="applies to scores"):
        evaluate(pd.read_csv(table), label="y", pred="pred", threshold=0.7)


def test_a_task_the_columns_leave_open_asks_for_task(table: Path) -> None:
    frame = pd.read_csv(table)
    # two label values beside predictions that are neither labels nor probabilities
    outside = frame.assign(prob=frame["prob"] * 2)
    outside.to_csv(table, index=False)
    for engine in ENGINES:
        with pytest.raises(CardgenError, match="pass --task regression"):
            evaluate(table, label="y", pred="prob", engine=engine)
    assert evaluate(outside, label="y", pred="prob", task="regression", ci_method="none").task == (
        "regression"
    )
    # whole-number labels with many values: classes or a target
    counts = pd.DataFrame({"y": [1, 2, 3, 4] * 10, "p": [1, 2, 2, 4] * 10})
    with pytest.raises(CardgenError, match=r"cannot infer the task.*pass --task"):
        evaluate(counts, label="y", pred="p")
    assert evaluate(counts, label="y", pred="p", task="multiclass", ci_method="none").task == (
        "multiclass"
    )


def test_each_inference_is_printed_and_stored(table: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.json"
    code, output = _cli(str(table), "--label", "y", "--pred", "pred", "--out", str(out))
    assert code == 0, output
    evaluation = DisaggregatedEvaluation.model_validate_json(out.read_text())
    assert [(i.option, i.value) for i in evaluation.inferences] == [
        ("task", "binary"),
        ("pos_label", "1"),
    ]
    assert evaluation.inferences[0].evidence == "the label 'y' has 2 values: 0, 1"
    assert "inferred --task binary (the label 'y' has 2 values: 0, 1)" in output
    assert "inferred --pos-label 1 (" in output

    for engine in ENGINES:
        scored = evaluate(table, label="y", score="prob", engine=engine, ci_method="none")
        assert [(i.option, i.value) for i in scored.inferences] == [
            ("task", "binary"),
            ("pos_label", "1"),
            ("threshold", "0.5"),
        ], engine
        frame = pd.read_csv(table)
        assert scored.overall["selection_rate"].value == pytest.approx(
            (frame["prob"] >= 0.5).mean()
        )

    # every choice given: nothing inferred, nothing printed
    code, output = _cli(
        str(table),
        "--label",
        "y",
        "--score",
        "prob",
        "--threshold",
        "0.5",
        "--task",
        "binary",
        "--pos-label",
        "1",
        "--out",
        str(out),
    )
    assert code == 0 and "inferred" not in output
    assert DisaggregatedEvaluation.model_validate_json(out.read_text()).inferences == []

    # the unambiguous readings that stay: non-whole labels, words as classes
    numbers = pd.DataFrame({"y": [0.5, 1.5, 3.0], "p": [0.4, 1.0, 2.0]})
    inferred = evaluate(numbers, label="y", pred="p", ci_method="none").inferences
    assert [(i.option, i.value) for i in inferred] == [("task", "regression")]
    words = pd.DataFrame({"y": ["a", "b", "c"], "p": ["a", "b", "b"]})
    inferred = evaluate(words, label="y", pred="p", ci_method="none").inferences
    assert [(i.option, i.value) for i in inferred] == [("task", "multiclass")]


def test_a_spec_with_pred_and_threshold_is_refused_at_its_line(tmp_path: Path) -> None:
    from cardgen.spec import load_spec

    spec = tmp_path / "m.yaml"
    spec.write_text(
        "kind: model\nname: m\nsources:\n  evaluate:\n    - data: p.csv\n      label: y\n"
        "      pred: pred\n      threshold: 0.7\n"
    )
    with pytest.raises(CardgenError, match=r"m\.yaml:5.*`threshold` applies to `score`"):
        load_spec(spec)
