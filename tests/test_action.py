"""The GitHub Action and the release workflow: schema-valid, pinned, and runnable locally."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from actionrunner import Run, base_env, evaluate, interpolate, run_steps
from hubserver import FAIR, HubServer

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "cards.yml"


@pytest.mark.parametrize(
    ("path", "schema"), [(ACTION, "vendor.github-actions"), (WORKFLOW, "vendor.github-workflows")]
)
def test_validates_against_github_schema(path: Path, schema: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
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
        "actions/setup-python",
        "actions/checkout",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }
    for use in remote:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use), use


def test_workflow_runs_on_release_and_dispatch_and_deploys_pages() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on`
    assert triggers == {"release": {"types": ["published"]}, "workflow_dispatch": None}
    steps = {step.get("id", step.get("uses")): step for step in workflow["jobs"]["build"]["steps"]}
    assert steps["cards"]["uses"] == "./"
    upload = next(s for s in steps.values() if "upload-pages-artifact" in s.get("uses", ""))
    assert "steps.cards.outputs.site-dir" in upload["with"]["path"]
    assert upload["if"] == "${{ !cancelled() }}"
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_inputs_reach_scripts_only_through_env() -> None:
    action = yaml.safe_load(ACTION.read_text())
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
    outputs = action["outputs"]
    assert set(outputs) == {"site-dir", "cards-changed", "tests-failed"}
    assert set(action["inputs"]) == {
        "cards",
        "push-to-hub",
        "hub-repo",
        "create-pr",
        "fail-on-threshold",
        "engine",
        "bom",
        "site-builder",
        "python-version",
        "compare-baseline",
        "compare-new",
        "max-regression",
        "max-negative-flip-rate",
        "github-token",
        "verify",
        "verify-args",
    }


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


def _action_context(inputs: dict[str, str], event: str = "workflow_dispatch") -> dict[str, Any]:
    context: dict[str, Any] = {f"inputs.{k}": v for k, v in inputs.items()}
    context.update(
        {
            "github.action_path": str(ROOT),
            "github.event_name": event,
            "github.token": "ghs_runner_token",
            "github.event.release.tag_name": "v1.0",
        }
    )
    return context


def _skip_install(step: dict[str, Any]) -> bool:
    """cardgen is installed in this test environment already: check what the install step
    would install instead of reinstalling it over the development copy."""
    if step.get("id") != "install":
        return False
    assert (
        'python -m pip install --quiet "$target"' in step["run"]
        or step["run"] == "python -m pip install --quiet ."
    )
    return True


@pytest.mark.parametrize(
    ("engine", "builder", "target"),
    [
        ("auto", "mkdocs", ""),
        ("duckdb", "mkdocs", "[duckdb]"),
        ("spark", "mkdocs", "[spark]"),
        ("auto", "zensical", "[zensical]"),
        ("duckdb", "zensical", "[duckdb,zensical]"),
    ],
)
def test_install_step_installs_the_engine_and_site_builder_extras(
    engine: str, builder: str, target: str, tmp_path: Path
) -> None:
    (step,) = [
        s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "install"
    ]
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "python").write_text('#!/bin/sh\necho "$@" > "$PIP_ARGS"\n')
    (stub / "python").chmod(0o755)
    (stub / "java").write_text("#!/bin/sh\n")  # Java is there: nothing to apt-get
    (stub / "java").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{stub}{os.pathsep}{os.environ['PATH']}",
        "PIP_ARGS": str(tmp_path / "pip_args"),
        "ACTION_PATH": str(ROOT),
        "ENGINE": engine,
        "SITE_BUILDER": builder,
    }
    subprocess.run(["bash", "-e", "-c", step["run"]], env=env, check=True)
    assert (tmp_path / "pip_args").read_text().split() == [
        "-m",
        "pip",
        "install",
        "--quiet",
        f"{ROOT}{target}",
    ]
    wrong = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env={**env, "SITE_BUILDER": "hugo"},
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 1
    assert "site-builder must be mkdocs or zensical, not 'hugo'" in wrong.stderr


def run_action(
    inputs: dict[str, str],
    *,
    cwd: Path,
    env: dict[str, str],
    tmp: Path,
    event: str = "workflow_dispatch",
) -> tuple[Run, dict[str, str]]:
    """Run action.yml's steps with `inputs`; returns the run and the action's outputs."""
    action = yaml.safe_load(ACTION.read_text())
    defaults = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    context = _action_context({**defaults, **inputs}, event)
    assert interpolate("${{ github.action_path }}", context) == str(ROOT)
    run = run_steps(
        action["runs"]["steps"],
        context,
        cwd=cwd,
        env=env,
        output_file=tmp / "github_output",
        skip=_skip_install,
        uses=lambda step, ctx: None,
    )  # setup-python: this Python is on PATH
    outputs = {k: interpolate(v["value"], context) for k, v in action["outputs"].items()}
    return run, outputs


def test_action_steps_run_locally_against_the_hub(hub: HubServer, tmp_path: Path) -> None:
    project = tmp_path / "repo"
    (project / "cards").mkdir(parents=True)
    (project / "cards" / "fair-demo.yaml").write_text(SPEC)
    (project / "data").mkdir()
    rows = ["y,yhat,group"] + [
        f"{i % 2},{i % 2 if i % 5 else 1 - i % 2},{'ab'[i % 3 == 0]}" for i in range(200)
    ]
    (project / "data" / "predictions.csv").write_text("\n".join(rows) + "\n")
    env = base_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN="hf_action_test_token")
    inputs = {
        "cards": "cards",
        "push-to-hub": "true",
        "hub-repo": FAIR,
        "create-pr": "true",
        "fail-on-threshold": "true",
        "engine": "duckdb",
        "site-builder": "zensical",
        "python-version": "3.11",
        "compare-baseline": "",
        "compare-new": "",
        "max-regression": "",
        "github-token": "",
    }
    run, outputs = run_action(inputs, cwd=project, env=env, tmp=tmp_path)
    assert run.failed_step is None, run.logs
    assert run.ran == ["compare", "build", "push"]  # compare without a baseline does nothing
    assert outputs == {"site-dir": "site-project/public", "cards-changed": "1", "tests-failed": "0"}
    home = (project / "site-project" / "public" / "index.html").read_text()
    assert '<meta name="generator" content="zensical-' in home  # the site-builder input
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## cardgen build\n")
    assert "| fair-demo | model | evaluate data/predictions.csv | 2 | ✅ 1 passed |" in summary
    fact = json.loads(
        (project / ".cardgen" / "fair-demo" / "evaluate-predictions.json").read_text()
    )
    assert fact["provenance"]["engine"].startswith("duckdb ")
    (commit,) = hub.commits
    assert (commit.repo_id, commit.create_pr) == (FAIR, True)
    built = project / "build" / "cards" / "fair-demo"
    # the README and the evaluation sidecar it links, as the build wrote them, in one PR
    assert commit.files == {
        "README.md": (built / "README.md").read_bytes(),
        "evaluation/predictions.json": (built / "evaluation" / "predictions.json").read_bytes(),
    }
    assert commit.authorization == "Bearer hf_action_test_token"


def _fresh_clone(folder: Path) -> Path:
    """The repository's tracked files as they are now: what actions/checkout gives the job."""
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def _fake_gh(folder: Path) -> Path:
    """A `gh` that records its arguments and the archive's member names."""
    folder.mkdir()
    script = folder / "gh"
    script.write_text(
        f'#!/bin/bash\necho "$*" >> {folder / "calls"}\ntar -tzf "$4" >> {folder / "members"}\n'
    )
    script.chmod(0o755)
    return folder


@pytest.mark.slow
def test_the_shipped_workflow_passes_from_a_fresh_clone(hub: HubServer, tmp_path: Path) -> None:
    event = "release"
    repo = _fresh_clone(tmp_path / "clone")
    gh = _fake_gh(tmp_path / "bin")
    env = base_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN="")
    env["PATH"] = f"{gh}{os.pathsep}{env['PATH']}"
    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["build"]
    context: dict[str, Any] = {"github.event_name": event, "secrets.HF_TOKEN": ""}
    uploaded: list[Path] = []

    def uses(step: dict[str, Any], ctx: dict[str, Any]) -> dict[str, str] | None:
        if step["uses"] == "./":
            inputs = {k: interpolate(str(v), ctx) for k, v in step["with"].items()}
            run, outputs = run_action(inputs, cwd=repo, env=env, tmp=tmp_path, event=event)
            assert run.failed_step is None, run.logs
            return outputs
        if step["uses"].startswith("actions/upload-pages-artifact@"):
            uploaded.append(repo / interpolate(step["with"]["path"], ctx))
            return {}
        return None  # checkout (the clone is there) and setup-python (this Python)

    run = run_steps(
        job["steps"],
        context,
        cwd=repo,
        env=env,
        output_file=tmp_path / "github_output",
        uses=uses,
        skip=_skip_install,
    )
    assert run.failed_step is None, run.logs
    assert run.ran == ["example", "cards", job["steps"][-1]["uses"]]
    # The example's four-fifths-rule test fails by design; the job still passes and the
    # site is uploaded.
    assert context["steps.cards.outputs.tests-failed"] == "1"
    (site,) = uploaded
    assert site == repo / "site-project" / "public" and (site / "index.html").is_file()
    calls = (gh / "calls").read_text().splitlines()
    assert len(calls) == 1 and calls[0].startswith("release upload v1.0 ")
    assert calls[0].endswith("/cards-v1.0.tar.gz --clobber")
    members = (gh / "members").read_text().split()
    assert {
        "cards/adult-income/README.md",
        "cards/adult/README.md",
        "cards/adult/croissant.json",
    } <= set(members)


def test_cards_are_attached_on_a_release_only() -> None:
    action = yaml.safe_load(ACTION.read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "release"]
    condition = step["if"].removeprefix("${{").removesuffix("}}")
    assert evaluate(condition, _action_context({}, "release")) is True
    assert evaluate(condition, _action_context({}, "workflow_dispatch")) is False
    assert evaluate(condition, _action_context({}, "push")) is False


def test_fail_on_threshold_builds_the_site_and_summary_then_fails_last(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    (project / "cards").mkdir(parents=True)
    (project / "cards" / "fair-demo.yaml").write_text(
        SPEC.replace("accuracy>=0.5", "accuracy>=0.99")
    )
    (project / "data").mkdir()
    rows = ["y,yhat,group"] + [
        f"{i % 2},{i % 2 if i % 5 else 1 - i % 2},{'ab'[i % 3 == 0]}" for i in range(200)
    ]
    (project / "data" / "predictions.csv").write_text("\n".join(rows) + "\n")
    env = base_env(tmp_path)
    run, outputs = run_action(
        {"cards": "cards", "fail-on-threshold": "true"}, cwd=project, env=env, tmp=tmp_path
    )
    assert run.ran == ["compare", "build", "gate"] and run.failed_step == "gate"
    assert "1 threshold test(s) failed" in run.logs["gate"]
    assert outputs["tests-failed"] == "1"
    home = (project / "site-project" / "public" / "index.html").read_text()
    assert '<meta name="generator" content="mkdocs-' in home  # site-builder's default
    assert "accuracy>=0.99" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    passing, _ = run_action(
        {"cards": "cards", "fail-on-threshold": "false", "bom": "cyclonedx, spdx"},
        cwd=project,
        env=env,
        tmp=tmp_path,
    )
    assert passing.failed_step is None and passing.ran == ["compare", "build"]
    # the `bom` input: both bills of materials beside the card
    built = project / "build" / "cards" / "fair-demo"
    assert json.loads((built / "bom.cdx.json").read_text())["specVersion"] == "1.6"
    assert "spdx-context.jsonld" in json.loads((built / "bom.spdx.json").read_text())["@context"]


VERIFIED_SPEC = SPEC.replace("pred: yhat", "pred: prediction")


def _verify_project(project: Path, claimed_accuracy: float | None) -> None:
    (project / "cards").mkdir(parents=True)
    (project / "cards" / "fair-demo.yaml").write_text(VERIFIED_SPEC)
    (project / "data").mkdir()
    rows = ["y,prediction,group"] + [
        f"{i % 2},{i % 2 if i % 5 else 1 - i % 2},{'ab'[i % 3 == 0]}" for i in range(200)
    ]
    (project / "data" / "predictions.csv").write_text("\n".join(rows) + "\n")
    if claimed_accuracy is not None:
        (project / "claims").mkdir()
        claims = {
            "model-index": [
                {
                    "name": "fair-demo",
                    "results": [
                        {
                            "task": {"type": "tabular-classification"},
                            "dataset": {"name": "predictions.csv", "type": "predictions.csv"},
                            "metrics": [{"type": "accuracy", "value": claimed_accuracy}],
                        }
                    ],
                }
            ]
        }
        (project / "claims" / "README.md").write_text(f"---\n{yaml.safe_dump(claims)}---\n")


@pytest.mark.parametrize(
    ("card", "claimed", "failed"),
    [
        ("build/cards/fair-demo/README.md", None, False),  # the card's own claims hold
        ("claims/README.md", 0.95, True),  # 0.8 measured: discrepant, nothing is pushed
    ],
)
def test_verify_input_checks_the_release_card_before_pushing(
    hub: HubServer, tmp_path: Path, card: str, claimed: float | None, failed: bool
) -> None:
    project = tmp_path / "repo"
    _verify_project(project, claimed)
    env = base_env(tmp_path, HF_ENDPOINT=hub.url, HF_TOKEN="hf_action_test_token")
    inputs = {
        "cards": "cards",
        "push-to-hub": "true",
        "hub-repo": FAIR,
        "verify": card,
        "verify-args": "--predictions *=data/predictions.csv --label-column y --n-boot 100",
    }
    run, _ = run_action(inputs, cwd=project, env=env, tmp=tmp_path)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "## cardgen verify" in summary
    if failed:
        assert run.failed_step == "verify" and run.ran == ["compare", "build", "verify"]
        assert "error: 1 claim discrepant" in run.logs["verify"]
        assert "❌ discrepant" in summary and hub.commits == []
    else:
        assert run.failed_step is None, run.logs
        assert run.ran == ["compare", "build", "verify", "push"]
        assert "6 claims: 6 consistent, 0 discrepant, 0 unverifiable" in summary
        assert len(hub.commits) == 1
