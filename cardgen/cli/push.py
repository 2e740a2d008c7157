"""`cardgen push`: a card's Hub README to the Hub, as a pull request by default.

It parses and prints; pushing is `cardgen.hub.push`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import endpoint_option, force_option, reports_errors


@click.command("push")
@click.argument("card", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--repo-id",
    default=None,
    help="Hub repository to update, e.g. ORG/NAME [default: the spec's sources.hub.repo_id].",
)
@click.option(
    "--pr/--no-pr",
    "create_pr",
    default=True,
    show_default=True,
    help="Open a pull request, or commit directly to the default branch.",
)
@force_option("Push even if threshold tests failed or the README fails Hub checks.")
@endpoint_option()
@click.option("-m", "--message", default=None, help="Commit title.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Render and check the card (threshold tests, Hub metadata) but push nothing.",
)
@reports_errors
def push_command(
    card: Path,
    repo_id: str | None,
    create_pr: bool,
    force: bool,
    endpoint: str | None,
    message: str | None,
    dry_run: bool,
) -> None:
    """Render CARD's Hub README and push it to the Hub (as a pull request by default).

    The token comes from HF_TOKEN or `hf auth login`; it is never printed.
    """
    from ..hub.push import push_card

    result = push_card(
        card,
        repo_id,
        create_pr=create_pr,
        force=force,
        endpoint=endpoint,
        commit_message=message,
        dry_run=dry_run,
    )
    if dry_run:
        click.echo(f"dry run: the README for {result.repo_id} passes the checks; nothing pushed")
    elif result.pr_url:
        click.echo(f"opened pull request {result.pr_url}")
    else:
        click.echo(f"committed {result.commit_url}")
