"""`cardgen site build` and `cardgen site serve`: the MkDocs-Material site of all cards.

They parse and print; writing and building the site is `cardgen.site`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import (
    facts_option,
    folder_option,
    jobs_option,
    out_dir_option,
    precision_option,
    reports_errors,
    stacked,
)

site_options = stacked(
    folder_option(
        "--cards", default="cards", help_text="Folder of card specs (*.yaml) to put on the site."
    ),
    out_dir_option(
        "site-project",
        "MkDocs project folder to write; an existing mkdocs.yml there keeps "
        "everything but its nav.",
    ),
    facts_option("Project folder holding the collected facts (.cardgen/)."),
    click.option(
        "--release",
        default=None,
        help="Release id recorded in each card's history (default: the card's "
        "version, else `git describe` of the specs' repository).",
    ),
    click.option(
        "--site-name",
        default="Cards",
        show_default=True,
        help="site_name of a newly written mkdocs.yml.",
    ),
    precision_option,
)


@click.group("site")
def site_group() -> None:
    """Build or preview the browsable MkDocs-Material site of all cards."""


@site_group.command("build")
@site_options
@jobs_option("Worker processes preparing cards (default: number of CPUs).")
@click.option(
    "--no-build", is_flag=True, help="Write the MkDocs project only; do not run mkdocs build."
)
@reports_errors
def site_build_command(
    cards: Path,
    out: Path,
    root: Path,
    release: str | None,
    site_name: str,
    precision: int,
    jobs: int | None,
    no_build: bool,
) -> None:
    """Write the MkDocs project of all cards and run `mkdocs build --strict`."""
    from ..site import build_site

    result = build_site(
        cards,
        out,
        root=root,
        release=release,
        site_name=site_name,
        precision=precision,
        jobs=jobs,
        build=not no_build,
    )
    project = result.project
    click.echo(
        f"{project.cards} cards; {project.written} files written, {project.removed} "
        f"removed, {project.history_changed} history entries changed"
    )
    if not no_build:
        click.echo(f"built {project.site_dir} in {result.seconds:.1f} s")


@site_group.command("serve")
@site_options
@click.option(
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    help="Address the preview server listens on.",
)
@reports_errors
def site_serve_command(
    cards: Path,
    out: Path,
    root: Path,
    release: str | None,
    site_name: str,
    precision: int,
    dev_addr: str,
) -> None:
    """Preview the site with live reload; pages are regenerated when specs or facts change."""
    from ..site import serve_site

    serve_site(
        cards,
        out,
        root=root,
        address=dev_addr,
        release=release,
        site_name=site_name,
        precision=precision,
    )
