"""The `cardgen` command line: parse options, call the library, print results.

No card logic lives here; every command is one library call plus printing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from . import __version__
from .errors import CardgenError

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


def main() -> None:
    """Console entry point."""
    cli(prog_name="cardgen")
