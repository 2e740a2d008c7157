"""`cardgen run`: run a model over an evaluation set and write the predictions table.

The table (plus a `<out>.provenance.json` sidecar) is what `cardgen evaluate` reads; this
module computes no metrics and never edits a card spec.

The predictions table has one row per evaluation row, in the evaluation set's order:

- `row`: the row's 0-based position in the evaluation set;
- the sensitive columns and the label column, copied unchanged under their own names;
- `prediction`: the class with the highest score (the output itself for regression);
- `score`: for two classes the probability of the second class (`classes[1]`, the positive
  class by scikit-learn and transformers convention); for more classes the probability of
  the predicted class; for regression the output;
- `score_<class>`: the probability of each class (classification only).

The sidecar `<out>.provenance.json` holds `provenance` (a `Provenance`: model uri and revision
— Hub commit sha or `sha256:` of the model files —, SHA-256 of every input file, device name,
library versions, time) and `run` (data revision and split, rows, columns, task, classes and
positive class, device, dtype, batch size, max length, padding tokens, rows at max length,
seconds, rows/s, and `model_files`: path, SHA-256 and size of each local model file
loaded). Only the sidecar holds timing and the time of the run, so the same model, data
and options give the same table bytes on the same device.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write_bytes, atomic_write_text, dumps_json
from .._paths import default_output, portable
from ..errors import CardgenError
from ..facts import collection_time, new_provenance
from ._data import load_evaluation_set
from ._run_device import placement
from ._run_models import (
    Predictions,
    is_sklearn_file,
    load_sklearn,
    load_transformers,
    predict_sklearn,
    predict_transformers,
    sklearn_features,
)

OUTPUT_SUFFIXES = (".parquet", ".csv", ".jsonl")
"""Formats of the predictions table, chosen by `--out`'s suffix."""

RESERVED_COLUMNS = ("row", "prediction", "score")


@dataclass(frozen=True)
class RunResult:
    """What a run wrote and how fast it went."""

    table: pd.DataFrame
    """The predictions table as written."""
    out: Path
    """Path of the predictions table."""
    provenance_path: Path
    """Path of the `<out>.provenance.json` sidecar."""
    record: dict[str, Any]
    """The sidecar's content: `provenance` (a Provenance) and `run` (settings, timing)."""

    @property
    def rows_per_second(self) -> float:
        """Throughput of the model over the whole evaluation set."""
        return float(self.record["run"]["rows_per_second"])


def provenance_path(out: str | Path) -> Path:
    """The sidecar of a predictions table: `<out>.provenance.json`."""
    out = Path(out)
    return out.with_name(out.name + ".provenance.json")


def run(
    model: str,
    data: str,
    *,
    out: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    sensitive: tuple[str, ...] | list[str] = (),
    split: str | None = None,
    device: str = "auto",
    batch_size: int | None = None,
    dtype: str = "auto",
    max_length: int | None = None,
    limit: int | None = None,
    trust_pickle: bool = False,
    revision: str | None = None,
    endpoint: str | None = None,
    progress: bool = False,
    encoding: str = "utf-8",
    root: str | Path = ".",
) -> RunResult:
    """Run MODEL over DATA and write a predictions table that `cardgen evaluate` reads.

    Args:
        model: a transformers model folder or Hub id (sequence classification), or a
            scikit-learn model file (`.skops`; `.joblib`/`.pkl` only with `trust_pickle`).
        data: CSV, Parquet, JSON Lines, a saved `datasets` folder or
            `hub:ORG/NAME[@REVISION]`.
        out: predictions table path (.parquet, .csv or .jsonl); `<data>.predictions.parquet`
            by default.
        text_column: column with the input text (required for transformers models).
        label_column: column with the true label, copied to the table.
        sensitive: columns copied to the table for disaggregation.
        split: split of a `datasets` folder or Hub dataset.
        device: `auto` (CUDA when present, else CPU), `cpu`, `cuda`, `cuda:N` or `mps`.
        batch_size: rows per batch; 32 on CPU, 256 halved on out-of-memory on CUDA.
        dtype: `auto` (bfloat16 on a CUDA GPU that has it, else float32), `float32`,
            `bfloat16` or `float16`.
        max_length: token limit per text; the model's own limit by default.
        limit: run only the first `limit` rows.
        trust_pickle: allow pickle/joblib files and untrusted skops types.
        revision: Hub revision of a Hub model id (a `hub:` dataset takes `@REVISION`).
        endpoint: Hub address for Hub models and datasets.
        progress: show a progress bar (rows/s) on stderr.
        encoding: text encoding of a CSV or JSON evaluation set.
        root: the project folder: the provenance record names paths under it relative to
            it, and other local files by name (`cardgen._paths.portable`).

    Returns:
        The table, where it was written and its provenance record.

    Raises:
        CardgenError: for any problem with the model, the data or the options; nothing is
            written then.

    Example:
        >>> result = run("model.skops", "test.csv", label_column="y",
        ...              sensitive=["sex"], out="pred.parquet")  # doctest: +SKIP
    """
    out = Path(out) if out is not None else default_output(data)
    if not out.name.lower().endswith(OUTPUT_SUFFIXES):
        raise CardgenError(f"{out}: unknown output type; use .parquet, .csv or .jsonl")
    if batch_size is not None and batch_size < 1:
        raise CardgenError(f"--batch-size must be at least 1, got {batch_size}")
    sensitive = list(dict.fromkeys(sensitive))
    clash = [
        c
        for c in [label_column, *sensitive]
        if c in RESERVED_COLUMNS or (c and c.startswith("score_"))
    ]
    if clash:
        raise CardgenError(
            f"column {clash[0]!r} would clash with an output column "
            f"({', '.join(RESERVED_COLUMNS)}, score_<class>); rename it"
        )

    sklearn = is_sklearn_file(model)
    if sklearn:
        estimator, described = load_sklearn(model, trust_pickle=trust_pickle)
        inputs = sklearn_features(estimator, text_column, model)
        where = None
    else:
        if text_column is None:
            raise CardgenError("--text-column is required for a transformers model")
        where = placement(device, dtype)
        inputs = [text_column]
    keep = [c for c in [label_column, *sensitive] if c]
    columns = list(dict.fromkeys([*inputs, *keep]))
    evaluation = load_evaluation_set(
        data, columns, split=split, limit=limit, endpoint=endpoint, encoding=encoding
    )
    frame = evaluation.frame
    if text_column is not None:
        _check_texts(frame[text_column], text_column, data)
    if not sklearn:
        assert where is not None  # placed above for every transformers model
        network, tokenizer, described = load_transformers(
            model, where, revision=revision, endpoint=endpoint
        )

    from tqdm.auto import tqdm

    with tqdm(
        total=len(frame),
        unit="row",
        desc="cardgen run",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    ) as bar:
        started = time.perf_counter()
        if sklearn:
            predictions = predict_sklearn(
                estimator, frame, text_column, inputs, batch_size or 10_000, bar.update
            )
        else:
            assert where is not None
            predictions = predict_transformers(
                network,
                tokenizer,
                frame[text_column].tolist(),
                where,
                batch_size=batch_size,
                max_length=max_length,
                progress=bar.update,
            )
            if where.is_cuda:
                import torch

                torch.cuda.synchronize(where.device)
        seconds = time.perf_counter() - started

    table = predictions_table(frame, keep, predictions)
    record = _record(
        model,
        data,
        described,
        evaluation,
        predictions,
        where,
        table,
        seconds=seconds,
        text_column=text_column,
        label_column=label_column,
        sensitive=sensitive,
        inputs=inputs,
    )
    _write_table(table, out)
    sidecar = atomic_write_text(provenance_path(out), dumps_json(portable(record, root)))
    return RunResult(table, out, sidecar, record)


def _check_texts(texts: pd.Series, column: str, data: str) -> None:
    bad = texts.isna() | ~texts.map(lambda t: isinstance(t, str))
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        value = texts.iloc[row]
        value = value.item() if isinstance(value, np.generic) else value
        raise CardgenError(f"{data}: column {column!r} must hold text; row {row + 1} has {value!r}")


def predictions_table(
    frame: pd.DataFrame, keep: list[str], predictions: Predictions
) -> pd.DataFrame:
    """The predictions table: `row`, the kept columns, `prediction`, `score`, `score_<c>`."""
    table = pd.DataFrame({"row": np.arange(len(frame), dtype=np.int64)})
    for column in keep:
        table[column] = frame[column].to_numpy()
    scores = predictions.scores
    if not predictions.classes:
        table["prediction"] = scores[:, 0]
        table["score"] = scores[:, 0]
        return table
    best = scores.argmax(axis=1)
    classes = np.array(predictions.classes, dtype=object)
    predicted = pd.Series(classes[best])
    table["prediction"] = predicted.infer_objects().to_numpy()
    if len(predictions.classes) == 2:
        table["score"] = scores[:, 1]
    else:
        table["score"] = scores[np.arange(len(scores)), best]
    for j, label in enumerate(predictions.classes):
        table[f"score_{label}"] = scores[:, j]
    return table


def _write_table(table: pd.DataFrame, out: Path) -> None:
    import io

    name = out.name.lower()
    if name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), buffer)
        atomic_write_bytes(out, buffer.getvalue())
    elif name.endswith(".csv"):
        atomic_write_text(out, table.to_csv(index=False, lineterminator="\n"))
    else:
        atomic_write_text(out, table.to_json(orient="records", lines=True, force_ascii=False))


def _record(
    model: str,
    data: str,
    described: Any,
    evaluation: Any,
    predictions: Predictions,
    where: Any,
    table: pd.DataFrame,
    *,
    seconds: float,
    text_column: str | None,
    label_column: str | None,
    sensitive: list[str],
    inputs: list[str],
) -> dict[str, Any]:
    rows = len(table)
    device_name = where.name if where is not None else "cpu"
    provenance = new_provenance(
        "run",
        libraries=(*described.library, "numpy", "pandas", "pyarrow", "huggingface_hub"),
        collected_at=collection_time(),
        uri=model,
        revision=described.revision,
        input_sha256={**described.input_sha256, **evaluation.input_sha256},
        device=device_name,
    )
    classes = [str(c) for c in predictions.classes]
    run_settings = {
        "model": model,
        "model_kind": described.kind,
        "model_revision": described.revision,
        "data": data,
        "data_revision": evaluation.revision,
        "split": evaluation.split,
        "rows": rows,
        "columns": {
            "text": text_column,
            "label": label_column,
            "sensitive": sensitive,
            "features": inputs,
            "prediction": "prediction",
            "score": "score",
            "class_scores": [f"score_{c}" for c in classes],
        },
        "task": ("regression" if not classes else "binary" if len(classes) == 2 else "multiclass"),
        "classes": classes,
        "positive_class": classes[1] if len(classes) == 2 else None,
        "device": str(where.device) if where is not None else "cpu",
        "device_name": device_name,
        "dtype": described.dtype,
        "batch_size": predictions.batch_size,
        "max_length": predictions.max_length,
        "length_sorted_batches": described.kind == "transformers",
        "padding_tokens": predictions.padding_tokens if described.kind == "transformers" else None,
        "rows_at_max_length": predictions.rows_at_max_length
        if described.kind == "transformers"
        else None,
        "seconds": round(seconds, 6),
        "rows_per_second": round(rows / seconds, 3) if seconds > 0 else None,
        # The local files of the model that made these predictions, so that a card built
        # from them can say which files it describes (a Hub model is named by its sha).
        "model_files": [
            {"path": path, "sha256": digest, "size": Path(path).stat().st_size}
            for path, digest in sorted(described.input_sha256.items())
            if Path(path).is_file()
        ],
    }
    return {"provenance": provenance.model_dump(mode="json"), "run": run_settings}
