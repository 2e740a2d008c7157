"""`cardgen init`: write a commented skeleton spec for a new model, data or governance card.

It checks the name and prints; the skeleton comes from `cardgen.skeleton`.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ..schema.model_card import CARD_NAME_PATTERN
from ..skeleton import write_skeleton
from .options import folder_option, force_option, reports_errors


def _check_card_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.match(CARD_NAME_PATTERN, value):
        raise click.BadParameter(
            f"{value!r}: use letters, digits, '.', '_' and '-' (it becomes a file name)"
        )
    return value


@click.command("init")
@click.argument("kind", type=click.Choice(["model", "data", "governance"]))
@click.argument("name", callback=_check_card_name)
@folder_option("--dir", "directory", default="cards", help_text="Folder for the spec file.")
@force_option("Overwrite an existing spec.")
@reports_errors
def init_command(kind: str, name: str, directory: Path, force: bool) -> None:
    """Write a commented skeleton spec DIR/NAME.yaml for a model, data or governance card.

    KIND is `model`, `data` or `governance`; NAME becomes the card's name and file name.
    """
    path = write_skeleton(kind, name, directory, force=force)  # type: ignore[arg-type]
    click.echo(f"wrote {path}: fill it in, then run `cardgen validate {path}`")
