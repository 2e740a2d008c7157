"""`cardgen render`: render one card (spec + facts) to stdout or a file.

It parses and prints; rendering and writing are `cardgen.render`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..merge import load_card
from ..render import FORMATS, render, write_rendered
from .options import facts_option, force_option, path_option, precision_option, reports_errors


@click.command("render")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="hub",
    show_default=True,
    help="hub: README.md with front matter and model-index (with --out, each "
    "evaluation's full results go beside it as evaluation/NAME.json); page: site "
    "Markdown; json: the card as JSON; croissant: Croissant JSON-LD (data cards); "
    "cyclonedx: a CycloneDX 1.6 BOM; spdx: SPDX 3.0.1 JSON-LD (AI and Dataset profiles).",
)
@path_option(
    "--out",
    help_text="File to write; standard output when omitted. An existing README is "
    "regenerated between its cardgen markers only.",
)
@path_option(
    "--template",
    help_text="Your own Jinja2 template for hub or page output (runs sandboxed; it can "
    "import cardgen's _macros.md.j2).",
)
@precision_option
@facts_option("Project folder whose .cardgen/ holds the collected facts.")
@force_option("Overwrite an existing output file that has no cardgen markers.")
@click.option(
    "--fill-template",
    is_flag=True,
    default=None,
    help="Lay an imported card out as the full Hub template instead of the "
    "author's own sections (as spec `render: {fill_template: true}`).",
)
@click.option(
    "--keep-edits",
    "edits",
    flag_value="keep",
    help="Leave regions edited by hand since cardgen wrote them as they are.",
)
@click.option(
    "--overwrite-edits",
    "edits",
    flag_value="overwrite",
    help="Replace regions edited by hand with cardgen's text.",
)
@reports_errors
def render_command(
    card: Path,
    fmt: str,
    out: Path | None,
    template: Path | None,
    precision: int,
    root: Path,
    force: bool,
    fill_template: bool | None,
    edits: str | None,
) -> None:
    """Render CARD (a spec, cards/NAME.yaml) merged with its collected facts.

    An imported card keeps its author's headings and order; an existing README changes
    only inside cardgen's regions, and a region edited by hand stops the render unless
    --keep-edits or --overwrite-edits says what to do.
    """
    if template is not None and fmt not in ("hub", "page"):
        raise click.UsageError("--template applies to --format hub or page")
    loaded = load_card(card, root)
    if out is None:
        click.echo(
            render(
                loaded,
                fmt,  # type: ignore[arg-type]
                precision,
                template,
                fill_template=fill_template,
            ),
            nl=False,
        )
        return
    result = write_rendered(
        loaded,
        fmt,  # type: ignore[arg-type]
        out,
        precision=precision,
        template=template,
        force=force,
        fill_template=fill_template,
        edits=edits or "error",  # type: ignore[arg-type]
    )
    click.echo(f"{'wrote' if result.changed else 'unchanged'} {result.path}")
    for sidecar in result.sidecars:
        click.echo(f"wrote {sidecar}")
    if fmt == "hub" and loaded.kind == "model":  # LM results also as the Hub's .eval_results
        from ..hub.eval_results import write_eval_results

        for path in write_eval_results(loaded, out.parent):
            click.echo(f"wrote {path}")
    for name in result.unplaced_regions:
        click.echo(f"note: {out} has no region {name!r}; that section was not added", err=True)
