"""`cardgen verify` and `cardgen collect verify`: re-run a card's claims, print the verdicts,
apply the gate.

They parse and print; the verification is `cardgen.verify`'s.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from .._words import count
from ..errors import CardgenError
from .hub_batch import budget_option, hub_progress, request_line
from .options import (
    card_option,
    confidence_option,
    device_option,
    endpoint_option,
    facts_option,
    out_file_option,
    path_option,
    quiet_option,
    reports_errors,
    sized_option,
    stacked,
)

_verify_options = stacked(
    click.option(
        "--model",
        default=None,
        help="Model to re-run: a transformers folder or Hub id, or a .skops file. Default: "
        "the Hub repository of a hub: card, or a spec's first run source.",
    ),
    click.option(
        "--data",
        "data",
        multiple=True,
        metavar="DATASET_ID=PATH",
        help="Read a claimed dataset from a local file or saved `datasets` folder instead of "
        "the Hub; `*=PATH` stands for any dataset not named. Repeatable.",
    ),
    click.option(
        "--predictions",
        multiple=True,
        metavar="DATASET_ID=PATH",
        help="Evaluate this predictions table (as `cardgen run` writes it) for the claims on "
        "a dataset instead of running the model. Repeatable.",
    ),
    click.option(
        "--task",
        "tasks",
        multiple=True,
        metavar="DATASET_ID=TASK",
        help="lm-evaluation-harness task that measures the claims on a dataset. Repeatable.",
    ),
    click.option(
        "--task-path",
        type=click.Path(exists=True, file_okay=False),
        default=None,
        help="Folder of lm-evaluation-harness task YAMLs of your own (--include_path).",
    ),
    click.option(
        "--log",
        "logs",
        multiple=True,
        type=click.Path(exists=True),
        help="An lm-evaluation-harness output or Inspect AI log that measures LM claims "
        "(instead of running the harness). Repeatable.",
    ),
    click.option(
        "--label-column", default=None, help="Column with the true label [default: label]."
    ),
    click.option(
        "--text-column",
        default=None,
        help="Column with the input text, for transformers models [default: text].",
    ),
    click.option(
        "--pos-label",
        default=None,
        help="Positive class of a binary task [default: the model's second class].",
    ),
    sized_option(
        "--limit",
        "Re-run only the first N rows or questions; every verdict says so, and the "
        "interval is the sample's.",
    ),
    click.option(
        "--tolerance",
        type=click.FloatRange(min=0),
        default=0.0,
        show_default=True,
        help="Absolute widening of each measured interval (e.g. 0.005 for claims rounded "
        "to two decimals).",
    ),
    confidence_option("Confidence level of the measured intervals."),
    click.option(
        "--n-boot",
        type=click.IntRange(min=1),
        default=1000,
        show_default=True,
        help="Bootstrap replicates of each interval.",
    ),
    click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed."),
    device_option,
    sized_option("--batch-size", "Rows per batch."),
    click.option(
        "--trust-pickle",
        is_flag=True,
        help="Allow pickle/joblib models and types a .skops file marks as untrusted.",
    ),
    endpoint_option(),
    facts_option("Project folder whose .cardgen/ facts a spec's claims come from."),
    quiet_option("No progress bar."),
)


def _settings(options: dict[str, Any]) -> Any:
    from ..verify import Options, parse_mapping

    return Options(
        model=options["model"],
        data=parse_mapping(options["data"], "--data"),
        predictions=parse_mapping(options["predictions"], "--predictions"),
        tasks=parse_mapping(options["tasks"], "--task"),
        logs=list(options["logs"]),
        task_path=options["task_path"],
        label_column=options["label_column"],
        text_column=options["text_column"],
        pos_label=options["pos_label"],
        limit=options["limit"],
        tolerance=options["tolerance"],
        ci=options["ci"],
        n_boot=options["n_boot"],
        seed=options["seed"],
        device=options["device"],
        batch_size=options["batch_size"],
        trust_pickle=options["trust_pickle"],
        endpoint=options["endpoint"],
        progress=not options["quiet"],
    )


def _run(card: str, options: dict[str, Any]) -> Any:
    from ..verify import verify

    return verify(card, _settings(options), root=options["root"])


@click.command("verify")
@click.argument("cards", metavar="[CARD]...", nargs=-1)
@click.option(
    "--author",
    "authors",
    multiple=True,
    help="Verify the claims of every model repository of a Hub user/org (repeatable).",
)
@click.option(
    "--from-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Verify the claims of the Hub repositories listed in this file (one id a line, "
    "# comments).",
)
@_verify_options
@budget_option
@out_file_option(
    "Write every claim's verdict, interval and the runs' provenance as JSON "
    "(verify.json; written only when the verification finishes; for many cards, one "
    "report with the Hub requests)."
)
@path_option(
    "--markdown",
    "markdown_out",
    dir_okay=False,
    help_text="Write a Markdown summary; it is also appended to $GITHUB_STEP_SUMMARY when set.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["unverifiable"]),
    multiple=True,
    help="Also exit 1 when a claim is unverifiable (discrepant claims always fail).",
)
@reports_errors
def verify_command(
    cards: tuple[str, ...],
    authors: tuple[str, ...],
    from_file: Any,
    budget: Any,
    out: Path | None,
    markdown_out: Path | None,
    fail_on: tuple[str, ...],
    **options: Any,
) -> None:
    """Re-run the claims of CARD and give each a verdict: consistent, discrepant or
    unverifiable (with the reason).

    CARD is a Hub README (with .eval_results/*.yaml beside it), a spec (cards/NAME.yaml:
    its claims as they would render) or hub:OWNER/NAME. A claim is consistent when its
    value lies inside the measured value's 95% interval (widened by --tolerance).
    Exit code 1 when any claim is discrepant (or unverifiable, with --fail-on
    unverifiable); 0 otherwise, also for a card with no claims.

    Many Hub cards (--author, --from-file or several hub: CARDs) are read in bulk: each
    repository's claims come from listing pages (about 1,000 repositories per API call),
    no README is downloaded, and requests are paced to the Hub's rate-limit budget. One
    line per repository, then the totals and the requests per repository; a repository
    that cannot be read is named and the others go on.
    """
    from ..verify import failed, markdown, terminal_table, write_verification

    gate = ("discrepant", *fail_on)
    if authors or from_file is not None or len(cards) > 1:
        if markdown_out is not None:
            raise CardgenError("--markdown is for one card")
        _verify_many(cards, authors, from_file, budget, out, gate, options)
        return
    if len(cards) != 1:
        raise CardgenError("give a CARD, several hub: CARDs, --author or --from-file")
    if budget is not None:
        raise CardgenError("--budget is for many Hub cards (--author, --from-file)")
    card = cards[0]
    verification = _run(card, options)
    click.echo(terminal_table(verification), nl=False)
    if out is not None:
        click.echo(f"wrote {write_verification(verification, out)}", err=True)
    if markdown_out is not None:
        from .._io import atomic_write_text

        atomic_write_text(markdown_out, markdown(verification, gate))
        click.echo(f"wrote {markdown_out}", err=True)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(markdown(verification, gate))
    bad = failed(verification, gate)
    if bad:
        click.echo(
            f"error: {count(len(bad), 'claim')} {' or '.join(sorted({c.status for c in bad}))}",
            err=True,
        )
        sys.exit(1)


def _verify_many(
    cards: tuple[str, ...],
    authors: tuple[str, ...],
    from_file: Any,
    budget: Any,
    out: Path | None,
    gate: tuple[str, ...],
    options: dict[str, Any],
) -> None:
    from ..hub.collect import listed_repos
    from ..verify.claims import HUB_PREFIX
    from ..verify.many import verify_hub, write_many_report

    local = [card for card in cards if not card.startswith(HUB_PREFIX)]
    if local:
        raise CardgenError(f"{local[0]}: many cards are Hub cards (hub:OWNER/NAME)")
    ids = [card.removeprefix(HUB_PREFIX) for card in cards]
    ids += listed_repos(from_file, None) if from_file is not None else []
    if not ids and not authors:
        raise CardgenError("no repositories to verify")
    quiet = options["quiet"]
    with hub_progress("verify hub", len(ids) or None, quiet=quiet) as (progress, on_wait):
        report = verify_hub(
            ids,
            authors=authors,
            options=_settings({**options, "quiet": True}),
            budget=budget,
            progress=progress,
            on_wait=on_wait,
        )
    for line in _many_lines(report, quiet=quiet):
        click.echo(line)
    for problem in report.problems:
        click.echo(f"warning: {problem.source}: {problem.problem}: {problem.message}", err=True)
    click.echo(request_line(report.repositories, report.requests, report.throttled, report.waited))
    if out is not None:
        click.echo(f"wrote {write_many_report(report, out)}", err=True)
    bad = report.failed(gate)
    if bad:
        statuses = " or ".join(sorted({check.status for _, check in bad}))
        repos = len({repo for repo, _ in bad})
        click.echo(
            f"error: {count(len(bad), 'claim')} {statuses} in {count(repos, 'repository')}",
            err=True,
        )
        sys.exit(1)


def _many_lines(report: Any, *, quiet: bool = False) -> list[str]:
    """One line per repository verified (each failing claim below it), then the totals."""
    from ..render.filters import claim_label, claims_summary

    lines = []
    for verdict in report.verified:
        verification = verdict.verification
        if not quiet:
            lines.append(f"{verdict.source}: {claims_summary(verification)}")
            lines += [f"  note: {note}" for note in verification.notes]
        lines += [
            f"  {check.status.upper()} {claim_label(check)}: {check.reason}"
            for check in verification.claims
            if check.status == "discrepant"
        ]
    counts = report.counts()
    with_claims = sum(bool(v.verification.claims) for v in report.verified)
    lines.append(
        f"{count(len(report.verified), 'repository')} verified: {with_claims:,} with claims, "
        f"{len(report.verified) - with_claims:,} without; {count(sum(counts.values()), 'claim')}: "
        + ", ".join(f"{n:,} {status}" for status, n in counts.items())
        + (f"; {count(len(report.problems), 'problem')}" if report.problems else "")
    )
    return lines


@click.command("verify")
@click.argument("card")
@card_option("Spec whose facts receive the verification (.cardgen/NAME/verify.json).", exists=True)
@_verify_options
@reports_errors
def collect_verify_command(card: str, card_path: Path | None, **options: Any) -> None:
    """Re-run the claims of CARD and store the verdicts as a fact of the spec --card.

    CARD is the spec itself, a README or hub:OWNER/NAME (see `cardgen verify`). The
    rendered README and the site then show a "Claims checked" section; no gate is applied
    here (`cardgen verify` and `cardgen build` apply it).
    """
    from ..errors import CardgenError
    from ..facts import write_fact
    from ..spec import load_spec
    from ..verify import terminal_table

    if card_path is None:
        raise CardgenError("give --card cards/NAME.yaml: the spec that keeps the verification")
    name = load_spec(card_path).name
    verification = _run(card, options)
    click.echo(terminal_table(verification), nl=False)
    click.echo(f"wrote {write_fact(name, 'verify', verification, options['root'])}")
