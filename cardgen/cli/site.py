"""`cardgen site build` and `cardgen site serve`: the site of all cards (MkDocs-Material or
Zensical).

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
    click.option(
        "--builder",
        type=click.Choice(["mkdocs", "zensical"]),
        default="mkdocs",
        show_default=True,
        help="Static-site builder: MkDocs with Material (maintained until May 2027), or "
        "Zensical, its successor, which reads the same mkdocs.yml "
        "(pip install 'cardgen[zensical]').",
    ),
)


@click.group("site")
def site_group() -> None:
    """Build or preview the browsable site of all cards (MkDocs-Material or Zensical)."""


@site_group.command("build")
@site_options
@jobs_option(
    "Worker processes preparing cards, and mkdocs processes building a large site at once "
    "(default: number of CPUs)."
)
@click.option("--no-build", is_flag=True, help="Write the MkDocs project only; do not build it.")
@reports_errors
def site_build_command(
    cards: Path,
    out: Path,
    root: Path,
    release: str | None,
    site_name: str,
    precision: int,
    builder: str,
    jobs: int | None,
    no_build: bool,
) -> None:
    """Write the site's MkDocs project of all cards, build it and index it for search.

    The builder (MkDocs-Material by default, or Zensical) builds with --strict; Pagefind
    then indexes every card page for the search box in the header."""
    from ..site import END_OF_LIFE_NOTICE, build_site

    if builder == "mkdocs" and not no_build:
        click.echo(END_OF_LIFE_NOTICE, err=True)
    result = build_site(
        cards,
        out,
        root=root,
        release=release,
        site_name=site_name,
        precision=precision,
        jobs=jobs,
        build=not no_build,
        builder=builder,
    )
    project = result.project
    click.echo(
        f"{project.cards} cards; {project.written} files written, {project.removed} "
        f"removed, {project.history_changed} history entries changed"
    )
    if not no_build:
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.stages.items())
        click.echo(f"built {project.site_dir} in {result.seconds:.1f} s ({stages})")


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
    builder: str,
    dev_addr: str,
) -> None:
    """Build the site and serve it, rebuilding it when specs or facts change.

    The built site is served with its search index, as on any static host; open pages
    reload after each rebuild."""
    from ..site import END_OF_LIFE_NOTICE, serve_site

    if builder == "mkdocs":
        click.echo(END_OF_LIFE_NOTICE, err=True)
    serve_site(
        cards,
        out,
        root=root,
        address=dev_addr,
        release=release,
        site_name=site_name,
        precision=precision,
        builder=builder,
        say=click.echo,
    )
