"""`cardgen evaluate`: disaggregated evaluation of a predictions table.

It parses and prints; the evaluation is `cardgen.evaluate`'s. The metric names in its help
are literal so that `cardgen --help` starts without numpy.
"""

from __future__ import annotations

from typing import Any

import click

from .._words import count
from ..errors import CardgenError
from .options import (
    confidence_option,
    encoding_option,
    engine_option,
    min_group_size_option,
    reports_errors,
    spark_master_option,
)

METRIC_NAMES = (
    "accuracy, balanced_accuracy, base_rate, brier_score, expected_calibration_error, f1, "
    "f1_macro, false_negative_rate, false_positive_rate, mean_absolute_error, mean_label, "
    "mean_prediction, precision, r2_score, recall, roc_auc, root_mean_squared_error, "
    "selection_rate, true_negative_rate, true_positive_rate"
)
"""Metric names for `--help` (kept literal so the CLI starts without numpy; a test checks
them against `cardgen.metrics`)."""


@click.command("evaluate")
@click.argument("file", type=click.Path())
@click.option("--label", required=True, help="Column with the true label.")
@click.option(
    "--pred",
    help="Column with the predicted label (give --pred or --score); probabilities "
    "given as --pred are an error that names --score.",
)
@click.option("--score", help="Column with the positive-class score; prediction = score >= T.")
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="Decision threshold T applied to --score [default: 0.5, which needs scores in "
    "[0, 1]]; an error with --pred.",
)
@click.option(
    "--sensitive",
    "sensitive",
    multiple=True,
    help="Sensitive feature column (repeatable): groups are their intersections, "
    "and each feature alone is reported too.",
)
@click.option("--pos-label", help="Label value of the positive class (binary tasks).")
@click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    help="Task type; inferred only when the columns allow no other reading (each "
    "inference is printed and stored), else an error asks for it.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Metric to report (repeatable); a default set per task when omitted. "
    "Names: " + METRIC_NAMES + ".",
)
@click.option(
    "--headline-metric",
    "headline_metrics",
    multiple=True,
    help="Metric readers see first (repeatable) [default per task; binary: "
    "selection_rate, true_positive_rate, false_positive_rate, "
    "false_negative_rate, precision, accuracy, roc_auc with --score].",
)
@click.option(
    "--require",
    "require",
    multiple=True,
    help="Threshold test such as 'demographic_parity_ratio>=0.8' (repeatable); "
    "any failure makes the exit code 1.",
)
@click.option(
    "--ci-method",
    type=click.Choice(["bootstrap", "wilson", "none"]),
    default="bootstrap",
    show_default=True,
    help="Confidence intervals: bootstrap, Wilson for proportions, or none.",
)
@click.option(
    "--n-boot",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap replicates.",
)
@confidence_option()
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@min_group_size_option(
    "Groups with fewer rows are flagged as small; a value resting on fewer "
    "observations (its own denominator) is insufficient evidence, left out "
    "of gaps, fairness measures and tests."
)
@click.option(
    "--include-small-groups",
    is_flag=True,
    help="Let insufficient-evidence values into gaps, fairness measures and tests "
    "(fairlearn's behaviour).",
)
@click.option(
    "--reference",
    help="Reference group for disparities, e.g. "
    "'race=White,sex=Male'; the largest group by default.",
)
@click.option("--name", help="Evaluation name; the file's stem by default.")
@click.option(
    "--dataset-id",
    help="Id of the dataset the predictions were made on (a Hub id such as "
    "scikit-learn/adult-census-income): model-index names the dataset by it, never by "
    "the file name, and leaves the results out without it.",
)
@click.option("--split", help="Split of that dataset, e.g. test (model-index states it).")
@engine_option(
    "Engine that aggregates the counts: auto is pandas for files up to 256 MiB, "
    "DuckDB for larger files, globs and folders (the duckdb extra), Spark for "
    "spark:db.table and URIs such as s3a://... (the spark extra)."
)
@click.option(
    "--score-bins",
    type=click.IntRange(min=0),
    default=512,
    show_default=True,
    help="Score bins for ROC AUC, Brier score and calibration: exact when the "
    "scores have at most this many distinct values; 0: from rows (pandas).",
)
@spark_master_option
@click.option("--out", type=click.Path(dir_okay=False), help="Write the evaluation JSON here.")
@click.option(
    "--card",
    type=click.Path(dir_okay=False),
    help="Store the evaluation as a fact of this card (cards/NAME.yaml).",
)
@encoding_option
@reports_errors
def evaluate_command(file: str, card: str | None, out: str | None, **options: Any) -> None:
    """Disaggregated evaluation of a predictions table (CSV, Parquet, JSON Lines or a JSON
    array of records; with --engine duckdb or spark also a glob, a hive-partitioned folder
    or spark:db.table).

    Metrics per group and intersectional group, with confidence intervals, disparities,
    fairness measures and threshold tests.
    """
    from ..evaluate import evaluate_for_card, failed_tests, inference_line, summary_table

    evaluation, stored = evaluate_for_card(file, card=card, out=out, progress=True, **options)
    for inference in evaluation.inferences:
        click.echo(inference_line(inference), err=True)
    if stored is not None:
        click.echo(f"stored {stored}", err=True)
    click.echo(summary_table(evaluation))
    failed = failed_tests(evaluation)
    if failed:
        raise CardgenError(
            f"{len(failed)} of {count(len(evaluation.threshold_tests), 'requirement')} "
            f"failed: {', '.join(t.expression for t in failed)}"
        )
