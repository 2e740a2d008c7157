"""`cardgen push` against the local Hub server: a pull request whose README is checked byte
for byte, direct commits, refusals, and a token that never shows.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hubserver import FAIR, HubServer
from huggingface_hub import ModelCard as HubModelCard

from cardgen.cli import cli
from cardgen.hub.collect import HubSnapshot, hub_evaluations
from cardgen.merge import load_card
from cardgen.render import render
from cardgen.schema import DisaggregatedEvaluation

SENTINEL = "hf_SENTINELpush0123456789abcdef"

SPEC = """\
name: fair
kind: model
title: Fair classifier
summary: Predicts income above 50K.
intended_use:
  primary_uses:
  - Research on fairness metrics
metadata:
  license: mit
  pipeline_tag: text-classification
quantitative_analyses:
  evaluations:
  - name: adult-test
    task: binary
    dataset:
      name: Adult
      id: scikit-learn/adult-census-income
      uri: https://huggingface.co/datasets/scikit-learn/adult-census-income
      split: test
    sensitive_features: [sex]
    overall:
      accuracy: {value: 0.85, ci_low: 0.84, ci_high: 0.86, ci_level: 0.95,
                 ci_method: bootstrap, n: 16281}
    groups:
    - features: {sex: Female}
      n: 5421
      metrics:
        accuracy: {value: 0.9}
    - features: {sex: Male}
      n: 10860
      metrics:
        accuracy: {value: 0.82}
    threshold_tests:
    - expression: accuracy>=0.8
      metric: accuracy
      operator: ">="
      threshold: 0.8
      observed: 0.85
      passed: PASSED
extra_sections:
- heading: Framework versions
  level: 2
  body: "- Transformers 4.30"
"""


def write_spec(hub_project: Path, passed: str = "true") -> Path:
    path = hub_project / "cards" / "fair.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(SPEC.replace("PASSED", passed), encoding="utf-8")
    return path


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HF_TOKEN", SENTINEL)
    return SENTINEL


def test_push_opens_a_pull_request_with_the_rendered_readme(
    hub: HubServer,
    hub_project: Path,
    token: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logging.getLogger("huggingface_hub"), "propagate", True)
    caplog.set_level(logging.DEBUG, logger="huggingface_hub")
    spec = write_spec(hub_project)
    result = CliRunner().invoke(cli, ["push", str(spec), "--repo-id", FAIR, "--endpoint", hub.url])
    assert result.exit_code == 0, result.output
    assert result.output == f"opened pull request {hub.url}/{FAIR}/discussions/1\n"
    (commit,) = hub.commits
    assert (commit.repo_id, commit.revision, commit.create_pr) == (FAIR, "main", True)
    card = load_card(spec, hub_project)
    expected = render(card, "hub").encode("utf-8")
    # The README and the full-evaluation sidecar it links arrive in the same pull request.
    (evaluation,) = card.quantitative_analyses.evaluations
    sidecar = f"evaluation/{evaluation.name}.json"
    assert set(commit.files) == {"README.md", sidecar}
    assert commit.files["README.md"] == expected
    assert f"]({sidecar})" in expected.decode("utf-8")
    schema = json.loads(
        (Path(__file__).parents[1] / "schemas" / "evaluation.schema.json").read_text()
    )
    document = json.loads(commit.files[sidecar])
    jsonschema.validate(document, schema)
    assert DisaggregatedEvaluation.model_validate(document) == evaluation
    assert commit.authorization == f"Bearer {token}"
    assert token not in result.output
    assert "(authenticated: True)" in caplog.text  # the debug log saw the request
    assert token not in caplog.text


def test_no_pr_commits_directly(hub: HubServer, hub_project: Path, token: str) -> None:
    spec = write_spec(hub_project)
    result = CliRunner().invoke(
        cli, ["push", str(spec), "--repo-id", FAIR, "--no-pr", "--endpoint", hub.url]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"committed {hub.url}/{FAIR}/commit/")
    assert hub.commits[0].create_pr is False


def test_failed_threshold_test_refuses_push_unless_forced(
    hub: HubServer, hub_project: Path, token: str
) -> None:
    spec = write_spec(hub_project, passed="false")
    runner = CliRunner()
    refused = runner.invoke(cli, ["push", str(spec), "--repo-id", FAIR, "--endpoint", hub.url])
    assert refused.exit_code == 1
    assert "error: not pushing fair (use --force to push anyway):" in refused.output
    assert "error: threshold test failed: accuracy>=0.8 (observed 0.85)" in refused.output
    assert hub.commits == []
    forced = runner.invoke(
        cli, ["push", str(spec), "--repo-id", FAIR, "--force", "--endpoint", hub.url]
    )
    assert forced.exit_code == 0, forced.output
    assert len(hub.commits) == 1


def test_invalid_card_is_refused(hub: HubServer, hub_project: Path, token: str) -> None:
    spec = hub_project / "bad.yaml"
    spec.write_text("kind: model\nname: bad\nsummray: typo\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["push", str(spec), "--repo-id", FAIR, "--force", "--endpoint", hub.url]
    )
    assert result.exit_code == 1
    assert "summray" in result.output
    assert hub.commits == []


def test_push_without_a_token_says_how_to_log_in(hub: HubServer, hub_project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["push", str(write_spec(hub_project)), "--repo-id", FAIR, "--endpoint", hub.url]
    )
    assert result.exit_code == 1
    assert result.output == (
        "error: no Hugging Face token: set the HF_TOKEN environment "
        "variable or run `hf auth login`\n"
    )


def test_push_to_a_missing_repo_names_it_without_the_token(
    hub: HubServer, hub_project: Path, token: str
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "push",
            str(write_spec(hub_project)),
            "--repo-id",
            "nobody/missing",
            "--endpoint",
            hub.url,
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: model nobody/missing not found")
    assert token not in result.output


def test_group_results_survive_the_model_index_round_trip(hub_project: Path) -> None:
    """What `push` publishes (the renderer's model-index) is what `collect hub` reads back."""
    card = load_card(write_spec(hub_project), hub_project)
    compact = render(card, "hub")
    # Compact (default): the overall headline value only; its CI level and method are
    # stated once in the dataset's args and still read back.
    (only,) = HubModelCard(compact).data.eval_results
    assert (only.metric_type, only.metric_value, only.metric_config) == ("accuracy", 0.85, None)
    snapshot = HubSnapshot(
        "o/fair",
        "o/fair",
        "model",
        None,
        "f" * 40,
        "https://huggingface.co",
        info=None,
        readme=compact.encode(),
    )
    (evaluation,) = hub_evaluations(snapshot, [])
    assert evaluation.overall["accuracy"].ci_method == "bootstrap"
    assert evaluation.overall["accuracy"].ci_level == 0.95
    assert evaluation.groups == []
    card.render.model_index = "full"
    readme = render(card, "hub")
    assert len(HubModelCard(readme).data.eval_results) == 3
    snapshot = HubSnapshot(
        "o/fair",
        "o/fair",
        "model",
        None,
        "f" * 40,
        "https://huggingface.co",
        info=None,
        readme=readme.encode(),
    )
    (evaluation,) = hub_evaluations(snapshot, [])
    assert evaluation.overall["accuracy"].value == 0.85
    assert evaluation.overall["accuracy"].ci_low == 0.84
    assert evaluation.overall["accuracy"].ci_method == "bootstrap"
    assert {g.features["sex"]: g.metrics["accuracy"].value for g in evaluation.groups} == {
        "Female": 0.9,
        "Male": 0.82,
    }
    assert evaluation.dataset is not None and evaluation.dataset.split == "test"


def test_import_collect_push_round_trip(hub: HubServer, hub_project: Path, token: str) -> None:
    """An imported card, with the Hub's results collected, is pushed with those results."""
    runner = CliRunner()
    for args in (
        ["import", f"hub:{FAIR}", "--out", "cards/fair.yaml"],
        ["collect", "hub", "--card", "cards/fair.yaml"],
        ["push", "cards/fair.yaml", "--repo-id", FAIR],
    ):
        result = runner.invoke(cli, [*args, "--endpoint", hub.url])
        assert result.exit_code == 0, result.output
    files = hub.commits[0].files
    pushed = files["README.md"].decode("utf-8")
    results = HubModelCard(pushed).data.eval_results
    by_group = {(r.metric_type, r.metric_config): r.metric_value for r in results}
    assert by_group[("accuracy", None)] == 0.85
    assert all(config is None for _, config in by_group)  # compact model-index: overall only
    # ... and the group values travel in the sidecars of the same commit.
    sidecars = [json.loads(files[n]) for n in files if n.startswith("evaluation/")]
    (groups,) = [doc["groups"] for doc in sidecars if doc["groups"]]
    assert {g["features"]["sex"]: g["metrics"]["accuracy"]["value"] for g in groups} == {
        "Female": 0.9,
        "Male": 0.82,
    }
    assert "Accuracy differs between women and men." in pushed
