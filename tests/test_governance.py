"""Governance cards: schema and spec errors, links, init, render (Hub and page), the site,
the audit and the regulation crosswalk items a governance card answers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub import DatasetCard
from pydantic import BaseModel
from test_render import XSS_PAYLOADS, _Inspector, _poison, _site_html

from cardgen.audit import audit_card, audit_paths
from cardgen.build import build
from cardgen.cli import cli
from cardgen.completeness import completeness
from cardgen.crosswalk import crosswalk, crosswalk_spec
from cardgen.errors import CardgenError, SpecError
from cardgen.governance import governance_of
from cardgen.render import render, write_rendered
from cardgen.schema import GovernanceCard, ModelCard
from cardgen.sections import GOVERNANCE_RECOMMENDED
from cardgen.site import build_site
from cardgen.skeleton import skeleton
from cardgen.spec import load_spec, loads_spec
from cardgen.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cards"
GOVERNANCE = EXAMPLES / "adult-example.yaml"

MODEL = """\
kind: model
name: code-model
summary: A model.
regulatory:
  general_purpose: true
"""
DATA = """\
kind: data
name: code-data
summary: A dataset.
"""
GOV = """\
kind: governance
name: code-project
summary: The project.
governs:
  models: [code-model]
  datasets: [code-data]
data_governance:
  copyright_policy: We honour robots.txt and other machine-readable opt-outs.
  opt_out: A form removes a repository from the next release of the data.
  training_content_summary: https://example.org/training-summary
contact_and_accountability:
  contact: governance@example.org
  reporting: Report problems through the form at https://example.org/report.
"""


def _project(folder: Path, governance: str = GOV) -> Path:
    cards = folder / "cards"
    cards.mkdir(parents=True)
    (cards / "code-model.yaml").write_text(MODEL)
    (cards / "code-data.yaml").write_text(DATA)
    (cards / "code-project.yaml").write_text(governance)
    return cards


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


# --- schema and spec errors --------------------------------------------------------------------


def test_the_example_validates_against_the_exported_json_schema() -> None:
    schema = json.loads((ROOT / "schemas" / "governance-card.schema.json").read_text())
    data = yaml.safe_load(GOVERNANCE.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert schema["properties"]["kind"]["const"] == "governance"
    sections = {
        "governs",
        "goals_and_values",
        "organisation",
        "funding_and_compute",
        "data_governance",
        "licensing_and_release",
        "contact_and_accountability",
    }
    assert sections <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    # The JSON Schema rejects what the model rejects: an unknown field and a bad card name.
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors({**data, "fundng": {}}))
    assert list(validator.iter_errors({**data, "governs": {"models": ["a b"]}}))


def test_unknown_fields_get_a_did_you_mean_hint_at_their_line() -> None:
    text = GOV.replace("  opt_out:", "  opt_in:").replace("governs:", "govern:")
    with pytest.raises(SpecError) as info:
        loads_spec(text, "cards/p.yaml")
    messages = [str(p) for p in info.value.problems]
    opt_in = next(i for i, line in enumerate(text.splitlines(), 1) if "opt_in:" in line)
    assert messages == [
        f"cards/p.yaml:{_line_of(text, 'govern:')}:1: govern: unknown field 'govern'; did you "
        "mean 'governs'? (free-form additions go under `extra:`)",
        f"cards/p.yaml:{opt_in}:3: data_governance.opt_in: unknown field 'opt_in'; did you "
        "mean 'opt_out'? (free-form additions go under `extra:`)",
    ]


def test_linked_card_names_must_be_card_names_and_listed_once() -> None:
    text = GOV.replace("models: [code-model]", "models: [code-model, code model]")
    with pytest.raises(SpecError) as info:
        loads_spec(text, "p.yaml")
    line = _line_of(text, "  models: [code-model, code model]")
    assert [str(p) for p in info.value.problems] == [
        f"p.yaml:{line}:24: governs.models[1]: invalid name: use letters, digits, '.', '_' "
        "and '-' (it becomes a file name), at most 128 characters, got 'code model'",
    ]
    text = GOV.replace("models: [code-model]", "models: [code-model, code-model]")
    with pytest.raises(SpecError) as info:
        loads_spec(text, "p.yaml")
    assert [str(p) for p in info.value.problems] == [
        f"p.yaml:{line}:11: governs.models: card 'code-model' listed more than once",
    ]


def test_kind_governance_is_named_in_the_kind_error() -> None:
    with pytest.raises(SpecError, match="`kind` must be `model`, `data` or `governance`"):
        loads_spec("kind: project\nname: x\n")


# --- links ---------------------------------------------------------------------------------------


def test_a_linked_card_that_does_not_exist_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = GOV.replace("datasets: [code-data]", "datasets: [code-dta, other]")
    cards = _project(tmp_path, text)
    (result,) = [r for r in validate_paths([cards]) if r.card_kind == "governance"]
    spec = cards / "code-project.yaml"
    line = _line_of(text, "  datasets: [code-dta, other]")
    assert [str(p) for p in result.problems] == [
        f"{spec}:{line}:14: governs.datasets[0]: no data card named 'code-dta' among the "
        f"specs in {cards}/; did you mean 'code-data'?",
        f"{spec}:{line}:24: governs.datasets[1]: no data card named 'other' among the specs "
        f"in {cards}/",
    ]
    # The CLI prints them and fails; the model and data specs themselves are valid.
    result = CliRunner().invoke(cli, ["validate", str(cards)])
    assert result.exit_code == 1
    assert f"{spec}:{line}:14: governs.datasets[0]: no data card named 'code-dta'" in result.output
    assert "3 specs checked, 1 failed" in result.output


def test_a_card_of_the_wrong_kind_and_a_model_governed_twice_are_errors(tmp_path: Path) -> None:
    cards = _project(tmp_path, GOV.replace("datasets: [code-data]", "datasets: [code-model]"))
    second = GOV.replace("name: code-project", "name: other-project").replace(
        "  datasets: [code-data]\n", ""
    )
    (cards / "other-project.yaml").write_text(second)
    problems = {
        str(p) for r in validate_paths([cards]) for p in r.problems if r.card_kind == "governance"
    }
    spec, other = cards / "code-project.yaml", cards / "other-project.yaml"
    assert problems == {
        f"{spec}:6:14: governs.datasets[0]: 'code-model' is a model card "
        f"({cards / 'code-model.yaml'}), not a data card; list it under governs.models",
        f"{other}:5:12: governs.models[0]: model card 'code-model' is already governed by "
        "'code-project'; a model has one governance card",
    }


def test_validating_a_governance_spec_alone_finds_the_cards_beside_it(tmp_path: Path) -> None:
    cards = _project(tmp_path)
    (result,) = validate_paths([cards / "code-project.yaml"])
    assert result.problems == ()
    assert result.completeness is not None
    filled = set(result.completeness.filled)
    assert filled == {
        "summary",
        "governs.models",
        "data_governance.opt_out",
        "data_governance.copyright_policy",
        "data_governance.training_content_summary",
        "contact_and_accountability.contact",
    }
    assert len(result.completeness.missing) == len(GOVERNANCE_RECOMMENDED) - 6
    (cards / "code-data.yaml").unlink()
    (result,) = validate_paths([cards / "code-project.yaml"])
    assert [p.message for p in result.problems] == [
        f"no data card named 'code-data' among the specs in {cards}/"
    ]


def test_build_refuses_a_broken_link_before_running_anything(tmp_path: Path) -> None:
    cards = _project(tmp_path, GOV.replace("[code-model]", "[code-modle]"))
    with pytest.raises(SpecError, match=r"code-project\.yaml:5:12: governs\.models\[0\]: no "):
        build(cards, root=tmp_path, site_project=None, progress=False)
    assert not (tmp_path / "build").exists()


def test_build_renders_a_governance_card_readme_and_json(tmp_path: Path) -> None:
    cards = _project(tmp_path)
    report = build(cards, root=tmp_path, site_project=None, progress=False)
    (governance,) = [c for c in report.cards if c.kind == "governance"]
    assert governance.ran == [] and governance.tests_failed == []
    out = tmp_path / "build" / "cards" / "code-project"
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "card.json"]
    assert json.loads((out / "card.json").read_text())["governs"] == {
        "models": ["code-model"],
        "datasets": ["code-data"],
    }
    again = build(cards, root=tmp_path, site_project=None, progress=False)
    assert again.cards_changed == 0


def test_a_governance_card_has_no_bill_of_materials(tmp_path: Path) -> None:
    card = load_spec(GOVERNANCE)
    for fmt in ("cyclonedx", "spdx"):
        with pytest.raises(
            CardgenError, match=f"render the model and data cards .* --format {fmt}"
        ):
            render(card, fmt)
    cards = _project(tmp_path)
    build(cards, root=tmp_path, site_project=None, progress=False, bom=("cyclonedx", "spdx"))
    out = tmp_path / "build" / "cards"
    assert sorted(p.name for p in (out / "code-project").iterdir()) == ["README.md", "card.json"]
    assert (out / "code-model" / "bom.cdx.json").is_file()


# --- init ----------------------------------------------------------------------------------------


def test_init_governance_writes_a_skeleton_that_validates(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init", "governance", "my-project", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    spec = tmp_path / "my-project.yaml"
    text = spec.read_text()
    assert text == skeleton("governance", "my-project", str(spec))
    card = load_spec(spec)
    assert isinstance(card, GovernanceCard) and card.name == "my-project"
    assert "sources:" not in text  # nothing is collected for a governance card
    # Every field of every section is in the skeleton, with its docstring as a comment.
    for section, info in GovernanceCard.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            assert f"\n{section}:\n" in text, section
            for name, field in annotation.model_fields.items():
                assert f"\n  {name}:" in text, (section, name)
                first = (field.description or "").split("\n")[0]
                assert f"  # {first}" in text, (section, name)
    result = runner.invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 0, result.output
    assert f"{spec}: valid, governance card, 0% complete (0/18" in result.output


# --- render --------------------------------------------------------------------------------------


def _marked_card() -> GovernanceCard:
    """A governance card whose every text field holds its own path (lists: two items)."""

    def fill(model: BaseModel, prefix: str) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            path = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                fill(value, f"{path}.")
            elif name in ("kind", "schema_version", "name", "extra", "extra_sections"):
                continue
            elif path.startswith("governs."):
                setattr(model, name, [f"{name}-a", f"{name}-b"])
            elif isinstance(value, list):
                setattr(model, name, [f"text of {path} 1", f"text of {path} 2"])
            elif info.annotation is not None and "str" in str(info.annotation):
                setattr(model, name, f"text of {path}")

    card = GovernanceCard(name="marked")
    fill(card, "")
    return card


def _text_paths(card: BaseModel, prefix: str = "") -> list[str]:
    paths = []
    for name in type(card).model_fields:
        value = getattr(card, name)
        if isinstance(value, BaseModel):
            paths += _text_paths(value, f"{prefix}{name}.")
        elif str(value[0] if isinstance(value, list) and value else value).startswith("text of"):
            paths.append(f"{prefix}{name}")
    return paths


def test_hub_readme_shows_every_field_and_parses_as_a_hub_card() -> None:
    card = _marked_card()
    readme = render(card, "hub")
    parsed = DatasetCard(readme)
    assert parsed.data.license == "text of metadata.license"
    assert parsed.data.tags == [
        "governance-card",
        "text of metadata.tags 1",
        "text of metadata.tags 2",
    ]
    body = parsed.text
    paths = [p for p in _text_paths(card) if not p.startswith("metadata.")]
    assert len(paths) == 29
    for path in paths:
        assert f"text of {path}" in body, path
    assert "- **Model cards:** models-a, models-b" in body
    assert "- **Data cards:** datasets-a, datasets-b" in body
    headings = re.findall(r"^## (.+)$", body, re.MULTILINE)
    assert headings == [
        "Cards of this Project",
        "Goals and Values",
        "Organisation and Decision Processes",
        "Funding and Compute",
        "Data Governance",
        "Model Licensing and Release",
        "Contact and Accountability",
    ]
    assert "More information needed" not in body


def test_page_shows_every_field_and_a_section_with_nothing_gets_no_heading() -> None:
    card = _marked_card()
    page = render(card, "page")
    for path in _text_paths(card):
        if not path.startswith("metadata."):
            assert f"text of {path}" in page, path
    empty = GovernanceCard(name="empty", summary="Only a summary.")
    assert render(empty, "page") == (
        "# empty\n\nOnly a summary.\n\n"
        "| Card | Kind | Model license | Models | Datasets |\n"
        "|---|---|---|---:|---:|\n"
        "| empty | governance |  | 0 | 0 |\n"
    )
    hub = render(empty, "hub")
    assert hub.count("_More information needed._") == 7  # one per section


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_untrusted_text_in_every_field_executes_nothing_on_the_page(payload: str) -> None:
    card = GovernanceCard(name="evil")
    _poison(card, payload)
    page = render(card, "page")
    assert "alert" in page or "PHNjcmlw" in page  # the payload is there, made inert
    inspector = _Inspector()
    inspector.feed(_site_html(page))
    assert inspector.problems == [], inspector.problems


def test_names_and_short_values_are_escaped_and_prose_kept_on_the_hub() -> None:
    card = GovernanceCard(
        name="p",
        summary="Prose with <b>bold</b>.",
        organisation={"leads": ["<script>x</script>"], "provider": "[a](javascript:x)"},
        licensing_and_release={"model_license": "`code` | pipe"},
    )
    readme = render(card, "hub")
    assert "- **Led by:** &lt;script>x&lt;/script>" in readme
    assert "- **Provider:** \\[a\\](javascript:x)" in readme
    assert "- **Model license:** \\`code\\` | pipe" in readme
    assert "Prose with <b>bold</b>." in readme  # the Hub sanitizes prose itself
    page = render(card, "page")
    assert "| p | governance | \\`code\\` \\| pipe | 0 | 0 |" in page


def test_regenerating_a_readme_keeps_text_outside_the_regions(tmp_path: Path) -> None:
    card = load_spec(GOVERNANCE)
    out = tmp_path / "README.md"
    write_rendered(card, "hub", out)
    text = out.read_text()
    out.write_text(text + "\n## Our own notes\n\nWritten by hand.\n")
    card.data_governance.opt_out = "A new opt-out process."
    assert write_rendered(card, "hub", out).changed
    new = out.read_text()
    assert "A new opt-out process." in new
    assert new.endswith("## Our own notes\n\nWritten by hand.\n")
    edited = new.replace("A new opt-out process.", "Edited in the README.")
    out.write_text(edited)
    with pytest.raises(CardgenError, match="region 'data-governance' was edited by hand"):
        write_rendered(card, "hub", out)


def test_croissant_and_import_update_refuse_a_governance_card(tmp_path: Path) -> None:
    card = load_spec(GOVERNANCE)
    with pytest.raises(CardgenError, match="Croissant describes datasets"):
        render(card, "croissant")
    spec = tmp_path / "g.yaml"
    shutil.copyfile(GOVERNANCE, spec)
    readme = tmp_path / "README.md"
    readme.write_text(render(card, "hub"))
    result = CliRunner().invoke(cli, ["import", str(readme), "--update", str(spec)])
    assert result.exit_code == 1
    assert "a governance card is written in its spec" in result.output


def test_push_dry_run_sends_a_governance_card_to_a_dataset_repository(tmp_path: Path) -> None:
    from cardgen.hub.push import push_card

    with pytest.raises(CardgenError, match="a governance card goes to a dataset repository"):
        push_card(GOVERNANCE, root=tmp_path, dry_run=True)
    result = push_card(GOVERNANCE, "org/governance", root=tmp_path, dry_run=True)
    assert result.readme == render(load_spec(GOVERNANCE), "hub")
    assert result.commit_url is None


# --- audit ---------------------------------------------------------------------------------------


def test_audit_counts_filled_placeholder_and_empty_sections_of_a_spec(tmp_path: Path) -> None:
    card = loads_spec(GOV)
    assert isinstance(card, GovernanceCard)
    audit = audit_card("p", card)
    assert list(audit.sections) == [entry.split("|")[0] for entry in GOVERNANCE_RECOMMENDED]
    # Hand count of GOV: summary, governs, opt-out, copyright policy, training summary and
    # contact are written; the other 12 recommended sections are not.
    assert [k for k, v in audit.sections.items() if v == "filled"] == [
        "summary",
        "governs.models",
        "data_governance.opt_out",
        "data_governance.copyright_policy",
        "data_governance.training_content_summary",
        "contact_and_accountability.contact",
    ]
    card.data_governance.opt_out = "TBD"
    card.data_governance.consent = "[More Information Needed]"
    audit = audit_card("p", card)
    assert [k for k, v in audit.sections.items() if v == "placeholder"] == [
        "data_governance.consent",
        "data_governance.opt_out",
    ]
    assert audit.completeness == pytest.approx(100 * 5 / 18)
    assert audit.completeness == pytest.approx(completeness(card).percent)
    assert audit.fields == {"license": "empty"}


def test_audit_of_the_rendered_readme_agrees_with_the_audit_of_the_spec(tmp_path: Path) -> None:
    partial = load_spec(GOVERNANCE)
    assert isinstance(partial, GovernanceCard)
    partial.organisation.leads = []
    partial.funding_and_compute.compute = None
    partial.licensing_and_release.model_license = "TODO"
    cards = {"full": _marked_card(), "example": load_spec(GOVERNANCE), "partial": partial}
    for name, card in cards.items():
        (tmp_path / f"{name}.md").write_text(render(card, "hub"))
        spec_audit = audit_card(name, card)
        (markdown_audit,) = audit_paths([tmp_path / f"{name}.md"]).cards
        assert markdown_audit.kind == "governance"
        assert markdown_audit.sections == spec_audit.sections, name
    assert audit_card("full", _marked_card()).completeness == 100.0
    report = audit_paths([tmp_path])
    assert set(report.population()) == {"governance"}
    assert report.population()["governance"]["n"] == 3


def test_audit_reads_a_hand_written_governance_card_with_bigcode_headings(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "---\nlicense: cc-by-4.0\n---\n\n"
        "# Project Governance Card\n\nAn open collaboration on code models.\n\n"
        "## 1.a. Goals and Values\n\n### Project Values\n\nOpenness.\n\n"
        "## 2.a. Data Governance\n\n### Consent of Data Subjects\n\nOnly permissive licences.\n\n"
        "### Private Information Handling\n\n[More Information Needed]\n\n"
        "### Opt-out Process\n\nA form and a search tool.\n"
    )
    (audit,) = audit_paths([readme]).cards
    assert audit.kind == "governance"
    filled = sorted(k for k, v in audit.sections.items() if v == "filled")
    assert filled == [
        "data_governance.consent",
        "data_governance.opt_out",
        "goals_and_values.values",
        "summary",
    ]
    assert audit.sections["data_governance.personal_data"] == "placeholder"
    assert audit.fields == {"license": "filled"}


def test_a_hub_dataset_repository_tagged_governance_card_is_audited_as_one() -> None:
    from cardgen.audit._record import audit_hub_facts

    facts = {
        "repo_id": "org/governance",
        "repo_type": "dataset",
        "card_data": {"license": "cc-by-4.0", "tags": ["governance-card"]},
        "sections": [
            {"heading": "Our project", "level": 1, "body": "What we build."},
            {"heading": "Consent", "level": 3, "body": "Contributors opt in."},
        ],
    }
    audit = audit_hub_facts(facts, [])
    assert (audit.kind, audit.origin) == ("governance", "hub")
    assert sorted(k for k, v in audit.sections.items() if v == "filled") == [
        "data_governance.consent",
        "summary",
    ]
    facts["card_data"] = {"license": "cc-by-4.0"}
    assert audit_hub_facts(facts, []).kind == "data"


# --- crosswalk -----------------------------------------------------------------------------------


def _items(results: list[dict[str, Any]], regime: str) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for r in results if r["regime"] == regime for i in r["items"]}


MDF = "gpai-code-of-practice-mdf"


def test_organisational_items_are_answered_from_the_governance_card(tmp_path: Path) -> None:
    cards = _project(tmp_path)
    results = crosswalk_spec(cards / "code-model.yaml", [MDF], tmp_path)
    assert results[0]["governance_card"] == "code-project"
    items = _items(results, MDF)
    assert items["CoP-C.1"]["status"] == "satisfied"
    assert items["CoP-C.1"]["fields"] == ["governance.data_governance.copyright_policy"]
    assert items["CoP-C.3"]["fields"] == [
        "governance.data_governance.copyright_policy",
        "governance.data_governance.opt_out",
    ]
    assert items["CoP-C.5"]["status"] == "satisfied"
    assert items["Art.53(1)(d)"] == {
        **items["Art.53(1)(d)"],
        "status": "satisfied",
        "fields": ["governance.data_governance.training_content_summary"],
    }
    # Items the governance card does not fill stay unknown and say which field would.
    assert items["MDF-1.1"]["status"] == "unknown"
    assert items["MDF-1.1"]["reason"] == (
        "fill one of: model_details.developers, governance.organisation.provider"
    )
    satisfied = sorted(i for i, v in items.items() if v["status"] == "satisfied")
    assert satisfied == ["Art.53(1)(d)", "CoP-C.1", "CoP-C.3", "CoP-C.5"]


def test_without_a_governance_card_the_items_are_unknown_and_say_why(tmp_path: Path) -> None:
    cards = _project(tmp_path)
    (cards / "code-project.yaml").unlink()
    assert governance_of("code-model", cards) is None
    items = _items(crosswalk_spec(cards / "code-model.yaml", [MDF], tmp_path), MDF)
    for item_id in ("CoP-C.1", "CoP-C.3", "CoP-C.5", "Art.53(1)(d)"):
        assert items[item_id]["status"] == "unknown", item_id
        assert "no governance card names 'code-model' in governs.models" in items[item_id]["reason"]
    assert items["Art.53(1)(d)"]["reason"] == (
        "fill one of: governance.data_governance.training_content_summary (no governance "
        "card names 'code-model' in governs.models; `cardgen init governance` writes one)"
    )


def test_a_placeholder_in_the_governance_card_does_not_satisfy_an_item(tmp_path: Path) -> None:
    cards = _project(tmp_path, GOV.replace("https://example.org/training-summary", "TBD"))
    items = _items(crosswalk_spec(cards / "code-model.yaml", [MDF], tmp_path), MDF)
    assert items["Art.53(1)(d)"]["status"] == "unknown"
    assert items["Art.53(1)(d)"]["reason"] == (
        "fill one of: governance.data_governance.training_content_summary "
        "(governance.data_governance.training_content_summary only holds a placeholder)"
    )


def test_copyright_items_still_apply_to_an_open_source_model(tmp_path: Path) -> None:
    # Art. 53(2) exempts open-source models from points (a) and (b) only.
    model = load_spec(EXAMPLES / "adult-income.yaml")
    assert isinstance(model, ModelCard)
    model.regulatory.general_purpose = model.regulatory.open_source = True
    governance = load_spec(GOVERNANCE)
    assert isinstance(governance, GovernanceCard)
    items = _items(crosswalk(model, [MDF], governance), MDF)
    assert items["MDF-1.1"]["status"] == "not_applicable"
    assert "Art. 53(2)" in items["MDF-1.1"]["reason"]
    assert {items[i]["status"] for i in ("CoP-C.1", "CoP-C.3", "CoP-C.5", "Art.53(1)(d)")} == {
        "satisfied"
    }
    model.regulatory.general_purpose = False
    items = _items(crosswalk(model, [MDF], governance), MDF)
    assert items["CoP-C.1"]["reason"].startswith("Art. 53(1)(c) and (d) bind providers")


def test_crosswalk_refuses_a_governance_card_and_a_governance_card_of_another_model() -> None:
    governance = load_spec(GOVERNANCE)
    assert isinstance(governance, GovernanceCard)
    with pytest.raises(CardgenError, match="not projects"):
        crosswalk(governance)
    with pytest.raises(CardgenError, match=r"governs\.models does not name 'other'"):
        crosswalk(ModelCard(name="other"), governance=governance)


def test_crosswalk_command_reads_the_governance_card_beside_the_spec(tmp_path: Path) -> None:
    cards = _project(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["crosswalk", str(cards / "code-model.yaml"), "--regime", MDF, "--facts", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "`governance.…` fields: governance card code-project." in result.output
    assert (
        "| CoP-C.1 | A policy for complying with EU copyright law across the model's data and "
        "training. | satisfied | `governance.data_governance.copyright_policy` |  |"
    ) in result.output


# --- site ----------------------------------------------------------------------------------------


def test_site_has_a_governance_section_with_links_both_ways(tmp_path: Path) -> None:
    cards = _project(tmp_path)
    project = build_site(cards, tmp_path / "site", root=tmp_path, jobs=1, build=False).project
    docs = project.docs_dir
    config = yaml.safe_load((tmp_path / "site" / "mkdocs.yml").read_text())
    assert {"Governance": "governance/index.md"} in config["nav"]
    home = (docs / "index.md").read_text()
    assert "1 model card, 1 data card and 1 [governance card](governance/index.md)." in home
    assert "| [code-project](governance/code-project/index.md) | governance |" in home
    assert '<option value="governance">governance</option>' in home
    page = (docs / "governance" / "code-project" / "index.md").read_text()
    assert (
        "**Model cards this project governs:** [code-model](../../models/code-model/index.md)"
        in page
    )
    assert "**Data cards this project governs:** [code-data](../../data/code-data/index.md)" in page
    model_page = (docs / "models" / "code-model" / "index.md").read_text()
    assert "**Governance:** [code-project](../../governance/code-project/index.md)" in model_page
    assert "CoP-C.1 (`governance.data_governance.copyright_policy`)" in model_page
    data_page = (docs / "data" / "code-data" / "index.md").read_text()
    assert "**Governance:** [code-project](../../governance/code-project/index.md)" in data_page


def test_site_refuses_a_governance_card_naming_a_card_it_does_not_have(tmp_path: Path) -> None:
    cards = _project(tmp_path, GOV.replace("[code-data]", "[code-data, gone]"))
    with pytest.raises(CardgenError) as info:
        build_site(cards, tmp_path / "site", root=tmp_path, jobs=1, build=False)
    assert (
        f"{cards / 'code-project.yaml'}:6:25: governs.datasets[1]: no data card named 'gone' "
        "among the cards of this site"
    ) in str(info.value)
    assert not (tmp_path / "site").exists()
