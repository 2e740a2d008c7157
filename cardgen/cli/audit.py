"""`cardgen audit`: how well many cards are documented, from files or Hub repositories.

It parses and prints; the audit is `cardgen.audit`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import CardgenError
from .options import (
    endpoint_option,
    facts_option,
    jobs_option,
    path_option,
    percent_option,
    progress_bar,
    quiet_option,
    repo_list_options,
    reports_errors,
    timeout_option,
)


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@repo_list_options(
    "Audit the Hub repositories listed in this file (one id a line, # comments).",
    "Audit every public repository of a Hub user/org.",
)
@click.option(
    "--type",
    "kind",
    type=click.Choice(["model", "dataset"]),
    default="model",
    show_default=True,
    help="Repository type for --from-file and --author.",
)
@jobs_option("Hub: concurrent requests (default 8); files: worker processes (CPUs).")
@endpoint_option("Hub address (default: HF_ENDPOINT or https://huggingface.co).")
@timeout_option
@facts_option("Project folder whose .cardgen/ facts are merged into specs.")
@path_option(
    "--out", file_okay=False, help_text="Write audit.json and audit.parquet into this folder."
)
@path_option(
    "--site",
    "site_dir",
    file_okay=False,
    help_text="Write and build a MkDocs site of the audit in this folder.",
)
@percent_option("--fail-under", "PCT", "Exit 1 when the mean completeness is below PCT percent.")
@quiet_option("Print only the totals.")
@reports_errors
def audit_command(
    paths: tuple[Path, ...],
    from_file: Any,
    author: str | None,
    kind: str,
    jobs: int | None,
    endpoint: str | None,
    timeout: float,
    root: Path,
    out: Path | None,
    site_dir: Path | None,
    fail_under: float | None,
    quiet: bool,
) -> None:
    """Audit how well many cards are documented.

    PATHS are Markdown cards (*.md), specs (*.yaml) or folders of them (searched
    recursively); or give --from-file / --author for Hub repositories. Each section and
    Hub field is filled, a placeholder ("More information needed") or empty; results
    are checked for dataset revision and split, n or an interval, a listed dataset, and a
    fine-tune's base model. Unreadable, binary and empty files and broken front matter
    are counted and listed, never fatal.
    """
    from ..audit import audit_hub, audit_paths, summary_lines, write_outputs

    sources = sum(bool(x) for x in (paths, from_file, author))
    if sources != 1:
        raise CardgenError("give PATHS, --from-file or --author (exactly one)")
    if paths:
        report = audit_paths(paths, root=root, jobs=jobs)
    else:
        from ..hub.collect import listed_repos, repo_type_of

        repo_type = repo_type_of(kind)
        ids = listed_repos(
            from_file, author, repo_type=repo_type, endpoint=endpoint, timeout=timeout
        )
        if not ids:
            raise CardgenError("no repositories to audit")
        with progress_bar(len(ids), "audit hub", disable=quiet) as bar:
            report = audit_hub(
                ids,
                repo_type=repo_type,
                jobs=jobs or 8,
                endpoint=endpoint,
                timeout=timeout,
                progress=lambda repo, ok: bar.update(1),
            )
    for problem in report.problems:
        click.echo(
            f"warning: {problem['source']}: {problem['problem']}: {problem['message']}", err=True
        )
    if not report.cards:
        raise CardgenError("no card could be audited (see the warnings above)")
    lines = summary_lines(report)
    for line in lines[:2] if quiet else lines:
        click.echo(line)
    if out is not None:
        for path in write_outputs(report, out):
            click.echo(f"wrote {path}")
    if site_dir is not None:
        from ..site import write_audit_site

        click.echo(f"wrote the audit site {write_audit_site(report, site_dir)}")
    if fail_under is not None and report.mean_completeness < fail_under:
        click.echo(
            f"error: mean completeness {report.mean_completeness:.1f}% is below "
            f"--fail-under {fail_under:g}%",
            err=True,
        )
        sys.exit(1)
