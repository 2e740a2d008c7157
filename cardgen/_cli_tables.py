"""The CLI option every command that reads a table shares: `--encoding`.

Defined once here and applied to evaluate, profile and run; it parses, it reads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

encoding_option: Callable[[F], F] = click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of a CSV or JSON file, e.g. cp1252 or latin-1 "
    "(a file that does not decode names this option).",
)
"""`--encoding ENC`, passed to the command as `encoding`."""
