"""`cardgen run`: a model over an evaluation set, into a predictions table.

It parses and prints; running the model is `cardgen.collect.run`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    device_option,
    dtype_option,
    encoding_option,
    endpoint_option,
    out_file_option,
    quiet_option,
    reports_errors,
    revision_option,
    sized_option,
)


@click.command("run")
@click.argument("model")
@click.option(
    "--data",
    required=True,
    help="Evaluation set: CSV, Parquet, JSON (Lines or an array of records), a "
    "saved `datasets` folder, or hub:ORG/NAME[@REVISION] (a Hub dataset's Parquet "
    "files).",
)
@out_file_option(
    "Predictions table to write (.parquet, .csv or .jsonl) "
    "[default: DATA-STEM.predictions.parquet]; provenance goes to "
    "OUT.provenance.json."
)
@click.option(
    "--text-column",
    default=None,
    help="Column with the input text (required for transformers models).",
)
@click.option(
    "--label-column",
    default=None,
    help="Column with the true label, copied to the predictions table.",
)
@click.option(
    "--sensitive",
    multiple=True,
    help="Sensitive column to keep in the predictions table (repeatable, or comma-separated).",
)
@click.option(
    "--split",
    default=None,
    help="Split of a `datasets` folder or Hub dataset (optional when there is one).",
)
@device_option
@sized_option(
    "--batch-size", "Rows per batch [default: 32 on CPU; on CUDA 256, halved on out-of-memory]."
)
@dtype_option
@sized_option("--max-length", "Token limit per text [default: the model's own limit].")
@sized_option("--limit", "Run only the first N rows.")
@click.option(
    "--trust-pickle",
    is_flag=True,
    help="Allow .joblib/.pkl models and untrusted .skops types (unpickling runs "
    "code from the file).",
)
@revision_option("Hub revision of a Hub model id (default branch).")
@endpoint_option()
@encoding_option
@quiet_option("No progress bar.")
@reports_errors
def run_command(
    model: str,
    data: str,
    out: Path | None,
    text_column: str | None,
    label_column: str | None,
    sensitive: tuple[str, ...],
    split: str | None,
    device: str,
    batch_size: int | None,
    dtype: str,
    max_length: int | None,
    limit: int | None,
    trust_pickle: bool,
    revision: str | None,
    endpoint: str | None,
    encoding: str,
    quiet: bool,
) -> None:
    """Run MODEL over an evaluation set and write a predictions table for `cardgen evaluate`.

    MODEL is a transformers model folder or Hub id (sequence classification), or a
    scikit-learn model saved with skops (.skops). The table keeps the label and sensitive
    columns and adds prediction, score and score_<class>.
    """
    from ..collect.run import run

    columns = [c.strip() for item in sensitive for c in item.split(",") if c.strip()]
    result = run(
        model,
        data,
        out=out,
        text_column=text_column,
        label_column=label_column,
        sensitive=columns,
        split=split,
        device=device,
        batch_size=batch_size,
        dtype=dtype,
        max_length=max_length,
        limit=limit,
        trust_pickle=trust_pickle,
        revision=revision,
        endpoint=endpoint,
        encoding=encoding,
        progress=not quiet,
    )
    settings = result.record["run"]
    click.echo(
        f"wrote {result.out} ({settings['rows']} rows, {settings['task']}) and "
        f"{result.provenance_path}"
    )
    click.echo(
        f"{settings['device_name']}, {settings['dtype'] or 'numpy'}, batch size "
        f"{settings['batch_size']}: {settings['seconds']:.2f} s, "
        f"{settings['rows_per_second'] or 0:.1f} rows/s"
    )
