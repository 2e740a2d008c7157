"""Completeness of a card: which recommended sections a person has not filled yet.

It reads a validated card and reports; it never changes the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .filled import fill_state
from .schema import DataCard, GovernanceCard, ModelCard

SectionState = Literal["filled", "placeholder", "empty"]

# Each entry is one recommended section; alternatives separated by "|" count as filled
# when any of them is (an evaluation may be typed in, or come from a configured source).
MODEL_RECOMMENDED: tuple[str, ...] = (
    "summary",
    "model_details.developers",
    "model_details.version",
    "model_details.date",
    "model_details.model_type",
    "model_details.contact",
    "metadata.license",
    "intended_use.primary_uses",
    "intended_use.primary_users",
    "intended_use.out_of_scope_uses",
    "factors.relevant_factors",
    "factors.evaluation_factors",
    "metrics.performance_measures",
    "metrics.decision_thresholds",
    "metrics.variation_approaches",
    "evaluation_data.datasets",
    "training_data.datasets",
    "quantitative_analyses.evaluations|sources.evaluate|sources.probe|sources.hub",
    "ethical_considerations.sensitive_data",
    "ethical_considerations.risks_and_harms",
    "ethical_considerations.mitigations",
    "caveats_and_recommendations.caveats",
    "caveats_and_recommendations.recommendations",
)

DATA_RECOMMENDED: tuple[str, ...] = (
    "summary",
    "authorship.authors",
    "authorship.contact",
    "authorship.origin",
    "motivation.purpose",
    "motivation.intended_uses",
    "motivation.out_of_scope_uses",
    "composition.description",
    "composition.fields|composition.profile|sources.profile",
    "collection.method",
    "collection.timeframe",
    "preprocessing.description",
    "annotation.process",
    "sensitive_information.sensitive_attributes",
    "sensitive_information.personal_information",
    "biases_and_limitations.known_biases",
    "biases_and_limitations.limitations",
    "metadata.license",
    "distribution.access",
    "maintenance.maintainers",
    "maintenance.update_policy",
)


GOVERNANCE_RECOMMENDED: tuple[str, ...] = (
    "summary",
    "governs.models|governs.datasets",
    "goals_and_values.overview",
    "goals_and_values.values",
    "organisation.leads",
    "organisation.decision_process",
    "funding_and_compute.funding",
    "funding_and_compute.compute",
    "data_governance.consent",
    "data_governance.opt_out",
    "data_governance.personal_data",
    "data_governance.data_licensing",
    "data_governance.copyright_policy",
    "data_governance.training_content_summary",
    "licensing_and_release.model_license",
    "licensing_and_release.release_strategy",
    "contact_and_accountability.contact",
    "contact_and_accountability.accountable",
)

RECOMMENDED: dict[str, tuple[str, ...]] = {
    "model": MODEL_RECOMMENDED,
    "data": DATA_RECOMMENDED,
    "governance": GOVERNANCE_RECOMMENDED,
}
"""The recommended sections of each kind of card."""


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


def lookup(card: Any, dotted: str) -> Any:
    """The value at a dotted path such as `model_details.developers`."""
    value = card
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


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
