"""`cardgen import`: an existing Hub card into a spec, or hand edits of a README back into one.

It parses and prints; importing is `cardgen.hub.importer` and `cardgen.hub.import_update`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from .._words import count
from ..errors import CardgenError
from .options import (
    endpoint_option,
    force_option,
    kind_option,
    out_file_option,
    path_option,
    reports_errors,
)


@click.command("import")
@click.argument("source")
@out_file_option("Spec file to write, e.g. cards/NAME.yaml (NAME becomes the card name).")
@path_option(
    "--update",
    "update",
    dir_okay=False,
    exists=True,
    help_text="Instead of a new spec, take SOURCE's text (a README cardgen rendered and "
    "someone edited) back into this existing spec.",
)
@kind_option("Card kind (default: guessed from the README).")
@endpoint_option()
@force_option("Replace --out if it exists.")
@reports_errors
def import_command(
    source: str,
    out: Path | None,
    update: Path | None,
    kind: str | None,
    endpoint: str | None,
    force: bool,
) -> None:
    """Turn an existing Hub card (a README path, or hub:OWNER/NAME) into an editable spec.

    Known sections fill spec fields; every other section is kept verbatim, in order,
    under extra_sections, and `cardgen render` gives the author's layout back. Use
    hub:datasets/OWNER/NAME for a dataset card, and `--update SPEC` to take hand edits
    of a rendered README back into its spec.
    """
    if (out is None) == (update is None):
        raise click.UsageError("give --out SPEC (a new spec) or --update SPEC (an existing one)")
    if update is not None:
        from ..hub.import_update import update_spec

        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CardgenError(f"{source}: cannot read: {exc.strerror or exc}") from exc
        changed, warnings = update_spec(data, update, source)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"updated {update}: {', '.join(changed)}" if changed else f"unchanged {update}")
        return
    from ..hub.importer import import_card

    assert out is not None
    result = import_card(source, out, kind=kind, endpoint=endpoint, overwrite=force)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"wrote {out} ({result.card.kind} card, "
        f"{count(len(result.card.extra_sections), 'extra section')})"
    )
