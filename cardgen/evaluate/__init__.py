"""Disaggregated evaluation of a predictions table: `evaluate(data, label=..., ...)`.

The function here runs the steps, each in a module of its own: `requirements` (threshold
tests), `_encoding` (task inference and encoding), `_reading` (pandas, DuckDB, Spark),
`_selection` (which metrics), `_result` (the DisaggregatedEvaluation), `summary` (headline
metrics and the terminal summary), `_store` (files and facts). Importing the package loads
neither numpy nor pandas; nothing here prints (the CLI does).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import CardgenError
from ..schema import DatasetReference, DisaggregatedEvaluation, Inference
from ..schema.sources import EvaluateSource

if TYPE_CHECKING:
    import pandas as pd

    from ..metrics import positive_class, value_text
    from ._reading import CHUNK_ROWS
    from ._result import INTERVAL_METHOD
    from ._store import store_in_card, write_evaluation
    from .requirements import (
        FAIRNESS_MEASURES,
        MEASURE_RATES,
        Requirement,
        card_requirements,
        parse_requirement,
    )
    from .summary import (
        failed_tests,
        headline_metrics,
        inference_line,
        insufficient_by_measure,
        summary_table,
    )

_LAZY = {
    "CHUNK_ROWS": "._reading",
    "FAIRNESS_MEASURES": ".requirements",
    "INTERVAL_METHOD": "._result",
    "MEASURE_RATES": ".requirements",
    "Requirement": ".requirements",
    "card_requirements": ".requirements",
    "failed_tests": ".summary",
    "headline_metrics": ".summary",
    "inference_line": ".summary",
    "insufficient_by_measure": ".summary",
    "parse_requirement": ".requirements",
    "positive_class": "..metrics",
    "store_in_card": "._store",
    "summary_table": ".summary",
    "value_text": "..metrics",
    "write_evaluation": "._store",
}
"""Public names defined in the package's modules, loaded on first use."""

__all__ = [
    "CHUNK_ROWS",
    "FAIRNESS_MEASURES",
    "INTERVAL_METHOD",
    "MEASURE_RATES",
    "PROGRESS_MIN_ROWS",
    "Requirement",
    "card_requirements",
    "evaluate",
    "evaluate_for_card",
    "evaluate_source",
    "failed_tests",
    "headline_metrics",
    "inference_line",
    "insufficient_by_measure",
    "parse_requirement",
    "positive_class",
    "store_in_card",
    "summary_table",
    "value_text",
    "write_evaluation",
]

PROGRESS_MIN_ROWS = 200_000
"""Inputs at least this large get a progress bar (when progress is asked for)."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def evaluate(
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    label: str,
    pred: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    sensitive: Sequence[str] = (),
    pos_label: Any = None,
    task: str | None = None,
    metrics: Sequence[str] = (),
    headline_metrics: Sequence[str] = (),
    include_small_groups: bool = False,
    require: Sequence[str] = (),
    ci_method: Literal["bootstrap", "wilson", "none"] = "bootstrap",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    min_group_size: int = 30,
    reference: str | dict[str, str] | None = None,
    name: str | None = None,
    progress: bool = False,
    engine: str = "auto",
    score_bins: int = 512,
    spark_master: str = "local[*]",
    dataset_id: str | None = None,
    split: str | None = None,
    encoding: str = "utf-8",
) -> DisaggregatedEvaluation:
    """Disaggregated evaluation of predictions by group and intersectional group.

    Groups are the intersections of all `sensitive` features, and each feature alone; a
    missing sensitive value forms the group `(missing)`. Every metric gets a confidence
    interval and the count it rests on; a metric with an empty denominator is null with a
    reason, never 0. Point estimates equal fairlearn's `MetricFrame` on the same data.

    Args:
        data: a DataFrame, or a CSV, Parquet or JSON Lines file (read in chunks).
        label: column with the true label.
        pred: column with the predicted label (give `pred` or `score`).
        score: column with the positive-class score; prediction is `score >= threshold`.
        threshold: decision threshold for `score`; 0.5 when None, which needs scores in
            [0, 1] (scores outside it without a threshold are an error). With `pred` it is
            an error (predicted labels have nothing to cut).
        sensitive: sensitive feature columns.
        pos_label: the positive class (binary); 1 or True by default for 0/1 or bool labels.
        task: `binary`, `multiclass` or `regression`; inferred only when the columns allow
            no other reading, else an error asks for it. A `pred` column of fractions in
            [0, 1] beside labels with two values is an error that names `score`. Every
            inference (task, positive class, threshold) is stored in `inferences`.
        metrics: metric names (fairlearn / scikit-learn names); a default set per task.
        headline_metrics: the few metrics readers see first (always computed); a default
            set per task when empty (see `cardgen.metrics.HEADLINE_METRICS`).
        include_small_groups: let values that rest on fewer than `min_group_size`
            observations into gaps, fairness measures and tests (fairlearn's behaviour).
        require: threshold tests such as `demographic_parity_ratio>=0.8`.
        ci_method: `bootstrap` (every number), `wilson` (proportions; bootstrap for the
            rest) or `none`.
        n_boot: bootstrap replicates.
        ci: confidence level.
        seed: bootstrap seed.
        min_group_size: groups with fewer rows are flagged `small`; a metric value whose
            own denominator is smaller is insufficient evidence (left out of gaps).
        reference: reference group for disparities, `race=White,sex=Male`; default largest.
        name: the evaluation's name; the file stem (or `evaluation`) by default.
        progress: show progress bars for large inputs.
        engine: `auto`, `pandas`, `duckdb` or `spark` (see `cardgen.engines`): which engine
            computes the count table. DuckDB and Spark also read globs, hive-partitioned
            folders and (Spark) `spark:db.table`.
        score_bins: score-bin budget of ROC AUC, Brier score and calibration (see
            `cardgen.metrics.DEFAULT_SCORE_BINS`); 0 computes them from rows (pandas only).
        spark_master: Spark master URL when a new SparkSession is started.
        dataset_id: id of the dataset the predictions were made on (a Hub id such as
            `scikit-learn/adult-census-income`): the evaluation's dataset is named by it,
            and `model-index` names it so (never by a file name).
        split: the split of that dataset, e.g. `test`.
        encoding: text encoding of a CSV or JSON file (pandas engine; DuckDB and Spark
            read UTF-8).

    Returns:
        The evaluation; its `threshold_tests` say whether each requirement passed.

    Raises:
        CardgenError: for any problem with the input or the options, before anything is
            computed or written.

    Example:
        >>> ev = evaluate(df, label="y", pred="yhat", sensitive=["race", "sex"],
        ...               require=["demographic_parity_ratio>=0.8"])  # doctest: +SKIP
    """
    import pandas as pd

    from ..engines import choose_engine, engine_version
    from ..facts import collection_time, new_provenance
    from ..metrics import SCORE_METRICS, EncodedTable, disaggregate, disaggregate_cells, to_cells
    from ..tables import check_encoding
    from ._reading import read_engine, read_pandas
    from ._result import build_evaluation, parse_reference, score_bin_details
    from ._selection import choose_metrics
    from .requirements import parse_requirement

    requirements = [parse_requirement(r) for r in require]
    if (pred is None) == (score is None):
        raise CardgenError(
            "give exactly one of --pred (predicted labels) or --score (scores, with --threshold)"
        )
    if pred is not None and threshold is not None:
        raise CardgenError(
            f"--threshold {threshold:g} applies to scores, and --pred {pred} gives predicted "
            f"labels, which have nothing to cut; drop --threshold, or pass the scores with "
            f"--score COLUMN --threshold {threshold:g}"
        )
    if task not in (None, "binary", "multiclass", "regression"):
        raise CardgenError(f"unknown task {task!r}; use binary, multiclass or regression")
    if ci_method not in ("bootstrap", "wilson", "none"):
        raise CardgenError(f"unknown --ci-method {ci_method!r}; use bootstrap, wilson or none")
    if not 0 < ci < 1:
        raise CardgenError(f"--ci must be between 0 and 1, got {ci}")
    if n_boot < 1 and ci_method != "none":
        raise CardgenError(f"--n-boot must be at least 1, got {n_boot}")
    sensitive = list(sensitive)
    columns = [c for c in [label, pred, score, *sensitive] if c]
    if len(set(columns)) != len(columns):
        raise CardgenError(f"a column is used twice: {', '.join(columns)}")
    references = parse_reference(reference, sensitive)
    if score_bins < 0:
        raise CardgenError(f"--score-bins must be 0 or more, got {score_bins}")
    chosen = choose_engine(engine, data)
    check_encoding(encoding, chosen)
    if chosen == "pandas":
        encoded, dataset, input_hash, default_name = read_pandas(
            data,
            columns,
            encoding=encoding,
            label=label,
            pred=pred,
            score=score,
            sensitive=sensitive,
            task=task,
            threshold=threshold,
            pos_label=pos_label,
            progress=progress,
        )
    else:
        if score_bins == 0:
            raise CardgenError(
                f"--score-bins 0 (scores from rows) needs --engine pandas; "
                f"the {chosen} engine bins scores"
            )
        assert not isinstance(data, pd.DataFrame)  # choose_engine keeps frames on pandas
        encoded, dataset, input_hash, default_name = read_engine(
            chosen,
            data,
            label=label,
            pred=pred,
            score=score,
            sensitive=sensitive,
            task=task,
            threshold=threshold,
            pos_label=pos_label,
            score_bins=score_bins,
            spark_master=spark_master,
        )
    reported, computed, notes, headlines = choose_metrics(
        encoded, metrics, requirements, headline_metrics
    )
    table = encoded.table
    show = progress and table.n_rows >= PROGRESS_MIN_ROWS
    if isinstance(table, EncodedTable):
        results = disaggregate(
            table,
            computed,
            ci_method=ci_method,
            n_boot=n_boot,
            ci=ci,
            seed=seed,
            progress=show,
            score_bins=score_bins,
        )
        cell_table = (
            to_cells(table, score_bins)
            if (table.score is not None and score_bins and table.task == "binary")
            else None
        )
    else:
        results = disaggregate_cells(
            table, computed, ci_method=ci_method, n_boot=n_boot, ci=ci, seed=seed, progress=show
        )
        cell_table = table
    evaluation = build_evaluation(
        encoded,
        results,
        reported,
        requirements,
        notes,
        references,
        ci=ci,
        ci_method=ci_method,
        n_boot=n_boot,
        seed=seed,
        min_group_size=min_group_size,
        include_small=include_small_groups,
    )
    evaluation.headline_metrics = headlines
    evaluation.inferences = [
        Inference(option=option, value=value, evidence=evidence)
        for option, value, evidence in encoded.inferences
    ]
    evaluation.name = name or default_name
    evaluation.label_column, evaluation.prediction_column = label, pred
    evaluation.score_column = score
    evaluation.threshold = (0.5 if threshold is None else threshold) if score else None
    if dataset_id or split:
        # Named by its id: the file read holds predictions made on that dataset.
        base = dataset or DatasetReference(name=evaluation.name)
        update = {"name": dataset_id or base.name, "id": dataset_id, "split": split}
        dataset = base.model_copy(update=update)
    evaluation.dataset = dataset
    evaluation.details["input"] = {"rows": table.n_rows, "columns": columns}
    evaluation.details["engine"] = chosen
    if (
        cell_table is not None
        and cell_table.score is not None
        and any(m in SCORE_METRICS for m in computed)
    ):
        evaluation.details["score_bins"] = score_bin_details(cell_table)
    distribution, version = engine_version(chosen)
    evaluation.provenance = new_provenance(
        "evaluate",
        libraries=tuple(dict.fromkeys(("numpy", "pandas", "pyarrow", distribution))),
        collected_at=collection_time(),
        uri=str(data) if dataset or chosen != "pandas" else None,
        input_sha256=input_hash,
        seed=seed if ci_method != "none" else None,
        engine=f"{chosen} {version}",
    )
    return evaluation


def evaluate_source(
    source: EvaluateSource, name: str | None = None, progress: bool = False
) -> DisaggregatedEvaluation:
    """Run the evaluation a spec's `sources.evaluate` entry describes (see `evaluate`)."""
    return evaluate(
        source.data,
        label=source.label,
        pred=source.pred,
        score=source.score,
        threshold=source.threshold,
        sensitive=source.sensitive,
        pos_label=source.pos_label,
        task=source.task,
        metrics=source.metrics,
        headline_metrics=source.headline_metrics,
        include_small_groups=source.include_small_groups,
        require=source.require,
        ci_method=source.ci_method,
        n_boot=source.n_boot,
        ci=source.ci,
        seed=source.seed,
        min_group_size=source.min_group_size,
        reference=source.reference,
        name=name,
        progress=progress,
        engine=source.engine,
        score_bins=source.score_bins,
        spark_master=source.spark_master,
        dataset_id=source.dataset_id,
        split=source.split,
        encoding=source.encoding,
    )


def evaluate_for_card(
    data: str,
    *,
    card: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    **options: Any,
) -> tuple[DisaggregatedEvaluation, Path | None]:
    """`evaluate` a file for the card a spec file defines, as `cardgen evaluate` does.

    The requirements the spec declares for `data` join `options["require"]`; the result
    is written to `out` as JSON and stored as the card's fact `evaluate-<name>`.

    Returns:
        The evaluation and the fact's path (None without `card`).
    """
    from ._store import store_in_card, write_evaluation
    from .requirements import card_requirements

    if card is not None:
        options["require"] = [*options.get("require", ()), *card_requirements(card, data)]
    evaluation = evaluate(data, **options)
    if out:
        write_evaluation(evaluation, out)
    return evaluation, store_in_card(card, evaluation) if card is not None else None
