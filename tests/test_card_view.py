"""'Filled' is decided once, in Python: templates, completeness and validation agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cardgen.completeness import completeness, section_state
from cardgen.render import card_view, render
from cardgen.schema import DataCard, ModelCard

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MORE = "_More information needed._"


def _model_details(readme: str) -> str:
    return readme.split("## Model Details", 1)[1].split("<!-- cardgen:end model-details", 1)[0]


@pytest.mark.parametrize(
    "value",
    [
        {"metadata": {"language": ["en"]}},
        {"metadata": {"base_model": ["bert-base-uncased"]}},
        {"model_details": {"developers": ["Ada"]}},
    ],
)
def test_a_model_card_with_one_detail_does_not_also_say_more_information_needed(
    value: dict,
) -> None:
    card = ModelCard.model_validate({"name": "x", **value})
    details = _model_details(render(card, "hub"))
    assert MORE not in details
    assert details.count("- **") == 1


def test_an_empty_section_says_more_information_needed() -> None:
    details = _model_details(render(ModelCard(name="x"), "hub"))
    assert MORE in details


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (None, "empty"),
        ("", "empty"),
        ("  \n", "empty"),
        ([], "empty"),
        ({}, "empty"),
        (["", None], "empty"),
        ("[More Information Needed]", "placeholder"),
        ("_More information needed._", "placeholder"),
        ("TODO", "placeholder"),
        ("tbd.", "placeholder"),
        (["TODO", ""], "placeholder"),
        ("Adults in the US census", "filled"),
        ("TODO: list of apps", "filled"),
        (["TODO", "en"], "filled"),
        (0, "filled"),
        (False, "filled"),
        ({"a": "b"}, "filled"),
    ],
)
def test_section_state(value: object, state: str) -> None:
    assert section_state(value) == state


def test_completeness_counts_placeholders_as_missing() -> None:
    card = ModelCard.model_validate(
        {"name": "x", "summary": "[More Information Needed]", "metadata": {"license": "mit"}}
    )
    result = completeness(card)
    assert "summary" in result.missing and "metadata.license" in result.filled
    view = card_view(card)
    assert view.state("summary") == "placeholder"
    assert not view.filled("summary") and view.written("summary")


def test_data_sections_use_the_same_rule() -> None:
    card = DataCard.model_validate({"name": "d", "composition": {"num_instances": 0}})
    view = card_view(card)
    assert view.filled("composition")  # 0 instances is an answer, not a gap
    assert not view.written("annotation")


def test_no_template_decides_filled_with_an_or_chain() -> None:
    chains = []
    for template in sorted(TEMPLATES.rglob("*.j2")):
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if re.search(r"\{%-?\s*if\b[^%]*\bor\b", line):
                chains.append(f"{template.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert chains == []
