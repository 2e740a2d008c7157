"""`cardgen crosswalk`: which items of documentation regimes a model card satisfies.

It parses and prints; the crosswalk is `cardgen.crosswalk`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import facts_option, out_file_option, reports_errors


@click.command("crosswalk")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--regime",
    "names",
    multiple=True,
    metavar="NAME",
    help="Regime to check (repeatable; default: all). Unknown names list the known.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Markdown tables or JSON.",
)
@out_file_option("Write here instead of printing.")
@facts_option("Project folder holding the .cardgen/ facts.")
@reports_errors
def crosswalk_command(
    card: Path, names: tuple[str, ...], fmt: str, out: Path | None, root: Path
) -> None:
    """Regulation crosswalk of a model card: each regime item satisfied, unknown or n/a.

    Regimes: EU AI Act Annexes IV, XI and XII, the GPAI Code of Practice's Model
    Documentation Form and NIST AI 600-1. A satisfied item names the card field that
    answers it; a not-applicable one says why.

    CARD is a model card spec; its `regulatory:` flags (high_risk_system,
    general_purpose, open_source, systemic_risk, product_component, scope) decide what
    applies. Organisational items (copyright policy, training-content summary) are read
    from the governance card beside CARD whose `governs.models` names the model.
    """
    from .._io import atomic_write_text, dumps_json
    from ..crosswalk import crosswalk_markdown, crosswalk_spec, select_regimes

    select_regimes(list(names))  # an unknown name fails before the card is read
    results = crosswalk_spec(card, list(names), root)
    text = dumps_json(results) if fmt == "json" else crosswalk_markdown(results)
    if out is None:
        click.echo(text, nl=False)
        return
    atomic_write_text(out, text)
    totals = {s: sum(r["counts"][s] for r in results) for s in results[0]["counts"]}
    click.echo(f"wrote {out}: " + json.dumps(totals))
