"""`cardgen collect`: the group of collectors that store facts for a card.

Its subcommands live in `collect_hub` (Hub metadata), `collect_lm` (harness logs) and
`verify` (a card's claims re-run).
"""

from __future__ import annotations

import click

from .collect_hub import collect_hub_command
from .collect_lm import collect_inspect_command, collect_lm_eval_command
from .verify import collect_verify_command


@click.group()
def collect() -> None:
    """Collect facts with provenance into .cardgen/<card>/ (the spec is never touched)."""


collect.add_command(collect_hub_command)
collect.add_command(collect_lm_eval_command)
collect.add_command(collect_inspect_command)
collect.add_command(collect_verify_command)
