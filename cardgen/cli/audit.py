"""`cardgen audit`: how well many cards are documented, from files or Hub repositories.

It parses and prints; the audit is `cardgen.audit`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import CardgenError
from .hub_batch import budget_option, hub_progress, request_line
from .options import (
    endpoint_option,
    facts_option,
    jobs_option,
    path_option,
    percent_option,
    quiet_option,
    reports_errors,
    timeout_option,
)


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--from-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Audit the Hub repositories listed in this file (one id a line, # comments).",
)
@click.option(
    "--author",
    "authors",
    multiple=True,
    help="Audit every repository of a Hub user/org (repeatable).",
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
@click.option(
    "--metadata-only",
    is_flag=True,
    help="Hub: audit the Hub fields from listing pages alone, without downloading READMEs "
    "(sections are not audited; completeness is then the share of Hub fields filled).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Hub: continue an interrupted audit of the same repositories from its checkpoint "
    "(.cardgen/_audit/ under --facts), reading no finished repository again.",
)
@budget_option
@quiet_option("Print only the totals.")
@reports_errors
def audit_command(
    paths: tuple[Path, ...],
    from_file: Any,
    authors: tuple[str, ...],
    kind: str,
    jobs: int | None,
    endpoint: str | None,
    timeout: float,
    root: Path,
    out: Path | None,
    site_dir: Path | None,
    fail_under: float | None,
    metadata_only: bool,
    resume: bool,
    budget: Any,
    quiet: bool,
) -> None:
    """Audit how well many cards are documented.

    PATHS are Markdown cards (*.md), specs (*.yaml) or folders of them (searched
    recursively); or give --from-file / --author for Hub repositories. Each section and
    Hub field is filled, a placeholder ("More information needed") or empty; results
    are checked for dataset revision and split, n or an interval, a listed dataset, and a
    fine-tune's base model. Unreadable, binary and empty files and broken front matter
    are counted and listed, never fatal.

    Hub repositories are read in bulk: metadata from listing pages (about 1,000
    repositories per API call), then one README download each (none with
    --metadata-only), paced to the Hub's rate-limit budget. Each finished repository is
    checkpointed; --resume continues an interrupted run.
    """
    from ..audit import audit_paths, summary_lines, write_outputs

    sources = sum(bool(x) for x in (paths, from_file, authors))
    if sources != 1:
        raise CardgenError("give PATHS, --from-file or --author (exactly one)")
    checkpoint = None
    if paths:
        if metadata_only or resume or budget:
            raise CardgenError("--metadata-only, --resume and --budget are for Hub audits")
        report = audit_paths(paths, root=root, jobs=jobs)
    else:
        report, checkpoint = _audit_hub(
            from_file,
            authors,
            kind,
            jobs,
            endpoint,
            timeout,
            root,
            metadata_only,
            resume,
            budget,
            quiet,
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
    if report.hub is not None:
        click.echo(
            request_line(
                report.hub.repositories,
                report.hub.requests,
                report.hub.throttled,
                report.hub.waited,
            )
        )
    if checkpoint is not None:  # finished: nothing to resume
        checkpoint.unlink(missing_ok=True)
        if not any(checkpoint.parent.iterdir()):
            checkpoint.parent.rmdir()
    if fail_under is not None and report.mean_completeness < fail_under:
        click.echo(
            f"error: mean completeness {report.mean_completeness:.1f}% is below "
            f"--fail-under {fail_under:g}%",
            err=True,
        )
        sys.exit(1)


def _audit_hub(
    from_file: Any,
    authors: tuple[str, ...],
    kind: str,
    jobs: int | None,
    endpoint: str | None,
    timeout: float,
    root: Path,
    metadata_only: bool,
    resume: bool,
    budget: Any,
    quiet: bool,
) -> tuple[Any, Path]:
    from ..audit import audit_hub, checkpoint_path
    from ..hub.collect import listed_repos, repo_type_of

    ids = listed_repos(from_file, None) if from_file is not None else []
    if from_file is not None and not ids:
        raise CardgenError("no repositories to audit")
    repo_type = repo_type_of(kind)
    checkpoint = checkpoint_path(root, ids, authors, repo_type, metadata_only)
    if not quiet:
        click.echo(
            f"checkpoint: {checkpoint} (if interrupted, run the same command with --resume)",
            err=True,
        )
    with hub_progress("audit hub", len(ids) or None, quiet=quiet) as (progress, on_wait):
        report = audit_hub(
            ids,
            authors=authors,
            repo_type=repo_type,
            metadata_only=metadata_only,
            jobs=jobs or 8,
            endpoint=endpoint,
            timeout=timeout,
            budget=budget,
            checkpoint=checkpoint,
            resume=resume,
            progress=progress,
            on_wait=on_wait,
        )
    if report.hub is not None and report.hub.resumed:
        click.echo(f"resumed: {report.hub.resumed:,} repositories were already done", err=True)
    return report, checkpoint
