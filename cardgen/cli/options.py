"""What the commands share, defined once: the error printer and the options several commands take.

Each factory makes one click option; a command that words an option its own way passes the
help text. Nothing here runs a command or touches a card.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click

from ..errors import CardgenError

F = TypeVar("F", bound=Callable[..., Any])


class Decorator(Protocol):
    """What `click.option` returns: a decorator that gives back the command it decorates."""

    def __call__(self, func: F, /) -> F: ...


ENGINES = ("auto", "pandas", "duckdb", "spark")
"""Engines that aggregate counts (`evaluate`) or read rows (`profile`)."""


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


def stacked(*options: Decorator) -> Decorator:
    """Several options as one decorator, shown in `--help` in the order given."""

    def apply(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


def say(quiet: bool) -> Callable[[str], None]:
    """Where a library call's progress messages go: stderr, or nowhere with --quiet."""
    return (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))


def progress_bar(total: int, desc: str, *, disable: bool = False) -> Any:
    """A tqdm bar on stderr counting repositories."""
    from tqdm import tqdm

    return tqdm(total=total, unit="repo", file=sys.stderr, desc=desc, disable=disable)


class CardKind(click.Choice):
    """`--type model|data`; `dataset`, the Hub's word, is still accepted with a note."""

    def __init__(self) -> None:
        super().__init__(["model", "data"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "dataset":
            click.echo("note: --type dataset is deprecated; use --type data", err=True)
            return "data"
        return super().convert(value, param, ctx)


def kind_option(help_text: str) -> Decorator:
    """`--type model|data`, stored as `kind`."""
    return click.option("--type", "kind", type=CardKind(), default=None, help=help_text)


def endpoint_option(
    help_text: str = "Hub address [default: $HF_ENDPOINT or https://huggingface.co].",
) -> Decorator:
    """`--endpoint`, read from $HF_ENDPOINT when not given."""
    return click.option("--endpoint", envvar="HF_ENDPOINT", default=None, help=help_text)


def repo_list_options(from_file_help: str, author_help: str) -> Decorator:
    """`--from-file` (Hub ids, one a line) and `--author` (every repository of a user/org)."""
    return stacked(
        click.option(
            "--from-file", type=click.File("r", encoding="utf-8"), default=None, help=from_file_help
        ),
        click.option("--author", default=None, help=author_help),
    )


def jobs_option(help_text: str, default: int | None = None) -> Decorator:
    """`--jobs N`, 1 to 64."""
    return click.option(
        "--jobs",
        type=click.IntRange(1, 64),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each Hub answer.",
)


def path_option(
    *names: str,
    help_text: str,
    file_okay: bool = True,
    dir_okay: bool = True,
    exists: bool = False,
) -> Decorator:
    """An optional path, None when not given (`*names`: the flag, then the parameter's name)."""
    return click.option(
        *names,
        type=click.Path(file_okay=file_okay, dir_okay=dir_okay, exists=exists, path_type=Path),
        default=None,
        help=help_text,
    )


def folder_option(*names: str, default: str, help_text: str, file_okay: bool = True) -> Decorator:
    """A folder with a default, shown in `--help`."""
    return click.option(
        *names,
        type=click.Path(file_okay=file_okay, path_type=Path),
        default=Path(default),
        show_default=True,
        help=help_text,
    )


def facts_option(help_text: str) -> Decorator:
    """`--facts DIR`, stored as `root`: the project folder whose .cardgen/ holds facts."""
    return folder_option("--facts", "root", default=".", help_text=help_text, file_okay=False)


def card_option(help_text: str, *, exists: bool = False) -> Decorator:
    """`--card SPEC`, stored as `card_path`."""
    return path_option("--card", "card_path", help_text=help_text, dir_okay=False, exists=exists)


def out_file_option(help_text: str) -> Decorator:
    """`--out FILE` (optional)."""
    return path_option("--out", help_text=help_text, dir_okay=False)


def out_dir_option(default: str, help_text: str) -> Decorator:
    """`--out DIR` with a default folder."""
    return folder_option("--out", default=default, help_text=help_text, file_okay=False)


def quiet_option(help_text: str) -> Decorator:
    """`--quiet/-q`."""
    return click.option("--quiet", "-q", is_flag=True, help=help_text)


def force_option(help_text: str) -> Decorator:
    """`--force`."""
    return click.option("--force", is_flag=True, help=help_text)


no_site_option = click.option("--no-site", is_flag=True, help="Skip the site.")

encoding_option = click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of a CSV or JSON file, e.g. cp1252 or latin-1 "
    "(a file that does not decode names this option).",
)
"""`--encoding ENC`: every command that reads a table takes it."""


def percent_option(name: str, metavar: str, help_text: str) -> Decorator:
    """An optional percentage from 0 to 100 that a command fails under."""
    return click.option(
        name, type=click.FloatRange(0, 100), default=None, metavar=metavar, help=help_text
    )


def revision_option(help_text: str) -> Decorator:
    """`--revision REV` of a Hub repository."""
    return click.option("--revision", default=None, help=help_text)


def confidence_option(help_text: str = "Confidence level.") -> Decorator:
    """`--ci LEVEL`, strictly between 0 and 1."""
    return click.option(
        "--ci",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=0.95,
        show_default=True,
        help=help_text,
    )


precision_option = click.option(
    "--precision",
    type=click.IntRange(0, 12),
    default=3,
    show_default=True,
    help="Decimals shown for metric values.",
)


def engine_option(help_text: str, default: str | None = "auto") -> Decorator:
    """`--engine auto|pandas|duckdb|spark`."""
    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


spark_master_option = click.option(
    "--spark-master",
    default="local[*]",
    show_default=True,
    help="Spark master URL for --engine spark.",
)


def min_group_size_option(help_text: str) -> Decorator:
    """`--min-group-size N` (default 30)."""
    return click.option(
        "--min-group-size",
        type=click.IntRange(min=0),
        default=30,
        show_default=True,
        help=help_text,
    )


def sized_option(name: str, help_text: str) -> Decorator:
    """An optional whole number of at least 1 (`--batch-size`, `--max-length`, `--limit`)."""
    return click.option(name, type=click.IntRange(min=1), default=None, help=help_text)


def dotted_path_option(name: str, help_text: str, default: str | None = None) -> Decorator:
    """A dotted path into each sample of a harness log (`--cluster-key`, `--id-key`)."""
    return click.option(
        name, default=default, show_default=default is not None, metavar="PATH", help=help_text
    )


device_option = click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N or mps.",
)
dtype_option = click.option(
    "--dtype",
    type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
    default="auto",
    show_default=True,
    help="Weights dtype; auto is bfloat16 on a CUDA GPU that supports it, else float32.",
)
