"""Completeness of a card: which recommended sections a person has not filled yet.

It reads a validated card and reports; it never changes the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .filled import fill_state
from .schema import DataCard, GovernanceCard, ModelCard
from .sections import RECOMMENDED, lookup

SectionState = Literal["filled", "placeholder", "empty"]


@dataclass(frozen=True)
class Completeness:
    """Which recommended sections are filled, which are still empty, and the share filled."""

    filled: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def percent(self) -> float:
        """Share of recommended sections filled, 0–100."""
        total = len(self.filled) + len(self.missing)
        return 100.0 * len(self.filled) / total if total else 100.0


def section_state(value: Any) -> SectionState:
    """Whether a card value counts as written: the one rule for templates, completeness,
    validation, the audit and the site (`cardgen.filled.fill_state`).

    Text is `empty` when blank and `placeholder` when it only says that something is
    missing (see `cardgen.filled.PLACEHOLDERS`); a list, mapping or section is `filled`
    when any of its items is, else `placeholder` when any item is one (a section's fields
    left at their defaults do not count); numbers, dates and booleans are `filled`; None
    is `empty`.

    Example:
        >>> section_state("[More Information Needed]"), section_state(["", "en"])
        ('placeholder', 'filled')
    """
    return fill_state(value)


def is_filled(value: Any) -> bool:
    """`section_state(value) == "filled"`."""
    return section_state(value) == "filled"


def completeness(card: ModelCard | DataCard | GovernanceCard) -> Completeness:
    """Check a card against its kind's recommended sections.

    Example:
        >>> completeness(ModelCard(name="x", summary="A model.")).filled
        ('summary',)
    """
    recommended = RECOMMENDED[card.kind]
    filled: list[str] = []
    missing: list[str] = []
    for entry in recommended:
        alternatives = entry.split("|")
        done = any(is_filled(lookup(card, alt)) for alt in alternatives)
        (filled if done else missing).append(alternatives[0])
    return Completeness(tuple(filled), tuple(missing))
