"""Every real Hub card: import -> render -> import gives the same metadata and prose.

The cards: tests/data/hf-cards, and with ../shared/data present the whole corpus (shareddata.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import ModelCard as HubModelCard
from pydantic import BaseModel
from shareddata import EDGE_CASES, WRITTEN, card_params, hub_cards, needs_shared

from cardgen.hub.importer import RENDERED_PLACEHOLDER, readme_to_spec
from cardgen.render import render
from cardgen.render.filters import sanitize_markdown
from cardgen.schema import ExtraSection

CARDS = hub_cards()


def _prose(model: Any) -> list[str]:
    """Every piece of text a person wrote in a card: string fields, lists, extra sections."""
    found: list[str] = []
    if isinstance(model, ExtraSection):
        return [model.heading, model.body]
    if isinstance(model, BaseModel):
        for name in type(model).model_fields:
            if name in ("metadata", "extra", "sources", "name", "kind", "schema_version"):
                continue
            found.extend(_prose(getattr(model, name)))
    elif isinstance(model, list):
        for item in model:
            found.extend(_prose(item))
    elif isinstance(model, str) and model.strip():
        found.append(model)
    return found


def _lines(texts: list[str]) -> list[str]:
    # Headings and list markers are layout cardgen may change (a section's heading is the
    # Hub template's, several list items become bullets); the words must all survive.
    lines = []
    for text in texts:
        for line in text.splitlines():
            line = re.sub(r"^\s*(#+\s+|- )", "", line).strip()
            if line and line != RENDERED_PLACEHOLDER:
                lines.append(line)
    return lines


def _missing(before: list[str], after: list[str]) -> list[str]:
    remaining = list(after)
    missing = []
    for line in before:
        if line in remaining:
            remaining.remove(line)
        else:
            missing.append(line)
    return missing


@pytest.mark.parametrize("path", card_params(CARDS, EDGE_CASES, WRITTEN))
def test_import_render_import_keeps_metadata_and_prose(path: Path) -> None:
    first = readme_to_spec(path.read_bytes(), "card")
    readme = render(first.card, "hub")
    broken = any(w.startswith("front matter is not") for w in first.warnings)
    if first.card.kind == "model" and not broken:
        # huggingface_hub accepts what cardgen writes; an author's invalid model-index is
        # kept as it was (and warned about on import), so that one needs the escape hatch.
        # Front matter that is not a YAML mapping is kept as the author wrote it (the
        # import warned); huggingface_hub refuses such a README whoever wrote it.
        invalid = any("model-index" in w for w in first.warnings)
        HubModelCard(readme, ignore_metadata_errors=invalid)
    second = readme_to_spec(readme, "card", kind=first.card.kind)
    assert second.card.metadata == first.card.metadata
    hub_metadata = first.card.extra.get("hub_metadata", {})
    assert {
        k: v for k, v in second.card.extra.get("hub_metadata", {}).items() if not k.startswith("_")
    } == {k: v for k, v in hub_metadata.items() if not k.startswith("_")}
    missing = _missing(_lines(_prose(first.card)), _lines(_prose(second.card)))
    assert missing == [], f"{len(missing)} lines lost, e.g. {missing[:3]}"


@needs_shared("hf-cards", "cards")
def test_round_trip_covers_the_whole_corpus() -> None:
    assert len(CARDS) == 279


def test_placeholder_matches_the_template() -> None:
    macros = (Path(__file__).resolve().parents[1] / "templates" / "_macros.md.j2").read_text()
    assert RENDERED_PLACEHOLDER in macros
    assert sanitize_markdown(RENDERED_PLACEHOLDER) == RENDERED_PLACEHOLDER
