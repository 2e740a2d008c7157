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


def _run(card: str, options: dict[str, Any]) -> Any:
    from ..verify import Options, parse_mapping, verify

    settings = Options(
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
    return verify(card, settings, root=options["root"])


@click.command("verify")
@click.argument("card")
@_verify_options
@out_file_option(
    "Write every claim's verdict, interval and the runs' provenance as JSON "
    "(verify.json; written only when the verification finishes)."
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
    card: str, out: Path | None, markdown_out: Path | None, fail_on: tuple[str, ...], **options: Any
) -> None:
    """Re-run the claims of CARD and give each a verdict: consistent, discrepant or
    unverifiable (with the reason).

    CARD is a Hub README (with .eval_results/*.yaml beside it), a spec (cards/NAME.yaml:
    its claims as they would render) or hub:OWNER/NAME. A claim is consistent when its
    value lies inside the measured value's 95% interval (widened by --tolerance).
    Exit code 1 when any claim is discrepant (or unverifiable, with --fail-on
    unverifiable); 0 otherwise, also for a card with no claims.
    """
    from ..verify import failed, markdown, terminal_table, write_verification

    verification = _run(card, options)
    click.echo(terminal_table(verification), nl=False)
    gate = ("discrepant", *fail_on)
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
