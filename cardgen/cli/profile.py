"""`cardgen profile`: dataset composition facts for a data card.

It parses and prints; profiling is `cardgen.collect.profile`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._words import count
from .options import (
    card_option,
    encoding_option,
    engine_option,
    min_group_size_option,
    out_file_option,
    reports_errors,
    spark_master_option,
)


@click.command("profile")
@click.argument("data")
@card_option(
    "Data card spec cards/NAME.yaml: store the profile as the fact "
    ".cardgen/NAME/profile-<DATA stem>.json (its sources.profile entry for DATA "
    "supplies --sensitive/--label when they are not given).",
    exists=True,
)
@click.option(
    "--sensitive",
    multiple=True,
    metavar="COL",
    help="Sensitive attribute column (repeat for several); groups of each and "
    "their intersections are reported.",
)
@click.option(
    "--label",
    default=None,
    metavar="COL",
    help="Label column: its base rate per group is reported with Wilson CIs.",
)
@click.option(
    "--pos-label",
    default=None,
    metavar="VALUE",
    help="Label value counted as positive (default: 1/true/yes, else the rarer of two values).",
)
@click.option("--split", default=None, help="Split of a saved DatasetDict folder.")
@encoding_option
@click.option(
    "--keep-whitespace",
    is_flag=True,
    help="Keep spaces around CSV fields and header names (trimmed by default).",
)
@min_group_size_option("Groups with fewer rows are flagged as small.")
@click.option(
    "--top-k",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Most frequent values kept per column.",
)
@out_file_option("Also write the profile as JSON to this file.")
@engine_option(
    "Reader: pandas streams one file with pyarrow; duckdb also reads globs and "
    "hive-partitioned folders (the duckdb extra); spark also URIs such as s3a://... "
    "and spark:db.table, streaming rows here in Arrow batches (the spark extra); "
    "auto picks DuckDB for globs, folders and files over 256 MiB, Spark for spark: "
    "tables and URIs."
)
@spark_master_option
@reports_errors
def profile_command(
    data: str,
    card_path: Path | None,
    sensitive: tuple[str, ...],
    label: str | None,
    pos_label: str | None,
    split: str | None,
    encoding: str,
    keep_whitespace: bool,
    min_group_size: int,
    top_k: int,
    out: Path | None,
    engine: str,
    spark_master: str,
) -> None:
    """Profile DATA (CSV, Parquet, JSON Lines or array, or a saved datasets folder; with --engine
    duckdb or spark also a glob or a hive-partitioned folder; with spark also a URI or
    spark:db.table) for a data card.

    Records per-column statistics, duplicate rows, group representation and label base
    rates, warnings, and columns that look like personal data, with provenance.
    """
    from tqdm import tqdm

    from ..collect.profile import profile_for_card

    path = Path(data)
    size = (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
        if path.is_file()
        else 0
    )
    with tqdm(
        unit="row",
        unit_scale=True,
        file=sys.stderr,
        desc=f"profile {path.name}",
        # Spark tables and URIs have no local size: show progress for them.
        disable=size < (64 << 20) and not (data.startswith("spark:") or "://" in data),
    ) as bar:
        result, written = profile_for_card(
            data,
            card_path,
            out=out,
            sensitive=sensitive,
            label=label,
            pos_label=pos_label,
            split=split,
            encoding=encoding,
            strip_whitespace=not keep_whitespace,
            min_group_size=min_group_size,
            top_k=top_k,
            progress=bar.update,
            engine=engine,
            spark_master=spark_master,
        )
    click.echo(
        f"{data}: {result.num_rows} rows, {result.num_columns} columns, "
        f"{count(result.duplicate_rows or 0, 'duplicate row')}"
    )
    for column in result.columns:
        rate = "-" if column.missing_rate is None else f"{column.missing_rate:.1%}"
        role = f", {column.role.replace('_', ' ')}" if column.role != "ordinary" else ""
        click.echo(
            f"  {column.name}: {column.type}, {rate} missing, "
            f"{column.distinct if column.distinct is not None else '-'} distinct{role}"
        )
    if result.base_rate is not None and result.base_rate.value is not None:
        click.echo(f"base rate of {result.label}={result.pos_label}: {result.base_rate.value:.3f}")
    for group in result.groups:
        where = ", ".join(f"{k}={v}" for k, v in group.features.items())
        base = group.base_rate.value if group.base_rate is not None else None
        click.echo(
            f"  group {where}: {group.count} rows"
            + (f", base rate {base:.3f}" if base is not None else "")
        )
    for flag in result.personal_data:
        click.echo(f"personal data? {flag.column}: {flag.kind} ({flag.detail})")
    for warning in result.warnings:
        click.echo(f"warning: {warning.message}", err=True)
    for path in written:
        click.echo(f"wrote {path}")
