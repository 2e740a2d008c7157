"""`cardgen build`: collectors run only when inputs change, outputs, CI reporting."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cardgen.build import build
from cardgen.cli import cli

SPEC = """\
kind: model
name: toy
summary: A toy classifier.
sources:
  evaluate:
    - data: data/predictions.csv
      label: y
      pred: yhat
      sensitive: [group]
      n_boot: 50
      require: ["{requirement}"]
"""


def _project(root: Path, requirement: str = "accuracy>=0.5") -> None:
    rng = np.random.default_rng(7)
    n = 400
    group = rng.choice(["a", "b"], size=n)
    y = rng.integers(0, 2, size=n)
    # group a is predicted well, group b at chance: a real gap to report
    yhat = np.where(group == "a", y, rng.integers(0, 2, size=n))
    (root / "data").mkdir(parents=True)
    pd.DataFrame({"y": y, "yhat": yhat, "group": group}).to_csv(
        root / "data" / "predictions.csv", index=False
    )
    (root / "cards").mkdir()
    (root / "cards" / "toy.yaml").write_text(SPEC.format(requirement=requirement))


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_second_build_does_no_work_and_changes_no_file(tmp_path: Path) -> None:
    _project(tmp_path)
    first = build("cards", root=tmp_path, site_project=None, progress=False)
    assert first.cards[0].ran == ["evaluate data/predictions.csv"]
    assert {p.name for p in first.cards[0].changed} == {"README.md", "card.json"}
    before = _snapshot(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    second = build("cards", root=tmp_path, site_project=None, progress=False)
    assert second.cards[0].ran == []
    assert second.cards[0].cached == ["evaluate data/predictions.csv"]
    assert second.cards_changed == 0
    assert _snapshot(tmp_path) == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    # a changed input runs the step again
    csv = tmp_path / "data" / "predictions.csv"
    csv.write_text(csv.read_text().replace("\n1,1,a\n", "\n0,1,a\n", 1))
    third = build("cards", root=tmp_path, site_project=None, progress=False)
    assert third.cards[0].ran == ["evaluate data/predictions.csv"]


def test_rendered_card_holds_the_evaluation(tmp_path: Path) -> None:
    _project(tmp_path)
    build("cards", root=tmp_path, site_project=None, progress=False)
    readme = (tmp_path / "build" / "cards" / "toy" / "README.md").read_text()
    frame = pd.read_csv(tmp_path / "data" / "predictions.csv")
    accuracy = (frame.y == frame.yhat).mean()
    assert f"| accuracy | {accuracy:.3f} [" in readme
    assert "- ✅ **pass** `accuracy>=0.5`: observed" in readme
    assert (tmp_path / "build" / "cards" / "toy" / "evaluation").is_dir()  # the sidecar


def test_failed_threshold_test_fails_the_build_unless_no_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, requirement="accuracy_difference<=0.1")
    monkeypatch.chdir(tmp_path)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    result = CliRunner().invoke(cli, ["build", "--no-site", "-q"], env=env)
    assert result.exit_code == 1, result.output
    assert (
        "toy: ran 1 step, 0 unchanged; 2 files written; 1 of 1 threshold test "
        "FAILED" in result.output
    )
    assert outputs.read_text() == "site-dir=\ncards-changed=1\ntests-failed=1\n"
    text = summary.read_text()
    assert text.startswith("## cardgen build\n")
    assert "| toy | model | evaluate data/predictions.csv | 2 | ❌ 1 of 1 failed |" in text
    assert "- **toy**: `accuracy_difference<=0.1` (observed" in text
    again = CliRunner().invoke(cli, ["build", "--no-site", "-q", "--no-fail"], env=env)
    assert again.exit_code == 0
    assert "toy: ran 0 steps, 1 unchanged; 0 files written" in again.output


def test_invalid_spec_stops_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    (tmp_path / "cards" / "bad.yaml").write_text("kind: model\nname: bad\nsumary: x\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--no-site"])
    assert result.exit_code == 1
    assert "cards/bad.yaml:3:1: sumary: unknown field 'sumary'" in result.stderr
    assert not (tmp_path / ".cardgen").exists()
    assert not (tmp_path / "build").exists()


def test_duplicate_card_names_are_refused(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "cards" / "copy.yaml").write_text((tmp_path / "cards" / "toy.yaml").read_text())
    from cardgen.errors import CardgenError

    with pytest.raises(CardgenError, match="card name 'toy' is also used by"):
        build("cards", root=tmp_path, site_project=None, progress=False)


def test_missing_input_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    (tmp_path / "data" / "predictions.csv").unlink()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--no-site"])
    assert result.exit_code == 1
    assert "predictions.csv" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_switching_the_site_builder_rebuilds_an_unchanged_site(tmp_path: Path) -> None:
    pytest.importorskip("zensical", reason="pip install 'cardgen[zensical]' (Python 3.11+)")
    _project(tmp_path)
    home = tmp_path / "site-project" / "public" / "index.html"
    first = build("cards", root=tmp_path, progress=False)
    assert first.site_rebuilt and 'content="mkdocs-' in home.read_text()
    switched = build("cards", root=tmp_path, progress=False, site_builder="zensical")
    assert switched.site_rebuilt and 'content="zensical-' in home.read_text()
    again = build("cards", root=tmp_path, progress=False, site_builder="zensical")
    assert not again.site_rebuilt
