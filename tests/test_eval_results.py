"""`.eval_results/*.yaml`: the Hub's documented fields, written by render and build, pushed in
the README's pull request, and read back by `cardgen collect hub` (local test Hub)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hubserver import FAIR, HubServer
from huggingface_hub import EvalResultEntry, parse_eval_result_entries
from lm_harness_runs import lm_eval_outputs

from cardgen.cli import cli
from cardgen.collect.lm_eval import read_lm_eval
from cardgen.hub.eval_results import (
    format_notes,
    metric_from_entry,
    parse_notes,
    validate_entry,
)
from cardgen.merge import load_card
from cardgen.render import render

SENTINEL = "hf_SENTINELevalresults0123456789"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return lm_eval_outputs(tmp_path_factory)


@pytest.fixture
def project(runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model card whose LM evaluations were collected from the harness run."""
    monkeypatch.chdir(tmp_path)
    Path("cards").mkdir()
    Path("cards/tiny-lm.yaml").write_text(
        f"kind: model\nname: tiny-lm\nsources:\n  hub:\n    repo_id: {FAIR}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli,
        [
            "collect",
            "lm-eval",
            str(runs["base"]),
            "--card",
            "cards/tiny-lm.yaml",
            "--dataset-id",
            "cardgen/tinyqa",
        ],
    )
    assert result.exit_code == 0, result.output
    return tmp_path


def test_render_writes_entries_with_the_documented_fields(project: Path, runs: dict) -> None:
    result = CliRunner().invoke(cli, ["render", "cards/tiny-lm.yaml", "--out", "out/README.md"])
    assert result.exit_code == 0, result.output
    files = sorted(Path("out/.eval_results").glob("*.yaml"))
    assert [f.name for f in files] == ["tinygroup.yaml", "tinyqa.yaml"]
    data = yaml.safe_load(files[1].read_text(encoding="utf-8"))
    (entry,) = data
    # exactly the Hub's fields: huggingface_hub parses it back into the same entry
    assert set(entry) <= {"dataset", "value", "verifyToken", "date", "source", "notes"}
    assert validate_entry(entry) == []
    (parsed,) = parse_eval_result_entries(data)
    assert {f.name for f in dataclasses.fields(EvalResultEntry)} >= {"dataset_id", "task_id"}
    assert (parsed.dataset_id, parsed.task_id) == ("cardgen/tinyqa", "tinyqa")
    raw = json.loads(next(runs["base"].rglob("results_*.json")).read_text(encoding="utf-8"))
    assert parsed.value == raw["results"]["tinyqa"]["acc,none"]
    assert parsed.source_url == f"https://huggingface.co/{FAIR}"
    notes = parse_notes(parsed.notes)
    assert notes["se"] == raw["results"]["tinyqa"]["acc_stderr,none"] or notes[
        "se"
    ] == pytest.approx(raw["results"]["tinyqa"]["acc_stderr,none"], rel=1e-12)
    assert (notes["metric"], notes["n"], notes["shots"], notes["ci_method"]) == (
        "acc",
        36,
        0,
        "clt",
    )
    # the body shows the table and the folded record; model-index the headline number
    readme = Path("out/README.md").read_text(encoding="utf-8")
    assert "| Task | Metric | Value ± SE |" in readme
    assert "<details><summary>Evaluation record</summary>" in readme
    assert "| task_hash | " + raw["task_hashes"]["tinyqa"] + " |" in readme
    front = readme.split("\n---\n", 1)[0]
    assert "- type: acc\n" in front and "type: acc_norm" not in front
    # same inputs, same bytes: a second render changes nothing
    before = {f: f.read_bytes() for f in files}
    again = CliRunner().invoke(cli, ["render", "cards/tiny-lm.yaml", "--out", "out/README.md"])
    assert again.exit_code == 0 and "wrote out/.eval_results" not in again.output
    assert {f: f.read_bytes() for f in files} == before


def test_notes_round_trip_and_foreign_notes() -> None:
    from cardgen.schema import MetricValue

    value = MetricValue(
        value=0.5, se=0.1, ci_low=0.304, ci_high=0.696, ci_level=0.95, ci_method="clustered", n=40
    )
    notes = format_notes("acc", value, 5, "lm-evaluation-harness 0.4.13")
    name, back = metric_from_entry("mmlu", 0.5, notes)
    assert name == "mmlu (acc)"
    assert back == value
    assert metric_from_entry("mmlu", 0.5, "5-shot") is None
    assert parse_notes("cardgen: n=many") is None


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"dataset": {"id": "json", "task_id": "t"}, "value": 1}, "dataset.id must be a Hub"),
        ({"dataset": {"id": "a/b"}, "value": 1}, "dataset.task_id must be"),
        ({"dataset": {"id": "a/b", "task_id": "t"}, "value": float("nan")}, "finite number"),
        ({"dataset": {"id": "a/b", "task_id": "t"}, "value": 1, "score": 2}, "unknown field"),
        ({"dataset": {"id": "a/b", "task_id": "t"}, "value": 1, "date": "yesterday"}, "ISO 8601"),
        (
            {"dataset": {"id": "a/b", "task_id": "t"}, "value": 1, "source": {"name": "x"}},
            "source needs a url",
        ),
    ],
)
def test_invalid_entries_are_named(entry: dict, problem: str) -> None:
    assert any(problem in p for p in validate_entry(entry))


def test_push_sends_readme_and_entries_in_one_pull_request(
    project: Path, hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", SENTINEL)
    result = CliRunner().invoke(cli, ["push", "cards/tiny-lm.yaml", "--endpoint", hub.url])
    assert result.exit_code == 0, result.output
    (commit,) = hub.commits
    assert commit.create_pr
    card = load_card("cards/tiny-lm.yaml")
    assert commit.files["README.md"] == render(card, "hub").encode("utf-8")
    assert set(commit.files) == {
        "README.md",
        ".eval_results/tinygroup.yaml",
        ".eval_results/tinyqa.yaml",
        "evaluation/tinygroup.json",
        "evaluation/tinyqa.json",
    }
    CliRunner().invoke(cli, ["render", "cards/tiny-lm.yaml", "--out", "out/README.md"])
    assert (
        commit.files[".eval_results/tinyqa.yaml"]
        == Path("out/.eval_results/tinyqa.yaml").read_bytes()
    )


def test_round_trip_through_collect_hub(
    project: Path, hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", SENTINEL)
    pushed = CliRunner().invoke(
        cli, ["push", "cards/tiny-lm.yaml", "--no-pr", "--endpoint", hub.url]
    )
    assert pushed.exit_code == 0, pushed.output
    Path("cards/back.yaml").write_text("kind: model\nname: back\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["collect", "hub", FAIR, "--card", "cards/back.yaml", "--endpoint", hub.url]
    )
    assert result.exit_code == 0, result.output
    stored = json.loads(Path(".cardgen/back/hub-evaluations.json").read_text(encoding="utf-8"))
    (evaluation,) = [
        e for e in stored["evaluations"] if e["details"].get("hub_source") == ".eval_results"
    ]
    original = load_card("cards/tiny-lm.yaml").quantitative_analyses.evaluations
    expected = {
        f"{e.record.task} (acc)": e.overall["acc"].model_dump(mode="json") for e in original
    }
    assert evaluation["dataset"]["name"] == "cardgen/tinyqa"
    assert evaluation["overall"] == expected
    # the README's model-index carries the headline numbers with SE, CI and n as well
    (index,) = [
        e
        for e in stored["evaluations"]
        if e["details"].get("hub_source") == "model-index" and e["dataset"].get("split") == "test"
    ]
    headline = original[1].overall["acc"]
    assert index["overall"]["acc"]["se"] == headline.se
    assert index["overall"]["acc"]["ci_method"] == "clt"
    assert (index["overall"]["acc"]["ci_low"], index["overall"]["acc"]["n"]) == (
        headline.ci_low,
        headline.n,
    )


def test_build_writes_entries_and_fails_on_a_regression(
    runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(runs["base"], "base")
    shutil.copytree(runs["new"], "new")
    Path("cards").mkdir()
    comparison_base = read_lm_eval("base").task("tinyqa").evaluation.overall["acc"]
    comparison_new = read_lm_eval("new").task("tinyqa").evaluation.overall["acc"]
    worse = comparison_new.value < comparison_base.value
    (baseline, new) = ("base", "new") if worse else ("new", "base")
    Path("cards/lm.yaml").write_text(
        "kind: model\nname: lm\nsources:\n  lm_eval:\n"
        f"  - path: {new}\n    dataset_id: cardgen/tinyqa\n    baseline: {baseline}\n"
        "    max_regression: 0.0\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["build", "--no-site", "-q"])
    assert Path("build/cards/lm/.eval_results/tinyqa.yaml").is_file()
    card = load_card("cards/lm.yaml")
    (tinyqa,) = [e for e in card.quantitative_analyses.evaluations if e.name == "tinyqa"]
    tests = {t.metric: t for t in tinyqa.threshold_tests}
    acc = tests["acc difference to baseline (CI lower bound)"]
    rows = tinyqa.details["baseline_comparison"]["rows"]
    assert acc.observed == next(r["ci_low"] for r in rows if r["metric"] == "acc")
    # a strictly lower mean has a CI lower bound below 0: the gate fails the build
    assert acc.passed is False
    assert result.exit_code == 1
    assert "FAILED ci_low(acc new - baseline) >= -0" in result.output
