"""Regulation crosswalk: the regime files, the status rules, the demo golden file, the CLI
and the card page on the site."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.crosswalk import (
    REGIMES_DIR,
    Regime,
    crosswalk,
    crosswalk_spec,
    regime_problems,
    regimes,
)
from cardgen.errors import CardgenError
from cardgen.schema import GovernanceCard, ModelCard
from cardgen.spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cards"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CARDGEN_UPDATE_GOLDEN") == "1"
REGIME_FILES = sorted(REGIMES_DIR.glob("*.yaml"))
FLAGS = {"high_risk_system", "general_purpose", "open_source", "systemic_risk", "product_component"}


def card_value(card: ModelCard, path: str) -> object:
    value: object = card
    if path.startswith("governance."):  # read from the model's governance card
        value, path = GovernanceCard(name="g"), path.removeprefix("governance.")
    for part in path.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("path", REGIME_FILES, ids=lambda p: p.stem)
def test_regime_file_items_have_id_paraphrase_citation_and_a_mapping(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["id"] == path.stem and data["title"] and data["source"]
    ids = [item["id"] for item in data["items"]]
    assert len(ids) == len(set(ids))
    empty = ModelCard(name="x")
    for item in data["items"]:
        for key in ("id", "paraphrase", "citation"):
            assert isinstance(item.get(key), str) and item[key].strip(), (item, key)
        # A paraphrase, not the legal text: one short sentence.
        assert len(item["paraphrase"]) <= 160, item["id"]
        if "no_card_field" in item:
            assert "fields" not in item
            assert item["no_card_field"]["status"] == "unknown" and item["no_card_field"]["note"]
        else:
            assert item["fields"], item["id"]
            for field in item["fields"]:
                card_value(empty, field)  # AttributeError when the card has no such field
        for rule in item.get("rules", []):
            terms = data["rules"][rule]["when"]
            assert all(
                t.lstrip("!") in FLAGS or t in ("scope:model", "scope:system") for t in terms
            ), rule
            assert data["rules"][rule]["reason"].strip()
    assert regime_problems(Regime.model_validate(data)) == []


def test_the_five_regimes_and_their_item_counts() -> None:
    counts = {rid: len(regime.items) for rid, regime in regimes().items()}
    # Annex IV's nine points with sub-points, point 3 split in six; Annex XI's eleven
    # Section 1 and three Section 2 points; Annex XII's eleven points.
    assert counts["eu-ai-act-annex-iv"] == 28
    assert counts["eu-ai-act-annex-xi"] == 14
    assert counts["eu-ai-act-annex-xii"] == 11
    assert set(counts) == {
        "eu-ai-act-annex-iv",
        "eu-ai-act-annex-xi",
        "eu-ai-act-annex-xii",
        "gpai-code-of-practice-mdf",
        "nist-ai-600-1",
    }


def test_demo_card_crosswalk_golden() -> None:
    text = (
        json.dumps(crosswalk(load_spec(EXAMPLES / "adult-income.yaml")), indent=2, sort_keys=True)
        + "\n"
    )
    golden = GOLDEN / "adult-income.crosswalk.json"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def _flagged(**flags: object) -> ModelCard:
    card = load_spec(EXAMPLES / "adult-income.yaml")
    assert isinstance(card, ModelCard)
    return card.model_copy(update={"regulatory": card.regulatory.model_copy(update=flags)})


def test_open_source_gpai_card_is_exempt_from_annex_xi_and_xii_with_the_reason() -> None:
    results = {r["regime"]: r for r in crosswalk(_flagged(general_purpose=True, open_source=True))}
    for regime in ("eu-ai-act-annex-xi", "eu-ai-act-annex-xii"):
        for item in results[regime]["items"]:
            assert item["status"] == "not_applicable", item
            if not item["id"].startswith("XI.2"):
                assert "Art. 53(2)" in item["reason"]
                assert "regulatory.open_source" in item["reason"]
    section_2 = [i for i in results["eu-ai-act-annex-xi"]["items"] if i["id"].startswith("XI.2")]
    assert len(section_2) == 3
    assert all("systemic risk" in i["reason"] for i in section_2)
    # NIST's voluntary actions still apply.
    assert results["nist-ai-600-1"]["counts"]["not_applicable"] == 0


def test_systemic_risk_lifts_the_open_source_exemption() -> None:
    items = {
        i["id"]: i
        for r in crosswalk(
            _flagged(general_purpose=True, open_source=True, systemic_risk=True),
            ["eu-ai-act-annex-xi"],
        )
        for i in r["items"]
    }
    assert items["XI.1.1(f)"] == {
        **items["XI.1.1(f)"],
        "status": "satisfied",
        "fields": ["metadata.license"],
        "reason": None,
    }
    assert items["XI.1.2(e)"]["status"] == "unknown"
    assert items["XI.1.2(e)"]["fields"] == ["compute_and_energy.training_energy"]
    assert items["XI.2.3"]["status"] == "unknown"
    assert items["XI.2.3"]["reason"].startswith("no card field:")


def test_high_risk_model_card_leaves_system_items_not_applicable() -> None:
    items = {
        i["id"]: i
        for r in crosswalk(_flagged(high_risk_system=True), ["eu-ai-act-annex-iv"])
        for i in r["items"]
    }
    assert items["IV.1(a)"]["status"] == "satisfied"
    assert items["IV.1(a)"]["fields"] == [
        "intended_use.primary_uses",
        "model_details.developers",
        "model_details.version",
    ]
    assert items["IV.1(f)"]["status"] == "not_applicable"
    assert "product" in items["IV.1(f)"]["reason"]
    assert items["IV.5"]["status"] == "not_applicable"
    assert "regulatory.scope" in items["IV.5"]["reason"]
    system = {
        i["id"]: i
        for r in crosswalk(_flagged(high_risk_system=True, scope="system"), ["eu-ai-act-annex-iv"])
        for i in r["items"]
    }
    assert system["IV.5"]["status"] == "unknown"


def test_recorded_file_digests_answer_the_authenticity_item() -> None:
    import hashlib

    from cardgen.schema.files import FileDigest

    card = _flagged(general_purpose=True)
    item = next(
        i
        for r in crosswalk(card, ["gpai-code-of-practice-mdf"])
        for i in r["items"]
        if i["id"] == "MDF-1.3"
    )
    assert item["status"] == "unknown"
    digest = hashlib.sha256(b"weights").hexdigest()
    card.file_digests = [FileDigest(name="model.bin", path="model.bin", sha256=digest)]
    item = next(
        i
        for r in crosswalk(card, ["gpai-code-of-practice-mdf"])
        for i in r["items"]
        if i["id"] == "MDF-1.3"
    )
    assert (item["status"], item["fields"]) == ("satisfied", ["file_digests"])


def test_a_placeholder_does_not_satisfy_an_item() -> None:
    card = _flagged(general_purpose=True)
    card.metadata.license = "[More Information Needed]"
    items = {i["id"]: i for r in crosswalk(card, ["eu-ai-act-annex-xii"]) for i in r["items"]}
    assert items["XII.1(h)"]["status"] == "unknown"
    assert "placeholder" in items["XII.1(h)"]["reason"]


def test_data_cards_and_unknown_regimes_are_clear_errors() -> None:
    with pytest.raises(CardgenError, match="covers model cards"):
        crosswalk(load_spec(EXAMPLES / "adult.yaml"))
    with pytest.raises(CardgenError, match="known regimes: eu-ai-act-annex-iv, "):
        crosswalk(load_spec(EXAMPLES / "adult-income.yaml"), ["annex-iv"])


def test_cli_prints_tables_writes_json_and_lists_known_regimes(tmp_path: Path) -> None:
    runner = CliRunner()
    spec = str(EXAMPLES / "adult-income.yaml")
    result = runner.invoke(cli, ["crosswalk", spec, "--regime", "nist-ai-600-1"])
    assert result.exit_code == 0, result.output
    assert "| MS-2.11-002 |" in result.output and "`sources.evaluate`" in result.output
    out = tmp_path / "cw.json"
    result = runner.invoke(cli, ["crosswalk", spec, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # The example's governance card beside the spec governs it and is read too.
    governance = load_spec(EXAMPLES / "adult-example.yaml")
    assert isinstance(governance, GovernanceCard)
    assert json.loads(out.read_text()) == crosswalk(load_spec(spec), governance=governance)
    assert {r["governance_card"] for r in json.loads(out.read_text())} == {"adult-example"}
    bad = runner.invoke(cli, ["crosswalk", spec, "--regime", "gdpr"])
    assert bad.exit_code == 1
    assert "error: unknown regime 'gdpr'; known regimes: eu-ai-act-annex-iv" in bad.output


def test_card_page_on_the_site_shows_audit_and_crosswalk(tmp_path: Path) -> None:
    from cardgen.site import load_pages, write_project

    project = write_project(load_pages(EXAMPLES, tmp_path, jobs=1), tmp_path / "site")
    page = (project.docs_dir / "models" / "adult-income" / "index.md").read_text()
    assert "## Documentation audit" in page and "## Regulation crosswalk" in page
    assert "### EU AI Act Annex XI" in page
    assert "Not applicable (14 items): Annex XI applies to providers" in page
    assert "- **Satisfied (9):** MS-2.11-002 (`sources.evaluate`); " in page  # NIST applies
    assert "- **Unknown (7):** MS-2.11-001 (`evaluation_integrity.contamination_checks`)" in page
    assert "- **Filled:** 28 of 28 sections, 4 of 7 Hub fields" in page
    # Not-applicable items of a regime are listed once per reason, with their count: the
    # groups counted here from the crosswalk itself.
    results = crosswalk_spec(EXAMPLES / "adult-income.yaml", root=tmp_path)
    mdf = next(r for r in results if r["title"].startswith("GPAI Code of Practice"))
    groups: dict[str, list[str]] = {}
    for item in mdf["items"]:
        if item["status"] == "not_applicable":
            groups.setdefault(item["reason"], []).append(item["id"])
    assert len(groups) == 2
    for reason, ids in groups.items():
        assert f"- **Not applicable ({len(ids)}):** {', '.join(ids)}: {reason}" in page
        assert page.count(reason) == 1
    audit = (project.docs_dir / "audit" / "index.md").read_text()
    # The spec lies outside the project folder: named by its file name, not this machine's path.
    assert "[adult-income.yaml](../models/adult-income/index.md)" in audit
    assert str(EXAMPLES) not in audit
    assert (project.docs_dir / "audit" / "charts" / "model-sections.svg").exists()
