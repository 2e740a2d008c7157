"""The GitHub Action and the release workflow: schema-valid, pinned, and runnable locally."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hubserver import FAIR, HubServer

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "cards.yml"


@pytest.mark.parametrize(("path", "schema"), [(ACTION, "vendor.github-actions"),
                                              (WORKFLOW, "vendor.github-workflows")])
def test_validates_against_github_schema(path: Path, schema: str) -> None:
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema,
                           str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def _uses(document: Any) -> list[str]:
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "uses" and isinstance(value, str):
                found.append(value)
            found.extend(_uses(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(_uses(item))
    return found


def test_third_party_actions_are_pinned_to_commit_shas() -> None:
    uses = _uses(yaml.safe_load(ACTION.read_text())) + _uses(yaml.safe_load(WORKFLOW.read_text()))
    remote = [u for u in uses if not u.startswith("./")]
    assert {u.split("@")[0] for u in remote} == {
        "actions/setup-python", "actions/checkout", "actions/upload-pages-artifact",
        "actions/deploy-pages"}
    for use in remote:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use), use


def test_workflow_runs_on_release_and_dispatch_and_deploys_pages() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on`
    assert triggers == {"release": {"types": ["published"]}, "workflow_dispatch": None}
    steps = workflow["jobs"]["build"]["steps"]
    assert steps[1]["uses"] == "./"
    assert steps[2]["with"]["path"] == "${{ steps.cards.outputs.site-dir }}"
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_inputs_reach_scripts_only_through_env() -> None:
    action = yaml.safe_load(ACTION.read_text())
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
    outputs = action["outputs"]
    assert set(outputs) == {"site-dir", "cards-changed", "tests-failed"}
    assert set(action["inputs"]) == {"cards", "push-to-hub", "hub-repo", "create-pr",
                                     "fail-on-threshold", "python-version"}


def _expression(text: str, inputs: dict[str, str]) -> str:
    """Evaluate the `${{ ... }}` forms action.yml uses: inputs, action_path, `==`."""
    def one(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        compare = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", expr)
        if compare:
            return "true" if inputs[compare.group(1)] == compare.group(2) else "false"
        if expr == "github.action_path":
            return str(ROOT)
        name = re.fullmatch(r"inputs\.([\w-]+)", expr)
        assert name, f"unsupported expression {expr!r}"
        return inputs[name.group(1)]
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


SPEC = """\
kind: model
name: fair-demo
summary: A small classifier whose card the action publishes.
sources:
  evaluate:
    - data: data/predictions.csv
      label: y
      pred: yhat
      sensitive: [group]
      n_boot: 50
      require: ["accuracy>=0.5"]
"""


def test_action_steps_run_locally_against_the_hub(hub: HubServer, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "repo"
    (project / "cards").mkdir(parents=True)
    (project / "cards" / "fair-demo.yaml").write_text(SPEC)
    (project / "data").mkdir()
    rows = ["y,yhat,group"] + [f"{i % 2},{i % 2 if i % 5 else 1 - i % 2},{'ab'[i % 3 == 0]}"
                               for i in range(200)]
    (project / "data" / "predictions.csv").write_text("\n".join(rows) + "\n")
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.touch()
    summary.touch()
    inputs = {"cards": "cards", "push-to-hub": "true", "hub-repo": FAIR, "create-pr": "true",
              "fail-on-threshold": "true", "python-version": "3.11"}
    action = yaml.safe_load(ACTION.read_text())
    env = {**os.environ, "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
           "HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_action_test_token",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = []
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        if "if" in step and _expression(step["if"], inputs) != "true":
            continue
        if step.get("id") == "install":
            # cardgen is installed in this test environment already; check what the step
            # would install instead of reinstalling it over the development copy.
            assert step["run"] == 'python -m pip install --quiet "$ACTION_PATH"'
            assert _expression(step["env"]["ACTION_PATH"], inputs) == str(ROOT)
            continue
        step_env = {**env, **{k: _expression(v, inputs) for k, v in step["env"].items()}}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=step_env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{step['name']}:\n{done.stdout}\n{done.stderr}"
        ran.append(step["id"])
    assert ran == ["build", "push"]
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written == {"site-dir": "site-project/public", "cards-changed": "1",
                       "tests-failed": "0"}
    assert (project / "site-project" / "public" / "index.html").is_file()
    assert summary.read_text().startswith("## cardgen build\n")
    assert "| fair-demo | model | evaluate data/predictions.csv | 2 | ✅ 1 passed |" in \
        summary.read_text()
    (commit,) = hub.commits
    assert (commit.repo_id, commit.create_pr) == (FAIR, True)
    built = project / "build" / "cards" / "fair-demo"
    # the README and the evaluation sidecar it links, as the build wrote them, in one PR
    assert commit.files == {"README.md": (built / "README.md").read_bytes(),
                            "evaluation/predictions.json":
                                (built / "evaluation" / "predictions.json").read_bytes()}
    assert commit.authorization == "Bearer hf_action_test_token"
