"""`cardgen schema`: export the JSON Schemas, or check that the exported ones are current.

It parses and prints; the schemas come from `cardgen.schema.export`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import CardgenError
from ..schema.export import export_schemas, stale_schemas
from .options import folder_option, reports_errors


@click.command("schema")
@folder_option(
    "--out",
    "out_dir",
    default="schemas",
    help_text="Folder to write the JSON Schema files into.",
    file_okay=False,
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the files in --out are missing or out of date.",
)
@reports_errors
def schema_command(out_dir: Path, check: bool) -> None:
    """Export the JSON Schemas of model, data and governance cards, evaluations and provenance."""
    if check:
        stale = stale_schemas(out_dir)
        if stale:
            raise CardgenError(
                f"{out_dir}: out of date: {', '.join(stale)} (run `cardgen schema --out {out_dir}`)"
            )
        click.echo(f"{out_dir}: up to date")
        return
    for path in export_schemas(out_dir):
        click.echo(f"wrote {path}")
