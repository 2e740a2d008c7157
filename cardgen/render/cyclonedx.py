"""A card as a CycloneDX 1.6 bill of materials: the model with its `modelCard`, its datasets
as `data` components, its files with their SHA-256.

The BOM's frame comes from cyclonedx-python-lib; its version has no classes for `modelCard`
or component `data`, so those two parts are written here. It renders; it collects nothing.
"""

from __future__ import annotations

import json
import uuid
import warnings
from typing import Any

from .._version import __version__
from ..schema import DataCard, ModelCard
from . import _bom
from ._bom import Card, MetricEntry, number
from .filters import group_label, slug

SPEC_VERSION = "1.6"
PROPERTY_PREFIX = "cardgen:"


def _property(name: str, value: Any) -> dict[str, str]:
    return {"name": PROPERTY_PREFIX + name, "value": str(value)}


def _performance_metric(entry: MetricEntry) -> dict[str, Any]:
    metric: dict[str, Any] = {"type": entry.type}
    if entry.value.value is not None:
        metric["value"] = number(entry.value.value)
    if entry.slice is not None:
        metric["slice"] = entry.slice
    bounds = {}
    if entry.value.ci_low is not None:
        bounds["lowerBound"] = number(entry.value.ci_low)
    if entry.value.ci_high is not None:
        bounds["upperBound"] = number(entry.value.ci_high)
    if bounds:
        metric["confidenceInterval"] = bounds
    return metric


def _entry_notes(entry: MetricEntry) -> list[dict[str, str]]:
    """Properties for what `performanceMetrics` has no field for: too little evidence, an
    undefined value."""
    notes = []
    if entry.insufficient is not None:
        notes.append(
            _property(
                "insufficient-evidence",
                f"{entry.label}: n={entry.insufficient} below min_group_size="
                f"{entry.min_group_size}; shown, but left out of gaps, fairness measures "
                "and threshold tests",
            )
        )
    if entry.value.value is None:
        notes.append(_property("undefined", f"{entry.label}: {entry.value.undefined_reason}"))
    return notes


def _quantitative_analysis(card: ModelCard) -> tuple[dict[str, Any], list[dict[str, str]]]:
    entries = _bom.metric_entries(card) + _bom.measure_entries(card)
    notes = [note for entry in entries for note in _entry_notes(entry)]
    for evaluation in card.quantitative_analyses.evaluations:
        levels = sorted(
            {
                (v.ci_level, v.ci_method)
                for v in evaluation.overall.values()
                if v.ci_level is not None
            },
            key=str,
        )
        described = "; ".join(f"{level:.0%} {method or ''}".strip() for level, method in levels)
        notes.append(
            _property(
                "evaluation",
                f"{evaluation.name} ({evaluation.task})"
                + (f", {evaluation.dataset.name}" if evaluation.dataset else "")
                + (f"; confidence intervals {described}" if described else "")
                + f"; min_group_size {evaluation.min_group_size}",
            )
        )
    notes += [
        _property("threshold-test", _bom.outcome(test)) for _, test in _bom.threshold_tests(card)
    ]
    analysis = {"performanceMetrics": [_performance_metric(e) for e in entries]} if entries else {}
    return analysis, notes


def _fairness_assessments(card: ModelCard) -> list[dict[str, str]]:
    """A failed fairness test names the group at risk: the group with the lowest value."""
    assessments = []
    for _, test in _bom.threshold_tests(card):
        if test.passed is False and test.groups:
            assessment = {
                "groupAtRisk": group_label(test.groups[0]),
                "harms": f"threshold test failed: {_bom.outcome(test)}",
            }
            if card.ethical_considerations.mitigations:
                assessment["mitigationStrategy"] = card.ethical_considerations.mitigations
            assessments.append(assessment)
    return assessments


def _considerations(card: ModelCard) -> dict[str, Any]:
    use, caveats, ethics = (
        card.intended_use,
        card.caveats_and_recommendations,
        card.ethical_considerations,
    )
    risks: list[dict[str, str]] = [{"name": r} for r in ethics.risks_and_harms]
    risks += [{"name": f"Fraught use case: {u}"} for u in ethics.use_cases]
    if ethics.sensitive_data:
        risks.append({"name": f"Sensitive data: {ethics.sensitive_data}"})
    if ethics.human_life:
        risks.append({"name": f"Human life: {ethics.human_life}"})
    if ethics.mitigations:
        risks.append(
            {"name": "Mitigations during development", "mitigationStrategy": ethics.mitigations}
        )
    environment = [
        _property(name, value)
        for name, value in (
            ("hardware-type", card.environmental_impact.hardware_type),
            ("hours-used", card.environmental_impact.hours_used),
            ("cloud-provider", card.environmental_impact.cloud_provider),
            ("compute-region", card.environmental_impact.compute_region),
            ("carbon-emitted-kg", card.environmental_impact.carbon_emitted_kg),
        )
        if value is not None
    ]
    for label, quantity in (
        ("training-energy", card.compute_and_energy.training_energy),
        ("training-compute", card.compute_and_energy.training_compute),
    ):
        if quantity.value is not None:
            unit = f" {quantity.unit}" if quantity.unit else ""
            method = f" ({quantity.method})" if quantity.method else ""
            environment.append(_property(label, f"{number(quantity.value)}{unit}{method}"))
    considerations: dict[str, Any] = {
        "users": list(use.primary_users),
        "useCases": [*use.primary_uses, *use.downstream_uses],
        "technicalLimitations": [
            *caveats.caveats,
            *(f"Out of scope: {u}" for u in use.out_of_scope_uses),
        ],
        "performanceTradeoffs": list(card.design_choices.trade_offs),
        "ethicalConsiderations": risks,
        "fairnessAssessments": _fairness_assessments(card),
    }
    if environment:
        considerations["environmentalConsiderations"] = {"properties": environment}
    return {key: value for key, value in considerations.items() if value}


def _model_card(card: ModelCard, data_refs: list[str]) -> dict[str, Any]:
    details = card.model_details
    parameters: dict[str, Any] = {}
    if card.metadata.pipeline_tag:
        parameters["task"] = card.metadata.pipeline_tag
    if details.model_type:
        parameters["architectureFamily"] = details.model_type
    architecture = (
        details.architecture or card.technical_specifications.model_architecture_and_objective
    )
    if architecture:
        parameters["modelArchitecture"] = architecture
    if data_refs:
        parameters["datasets"] = [{"ref": ref} for ref in data_refs]
    if card.distribution.input_format:
        parameters["inputs"] = [{"format": card.distribution.input_format}]
    if card.distribution.output_format:
        parameters["outputs"] = [{"format": card.distribution.output_format}]
    analysis, notes = _quantitative_analysis(card)
    model_card: dict[str, Any] = {"bom-ref": f"model-card:{card.name}"}
    if parameters:
        model_card["modelParameters"] = parameters
    if analysis:
        model_card["quantitativeAnalysis"] = analysis
    considerations = _considerations(card)
    if considerations:
        model_card["considerations"] = considerations
    if notes:
        model_card["properties"] = notes
    return model_card


def _dataset_data(dataset: Any, roles: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "dataset", "name": dataset.name}
    if _bom.is_url(dataset.uri):
        data["contents"] = {"url": dataset.uri}
    described = [dataset.description] if dataset.description else []
    described.append(
        "Used for " + " and ".join(roles) + (f", split {dataset.split}" if dataset.split else "")
    )
    data["description"] = ". ".join(d.rstrip(".") for d in described) + "."
    return data


def _parties(names: list[str]) -> list[dict[str, Any]]:
    return [{"organization": {"name": name}} for name in names]


def _data_card_data(card: DataCard) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "dataset", "name": card.title or card.name}
    if _bom.is_url(card.distribution.url):
        data["contents"] = {"url": card.distribution.url}
    description = card.composition.description or card.summary
    if description:
        data["description"] = description
    sensitive = list(card.sensitive_information.sensitive_attributes)
    sensitive += [
        f.name for f in card.composition.fields if f.sensitive and f.name not in sensitive
    ]
    if card.sensitive_information.personal_information:
        sensitive.append(card.sensitive_information.personal_information)
    if sensitive:
        data["sensitiveData"] = sensitive
    governance = {
        "owners": _parties(list(card.authorship.authors)),
        "custodians": _parties(list(card.authorship.publishers)),
        "stewards": _parties(list(card.maintenance.maintainers)),
    }
    governance = {key: value for key, value in governance.items() if value}
    if governance:
        data["governance"] = governance
    return data


def _data_card_properties(card: DataCard) -> list[Any]:
    from cyclonedx.model import Property

    pairs: list[tuple[str, Any]] = []
    if card.composition.num_instances is not None:
        pairs.append(("num-instances", card.composition.num_instances))
    profile = card.composition.profile
    if profile is not None:
        pairs.append(("num-rows", profile.num_rows))
    pairs += [("intended-use", u) for u in card.motivation.intended_uses]
    pairs += [("out-of-scope-use", u) for u in card.motivation.out_of_scope_uses]
    pairs += [("known-bias", b) for b in card.biases_and_limitations.known_biases]
    pairs += [("limitation", b) for b in card.biases_and_limitations.limitations]
    if card.collection.method:
        pairs.append(("collection-method", card.collection.method))
    if card.preprocessing.description:
        pairs.append(("preprocessing", card.preprocessing.description))
    return [Property(name=PROPERTY_PREFIX + k, value=str(v)) for k, v in pairs]


def _licenses(values: list[str], name: str | None = None) -> list[Any]:
    from cyclonedx.contrib.license.factories import LicenseFactory

    factory = LicenseFactory()
    licenses: list[Any] = []
    for value in values:
        if value == "other" and name:
            licenses.append(factory.make_with_name(name))
        elif value and value != "other":
            licenses.append(factory.make_from_string(value))
    return licenses


def _frame(card: Card) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The BOM without `modelCard` and `data` (from the library), and what goes in those."""
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        Property,
        XsUri,
    )
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalContact
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.output.json import JsonV1Dot6

    spliced: list[tuple[str, Any]] = []
    tools = ToolRepository(
        components=[Component(type=ComponentType.APPLICATION, name="cardgen", version=__version__)]
    )
    references = []
    components: list[Component] = []
    if isinstance(card, ModelCard):
        details = card.model_details
        for url, kind in (
            (details.repository, ExternalReferenceType.VCS),
            (details.paper, ExternalReferenceType.DOCUMENTATION),
        ):
            if _bom.is_url(url):
                references.append(ExternalReference(type=kind, url=XsUri(str(url))))
        files = [
            Component(
                type=ComponentType.FILE,
                name=f.name,
                bom_ref=f"file:{f.name}",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=f.sha256)],
                properties=[Property(name=PROPERTY_PREFIX + "size-bytes", value=str(f.size))]
                if f.size is not None
                else [],
            )
            for f in card.file_digests
        ]
        root = Component(
            type=ComponentType.MACHINE_LEARNING_MODEL,
            name=card.name,
            bom_ref=f"model:{card.name}",
            version=details.version,
            description=card.summary,
            licenses=_licenses(
                [card.metadata.license] if card.metadata.license else [], card.metadata.license_name
            ),
            authors=[OrganizationalContact(name=d) for d in details.developers],
            external_references=references,
            components=files,
            tags=list(card.metadata.tags),
        )
        refs = []
        for index, use in enumerate(_bom.datasets(card), start=1):
            ref = f"data:{index}-{slug(use.dataset.name)}"
            refs.append(ref)
            components.append(
                Component(
                    type=ComponentType.DATA,
                    name=use.dataset.name,
                    bom_ref=ref,
                    version=use.dataset.revision,
                    properties=[Property(name=PROPERTY_PREFIX + "role", value=r) for r in use.roles]
                    + (
                        [Property(name=PROPERTY_PREFIX + "split", value=use.dataset.split)]
                        if use.dataset.split
                        else []
                    ),
                )
            )
            spliced.append((ref, [_dataset_data(use.dataset, use.roles)]))
        spliced.append((f"model:{card.name}", ("modelCard", _model_card(card, refs))))
    else:
        if _bom.is_url(card.distribution.url):
            references.append(
                ExternalReference(
                    type=ExternalReferenceType.DISTRIBUTION, url=XsUri(str(card.distribution.url))
                )
            )
        root = Component(
            type=ComponentType.DATA,
            name=card.name,
            bom_ref=f"data:{card.name}",
            version=card.authorship.version,
            description=card.summary,
            licenses=_licenses(list(card.metadata.license)),
            authors=[OrganizationalContact(name=a) for a in card.authorship.authors],
            external_references=references,
            properties=_data_card_properties(card),
            tags=list(card.metadata.tags),
        )
        spliced.append((f"data:{card.name}", [_data_card_data(card)]))
    bom = Bom(
        components=components,
        metadata=BomMetaData(component=root, tools=tools, timestamp=_bom.document_time(card)),
    )
    for component in components:
        bom.register_dependency(root, [component])
    with warnings.catch_warnings():
        # The library warns that a root with no dependencies leaves the graph incomplete:
        # a data card's BOM has nothing else in it.
        warnings.simplefilter("ignore", UserWarning)
        document = json.loads(JsonV1Dot6(bom).output_as_string())
    if _bom.document_time(card) is None:
        document["metadata"].pop("timestamp", None)
    return document, spliced


def _splice(document: dict[str, Any], spliced: list[tuple[str, Any]]) -> None:
    by_ref = {document["metadata"]["component"]["bom-ref"]: document["metadata"]["component"]}
    by_ref.update({c["bom-ref"]: c for c in document.get("components", [])})
    for ref, part in spliced:
        if isinstance(part, tuple):
            key, value = part
            by_ref[ref][key] = value
        else:
            by_ref[ref]["data"] = part


def to_cyclonedx(card: Card) -> dict[str, Any]:
    """A card as a CycloneDX 1.6 BOM (JSON data), valid under the strict 1.6 schema.

    A model card becomes a `machine-learning-model` component with a `modelCard`: every
    headline metric overall and per group in `performanceMetrics` (with `slice` and
    `confidenceInterval`), fairness measures and between-group gaps beside them, values
    with too little evidence and threshold tests as `cardgen:` properties, prose in
    `considerations`; its datasets are `data` components and its files (`file_digests`)
    `file` components with their SHA-256. A data card becomes one `data` component.

    The serial number is derived from the content and the timestamp from the facts, so
    the same card gives the same bytes.
    """
    document, spliced = _frame(card)
    _splice(document, spliced)
    document.pop("serialNumber", None)
    seed = _bom.content_digest(card) + json.dumps(document, sort_keys=True)
    document["serialNumber"] = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cardgen:" + seed).urn
    return document
