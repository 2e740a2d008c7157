"""A card arranged for the templates: which of its sections are written, decided in Python.

Templates ask `view.written("model-details")` instead of repeating `or` chains; the rule
is `cardgen.completeness.section_state`. It renders nothing and never changes the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..completeness import section_state
from ..privacy import ROLE_NAMES, WITHHELD_ROLES
from ..schema import Card, DataCard
from ..sections import lookup

_E = "ethical_considerations."
_TS = "technical_specifications."
SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "model": {
        "model-details": (
            "model_details.developers",
            "model_details.funded_by",
            "model_details.shared_by",
            "model_details.model_type",
            "metadata.language",
            "metadata.license",
            "metadata.base_model",
            "model_details.version",
            "model_details.date",
        ),
        "model-sources": ("model_details.repository", "model_details.paper"),
        "considerations": (f"{_E}sensitive_data", f"{_E}human_life", f"{_E}mitigations"),
        "ethical-considerations": (
            f"{_E}sensitive_data",
            f"{_E}human_life",
            f"{_E}mitigations",
            f"{_E}use_cases",
        ),
        "bias-risks-limitations": (
            f"{_E}risks_and_harms",
            "caveats_and_recommendations.caveats",
            f"{_E}sensitive_data",
            f"{_E}human_life",
            f"{_E}mitigations",
            f"{_E}use_cases",
        ),
        "training-data": (
            "training_data.datasets",
            "training_data.motivation",
            "training_data.preprocessing",
        ),
        "training-procedure": (
            "training_procedure.preprocessing",
            "training_procedure.hyperparameters",
            "training_procedure.training_regime",
            "training_procedure.speeds_sizes_times",
        ),
        "evaluation-data": (
            "evaluation_data.datasets",
            "evaluation_data.motivation",
            "evaluation_data.preprocessing",
        ),
        "factors": ("factors.relevant_factors", "factors.evaluation_factors"),
        "metrics": (
            "metrics.performance_measures",
            "metrics.decision_thresholds",
            "metrics.variation_approaches",
        ),
        "environmental-impact": (
            "environmental_impact.hardware_type",
            "environmental_impact.hours_used",
            "environmental_impact.cloud_provider",
            "environmental_impact.compute_region",
            "environmental_impact.carbon_emitted_kg",
        ),
        "compute": (f"{_TS}compute_infrastructure", f"{_TS}hardware", f"{_TS}software"),
        "technical-specifications": (
            f"{_TS}model_architecture_and_objective",
            f"{_TS}compute_infrastructure",
            f"{_TS}hardware",
            f"{_TS}software",
        ),
    },
    "data": {
        "composition": (
            "composition.description",
            "composition.num_instances",
            "composition.splits",
            "composition.fields",
            "composition.profile",
        ),
        "collection": (
            "collection.method",
            "collection.sources",
            "collection.timeframe",
            "collection.consent",
            "preprocessing.description",
            "preprocessing.steps",
        ),
        "annotation": (
            "annotation.process",
            "annotation.annotators",
            "annotation.guidelines",
            "annotation.agreement",
        ),
        "sensitive-information": (
            "sensitive_information.sensitive_attributes",
            "sensitive_information.personal_information",
            "sensitive_information.anonymization",
            "composition.profile.personal_data",
        ),
        "biases-limitations": (
            "biases_and_limitations.known_biases",
            "biases_and_limitations.limitations",
        ),
    },
    "governance": {
        "governs": ("governs.models", "governs.datasets"),
    },
}
"""The fields each rendered section shows, by card kind: the section is filled when any is."""


@dataclass(frozen=True)
class CardView:
    """A card with the one answer to "is this section written?" for its templates."""

    card: Card

    def state(self, name: str) -> str:
        """`filled`, `placeholder` or `empty` for a section of `SECTIONS` or a dotted field."""
        paths = SECTIONS[self.card.kind].get(name, (name,))
        return section_state([self._value(path) for path in paths])

    def filled(self, *names: str) -> bool:
        """True when any of the named sections (or dotted fields) is filled: what
        completeness counts."""
        return any(self.state(name) == "filled" for name in names)

    def written(self, *names: str) -> bool:
        """True when any of the named sections holds text, a placeholder included: what
        the templates show (an author's own "More information needed" is kept as written)."""
        return any(self.state(name) != "empty" for name in names)

    def withheld_roles(self) -> dict[str, str]:
        """Columns of a data card's profile whose values are withheld, with their role in
        words (`identifier`, `personal data`, ...), in column order."""
        profile = self.card.composition.profile if isinstance(self.card, DataCard) else None
        if profile is None:
            return {}
        return {c.name: ROLE_NAMES[c.role] for c in profile.columns if c.role in WITHHELD_ROLES}

    def sensitive_attributes(self) -> list[str]:
        """A data card's sensitive attributes, one list for its sentence and its tables: those
        `sensitive_information` names, fields marked `sensitive`, and profiled columns whose
        role is `sensitive_attribute`, less columns whose values are withheld (listed by
        role instead)."""
        if not isinstance(self.card, DataCard):
            return []
        profile = self.card.composition.profile
        named = [
            *self.card.sensitive_information.sensitive_attributes,
            *(f.name for f in self.card.composition.fields if f.sensitive),
            *(
                c.name
                for c in (profile.columns if profile else [])
                if c.role == "sensitive_attribute"
            ),
        ]
        withheld = self.withheld_roles()
        return [name for name in dict.fromkeys(named) if name not in withheld]

    def _value(self, path: str) -> Any:
        try:
            return lookup(self.card, path)
        except AttributeError:  # an optional parent (e.g. no profile) holds nothing
            return None


def card_view(card: Card) -> CardView:
    """The view the card templates receive as `view`."""
    return CardView(card)
