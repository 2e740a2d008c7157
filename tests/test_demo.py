"""`cardgen demo`: the embedded Adult example runs offline end to end, once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from fairlearn.metrics import demographic_parity_ratio

from cardgen.cli import cli

# mkdocs builds, the demo, wheels or servers: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_builds_cards_and_site_and_is_idempotent(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "adult-income: ran 3 steps" in result.output
    assert "adult: ran 1 step, 0 unchanged; 3 files written; no threshold tests" in result.output
    assert "FAILED demographic_parity_ratio>=0.8" in result.output
    assert "claims checked: ✅ all 7 consistent" in result.output
    model_readme = (out / "build" / "cards" / "adult-income" / "README.md").read_text()
    data_readme = (out / "build" / "cards" / "adult" / "README.md").read_text()
    croissant = json.loads((out / "build" / "cards" / "adult" / "croissant.json").read_text())
    assert (out / "site-project" / "public" / "index.html").is_file()
    assert (out / "data" / "NOTICE").read_text().startswith("UCI Adult")
    # the four-fifths-rule number on the card equals fairlearn's on the predictions table
    predictions = pd.read_parquet(out / "predictions" / "adult-test.parquet")
    predicted = (predictions["score"] >= 0.5).astype(int)
    expected = demographic_parity_ratio(
        (predictions["income"] == ">50K").astype(int),
        predicted,
        sensitive_features=predictions[["race", "sex"]],
    )
    card = json.loads((out / "build" / "cards" / "adult-income" / "card.json").read_text())
    (evaluation,) = card["quantitative_analyses"]["evaluations"]
    assert (
        abs(evaluation["fairness_measures"]["demographic_parity_ratio"]["value"] - expected) < 1e-12
    )
    assert f"❌ **fail** `demographic_parity_ratio>=0.8`: observed {expected:.3f} [" in model_readme
    # a README a careful author would publish: short front matter, short in all (the
    # claims-checked table adds a row per model-index claim), the full evaluation in a
    # sidecar it links
    front = model_readme.split("\n---\n", 1)[0]
    assert front.count("\n") + 2 <= 80 and model_readme.count("\n") <= 420
    # the card verifies its own claims: every model-index number re-run and consistent
    verification = card["quantitative_analyses"]["claims_checked"]
    assert verification["counts"] == {"consistent": 7, "discrepant": 0, "unverifiable": 0}
    by_metric = {c["metric"]: c for c in verification["claims"]}
    assert by_metric["accuracy"]["measured"] == pytest.approx(
        ((predictions["score"] >= 0.5) == (predictions["income"] == ">50K")).mean(), abs=1e-12
    )
    assert "### Claims Checked\n\n7 claims: 7 consistent, 0 discrepant" in model_readme
    site = out / "site-project" / "public"
    assert "✅ all 7 consistent" in (site / "index.html").read_text()
    assert "Claims Checked" in (site / "models" / "adult-income" / "index.html").read_text()
    sidecar = out / "build" / "cards" / "adult-income" / "evaluation" / "adult-test.json"
    assert json.loads(sidecar.read_text()) == evaluation
    assert "](evaluation/adult-test.json)" in model_readme
    assert len(predictions) == 16281
    assert "32,561 rows, 15 columns" in data_readme
    assert croissant["@type"] == "sc:Dataset"
    # Missing values stay missing (the source's "?"), and no output names this machine's
    # folders: the demo ran with an absolute --out.
    assert "| workclass | string | 1,836 (5.6%) |" in data_readme
    texts = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".md", ".json", ".html")]
    assert [str(p) for p in texts if str(tmp_path) in p.read_text(encoding="utf-8")] == []
    before = _digests(out)
    again = CliRunner().invoke(cli, ["demo", "--out", str(out), "-q"])
    assert again.exit_code == 0
    assert "adult-income: ran 0 steps, 3 unchanged; 0 files written" in again.output
    assert "site unchanged" in again.output
    assert _digests(out) == before
