"""Optional regulation-oriented model-card sections: exported, validated, rendered when filled."""

from __future__ import annotations

import re

import pytest

from cardgen.errors import SpecError
from cardgen.render import render
from cardgen.schema.export import schema_documents
from cardgen.spec import loads_spec

SECTIONS = {
    "distribution": "Distribution and Integration",
    "artefact_provenance": "Artefact Provenance",
    "compute_and_energy": "Compute and Energy",
    "design_choices": "Design Choices",
    "evaluation_integrity": "Evaluation Integrity",
    "red_teaming_and_alignment": "Red-Teaming and Alignment",
}

FILLED = """\
kind: model
name: documented
summary: A model with every optional section.
distribution:
  distribution_channels: [Hub download]
  required_software: ["<script>alert(1)</script>"]
  max_input_size: 8,192 tokens
  integration: Load it with `AutoModel`.
artefact_provenance:
  base_model_dependencies: [org/base-7b]
  weights_hash: "sha256:0123abcd"
  parameter_count: 7241732096
compute_and_energy:
  training_compute: {value: 8.4e22, unit: FLOP, method: 6 x parameters x tokens}
  training_energy: {value: 52, unit: MWh, method: metered at the PDU}
design_choices:
  trade_offs: [Smaller vocabulary for faster inference]
evaluation_integrity:
  contamination_checks: 13-gram overlap with every test set below 0.1%.
  reproducibility_artefacts: [https://example.org/eval-config]
red_teaming_and_alignment:
  red_teaming: Two weeks of external red teaming on misuse prompts.
regulatory:
  general_purpose: true
"""


def test_sections_are_exported_with_descriptions() -> None:
    schema = schema_documents()["model-card.schema.json"]
    for name in [*SECTIONS, "regulatory"]:
        assert schema["properties"][name]["description"], name
    quantity = schema["$defs"]["MeasuredQuantity"]["properties"]
    assert quantity["method"]["description"].startswith("How the number was obtained")


@pytest.mark.parametrize("fmt", ["hub", "page"])
def test_filled_sections_are_rendered_and_escaped(fmt: str) -> None:
    text = render(loads_spec(FILLED, "documented.yaml"), fmt)
    for heading in SECTIONS.values():
        assert f"## {heading}\n" in text
    assert "| Training compute | 8.4e+22 FLOP | 6 x parameters x tokens |" in text
    assert "- **Parameters:** 7,241,732,096" in text
    assert "- **Weights hash:** `sha256:0123abcd`" in text
    assert "<script>" not in text and "&lt;script>alert(1)&lt;/script>" in text
    if fmt == "hub":
        assert re.search(r"<!-- cardgen:begin further-documentation h=[0-9a-f]{12} -->", text)


def test_empty_sections_render_nothing() -> None:
    text = render(loads_spec("kind: model\nname: bare\n", "bare.yaml"), "hub")
    assert "further-documentation" not in text
    for heading in SECTIONS.values():
        assert heading not in text


def test_a_misspelt_field_in_a_new_section_is_located() -> None:
    with pytest.raises(SpecError) as caught:
        loads_spec("kind: model\nname: x\ndistribution:\n  max_input: 5\n", "x.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (4, 3)
    assert "max_input_size" in problem.message
