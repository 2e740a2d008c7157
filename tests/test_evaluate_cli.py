"""`cardgen evaluate` through the command line: outputs, release gates and bad input.

Every bad input must exit 1 with a clear `error:` line and write nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.schema import DisaggregatedEvaluation

FIXTURE = Path(__file__).parent / "data" / "evaluate" / "predictions.csv"
BASE = [
    "evaluate",
    str(FIXTURE),
    "--label",
    "label",
    "--pred",
    "prediction",
    "--sensitive",
    "race",
    "--sensitive",
    "sex",
    "--n-boot",
    "50",
]
evaluate_module = importlib.import_module("cardgen.evaluate")
reading_module = importlib.import_module("cardgen.evaluate._reading")


def run(args: list[str], cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, args)
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(cli, args)


def test_writes_a_valid_evaluation_and_prints_a_summary(tmp_path):
    out = tmp_path / "eval.json"
    result = run([*BASE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    evaluation = DisaggregatedEvaluation.model_validate(data)
    assert evaluation.name == "predictions"
    assert evaluation.task == "binary" and evaluation.pos_label == "1"
    assert evaluation.details["input"] == {
        "rows": 120,
        "columns": ["label", "prediction", "race", "sex"],
    }
    ((key, digest),) = evaluation.provenance.input_sha256.items()
    # Named relative to the working folder (or by file name), never by this machine's path.
    assert digest == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert not Path(key).is_absolute() and FIXTURE.resolve().as_posix().endswith(key)
    assert evaluation.provenance.seed == 0
    assert evaluation.details["bootstrap"]["n_boot"] == 50
    missing = [g for g in evaluation.groups if g.features == {"race": "(missing)"}]
    assert missing and missing[0].n == 3 and missing[0].small
    assert "race=(missing)" in result.output and "demographic_parity_ratio" in result.output
    df = pd.read_csv(FIXTURE)
    assert evaluation.overall["accuracy"].value == (df.label == df.prediction).mean()


def test_output_is_byte_for_byte_reproducible(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run([*BASE, "--out", str(a)]).exit_code == 0
    assert run([*BASE, "--out", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_passing_requirement_exits_0_and_failing_one_exits_1(tmp_path):
    out = tmp_path / "eval.json"
    ok = run([*BASE, "--require", "accuracy>=0.5", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "PASS accuracy>=0.5" in ok.output
    failing = run(
        [
            *BASE,
            "--require",
            "demographic_parity_ratio>=0.99",
            "--require",
            "accuracy>=0.5",
            "--include-small-groups",
            "--out",
            str(out),
        ]
    )
    assert failing.exit_code == 1
    assert "error: 1 of 2 requirements failed: demographic_parity_ratio>=0.99" in failing.output
    tests = json.loads(out.read_text())["threshold_tests"]
    assert [t["passed"] for t in tests] == [False, True]


def test_undefined_requirement_counts_as_failure(tmp_path):
    result = run(
        [
            "evaluate",
            str(FIXTURE),
            "--label",
            "label",
            "--pred",
            "prediction",
            "--require",
            "precision_min>=0.1",
            "--ci-method",
            "none",
        ]
    )
    assert result.exit_code == 1
    assert "error: 1 of 1 requirement failed" in result.output


def test_score_threshold_and_wilson(tmp_path):
    out = tmp_path / "eval.json"
    result = run(
        [
            "evaluate",
            str(FIXTURE),
            "--label",
            "label",
            "--score",
            "score",
            "--threshold",
            "0.6",
            "--sensitive",
            "sex",
            "--ci-method",
            "wilson",
            "--n-boot",
            "30",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    evaluation = DisaggregatedEvaluation.model_validate_json(out.read_text())
    df = pd.read_csv(FIXTURE)
    assert evaluation.overall["selection_rate"].value == (df.score >= 0.6).mean()
    assert evaluation.overall["selection_rate"].ci_method == "wilson"
    assert evaluation.overall["roc_auc"].ci_method == "bootstrap"
    assert evaluation.threshold == 0.6 and evaluation.score_column == "score"


def test_card_option_stores_the_fact_and_applies_spec_requirements(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cards").mkdir()
    data = tmp_path / "preds.csv"
    data.write_bytes(FIXTURE.read_bytes())
    (tmp_path / "cards" / "demo.yaml").write_text(
        "kind: model\nname: demo\nsummary: A demo.\nsources:\n  evaluate:\n"
        "    - data: preds.csv\n      label: label\n      pred: prediction\n"
        "      require: [accuracy>=0.99]\n"
    )
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "preds.csv",
            "--label",
            "label",
            "--pred",
            "prediction",
            "--n-boot",
            "20",
            "--name",
            "test",
            "--card",
            "cards/demo.yaml",
        ],
    )
    assert result.exit_code == 1  # the spec's requirement fails
    assert "accuracy>=0.99" in result.output
    fact = tmp_path / ".cardgen" / "demo" / "evaluate-test.json"
    stored = DisaggregatedEvaluation.model_validate_json(fact.read_text())
    assert stored.threshold_tests[0].expression == "accuracy>=0.99"


def test_parquet_and_json_lines_give_the_same_numbers_as_csv(tmp_path, monkeypatch):
    df = pd.read_csv(FIXTURE)
    df.to_parquet(tmp_path / "p.parquet", row_group_size=25)
    df.to_json(tmp_path / "p.jsonl", orient="records", lines=True)
    monkeypatch.setattr(reading_module, "CHUNK_ROWS", 40)  # several chunks each
    outputs = []
    for name in ("p.parquet", "p.jsonl"):
        out = tmp_path / f"{name}.json"
        result = run(
            [
                "evaluate",
                str(tmp_path / name),
                "--label",
                "label",
                "--pred",
                "prediction",
                "--sensitive",
                "race",
                "--sensitive",
                "sex",
                "--ci-method",
                "none",
                "--out",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(out.read_text()))
    in_memory = evaluate_module.evaluate(
        df, label="label", pred="prediction", sensitive=["race", "sex"], ci_method="none"
    )
    expected = in_memory.model_dump(mode="json")
    for data in outputs:
        assert data["groups"] == expected["groups"]
        assert data["fairness_measures"] == expected["fairness_measures"]


# --- bad input -------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def bad_input_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    csv = write(tmp_path, "ok.csv", "y,p,s,g\n0,1,0.2,a\n1,1,0.9,b\n")
    return {
        "missing column": (
            ["evaluate", csv, "--label", "y", "--pred", "nope"],
            "no column 'nope'; available columns: y, p, s, g",
        ),
        "non-binary label": (
            [
                "evaluate",
                write(tmp_path, "three.csv", "y,p\na,a\nb,b\nc,a\n"),
                "--label",
                "y",
                "--pred",
                "p",
                "--task",
                "binary",
            ],
            "column 'y' has 3 distinct values (a, b, c); a binary task",
        ),
        "non-numeric scores": (
            [
                "evaluate",
                write(tmp_path, "s.csv", "y,s\n0,0.1\n1,high\n"),
                "--label",
                "y",
                "--score",
                "s",
            ],
            "column 's' must hold numeric scores; row 2 has 'high'",
        ),
        "all-NaN column": (
            [
                "evaluate",
                write(tmp_path, "nan.csv", "y,p,g\n0,1,\n1,1,\n"),
                "--label",
                "y",
                "--pred",
                "p",
                "--sensitive",
                "g",
            ],
            "column 'g' has no values (all 2 rows are missing)",
        ),
        "mismatched lengths": (
            [
                "evaluate",
                write(tmp_path, "ragged.csv", "y,p\n0,1\n1,1,7\n"),
                "--label",
                "y",
                "--pred",
                "p",
            ],
            "cannot read csv file",
        ),
        "empty file": (
            ["evaluate", write(tmp_path, "empty.csv", ""), "--label", "y", "--pred", "p"],
            "file is empty",
        ),
        "header only": (
            ["evaluate", write(tmp_path, "header.csv", "y,p\n"), "--label", "y", "--pred", "p"],
            "no rows to evaluate",
        ),
        "bad require": (
            [
                "evaluate",
                csv,
                "--label",
                "y",
                "--pred",
                "p",
                "--require",
                "demographic_parity_ratio >> 0.8",
            ],
            "cannot parse requirement 'demographic_parity_ratio >> 0.8'",
        ),
        "unknown require metric": (
            ["evaluate", csv, "--label", "y", "--pred", "p", "--require", "fairness>=1"],
            "unknown metric 'fairness'",
        ),
        "missing label value": (
            [
                "evaluate",
                write(tmp_path, "gap.csv", "y,p\n0,1\n,1\n"),
                "--label",
                "y",
                "--pred",
                "p",
            ],
            "column 'y' has 1 missing value, first at row 2",
        ),
        "pred and score": (
            ["evaluate", csv, "--label", "y", "--pred", "p", "--score", "s"],
            "give exactly one of --pred",
        ),
        "string labels without pos-label": (
            [
                "evaluate",
                write(tmp_path, "str.csv", "y,p\nyes,no\nno,no\n"),
                "--label",
                "y",
                "--pred",
                "p",
            ],
            "cannot tell the positive class of 'y' (values: no, yes)",
        ),
        "unknown metric": (
            ["evaluate", csv, "--label", "y", "--pred", "p", "--metric", "roc_auc"],
            "metric 'roc_auc' needs scores",
        ),
        "unknown reference": (
            [
                "evaluate",
                csv,
                "--label",
                "y",
                "--pred",
                "p",
                "--sensitive",
                "g",
                "--reference",
                "g=zzz",
            ],
            "--reference group g=zzz",
        ),
        "no such file": (
            ["evaluate", str(tmp_path / "absent.csv"), "--label", "y", "--pred", "p"],
            "no such file",
        ),
    }


CASES = [
    "missing column",
    "non-binary label",
    "non-numeric scores",
    "all-NaN column",
    "mismatched lengths",
    "empty file",
    "header only",
    "bad require",
    "unknown require metric",
    "missing label value",
    "pred and score",
    "string labels without pos-label",
    "unknown metric",
    "unknown reference",
    "no such file",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_1_with_a_clear_error_and_writes_nothing(tmp_path, case):
    args, message = bad_input_cases(tmp_path)[case]
    out = tmp_path / "out.json"
    result = run([*args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "error: " in result.output and message in result.output, result.output
    assert not out.exists()
    assert "Traceback" not in result.output


def test_python_api_rejects_mismatched_lengths():
    df = pd.DataFrame({"y": [0, 1, 1]})
    with pytest.raises(Exception, match="no column 'p'"):
        evaluate_module.evaluate(df, label="y", pred="p")
    array_df = pd.DataFrame({"y": np.array([0, 1]), "p": [1, 1]})
    assert (
        evaluate_module.evaluate(array_df, label="y", pred="p", ci_method="none")
        .overall["count"]
        .value
        == 2
    )
