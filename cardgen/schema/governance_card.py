"""The Governance Card: how a project that builds models and datasets is run and answers for them.

Structure and validation only, after the sections of BigCode's project governance card;
whether the cards it links exist is checked by `cardgen.governance`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from ._base import SCHEMA_VERSION, CardModel, StrList, _one_or_many
from .common import CardExtra, ExtraSection
from .model_card import CARD_NAME_PATTERN


def _unique(names: list[str]) -> list[str]:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"card {', '.join(map(repr, repeated))} listed more than once")
    return names


CardNames = Annotated[
    list[Annotated[str, Field(pattern=CARD_NAME_PATTERN)]],
    BeforeValidator(_one_or_many),
    AfterValidator(_unique),
]
"""Names of other cards (their `name:`), each once."""


class GovernedCards(CardModel):
    """The project's model and data cards this governance covers, by card name."""

    models: CardNames = Field(default_factory=list)
    """Names of the project's model cards (`kind: model`); `cardgen validate` and `build`
    check that each exists. The regulation crosswalk of each of these models reads its
    organisational items (copyright policy, training-content summary) from this card."""
    datasets: CardNames = Field(default_factory=list)
    """Names of the project's data cards (`kind: data`), checked the same way."""


class GoalsAndValues(CardModel):
    """Why the project exists and what it holds itself to."""

    overview: str | None = None
    """What the project is, what it builds and why."""
    goals: StrList = Field(default_factory=list)
    """The project's stated goals."""
    values: StrList = Field(default_factory=list)
    """Values the project commits to (e.g. openness, inclusion, responsibility), each with
    what it means in practice."""


class Organisation(CardModel):
    """Who runs the project and how its decisions are made."""

    leads: StrList = Field(default_factory=list)
    """Organisations or people that lead or host the project."""
    provider: str | None = None
    """Legal name of the organisation that releases the models (the provider, in EU AI Act
    terms)."""
    structure: str | None = None
    """How the project is organised: members, working groups, roles."""
    membership: str | None = None
    """Who may take part, and how people join or leave."""
    decision_makers: StrList = Field(default_factory=list)
    """Bodies or people that take binding decisions, e.g. a steering committee."""
    decision_process: str | None = None
    """How decisions are made: who proposes, who decides, by consensus or vote, and how
    disagreements are settled."""


class FundingAndCompute(CardModel):
    """Who pays for the work and whose compute it runs on."""

    funders: StrList = Field(default_factory=list)
    """Organisations that fund the work, in money or in kind."""
    funding: str | None = None
    """How the project is funded, and what funders may and may not decide."""
    compute: str | None = None
    """Compute used (hardware, clusters, hours) and who provides it."""


class DataGovernance(CardModel):
    """How the data behind the models is collected, protected and licensed."""

    data_management: str | None = None
    """The data management plan: what is collected, from where, how it is stored and who
    may access it."""
    consent: str | None = None
    """How the consent of the people whose data or work is used was sought or weighed."""
    opt_out: str | None = None
    """How people learn whether their data is used and have it removed (the opt-out
    process), and when a removal takes effect."""
    personal_data: str | None = None
    """How personal data (PII) is found, removed, redacted or otherwise protected."""
    data_licensing: str | None = None
    """Licences of the data used, and how their terms were checked."""
    copyright_policy: str | None = None
    """The policy for complying with copyright law, including how rights reservations
    (e.g. robots.txt) are identified and respected (EU AI Act Art. 53(1)(c))."""
    training_content_summary: str | None = None
    """The public summary of the content used for training, or a link to it (EU AI Act
    Art. 53(1)(d), following the AI Office's template)."""


class LicensingAndRelease(CardModel):
    """How the models are licensed and released."""

    model_license: str | None = None
    """Licence of the released models, e.g. `bigcode-openrail-m` or `apache-2.0`."""
    use_restrictions: StrList = Field(default_factory=list)
    """Uses the licence or an acceptable-use policy forbids (responsible-AI licence clauses,
    OpenRAIL-style)."""
    release_strategy: str | None = None
    """How the models are released (open weights, gated access, API only, staged) and why."""
    release_stages: StrList = Field(default_factory=list)
    """Stages of a staged release in order, each with its date or the condition for the
    next stage."""
    attribution: str | None = None
    """Tools or processes that let users trace output back to training data (e.g. a search
    index over the data)."""


class ContactAndAccountability(CardModel):
    """Who answers for the project, and how to reach them."""

    contact: str | None = None
    """Where to send questions and requests about the project's governance."""
    accountable: StrList = Field(default_factory=list)
    """People or bodies accountable for the project's decisions."""
    reporting: str | None = None
    """How to report a harm, a licence violation or a problem with the data."""


class GovernanceMetadata(CardModel):
    """The Hub README's YAML front matter of a governance card."""

    license: str | None = None
    """Licence of this card's text (e.g. `cc-by-4.0`); the models' licence is
    `licensing_and_release.model_license`."""
    tags: StrList = Field(default_factory=list)
    """Hub tags; `governance-card` is always added."""


class GovernanceCard(CardModel):
    """A project governance card (after BigCode's) as one typed document.

    It documents the project behind models and datasets rather than one artefact: goals
    and values, organisation and decision processes, funding and compute, data governance
    (consent and opt-out, personal data, licensing, copyright) and model licensing and
    release, and names the project's model and data cards in `governs`.

    Example:
        >>> card = GovernanceCard(name="my-project", governs={"models": ["my-model"]})
        >>> card.kind, card.governs.models
        ('governance', ['my-model'])
    """

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    """Version of the card format."""
    kind: Literal["governance"] = "governance"
    """Always `governance` for a governance card."""
    name: str = Field(pattern=CARD_NAME_PATTERN)
    """Card identifier: letters, digits, `.`, `_`, `-`; also the file name of its outputs."""
    title: str | None = None
    """Display title; the name when omitted."""
    summary: str | None = None
    """One paragraph: the project this card governs."""
    governs: GovernedCards = Field(default_factory=GovernedCards)
    """The model and data cards this governance covers."""
    goals_and_values: GoalsAndValues = Field(default_factory=GoalsAndValues)
    """Project goals and values."""
    organisation: Organisation = Field(default_factory=Organisation)
    """Organisation and decision processes."""
    funding_and_compute: FundingAndCompute = Field(default_factory=FundingAndCompute)
    """Funding and compute."""
    data_governance: DataGovernance = Field(default_factory=DataGovernance)
    """Data governance: consent and opt-out, personal data, licensing and copyright."""
    licensing_and_release: LicensingAndRelease = Field(default_factory=LicensingAndRelease)
    """Model licensing and release."""
    contact_and_accountability: ContactAndAccountability = Field(
        default_factory=ContactAndAccountability
    )
    """Contact and accountability."""
    metadata: GovernanceMetadata = Field(default_factory=GovernanceMetadata)
    """Hub metadata (README front matter)."""
    extra_sections: list[ExtraSection] = Field(default_factory=list)
    """Prose sections with no field of their own, in order."""
    extra: CardExtra = Field(default_factory=dict)
    """Free-form additions; kept as they are, never interpreted."""
