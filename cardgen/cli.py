"""The `cardgen` command line: parse options, call the library, print results.

No card logic lives here; every command is one library call plus printing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import CardgenError
from .schema.export import export_schemas, stale_schemas
from .schema.model_card import CARD_NAME_PATTERN
from .skeleton import write_skeleton
from .validate import validate_paths

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a `CardgenError` into `error: ...` lines on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CardgenError as exc:
            for line in str(exc).splitlines() or ["unknown error"]:
                click.echo(f"error: {line}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardgen")
def cli() -> None:
    """cardgen: Model Cards and Data Cards from Hub facts, local runs and human prose.

    Cards are written as specs in cards/NAME.yaml; collectors add facts with
    provenance; renderers produce Hub READMEs and a browsable site.
    """


@cli.command("schema")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("schemas"), show_default=True,
              help="Folder to write the JSON Schema files into.")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if the files in --out are missing or out of date.")
@reports_errors
def schema_command(out_dir: Path, check: bool) -> None:
    """Export the JSON Schemas of model cards, data cards, evaluations and provenance."""
    if check:
        stale = stale_schemas(out_dir)
        if stale:
            raise CardgenError(f"{out_dir}: out of date: {', '.join(stale)} "
                               f"(run `cardgen schema --out {out_dir}`)")
        click.echo(f"{out_dir}: up to date")
        return
    for path in export_schemas(out_dir):
        click.echo(f"wrote {path}")


def _check_card_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.match(CARD_NAME_PATTERN, value):
        raise click.BadParameter(
            f"{value!r}: use letters, digits, '.', '_' and '-' (it becomes a file name)")
    return value


@cli.command("init")
@click.argument("kind", type=click.Choice(["model", "data"]))
@click.argument("name", callback=_check_card_name)
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=Path("cards"),
              show_default=True, help="Folder for the spec file.")
@click.option("--force", is_flag=True, help="Overwrite an existing spec.")
@reports_errors
def init_command(kind: str, name: str, directory: Path, force: bool) -> None:
    """Write a commented skeleton spec DIR/NAME.yaml for a model card or a data card.

    KIND is `model` or `data`; NAME becomes the card's name and file name.
    """
    path = write_skeleton(kind, name, directory, force=force)  # type: ignore[arg-type]
    click.echo(f"wrote {path}: fill it in, then run `cardgen validate {path}`")


@cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--min-completeness", type=click.FloatRange(0, 100), default=None,
              metavar="N", help="Fail when a card fills less than N percent of the "
              "recommended sections.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@reports_errors
def validate_command(paths: tuple[Path, ...], min_completeness: float | None,
                     quiet: bool) -> None:
    """Validate card specs and report how complete each one is.

    PATHS are spec files or folders of them (default: cards/). Every problem is printed
    as FILE:LINE:COLUMN: FIELD: MESSAGE. Exit code 1 when any spec has an error or,
    with --min-completeness, is less complete than required.
    """
    results = validate_paths(paths or (Path("cards"),))
    failed = 0
    for result in results:
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
            click.echo(f"{result.path}: {status}, {result.card_kind} card, "
                       f"{report.percent:.0f}% complete "
                       f"({len(report.filled)}/{len(report.filled) + len(report.missing)} "
                       "recommended sections)")
            for section in report.missing:
                click.echo(f"  empty: {section}")
    if not quiet:
        click.echo(f"{len(results)} spec(s) checked, {failed} failed")
    if failed:
        sys.exit(1)


def main() -> None:
    """Console entry point."""
    cli(prog_name="cardgen")
