"""One card's audit: each section and Hub field as filled / placeholder / empty, plus claim checks.

It reads a Markdown card, a spec or collected Hub facts; it never writes or edits a card.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..filled import FillState, best_state, fill_state
from ..hub.importer import ParsedReadme
from ..schema import Card, ModelCard
from ..sections import (
    ALSO_FILLS,
    DATA_SECTIONS,
    EXTRA_HEADINGS,
    GOVERNANCE_TAG,
    LABELS,
    MODEL_SECTIONS,
    RECOMMENDED,
    label_fields,
    normalize_heading,
    section_field,
)

MODEL_FIELDS: tuple[str, ...] = (
    "license",
    "base_model",
    "datasets",
    "language",
    "eval_results",
    "co2_eq_emissions",
    "parameter_count",
)
DATA_FIELDS: tuple[str, ...] = (
    "license",
    "language",
    "task_categories",
    "size_categories",
    "source_datasets",
    "pretty_name",
)
GOVERNANCE_FIELDS: tuple[str, ...] = ("license",)

_FINETUNE_TEXT = re.compile(r"fine-?tuned (?:version|from|on|checkpoint)", re.IGNORECASE)


@dataclass
class CardAudit:
    """The audit of one card (a row of the population report)."""

    source: str
    """File path or Hub repository id."""
    origin: str
    """`markdown`, `spec` or `hub`."""
    kind: str
    """`model`, `data` or `governance`."""
    sections: dict[str, FillState]
    fields: dict[str, FillState]
    checks: list[dict[str, Any]] = field(default_factory=list)
    """Claim checks that failed: `{code, count, message}`."""
    warnings: list[str] = field(default_factory=list)
    """Problems met while reading the card that did not stop the audit."""
    pipeline_tag: str | None = None
    library_name: str | None = None
    downloads: int | None = None

    @property
    def completeness(self) -> float:
        """Percent of validate's recommended sections that are filled (placeholders are not)."""
        done = sum(state == "filled" for state in self.sections.values())
        return 100.0 * done / len(self.sections) if self.sections else 100.0

    @property
    def findings(self) -> list[str]:
        """What the audit holds against the card: each section not filled (a placeholder or
        empty), each failed claim check and each reading problem; empty for a card with
        nothing to fix. Hub metadata fields are population figures, not findings (a model
        trained from scratch has no `base_model`)."""
        found = [
            f"section {path} is {state}"
            for path, state in self.sections.items()
            if state != "filled"
        ]
        found += [
            f"{check['code']} ({check['count']}): {check['message']}" for check in self.checks
        ]
        return found + list(self.warnings)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able mapping (completeness rounded to 2 decimals)."""
        return {
            "source": self.source,
            "origin": self.origin,
            "kind": self.kind,
            "completeness": round(self.completeness, 2),
            "findings": self.findings,
            "sections": self.sections,
            "fields": self.fields,
            "checks": self.checks,
            "warnings": self.warnings,
            "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name,
            "downloads": self.downloads,
        }


def section_paths(kind: str) -> list[str]:
    """Audited section paths of a kind: validate's recommended ones (first alternative)."""
    return [entry.split("|")[0] for entry in RECOMMENDED[kind]]


def _entries(kind: str) -> list[list[str]]:
    return [entry.split("|") for entry in RECOMMENDED[kind]]


def _sections(kind: str, lookup: Callable[[str], list[Any]]) -> dict[str, FillState]:
    return {
        alts[0]: best_state([fill_state(v) for alt in alts for v in lookup(alt)])
        for alts in _entries(kind)
    }


# --- claim checks ------------------------------------------------------------------------------


def _check(checks: list[dict[str, Any]], code: str, count: int, message: str) -> None:
    if count:
        checks.append({"code": code, "count": count, "message": message})


def model_index_checks(
    model_index: Any, listed: set[str], is_finetune: bool, has_base: bool
) -> list[dict[str, Any]]:
    """Checks on `model-index` results: dataset revision and split, n or interval, the
    dataset listed in `datasets`, and a fine-tune that names its base model."""
    no_revision = no_split = no_uncertainty = unlisted = 0
    entries = model_index if isinstance(model_index, list) else []
    results = [
        r
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("results"), list)
        for r in entry["results"]
        if isinstance(r, dict)
    ]
    for result in results:
        raw = result.get("dataset")
        dataset: dict[str, Any] = raw if isinstance(raw, dict) else {}
        no_revision += not dataset.get("revision")
        no_split += not dataset.get("split")
        ids = {str(dataset.get(k)) for k in ("type", "name") if dataset.get(k)}
        unlisted += bool(ids) and not ids & listed
        metrics = result.get("metrics")
        for metric in metrics if isinstance(metrics, list) else []:
            args = metric.get("args") if isinstance(metric, dict) else None
            args = args if isinstance(args, dict) else {}
            no_uncertainty += (
                isinstance(metric, dict) and args.get("n") is None and args.get("ci_low") is None
            )
    checks: list[dict[str, Any]] = []
    _check(checks, "result-without-revision", no_revision, "results whose dataset has no revision")
    _check(checks, "result-without-split", no_split, "results whose dataset has no split")
    _check(
        checks,
        "result-without-n-or-interval",
        no_uncertainty,
        "metric values with neither n nor a confidence interval",
    )
    _check(
        checks,
        "result-on-unlisted-dataset",
        unlisted,
        "results on a dataset the card's `datasets` does not list",
    )
    _check(
        checks,
        "finetune-without-base-model",
        int(is_finetune and not has_base),
        "a fine-tuned model that does not name its `base_model`",
    )
    return checks


def _spec_checks(card: ModelCard) -> list[dict[str, Any]]:
    listed = set(card.metadata.datasets) | {
        v for d in card.evaluation_data.datasets for v in (d.name, d.uri) if v
    }
    no_revision = no_split = no_uncertainty = unlisted = 0
    for evaluation in card.quantitative_analyses.evaluations:
        dataset = evaluation.dataset
        no_revision += dataset is None or not dataset.revision
        no_split += dataset is None or not dataset.split
        unlisted += dataset is not None and not {dataset.name, dataset.uri} & listed
        no_uncertainty += sum(
            v.value is not None and v.n is None and v.ci_low is None
            for v in evaluation.overall.values()
        )
    checks: list[dict[str, Any]] = []
    _check(
        checks, "result-without-revision", no_revision, "evaluations whose dataset has no revision"
    )
    _check(checks, "result-without-split", no_split, "evaluations whose dataset has no split")
    _check(
        checks,
        "result-without-n-or-interval",
        no_uncertainty,
        "metric values with neither n nor a confidence interval",
    )
    _check(
        checks,
        "result-on-unlisted-dataset",
        unlisted,
        "evaluations on a dataset the card does not list",
    )
    finetune = card.metadata.base_model_relation == "finetune" or bool(
        card.artefact_provenance.adaptation
    )
    _check(
        checks,
        "finetune-without-base-model",
        int(finetune and not card.metadata.base_model),
        "a fine-tuned model that does not name its `base_model`",
    )
    return checks


# --- sources -----------------------------------------------------------------------------------


_LABELLED = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*(?P<bold>[^*\n]+?):?\*\*:?|(?P<plain>[A-Z][^:*\n]{1,40}):)"
    r"(?:[ \t]+(?P<value>\S.*))?$"
)


def _labelled(body: str, kind: str) -> list[tuple[str, str]]:
    """The fields a section's labelled lines fill (see `cardgen.sections.LABELS`), with
    their text: the rest of the line, or the block that follows a label alone on its line
    (`Decision thresholds:` and its bullets, `**Maintainers**` and its list)."""
    labels = LABELS[kind]
    lines = body.split("\n")
    found: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        match = _LABELLED.match(line)
        if not match:
            continue
        path = labels.get(normalize_heading(match["bold"] or match["plain"]))
        if path is None:
            continue
        text = match["value"] or ""
        if not text:
            block: list[str] = []
            for following in lines[i + 1 :]:
                if not following.strip():
                    if block:
                        break
                    continue
                block.append(following)
            text = "\n".join(block)
        found.append((path, text))
    return found


def _governance_values(parsed: ParsedReadme) -> dict[str, list[Any]]:
    """A governance README's text by field: sections by heading (the templates' and
    BigCode's), `- **Label:** value` lines by label, the first title's text as summary."""
    values: dict[str, list[Any]] = {}
    first_h1 = True
    for section in parsed.sections:
        labelled, rest = label_fields(section.body)
        for labelled_path, value in labelled.items():
            values.setdefault(labelled_path, []).append(value)
        path = (
            section_field(section.heading, "governance")
            if section.heading is not None
            else "summary"
        )
        if section.heading is not None and section.level == 1 and first_h1:
            first_h1 = False
            path = path or "summary"
        if path:
            values.setdefault(path, []).append(rest)
    for key, value in parsed.metadata.items():
        values[f"metadata.{key}"] = [value]
    return values


def _markdown_values(parsed: ParsedReadme, kind: str) -> dict[str, list[Any]]:
    if kind == "governance":
        return _governance_values(parsed)
    table = MODEL_SECTIONS if kind == "model" else DATA_SECTIONS
    values: dict[str, list[Any]] = {}
    first_h1 = True
    for section in parsed.sections:
        for labelled, text in _labelled(section.body, kind):
            values.setdefault(labelled, []).append(text)
        if section.heading is None:
            values.setdefault("summary", []).append(section.body)
            continue
        key = normalize_heading(section.heading)
        path = table.get(key) or (EXTRA_HEADINGS.get(key) if kind == "model" else None)
        if section.level == 1 and first_h1:
            first_h1 = False
            path = path or "summary"
        if path:
            values.setdefault(path, []).append(section.body)
        for also in ALSO_FILLS[kind].get(key, ()):
            values.setdefault(also, []).append(section.body)
    for key, value in parsed.metadata.items():
        values[f"metadata.{key}"] = [value]
    if kind == "model" and parsed.metadata.get("model-index"):
        values["quantitative_analyses.evaluations"] = [parsed.metadata["model-index"]]
    return values


def _prefix_lookup(values: dict[str, list[Any]]) -> Callable[[str], list[Any]]:
    def lookup(path: str) -> list[Any]:
        found = list(values.get(path, []))
        prefix = path + "."
        for key, items in values.items():
            if key.startswith(prefix):
                found.extend(items)
        return found

    return lookup


def _is_finetune(metadata: dict[str, Any], body: str) -> bool:
    tags = metadata.get("tags")
    tags = [str(t) for t in tags] if isinstance(tags, list) else [str(tags)]
    return (
        "generated_from_trainer" in tags
        or metadata.get("base_model_relation") == "finetune"
        or bool(_FINETUNE_TEXT.search(body))
    )


def _metadata_fields(metadata: dict[str, Any], kind: str) -> dict[str, FillState]:
    if kind in ("data", "governance"):
        names = DATA_FIELDS if kind == "data" else GOVERNANCE_FIELDS
        return {name: fill_state(metadata.get(name)) for name in names}
    states = {name: fill_state(metadata.get(name)) for name in MODEL_FIELDS}
    states["eval_results"] = fill_state(metadata.get("model-index"))
    states["parameter_count"] = "empty"  # only the Hub (safetensors) or a spec knows it
    return states


def guess_kind(parsed: ParsedReadme) -> str:
    """`governance` for a governance card (the `governance-card` tag, or a title that
    says "Governance Card"), `data` for a dataset card (dataset metadata keys or a
    "Dataset Card" title), else `model`."""
    from ..hub.importer import looks_like_dataset

    tags = parsed.metadata.get("tags")
    tags = [str(t) for t in tags] if isinstance(tags, list) else [str(tags)]
    first = next((s.heading for s in parsed.sections if s.heading), "") or ""
    if GOVERNANCE_TAG in tags or "governance card" in first.lower():
        return "governance"
    return "data" if looks_like_dataset(parsed) else "model"


def audit_markdown(source: str, parsed: ParsedReadme, kind: str | None = None) -> CardAudit:
    """Audit a Hub-style README: headings map to sections as `cardgen import` maps them
    (a governance README's as `sections.section_field` and `sections.label_fields` do).

    A section counts as filled when any heading that maps to it has filled text.
    """
    kind = kind or guess_kind(parsed)
    values = _markdown_values(parsed, kind)
    metadata = parsed.metadata
    audit = CardAudit(
        source,
        "markdown",
        kind,
        _sections(kind, _prefix_lookup(values)),
        _metadata_fields(metadata, kind),
        warnings=list(parsed.warnings),
    )
    if kind == "model":
        listed = set(_as_list(metadata.get("datasets")))
        audit.checks = model_index_checks(
            metadata.get("model-index"),
            listed,
            _is_finetune(metadata, parsed.body),
            bool(_as_list(metadata.get("base_model"))),
        )
        audit.pipeline_tag = _text(metadata.get("pipeline_tag"))
        audit.library_name = _text(metadata.get("library_name"))
    return audit


def audit_hub_facts(facts: dict[str, Any], evaluations: list[Any]) -> CardAudit:
    """Audit a repository from the facts `collect hub` wrote (hub.json, hub-evaluations.json)."""
    from ..hub.importer import Section

    metadata = facts.get("card_data") or {}
    tags = metadata.get("tags")
    kind = "data" if facts.get("repo_type") == "dataset" else "model"
    if isinstance(tags, list) and GOVERNANCE_TAG in tags:  # published as a dataset repo
        kind = "governance"
    sections = [Section(s["heading"], s["level"], s["body"]) for s in facts.get("sections") or []]
    body = "\n\n".join(s.body for s in sections)
    parsed = ParsedReadme(body, None, metadata, body, sections, list(facts.get("warnings") or []))
    audit = audit_markdown(str(facts.get("repo_id")), parsed, kind)
    audit.origin = "hub"
    if kind == "model":
        parameters = facts.get("parameters") or {}
        audit.fields["parameter_count"] = fill_state(parameters.get("total"))
        if evaluations:
            audit.fields["eval_results"] = "filled"
            audit.sections["quantitative_analyses.evaluations"] = "filled"
        audit.pipeline_tag = facts.get("pipeline_tag") or audit.pipeline_tag
        audit.library_name = facts.get("library_name") or audit.library_name
    audit.downloads = facts.get("downloads")
    return audit


def audit_card(source: str, card: Card) -> CardAudit:
    """Audit a validated spec (with its facts merged) by the same rule as `validate`."""

    def lookup(path: str) -> list[Any]:
        value: Any = card
        for part in path.split("."):
            value = getattr(value, part)
        return [value]

    kind = card.kind
    audit = CardAudit(source, "spec", kind, _sections(kind, lookup), {})
    if isinstance(card, ModelCard):
        meta = card.metadata
        audit.fields = {
            "license": fill_state(meta.license),
            "base_model": best_state(
                [
                    fill_state(meta.base_model),
                    fill_state(card.artefact_provenance.base_model_dependencies),
                ]
            ),
            "datasets": fill_state(meta.datasets),
            "language": fill_state(meta.language),
            "eval_results": best_state(
                [
                    fill_state(card.quantitative_analyses.evaluations),
                    fill_state(card.sources.evaluate),
                    fill_state(card.sources.probe),
                ]
            ),
            "co2_eq_emissions": fill_state(card.environmental_impact.carbon_emitted_kg),
            "parameter_count": fill_state(card.artefact_provenance.parameter_count),
        }
        audit.checks = _spec_checks(card)
        audit.pipeline_tag, audit.library_name = meta.pipeline_tag, meta.library_name
    else:
        dumped = card.metadata.model_dump()
        names = DATA_FIELDS if card.kind == "data" else GOVERNANCE_FIELDS
        audit.fields = {name: fill_state(dumped.get(name)) for name in names}
    return audit


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
