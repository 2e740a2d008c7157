"""The Model Card: Mitchell et al. (2019) sections plus the Hub template's additions.

Structure and validation only; collectors fill evaluations, renderers read the card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from ._base import SCHEMA_VERSION, CardModel, StrList
from .common import CardExtra, ExtraSection, RenderOptions
from .documentation import (
    ArtefactProvenance,
    ComputeAndEnergy,
    DesignChoices,
    DistributionAndIntegration,
    EvaluationIntegrity,
    RedTeamingAndAlignment,
    RegulatoryScope,
)
from .evaluation import DatasetReference, DisaggregatedEvaluation
from .files import FileDigest
from .sources import MetricNames, ModelSources
from .verification import Verification

CARD_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class ModelDetails(CardModel):
    """Basic information about the model (Mitchell et al. §4.1).

    The license is recorded once, in `metadata.license`, because it is Hub metadata too.
    """

    developers: StrList = Field(default_factory=list)
    """People or organisations that developed the model."""
    shared_by: str | None = None
    """Who made the model available, when not the developers."""
    funded_by: str | None = None
    """Who paid for the work."""
    version: str | None = None
    """Model version, e.g. `1.2.0`."""
    date: dt.date | None = None
    """Release date (YYYY-MM-DD)."""
    model_type: str | None = None
    """Kind of model, e.g. `gradient-boosted trees` or `encoder-only transformer`."""
    architecture: str | None = None
    """Architecture details: layers, parameters, inputs and outputs."""
    paper: str | None = None
    """Paper or report describing the model (URL or citation)."""
    repository: str | None = None
    """Where the code or weights live."""
    citation: str | None = None
    """How to cite the model (BibTeX welcome)."""
    contact: str | None = None
    """Where to send questions or comments about the model."""


class IntendedUse(CardModel):
    """What the model is for and what it is not for (§4.2)."""

    primary_uses: StrList = Field(default_factory=list)
    """Uses the model was built and evaluated for."""
    primary_users: StrList = Field(default_factory=list)
    """Who is expected to use it."""
    downstream_uses: StrList = Field(default_factory=list)
    """Uses after fine-tuning or inside a larger system."""
    out_of_scope_uses: StrList = Field(default_factory=list)
    """Uses the model must not be put to, or was not evaluated for."""


class Factors(CardModel):
    """Groups, instruments and environments that affect performance (§4.3)."""

    relevant_factors: StrList = Field(default_factory=list)
    """Factors foreseeably relevant to performance, e.g. demographic groups or lighting."""
    evaluation_factors: StrList = Field(default_factory=list)
    """Factors the reported evaluation is disaggregated by, and why those."""


class MetricsSection(CardModel):
    """How performance is measured (§4.4)."""

    performance_measures: StrList = Field(default_factory=list)
    """Metrics reported and why they were chosen."""
    decision_thresholds: StrList = Field(default_factory=list)
    """Thresholds used to turn scores into decisions, and why."""
    variation_approaches: str | None = None
    """How uncertainty is measured, e.g. bootstrap confidence intervals."""


class DataSection(CardModel):
    """Data used to evaluate or to train the model (§4.5, §4.6)."""

    datasets: list[DatasetReference] = Field(default_factory=list)
    """The datasets."""
    motivation: str | None = None
    """Why these datasets were chosen."""
    preprocessing: str | None = None
    """How the data was prepared."""


class QuantitativeAnalyses(CardModel):
    """Results, overall and disaggregated by group and intersectional group (§4.7)."""

    summary: str | None = None
    """A person's reading of the results."""
    evaluations: list[DisaggregatedEvaluation] = Field(default_factory=list)
    """Evaluation facts: usually collected, not typed by hand."""
    claims_checked: Verification | None = None
    """The card's claims re-run by `cardgen verify` (collected, not typed by hand)."""


class EthicalConsiderations(CardModel):
    """Ethical considerations (§4.8)."""

    sensitive_data: str | None = None
    """Does the model use sensitive data (e.g. protected classes)?"""
    human_life: str | None = None
    """Is the model meant to inform decisions central to human life or flourishing?"""
    mitigations: str | None = None
    """What was done to mitigate risks during development."""
    risks_and_harms: StrList = Field(default_factory=list)
    """Risks in using the model, and who could be harmed."""
    use_cases: StrList = Field(default_factory=list)
    """Fraught use cases known to the developers."""


class CaveatsAndRecommendations(CardModel):
    """Concerns not covered above, and advice to users (§4.9)."""

    caveats: StrList = Field(default_factory=list)
    """Known caveats and limitations."""
    recommendations: StrList = Field(default_factory=list)
    """Recommendations for users."""


class TrainingProcedure(CardModel):
    """How the model was trained (Hub template: Training Details)."""

    preprocessing: str | None = None
    """Preprocessing of the training data."""
    training_regime: str | None = None
    """Precision and regime, e.g. `bf16 mixed precision`."""
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    """Hyperparameters by name."""
    speeds_sizes_times: str | None = None
    """Throughput, checkpoint size, training time."""


class EnvironmentalImpact(CardModel):
    """Compute and emissions (Hub template; Lacoste et al. 2019)."""

    hardware_type: str | None = None
    """Hardware used, e.g. `8x A100 80GB`."""
    hours_used: float | None = Field(default=None, ge=0)
    """Hours of compute."""
    cloud_provider: str | None = None
    """Cloud provider, if any."""
    compute_region: str | None = None
    """Region of the compute."""
    carbon_emitted_kg: float | None = Field(default=None, ge=0)
    """Estimated CO2-equivalent emitted, in kilograms."""


class TechnicalSpecifications(CardModel):
    """Architecture, objective and infrastructure (Hub template)."""

    model_architecture_and_objective: str | None = None
    """Architecture and training objective."""
    compute_infrastructure: str | None = None
    """Hardware and software used."""
    hardware: str | None = None
    """Hardware requirements to run the model."""
    software: str | None = None
    """Software requirements to run the model."""


class HubModelMetadata(CardModel):
    """The Hub README's YAML front matter (huggingface_hub's `ModelCardData` fields).

    `model-index` is not written here: it is built from the card's evaluations.
    """

    license: str | None = None
    """License id (e.g. `apache-2.0`), or `other` with `license_name` and `license_link`."""
    license_name: str | None = None
    """Name of a license that has no Hub id."""
    license_link: str | None = None
    """Link to that license's text."""
    language: StrList = Field(default_factory=list)
    """ISO 639 language codes."""
    tags: StrList = Field(default_factory=list)
    """Hub tags."""
    pipeline_tag: str | None = None
    """Hub task, e.g. `text-classification`."""
    library_name: str | None = None
    """Library that loads the model, e.g. `transformers` or `sklearn`."""
    datasets: StrList = Field(default_factory=list)
    """Hub ids of datasets used."""
    metrics: StrList = Field(default_factory=list)
    """Metric ids used."""
    base_model: StrList = Field(default_factory=list)
    """Hub ids of the model(s) this one derives from."""
    base_model_relation: Literal["adapter", "merge", "quantized", "finetune"] | None = None
    """How the model derives from its base model."""
    model_name: str | None = None
    """Model name used in `model-index`."""
    thumbnail: str | None = None
    """Image shown on the Hub."""


class ModelRenderOptions(RenderOptions):
    """How a model card's documents are rendered."""

    model_index: Literal["compact", "full"] = "compact"
    """`compact`: the README's `model-index` holds the overall value of each headline metric
    per evaluation; `full`: every metric of every group and fairness measure as well."""


class ModelCard(CardModel):
    """A Model Card (Mitchell et al. 2019) as one typed document.

    A spec file (`cards/NAME.yaml`) is this document as a person writes it: prose,
    metadata and `sources` (where the facts come from). Collected facts, such as
    evaluations, are merged in; the spec itself is never rewritten.

    Example:
        >>> card = ModelCard(name="adult-income", summary="Predicts income > 50K.")
        >>> card.kind
        'model'
    """

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    """Version of the card format."""
    kind: Literal["model"] = "model"
    """Always `model` for a model card."""
    name: str = Field(pattern=CARD_NAME_PATTERN)
    """Card identifier: letters, digits, `.`, `_`, `-`; also the file name of its outputs."""
    title: str | None = None
    """Display title; the name when omitted."""
    summary: str | None = None
    """One paragraph: what the model is and does."""
    model_details: ModelDetails = Field(default_factory=ModelDetails)
    """Model details."""
    intended_use: IntendedUse = Field(default_factory=IntendedUse)
    """Intended use."""
    factors: Factors = Field(default_factory=Factors)
    """Factors."""
    metrics: MetricsSection = Field(default_factory=MetricsSection)
    """Metrics."""
    evaluation_data: DataSection = Field(default_factory=DataSection)
    """Evaluation data."""
    training_data: DataSection = Field(default_factory=DataSection)
    """Training data."""
    quantitative_analyses: QuantitativeAnalyses = Field(default_factory=QuantitativeAnalyses)
    """Quantitative analyses."""
    ethical_considerations: EthicalConsiderations = Field(default_factory=EthicalConsiderations)
    """Ethical considerations."""
    caveats_and_recommendations: CaveatsAndRecommendations = Field(
        default_factory=CaveatsAndRecommendations
    )
    """Caveats and recommendations."""
    training_procedure: TrainingProcedure = Field(default_factory=TrainingProcedure)
    """Training procedure and hyperparameters."""
    environmental_impact: EnvironmentalImpact = Field(default_factory=EnvironmentalImpact)
    """Environmental impact."""
    technical_specifications: TechnicalSpecifications = Field(
        default_factory=TechnicalSpecifications
    )
    """Technical specifications."""
    how_to_get_started: str | None = None
    """Code or steps to start using the model (Markdown)."""
    distribution: DistributionAndIntegration = Field(default_factory=DistributionAndIntegration)
    """Distribution and integration: channels, requirements, input and output limits."""
    artefact_provenance: ArtefactProvenance = Field(default_factory=ArtefactProvenance)
    """Artefact provenance: base-model dependencies and the weights' hash."""
    compute_and_energy: ComputeAndEnergy = Field(default_factory=ComputeAndEnergy)
    """Training and inference compute, time and energy, each with its method."""
    design_choices: DesignChoices = Field(default_factory=DesignChoices)
    """Design choices, assumptions and trade-offs."""
    evaluation_integrity: EvaluationIntegrity = Field(default_factory=EvaluationIntegrity)
    """Contamination checks, reproducibility artefacts and why the metrics fit."""
    red_teaming_and_alignment: RedTeamingAndAlignment = Field(
        default_factory=RedTeamingAndAlignment
    )
    """Red-teaming and alignment."""
    regulatory: RegulatoryScope = Field(default_factory=RegulatoryScope)
    """Which documentation regimes apply (flags read by `cardgen crosswalk`)."""
    metadata: HubModelMetadata = Field(default_factory=HubModelMetadata)
    """Hub metadata (README front matter)."""
    model_files: StrList = Field(default_factory=list)
    """The model's files this card describes: paths or globs (`../models/*.safetensors`,
    a folder for all its files) relative to the spec's folder. `cardgen build` records
    each file's SHA-256 in `file_digests`; `validate` and `build` warn when they change."""
    file_digests: list[FileDigest] = Field(default_factory=list)
    """SHA-256 of every model file the card describes: collected by `cardgen build` from
    `model_files`, or from the files a `sources.run` entry loaded; not typed by hand."""
    headline_metrics: MetricNames = Field(default_factory=list)
    """Metrics readers see first, in every evaluation (default: each evaluation's own)."""
    sources: ModelSources = Field(default_factory=ModelSources)
    """Where collected facts come from."""
    extra_sections: list[ExtraSection] = Field(default_factory=list)
    """Prose sections with no field of their own (e.g. from an imported card), in order."""
    render: ModelRenderOptions = Field(default_factory=ModelRenderOptions)
    """How the Hub README is laid out (`fill_template`, `model_index`)."""
    extra: CardExtra = Field(default_factory=dict)
    """Free-form additions; kept as they are, never interpreted."""
