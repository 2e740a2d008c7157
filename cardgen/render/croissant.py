"""Croissant 1.0 JSON-LD with the Responsible-AI (RAI 1.0) vocabulary, from a data card.

A pure mapping from a validated `DataCard` (and optionally its `DatasetProfile`) to a
JSON-able dict; it reads no files, fetches nothing and writes nothing.
"""

from __future__ import annotations

import copy
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from .._words import count
from ..privacy import ROLE_NAMES, WITHHELD_ROLES, Declarations, assign_roles
from ..schema.data_card import DataCard
from ..schema.profile import ColumnProfile, DatasetProfile

CROISSANT_1_0 = "http://mlcommons.org/croissant/1.0"
RAI_1_0 = "http://mlcommons.org/croissant/RAI/1.0"

# The standard Croissant 1.0 @context (as mlcroissant writes it), inline so that reading the
# document never needs the network.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_DATA_TYPES = {
    "integer": "sc:Integer",
    "float": "sc:Float",
    "boolean": "sc:Boolean",
    "date": "sc:Date",
    "datetime": "sc:DateTime",
}
_ENCODING = {
    "csv": "text/csv",
    "parquet": "application/x-parquet",
    "jsonl": "application/jsonlines",
    "json": "application/json",
    "arrow": "application/vnd.apache.arrow.stream",
    # A Spark table's storage is the catalog's business; cardgen read it as Arrow batches.
    "table": "application/vnd.apache.arrow.stream",
}
_ISO_INTERVAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?$")
_COMPUTED = "Computed by cardgen profile"


def _join(*parts: str | None) -> str | None:
    text = "\n\n".join(p.strip() for p in parts if p and p.strip())
    return text or None


def _labelled(label: str, value: str | list[str] | None) -> str | None:
    if not value:
        return None
    return f"{label}: {value if isinstance(value, str) else '; '.join(value)}"


def _column_summary(column: ColumnProfile) -> str:
    rate = "n/a" if column.missing_rate is None else f"{column.missing_rate:.1%}"
    parts = [f"{column.type}", f"{rate} missing"]
    if column.distinct is not None:
        parts.append(f"{column.distinct} distinct")
    if column.numeric is not None and column.numeric.min is not None:
        parts.append(f"range {column.numeric.min:g} to {column.numeric.max:g}")
    if column.values_withheld:
        parts.append(f"values withheld ({column.values_withheld})")
    return ", ".join(parts)


def _rai(card: DataCard, profile: DatasetProfile | None) -> dict[str, Any]:
    collection, pre, ann = card.collection, card.preprocessing, card.annotation
    sens, bl, mnt = card.sensitive_information, card.biases_and_limitations, card.maintenance
    rai: dict[str, Any] = {
        "rai:dataCollection": _join(
            collection.method,
            _labelled("Sources", collection.sources),
            _labelled("Timeframe", collection.timeframe),
            _labelled("Collected by", collection.collectors),
            _labelled("Consent", collection.consent),
        ),
        "rai:dataCollectionRawData": _join(
            card.authorship.origin,
            _labelled(
                "Raw data available",
                None if pre.raw_data_available is None else str(pre.raw_data_available).lower(),
            ),
        ),
        "rai:dataPreprocessingProtocol": [p for p in [pre.description, *pre.steps] if p],
        "rai:dataAnnotationProtocol": [
            p for p in [ann.process, _labelled("Guidelines", ann.guidelines)] if p
        ],
        "rai:annotatorDemographics": [ann.annotators] if ann.annotators else [],
        "rai:dataAnnotationAnalysis": [ann.agreement] if ann.agreement else [],
        "rai:dataBiases": list(bl.known_biases),
        "rai:dataLimitations": [
            *bl.limitations,
            *(f"Not for: {use}" for use in card.motivation.out_of_scope_uses),
            *(f"Recommendation: {r}" for r in bl.recommendations),
        ],
        "rai:dataUseCases": [*card.motivation.intended_uses],
        "rai:personalSensitiveInformation": [
            p
            for p in [
                _labelled("Sensitive attributes", sens.sensitive_attributes),
                sens.personal_information,
                _labelled("Anonymization", sens.anonymization),
            ]
            if p
        ],
        "rai:dataReleaseMaintenancePlan": _join(
            mnt.update_policy,
            _labelled("Maintainers", mnt.maintainers),
            _labelled("Errata", mnt.errata),
            _labelled("Contact", mnt.contact),
        ),
    }
    timeframe = (collection.timeframe or "").strip()
    if _ISO_INTERVAL.match(timeframe):
        rai["rai:dataCollectionTimeframe"] = timeframe.split("/")
    if profile is not None:
        _add_profile_facts(rai, profile)
    return rai


def _add_profile_facts(rai: dict[str, Any], profile: DatasetProfile) -> None:
    """Computed facts go beside the prose, each marked as computed."""
    missing = [
        f"{c.name}: {c.missing} of {profile.num_rows} ({c.missing_rate:.1%})"
        for c in profile.columns
        if c.missing and c.missing_rate is not None
    ]
    markers = [w.message for w in profile.warnings if w.kind == "missing_marker"]
    rai["rai:dataCollectionMissingData"] = _join(
        f"{_COMPUTED}: missing values per column: {'; '.join(missing)}"
        if missing
        else f"{_COMPUTED}: no missing values",
        *markers,
    )
    biases = [
        w.message for w in profile.warnings if w.kind in ("small_group", "differential_missingness")
    ]
    if profile.groups:
        shares = [
            f"{', '.join(f'{k}={v}' for k, v in g.features.items())}: {count(g.count, 'row')}"
            + (
                f", base rate {g.base_rate.value:.3f}"
                if g.base_rate is not None and g.base_rate.value is not None
                else ""
            )
            for g in profile.groups
        ]
        biases.insert(
            0,
            f"group representation{' and label base rates' if profile.label else ''}"
            f": {'; '.join(shares)}",
        )
    rai["rai:dataBiases"] += [f"{_COMPUTED}: {b}" for b in biases]
    details: dict[str, list[str]] = {}
    for flag in profile.personal_data:
        details.setdefault(flag.column, []).append(flag.detail)
    rai["rai:personalSensitiveInformation"] += [
        f"{_COMPUTED}: column {c.name!r} is {ROLE_NAMES[c.role]}, its values withheld"
        + (f" ({'; '.join(details[c.name])})" if c.name in details else "")
        for c in profile.columns
        if c.role in WITHHELD_ROLES
    ]


def _file_id(profile: DatasetProfile) -> str:
    return PurePath(profile.source).name or "data"


def _distribution(profile: DatasetProfile) -> list[dict[str, Any]]:
    shas = profile.provenance.input_sha256 if profile.provenance else {}
    files = []
    entries: list[tuple[str, str | None]] = [*sorted(shas.items())]
    for path, sha in entries or [(profile.source, None)]:
        name = PurePath(path).name
        obj: dict[str, Any] = {
            "@type": "cr:FileObject",
            "@id": name,
            "name": name,
            "contentUrl": name,
            "encodingFormat": _ENCODING[profile.format],
        }
        if sha:
            obj["sha256"] = sha
        files.append(obj)
    return files


def _record_set(profile: DatasetProfile, file_id: str) -> dict[str, Any]:
    record_id = quote(PurePath(profile.source).stem or "records", safe="")
    fields = []
    for column in profile.columns:
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"{record_id}/{quote(column.name, safe='')}",
                "name": column.name,
                "description": _column_summary(column),
                "dataType": _DATA_TYPES.get(column.type, "sc:Text"),
                "source": {"fileObject": {"@id": file_id}, "extract": {"column": column.name}},
            }
        )
    return {
        "@type": "cr:RecordSet",
        "@id": record_id,
        "name": record_id,
        "description": f"{count(profile.num_rows, 'record')} of "
        f"{count(profile.num_columns, 'column')}",
        "field": fields,
    }


def _people(names: list[str]) -> list[dict[str, str]]:
    return [{"@type": "sc:Person", "name": name} for name in names]


def _prune(value: Any) -> Any:
    """Drop empty strings, lists and mappings so absent prose leaves no empty property."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_prune(v) for v in value) if v not in (None, "", [], {})]
    return value


def to_croissant(card: DataCard, profile: DatasetProfile | None = None) -> dict[str, Any]:
    """Croissant 1.0 JSON-LD of a data card, with the Responsible-AI (RAI 1.0) fields.

    Prose comes from the card (collection, preprocessing, annotation, biases, limitations,
    personal and sensitive information, use cases, maintenance); with a profile, computed
    facts (missing data, group representation, personal-data flags) are added, each marked
    as computed, and the profile's file and columns become `distribution` and `recordSet`.

    Args:
        card: a validated data card.
        profile: the data file's profile; `card.composition.profile` when omitted.

    Returns:
        The JSON-LD document as a dict (serialise with sorted keys for stable bytes).

    Example:
        >>> doc = to_croissant(DataCard(name="adult", summary="Census extract."))
        >>> doc["conformsTo"][1]
        'http://mlcommons.org/croissant/RAI/1.0'
    """
    profile = profile if profile is not None else card.composition.profile
    if profile is not None:  # the card's roles, whichever profile is given
        profile = assign_roles(profile, Declarations.of(card))
    authorship, metadata = card.authorship, card.metadata
    licenses = list(metadata.license)
    document: dict[str, Any] = {
        "@context": copy.deepcopy(CONTEXT),  # consumers (mlcroissant) edit it in place
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT_1_0, RAI_1_0],
        "name": card.name,
        "alternateName": card.title or metadata.pretty_name,
        "description": _join(card.summary, card.composition.description, card.motivation.purpose)
        or card.name,
        "license": licenses[0] if len(licenses) == 1 else licenses,
        "url": card.distribution.url,
        "version": authorship.version,
        "datePublished": authorship.date.isoformat() if authorship.date else None,
        "citeAs": authorship.citation,
        "creator": _people(authorship.authors),
        "publisher": _people(authorship.publishers),
        "keywords": list(metadata.tags),
        "inLanguage": list(metadata.language),
        **_rai(card, profile),
    }
    if profile is not None:
        distribution = _distribution(profile)
        document["distribution"] = distribution
        document["recordSet"] = [_record_set(profile, distribution[0]["@id"])]
    return _prune(document)
