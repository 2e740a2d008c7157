"""`cardgen collect inspect`: read Inspect AI logs (`.eval` or `.json`) into evaluations.

Logs are read through `inspect_ai.log`; it never runs a task and never guesses a setting
the log does not record.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..errors import CardgenError
from ..facts import new_provenance
from ..schema import DatasetReference, DisaggregatedEvaluation, EvaluationRecord, MetricValue
from .lm_common import (
    LMRun,
    TaskResult,
    harness_value,
    number,
    scored_value,
    set_dataset_id,
)

HARNESS = "inspect_ai"
MEAN_METRICS = ("accuracy", "mean")
"""Inspect metrics that are the mean of the per-sample scores (as `value_to_float` reads
them); their error bars are computed from the samples."""
SE_METRICS = ("stderr",)
"""Inspect's standard error of the scorer's mean (sd/√n), reported next to the mean."""


def _import_log() -> Any:
    try:
        import inspect_ai.log as log
    except ImportError as exc:
        raise CardgenError(
            "reading Inspect AI logs needs inspect_ai; pip install 'cardgen[lm]'"
        ) from exc
    return log


def find_logs(path: str | Path) -> list[Path]:
    """PATH itself, or the `.eval` and `.json` logs in the folder PATH (sorted).

    Raises:
        CardgenError: no such path, or a folder without logs.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CardgenError(f"{path}: no such file or folder")
    logs = sorted(
        p for p in path.iterdir() if p.suffix in (".eval", ".json") and p.name != "logs.json"
    )
    if not logs:
        raise CardgenError(f"{path}: no Inspect AI logs (*.eval or *.json)")
    return logs


def _read(path: Path) -> Any:
    log = _import_log()
    if path.suffix not in (".eval", ".json"):
        raise CardgenError(f"{path}: expected an Inspect AI log (.eval or .json)")
    try:
        return log.read_eval_log(str(path))
    except Exception as exc:  # inspect raises many kinds on a file that is not a log
        raise CardgenError(
            f"{path}: not an Inspect AI log: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''} (expected the "
            "keys version, status, eval, plan, results, stats, samples)"
        ) from exc


def _dig(value: Any, dotted: str) -> Any:
    current = value
    for part in dotted.split("."):
        current = current.get(part) if isinstance(current, dict) else getattr(current, part, None)
        if current is None:
            return None
    return current


def _sha256(text: Any) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if isinstance(text, str) else None


def _samples(
    log: Any, path: Path, scorer: str, cluster_key: str | None, warnings: list[str]
) -> tuple[dict[str, float], dict[str, str]]:
    """Per-sample scores of one scorer (epochs averaged per sample id, as Inspect's default
    `mean` reducer does) and each sample's cluster."""
    from inspect_ai.scorer import value_to_float

    to_float = value_to_float()
    by_id: dict[str, list[float]] = {}
    clusters: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    for sample in log.samples or []:
        qid = str(sample.id)
        if (qid, sample.epoch) in seen:
            raise CardgenError(f"{path}: duplicate sample id {qid!r} in epoch {sample.epoch}")
        seen.add((qid, sample.epoch))
        score = (sample.scores or {}).get(scorer)
        if score is None:
            continue
        if isinstance(score.value, (dict, list)):
            warnings.append(
                f"{path}: scorer {scorer} gives several values per sample; its "
                "metrics are the log's own"
            )
            return {}, {}
        value = to_float(score.value)
        if number(value) is None:
            raise CardgenError(
                f"{path}: sample {qid} (epoch {sample.epoch}) has score "
                f"{score.value!r} for {scorer}, which is NaN or not a number"
            )
        by_id.setdefault(qid, []).append(float(value))
        if cluster_key is not None:
            cluster = _dig(sample, cluster_key)
            if cluster is None:
                raise CardgenError(
                    f"{path}: sample {qid} has no cluster key {cluster_key!r} "
                    "(use a dotted path such as metadata.passage_id)"
                )
            clusters[qid] = str(cluster)
    return {q: sum(v) / len(v) for q, v in by_id.items()}, clusters


def _record(log: Any) -> EvaluationRecord:
    spec = log.eval
    system = None
    for step in getattr(log.plan, "steps", None) or []:
        if step.solver == "system_message":
            system = (step.params or {}).get("template")
    generation = {
        k: v
        for k, v in (
            spec.model_generate_config.model_dump() if spec.model_generate_config else {}
        ).items()
        if v is not None
    }
    plan_config = log.plan.config.model_dump() if getattr(log.plan, "config", None) else {}
    generation.update({k: v for k, v in plan_config.items() if v is not None})
    seed = generation.get("seed")
    started, completed = log.stats.started_at, log.stats.completed_at
    duration = None
    if started and completed:
        from datetime import datetime

        duration = (
            datetime.fromisoformat(completed) - datetime.fromisoformat(started)
        ).total_seconds()
    revision = spec.revision
    return EvaluationRecord(
        harness=HARNESS,
        harness_version=(spec.packages or {}).get("inspect_ai"),
        harness_commit=getattr(revision, "commit", None),
        task=spec.task,
        task_version=None if spec.task_version is None else str(spec.task_version),
        dataset_id=spec.dataset.name or spec.dataset.location,
        prompt_template=("solvers: " + ", ".join(s.solver for s in log.plan.steps))
        if log.plan and log.plan.steps
        else None,
        system_prompt_hash=_sha256(system),
        generation=generation or None,
        model_id=spec.model,
        model_dtype=(spec.model_args or {}).get("dtype") if spec.model_args else None,
        model_device=(spec.model_args or {}).get("device") if spec.model_args else None,
        seeds={"generate": seed} if seed is not None else None,
        date=str(spec.created) if spec.created else None,
        duration_seconds=duration,
    )


def _log_task(path: Path, cluster_key: str | None, level: float, warnings: list[str]) -> TaskResult:
    log = _read(path)
    if log.status != "success":
        error = getattr(log.error, "message", None) if log.error else None
        raise CardgenError(
            f"{path}: the Inspect run's status is {log.status!r}"
            + (f" ({error.splitlines()[0][:200]})" if error else "")
            + "; its results are incomplete"
        )
    if log.results is None or not log.results.scores:
        raise CardgenError(f"{path}: the log has no results.scores")
    record = _record(log)
    overall: dict[str, MetricValue] = {}
    samples: dict[str, dict[str, float]] = {}
    clusters: dict[str, str] = {}
    if not log.samples:
        warnings.append(
            f"{path}: the log has no samples (logged without them?): error bars "
            "are Inspect's own stderr (labelled harness-stderr) and cannot be "
            "clustered or paired"
        )
        if cluster_key:
            raise CardgenError(f"--cluster-key {cluster_key} needs the log's samples")
    several = len(log.results.scores) > 1
    for score in log.results.scores:
        scorer = score.name
        per_sample, sample_clusters = (
            (_samples(log, path, scorer, cluster_key, warnings)) if log.samples else ({}, {})
        )
        stderr = next((m.value for m in score.metrics.values() if m.name in SE_METRICS), None)
        for metric in score.metrics.values():
            if metric.name in SE_METRICS:
                continue
            label = f"{scorer}/{metric.name}" if several else metric.name
            what = f"{record.task} {label}"
            if metric.name in MEAN_METRICS:
                overall[label] = scored_value(
                    per_sample or None,
                    sample_clusters if cluster_key else None,
                    metric.value,
                    stderr,
                    level,
                    what,
                    warnings,
                    getattr(score, "scored_samples", None),
                )
                if per_sample:
                    samples[label] = per_sample
                    clusters.update(sample_clusters)
            else:
                overall[label] = harness_value(
                    metric.value, None, len(per_sample) or None, level, what
                )
    headline = log.results.headline if hasattr(log.results, "headline") else None
    if headline is not None and getattr(headline, "metric", None):
        name = f"{headline.scorer}/{headline.metric}" if several else headline.metric
        record.headline_metric = name if name in overall else None
    if record.headline_metric is None and overall:
        record.headline_metric = next(iter(overall))
    n = next((v.n for v in overall.values() if v.n is not None), None)
    evaluation = DisaggregatedEvaluation(
        name=str(record.task),
        task="generation",
        dataset=DatasetReference(
            name=record.dataset_id or str(record.task), uri=log.eval.dataset.location
        ),
        overall=overall,
        record=record,
        details={
            "samples": n,
            **({"cluster_key": cluster_key} if cluster_key else {}),
            "epochs": log.eval.config.epochs,
        },
        provenance=new_provenance(
            "inspect", libraries=("inspect_ai", "numpy", "scipy"), uri=str(path)
        ),
    )
    return TaskResult(evaluation, samples, clusters)


def read_inspect(
    path: str | Path,
    *,
    cluster_key: str | None = None,
    level: float = 0.95,
    dataset_id: str | None = None,
) -> LMRun:
    """Read Inspect AI logs into one evaluation per log (task).

    Args:
        path: a `.eval` or `.json` log, or a folder of them.
        cluster_key: dotted path on each sample to cluster by, e.g. `metadata.passage_id`.
        level: confidence level of the intervals.
        dataset_id: Hub dataset id naming the tasks' data (for `.eval_results`).

    Returns:
        The run; scorers' `accuracy`/`mean` get CLT (or clustered) error bars from the
        samples, with Inspect's own `stderr` when the log has no samples.

    Raises:
        CardgenError: not a log, a failed or cancelled run, bad or duplicate samples, or
            two logs of the same task.
    """
    if not 0 < level < 1:
        raise CardgenError(f"--ci must be between 0 and 1, got {level}")
    warnings: list[str] = []
    run = LMRun(HARNESS, str(path), [], warnings)
    for log_path in find_logs(path):
        task = _log_task(log_path, cluster_key, level, warnings)
        if run.task(task.evaluation.name) is not None:
            raise CardgenError(
                f"{path}: two logs of task {task.evaluation.name!r}; give one log file"
            )
        run.tasks.append(task)
    return set_dataset_id(run, dataset_id)
