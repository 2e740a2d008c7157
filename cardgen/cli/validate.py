"""`cardgen validate`: check specs and print their problems and completeness.

It parses and prints; the checks are `cardgen.validate.validate_paths`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._words import count
from ..validate import validate_paths
from .options import percent_option, quiet_option, reports_errors


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@percent_option(
    "--min-completeness",
    "N",
    "Fail when a card fills less than N percent of the recommended sections.",
)
@quiet_option("Print only problems.")
@reports_errors
def validate_command(paths: tuple[Path, ...], min_completeness: float | None, quiet: bool) -> None:
    """Validate card specs and report how complete each one is.

    PATHS are spec files or folders of them (default: cards/). Every problem is printed
    as FILE:LINE:COLUMN: FIELD: MESSAGE. A model file that changed since the card
    recorded its SHA-256 is a warning. Exit code 1 when any spec has an error or, with
    --min-completeness, is less complete than required.
    """
    results = validate_paths(paths or (Path("cards"),))
    failed = 0
    absent = [r for r in results if r.card is None and not r.path.exists()]
    for result in absent:  # not a spec that failed: a path that is not there
        click.echo(f"error: {result.path}: no such file or directory", err=True)
    results = [r for r in results if r not in absent]
    for result in results:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        if result.problems:
            failed += 1
            for problem in result.problems:
                click.echo(str(problem), err=True)
            continue
        report = result.completeness
        assert report is not None
        below = min_completeness is not None and report.percent < min_completeness
        failed += below
        if not quiet or below:
            status = "below --min-completeness" if below else "valid"
            click.echo(
                f"{result.path}: {status}, {result.card_kind} card, "
                f"{report.percent:.0f}% complete "
                f"({len(report.filled)}/{len(report.filled) + len(report.missing)} "
                "recommended sections)"
            )
            for section in report.missing:
                click.echo(f"  empty: {section}")
    if not quiet and results:
        click.echo(f"{count(len(results), 'spec')} checked, {failed} failed")
    if failed or absent:
        sys.exit(1)
