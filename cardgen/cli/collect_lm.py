"""`cardgen collect lm-eval` and `cardgen collect inspect`: harness logs as evaluation facts.

They parse and print; reading the logs is `cardgen.collect.lm_eval` and `inspect_log`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import (
    card_option,
    confidence_option,
    dotted_path_option,
    out_file_option,
    reports_errors,
    stacked,
)

lm_options = stacked(
    card_option(
        "Card spec cards/NAME.yaml: store one fact per task in "
        ".cardgen/NAME/ (per-question scores in .cardgen/NAME/samples/).",
        exists=True,
    ),
    dotted_path_option(
        "--cluster-key",
        "Dotted path in each sample to cluster questions by (e.g. "
        "doc.passage_id): the SE becomes statsmodels' cluster-robust SE.",
    ),
    confidence_option(),
    out_file_option("Also write the evaluations as JSON to this file."),
    click.option(
        "--dataset-id",
        default=None,
        metavar="ORG/NAME",
        help="Hub dataset id of the benchmark, for .eval_results entries when the "
        "harness names its data otherwise (a local json file).",
    ),
)


def _report_lm_run(run: Any, card_path: Path | None, out: Path | None) -> None:
    from ..collect.lm_common import store_run_outputs

    for warning in run.warnings:
        click.echo(f"warning: {warning}", err=True)
    written = store_run_outputs(run, card_path, out)
    for task in run.tasks:
        evaluation = task.evaluation
        for name, value in evaluation.overall.items():
            if value.value is None:
                click.echo(f"{evaluation.name} {name}: undefined ({value.undefined_reason})")
                continue
            error = (
                f" ± {value.se:.4f} (SE, {value.ci_method}) [{value.ci_low:.4f}, "
                f"{value.ci_high:.4f}]"
                if value.se is not None
                else " (no SE)"
            )
            click.echo(f"{evaluation.name} {name}: {value.value:.4f}{error} n={value.n}")
    if card_path is None and out is None:
        click.echo("note: nothing stored; give --card cards/NAME.yaml or --out FILE", err=True)
    for path in written:
        click.echo(f"wrote {path}")


@click.command("lm-eval")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@lm_options
@dotted_path_option(
    "--id-key",
    "Dotted path of the question id in each sample (used for pairing).",
    default="doc_id",
)
@reports_errors
def collect_lm_eval_command(
    path: Path,
    card_path: Path | None,
    cluster_key: str | None,
    ci: float,
    out: Path | None,
    dataset_id: str | None,
    id_key: str,
) -> None:
    """Read lm-evaluation-harness output: PATH is a results_*.json or its output folder.

    Per-question scores come from the samples_*.jsonl written with --log_samples; without
    them the harness's own stderr is used and labelled as such.
    """
    from ..collect.lm_eval import read_lm_eval

    _report_lm_run(
        read_lm_eval(path, cluster_key=cluster_key, id_key=id_key, level=ci, dataset_id=dataset_id),
        card_path,
        out,
    )


@click.command("inspect")
@click.argument("log", type=click.Path(exists=True, path_type=Path))
@lm_options
@reports_errors
def collect_inspect_command(
    log: Path,
    card_path: Path | None,
    cluster_key: str | None,
    ci: float,
    out: Path | None,
    dataset_id: str | None,
) -> None:
    """Read Inspect AI logs (LOG: a .eval or .json log, or a folder of them)."""
    from ..collect.inspect_log import read_inspect

    _report_lm_run(
        read_inspect(log, cluster_key=cluster_key, level=ci, dataset_id=dataset_id), card_path, out
    )
