"""What a new user runs into: static checks in validate, click errors, paths, spellings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hubserver import ADULT, HubServer

from cardgen.cli import cli

SPEC = """\
kind: model
name: toy
summary: A toy classifier.
sources:
  evaluate:
    - data: {data}
      label: y
      pred: yhat
      sensitive: [g]
      n_boot: 10
      metrics: {metrics}
      require: {require}
"""


def _write(
    folder: Path,
    *,
    data: str = "../data/p.csv",
    metrics: str = "[accuracy]",
    require: str = "['accuracy>=0.5']",
) -> Path:
    (folder / "cards").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    rows = "".join(
        f"{i % 2},{i % 2 if i % 4 else 1 - i % 2},{'ab'[i % 3 == 0]}\n" for i in range(60)
    )
    (folder / "data" / "p.csv").write_text("y,yhat,g\n" + rows)
    spec = folder / "cards" / "toy.yaml"
    spec.write_text(SPEC.format(data=data, metrics=metrics, require=require))
    return spec


def _line(spec: Path, text: str) -> int:
    return next(i for i, line in enumerate(spec.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            {"metrics": "[accuracy, acuracy]"},
            "sources.evaluate[0].metrics[1]: unknown metric 'acuracy'",
        ),
        (
            {"require": "['accuracy >> 0.5']"},
            "sources.evaluate[0].require[0]: cannot parse requirement 'accuracy >> 0.5'",
        ),
        (
            {"require": "['fairness>=0.8']"},
            "sources.evaluate[0].require[0]: unknown metric 'fairness'",
        ),
        (
            {"data": "../data/absent.csv"},
            "sources.evaluate[0].data: ../data/absent.csv: no such file or directory",
        ),
    ],
)
def test_validate_runs_the_static_checks_build_runs(
    tmp_path: Path, field: dict[str, str], expected: str
) -> None:
    spec = _write(tmp_path, **field)
    key = next(iter(field))
    line = _line(spec, f"{key}:")
    runner = CliRunner()
    validated = runner.invoke(cli, ["validate", str(spec)])
    assert validated.exit_code == 1
    assert f"{spec}:{line}:" in validated.output and expected in validated.output
    built = runner.invoke(cli, ["build", "--cards", str(spec.parent), "--no-site", "-q"])
    assert built.exit_code == 1 and expected in built.output


def test_valid_requirement_forms_pass(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        metrics="[accuracy, 'recall[1]']",
        require="['demographic_parity_ratio>=0.5', 'accuracy_min>0.1', "
        "'selection_rate_difference<0.9', 'recall[1]_ratio>=0']",
    )
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 0, result.output


def test_sources_resolve_from_the_spec_folder_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _write(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(spec)]).exit_code == 0
    built = runner.invoke(cli, ["build", "--cards", str(spec.parent), "--no-site", "-q"])
    assert built.exit_code == 0, built.output
    assert (elsewhere / ".cardgen" / "toy" / "evaluate-p.json").is_file()


def test_validate_counts_stored_facts_as_filled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a `sources.evaluate`, only the stored evaluation can fill the section.
    spec = tmp_path / "cards" / "toy.yaml"
    _write(tmp_path)
    spec.write_text("kind: model\nname: toy\nsummary: A toy classifier.\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    before = runner.invoke(cli, ["validate", str(spec)])
    assert "empty: quantitative_analyses.evaluations" in before.output
    stored = runner.invoke(
        cli,
        [
            "evaluate",
            "data/p.csv",
            "--label",
            "y",
            "--pred",
            "yhat",
            "--n-boot",
            "10",
            "--card",
            str(spec),
        ],
    )
    assert stored.exit_code == 0, stored.output
    after = runner.invoke(cli, ["validate", str(spec)])
    assert "empty: quantitative_analyses.evaluations" not in after.output
    assert "2/28 recommended sections" in after.output  # summary and the evaluation


def test_a_missing_path_is_no_such_file_or_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nothere")])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'nothere'}: no such file or directory"


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "x.csv", "--label", "y", "--min-group-size", "-5"],
        ["evaluate", "x.csv", "--label", "y", "--n-boot", "0"],
        ["evaluate", "x.csv", "--label", "y", "--ci", "1.5"],
        ["run", "m", "d.csv", "--batch-size", "0"],
        ["run", "m", "d.csv", "--limit", "-1"],
        ["probe", "m", "--max-length", "0"],
    ],
)
def test_bad_option_values_are_click_errors(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Error: Invalid value for" in result.output
    assert "Traceback" not in result.output and "pydantic" not in result.output


def test_type_is_model_or_data_everywhere(hub: HubServer, hub_project: Path) -> None:
    runner = CliRunner()
    for command in (["collect", "hub"], ["import"]):
        assert "[model|data]" in runner.invoke(cli, [*command, "--help"]).output
    spec = hub_project / "cards" / "adult.yaml"
    spec.parent.mkdir()
    spec.write_text("kind: data\nname: adult\n")
    new = runner.invoke(
        cli, ["collect", "hub", ADULT, "--type", "data", "--card", str(spec), "--endpoint", hub.url]
    )
    assert new.exit_code == 0, new.output
    old = runner.invoke(
        cli,
        ["collect", "hub", ADULT, "--type", "dataset", "--card", str(spec), "--endpoint", hub.url],
    )
    assert old.exit_code == 0, old.output
    assert "note: --type dataset is deprecated; use --type data" in old.stderr


def test_build_errors_name_the_spec_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _write(tmp_path)
    (tmp_path / "data" / "p.csv").write_text("y,other\n1,1\n")  # no yhat or g column
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--cards", "cards", "--no-site", "-q"])
    assert result.exit_code == 1
    line = _line(spec, "- data:")
    assert f"error: {os.path.join('cards', 'toy.yaml')}:{line}: evaluate " in result.output
    assert "no column 'yhat', 'g'" in result.output


def test_a_run_without_output_feeds_evaluate_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cardgen._paths import resolve_sources
    from cardgen.checks import static_problems
    from cardgen.spec import loads_spec

    (tmp_path / "cards").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "test.csv").write_text("x,y\n1,0\n")
    (tmp_path / "model.skops").write_text("stand-in\n")
    spec = tmp_path / "cards" / "m.yaml"
    spec.write_text(
        "kind: model\nname: m\nsources:\n  run:\n"
        "    - {model: ../model.skops, data: ../data/test.csv, label_column: y}\n"
        "  evaluate:\n    - {data: data_test.predictions.parquet, label: y, "
        "score: score}\n"
    )
    monkeypatch.chdir(tmp_path)
    card = loads_spec(spec.read_text(), str(spec))
    assert static_problems(card, spec) == []
    resolved = resolve_sources(card, spec)
    # `build` names the predictions of data/test.csv data_test.predictions.parquet.
    assert resolved.sources.evaluate[0].data == "data_test.predictions.parquet"
    assert resolved.sources.run[0].data == "data/test.csv"
    assert resolved.sources.run[0].model == "model.skops"
