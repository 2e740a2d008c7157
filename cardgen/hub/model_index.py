"""The Hub README front matter, including `model-index`, written from a card and read back.

YAML goes through huggingface_hub's `ModelCardData`/`DatasetCardData`; this module decides
how results are encoded there, in both directions, and does no Hub I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, get_args

from huggingface_hub import DatasetCardData, EvalResult, ModelCardData

from ..evaluate.summary import group_label
from ..schema import (
    DataCard,
    DatasetReference,
    DisaggregatedEvaluation,
    GroupResult,
    MetricValue,
    ModelCard,
)
from ..schema.evaluation import CIMethod
from ..schema.provenance import Provenance

SOURCE_NAME = "cardgen"
FALLBACK_SOURCE_URL = "https://pypi.org/project/cardgen/"
_TASK_TYPES = {
    "binary": "tabular-classification",
    "multiclass": "tabular-classification",
    "regression": "tabular-regression",
    "generation": "text-generation",
    "decision-probe": "text-generation",
    "other": "other",
}


def source_url(card: ModelCard) -> str:
    """Where the results can be traced: the Hub repo, the code repository, or cardgen."""
    if card.sources.hub is not None:
        return f"https://huggingface.co/{card.sources.hub.repo_id}"
    if card.model_details.repository and card.model_details.repository.startswith("http"):
        return card.model_details.repository
    return FALLBACK_SOURCE_URL


def _metric_args(
    value: MetricValue, group: dict[str, str] | None = None, small: bool | None = None
) -> dict[str, Any]:
    # Per-group identity and the uncertainty live in the metric's own `args`: fields of
    # the dataset entry are shared by every metric of a result and would be collapsed.
    args: dict[str, Any] = {
        "ci_low": value.ci_low,
        "ci_high": value.ci_high,
        "ci_level": value.ci_level,
        "ci_method": value.ci_method,
        "n": value.n,
        "se": value.se,
    }
    if group is not None:
        args["group"] = dict(group)
        args["small_group"] = bool(small)
    return {key: val for key, val in args.items() if val is not None}


def _group_config(features: dict[str, str]) -> str:
    """`race=Black,sex=Female`: the group as the metric's `config`, which readers of
    model-index (cardgen's Hub collector among them) take as the result's group."""
    return group_label(features, separator=",")


GROUP_PATTERN = re.compile(r"^\s*[^=,]+=[^=,]*(\s*,\s*[^=,]+=[^=,]*)*\s*$")
"""A per-group result in `model-index` names its group as `feature=value[,feature=value]`
in the metric's `config` (as cardgen's renderer writes it) or the dataset's `config`, or
as a mapping in the metric's `args.group`; all survive huggingface_hub's `EvalResult`
round trip, unlike `dataset.args`. The metric's `args` may carry `ci_low`, `ci_high`,
`ci_level`, `ci_method` and `n`."""


def parse_group(text: Any) -> dict[str, str] | None:
    """`sex=Female,race=Black` -> `{sex: Female, race: Black}`; None when not a group."""
    if not isinstance(text, str) or not GROUP_PATTERN.match(text):
        return None
    pairs = (part.split("=", 1) for part in text.split(","))
    return {key.strip(): value.strip() for key, value in pairs}


def evaluation_results(card: ModelCard) -> list[EvalResult]:
    """The `model-index` results of a card's evaluations.

    Compact (the default): the overall value of each headline metric per evaluation, as
    most Hub cards carry; the full results go to the evaluation sidecar the README links.
    With `render: {model_index: full}`: one `EvalResult` per defined metric, overall, per
    group, and fairness measures. Undefined metrics have no value to report and are left
    out; the README's tables still show them with their reason. An evaluation whose dataset
    has no id (`dataset_id`) is left out too: model-index names datasets by id, and a file
    name is not one (the README's body still reports it).
    """
    results = []
    url = source_url(card)
    full = card.render.model_index == "full"
    for evaluation in card.quantitative_analyses.evaluations:
        if dataset_id(evaluation) is None:
            continue  # model-index names a dataset by its id, never by a file name
        if full:
            results.extend(_results_of(card, evaluation, url))
        else:
            results.extend(_headline_results(card, evaluation, url))
    return results


HUB_DATASET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
"""A Hub dataset id `org/name`."""


def dataset_id(evaluation: DisaggregatedEvaluation, hub_only: bool = False) -> str | None:
    """The id that names an evaluation's dataset in `model-index` and `.eval_results`: the
    dataset's `id` (a spec's `dataset_id`, a Hub result's dataset), else its name or its
    harness record's dataset when that is a Hub id `org/name`; never a file name.

    Args:
        hub_only: accept only a Hub id `org/name` (what `.eval_results` requires).
    """
    dataset, record = evaluation.dataset, evaluation.record
    if dataset is not None and dataset.id:
        return dataset.id if not hub_only or HUB_DATASET_ID.match(dataset.id) else None
    candidates = [dataset.name if dataset else None, record.dataset_id if record else None]
    return next((c for c in candidates if c and HUB_DATASET_ID.match(c)), None)


def _common(card: ModelCard, evaluation: DisaggregatedEvaluation, url: str) -> dict[str, Any]:
    dataset = evaluation.dataset
    return {
        "task_type": card.metadata.pipeline_tag or _TASK_TYPES[evaluation.task],
        "dataset_type": dataset_id(evaluation),
        "dataset_name": dataset.name if dataset else evaluation.name,
        "dataset_split": dataset.split if dataset else None,
        "dataset_config": dataset.config if dataset else None,
        "dataset_revision": dataset.revision if dataset else None,
        "source_name": SOURCE_NAME,
        "source_url": url,
    }


def _headline_results(
    card: ModelCard, evaluation: DisaggregatedEvaluation, url: str
) -> list[EvalResult]:
    from ..evaluate.summary import headline_metrics

    common = _common(card, evaluation, url)
    values = [
        (name, evaluation.overall[name])
        for name in headline_metrics(evaluation, card.headline_metrics)
        if evaluation.overall[name].value is not None
    ]
    # One CI level and method for all: stated once in the dataset's args (shared by every
    # metric of the result), which keeps the front matter short.
    methods = {(v.ci_level, v.ci_method) for _, v in values}
    shared: dict[str, Any] = {}
    if len(methods) == 1:
        level, method = methods.pop()
        shared = {k: v for k, v in (("ci_level", level), ("ci_method", method)) if v is not None}
    results = []
    for name, value in values:
        args = {k: v for k, v in _metric_args(value).items() if k not in shared}
        results.append(
            EvalResult(
                **common,
                metric_type=name,
                metric_value=value.value,
                metric_args=args,
                dataset_args=shared or None,
            )
        )
    return results


def _results_of(card: ModelCard, evaluation: DisaggregatedEvaluation, url: str) -> list[EvalResult]:
    common = _common(card, evaluation, url)
    results = []
    record = evaluation.record
    if record is not None and record.headline_metric in evaluation.overall:
        # an LM benchmark: model-index carries its headline number; the rest is in the body
        value = evaluation.overall[record.headline_metric]
        if value.value is None:
            return []
        return [
            EvalResult(
                **common,
                metric_type=record.headline_metric,
                metric_name=f"{record.task or evaluation.name} {record.headline_metric}",
                metric_value=value.value,
                metric_args=_metric_args(value),
            )
        ]
    for name, value in sorted(evaluation.overall.items()):
        if value.value is not None:
            results.append(
                EvalResult(
                    **common,
                    metric_type=name,
                    metric_name=name,
                    metric_value=value.value,
                    metric_args=_metric_args(value),
                )
            )
    for group in evaluation.groups:
        label = group_label(group.features)
        for name, value in sorted(group.metrics.items()):
            if value.value is not None:
                results.append(
                    EvalResult(
                        **common,
                        metric_type=name,
                        metric_name=f"{name} ({label})",
                        metric_value=value.value,
                        metric_config=_group_config(group.features),
                        metric_args=_metric_args(value, group.features, group.small),
                    )
                )
    for name, value in sorted(evaluation.fairness_measures.items()):
        if value.value is not None:
            results.append(
                EvalResult(
                    **common,
                    metric_type=name,
                    metric_name=name,
                    metric_value=value.value,
                    metric_args=_metric_args(value),
                )
            )
    return results


def model_card_data(card: ModelCard) -> ModelCardData:
    """The card's Hub metadata as huggingface_hub's `ModelCardData`."""
    meta = card.metadata
    fields: dict[str, Any] = {
        key: value
        for key, value in meta.model_dump(exclude_none=True).items()
        if value not in ([], {}, "")
    }
    # One base model is written as a string, as the Hub's own cards do.
    if len(meta.base_model) == 1:
        fields["base_model"] = meta.base_model[0]
    results = evaluation_results(card)
    if results:
        fields.setdefault("model_name", card.name)
        fields["eval_results"] = results
    return ModelCardData(**fields)


_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


def size_category(rows: int) -> str:
    """The Hub's `size_categories` value for a number of rows (e.g. `10K<n<100K`)."""
    for limit, name in _SIZE_CATEGORIES:
        if rows < limit:
            return name
    return "n>1T"


def dataset_card_data(card: DataCard) -> DatasetCardData:
    """The card's Hub metadata as huggingface_hub's `DatasetCardData`.

    `size_categories` the spec leaves empty is derived from the instance count (the
    spec's `composition.num_instances`, else the profiled rows).
    """
    fields = {
        key: value
        for key, value in card.metadata.model_dump(exclude_none=True).items()
        if value not in ([], {}, "")
    }
    profile = card.composition.profile
    rows = card.composition.num_instances or (profile.num_rows if profile else None)
    if "size_categories" not in fields and rows:
        fields["size_categories"] = [size_category(rows)]
    return DatasetCardData(**fields)


IMPORTED_METADATA_KEY = "hub_metadata"
"""`extra` key where `cardgen import` keeps front-matter keys that have no card field."""


def front_matter(card: ModelCard | DataCard) -> dict[str, Any]:
    """The README's front matter as plain data (what `---` ... `---` will hold).

    Keys an imported card kept under `extra.hub_metadata` (a widget, an author's own
    `model-index` when the card has no evaluations, ...) come back; keys built from the
    card's fields take precedence.
    """
    data = model_card_data(card) if isinstance(card, ModelCard) else dataset_card_data(card)
    imported = card.extra.get(IMPORTED_METADATA_KEY)
    kept = (
        {key: value for key, value in imported.items() if not key.startswith("_")}
        if isinstance(imported, dict)
        else {}
    )
    return {**kept, **data.to_dict()}


# Reading: a Hub README's `model-index` as cardgen evaluations (what `collect hub` stores).


def evaluation_name(*parts: Any) -> str:
    """An evaluation name from the parts identifying a result: `imdb-test-text-classification`."""
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "results"


def reported_value(raw: Any, args: dict[str, Any] | None = None) -> tuple[MetricValue, Any]:
    """A reported number as a MetricValue, with the interval and count its `args` give.

    Text that is not a number stays visible as an undefined value with the text as reason.

    Returns:
        (the value, the raw text when it was not a number else None).
    """
    args = args or {}
    extra: dict[str, Any] = {}
    for key in ("ci_low", "ci_high", "ci_level", "n", "se"):
        if isinstance(args.get(key), (int, float)) and not isinstance(args.get(key), bool):
            extra[key] = args[key]
    method = args.get("ci_method") if args.get("ci_method") in get_args(CIMethod) else "reported"
    number: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            number = None
    if number is None:
        return MetricValue(
            value=None, ci_method="reported", undefined_reason=f"reported as {raw!r}, not a number"
        ), raw
    try:
        return MetricValue(value=number, ci_method=method, **extra), None
    except ValueError:  # an inconsistent interval in the source: keep the number alone
        return MetricValue(value=number, ci_method="reported"), None


def _mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (Hub metadata is free-form)."""
    return value if isinstance(value, dict) else {}


def _args_group(args: dict[str, Any]) -> dict[str, str] | None:
    group = args.get("group")
    if isinstance(group, dict) and group:
        return {str(k): str(v) for k, v in group.items()}
    return None


_CLASSIFICATION = re.compile(r"classification|ner|sentiment")


def _task(task_type: str | None) -> str:
    return "multiclass" if task_type and _CLASSIFICATION.search(task_type) else "other"


def _unique(name: str, alias: str, taken: dict[str, Any]) -> str:
    """A metric's key in its result: its type, or, when a result reports one type twice
    (`f1`, and `f1` named `f1 macro`), `type:name`, else `type-2`. huggingface_hub reads
    both as results; neither may replace the other."""
    if name not in taken:
        return name
    if alias and alias != name and f"{name}:{alias}" not in taken:
        return f"{name}:{alias}"
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"


def read_model_index(
    model_index: Any,
    warnings: list[str],
    *,
    provenance: Provenance,
    dataset_url: Callable[[str], str],
) -> list[DisaggregatedEvaluation]:
    """The evaluations a `model-index` reports, one per model, task, dataset and split.

    Per-group results (see `GROUP_PATTERN`) become `groups` of their evaluation; numbers
    keep the CI and count their `args` give, with `ci_method="reported"` when none is named.

    Args:
        model_index: the front matter's `model-index` value (free-form: checked here).
        warnings: receives a line for each result that could not be read.
        provenance: recorded on every evaluation (its uri: the README read).
        dataset_url: the web address of a Hub dataset id.

    Returns:
        The evaluations, in the order the model-index lists them.
    """
    if not isinstance(model_index, list):
        warnings.append("model-index is not a list; its results were not read")
        return []
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for model in model_index:
        if not isinstance(model, dict) or not isinstance(model.get("results"), list):
            warnings.append("a model-index entry has no `results` list; skipped")
            continue
        for result in model["results"]:
            if not isinstance(result, dict):
                warnings.append("a model-index result is not a mapping; skipped")
                continue
            task, dataset = _mapping(result.get("task")), _mapping(result.get("dataset"))
            data_group = parse_group(dataset.get("config"))
            config = None if data_group else dataset.get("config")
            key = (
                model.get("name"),
                task.get("type"),
                dataset.get("type"),
                dataset.get("name"),
                config,
                dataset.get("split"),
                dataset.get("revision"),
            )
            entry = grouped.setdefault(
                key,
                {
                    "model": model.get("name"),
                    "task": task,
                    "dataset": dataset,
                    "config": config,
                    "source": result.get("source"),
                    "overall": {},
                    "groups": {},
                    "raw": {},
                    "verified": {},
                    "small": set(),
                },
            )
            for metric in result.get("metrics") or []:
                if not isinstance(metric, dict) or "type" not in metric:
                    warnings.append("a model-index metric has no `type`; skipped")
                    continue
                name = str(metric["type"])
                args = _mapping(metric.get("args"))
                # cardgen's compact model-index states the CI level and method once, in
                # the dataset's args, for every metric of the result.
                shared = _mapping(dataset.get("args"))
                args = {**{k: shared[k] for k in ("ci_level", "ci_method") if k in shared}, **args}
                value, raw = reported_value(metric.get("value"), args)
                # `args.group` first: it holds the group exactly, where a label whose values
                # contain `,` or `=` (which `_group_config` writes as they are) cannot be parsed.
                label = metric.get("config")
                group = _args_group(args) or parse_group(label) or data_group
                if label and not parse_group(label) and label != _group_config(group or {}):
                    name = f"{name}:{label}"
                if group:
                    features = tuple(sorted(group.items()))
                    target = entry["groups"].setdefault(features, {})
                    if args.get("small_group") is True:
                        entry["small"].add(features)
                else:
                    target = entry["overall"]
                name = _unique(name, str(metric.get("name") or ""), target)
                target[name] = value
                if raw is not None:
                    entry["raw"][name] = raw
                if metric.get("verified") is not None:
                    entry["verified"][name] = metric["verified"]
    evaluations = []
    names: set[str] = set()
    for entry in grouped.values():
        dataset = entry["dataset"]
        name = evaluation_name(
            dataset.get("type") or dataset.get("name"),
            entry["config"],
            dataset.get("split"),
            entry["task"].get("type"),
        )
        while name in names:
            name += "-2"
        names.add(name)
        source = entry["source"] if isinstance(entry["source"], dict) else {}
        details: dict[str, Any] = {
            "hub_source": "model-index",
            "model_name": entry["model"],
            "task_type": entry["task"].get("type"),
            "task_name": entry["task"].get("name"),
        }
        if source:
            details["source"] = source
        if dataset.get("args") is not None:
            details["dataset_args"] = dataset.get("args")
        if entry["raw"]:
            details["reported_text"] = entry["raw"]
        if entry["verified"]:
            details["verified"] = entry["verified"]
        groups = [
            GroupResult(
                features=dict(features), n=None, metrics=metrics, small=features in entry["small"]
            )
            for features, metrics in entry["groups"].items()
        ]
        evaluations.append(
            DisaggregatedEvaluation(
                name=name,
                task=_task(entry["task"].get("type")),
                dataset=DatasetReference(
                    name=str(dataset.get("name") or dataset.get("type") or "unnamed"),
                    id=str(dataset["type"]) if dataset.get("type") else None,
                    uri=dataset_url(dataset["type"]) if dataset.get("type") else None,
                    split=dataset.get("split"),
                    config=entry["config"],
                    revision=dataset.get("revision"),
                ),
                sensitive_features=sorted({k for f in entry["groups"] for k, _ in f}),
                overall=entry["overall"],
                groups=groups,
                details={k: v for k, v in details.items() if v is not None},
                provenance=provenance.model_copy(),
            )
        )
    return evaluations
