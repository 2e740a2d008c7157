"""The card's sections: which fields a card recommends, the Hub template's order and
headings, and which spec field each Hub heading fills.

One home for what `cardgen import`, rendering, the audit, completeness and the crosswalk
know about a card's layout; it holds tables and lookups and reads or writes no card.
"""

from __future__ import annotations

import re
from typing import Any

LAYOUT_KEY = "hub_import"
"""Key under a card's `extra` where `cardgen import` records the README's layout, so that
the README's prose can be put back together in its original order."""

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


def normalize_heading(heading: str) -> str:
    """A heading as the tables key it: lower case, no emphasis, `and` as `&`."""
    text = re.sub(r"[*_`]|\[optional\]|:$", "", heading.lower())
    text = re.sub(r"\s+", " ", text).strip(" :")
    return text.replace(" and ", " & ")


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalize_heading(h): path for path, headings in pairs.items() for h in headings}


MODEL_SECTIONS = _table(
    {
        "summary": (
            "Model description",
            "Model Description",
            "Description",
            "Model Summary",
            "Model details",
            "Overview",
        ),
        "intended_use.primary_uses": (
            "Intended uses & limitations",
            "Intended uses",
            "Intended use",
            "Uses",
            "Direct Use",
            "Primary intended uses",
        ),
        "intended_use.downstream_uses": ("Downstream Use",),
        "intended_use.out_of_scope_uses": (
            "Out-of-Scope Use",
            "Out of scope use",
            "Out-of-scope uses",
            "Misuse and Out-of-scope Use",
        ),
        "factors.relevant_factors": ("Factors",),
        "metrics.performance_measures": ("Metrics", "Evaluation metrics"),
        "training_data.motivation": (
            "Training data",
            "Training and evaluation data",
            "Training Dataset",
        ),
        "evaluation_data.motivation": ("Testing Data", "Evaluation data", "Evaluation dataset"),
        "quantitative_analyses.summary": (
            "Results",
            "Evaluation results",
            "Evaluation",
            "Quantitative analyses",
        ),
        "training_procedure.training_regime": ("Training procedure",),
        "training_procedure.preprocessing": ("Preprocessing",),
        "training_procedure.speeds_sizes_times": ("Speeds, Sizes, Times",),
        "caveats_and_recommendations.caveats": (
            "Bias, Risks, and Limitations",
            "Limitations",
            "Limitations and bias",
            "Limitations and biases",
            "Bias and limitations",
            "Risks and limitations",
            "Caveats",
            "Known limitations",
        ),
        "caveats_and_recommendations.recommendations": ("Recommendations",),
        "ethical_considerations.risks_and_harms": ("Ethical considerations", "Ethics"),
        "how_to_get_started": (
            "How to Get Started with the Model",
            "How to use",
            "Usage",
            "Getting started",
            "How to Use the Model",
        ),
        "model_details.citation": (
            "Citation",
            "BibTeX entry and citation info",
            "Citation information",
        ),
        "model_details.contact": ("Model Card Contact", "Contact"),
        "technical_specifications.model_architecture_and_objective": (
            "Model Architecture and Objective",
            "Model architecture",
        ),
        "technical_specifications.compute_infrastructure": ("Compute Infrastructure",),
        "technical_specifications.hardware": ("Hardware",),
        "technical_specifications.software": ("Software",),
    }
)
"""Normalized heading -> model-card field, from the Hub template and common variants."""

DATA_SECTIONS = _table(
    {
        "summary": ("Dataset Summary", "Dataset Description", "Description"),
        "motivation.purpose": ("Curation Rationale", "Motivation"),
        "motivation.intended_uses": ("Direct Use", "Uses", "Supported Tasks and Leaderboards"),
        "motivation.out_of_scope_uses": ("Out-of-Scope Use",),
        "composition.description": ("Dataset Structure", "Data Instances"),
        "collection.method": (
            "Source Data",
            "Data Collection and Processing",
            "Initial Data Collection and Normalization",
        ),
        "collection.collectors": (
            "Who are the source data producers?",
            "Who are the source language producers?",
        ),
        "annotation.process": ("Annotation process", "Annotations"),
        "annotation.annotators": ("Who are the annotators?",),
        "sensitive_information.personal_information": ("Personal and Sensitive Information",),
        "biases_and_limitations.known_biases": (
            "Bias, Risks, and Limitations",
            "Discussion of Biases",
        ),
        "biases_and_limitations.limitations": ("Other Known Limitations", "Limitations"),
        "biases_and_limitations.recommendations": ("Recommendations",),
        "authorship.citation": ("Citation", "Citation Information"),
        "authorship.contact": ("Dataset Card Contact", "Contact"),
        "distribution.terms": ("Licensing Information",),
        "maintenance.maintainers": ("Dataset Curators",),
    }
)
"""Normalized heading -> data-card field, from the Hub dataset template and its variants."""


def section_field(heading: str, kind: str) -> str | None:
    """The card field a section with this heading fills (`model` or `data` card), if any."""
    table = DATA_SECTIONS if kind == "data" else MODEL_SECTIONS
    return table.get(normalize_heading(heading))


MODEL_ORDER: dict[str, str] = {
    "title": "",
    "title+summary": "",
    "summary": "Model Description",
    "intended_use.primary_uses": "Direct Use",
    "intended_use.downstream_uses": "Downstream Use",
    "intended_use.out_of_scope_uses": "Out-of-Scope Use",
    "caveats_and_recommendations.caveats": "Bias, Risks, and Limitations",
    "ethical_considerations.risks_and_harms": "Ethical Considerations",
    "caveats_and_recommendations.recommendations": "Recommendations",
    "how_to_get_started": "How to Get Started with the Model",
    "training_data.motivation": "Training Data",
    "training_procedure.preprocessing": "Preprocessing",
    "training_procedure.training_regime": "Training Procedure",
    "training_procedure.speeds_sizes_times": "Speeds, Sizes, Times",
    "evaluation_data.motivation": "Testing Data",
    "factors.relevant_factors": "Factors",
    "metrics.performance_measures": "Metrics",
    "quantitative_analyses.summary": "Evaluation Results",
    "results": "Evaluation Results",
    "technical_specifications.model_architecture_and_objective": "Model Architecture and Objective",
    "technical_specifications.compute_infrastructure": "Compute Infrastructure",
    "technical_specifications.hardware": "Hardware",
    "technical_specifications.software": "Software",
    "model_details.citation": "Citation",
    "more-sections": "",
    "model_details.contact": "Model Card Contact",
}
"""Model-card places in the order of the Hub's model card template, with the heading a
new section gets there."""

DATA_ORDER: dict[str, str] = {
    "title": "",
    "title+summary": "",
    "summary": "Dataset Description",
    "motivation.intended_uses": "Direct Use",
    "motivation.out_of_scope_uses": "Out-of-Scope Use",
    "composition.description": "Dataset Structure",
    "profile": "Dataset Profile",
    "motivation.purpose": "Curation Rationale",
    "collection.method": "Data Collection and Processing",
    "collection.collectors": "Who are the source data producers?",
    "annotation.process": "Annotation process",
    "annotation.annotators": "Who are the annotators?",
    "sensitive_information.personal_information": "Personal and Sensitive Information",
    "biases_and_limitations.known_biases": "Bias, Risks, and Limitations",
    "biases_and_limitations.limitations": "Other Known Limitations",
    "biases_and_limitations.recommendations": "Recommendations",
    "distribution.terms": "Licensing Information",
    "authorship.citation": "Citation",
    "maintenance.maintainers": "Dataset Curators",
    "more-sections": "",
    "authorship.contact": "Dataset Card Contact",
}
"""Data-card places in the order of the Hub's dataset card template."""


def heading_rank(heading: str | None, kind: str) -> int | None:
    """The template rank of an author's section from its heading (None when unknown)."""
    if not heading:
        return None
    path = section_field(heading, kind)
    order = list(DATA_ORDER if kind == "data" else MODEL_ORDER)
    return order.index(path) if path in order else None


def region_rank(name: str, kind: str) -> int | None:
    """The template rank of a region cardgen adds to an imported card's layout."""
    order = list(DATA_ORDER if kind == "data" else MODEL_ORDER)
    base = name.removesuffix("-more")
    return order.index(base) if base in order else None


EXTRA_MODEL_SECTIONS: tuple[str, ...] = (
    "how_to_get_started",
    "model_details.citation",
    "training_procedure",
    "environmental_impact",
    "technical_specifications",
)
"""Hub-template sections audited besides validate's recommended ones (Liang et al. measured
exactly these); they do not count towards completeness."""

EXTRA_HEADINGS: dict[str, str] = {
    normalize_heading(h): path
    for path, headings in {
        "training_procedure": (
            "Training Details",
            "Training hyperparameters",
            "Training results",
            "Framework versions",
        ),
        "environmental_impact": ("Environmental Impact", "Carbon emissions", "Carbon Footprint"),
        "technical_specifications": ("Technical Specifications",),
    }.items()
    for h in headings
}
"""Headings of audited sections that `cardgen import` keeps as extra sections."""


def lookup(card: Any, dotted: str) -> Any:
    """The value at a dotted path such as `model_details.developers`."""
    value = card
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def has_field(model: Any, dotted: str) -> bool:
    """Whether a dotted path such as `intended_use.primary_uses` names a field of `model`
    (a pydantic model class) and of the models nested in it."""
    for part in dotted.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        model = fields[part].annotation
    return True
