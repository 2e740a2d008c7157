"""Reading a predictions table: in memory or in chunks with pandas, or as a count table
aggregated by DuckDB or Spark.

It reads and encodes, and names the data read; it computes no metric.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import sha256_file
from ..errors import CardgenError
from ..metrics import threshold_inference
from ..schema import DatasetReference
from ..tables import missing_columns, read_frames
from ._encoding import Encoded, Encoder, finish

CHUNK_ROWS = 1_000_000
"""Rows read at a time from CSV, Parquet and JSON Lines files."""


def read_pandas(
    data: pd.DataFrame | str | os.PathLike[str],
    columns: list[str],
    *,
    encoding: str = "utf-8",
    label: str,
    pred: str | None,
    score: str | None,
    sensitive: list[str],
    task: str | None,
    threshold: float | None,
    pos_label: Any,
    progress: bool,
) -> tuple[Encoded, DatasetReference | None, dict[str, str], str]:
    """Rows of a frame or one file (text in `encoding`), encoded in memory (the pandas
    engine)."""
    numeric = True if task == "regression" else (False if task else None)
    encoder = Encoder(
        label=label, pred=pred, score=score, sensitive=sensitive, numeric_labels=numeric
    )
    if isinstance(data, pd.DataFrame):
        source = "data"
        missing_columns("data", columns, [str(c) for c in data.columns])
        encoder.add(data[columns])
        dataset = None
        input_hash: dict[str, str] = {}
        default_name = "evaluation"
    else:
        path = Path(data)
        source = str(path)
        chunks = read_frames(path, columns, chunk_rows=CHUNK_ROWS, encoding=encoding)
        if progress:
            from tqdm.auto import tqdm

            chunks = tqdm(chunks, desc="reading", unit="chunk", leave=False, disable=None)
        for chunk in chunks:
            encoder.add(chunk)
        digest = sha256_file(path)
        input_hash = {str(data): digest}
        dataset = DatasetReference(name=path.name, uri=str(data), revision=f"sha256:{digest}")
        default_name = path.name.split(".")[0] or "evaluation"
    encoded = finish(encoder, task=task, threshold=threshold, pos_label=pos_label, source=source)
    return encoded, dataset, input_hash, default_name


def read_engine(
    engine: str,
    data: str | os.PathLike[str],
    *,
    label: str,
    pred: str | None,
    score: str | None,
    sensitive: list[str],
    task: str | None,
    threshold: float | None,
    pos_label: Any,
    score_bins: int,
    spark_master: str,
) -> tuple[Encoded, DatasetReference | None, dict[str, str], str]:
    """The count table of files or a Spark table, aggregated by DuckDB or Spark."""
    from ..engines import (
        AggregationSpec,
        aggregate,
        default_name,
        encode_counts,
        resolve_inputs,
    )

    inputs = resolve_inputs(data)
    spec = AggregationSpec(
        label=label,
        pred=pred,
        score=score,
        threshold=0.5 if threshold is None else threshold,
        sensitive=tuple(sensitive),
        score_bins=score_bins or 1,
    )
    counts = aggregate(engine, inputs, spec, spark_master=spark_master)
    low, high = counts.score_range or (0.0, 1.0)
    if score and threshold is None and (low < 0 or high > 1):
        raise CardgenError(
            f"{inputs.given}: scores in {score!r} range from {low:g} to {high:g}, outside "
            f"[0, 1], so the default threshold 0.5 would not mean 'more likely than not'; "
            f"pass --threshold (e.g. the score at or above which the model predicts the "
            f"positive class)"
        )
    table, positive, empty, inferences = encode_counts(
        counts, spec, task=task, pos_label=pos_label, source=inputs.given
    )
    if score and threshold is None:
        inferences = (*inferences, threshold_inference(low, high))
    input_hash = {str(f): sha256_file(f) for f in inputs.files}
    given = os.fspath(data)
    if inputs.table is not None:
        dataset = DatasetReference(name=inputs.table, uri=given)
    else:
        single = len(inputs.files) == 1 and inputs.folder is None
        name = inputs.files[0].name if single else Path(given).name
        revision = f"sha256:{input_hash[str(inputs.files[0])]}" if single else None
        dataset = DatasetReference(name=name, uri=given, revision=revision)
    return (
        Encoded(table, positive, counts.score_range, empty, inferences),
        dataset,
        input_hash,
        default_name(given),
    )
