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
    "how_to_get_started",
    "model_details.citation",
    "training_procedure",
    "environmental_impact",
    "technical_specifications",
)
"""Every section a model card's README shows, with `_More information needed._` when it is
empty: a section that renders a placeholder is not filled, in `validate`, `audit` and the
README alike."""

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
    "collection.collectors",
    "biases_and_limitations.recommendations",
    "authorship.citation",
)
"""Every section a data card's README shows, with `_More information needed._` when it is
empty (see `MODEL_RECOMMENDED`)."""

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


GOVERNANCE_TAG = "governance-card"
"""Hub tag every governance README carries; the audit recognises a governance card by it."""

GOVERNANCE_SECTIONS = _table(
    {
        # Per field: the governance templates' heading first, then the headings of BigCode's
        # governance card (and a few plain variants).
        "goals_and_values.overview": ("Goals and Values", "Project Overview", "Overview"),
        "goals_and_values.goals": ("Goals", "Project Goals"),
        "goals_and_values.values": ("Values", "Project Values"),
        "organisation.structure": ("Structure", "Project Organisation", "Project Organization"),
        "organisation.membership": ("Membership", "Participation"),
        "organisation.decision_process": ("Decision Process", "Decision Processes"),
        "funding_and_compute.funding": ("Funding", "Funding and Resources"),
        "funding_and_compute.compute": ("Compute", "Compute Resources"),
        "data_governance.data_management": (
            "Data Management",
            "Data Collection and Management Plan",
        ),
        "data_governance.consent": ("Consent", "Consent of Data Subjects"),
        "data_governance.opt_out": ("Opt-out", "Opt-out Process"),
        "data_governance.personal_data": ("Personal Data", "Private Information Handling"),
        "data_governance.data_licensing": ("Data Licensing",),
        "data_governance.copyright_policy": ("Copyright Policy", "Copyright"),
        "data_governance.training_content_summary": ("Training Content Summary",),
        "licensing_and_release.model_license": ("Model Licensing", "Model License"),
        "licensing_and_release.use_restrictions": ("Use Restrictions",),
        "licensing_and_release.release_strategy": ("Release Strategy", "Model Release"),
        "licensing_and_release.release_stages": ("Release Stages",),
        "licensing_and_release.attribution": ("Attribution",),
        "contact_and_accountability.contact": ("Contact and Accountability", "Contact"),
        "contact_and_accountability.reporting": ("Reporting",),
    }
)
"""Normalized heading -> governance-card field, from the governance templates and BigCode's
project governance card."""

GOVERNANCE_LABELS: dict[str, str] = {
    "Model cards": "governs.models",
    "Data cards": "governs.datasets",
    "Led by": "organisation.leads",
    "Provider": "organisation.provider",
    "Decisions taken by": "organisation.decision_makers",
    "Funded by": "funding_and_compute.funders",
    "Model license": "licensing_and_release.model_license",
    "Accountable": "contact_and_accountability.accountable",
}
"""`- **Label:** value` lines of the governance templates, and the field each shows."""

_NUMBERING = re.compile(r"^\s*\d+(?:\.[0-9a-z]+)*\.?\s+", re.IGNORECASE)
_LABEL_LINE = re.compile(r"^\s*[-*]\s+\*\*(?P<label>[^*]+?):\*\*\s*(?P<value>.*)$")


def section_field(heading: str, kind: str) -> str | None:
    """The card field a section with this heading fills (`model`, `data` or `governance`
    card), if any.

    A governance heading's numbering (`2.a. Consent`) is ignored: BigCode's governance card
    numbers its sections.
    """
    if kind == "governance":
        return GOVERNANCE_SECTIONS.get(normalize_heading(_NUMBERING.sub("", heading)))
    table = DATA_SECTIONS if kind == "data" else MODEL_SECTIONS
    return table.get(normalize_heading(heading))


def label_fields(body: str) -> tuple[dict[str, str], str]:
    """The `- **Label:** value` lines of a governance README section and the fields they
    show (`Led by` -> `organisation.leads`), and the section's other text."""
    found: dict[str, str] = {}
    rest: list[str] = []
    for line in body.split("\n"):
        match = _LABEL_LINE.match(line)
        path = GOVERNANCE_LABELS.get(match.group("label").strip()) if match else None
        if match and path:
            found[path] = match.group("value")
        else:
            rest.append(line)
    return found, "\n".join(rest)


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

ALSO_FILLS: dict[str, dict[str, tuple[str, ...]]] = {
    "model": {
        normalize_heading(h): paths
        for h, paths in {
            "Training Data": ("training_data.datasets",),
            "Training Dataset": ("training_data.datasets",),
            "Testing Data": ("evaluation_data.datasets",),
            "Evaluation data": ("evaluation_data.datasets",),
        }.items()
    },
    "data": {
        normalize_heading(h): paths
        for h, paths in {
            "Dataset Structure": ("composition.fields",),
            "Data Collection and Processing": ("preprocessing.description",),
            "Bias, Risks, and Limitations": ("biases_and_limitations.limitations",),
        }.items()
    },
}
"""Headings whose section the Hub template gives to several fields (the datasets and why
they were chosen; the data's collection and its filtering): the audit counts the section's
text for these fields too."""

_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "model": {
        "model_details.developers": ("Developed by",),
        "model_details.funded_by": ("Funded by",),
        "model_details.shared_by": ("Shared by",),
        "model_details.model_type": ("Model type",),
        "metadata.base_model": ("Finetuned from", "Finetuned from model"),
        "model_details.version": ("Version",),
        "model_details.date": ("Date",),
        "model_details.repository": ("Repository",),
        "model_details.paper": ("Paper",),
        "intended_use.primary_users": ("Primary users",),
        "factors.evaluation_factors": ("Evaluation is disaggregated by",),
        "metrics.decision_thresholds": ("Decision thresholds",),
        "metrics.variation_approaches": ("Uncertainty",),
        "ethical_considerations.sensitive_data": ("Sensitive data",),
        "ethical_considerations.human_life": ("Human life",),
        "ethical_considerations.mitigations": ("Mitigations",),
        "ethical_considerations.use_cases": ("Fraught use cases",),
    },
    "data": {
        "authorship.authors": ("Curated by",),
        "authorship.publishers": ("Published by",),
        "authorship.funding": ("Funded by",),
        "authorship.version": ("Version",),
        "authorship.date": ("Date",),
        "authorship.origin": ("Origin",),
        "distribution.url": ("Repository",),
        "motivation.intended_users": ("Intended users",),
        "collection.timeframe": ("Timeframe",),
        "collection.consent": ("Consent",),
        "sensitive_information.sensitive_attributes": ("Sensitive attributes",),
        "maintenance.maintainers": ("Maintainers",),
        "maintenance.update_policy": ("Updates",),
        "maintenance.errata": ("Errata",),
        "distribution.access": ("Access",),
        "distribution.terms": ("Terms",),
    },
}

LABELS: dict[str, dict[str, str]] = {
    kind: {normalize_heading(label): path for path, labels in table.items() for label in labels}
    for kind, table in _LABELS.items()
}
"""Normalized label -> field, by card kind: the labelled lines of a README (`- **Developed
by:** …`, `Primary users: …`, a `**Maintainers**` block) that the Hub template and
cardgen's own templates write for fields without a heading of their own."""


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
