"""One release gate: `evaluate`, `build` and `push --dry-run` agree on the same spec and data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.schema import ThresholdTest

SPEC = """\
kind: model
name: gate-demo
summary: A classifier whose release gate is checked by every command.
sources:
  evaluate:
    - data: ../data/predictions.csv
      label: y
      pred: yhat
      pos_label: "1"
      sensitive: [group]
      n_boot: 20
      require: ["{require}"]
"""


def _project(root: Path, require: str, constant_prediction: bool) -> Path:
    (root / "cards").mkdir(parents=True)
    (root / "data").mkdir()
    # i % 2 is the label; the prediction is right 4 times in 5, or always 0 so that
    # precision (true positives over predicted positives) is 0/0: undefined.
    predicted = [0 if constant_prediction else (i % 2 if i % 5 else 1 - i % 2) for i in range(200)]
    rows = ["y,yhat,group"] + [f"{i % 2},{predicted[i]},{'ab'[i % 3 == 0]}" for i in range(200)]
    (root / "data" / "predictions.csv").write_text("\n".join(rows) + "\n")
    spec = root / "cards" / "gate-demo.yaml"
    spec.write_text(SPEC.format(require=require))
    return spec


@pytest.mark.parametrize(
    ("require", "constant", "expected"),
    [
        ("accuracy>=0.7", False, 0),  # hand count: 160 of 200 right, accuracy 0.8
        ("accuracy>=0.9", False, 1),  # 0.8 < 0.9: failed
        ("precision>=0.5", True, 1),  # nothing predicted positive: not evaluated, so failed
    ],
)
def test_evaluate_build_and_push_dry_run_give_the_same_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, require: str, constant: bool, expected: int
) -> None:
    spec = _project(tmp_path, require, constant)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    evaluated = runner.invoke(
        cli,
        [
            "evaluate",
            "data/predictions.csv",
            "--label",
            "y",
            "--pred",
            "yhat",
            "--pos-label",
            "1",
            "--sensitive",
            "group",
            "--n-boot",
            "20",
            "--card",
            str(spec),
        ],
    )
    built = runner.invoke(cli, ["build", "--cards", "cards", "--no-site", "--quiet"])
    pushed = runner.invoke(
        cli, ["push", str(spec), "--repo-id", "org/gate-demo", "--dry-run"], env={"HF_TOKEN": ""}
    )
    codes = {
        "evaluate": evaluated.exit_code,
        "build": built.exit_code,
        "push --dry-run": pushed.exit_code,
    }
    assert codes == dict.fromkeys(codes, expected), (
        codes,
        evaluated.output,
        built.output,
        pushed.output,
    )
    if expected:
        assert require in evaluated.output and require in built.output
        assert require in pushed.output
    readme = (tmp_path / "build" / "cards" / "gate-demo" / "README.md").read_text()
    verdict = {0: "✅ **pass**", 1: "⚠️ **not evaluated**" if constant else "❌ **fail**"}[expected]
    assert f"{verdict} `{require}`" in readme


def test_a_test_that_was_not_evaluated_counts_as_failed() -> None:
    base = {
        "expression": "precision>=0.5",
        "metric": "precision",
        "operator": ">=",
        "threshold": 0.5,
    }
    assert ThresholdTest(**base, observed=0.7, passed=True).failed is False
    assert ThresholdTest(**base, observed=0.3, passed=False).failed is True
    assert ThresholdTest(**base, observed=None, passed=None).failed is True
    assert "failed" not in ThresholdTest.model_json_schema()["properties"]
