"""`cardgen compare`: two runs, task by task, with paired errors and flips.

It parses and prints; the comparison is `cardgen.compare`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from .._words import count
from ..errors import CardgenError
from .options import (
    confidence_option,
    dotted_path_option,
    out_file_option,
    path_option,
    reports_errors,
)


@click.command("compare")
@click.argument("baseline", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--max-regression",
    type=click.FloatRange(min=0),
    default=None,
    metavar="D",
    help="Exit 1 when the CI's lower bound of NEW - BASELINE is below -D on any task, e.g. 0.01.",
)
@click.option(
    "--max-negative-flip-rate",
    type=click.FloatRange(0, 1),
    default=None,
    metavar="X",
    help="Exit 1 when the 95% Wilson upper bound of the share of instances right in "
    "BASELINE and wrong in NEW is above X on any task, e.g. 0.02.",
)
@click.option(
    "--id",
    "id_column",
    default=None,
    metavar="COL",
    help="Pair two predictions tables (.csv, .parquet, .jsonl) by this instance id column.",
)
@click.option(
    "--label",
    "label_column",
    default="label",
    show_default=True,
    help="Predictions tables: the true-label column.",
)
@click.option(
    "--pred",
    "pred_column",
    default="prediction",
    show_default=True,
    help="Predictions tables: the predicted-label column.",
)
@out_file_option("Write the differences as JSON (diff.json).")
@path_option(
    "--markdown",
    "markdown_out",
    dir_okay=False,
    help_text="Write a Markdown table (for a job summary or PR comment); "
    "it is also appended to $GITHUB_STEP_SUMMARY when that is set.",
)
@dotted_path_option("--cluster-key", "Dotted path in each sample to cluster questions by.")
@dotted_path_option(
    "--id-key",
    "Dotted path of an lm-eval sample's question id, which pairs questions "
    "(e.g. doc.id when the two runs ordered the data differently).",
    default="doc_id",
)
@confidence_option()
@click.option(
    "--power",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="Power of the minimum detectable effect.",
)
@reports_errors
def compare_command(
    baseline: Path,
    new: Path,
    max_regression: float | None,
    max_negative_flip_rate: float | None,
    id_column: str | None,
    label_column: str,
    pred_column: str,
    out: Path | None,
    markdown_out: Path | None,
    cluster_key: str | None,
    id_key: str,
    ci: float,
    power: float,
) -> None:
    """Compare two runs per task: NEW - BASELINE with a paired SE, and the flips.

    BASELINE and NEW are lm-eval outputs, Inspect AI logs, card specs whose LM
    evaluations were collected, or two predictions tables paired by --id. Differences are
    paired over the question ids both runs share (unpaired, and said so, otherwise), with
    a CI and the minimum detectable effect; with right/wrong scores, negative flips (right
    before, wrong now) and positive flips are counted with Wilson intervals and McNemar's
    exact test.
    """
    from ..compare import (
        append_step_summary,
        compare_runs,
        load_run,
        terminal_table,
        write_outputs,
    )

    runs = [
        load_run(
            p,
            cluster_key=cluster_key,
            id_key=id_key,
            id_column=id_column,
            label_column=label_column,
            pred_column=pred_column,
        )
        for p in (baseline, new)
    ]
    for run in runs:
        for warning in run.warnings:
            click.echo(f"warning: {warning}", err=True)
    comparison = compare_runs(
        *runs,
        level=ci,
        power=power,
        max_regression=max_regression,
        max_negative_flip_rate=max_negative_flip_rate,
    )
    click.echo(terminal_table(comparison), nl=False)
    if max_regression is not None:
        for row in comparison.rows:
            if row.ci_low is None:
                click.echo(
                    f"warning: {row.task} {row.metric}: no standard error, so "
                    "--max-regression cannot judge it",
                    err=True,
                )
    for path in write_outputs(comparison, out, markdown_out):
        click.echo(f"wrote {path}", err=True)
    append_step_summary(comparison)
    failures = []
    if comparison.regressions:
        failures.append(
            f"{count(len(comparison.regressions), 'task metric')} "
            f"{'regresses' if len(comparison.regressions) == 1 else 'regress'} by more than "
            f"{max_regression:g}: "
            + ", ".join(f"{r.task} {r.metric}" for r in comparison.regressions)
        )
    if comparison.flip_failures:
        failures.append(
            f"{count(len(comparison.flip_failures), 'task metric')} may flip more than "
            f"{max_negative_flip_rate:g} of instances from right to wrong: "
            + ", ".join(f"{r.task} {r.metric}" for r in comparison.flip_failures)
        )
    if failures:
        raise CardgenError("\n".join(failures))
