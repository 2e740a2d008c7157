"""`cardgen build` and `cardgen demo`: run everything for every spec, or the embedded example.

They parse and print; the work is `cardgen.build.build` and `cardgen.demo.demo`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._words import count
from ..build import BuildReport, build, write_github_files
from .options import (
    engine_option,
    folder_option,
    no_site_option,
    out_dir_option,
    quiet_option,
    reports_errors,
    say,
)


def print_build(report: BuildReport) -> None:
    """Each card's steps, files, threshold tests and checked claims, and the site's state."""
    for card in report.cards:
        for warning in card.warnings:
            click.echo(f"warning: {warning}", err=True)
        total = card.tests_passed + len(card.tests_failed)
        tests = (
            f"{len(card.tests_failed)} of {count(total, 'threshold test')} FAILED"
            if card.tests_failed
            else f"{count(total, 'threshold test')} passed"
            if total
            else "no threshold tests"
        )
        click.echo(
            f"{card.name}: ran {count(len(card.ran), 'step')}, {len(card.cached)} unchanged; "
            f"{count(len(card.changed), 'file')} written; {tests}"
        )
        for test in card.tests_failed:
            observed = "undefined" if test.observed is None else f"{test.observed:.4f}"
            why = f": {test.reason}" if test.passed is None and test.reason else ""
            click.echo(f"  FAILED {test.expression} (observed {observed}){why}")
        if card.claims is not None:
            click.echo(f"  claims checked: {card.claims}")
        for claim in card.claims_discrepant:
            click.echo(f"  DISCREPANT {claim.where}: {claim.reason}")
    if report.site_dir is not None:
        state = "built" if report.site_rebuilt else "unchanged"
        click.echo(f"site {state}: {report.site_dir}/index.html")


@click.command("build")
@folder_option("--cards", "cards_dir", default="cards", help_text="Folder of card specs.")
@out_dir_option(
    "build/cards", "Folder for rendered cards: OUT/NAME/README.md, card.json, croissant.json."
)
@folder_option(
    "--site-project",
    default="site-project",
    help_text="Folder of the site's MkDocs project; the site is built into its public/.",
    file_okay=False,
)
@no_site_option
@click.option(
    "--bom",
    type=click.Choice(["cyclonedx", "spdx"]),
    multiple=True,
    help="Also write a bill of materials beside each card: cyclonedx (OUT/NAME/bom.cdx.json) "
    "or spdx (OUT/NAME/bom.spdx.json); repeatable.",
)
@click.option(
    "--refresh", is_flag=True, help="Run every source again, even when its inputs are unchanged."
)
@click.option("--no-fail", is_flag=True, help="Report failed threshold tests but exit 0.")
@quiet_option("No progress output.")
@engine_option(
    "Engine for evaluations and profiles whose spec leaves it at "
    "auto (see `cardgen evaluate --engine`, `cardgen profile --engine`).",
    default=None,
)
@click.option(
    "--site-builder",
    type=click.Choice(["mkdocs", "zensical"]),
    default="mkdocs",
    show_default=True,
    help="Builder of the site: MkDocs with Material, or Zensical (see `cardgen site build`).",
)
@reports_errors
def build_command(
    cards_dir: Path,
    out: Path,
    site_project: Path,
    no_site: bool,
    bom: tuple[str, ...],
    refresh: bool,
    no_fail: bool,
    quiet: bool,
    engine: str | None,
    site_builder: str,
) -> None:
    """Collect facts for every spec (only where inputs changed), render every card, build
    the site.

    Exit code 1 when a threshold test fails or a verified claim is discrepant (unless
    --no-fail). In GitHub Actions the outputs site-dir, cards-changed and tests-failed go
    to $GITHUB_OUTPUT and a Markdown summary to $GITHUB_STEP_SUMMARY.
    """
    report = build(
        cards_dir,
        out=out,
        site_project=None if no_site else site_project,
        refresh=refresh,
        progress=not quiet,
        say=say(quiet),
        engine=engine,
        bom=bom,
        site_builder=site_builder,
    )
    print_build(report)
    write_github_files(report)
    if (report.tests_failed or report.claims_discrepant) and not no_fail:
        sys.exit(1)


@click.command("demo")
@out_dir_option("cardgen-demo", "Folder for the demo project (data, model, cards, site).")
@no_site_option
@quiet_option("No progress output.")
@reports_errors
def demo_command(out: Path, no_site: bool, quiet: bool) -> None:
    """Run the embedded UCI Adult example end to end, offline.

    Trains a scikit-learn classifier (saved with skops), runs it over the test split,
    evaluates it by race x sex with confidence intervals and a four-fifths-rule test,
    profiles the data, and writes the model card, the data card and the site into OUT.
    """
    from ..demo import demo

    report = demo(out, site=not no_site, progress=not quiet, say=say(quiet))
    print_build(report)
    click.echo(
        f"\nLook at {out / 'build' / 'cards' / 'adult-income' / 'README.md'} (model "
        f"card), {out / 'build' / 'cards' / 'adult' / 'README.md'} (data card)"
        + ("" if no_site else f" and {out / 'site-project' / 'public' / 'index.html'} (site)")
        + "."
    )
    if report.tests_failed:
        click.echo(
            "The four-fifths-rule test fails: the example model selects women and "
            "some groups far less often. That is what the card is there to show."
        )
