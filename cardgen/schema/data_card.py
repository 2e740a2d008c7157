"""The Data Card: Pushkarna et al. (2022) / Datasheets for Datasets sections.

Structure and validation only; the profile collector fills composition facts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from ._base import SCHEMA_VERSION, CardModel, StrList
from .common import CardExtra, ExtraSection, RenderOptions
from .model_card import CARD_NAME_PATTERN
from .profile import DatasetProfile
from .sources import DataSources


class AuthorshipAndProvenance(CardModel):
    """Who made the dataset and where it comes from."""

    authors: StrList = Field(default_factory=list)
    """People or organisations that created the dataset."""
    publishers: StrList = Field(default_factory=list)
    """Who publishes and distributes it."""
    funding: str | None = None
    """Who funded its creation."""
    contact: str | None = None
    """Where to send questions about the dataset."""
    citation: str | None = None
    """How to cite it."""
    origin: str | None = None
    """Where the data originally comes from (sources, upstream datasets)."""
    version: str | None = None
    """Dataset version."""
    date: dt.date | None = None
    """Release date (YYYY-MM-DD)."""


class Motivation(CardModel):
    """Why the dataset exists and what it is for."""

    purpose: str | None = None
    """Why the dataset was created."""
    intended_uses: StrList = Field(default_factory=list)
    """Tasks and uses it suits."""
    out_of_scope_uses: StrList = Field(default_factory=list)
    """Uses it must not be put to."""
    intended_users: StrList = Field(default_factory=list)
    """Who is expected to use it."""


class FieldDescription(CardModel):
    """One column or field of the dataset."""

    name: str
    """Column name."""
    type: str | None = None
    """Type, e.g. `integer`, `category`, `text`."""
    description: str | None = None
    """What the values mean."""
    sensitive: bool = False
    """True for a sensitive attribute or personal data."""


class Split(CardModel):
    """A split of the dataset."""

    name: str
    """Split name, e.g. `train`."""
    num_rows: int | None = Field(default=None, ge=0)
    """Number of rows."""


class Composition(CardModel):
    """What the dataset contains."""

    description: str | None = None
    """What one instance is, and what the dataset holds."""
    num_instances: int | None = Field(default=None, ge=0)
    """Number of instances."""
    fields: list[FieldDescription] = Field(default_factory=list)
    """Columns or fields."""
    splits: list[Split] = Field(default_factory=list)
    """Splits."""
    profile: DatasetProfile | None = None
    """Computed composition facts (column statistics, group counts); filled by `profile`."""


class Collection(CardModel):
    """How the data was collected."""

    method: str | None = None
    """How instances were obtained (survey, scraping, sensors, ...)."""
    sources: StrList = Field(default_factory=list)
    """Where from."""
    timeframe: str | None = None
    """When it was collected."""
    collectors: str | None = None
    """Who collected it and how they were paid."""
    consent: str | None = None
    """Whether and how the people concerned consented."""


class Preprocessing(CardModel):
    """Cleaning, filtering and transformation applied."""

    description: str | None = None
    """What was done and why."""
    steps: StrList = Field(default_factory=list)
    """Steps, in order."""
    raw_data_available: bool | None = None
    """Whether the unprocessed data is available."""


class Annotation(CardModel):
    """How labels were produced."""

    process: str | None = None
    """How labels or annotations were made."""
    annotators: str | None = None
    """Who annotated, with what training and pay."""
    guidelines: str | None = None
    """Annotation guidelines, or a link to them."""
    agreement: str | None = None
    """Inter-annotator agreement or other quality measures."""


class SensitiveInformation(CardModel):
    """Sensitive attributes and personal information."""

    sensitive_attributes: StrList = Field(default_factory=list)
    """Attributes such as age, sex, race, religion present in the data."""
    personal_information: str | None = None
    """Personal or identifying information present, and how it is protected."""
    anonymization: str | None = None
    """De-identification applied."""
    personal_data: StrList = Field(default_factory=list)
    """Columns that hold personal data, in addition to those the profile detects; no value
    of theirs (top values, min/max, histograms, examples) is published in any format."""
    identifiers: StrList = Field(default_factory=list)
    """Columns that identify records or people (case numbers, ids), in addition to those
    the profile detects; their values are withheld like personal data."""
    quasi_identifiers: StrList = Field(default_factory=list)
    """Columns that identify people in combination (a date of birth, a postcode); their
    values are withheld like personal data."""


class BiasesAndLimitations(CardModel):
    """What the dataset gets wrong or leaves out."""

    known_biases: StrList = Field(default_factory=list)
    """Known biases, e.g. under-represented groups."""
    limitations: StrList = Field(default_factory=list)
    """Other limitations."""
    recommendations: StrList = Field(default_factory=list)
    """Advice for users."""


class Distribution(CardModel):
    """How the dataset is distributed. The license is `metadata.license`."""

    access: str | None = None
    """How to obtain the data."""
    url: str | None = None
    """Where it is published."""
    terms: str | None = None
    """Terms of use beyond the license."""


class Maintenance(CardModel):
    """Who keeps the dataset up to date and how."""

    maintainers: StrList = Field(default_factory=list)
    """Who maintains it."""
    update_policy: str | None = None
    """How and when it is updated."""
    errata: str | None = None
    """Where known errors are listed."""
    contact: str | None = None
    """Where to report problems."""


class HubDatasetMetadata(CardModel):
    """The Hub dataset README's YAML front matter (huggingface_hub's `DatasetCardData`)."""

    license: StrList = Field(default_factory=list)
    """License id(s), e.g. `cc-by-4.0`."""
    language: StrList = Field(default_factory=list)
    """ISO 639 language codes."""
    annotations_creators: StrList = Field(default_factory=list)
    """How annotations were created, e.g. `crowdsourced`, `expert-generated`."""
    language_creators: StrList = Field(default_factory=list)
    """How the text was created."""
    multilinguality: StrList = Field(default_factory=list)
    """`monolingual`, `multilingual`, `translation`."""
    size_categories: StrList = Field(default_factory=list)
    """Size bucket, e.g. `10K<n<100K`."""
    source_datasets: StrList = Field(default_factory=list)
    """`original` or the datasets this one derives from."""
    task_categories: StrList = Field(default_factory=list)
    """Hub task categories."""
    task_ids: StrList = Field(default_factory=list)
    """Hub task ids."""
    paperswithcode_id: str | None = None
    """Papers with Code dataset id."""
    pretty_name: str | None = None
    """Display name."""
    train_eval_index: list[dict[str, Any]] | dict[str, Any] | None = None
    """Hub evaluation configuration."""
    config_names: StrList = Field(default_factory=list)
    """Configuration (subset) names."""
    tags: StrList = Field(default_factory=list)
    """Hub tags."""


class DataCard(CardModel):
    """A Data Card (Pushkarna et al. 2022) as one typed document.

    A spec file is this document as a person writes it; the `profile` collector fills
    `composition.profile`.

    Example:
        >>> DataCard(name="adult", summary="US census extract, 1994.").kind
        'data'
    """

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    """Version of the card format."""
    kind: Literal["data"] = "data"
    """Always `data` for a data card."""
    name: str = Field(pattern=CARD_NAME_PATTERN)
    """Card identifier: letters, digits, `.`, `_`, `-`; also the file name of its outputs."""
    title: str | None = None
    """Display title; the name when omitted."""
    summary: str | None = None
    """One paragraph: what the dataset is."""
    authorship: AuthorshipAndProvenance = Field(default_factory=AuthorshipAndProvenance)
    """Authorship and provenance."""
    motivation: Motivation = Field(default_factory=Motivation)
    """Motivation and intended use."""
    composition: Composition = Field(default_factory=Composition)
    """Composition and fields."""
    collection: Collection = Field(default_factory=Collection)
    """Collection process."""
    preprocessing: Preprocessing = Field(default_factory=Preprocessing)
    """Preprocessing, cleaning, labelling."""
    annotation: Annotation = Field(default_factory=Annotation)
    """Annotation."""
    sensitive_information: SensitiveInformation = Field(default_factory=SensitiveInformation)
    """Sensitive attributes and personal information in the data."""
    biases_and_limitations: BiasesAndLimitations = Field(default_factory=BiasesAndLimitations)
    """Known biases and limitations."""
    distribution: Distribution = Field(default_factory=Distribution)
    """Distribution."""
    maintenance: Maintenance = Field(default_factory=Maintenance)
    """Maintenance."""
    metadata: HubDatasetMetadata = Field(default_factory=HubDatasetMetadata)
    """Hub metadata (README front matter)."""
    sources: DataSources = Field(default_factory=DataSources)
    """Where collected facts come from."""
    extra_sections: list[ExtraSection] = Field(default_factory=list)
    """Prose sections with no field of their own, in order."""
    render: RenderOptions = Field(default_factory=RenderOptions)
    """How the Hub README is laid out (`fill_template`)."""
    extra: CardExtra = Field(default_factory=dict)
    """Free-form additions; kept as they are, never interpreted."""
