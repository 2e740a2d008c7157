"""Sections shared by model cards and data cards.

Only structure lives here; text comes from specs and numbers from collectors.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import CardModel


class ExtraSection(CardModel):
    """A section of prose with no field of its own, kept verbatim and in order."""

    heading: str
    """The section heading as written, without the leading `#`s."""
    level: int = Field(default=2, ge=1, le=6)
    """Markdown heading level."""
    body: str = ""
    """The section's Markdown, byte for byte."""


class RenderOptions(CardModel):
    """How the Hub README of this card is laid out."""

    fill_template: bool = False
    """Lay an imported card out as the full Hub template (every section, placeholders for
    empty ones) instead of keeping the author's sections and order."""


CardExtra = dict[str, Any]
"""Free-form additions a card's author wants to keep; never interpreted by cardgen."""
