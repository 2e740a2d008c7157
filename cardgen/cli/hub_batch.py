"""Options and terminal output of the commands that read many Hub repositories in bulk.

It parses options and prints progress and request counts; it reads no repository itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from .._words import count
from .options import progress_bar

BUDGET_HELP = (
    "Rate-limit budget to keep, e.g. api=1000/300s,files=5000/300s (a free account's; "
    "PRO: api=2500/300s,files=12000/300s). Default: what the Hub states in its RateLimit "
    "headers, and a free account's budget until it has answered."
)


def _parse_budget(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    from ..errors import CardgenError
    from ..hub.ratelimit import parse_budget

    try:
        return parse_budget(value)
    except CardgenError as exc:
        raise click.BadParameter(str(exc).removeprefix("--budget: ")) from None


def budget_option(func: Any) -> Any:
    """The `--budget` option (parsed into quotas by `cardgen.hub.ratelimit.parse_budget`)."""
    return click.option(
        "--budget",
        default=None,
        metavar="BUDGET",
        callback=_parse_budget,
        help=BUDGET_HELP,
    )(func)


@contextmanager
def hub_progress(
    desc: str, total: int | None, *, quiet: bool = False
) -> Iterator[tuple[Callable[[str, bool], None], Callable[[str, float, str], None]]]:
    """A progress bar on stderr: (per-repository callback, budget-wait callback).

    A wait for the rate-limit budget shows as the bar's postfix until requests flow again.
    """
    with progress_bar(total, desc, disable=quiet) as bar:

        def on_wait(resource: str, seconds: float, why: str) -> None:
            name = "API" if resource == "api" else "file"
            bar.set_postfix_str(f"waiting {seconds:.0f} s: {name} {why}" if seconds > 0 else "")

        yield (lambda repo, ok: bar.update(1)), on_wait


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def request_line(
    repositories: int, requests: Mapping[str, int], throttled: int, waited: float
) -> str:
    """One line of what a batch asked of the Hub, per repository read."""
    parts = []
    for resource, label in (("api", "API call"), ("files", "file download")):
        sent = requests.get(resource, 0)
        per = f" ({sent / repositories:.3f} per repository)" if repositories else ""
        parts.append(f"{count(sent, label)}{per}")
    line = f"Hub requests: {', '.join(parts)} for {count(repositories, 'repository')}"
    line += f"; waited {_duration(waited)} for the rate-limit budget" if waited >= 0.5 else ""
    if throttled:
        verb = "was" if throttled == 1 else "were"
        line += f"; {count(throttled, 'answer')} {verb} 429 (rate limited)"
    return line
