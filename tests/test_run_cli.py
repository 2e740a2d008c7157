"""`cardgen run` and `cardgen probe` without the ml extra, and their documented options."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardgen.cli import cli


@pytest.mark.parametrize("command", ["run", "probe"])
def test_every_option_is_documented(command: str) -> None:
    group = cli.commands[command]
    assert group.help
    for param in group.params:
        if param.param_type_name == "option":
            assert param.help, f"{command} {param.name} has no help text"
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--device" in result.output and "--dtype" in result.output


@pytest.mark.parametrize("command", ["run", "probe"])
def test_without_torch_the_error_names_the_ml_extra(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    (tmp_path / "d.csv").write_text("text\nhello\n")
    args = (
        [command, str(tmp_path), "--data", str(tmp_path / "d.csv"), "--text-column", "text"]
        if command == "run"
        else [command, str(tmp_path)]
    )
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out.parquet")])
    assert result.exit_code == 1, result.output
    assert result.stderr == "error: torch is not installed; pip install 'cardgen[ml]'\n"
    assert not (tmp_path / "out.parquet").exists()


def test_unknown_output_type_and_device_are_refused(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("text\nhello\n")
    result = CliRunner().invoke(
        cli,
        ["run", "m.skops", "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "p.xlsx")],
    )
    assert result.exit_code == 1
    assert "p.xlsx: unknown output type; use .parquet, .csv or .jsonl" in result.stderr
    importlib.import_module("torch")
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(tmp_path),
            "--data",
            str(tmp_path / "d.csv"),
            "--text-column",
            "text",
            "--device",
            "tpu",
        ],
    )
    assert result.exit_code == 1
    assert "unknown --device 'tpu'; use auto, cpu, cuda, cuda:N or mps" in result.stderr
