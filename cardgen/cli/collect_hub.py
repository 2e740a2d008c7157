"""`cardgen collect hub`: Hub metadata, card data and evaluation results as facts.

It parses and prints; collecting is `cardgen.hub.collect`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import CardgenError
from .options import (
    card_option,
    endpoint_option,
    jobs_option,
    kind_option,
    progress_bar,
    repo_list_options,
    reports_errors,
    revision_option,
    timeout_option,
)


@click.command("hub")
@click.argument("repo_id", required=False)
@kind_option("Repository type (default: the card's hub source, else model).")
@revision_option("Branch, tag or commit sha (default branch).")
@card_option(
    "Card spec cards/NAME.yaml; facts go to .cardgen/NAME/, and "
    "its `sources.hub` is used when REPO_ID is omitted."
)
@repo_list_options(
    "Collect every repository listed (one id a line, # comments) concurrently.",
    "Collect every public repository of a user/org.",
)
@jobs_option("Concurrent requests for --from-file/--author.", default=8)
@endpoint_option()
@timeout_option
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=4,
    show_default=True,
    help="Retries on 429/5xx (with backoff, honouring Retry-After).",
)
@click.option(
    "--follow-datasets",
    is_flag=True,
    help="Also collect the datasets a model names (linked dataset facts).",
)
@reports_errors
def collect_hub_command(
    repo_id: str | None,
    kind: str | None,
    revision: str | None,
    card_path: Path | None,
    from_file: Any,
    author: str | None,
    jobs: int,
    endpoint: str | None,
    timeout: float,
    retries: int,
    follow_datasets: bool,
) -> None:
    """Collect Hub metadata, card data, prose and evaluation results of REPO_ID.

    The token, if any, comes from HF_TOKEN or `hf auth login` and is never printed.
    """
    from ..hub.collect import collect_card_hub, collect_many, listed_repos, repo_type_of

    if from_file is not None or author is not None:
        if repo_id or card_path:
            raise CardgenError("give REPO_ID/--card, or --from-file/--author, not both")
        repo_type = repo_type_of(kind)
        repos = listed_repos(
            from_file, author, repo_type=repo_type, endpoint=endpoint, timeout=timeout
        )
        with progress_bar(len(repos), "collect hub") as bar:
            report = collect_many(
                repos,
                repo_type=repo_type,
                jobs=jobs,
                endpoint=endpoint,
                timeout=timeout,
                retries=retries,
                progress=lambda repo, ok: bar.update(1),
            )
        click.echo(f"collected {len(report.results)} of {len(repos)} repositories")
        for message in report.errors.values():
            click.echo(f"error: {message}", err=True)
        if report.errors:
            sys.exit(1)
        return
    if card_path is None:
        raise CardgenError("--card cards/NAME.yaml is required (facts are stored per card)")
    result = collect_card_hub(
        card_path,
        repo_id,
        kind=kind,
        revision=revision,
        endpoint=endpoint,
        timeout=timeout,
        retries=retries,
        follow_datasets=follow_datasets,
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"collected {result.repo_id}@{result.sha[:12]}: " + ", ".join(str(p) for p in result.paths)
    )
