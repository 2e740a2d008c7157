"""What the lm-evaluation-harness and Inspect AI readers share: runs, metric values, storage.

It turns per-question scores or a harness's own numbers into MetricValues and stores facts;
it parses no harness format itself.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import atomic_write_text, dumps_json
from ..errors import CardgenError
from ..facts import facts_dir, read_facts, write_fact
from ..schema import DisaggregatedEvaluation, MetricValue
from ..schema.evaluation import CIMethod
from .lm_stats import clustered_se, mean_se, z_value

LM_FACT_PREFIXES = ("lm-eval-", "inspect-")
"""Fact keys of language-model evaluations (`.cardgen/<card>/lm-eval-<task>.json`)."""
SAMPLES_DIR = "samples"
"""Per-question scores live in `.cardgen/<card>/samples/<fact key>.json`, next to (not
inside) the evaluation, so cards stay small."""
TOLERANCE = 1e-9
"""How far the mean of per-question scores may lie from the harness's value (float error)."""


@dataclass
class TaskResult:
    """One task's evaluation and its per-question scores (`{metric: {question id: score}}`)."""

    evaluation: DisaggregatedEvaluation
    samples: dict[str, dict[str, float]] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)


@dataclass
class LMRun:
    """A harness run: one TaskResult per task, and the warnings reading it raised."""

    harness: str
    source: str
    tasks: list[TaskResult]
    warnings: list[str] = field(default_factory=list)

    def task(self, name: str) -> TaskResult | None:
        """The task called `name` (the evaluation's record task), if the run has it."""
        for task in self.tasks:
            if task_name(task.evaluation) == name:
                return task
        return None


def task_name(evaluation: DisaggregatedEvaluation) -> str:
    """The harness's name of an evaluation's task (its record), else the evaluation name."""
    return (
        evaluation.record.task if evaluation.record and evaluation.record.task else evaluation.name
    )


def slug(text: str) -> str:
    """A file-name-safe form of a task name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "task"


def number(value: Any) -> float | None:
    """A finite float from a harness value, or None (`N/A`, NaN, text, missing)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    return None


def harness_value(value: Any, stderr: Any, n: int | None, level: float, what: str) -> MetricValue:
    """A metric from a harness's aggregate numbers: its own stderr, labelled as such."""
    number_value = number(value)
    if number_value is None:
        return MetricValue(
            value=None,
            n=n,
            undefined_reason=f"{what}: the harness reported {value!r}, not a number",
        )
    se = number(stderr)
    if se is None or se < 0:
        return MetricValue(value=number_value, n=n, ci_method="none")
    half = z_value(level) * se
    return MetricValue(
        value=number_value,
        se=se,
        ci_low=number_value - half,
        ci_high=number_value + half,
        ci_level=level,
        ci_method="harness-stderr",
        n=n,
    )


def sample_value(
    scores: Mapping[str, float], clusters: Mapping[str, str] | None, level: float
) -> MetricValue:
    """A metric from per-question scores: CLT SE, or clustered SE when clusters are given."""
    values = list(scores.values())
    method: CIMethod
    if clusters is not None:
        result = clustered_se(values, [clusters[k] for k in scores], level)
        method = "clustered"
    else:
        result = mean_se(values, level)
        method = "clt"
    if result.se is None:
        return MetricValue(value=result.value, n=result.n, ci_method="none")
    return MetricValue(
        value=result.value,
        se=result.se,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        ci_level=level,
        ci_method=method,
        n=result.n,
    )


def scored_value(
    scores: Mapping[str, float] | None,
    clusters: Mapping[str, str] | None,
    reported: Any,
    stderr: Any,
    level: float,
    what: str,
    warnings: list[str],
    count: int | None = None,
) -> MetricValue:
    """Per-question error bars when the scores reproduce the harness's value, else the
    harness's own stderr (with a warning that says why); `count` is the harness's own
    question count, used when there are no scores."""
    n = len(scores) if scores else count
    if scores:
        value = sample_value(scores, clusters, level)
        target = number(reported)
        if (
            target is None
            or value.value is None
            or abs(value.value - target) <= max(TOLERANCE, 1e-9 * abs(target))
        ):
            return value
        warnings.append(
            f"{what}: the mean of the per-question scores ({value.value:.6g}) is "
            f"not the harness's value ({target:.6g}); it is not a mean of "
            "per-question scores, so the harness's own stderr is used"
        )
    return harness_value(reported, stderr, n, level, what)


def set_dataset_id(run: LMRun, dataset_id: str | None) -> LMRun:
    """Name every task's data by a Hub dataset id (the record keeps what the harness said).

    Raises:
        CardgenError: for an id that is not `ORG/NAME`.
    """
    if dataset_id is None:
        return run
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$", dataset_id):
        raise CardgenError(f"--dataset-id: expected a Hub dataset id ORG/NAME, got {dataset_id!r}")
    for task in run.tasks:
        dataset = task.evaluation.dataset
        task.evaluation.dataset = (
            dataset.model_copy(
                update={"name": dataset_id, "uri": f"https://huggingface.co/datasets/{dataset_id}"}
            )
            if dataset is not None
            else None
        )
    return run


def store_run(card_name: str, run: LMRun, root: str | Path = ".") -> list[Path]:
    """Write each task's evaluation as a fact and its per-question scores beside it.

    Returns:
        The paths written (evaluation facts, then sample files).
    """
    prefix = "lm-eval-" if run.harness == "lm-evaluation-harness" else "inspect-"
    written = []
    for task in run.tasks:
        key = prefix + slug(task.evaluation.name)
        written.append(write_fact(card_name, key, task.evaluation, root))
        if task.samples:
            written.append(
                atomic_write_text(
                    facts_dir(card_name, root) / SAMPLES_DIR / f"{key}.json",
                    dumps_json({"samples": task.samples, "clusters": task.clusters}),
                )
            )
    return written


def card_run(card_name: str, root: str | Path = ".") -> LMRun:
    """The language-model evaluations stored for a card, with their per-question scores.

    Raises:
        CardgenError: when the card has no stored language-model evaluation.
    """
    folder = facts_dir(card_name, root)
    tasks = []
    for key, data in read_facts(card_name, root).items():
        if not key.startswith(LM_FACT_PREFIXES):
            continue
        evaluation = DisaggregatedEvaluation.model_validate(data)
        samples: dict[str, dict[str, float]] = {}
        clusters: dict[str, str] = {}
        path = folder / SAMPLES_DIR / f"{key}.json"
        if path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise CardgenError(f"{path}: cannot read stored scores: {exc}") from exc
            samples, clusters = stored.get("samples", {}), stored.get("clusters", {})
        tasks.append(TaskResult(evaluation, samples, clusters))
    if not tasks:
        raise CardgenError(
            f"{folder}: no language-model evaluations stored for card "
            f"{card_name!r} (run `cardgen collect lm-eval` or `collect inspect`)"
        )
    return LMRun("card", str(folder), tasks)


def store_run_outputs(run: LMRun, card: str | Path | None, out: str | Path | None) -> list[Path]:
    """Store a run for the card a spec file defines (`store_run`) and/or as one JSON file.

    Returns:
        The paths written: the card's facts and samples, then `out`.
    """
    written = []
    if card is not None:
        from ..spec import load_spec

        written += store_run(load_spec(card).name, run)
    if out is not None:
        written.append(
            atomic_write_text(
                out, dumps_json([t.evaluation.model_dump(mode="json") for t in run.tasks])
            )
        )
    return written
