"""The `cardgen audit` and `cardgen crosswalk` commands: parse options, call the library, print.

No audit or crosswalk logic lives here.
"""

from __future__ import annotations

import json
import sys
from functools import wraps
from pathlib import Path
from typing import Any

import click

from ._cli_hub import budget_option, hub_progress, request_line
from .errors import CardgenError


def _reports_errors(func: Any) -> Any:
    # cli.py imports this module at its end; take its error printer when a command runs.
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .cli import reports_errors

        return reports_errors(func)(*args, **kwargs)

    return wrapper


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
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Hub: concurrent requests (default 8); files: worker processes (CPUs).",
)
@click.option(
    "--endpoint",
    envvar="HF_ENDPOINT",
    default=None,
    help="Hub address (default: HF_ENDPOINT or https://huggingface.co).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each Hub answer.",
)
@click.option(
    "--facts",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder whose .cardgen/ facts are merged into specs.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write audit.json and audit.parquet into this folder.",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write and build a MkDocs site of the audit in this folder.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PCT",
    help="Exit 1 when the mean completeness is below PCT percent.",
)
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
@click.option("--quiet", "-q", is_flag=True, help="Print only the totals.")
@_reports_errors
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
    from .audit import audit_paths, summary_lines, write_outputs

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
        from .site import write_audit_site

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
    from .audit import audit_hub, checkpoint_path

    ids: list[str] = []
    if from_file is not None:
        ids = [line.split("#", 1)[0].strip() for line in from_file]
        ids = [i for i in ids if i]
        if not ids:
            raise CardgenError("no repositories to audit")
    repo_type = "dataset" if kind == "dataset" else "model"
    checkpoint = checkpoint_path(root, ids, authors, repo_type, metadata_only)
    if not quiet:
        click.echo(
            f"checkpoint: {checkpoint} (if interrupted, run the same command with --resume)",
            err=True,
        )
    with hub_progress("audit hub", len(set(ids)) or None, quiet=quiet) as (progress, on_wait):
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


@click.command("crosswalk")
@click.argument("card", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--regime",
    "names",
    multiple=True,
    metavar="NAME",
    help="Regime to check (repeatable; default: all). Unknown names list the known.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Markdown tables or JSON.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of printing.",
)
@click.option(
    "--facts",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder holding the .cardgen/ facts.",
)
@_reports_errors
def crosswalk_command(
    card: Path, names: tuple[str, ...], fmt: str, out: Path | None, root: Path
) -> None:
    """Regulation crosswalk of a model card: each regime item satisfied, unknown or n/a.

    Regimes: EU AI Act Annexes IV, XI and XII, the GPAI Code of Practice's Model
    Documentation Form and NIST AI 600-1. A satisfied item names the card field that
    answers it; a not-applicable one says why.

    CARD is a model card spec; its `regulatory:` flags (high_risk_system,
    general_purpose, open_source, systemic_risk, product_component, scope) decide what
    applies.
    """
    from ._io import atomic_write_text, dumps_json
    from .crosswalk import crosswalk, crosswalk_markdown, select_regimes
    from .merge import load_card

    select_regimes(list(names))  # an unknown name fails before the card is read
    results = crosswalk(load_card(card, root), list(names))
    text = dumps_json(results) if fmt == "json" else crosswalk_markdown(results)
    if out is None:
        click.echo(text, nl=False)
        return
    atomic_write_text(out, text)
    totals = {s: sum(r["counts"][s] for r in results) for s in results[0]["counts"]}
    click.echo(f"wrote {out}: " + json.dumps(totals))
