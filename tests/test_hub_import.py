"""`cardgen import` on every real Hub card (tests/data/hf-cards, and the whole corpus in
../shared/data/hf-cards when present) and on broken inputs.

"Prose recoverable" here means: splitting the original body and the body rebuilt from the
spec at Markdown headings gives the same (level, heading, body) list, bodies compared byte
for byte (only blank lines at section edges and spaces around heading marks may differ).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hubserver import ADULT, FAIR, HubServer
from shareddata import EDGE_CASES, HF_CARDS, WRITTEN, card_params, hub_cards, needs_shared

from cardgen.cli import cli
from cardgen.hub._markdown import body_lines, parse_readme, split_sections
from cardgen.hub.importer import (
    LAYOUT_KEY,
    METADATA_KEY,
    dump_spec,
    readme_to_spec,
    reconstruct_body,
)
from cardgen.spec import loads_spec

REAL_CARDS = hub_cards() + EDGE_CASES


def same_data(a: Any, b: Any) -> bool:
    # json text, so that NaN values (a widget's empty cells) compare equal to themselves
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@needs_shared("hf-cards", "cards")
def test_the_real_cards_are_all_there() -> None:
    assert len(hub_cards()) == 279


@pytest.mark.parametrize("path", card_params(REAL_CARDS, WRITTEN))
def test_real_card_imports_without_losing_prose_or_metadata(path: Path) -> None:
    data = path.read_bytes()
    result = readme_to_spec(data, "imported")
    text = dump_spec(result.spec)
    loaded = yaml.safe_load(text)
    assert same_data(loaded, result.spec)
    card = loads_spec(text, path.name)
    assert card.name == "imported"
    original = parse_readme(data)
    assert [(s.level, s.heading, s.body) for s in split_sections(reconstruct_body(loaded))] == [
        (s.level, s.heading, s.body) for s in split_sections(original.body)
    ]
    written = "\n".join(strings(loaded))
    for line in body_lines(original.body):
        assert line.lstrip(" #") in written
    kept = dict(loaded.get("metadata", {}))
    kept.update(loaded["extra"].get(METADATA_KEY, {}))
    kept.pop("_front_matter_text", None)
    assert same_data(
        kept,
        {
            k: [v] if isinstance(v, str) and isinstance(kept.get(k), list) else v
            for k, v in original.metadata.items()
        },
    )


def test_known_headings_fill_spec_fields() -> None:
    spec = readme_to_spec(
        "---\nlicense: mit\nlanguage: en\n---\n# My model\n\nIt classifies.\n\n"
        "## Intended uses & limitations\n\nFor research.\n\n## Training data\n\nWikipedia.\n\n"
        "## Limitations and bias\n\nBiased.\n\n## Framework versions\n\n- Transformers 4.30\n",
        "my-model",
    ).spec
    assert spec["title"] == "My model"
    assert spec["summary"] == "It classifies."
    assert spec["intended_use"] == {"primary_uses": ["For research."]}
    assert spec["training_data"] == {"motivation": "Wikipedia."}
    assert spec["caveats_and_recommendations"] == {"caveats": ["Biased."]}
    assert spec["metadata"] == {"license": "mit", "language": ["en"]}
    assert spec["extra_sections"] == [
        {"heading": "Framework versions", "level": 2, "body": "- Transformers 4.30"}
    ]


def test_template_headings_map_for_model_and_dataset_cards() -> None:
    model = readme_to_spec(
        "## Uses\n\n### Direct Use\n\nAsk it.\n\n### Out-of-Scope Use\n\n"
        "Not medicine.\n\n## How to Get Started with the Model\n\n`pip`\n",
        "m",
    ).spec
    assert model["intended_use"] == {
        "primary_uses": ["Ask it."],
        "out_of_scope_uses": ["Not medicine."],
    }
    assert model["how_to_get_started"] == "`pip`"
    assert model["extra_sections"] == [{"heading": "Uses", "level": 2, "body": ""}]
    data = readme_to_spec(
        (HF_CARDS / "edge-cases" / "sample_datasetcard_simple.md").read_bytes(), "d"
    )
    assert data.card.kind == "data"


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("sample_no_metadata.md", "no YAML front matter"),
        ("sample_windows_line_breaks.md", "converted Windows (CRLF) line endings"),
        ("sample_invalid_model_index.md", "invalid model-index kept verbatim"),
    ],
)
def test_broken_fixture_cards_warn(name: str, warning: str) -> None:
    result = readme_to_spec((HF_CARDS / "edge-cases" / name).read_bytes(), "x")
    assert any(w.startswith(warning) for w in result.warnings), result.warnings


def test_legacy_model_index_is_kept_with_a_warning() -> None:
    path = next(p for p in REAL_CARDS if "\nmodel_index:" in p.read_text(encoding="utf-8"))
    result = readme_to_spec(path.read_bytes(), "legacy")
    assert "model_index" in result.spec["extra"][METADATA_KEY]
    assert any("legacy `model_index:`" in w for w in result.warnings)


def test_bom_and_non_utf8_bytes_are_warnings() -> None:
    bom = readme_to_spec(b"\xef\xbb\xbf---\nlicense: mit\n---\n# T\n\nBody\n", "b")
    assert bom.spec["metadata"] == {"license": "mit"}
    assert any("byte order mark" in w for w in bom.warnings)
    latin = readme_to_spec(b"# Caf\xe9\n\nD\xe9j\xe0 vu\n", "l")
    assert latin.spec["title"] == "Café"
    assert latin.spec["summary"] == "Déjà vu"
    assert any("not valid UTF-8" in w for w in latin.warnings)


def test_invalid_yaml_front_matter_is_kept_as_text() -> None:
    result = readme_to_spec("---\nlicense: [mit\n---\n# T\n\nB\n", "y")
    assert result.spec["extra"][METADATA_KEY]["_front_matter_text"] == "license: [mit"
    assert any("not valid YAML" in w for w in result.warnings)


def test_layout_records_every_section_in_order() -> None:
    spec = readme_to_spec("Intro\n\n# T\n\nS\n\n## Odd\n\nx\n", "o").spec
    assert spec["extra"][LAYOUT_KEY]["layout"] == [
        {"heading": None, "level": 0, "to": "summary"},
        {"heading": "T", "level": 1, "to": "extra_sections"},
        {"heading": "Odd", "level": 2, "to": "extra_sections"},
    ]


def test_cli_imports_from_the_hub_and_refuses_to_overwrite(
    hub: HubServer, hub_project: Path
) -> None:
    runner = CliRunner()
    args = ["import", f"hub:{FAIR}", "--out", "cards/fair.yaml", "--endpoint", hub.url]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    card = loads_spec((hub_project / "cards" / "fair.yaml").read_text(encoding="utf-8"))
    assert card.name == "fair"
    assert card.sources.hub is not None and card.sources.hub.repo_id == FAIR
    assert card.metadata.license == "mit"
    assert card.caveats_and_recommendations.caveats == ["Accuracy differs between women and men."]
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "exists; pass --force" in again.output
    assert runner.invoke(cli, [*args, "--force"]).exit_code == 0


def test_cli_import_of_a_file_prints_warnings(hub_project: Path) -> None:
    (hub_project / "README.md").write_bytes(b"# Title\r\n\r\nText\r\n")
    result = CliRunner().invoke(cli, ["import", "README.md", "--out", "cards/t.yaml"])
    assert result.exit_code == 0, result.output
    assert "warning: converted Windows (CRLF) line endings to LF" in result.output
    assert "wrote cards/t.yaml (model card" in result.output


def test_cli_imports_a_dataset_card_from_the_hub(hub: HubServer, hub_project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["import", f"hub:datasets/{ADULT}", "--out", "cards/adult.yaml", "--endpoint", hub.url]
    )
    assert result.exit_code == 0, result.output
    card = loads_spec((hub_project / "cards" / "adult.yaml").read_text(encoding="utf-8"))
    assert card.kind == "data"
    assert card.title == "Dataset Card for Adult census income"
    assert card.summary == "Extraction from the 1994 US Census database."
    assert card.metadata.license == ["cc0-1.0"]
    assert card.sources.hub is not None and card.sources.hub.repo_type == "dataset"


def test_a_comment_only_preamble_is_not_the_summary() -> None:
    readme = "<!-- generated automatically; proofread it -->\n\n# m\n\nA fine-tuned model.\n"
    spec = readme_to_spec(readme, "m").spec
    assert spec["title"] == "m"
    assert spec["summary"] == "A fine-tuned model."
    assert spec["extra"][LAYOUT_KEY]["preamble"] == (
        "<!-- generated automatically; proofread it -->"
    )
    assert reconstruct_body(spec) == readme
