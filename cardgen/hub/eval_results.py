"""The Hub's `.eval_results/*.yaml` entries of a card's LM evaluations: write, validate, read.

One entry per benchmark task (its headline metric), with SE, CI and n in `notes` as
`key=value; ...` pairs; it builds and checks entries and never talks to the Hub.

Notes format (parsed back by `cardgen collect hub`), e.g.::

    cardgen: metric=acc; se=0.0631; ci_level=0.95; ci_low=0.0096; ci_high=0.257;
    ci_method=clt; n=30; shots=0; harness=lm-evaluation-harness 0.4.13

(one line; keys without a value are left out; numbers in Python's shortest round-trip form).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import yaml
from huggingface_hub import EvalResultEntry
from huggingface_hub import eval_result_entries_to_yaml as to_yaml

from .._io import atomic_write_text
from ..errors import CardgenError
from ..schema import DatasetReference, DisaggregatedEvaluation, MetricValue, ModelCard
from ..schema.evaluation import CIMethod
from ..schema.provenance import Provenance
from .model_index import (
    HUB_DATASET_ID,
    SOURCE_NAME,
    dataset_id,
    evaluation_name,
    reported_value,
    source_url,
)

FOLDER = ".eval_results"
NOTES_PREFIX = "cardgen: "
ENTRY_FIELDS = {
    "dataset": {"id", "task_id", "revision"},
    "value": None,
    "verifyToken": None,
    "date": None,
    "source": {"url", "name", "user", "org"},
    "notes": None,
}
"""The documented fields of an entry (huggingface_hub's EvalResultEntry / the Hub's docs)."""
_NUMBER_KEYS = ("se", "ci_level", "ci_low", "ci_high")


def format_notes(
    metric: str,
    value: MetricValue,
    shots: int | None,
    harness: str | None,
    extra: Iterable[tuple[str, Any]] = (),
) -> str:
    """The `notes` of an entry: `cardgen: metric=...; se=...; ...` (see the module doc);
    `extra` pairs follow (a verified claim's `claimed=...; verdict=...`)."""
    pairs: list[tuple[str, Any]] = [
        ("metric", metric),
        ("se", value.se),
        ("ci_level", value.ci_level),
        ("ci_low", value.ci_low),
        ("ci_high", value.ci_high),
        ("ci_method", value.ci_method),
        ("n", value.n),
        ("shots", shots),
        ("harness", harness),
        *extra,
    ]
    text = "; ".join(f"{key}={_plain(item)}" for key, item in pairs if item is not None)
    return NOTES_PREFIX + text


def _plain(item: Any) -> str:
    text = repr(item) if isinstance(item, float) else str(item)
    return text.replace(";", ",").replace("\n", " ")


def parse_notes(notes: str | None) -> dict[str, Any] | None:
    """The fields of cardgen-written notes, or None for other notes."""
    if not notes or not notes.startswith(NOTES_PREFIX):
        return None
    fields: dict[str, Any] = {}
    for part in notes[len(NOTES_PREFIX) :].split("; "):
        key, sep, text = part.partition("=")
        if not sep:
            return None
        if key in _NUMBER_KEYS:
            try:
                fields[key] = float(text)
            except ValueError:
                return None
        elif key in ("n", "shots"):
            if not text.isdigit():
                return None
            fields[key] = int(text)
        else:
            fields[key] = text
    return fields


def metric_from_entry(
    task_id: str, value: Any, notes: str | None
) -> tuple[str, MetricValue] | None:
    """A metric (named `task_id (metric)`) from an entry with cardgen notes; None for other
    entries or notes that do not describe a consistent metric."""
    fields = parse_notes(notes)
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if fields is None or number is None or not math.isfinite(number):
        return None
    method = fields.get("ci_method")
    try:
        metric = MetricValue(
            value=float(number),
            se=fields.get("se"),
            ci_low=fields.get("ci_low"),
            ci_high=fields.get("ci_high"),
            ci_level=fields.get("ci_level"),
            n=fields.get("n"),
            ci_method=method if method in get_args(CIMethod) else "reported",
        )
    except ValueError:
        return None
    return f"{task_id} ({fields.get('metric', 'value')})", metric


def read_entries(
    entries: Iterable[Any], *, provenance: Provenance, dataset_url: Callable[[str], str]
) -> list[DisaggregatedEvaluation]:
    """The evaluations the Hub reports from `.eval_results`: one per dataset and revision.

    Entries with cardgen's notes come back with their SE, CI and n (`metric_from_entry`);
    others keep their number as reported, the notes in the metric's name.

    Args:
        entries: huggingface_hub `EvalResultEntry`s (the model info's `eval_results`).
        provenance: recorded on every evaluation (its uri: the `.eval_results` folder).
        dataset_url: the web address of a Hub dataset id.
    """
    by_dataset: dict[tuple[str, str | None], list[Any]] = {}
    for entry in entries:
        by_dataset.setdefault((entry.dataset_id, entry.dataset_revision), []).append(entry)
    evaluations = []
    for (hub_id, dataset_revision), group in by_dataset.items():
        overall: dict[str, MetricValue] = {}
        sources: dict[str, dict[str, Any]] = {}
        for entry in group:
            parsed = metric_from_entry(entry.task_id, entry.value, entry.notes)
            if parsed is not None:  # cardgen's notes carry SE, CI and n
                name, overall[parsed[0]] = parsed
            else:
                name = entry.task_id + (f" ({entry.notes})" if entry.notes else "")
                overall[name], _ = reported_value(entry.value)
            sources[name] = {
                k: v
                for k, v in {
                    "url": entry.source_url,
                    "name": entry.source_name,
                    "user": entry.source_user,
                    "org": entry.source_org,
                    "date": entry.date,
                    "notes": entry.notes,
                    "verified": bool(entry.verify_token),
                }.items()
                if v is not None
            }
        evaluations.append(
            DisaggregatedEvaluation(
                name=evaluation_name("eval-results", hub_id),
                task="other",
                dataset=DatasetReference(
                    name=hub_id, id=hub_id, uri=dataset_url(hub_id), revision=dataset_revision
                ),
                overall=overall,
                details={"hub_source": ".eval_results", "sources": sources},
                provenance=provenance.model_copy(),
            )
        )
    return evaluations


def _headline(evaluation: DisaggregatedEvaluation) -> tuple[str, MetricValue] | None:
    record = evaluation.record
    names = ([record.headline_metric] if record and record.headline_metric else []) + list(
        evaluation.overall
    )
    for name in names:
        value = evaluation.overall.get(name)
        if value is not None and value.value is not None:
            return name, value
    return None


def entries(card: ModelCard) -> tuple[dict[str, list[EvalResultEntry]], list[str]]:
    """`.eval_results` entries of the card's LM evaluations, keyed by file name.

    Returns:
        `({"tinyqa.yaml": [entry]}, notes)`; an evaluation without a Hub dataset id or a
        value is left out and named in the notes.
    """
    files: dict[str, list[EvalResultEntry]] = {}
    skipped: list[str] = []
    url = source_url(card)
    for evaluation in card.quantitative_analyses.evaluations:
        record = evaluation.record
        if record is None or record.harness is None or record.harness == "cardgen probe":
            continue
        headline = _headline(evaluation)
        hub_id = dataset_id(evaluation, hub_only=True)
        if headline is None or hub_id is None:
            skipped.append(
                f"{evaluation.name}: "
                + (
                    "no metric with a value"
                    if headline is None
                    else "no Hub dataset id (set `dataset_id: ORG/NAME` on its lm_eval/inspect "
                    "source, or collect with --dataset-id)"
                )
            )
            continue
        metric, value = headline
        harness = " ".join(p for p in (record.harness, record.harness_version) if p)
        entry = EvalResultEntry(
            dataset_id=hub_id,
            task_id=record.task or evaluation.name,
            value=value.value,
            dataset_revision=record.dataset_revision,
            date=record.date,
            source_url=url,
            source_name=SOURCE_NAME,
            notes=format_notes(metric, value, record.num_fewshot, harness or None),
        )
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", evaluation.name).strip("-") or "task"
        files.setdefault(f"{name}.yaml", []).append(entry)
    return files, skipped


VERIFY_FILE = "cardgen-verify.yaml"
"""The `.eval_results` file holding what `cardgen verify` measured for the card's claims."""
_HUB_SHA = re.compile(r"^[0-9a-f]{40}$")


def verification_entries(
    card: ModelCard, taken: set[tuple[str, str]] | None = None
) -> list[EvalResultEntry]:
    """Entries of what `cardgen verify` measured for the card's claims, cardgen the source:
    the measured value, with its interval, n, the claimed value and the verdict in `notes`
    (the format has no field for them).

    Claims on a dataset that is no Hub id, per-group claims, claims with no measured value
    and claims whose (dataset, task) already has an entry in `taken` are left out.
    """
    checked = card.quantitative_analyses.claims_checked
    if checked is None:
        return []
    taken = set(taken or ())
    url = source_url(card)
    date = (
        checked.provenance.collected_at.isoformat()
        if checked.provenance and checked.provenance.collected_at
        else None
    )
    found = []
    for check in checked.claims:
        if check.measured is None or check.group or not check.dataset:
            continue
        if not HUB_DATASET_ID.match(check.dataset):
            continue
        run = checked.runs[check.run] if check.run is not None else None
        task_id = (
            (run.task if run is not None and run.task else None)
            or (check.task if check.source == ".eval_results" else None)
            or check.measured_metric
            or check.metric
        )
        if (check.dataset, task_id) in taken:
            continue
        taken.add((check.dataset, task_id))
        revisions = [run.data_revision if run else None, check.revision]
        revision = next((r for r in revisions if r and _HUB_SHA.match(r)), None)
        interval = check.ci_method in ("bootstrap", "wilson")
        value = MetricValue(
            value=check.measured,
            ci_low=check.ci_low,
            ci_high=check.ci_high,
            ci_level=check.ci_level,
            ci_method=check.ci_method if check.ci_method in get_args(CIMethod) else None,
            n=check.n,
            se=None if interval else check.se,
        )
        extra = [("claimed", check.claimed), ("verdict", check.status)]
        if check.limit:
            extra.append(("limit", check.limit))
        found.append(
            EvalResultEntry(
                dataset_id=check.dataset,
                task_id=task_id,
                value=check.measured,
                dataset_revision=revision,
                date=date,
                source_url=url,
                source_name=SOURCE_NAME,
                notes=format_notes(
                    check.measured_metric or check.metric,
                    value,
                    None,
                    run.harness if run else None,
                    extra,
                ),
            )
        )
    return found


def validate_entry(data: Any, where: str = "entry") -> list[str]:
    """Problems of one entry against the documented fields (empty when valid)."""
    if not isinstance(data, dict):
        return [f"{where}: expected a mapping, got {type(data).__name__}"]
    problems = [
        f"{where}: unknown field {key!r}; expected {', '.join(ENTRY_FIELDS)}"
        for key in data
        if key not in ENTRY_FIELDS
    ]
    dataset = data.get("dataset")
    if not isinstance(dataset, dict):
        problems.append(f"{where}: dataset must be a mapping with id and task_id")
        dataset = {}
    problems += [
        f"{where}: unknown field dataset.{key}"
        for key in dataset
        if key not in (ENTRY_FIELDS["dataset"] or set())
    ]
    if not isinstance(dataset.get("id"), str) or not HUB_DATASET_ID.match(dataset["id"]):
        problems.append(
            f"{where}: dataset.id must be a Hub dataset id ORG/NAME, got {dataset.get('id')!r}"
        )
    if not isinstance(dataset.get("task_id"), str) or not dataset.get("task_id"):
        problems.append(f"{where}: dataset.task_id must be a non-empty string")
    value = data.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(f"{where}: value must be a finite number, got {value!r}")
    if "date" in data:
        try:
            datetime.fromisoformat(str(data["date"]).replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{where}: date must be ISO 8601, got {data['date']!r}")
    source = data.get("source")
    if source is not None:
        if not isinstance(source, dict) or not isinstance(source.get("url"), str):
            problems.append(f"{where}: source needs a url")
        else:
            problems += [
                f"{where}: unknown field source.{key}"
                for key in source
                if key not in (ENTRY_FIELDS["source"] or set())
            ]
    if "notes" in data and not isinstance(data["notes"], str):
        problems.append(f"{where}: notes must be text")
    return problems


def rendered_files(card: ModelCard) -> dict[str, str]:
    """`{".eval_results/NAME.yaml": YAML text}`, validated.

    Raises:
        CardgenError: when an entry breaks the documented fields (nothing is written).
    """
    files, _ = entries(card)
    taken = {(e.dataset_id, e.task_id) for items in files.values() for e in items}
    verified = verification_entries(card, taken)
    if verified:
        files[VERIFY_FILE] = verified
    out: dict[str, str] = {}
    problems: list[str] = []
    for name, items in sorted(files.items()):
        data = to_yaml(items)
        for index, item in enumerate(data):
            problems += validate_entry(item, f"{FOLDER}/{name}[{index}]")
        out[f"{FOLDER}/{name}"] = yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True, width=10_000
        )
    if problems:
        raise CardgenError("\n".join(["invalid .eval_results entries:", *problems]))
    return out


def write_eval_results(card: ModelCard, folder: str | Path) -> list[Path]:
    """Write the card's `.eval_results/*.yaml` under `folder` (next to its README).

    Files are written only when their text changed; cardgen-written files (notes starting
    `cardgen: `) whose task is gone are removed.

    Returns:
        The paths written.
    """
    folder = Path(folder)
    files = rendered_files(card)
    written = []
    target = folder / FOLDER
    for name, text in files.items():
        path = folder / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        written.append(atomic_write_text(path, text))
    if target.is_dir():
        for stale in sorted(target.glob("*.yaml")):
            if f"{FOLDER}/{stale.name}" in files:
                continue
            try:
                data = yaml.safe_load(stale.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue
            if (
                isinstance(data, list)
                and data
                and all(
                    isinstance(d, dict) and str(d.get("notes", "")).startswith(NOTES_PREFIX)
                    for d in data
                )
            ):
                stale.unlink()
    return written
