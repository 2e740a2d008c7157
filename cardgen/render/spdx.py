"""A card as SPDX 3.0.1 JSON-LD: an `ai_AIPackage` (or a `dataset_DatasetPackage` for a data
card), the datasets it was trained and tested on, and its files with their SHA-256.

Built with spdx-python-model's bindings, which check every property's type and count;
a property the card has no value for is left out, never guessed. It renders; it collects
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timezone
from typing import Any

from .._version import __version__
from ..schema import DataCard, DatasetReference, ModelCard
from . import _bom
from ._bom import Card, number
from .filters import slug

UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""`created` when a card has no facts and no date: SPDX requires a time, and the time of
rendering would make every render differ."""
_MWH_IN_KWH = 1000.0


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _model() -> Any:
    from spdx_python_model import v3_0_1

    return v3_0_1


class _Document:
    """Elements of one SPDX document, with ids under the card's namespace."""

    def __init__(self, card: Card) -> None:
        m = _model()
        self.m = m
        self.base = (
            f"https://spdx.org/spdxdocs/cardgen/{card.name}-{_bom.content_digest(card)[:16]}"
        )
        created = _bom.document_time(card)
        self.tool = m.Tool(_id=self.id("tool/cardgen"), name=f"cardgen {__version__}")
        self.info = m.CreationInfo(
            specVersion="3.0.1",
            created=created or UNKNOWN_TIME,
            createdUsing=[self.tool],
        )
        if created is None:
            self.info.comment = (
                "The card has no collected facts and no date: creation time unknown."
            )
        self.tool.creationInfo = self.info
        self.elements: list[Any] = [self.tool]
        self.agents: dict[str, Any] = {}

    def id(self, local: str) -> str:
        return f"{self.base}/{local}"

    def add(self, element: Any) -> Any:
        element.creationInfo = self.info
        self.elements.append(element)
        return element

    def agent(self, name: str) -> Any:
        """An agent named by the card (a developer, an author), once per name."""
        if name not in self.agents:
            self.agents[name] = self.add(
                self.m.Agent(_id=self.id(f"agent/{slug(name)}"), name=name)
            )
        return self.agents[name]

    def relate(self, source: Any, kind: str, targets: list[Any]) -> None:
        if targets:
            local = (
                f"relationship/{slug(source._id.rsplit('/', 1)[-1])}-{kind}-{len(self.elements)}"
            )
            self.add(
                self.m.Relationship(
                    _id=self.id(local),
                    from_=source,
                    relationshipType=getattr(self.m.RelationshipType, kind),
                    to=targets,
                )
            )

    def license(self, package: Any, spdx_id: str | None) -> None:
        if spdx_id:
            expression = self.add(
                self.m.simplelicensing_LicenseExpression(
                    _id=self.id(f"license/{slug(spdx_id)}"),
                    simplelicensing_licenseExpression=spdx_id,
                )
            )
            self.relate(package, "hasDeclaredLicense", [expression])

    def finish(self, root: Any, creators: list[str]) -> dict[str, Any]:
        m = self.m
        # SPDX requires a creator: the people the card names, else cardgen itself, the
        # software agent that wrote the document.
        self.info.createdBy = [self.agent(c) for c in creators] or [
            self.add(m.SoftwareAgent(_id=self.id("agent/cardgen"), name="cardgen"))
        ]
        document = m.SpdxDocument(
            _id=self.id("document"),
            name=f"{root.name} (cardgen)",
            rootElement=[root],
            element=list(self.elements),
            profileConformance=[
                m.ProfileIdentifierType.core,
                m.ProfileIdentifierType.software,
                m.ProfileIdentifierType.ai
                if isinstance(root, m.ai_AIPackage)
                else m.ProfileIdentifierType.dataset,
                *(
                    [m.ProfileIdentifierType.dataset]
                    if isinstance(root, m.ai_AIPackage)
                    and any(isinstance(e, m.dataset_DatasetPackage) for e in self.elements)
                    else []
                ),
            ],
        )
        document.creationInfo = self.info
        objects = m.SHACLObjectSet()
        objects.add(document)
        for element in self.elements:
            objects.add(element)
        return m.JSONLDSerializer().serialize_data(objects)


def _entries(values: dict[str, str] | Sequence[tuple[str, str | None]]) -> list[Any]:
    m = _model()
    pairs = values.items() if isinstance(values, dict) else values
    entries = []
    for key, value in pairs:
        entry = m.DictionaryEntry(key=key)
        if value is not None:
            entry.value = value
        entries.append(entry)
    return entries


def _dataset_package(
    doc: _Document, dataset: DatasetReference, index: int, roles: tuple[str, ...]
) -> Any:
    m = doc.m
    package = m.dataset_DatasetPackage(
        _id=doc.id(f"dataset/{index}-{slug(dataset.name)}"),
        name=dataset.name,
        dataset_datasetType=[m.dataset_DatasetType.noAssertion],
        software_primaryPurpose=m.software_SoftwarePurpose.data,
    )
    if dataset.description:
        package.description = dataset.description
    if dataset.revision:
        package.software_packageVersion = dataset.revision
    if _bom.is_url(dataset.uri):
        package.software_downloadLocation = dataset.uri
    package.dataset_intendedUse = " and ".join(roles) + (
        f" (split {dataset.split})" if dataset.split else ""
    )
    return doc.add(package)


def _limitations(card: ModelCard) -> str | None:
    lines = list(card.caveats_and_recommendations.caveats)
    lines += [f"Out of scope: {u}" for u in card.intended_use.out_of_scope_uses]
    for entry in _bom.metric_entries(card) + _bom.measure_entries(card):
        if entry.value.value is None:
            lines.append(f"Undefined: {entry.label}: {entry.value.undefined_reason}.")
        if entry.insufficient is not None:
            lines.append(
                f"Insufficient evidence: {entry.label} rests on n={entry.insufficient}, below "
                f"{entry.min_group_size}; left out of gaps, fairness measures and tests."
            )
    return "\n".join(lines) or None


def _energy(card: ModelCard) -> Any:
    m = _model()
    quantity = card.compute_and_energy.training_energy
    unit = (quantity.unit or "").strip().lower()
    if quantity.value is None or unit not in ("kwh", "mwh"):
        return None
    kwh = quantity.value * (_MWH_IN_KWH if unit == "mwh" else 1.0)
    return m.ai_EnergyConsumption(
        ai_trainingEnergyConsumption=[
            m.ai_EnergyConsumptionDescription(
                ai_energyQuantity=kwh, ai_energyUnit=m.ai_EnergyUnitType.kilowattHour
            )
        ]
    )


def _ai_package(doc: _Document, card: ModelCard) -> Any:
    m = doc.m
    details = card.model_details
    package = m.ai_AIPackage(
        _id=doc.id(f"model/{card.name}"),
        name=card.title or card.name,
        software_primaryPurpose=m.software_SoftwarePurpose.model,
    )
    optional: dict[str, Any] = {
        "summary": card.summary,
        "description": details.architecture,
        "software_packageVersion": details.version,
        "ai_typeOfModel": [details.model_type] if details.model_type else [],
        "ai_informationAboutApplication": "\n".join(
            [*card.intended_use.primary_uses, *card.intended_use.downstream_uses]
        ),
        "ai_informationAboutTraining": "\n".join(
            t
            for t in (card.training_procedure.training_regime, card.design_choices.training_process)
            if t
        ),
        "ai_modelDataPreprocessing": [
            p
            for p in (card.training_data.preprocessing, card.training_procedure.preprocessing)
            if p
        ],
        "ai_limitation": _limitations(card),
        "ai_hyperparameter": _entries(
            {k: str(v) for k, v in sorted(card.training_procedure.hyperparameters.items())}
        ),
        "ai_energyConsumption": _energy(card),
    }
    if details.date:
        optional["releaseTime"] = _midnight(details.date)
    if _bom.is_url(details.repository):
        optional["software_downloadLocation"] = details.repository
    elif card.sources.hub is not None:
        optional["software_downloadLocation"] = f"https://huggingface.co/{card.sources.hub.repo_id}"
    if _bom.is_url(details.paper):
        optional["software_homePage"] = details.paper
    for name, value in optional.items():
        if value:
            setattr(package, name, value)
    metrics = [
        (e.label, None if e.value.value is None else number(e.value.value))
        for e in _bom.metric_entries(card) + _bom.measure_entries(card)
    ]
    if metrics:
        package.ai_metric = _entries(metrics)
    thresholds = [
        (t.metric, f"{t.operator}{number(t.threshold)}") for _, t in _bom.threshold_tests(card)
    ]
    if thresholds:
        package.ai_metricDecisionThreshold = _entries(thresholds)
    if _bom.threshold_tests(card):
        package.comment = "Threshold tests: " + "; ".join(
            _bom.outcome(t) for _, t in _bom.threshold_tests(card)
        )
    if details.developers:
        package.originatedBy = [doc.agent(d) for d in details.developers]
    doc.add(package)
    return package


def _files(doc: _Document, card: ModelCard) -> list[Any]:
    m = doc.m
    return [
        doc.add(
            m.software_File(
                _id=doc.id(f"file/{slug(f.name)}"),
                name=f.name,
                verifiedUsing=[m.Hash(algorithm=m.HashAlgorithm.sha256, hashValue=f.sha256)],
            )
        )
        for f in card.file_digests
    ]


def _dataset_types(card: DataCard) -> list[Any]:
    m = _model()
    profile = card.composition.profile
    if profile is None:
        return [m.dataset_DatasetType.noAssertion]
    kinds = {c.type for c in profile.columns}
    types = [m.dataset_DatasetType.structured]
    if kinds & {"integer", "float"}:
        types.append(m.dataset_DatasetType.numeric)
    if kinds & {"date", "datetime"}:
        types.append(m.dataset_DatasetType.timestamp)
    return types


def _data_package(doc: _Document, card: DataCard) -> Any:
    m = doc.m
    package = m.dataset_DatasetPackage(
        _id=doc.id(f"dataset/{card.name}"),
        name=card.title or card.name,
        dataset_datasetType=_dataset_types(card),
        software_primaryPurpose=m.software_SoftwarePurpose.data,
    )
    sensitive = card.sensitive_information
    optional: dict[str, Any] = {
        "summary": card.summary,
        "description": card.composition.description,
        "software_packageVersion": card.authorship.version,
        "dataset_intendedUse": "\n".join(card.motivation.intended_uses) or card.motivation.purpose,
        "dataset_knownBias": list(card.biases_and_limitations.known_biases),
        "dataset_dataCollectionProcess": card.collection.method,
        "dataset_dataPreprocessing": [*card.preprocessing.steps]
        or ([card.preprocessing.description] if card.preprocessing.description else []),
        "dataset_anonymizationMethodUsed": [sensitive.anonymization]
        if sensitive.anonymization
        else [],
        "dataset_datasetUpdateMechanism": card.maintenance.update_policy,
        "dataset_datasetSize": None,
    }
    if card.authorship.date:
        optional["releaseTime"] = _midnight(card.authorship.date)
    if _bom.is_url(card.distribution.url):
        optional["software_downloadLocation"] = card.distribution.url
    elif card.sources.hub is not None:
        optional["software_downloadLocation"] = (
            f"https://huggingface.co/datasets/{card.sources.hub.repo_id}"
        )
    for name, value in optional.items():
        if value:
            setattr(package, name, value)
    if sensitive.personal_data or (
        card.composition.profile and card.composition.profile.personal_data
    ):
        package.dataset_hasSensitivePersonalInformation = m.PresenceType.yes
    if card.authorship.authors:
        package.originatedBy = [doc.agent(a) for a in card.authorship.authors]
    doc.add(package)
    return package


def to_spdx(card: Card) -> dict[str, Any]:
    """A card as SPDX 3.0.1 JSON-LD (JSON data).

    A model card becomes an `ai_AIPackage`: headline metrics overall and per group, fairness
    measures and gaps in `ai_metric` (keys `METRIC [GROUP]`; SPDX has no place for their
    intervals or counts), threshold tests in `ai_metricDecisionThreshold`, caveats,
    out-of-scope uses and values with too little evidence in `ai_limitation`; its datasets
    are `dataset_DatasetPackage`s it is `trainedOn` / `testedOn`, and its files
    (`file_digests`) `software_File`s with their SHA-256 that it `contains`. A data card
    becomes one `dataset_DatasetPackage`. Ids and times derive from the card, so the same
    card gives the same bytes.
    """
    doc = _Document(card)
    if isinstance(card, ModelCard):
        root = _ai_package(doc, card)
        trained, tested = [], []
        for index, use in enumerate(_bom.datasets(card), start=1):
            package = _dataset_package(doc, use.dataset, index, use.roles)
            if "training" in use.roles:
                trained.append(package)
            if "evaluation" in use.roles:
                tested.append(package)
        doc.relate(root, "trainedOn", trained)
        doc.relate(root, "testedOn", tested)
        doc.relate(root, "contains", _files(doc, card))
        doc.license(root, _bom.spdx_license(card.metadata.license))
        return doc.finish(root, list(card.model_details.developers))
    root = _data_package(doc, card)
    for value in card.metadata.license:
        doc.license(root, _bom.spdx_license(value))
    return doc.finish(root, list(card.authorship.authors))
