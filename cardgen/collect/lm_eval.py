"""`cardgen collect lm-eval`: read lm-evaluation-harness output into evaluations with error bars.

It reads `results_*.json` and the `samples_*.jsonl` logged with `--log_samples`; it never
runs the harness and never guesses a setting the output does not record.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import CardgenError
from ..facts import new_provenance
from ..schema import DatasetReference, DisaggregatedEvaluation, EvaluationRecord, GroupResult
from .lm_common import LMRun, TaskResult, number, scored_value, set_dataset_id

HARNESS = "lm-evaluation-harness"
EXPECTED_KEYS = ("results", "configs", "versions", "n-shot")
"""Top-level keys of a results file of lm-evaluation-harness 0.4."""
KNOWN_MAJOR_MINOR = ("0.4",)
"""Harness versions whose layout this reader was written and tested against."""
_NOT_METRICS = {"alias", "name", "sample_len", "sample_count", "samples"}


def find_results(path: str | Path) -> Path:
    """The results file of PATH: the file itself, or the newest `results_*.json` under it.

    Raises:
        CardgenError: no such path, no results file, or results of several models.
    """
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise CardgenError(f"{path}: no such file or folder")
    found = sorted(path.rglob("results_*.json"))
    if not found:
        raise CardgenError(
            f"{path}: no results_*.json (lm-eval writes "
            "OUTPUT_PATH/MODEL_NAME/results_TIMESTAMP.json with --output_path)"
        )
    folders = sorted({p.parent for p in found})
    if len(folders) > 1:
        raise CardgenError(
            f"{path}: results of several runs ({', '.join(map(str, folders))}); "
            "give one folder or file"
        )
    return found[-1]  # names end in the run's timestamp: the last one is the newest


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CardgenError(f"{path}: cannot read: {exc}") from exc
    except ValueError as exc:
        raise CardgenError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CardgenError(
            f"{path}: expected a JSON object with keys "
            f"{', '.join(EXPECTED_KEYS)}, got {type(data).__name__}"
        )
    return data


def _check_layout(path: Path, data: dict[str, Any], warnings: list[str]) -> None:
    missing = [key for key in EXPECTED_KEYS if key not in data]
    if missing or not isinstance(data.get("results"), dict):
        lacking = ", ".join(missing) or "a `results` mapping"
        raise CardgenError(
            f"{path}: not an lm-evaluation-harness results file: expected the keys "
            f"{', '.join(EXPECTED_KEYS)} (lm-eval 0.4 layout); missing {lacking}; found "
            f"{', '.join(sorted(data)) or 'nothing'}"
        )
    version = data.get("lm_eval_version")
    if not isinstance(version, str):
        warnings.append(f"{path}: no lm_eval_version; the harness version is recorded as unknown")
    elif ".".join(version.split(".")[:2]) not in KNOWN_MAJOR_MINOR:
        warnings.append(
            f"{path}: lm_eval_version {version} is not one this reader knows "
            f"({', '.join(v + '.x' for v in KNOWN_MAJOR_MINOR)}); its layout "
            "matched, so it was read"
        )


def _samples_file(results: Path, task: str) -> Path | None:
    stamp = results.stem.removeprefix("results_")
    candidate = results.parent / f"samples_{task}_{stamp}.jsonl"
    return candidate if candidate.is_file() else None


def _dig(record: dict[str, Any], dotted: str) -> Any:
    current: Any = record
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def read_samples(
    path: Path,
    metrics: list[str],
    *,
    id_key: str = "doc_id",
    cluster_key: str | None = None,
    warnings: list[str],
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Per-question scores of one task's samples file, keyed `metric` or `metric,filter`.

    Returns:
        `({"acc,none": {question id: score}}, {question id: cluster})`; a metric whose
        per-question values are not numbers (a corpus-level metric such as BLEU) is left out
        with a warning.

    Raises:
        CardgenError: bad JSON, NaN or text scores, a duplicate question id, or a missing
            id or cluster key (each with its line).
    """
    scores: dict[str, dict[str, float]] = {}
    clusters: dict[str, str] = {}
    skipped: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number_, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise CardgenError(f"{path}:{number_}: not valid JSON: {exc}") from exc
            qid = _dig(record, id_key)
            if qid is None:
                raise CardgenError(f"{path}:{number_}: no question id {id_key!r} in the sample")
            qid = str(qid)
            filter_name = str(record.get("filter", "none"))
            if cluster_key is not None:
                cluster = _dig(record, cluster_key)
                if cluster is None:
                    raise CardgenError(
                        f"{path}:{number_}: no cluster key {cluster_key!r} in the "
                        "sample (use a dotted path such as doc.passage_id)"
                    )
                clusters[qid] = str(cluster)
            for metric in metrics:
                if metric not in record:
                    continue
                key = f"{metric},{filter_name}"
                value = record[metric]
                if isinstance(value, (list, dict)):
                    skipped.add(metric)
                    continue
                if isinstance(value, bool):
                    value = float(value)
                if not isinstance(value, (int, float)):
                    raise CardgenError(
                        f"{path}:{number_}: score {metric!r} of question {qid} is "
                        f"{value!r}, not a number"
                    )
                if not math.isfinite(value):
                    raise CardgenError(
                        f"{path}:{number_}: score {metric!r} of question {qid} is "
                        f"{value}; a NaN or infinite score makes every mean "
                        "wrong"
                    )
                task_scores = scores.setdefault(key, {})
                if qid in task_scores:
                    raise CardgenError(
                        f"{path}:{number_}: duplicate question id {qid!r} "
                        f"({id_key}) for {metric} with filter {filter_name}"
                    )
                task_scores[qid] = float(value)
    for metric in sorted(skipped):
        warnings.append(
            f"{path}: {metric} has no per-question score (a corpus-level metric); "
            "its value and stderr are the harness's own"
        )
    return scores, clusters


def _metric_names(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(metric, filter) pairs of a results entry, in the harness's order."""
    pairs = []
    for key in entry:
        metric, _, filter_name = key.partition(",")
        if not filter_name or metric in _NOT_METRICS or metric.endswith("_stderr"):
            continue
        pairs.append((metric, filter_name))
    return pairs


def metric_label(metric: str, filter_name: str) -> str:
    """`acc` for the `none` filter, else `exact_match (strict-match)`."""
    return metric if filter_name == "none" else f"{metric} ({filter_name})"


def _sha256(text: Any) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if isinstance(text, str) else None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _record(data: dict[str, Any], task: str, filters: list[str]) -> EvaluationRecord:
    config: dict[str, Any] = data["config"] if isinstance(data.get("config"), dict) else {}
    task_config: dict[str, Any] = (data.get("configs") or {}).get(task) or {}
    model_args: dict[str, Any] = (
        config["model_args"] if isinstance(config.get("model_args"), dict) else {}
    )
    dataset_kwargs = task_config.get("dataset_kwargs") or {}
    split = task_config.get("test_split") or task_config.get("validation_split")
    template = task_config.get("doc_to_text")
    generation = {
        **(task_config.get("generation_kwargs") or {}),
        **(config.get("gen_kwargs") or {}),
    }
    seeds = {
        name: config.get(f"{name}_seed")
        for name in ("random", "numpy", "torch", "fewshot")
        if f"{name}_seed" in config
    }
    date = number(data.get("date"))
    metrics = [m for m, _ in _metric_names((data.get("results") or {}).get(task) or {})]
    return EvaluationRecord(
        harness=HARNESS,
        harness_version=_text(data.get("lm_eval_version")),
        harness_commit=_text(data.get("git_hash")),
        task=task,
        task_version=_text((data.get("versions") or {}).get(task)),
        task_hash=_text((data.get("task_hashes") or {}).get(task)),
        dataset_id=_text(task_config.get("dataset_path")),
        dataset_revision=_text(dataset_kwargs.get("revision")),
        dataset_split=_text(split),
        num_fewshot=(data.get("n-shot") or {}).get(task),
        fewshot_seed=config.get("fewshot_seed"),
        formulation=_text(task_config.get("output_type")),
        prompt_template=template if isinstance(template, str) else None,
        prompt_template_hash=_sha256(template),
        chat_template_hash=_text(data.get("chat_template_sha")),
        system_prompt_hash=_text(data.get("system_instruction_sha")),
        filter=", ".join(filters) or None,
        normalisation="acc_norm (log-likelihood normalised by length)"
        if "acc_norm" in metrics
        else None,
        generation=generation or None,
        model_id=_text(data.get("model_name") or model_args.get("pretrained")),
        model_revision=_text(
            data.get("model_sha") or data.get("model_revision") or model_args.get("revision")
        ),
        model_dtype=_text(data.get("model_dtype") or model_args.get("dtype")),
        model_device=_text(config.get("device")),
        seeds=seeds or None,
        date=datetime.fromtimestamp(date, timezone.utc).isoformat() if date else None,
        duration_seconds=number(_float(data.get("total_evaluation_time_seconds"))),
        headline_metric=metrics[0] if metrics else None,
    )


def _float(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _task_evaluation(
    data: dict[str, Any],
    results: Path,
    task: str,
    subtasks: list[str],
    samples: dict[str, dict[str, dict[str, float]]],
    clusters: dict[str, dict[str, str]],
    cluster_key: str | None,
    level: float,
    min_group_size: int,
    warnings: list[str],
) -> TaskResult:
    entry = data["results"].get(task) or (data.get("groups") or {}).get(task) or {}
    pairs = _metric_names(entry)
    overall = {}
    task_samples: dict[str, dict[str, float]] = {}
    task_clusters: dict[str, str] = {}
    if subtasks:  # a group: its questions are its subtasks' questions, ids prefixed
        for sub in subtasks:
            for key, scores in samples.get(sub, {}).items():
                target = task_samples.setdefault(key, {})
                target.update({f"{sub}/{q}": s for q, s in scores.items()})
            # the same passage id in two subtasks is two passages
            task_clusters.update(
                {f"{sub}/{q}": f"{sub}/{c}" for q, c in clusters.get(sub, {}).items()}
            )
    else:
        task_samples = samples.get(task, {})
        task_clusters = clusters.get(task, {})
    for metric, filter_name in pairs:
        key = f"{metric},{filter_name}"
        label = metric_label(metric, filter_name)
        overall[label] = scored_value(
            task_samples.get(key),
            task_clusters if cluster_key else None,
            entry.get(key),
            entry.get(f"{metric}_stderr,{filter_name}"),
            level,
            f"{task} {label}",
            warnings,
            _sample_count(data, task, subtasks),
        )
    groups = []
    for sub in subtasks:
        sub_entry = data["results"].get(sub) or {}
        metrics = {}
        n = None
        for metric, filter_name in _metric_names(sub_entry):
            key = f"{metric},{filter_name}"
            label = metric_label(metric, filter_name)
            value = scored_value(
                samples.get(sub, {}).get(key),
                clusters.get(sub) if cluster_key else None,
                sub_entry.get(key),
                sub_entry.get(f"{metric}_stderr,{filter_name}"),
                level,
                f"{sub} {label}",
                warnings,
                _sample_count(data, sub),
            )
            metrics[label] = value
            n = value.n if value.n is not None else n
        groups.append(
            GroupResult(
                features={"subtask": sub},
                n=n,
                metrics=metrics,
                small=n is not None and n < min_group_size,
            )
        )
    record = _record(data, task, sorted({f for _, f in pairs}))
    if subtasks and record.dataset_id is None:
        datasets = sorted(
            {str((data.get("configs") or {}).get(s, {}).get("dataset_path")) for s in subtasks}
            - {"None"}
        )
        record.dataset_id = datasets[0] if len(datasets) == 1 else None
    if pairs and record.headline_metric:
        record.headline_metric = metric_label(pairs[0][0], pairs[0][1])
    n_total = next((v.n for v in overall.values() if v.n is not None), None)
    evaluation = DisaggregatedEvaluation(
        name=task,
        task="generation",
        dataset=DatasetReference(
            name=record.dataset_id or task,
            split=record.dataset_split,
            revision=record.dataset_revision,
            config=_text(((data.get("configs") or {}).get(task) or {}).get("dataset_name")),
        ),
        sensitive_features=["subtask"] if subtasks else [],
        min_group_size=min_group_size,
        overall=overall,
        groups=groups,
        record=record,
        details={"samples": n_total, "cluster_key": cluster_key}
        if cluster_key
        else {"samples": n_total},
        provenance=new_provenance(
            "lm-eval", libraries=("lm_eval", "numpy", "scipy"), uri=str(results)
        ),
    )
    by_label = {metric_label(*key.split(",", 1)): scores for key, scores in task_samples.items()}
    return TaskResult(evaluation, by_label, task_clusters if cluster_key else {})


def _sample_count(data: dict[str, Any], task: str, subtasks: list[str] | None = None) -> int | None:
    """Questions the harness scored (`n-samples.effective`; a group's is its subtasks')."""
    if subtasks:
        counts = [_sample_count(data, sub) for sub in subtasks]
        return None if None in counts else sum(c for c in counts if c is not None)
    entry = (data.get("n-samples") or {}).get(task) or {}
    value = entry.get("effective")
    return value if isinstance(value, int) else None


def read_lm_eval(
    path: str | Path,
    *,
    cluster_key: str | None = None,
    id_key: str = "doc_id",
    level: float = 0.95,
    min_group_size: int = 30,
    dataset_id: str | None = None,
) -> LMRun:
    """Read an lm-evaluation-harness output into one evaluation per task (or task group).

    Args:
        path: a `results_*.json` file or the `--output_path` folder.
        cluster_key: dotted path in each sample to cluster questions by, e.g.
            `doc.passage_id`: the SE becomes the cluster-robust SE.
        id_key: dotted path of the question id used for pairing (`doc_id` by default).
        level: confidence level of the intervals.
        dataset_id: Hub dataset id naming the tasks' data (for `.eval_results`).
        min_group_size: subtasks with fewer questions are flagged small.

    Returns:
        The run: evaluations with value, n, SE, CI and record per metric, the per-question
        scores, and warnings (e.g. results without samples).

    Raises:
        CardgenError: an unknown layout (naming the keys expected), bad samples.
    """
    if not 0 < level < 1:
        raise CardgenError(f"--ci must be between 0 and 1, got {level}")
    results = find_results(path)
    data = _read_json(results)
    warnings: list[str] = []
    _check_layout(results, data, warnings)
    group_subtasks = {g: list(s) for g, s in (data.get("group_subtasks") or {}).items() if s}
    in_group = {s for subs in group_subtasks.values() for s in subs}
    leaves = [t for t in data["results"] if t not in group_subtasks]
    samples: dict[str, dict[str, dict[str, float]]] = {}
    clusters: dict[str, dict[str, str]] = {}
    missing = []
    for task in leaves:
        file = _samples_file(results, task)
        if file is None:
            missing.append(task)
            continue
        metrics = [m for m, _ in _metric_names(data["results"][task])]
        samples[task], clusters[task] = read_samples(
            file, metrics, id_key=id_key, cluster_key=cluster_key, warnings=warnings
        )
    if missing:
        warnings.append(
            f"{results}: no samples_*.jsonl for {', '.join(missing)} (run lm-eval "
            "with --log_samples): their error bars are the harness's own stderr "
            "(labelled harness-stderr), and they cannot be clustered or paired"
        )
        if cluster_key:
            raise CardgenError(
                f"--cluster-key {cluster_key} needs per-question samples, and "
                f"{results} has none for {', '.join(missing)}"
            )
    tasks = [t for t in data["results"] if t not in in_group]
    run = LMRun(HARNESS, str(results), [], warnings)
    for task in tasks:
        run.tasks.append(
            _task_evaluation(
                data,
                results,
                task,
                group_subtasks.get(task, []),
                samples,
                clusters,
                cluster_key,
                level,
                min_group_size,
                warnings,
            )
        )
    if not run.tasks:
        raise CardgenError(f"{results}: `results` lists no task")
    return set_dataset_id(run, dataset_id)
