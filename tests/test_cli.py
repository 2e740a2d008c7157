"""The foundation commands driven as a user would: init, validate, schema, help."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardgen import __version__
from cardgen.cli import cli
from cardgen.completeness import completeness
from cardgen.sections import DATA_RECOMMENDED, MODEL_RECOMMENDED
from cardgen.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.mark.parametrize(
    ("kind", "recommended"), [("model", MODEL_RECOMMENDED), ("data", DATA_RECOMMENDED)]
)
def test_init_writes_a_skeleton_that_validates_as_written(
    runner: CliRunner, kind: str, recommended: tuple[str, ...]
) -> None:
    result = runner.invoke(cli, ["init", kind, "my-card"])
    assert result.exit_code == 0, result.output
    spec = Path("cards/my-card.yaml")
    text = spec.read_text(encoding="utf-8")
    assert text.startswith(f"# {'Model' if kind == 'model' else 'Data'} card spec for `my-card`")
    assert text.count("\n  # ") > 20  # every field carries its explanation
    card = load_spec(spec)
    assert (card.kind, card.name) == (kind, "my-card")
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    total = len(recommended)
    assert (
        f"cards/my-card.yaml: valid, {kind} card, 0% complete (0/{total} recommended"
        in result.output
    )
    assert result.output.count("  empty: ") == total


def test_init_refuses_to_overwrite_and_names_the_file(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["init", "model", "m"]).exit_code == 0
    Path("cards/m.yaml").write_text("kind: model\nname: m\nsummary: mine\n")
    result = runner.invoke(cli, ["init", "model", "m"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: cards/m.yaml: already exists; pass --force to overwrite it"
    )
    assert Path("cards/m.yaml").read_text() == "kind: model\nname: m\nsummary: mine\n"
    assert runner.invoke(cli, ["init", "model", "m", "--force"]).exit_code == 0
    assert "summary: mine" not in Path("cards/m.yaml").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["init", "model", "bad name"],
        ["init", "robot", "x"],
        ["init"],
        ["validate", "--min-completeness", "120"],
        ["no-such-command"],
    ],
)
def test_wrong_usage_exits_2(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert not Path("cards").exists()


def test_completeness_counts_filled_sections(runner: CliRunner) -> None:
    Path("cards").mkdir()
    Path("cards/m.yaml").write_text(
        "kind: model\nname: m\nsummary: A model.\nmetadata:\n  license: mit\n"
        "intended_use:\n  primary_uses: [x]\n  out_of_scope_uses: []\n"
        "sources:\n  evaluate:\n    - {data: p.csv, label: y, pred: yhat}\n"
    )
    Path("cards/p.csv").write_text("y,yhat\n1,1\n")
    card = load_spec("cards/m.yaml")
    report = completeness(card)
    # summary, metadata.license, intended_use.primary_uses, quantitative analyses via a source
    assert report.filled == (
        "summary",
        "metadata.license",
        "intended_use.primary_uses",
        "quantitative_analyses.evaluations",
    )
    assert report.percent == pytest.approx(100 * 4 / len(MODEL_RECOMMENDED))
    result = runner.invoke(cli, ["validate", "cards/m.yaml"])
    assert "14% complete (4/28 recommended sections)" in result.output
    assert "  empty: intended_use.out_of_scope_uses" in result.output
    below = runner.invoke(cli, ["validate", "--min-completeness", "20", "cards"])
    assert below.exit_code == 1
    assert "cards/m.yaml: below --min-completeness" in below.output
    assert runner.invoke(cli, ["validate", "--min-completeness", "14"]).exit_code == 0


def test_validate_reports_each_file_and_fails_if_any_fails(runner: CliRunner) -> None:
    Path("cards").mkdir()
    Path("cards/a.yaml").write_text("kind: data\nname: a\n")
    Path("cards/b.yml").write_text("kind: data\nname: b\nmotivaton: {}\n")
    Path("cards/notes.txt").write_text("not a spec")
    result = runner.invoke(cli, ["validate", "cards"])
    assert result.exit_code == 1
    assert "cards/a.yaml: valid, data card, 0% complete" in result.output
    assert result.stderr.splitlines() == [
        "cards/b.yml:3:1: motivaton: unknown field 'motivaton'; did you mean 'motivation'? "
        "(free-form additions go under `extra:`)"
    ]
    assert result.output.endswith("2 specs checked, 1 failed\n")


def _example_project(folder: Path) -> Path:
    """The examples' specs with stand-ins for the inputs `cardgen demo` lays out beside them."""
    shutil.copytree(ROOT / "examples" / "cards", folder / "cards")
    for name in ("data/adult-train.csv", "data/adult-test.csv", "models/adult-income.skops"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("stand-in\n")
    return folder / "cards"


def test_examples_validate(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["validate", str(_example_project(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "adult.yaml: valid, data card, 100% complete" in result.output


def test_examples_without_their_inputs_name_each_missing_file(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", str(ROOT / "examples" / "cards")])
    assert result.exit_code == 1
    spec = ROOT / "examples" / "cards" / "adult-income.yaml"
    line = spec.read_text().splitlines().index("    - model: ../models/adult-income.skops") + 1
    assert (
        f"{spec}:{line}:14: sources.run[0].model: ../models/adult-income.skops: no such "
        "file or directory"
    ) in result.output
    assert "sources.evaluate[0].data" not in result.output  # the run step writes it


def test_schema_command_writes_and_checks(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["schema", "--out", "out"])
    assert result.exit_code == 0
    assert sorted(p.name for p in Path("out").iterdir()) == [
        "data-card.schema.json",
        "dataset-profile.schema.json",
        "evaluation.schema.json",
        "governance-card.schema.json",
        "model-card.schema.json",
        "provenance.schema.json",
        "verification.schema.json",
    ]
    assert runner.invoke(cli, ["schema", "--check", "--out", "out"]).exit_code == 0
    Path("out/evaluation.schema.json").write_text("{}")
    result = runner.invoke(cli, ["schema", "--check", "--out", "out"])
    assert result.exit_code == 1
    assert "out: out of date: evaluation.schema.json" in result.stderr
    Path("file").write_text("x")
    result = runner.invoke(cli, ["schema", "--out", "file"])
    assert result.exit_code == 2  # click refuses a file where a folder is expected


def test_help_documents_every_command_and_option() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for name, command in cli.commands.items():
        assert name in top.output
        assert command.help, f"{name} has no help text"
        for param in command.params:
            if isinstance(param, __import__("click").Option):
                assert param.help, f"{name} {param.name} has no help text"


def test_version_and_python_dash_m(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["--version"]).output == f"cardgen, version {__version__}\n"
    done = subprocess.run(
        [sys.executable, "-m", "cardgen", "validate", str(_example_project(tmp_path)), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
