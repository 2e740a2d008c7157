"""Re-measure claims through what cardgen already has: `run` + the evaluation engine, a given
predictions table, lm-evaluation-harness, or a harness's own output.

Each route returns the measured values with the run's provenance; none computes a metric of
its own, and every file they write lives in a temporary folder that is removed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import sha256_file
from ..errors import CardgenError
from ..metrics import DEFAULT_SCORE_BINS
from ..schema import DisaggregatedEvaluation, GroupResult, MeasurementRun, MetricValue
from ._metrics import UNIT_INTERVAL

LOCAL_SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".json", ".txt", ".gz", ".bz2")
"""A claimed dataset id ending so names a local file, never a Hub dataset."""
_MODEL_FILES = re.compile(r"\.(json|safetensors|bin|model|txt|jinja|skops)$")


@dataclass
class Options:
    """How claims are re-run (the `cardgen verify` options)."""

    model: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    predictions: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    task_path: str | None = None
    label_column: str | None = None
    text_column: str | None = None
    pos_label: str | None = None
    limit: int | None = None
    tolerance: float = 0.0
    ci: float = 0.95
    n_boot: int = 1000
    seed: int = 0
    device: str = "auto"
    batch_size: int | None = None
    trust_pickle: bool = False
    endpoint: str | None = None
    progress: bool = False


@dataclass
class Measurement:
    """What one re-run measured: overall values, per-group values, and how it was run."""

    run: MeasurementRun
    overall: dict[str, MetricValue]
    groups: list[GroupResult] = field(default_factory=list)
    task: str = "binary"
    """`binary`, `multiclass`, `regression` or `generation` (a harness task)."""
    known: set[str] = field(default_factory=set)
    """Metrics the route can measure for this task."""
    bounded: set[str] = field(default_factory=set)
    """Measured metrics that lie in [0, 1] (a claim above 1 is then a percentage)."""
    headline: str | None = None
    """The metric a claim that names none is measured by (a harness task's first)."""


def mapped(mapping: dict[str, str], dataset: str | None) -> str | None:
    """The value mapped to a claimed dataset id, else the `*` entry, else None."""
    if dataset is not None and dataset in mapping:
        return mapping[dataset]
    return mapping.get("*")


def file_digests(path: Path) -> dict[str, str]:
    """SHA-256 of a model file, or of a model folder's files (weights, config, tokenizer)."""
    if path.is_file():
        return {str(path): sha256_file(path)}
    if path.is_dir():
        return {
            str(p): sha256_file(p)
            for p in sorted(path.iterdir())
            if p.is_file() and _MODEL_FILES.search(p.name)
        }
    return {}


# --- classifiers and regressors: `cardgen run`, then the evaluation engine -----------------


def _evaluate(
    table: Any,
    *,
    label: str,
    task: str,
    positive: str | None,
    score: str | None,
    metrics: Sequence[str],
    sensitive: Sequence[str],
    options: Options,
) -> DisaggregatedEvaluation:
    """The engine over predicted labels, or over `score` (from rows, so ROC AUC is exact
    rather than binned) when a claimed metric needs scores."""
    from ..evaluate import evaluate
    from ..metrics import SCORE_METRICS

    if score is not None and not any(m in SCORE_METRICS for m in metrics):
        score = None
    return evaluate(
        table,
        label=label,
        pred=None if score else "prediction",
        score=score,
        pos_label=positive,
        task=task,
        metrics=list(metrics),
        sensitive=list(sensitive),
        ci=options.ci,
        n_boot=options.n_boot,
        seed=options.seed,
        name="verify",
        score_bins=0 if score else DEFAULT_SCORE_BINS,
        engine="pandas",
    )


def known_metrics(task: str, with_score: bool, classes: Sequence[str]) -> set[str]:
    """Metrics the evaluation engine computes for a task (and `metric[CLASS]` per class)."""
    from ..metrics import available_metrics

    if task not in ("binary", "multiclass", "regression"):
        return set()
    found = available_metrics(task, with_score=with_score, classes=tuple(classes))  # type: ignore[arg-type]
    return set(found) - {"count"}


def _from_evaluation(evaluation: DisaggregatedEvaluation, run: MeasurementRun) -> Measurement:
    known = set(evaluation.overall)
    return Measurement(
        run,
        dict(evaluation.overall),
        list(evaluation.groups),
        evaluation.task,
        known,
        {m for m in known if m.split("[", 1)[0] in UNIT_INTERVAL},
    )


def _split_digests(
    digests: dict[str, str], data: str, rename: tuple[str, str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """(model files, data files) of a run's input digests; `rename` replaces a temporary
    folder's path by the name of what it holds (so the record names no temporary path)."""
    model: dict[str, str] = {}
    read: dict[str, str] = {}
    for key, digest in sorted(digests.items()):
        if key.startswith(data):
            if rename is not None:
                key = rename[1] + key[len(rename[0]) :]
            read[key] = digest
        else:
            model[key] = digest
    return model, read


def run_and_evaluate(
    model: str,
    data: str,
    *,
    dataset: str | None,
    model_revision: str | None,
    data_revision: str | None,
    split: str | None,
    metrics_for: Callable[[str, bool, list[str]], list[str]],
    sensitive: Sequence[str],
    options: Options,
    workdir: Path,
    data_name: str | None = None,
) -> Measurement:
    """Run MODEL over DATA with `cardgen run` and evaluate the predictions.

    Args:
        metrics_for: (task, has scores, classes) -> the engine metrics to compute.
        data_name: what a temporary DATA folder stands for (`hub:ID`), for the record.

    Raises:
        CardgenError: from `run` or `evaluate` (a model that cannot load, a missing column).
    """
    from ..collect.run import is_sklearn_file, run

    label = options.label_column or "label"
    text = options.text_column
    if text is None and not is_sklearn_file(model):
        text = "text"
    result = run(
        model,
        data,
        out=workdir / "predictions.parquet",
        text_column=text,
        label_column=label,
        sensitive=list(sensitive),
        split=split,
        device=options.device,
        batch_size=options.batch_size,
        limit=options.limit,
        trust_pickle=options.trust_pickle,
        revision=model_revision,
        endpoint=options.endpoint,
        progress=options.progress,
    )
    settings = result.record["run"]
    provenance = result.record["provenance"]
    task = settings["task"]
    classes = list(settings["classes"])
    positive = options.pos_label or settings["positive_class"]
    score = None
    if task == "binary":
        score = f"score_{positive}" if positive != settings["positive_class"] else "score"
        if score not in result.table.columns:
            raise CardgenError(
                f"--pos-label {positive!r} is not a class of the model ({', '.join(classes)})"
            )
    names = metrics_for(task, task == "binary", classes)
    evaluation = _evaluate(
        result.out,
        label=label,
        task=task,
        positive=positive if task == "binary" else None,
        score=score,
        metrics=names,
        sensitive=sensitive,
        options=options,
    )
    rename = (data, data_name) if data_name else None
    model_files, data_files = _split_digests(provenance["input_sha256"], data, rename)
    record = MeasurementRun(
        kind="run",
        model=model,
        model_revision=settings["model_revision"],
        model_sha256=model_files,
        dataset=dataset,
        data=data_name or data,
        data_revision=data_revision or settings["data_revision"],
        data_sha256=data_files,
        split=settings["split"] or split,
        rows=settings["rows"],
        limit=options.limit,
        library_versions={
            **provenance["library_versions"],
            **(evaluation.provenance.library_versions if evaluation.provenance else {}),
        },
        device=settings["device_name"],
        seeds={"bootstrap": options.seed},
    )
    return _from_evaluation(evaluation, record)


def evaluate_predictions(
    path: str,
    *,
    dataset: str | None,
    metrics_for: Callable[[str, bool, list[str]], list[str]],
    sensitive: Sequence[str],
    options: Options,
) -> Measurement:
    """Evaluate a predictions table as `cardgen run` writes it (`prediction`, `score`,
    `score_<class>` and the label column).

    Raises:
        CardgenError: a missing file or column.
    """
    import json

    import pandas as pd

    from ..collect.run import provenance_path
    from ..tables import check_exists, column_names, read_frames

    table_path = check_exists(path)
    label = options.label_column or "label"
    columns = column_names(table_path)
    for column in (label, "prediction", *sensitive):
        if column not in columns:
            raise CardgenError(
                f"{path}: no column {column!r} (columns: {', '.join(columns)}); a predictions "
                "table needs the label column (--label-column) and `prediction`"
            )
    wanted = [label, "prediction", *sensitive] + [
        c for c in columns if c == "score" or c.startswith("score_")
    ]
    frame = pd.concat(list(read_frames(table_path, list(dict.fromkeys(wanted)))), ignore_index=True)
    if options.limit is not None:
        frame = frame.iloc[: options.limit].reset_index(drop=True)
    class_scores = [c for c in frame.columns if str(c).startswith("score_")]
    classes = [str(c)[len("score_") :] for c in class_scores]
    sidecar = provenance_path(table_path)
    recorded: dict[str, Any] = {}
    if sidecar.is_file():
        recorded = json.loads(sidecar.read_text(encoding="utf-8"))
    settings = recorded.get("run", {})
    task = settings.get("task") or (
        "binary" if len(classes) == 2 else "multiclass" if classes else None
    )
    score = None
    positive = options.pos_label
    if task == "binary" and "score" in frame.columns:
        positive = positive or settings.get("positive_class") or classes[1]
        score = "score" if positive == classes[1] else f"score_{positive}"
        if score not in frame.columns:
            raise CardgenError(f"{path}: --pos-label {positive!r} is not one of {classes}")
    if task is None:
        from ..evaluate import evaluate

        # let the engine infer the task from the labels, as `cardgen evaluate` does
        task = evaluate(frame, label=label, pred="prediction", ci_method="none").task
    names = metrics_for(task, score is not None, classes)
    evaluation = _evaluate(
        frame,
        label=label,
        task=task,
        positive=positive,
        score=score,
        metrics=names,
        sensitive=sensitive,
        options=options,
    )
    digest = sha256_file(table_path)
    provenance = recorded.get("provenance", {})
    record = MeasurementRun(
        kind="predictions",
        model=settings.get("model"),
        model_revision=settings.get("model_revision"),
        model_sha256={
            k: v
            for k, v in (provenance.get("input_sha256") or {}).items()
            if k != settings.get("data") and not k.startswith(str(settings.get("data", "\0")))
        },
        dataset=dataset,
        data=str(path),
        data_revision=f"sha256:{digest}",
        data_sha256={str(path): digest},
        split=settings.get("split"),
        rows=len(frame),
        limit=options.limit,
        library_versions=evaluation.provenance.library_versions if evaluation.provenance else {},
        device=settings.get("device_name"),
        seeds={"bootstrap": options.seed},
    )
    return _from_evaluation(evaluation, record)


def hub_dataset(
    dataset: str,
    *,
    config: str | None,
    split: str | None,
    revision: str | None,
    options: Options,
    workdir: Path,
) -> tuple[str | None, str | None, str]:
    """A Hub dataset read with `datasets` at the claimed revision and saved to `workdir`.

    Returns:
        (the saved folder, the Hub commit sha, "") or (None, None, why it is unavailable).
    """
    flag = f"map it to a local file with --data {dataset}=PATH"
    if (
        dataset.lower().endswith(LOCAL_SUFFIXES)
        or dataset.count("/") > 1
        or dataset.startswith((".", "/"))
    ):
        return None, None, f"dataset {dataset!r} names a local file, not a Hub dataset; {flag}"
    from ..hub.collect import fetch_repo

    try:
        snapshot = fetch_repo(
            dataset, repo_type="dataset", revision=revision, endpoint=options.endpoint, retries=1
        )
    except CardgenError as exc:
        first = str(exc).splitlines()[0]
        return None, None, f"dataset {dataset!r} is not available from the Hub ({first}); {flag}"
    try:
        import datasets
    except ImportError:
        why = "reading Hub datasets needs `datasets` (pip install 'cardgen[ml]')"
        return None, None, f"{why}; {flag}"
    try:
        loaded = datasets.load_dataset(dataset, name=config, split=split, revision=snapshot.sha)
    except Exception as exc:  # datasets raises many kinds for data it cannot read
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, None, f"dataset {dataset!r} could not be read with datasets ({first}); {flag}"
    if isinstance(loaded, datasets.DatasetDict):
        return (
            None,
            None,
            (
                f"the claim names no split of {dataset!r} (splits: {', '.join(loaded)}); "
                f"{flag}, or add the split to the claim"
            ),
        )
    folder = workdir / "hub-dataset"
    loaded.save_to_disk(str(folder))
    return str(folder), str(snapshot.sha), ""


# --- language-model benchmarks: lm-evaluation-harness, or a harness's own output -------------


def known_tasks(task_path: str | None) -> set[str]:
    """Task names lm-evaluation-harness knows (with the tasks under `task_path`)."""
    try:
        from lm_eval.tasks import TaskManager
    except ImportError as exc:
        raise CardgenError(
            "re-running LM benchmark claims needs lm-evaluation-harness; pip install 'cardgen[lm]'"
        ) from exc
    manager = TaskManager(include_path=task_path) if task_path else TaskManager()
    return set(manager.all_tasks)


def _device(device: str) -> str:
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def run_harness(
    model: str,
    tasks: list[str],
    *,
    model_revision: str | None,
    options: Options,
    workdir: Path,
) -> Any:
    """Run lm-evaluation-harness (its own command line, per-question samples logged) and
    read its output with `cardgen collect lm-eval`'s reader.

    Returns:
        The `LMRun` read from the output.

    Raises:
        CardgenError: the harness failed (its last error line is given).
    """
    from ..collect.lm_eval import read_lm_eval

    device = _device(options.device)
    arguments = f"pretrained={model}" + (f",revision={model_revision}" if model_revision else "")
    out = workdir / "lm-eval"
    command = [
        sys.executable,
        "-m",
        "lm_eval",
        "--model",
        "hf",
        "--model_args",
        arguments,
        "--tasks",
        ",".join(tasks),
        "--device",
        device,
        "--batch_size",
        str(options.batch_size or ("auto" if device.startswith("cuda") else 8)),
        "--output_path",
        str(out),
        "--log_samples",
        "--seed",
        str(options.seed),
    ]
    if options.task_path:
        command += ["--include_path", options.task_path]
    if options.limit is not None:
        command += ["--limit", str(options.limit)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise CardgenError(
            f"lm-evaluation-harness failed on {model} ({', '.join(tasks)}): "
            + (lines[-1][:300] if lines else f"exit code {done.returncode}")
        )
    return read_lm_eval(out, level=options.ci)


def read_log(path: str, options: Options) -> Any:
    """An lm-evaluation-harness output (folder or `results_*.json`) or Inspect AI log(s).

    Raises:
        CardgenError: when PATH is none of these.
    """
    from ..collect.inspect_log import read_inspect
    from ..collect.lm_eval import read_lm_eval

    log = Path(path)
    if (log.is_file() and log.name.startswith("results_") and log.suffix == ".json") or (
        log.is_dir() and any(log.rglob("results_*.json"))
    ):
        return read_lm_eval(log, level=options.ci)
    if log.is_dir() or log.suffix in (".eval", ".json"):
        return read_inspect(log, level=options.ci)
    raise CardgenError(
        f"{path}: expected an lm-evaluation-harness output (results_*.json or its folder) "
        "or an Inspect AI log (.eval/.json)"
    )


def harness_measurement(task: Any, run: MeasurementRun) -> Measurement:
    """A harness task's metrics; a metric is bounded when its per-question scores (or its
    value, without them) lie in [0, 1]."""
    overall = dict(task.evaluation.overall)
    bounded = set()
    for name, value in overall.items():
        scores = task.samples.get(name)
        values = list(scores.values()) if scores else [value.value]
        if all(v is not None and 0 <= v <= 1 for v in values):
            bounded.add(name)
    record = task.evaluation.record
    return Measurement(
        run,
        overall,
        task="generation",
        known=set(overall),
        bounded=bounded,
        headline=record.headline_metric if record else None,
    )


def harness_record(
    kind: str, run: Any, task: Any, *, model: str | None, options: Options, data: str | None
) -> MeasurementRun:
    """The provenance of a harness measurement, from the evaluation record it wrote."""
    record = task.evaluation.record
    n = next((v.n for v in task.evaluation.overall.values() if v.n is not None), None)
    harness = " ".join(p for p in (record.harness, record.harness_version) if p) or run.harness
    seeds = {k: int(v) for k, v in (record.seeds or {}).items() if isinstance(v, int)}
    model_name = model or record.model_id
    digests = file_digests(Path(model_name)) if model_name and Path(model_name).exists() else {}
    revision = record.dataset_revision or (
        f"task_hash:{record.task_hash}" if record.task_hash else None
    )
    return MeasurementRun(
        kind=kind,
        model=model_name,
        model_revision=record.model_revision,
        model_sha256=digests,
        dataset=record.dataset_id,
        data=data,
        data_revision=revision,
        split=record.dataset_split,
        rows=n,
        limit=options.limit if kind == "lm-eval" else None,
        task=record.task,
        harness=harness,
        library_versions=(
            task.evaluation.provenance.library_versions if task.evaluation.provenance else {}
        ),
        device=record.model_device,
        seeds=seeds,
    )
