"""Optional model-card sections that regulation asks for and no Mitchell/Hub section covers.

Structure and validation only (EU AI Act Annexes IV/XI/XII, the GPAI Model Documentation
Form, NIST AI 600-1); the crosswalk reads them, nothing here decides what applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from ._base import CardModel, StrList


class MeasuredQuantity(CardModel):
    """A reported quantity with its unit and how it was measured or estimated."""

    value: float | None = Field(default=None, ge=0)
    """The number, e.g. `3.1e21`."""
    unit: str | None = None
    """Its unit, e.g. `FLOP`, `GPU-hours`, `days`, `kWh`, `MWh`."""
    method: str | None = None
    """How the number was obtained: measured (with what tool) or estimated (from what)."""


class DistributionAndIntegration(CardModel):
    """How the model is distributed and what it takes to run or integrate it."""

    distribution_channels: StrList = Field(default_factory=list)
    """Where and how the model is made available, e.g. `Hub download`, `hosted API`."""
    union_market_date: dt.date | None = None
    """Date the model was first placed on the EU market (YYYY-MM-DD)."""
    acceptable_use_policy: str | None = None
    """Acceptable-use policy (link or text), or a statement that none exists."""
    integration: str | None = None
    """Technical means to integrate the model into a system: instructions, infrastructure,
    tools."""
    required_hardware: str | None = None
    """Hardware needed to run the model, e.g. `one GPU with 24 GB`."""
    required_software: StrList = Field(default_factory=list)
    """Software and versions needed to run it, e.g. `transformers>=4.40`."""
    input_modalities: StrList = Field(default_factory=list)
    """Input modalities, e.g. `text`, `image`."""
    output_modalities: StrList = Field(default_factory=list)
    """Output modalities."""
    input_format: str | None = None
    """Format of the inputs, e.g. `UTF-8 text, chat template`."""
    output_format: str | None = None
    """Format of the outputs, e.g. `probability of the positive class`."""
    max_input_size: str | None = None
    """Largest input accepted, e.g. `8,192 tokens` (the context window)."""
    max_output_size: str | None = None
    """Largest output produced, e.g. `2,048 tokens`."""


class ArtefactProvenance(CardModel):
    """Where the released weights come from and how to check them."""

    base_model_dependencies: StrList = Field(default_factory=list)
    """Models this one was fine-tuned, distilled or otherwise derived from, with versions;
    `none` when trained from scratch."""
    adaptation: str | None = None
    """How the base models were adapted (fine-tuning, adapters, merging, quantisation)."""
    weights_hash: str | None = None
    """Hash of the released weights, e.g. `sha256:…`, or a pinned revision."""
    parameter_count: int | None = Field(default=None, ge=0)
    """Total number of parameters."""
    authenticity: str | None = None
    """Other evidence of the artefact's authenticity, e.g. a signed release or endpoint."""


class ComputeAndEnergy(CardModel):
    """Compute, time and energy spent on training and inference, each with its method."""

    training_compute: MeasuredQuantity = Field(default_factory=MeasuredQuantity)
    """Compute used to train (usually FLOP)."""
    training_time: MeasuredQuantity = Field(default_factory=MeasuredQuantity)
    """Wall-clock training time or hardware time."""
    training_energy: MeasuredQuantity = Field(default_factory=MeasuredQuantity)
    """Energy used to train (kWh or MWh)."""
    inference_compute: MeasuredQuantity = Field(default_factory=MeasuredQuantity)
    """Compute of a stated benchmark inference task."""
    notes: str | None = None
    """Anything else about compute: hardware, utilisation, what was left out."""


class DesignChoices(CardModel):
    """Key design decisions, why they were made, and what was traded off."""

    choices: StrList = Field(default_factory=list)
    """Key design choices of the model and its training, each with its rationale."""
    assumptions: StrList = Field(default_factory=list)
    """Assumptions made, including about the people the model is meant for."""
    optimisation_objective: str | None = None
    """What the model optimises for and why."""
    trade_offs: StrList = Field(default_factory=list)
    """Trade-offs accepted (e.g. accuracy against latency or fairness)."""
    training_process: str | None = None
    """Stages and methods of training (pre-training, fine-tuning, preference tuning)."""


class EvaluationIntegrity(CardModel):
    """Whether the reported evaluation can be trusted and reproduced."""

    contamination_checks: str | None = None
    """Train–test overlap or contamination checks done, and what they found."""
    reproducibility_artefacts: StrList = Field(default_factory=list)
    """Code, prompts, configurations and logs needed to reproduce the results (links)."""
    metric_rationale: str | None = None
    """Why the chosen metrics fit this model and its uses."""
    unmeasured_risks: StrList = Field(default_factory=list)
    """Risks that could not be measured, and why."""
    test_logs: str | None = None
    """Where dated test logs and reports are kept."""


class RedTeamingAndAlignment(CardModel):
    """Adversarial testing and the adaptations made to align the model."""

    red_teaming: str | None = None
    """Internal or external adversarial testing done (who, how, scope) and findings."""
    alignment: str | None = None
    """Alignment methods used, e.g. RLHF, DPO, constitutional rules, refusal training."""
    adaptations: StrList = Field(default_factory=list)
    """Other adaptations after pre-training: fine-tuning, safety filters, system prompts."""


class RegulatoryScope(CardModel):
    """Flags that decide which documentation regimes apply to the card (crosswalk).

    A flag left false makes the items that depend on it `not applicable`, with the reason.
    """

    high_risk_system: bool = False
    """The model is, or is part of, a high-risk AI system (EU AI Act Art. 6): Annex IV applies."""
    general_purpose: bool = False
    """The model is a general-purpose AI model (Art. 3(63)): Annexes XI and XII apply."""
    open_source: bool = False
    """Released under a free and open-source licence with public weights, architecture and
    usage information (Art. 53(2)): exempt from Annexes XI and XII unless systemic risk."""
    systemic_risk: bool = False
    """A general-purpose model with systemic risk (Art. 51): Annex XI Section 2 applies."""
    product_component: bool = False
    """The system is a component of a product (Annex IV point 1(f))."""
    scope: Literal["model", "system"] = "model"
    """Whether the card documents a model alone or a whole AI system; system-level items
    are not applicable to a model card."""
