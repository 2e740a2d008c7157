"""Where a card's facts come from: the `sources` block of a spec.

It names inputs for the collectors (hub, run, evaluate, probe, profile, verify); it holds no
results.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from ._base import CardModel, StrList, _one_or_many


def _known_metric_names() -> list[str]:
    from ..metrics import BINARY_COUNT_METRICS, PER_CLASS, REGRESSION_METRICS, SCORE_METRICS

    return sorted(
        {*BINARY_COUNT_METRICS, *SCORE_METRICS, *REGRESSION_METRICS, "f1_macro", *PER_CLASS}
        - {"count"}
    )


def _check_metric_name(name: str) -> str:
    known = _known_metric_names()
    base = name.split("[", 1)[0] if name.endswith("]") else name
    if base not in known:
        raise ValueError(
            f"unknown metric {name!r}; expected one of: {', '.join(known)} "
            f"(multiclass per-class metrics as `recall[CLASS]`)"
        )
    return name


MetricNames = Annotated[
    list[Annotated[str, AfterValidator(_check_metric_name)]], BeforeValidator(_one_or_many)
]
"""Metric names checked against the metrics cardgen computes (one name or a list)."""


class HubSource(CardModel):
    """A Hugging Face Hub repository to collect metadata and card data from."""

    repo_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
    """Repository id, e.g. `google-bert/bert-base-uncased`."""
    repo_type: Literal["model", "dataset"] = "model"
    """Kind of repository."""
    revision: str | None = None
    """Branch, tag or commit sha; the default branch when omitted."""


class RunSource(CardModel):
    """A local inference run that produces a predictions table."""

    model: str
    """Model folder, Hub id, or `.skops` file."""
    data: str
    """Evaluation data: CSV, Parquet, JSON (Lines or an array of records), a saved `datasets`
    folder or `hub:ORG/NAME`."""
    split: str | None = None
    """Split of a Hub dataset."""
    text_column: str | None = None
    """Column holding the input text (transformers models)."""
    label_column: str | None = None
    """Column holding the true label."""
    sensitive: StrList = Field(default_factory=list)
    """Columns to keep in the predictions table for disaggregation."""
    device: str = "auto"
    """`auto`, `cpu`, `cuda`, `cuda:N` or `mps`."""
    output: str | None = None
    """Where to write the predictions table."""
    encoding: str = "utf-8"
    """Text encoding of a CSV or JSON file, e.g. `cp1252` or `latin-1`."""


class EvaluateSource(CardModel):
    """A disaggregated evaluation over a predictions table."""

    data: str
    """Predictions table: CSV, Parquet or JSON (Lines or an array of records), or a `run`
    source's output."""
    dataset_id: str | None = None
    """Id of the dataset the predictions were made on, e.g. the Hub id
    `scikit-learn/adult-census-income`: `model-index` names the dataset by it (never by the
    file name), and leaves the results out without it."""
    split: str | None = None
    """Split of that dataset, e.g. `test` (`model-index` states it)."""
    label: str
    """Column with the true label."""
    pred: str | None = None
    """Column with the predicted label (give `pred` or `score`)."""
    score: str | None = None
    """Column with the score or probability of the positive class."""
    threshold: float | None = None
    """Prediction is `score >= threshold`; 0.5 when omitted, which needs scores in [0, 1]."""
    sensitive: StrList = Field(default_factory=list)
    """Sensitive features; groups are their intersections, and each alone is reported too."""
    pos_label: str | None = None
    """Label value of the positive class."""
    task: Literal["binary", "multiclass", "regression"] | None = None
    """Task type; inferred from the labels when omitted."""
    metrics: StrList = Field(default_factory=list)
    """Metric names; a default set per task when empty."""
    require: StrList = Field(default_factory=list)
    """Threshold tests, e.g. `demographic_parity_ratio>=0.8`; any failure fails the build."""
    ci_method: Literal["bootstrap", "wilson"] = "bootstrap"
    """How confidence intervals are computed."""
    n_boot: int = Field(default=1000, ge=1)
    """Bootstrap replicates."""
    ci: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level."""
    seed: int = 0
    """Random seed of the bootstrap."""
    min_group_size: int = Field(default=30, ge=0)
    """Groups with fewer rows are flagged."""
    reference: str | None = None
    """Reference group for disparities, e.g. `race=White,sex=Male`; the largest group if omitted."""
    engine: Literal["auto", "pandas", "duckdb", "spark"] = "auto"
    """Engine that aggregates the counts: `auto` picks pandas for small files, DuckDB for
    large files, globs and folders, Spark for `spark:db.table`."""
    score_bins: int = Field(default=512, ge=0)
    """Score bins for ROC AUC, Brier score and calibration (exact up to this many distinct
    scores); 0 computes them from rows (pandas engine)."""
    spark_master: str = "local[*]"
    """Spark master URL for the `spark` engine."""
    headline_metrics: MetricNames = Field(default_factory=list)
    """The few metrics readers see first; a default set per task when empty (binary:
    selection_rate, true_positive_rate, false_positive_rate, false_negative_rate, precision,
    accuracy, and roc_auc with scores)."""
    include_small_groups: bool = False
    """Let values resting on fewer than `min_group_size` observations into gaps, fairness
    measures and threshold tests (fairlearn's behaviour); left out by default."""
    encoding: str = "utf-8"
    """Text encoding of a CSV or JSON file (pandas engine), e.g. `cp1252` or `latin-1`."""

    @model_validator(mode="after")
    def _threshold_needs_scores(self) -> EvaluateSource:
        if self.pred is not None and self.threshold is not None:
            raise ValueError(
                "`threshold` applies to `score`; `pred` gives predicted labels, which have "
                "nothing to cut: drop `threshold`, or name the scores with `score`"
            )
        return self


class ProbeSource(CardModel):
    """A decision-discrimination probe of a language model (discrim-eval style)."""

    model: str
    """Causal language model folder or Hub id."""
    prompts: str | None = None
    """discrim-eval JSON Lines; the shipped subset when omitted."""
    baseline: dict[str, str] = Field(default_factory=dict)
    """Baseline demographic values, e.g. `{age: '60', gender: male, race: white}`."""


class LMEvalSource(CardModel):
    """Output of an LM evaluation harness (lm-evaluation-harness or Inspect AI) to collect."""

    path: str
    """lm-eval `results_*.json` or its `--output_path` folder; an Inspect `.eval`/`.json` log
    or a folder of logs."""
    cluster_key: str | None = None
    """Dotted path in each sample to cluster questions by (e.g. `doc.passage_id` for
    lm-eval, `metadata.passage_id` for Inspect): the SE becomes cluster-robust."""
    dataset_id: str | None = None
    """Hub dataset id of the benchmark, for `.eval_results` entries when the harness names
    its data otherwise (a local `json` builder, a file)."""
    baseline: str | None = None
    """A baseline run (same kinds as `path`) to compare against with paired differences."""
    max_regression: float | None = Field(default=None, ge=0)
    """Fail the build when the 95% CI's lower bound of NEW - BASELINE is below
    -max_regression on any shared task."""


class VerifySource(CardModel):
    """Re-run the card's claims (`cardgen verify`) and record a verdict per claim."""

    card: str | None = None
    """What to verify: the spec itself when omitted (its `model-index` and `.eval_results`
    as rendered), or a README or `hub:OWNER/NAME` whose claims the card adopts."""
    model: str | None = None
    """Model to re-run: a transformers folder, Hub id or `.skops` file; the first `run`
    source's model when omitted."""
    data: dict[str, str] = Field(default_factory=dict)
    """Claimed dataset id -> local file or `datasets` folder it stands for; `"*"` stands for
    any dataset not named (e.g. `{"*": ../data/test.csv}`)."""
    predictions: dict[str, str] = Field(default_factory=dict)
    """Claimed dataset id -> a predictions table (as `cardgen run` writes) to evaluate
    instead of running the model."""
    task: dict[str, str] = Field(default_factory=dict)
    """Claimed dataset id -> lm-evaluation-harness task that measures it."""
    task_path: str | None = None
    """Folder of the harness's task YAMLs for tasks of your own (`--include_path`)."""
    log: StrList = Field(default_factory=list)
    """lm-evaluation-harness outputs or Inspect AI logs that measure LM claims."""
    label_column: str | None = None
    """Column with the true label (`label` when omitted)."""
    text_column: str | None = None
    """Column with the input text (transformers models; `text` when omitted)."""
    pos_label: str | None = None
    """Positive class of a binary task; the model's second class when omitted."""
    limit: int | None = Field(default=None, ge=1)
    """Re-run only the first N rows or questions (the interval is the sample's)."""
    tolerance: float = Field(default=0.0, ge=0)
    """Absolute widening of each measured interval before a claim is called discrepant."""
    device: str = "auto"
    """`auto`, `cpu`, `cuda`, `cuda:N` or `mps`."""
    n_boot: int = Field(default=1000, ge=1)
    """Bootstrap replicates of each measured interval."""
    seed: int = 0
    """Seed of the bootstrap (and of the harness)."""


class ProfileSource(CardModel):
    """A dataset to profile for a data card."""

    data: str
    """CSV, Parquet, JSON (Lines or an array of records) or a saved `datasets` folder (see
    `engine` for more)."""
    sensitive: StrList = Field(default_factory=list)
    """Sensitive attributes to report group representation for."""
    label: str | None = None
    """Label column, for base rates per group."""
    pos_label: str | None = None
    """Label value whose rate is reported; the rarer of two values when omitted."""
    engine: Literal["auto", "pandas", "duckdb", "spark"] = "auto"
    """Reader: `duckdb` also reads globs and hive-partitioned folders; `spark` also URIs
    Spark reads and `spark:db.table`, streaming the rows in Arrow batches; `auto` picks
    DuckDB for globs, folders and files over 256 MiB, Spark for `spark:` tables and URIs."""
    spark_master: str = "local[*]"
    """Spark master URL for the `spark` engine."""
    encoding: str = "utf-8"
    """Text encoding of a CSV or JSON file (pandas engine), e.g. `cp1252` or `latin-1`."""


class ModelSources(CardModel):
    """Collectors to run for a model card."""

    hub: HubSource | None = None
    """Hub repository to read metadata, card data and model-index results from."""
    run: list[RunSource] = Field(default_factory=list)
    """Local inference runs."""
    evaluate: list[EvaluateSource] = Field(default_factory=list)
    """Disaggregated evaluations."""
    probe: list[ProbeSource] = Field(default_factory=list)
    """Language-model discrimination probes."""
    lm_eval: list[LMEvalSource] = Field(default_factory=list)
    """lm-evaluation-harness outputs to collect."""
    inspect: list[LMEvalSource] = Field(default_factory=list)
    """Inspect AI logs to collect."""
    verify: list[VerifySource] = Field(default_factory=list)
    """Re-runs of the card's claims (run after every other source)."""


class DataSources(CardModel):
    """Collectors to run for a data card."""

    hub: HubSource | None = None
    """Hub dataset repository to read metadata and card prose from."""
    profile: list[ProfileSource] = Field(default_factory=list)
    """Datasets to profile."""
