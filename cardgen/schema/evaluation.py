"""Evaluation results: metric values with uncertainty, disaggregated by group.

These types are filled by the evaluate, probe and hub collectors; they compute nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ._base import CardModel
from .provenance import Provenance

CIMethod = Literal[
    "bootstrap",
    "wilson",
    "simultaneous",
    "clustered",
    "clt",
    "harness-stderr",
    "paired",
    "reported",
    "none",
]
Task = Literal["binary", "multiclass", "regression", "generation", "decision-probe", "other"]


class MetricValue(CardModel):
    """One number with its uncertainty and the count it rests on.

    A metric that cannot be computed (for example a rate whose denominator is zero)
    has `value: null` and says why in `undefined_reason`; it is never reported as 0.
    """

    value: float | None = None
    """The point estimate, or null when the metric is undefined."""
    ci_low: float | None = None
    """Lower end of the confidence interval."""
    ci_high: float | None = None
    """Upper end of the confidence interval."""
    ci_level: float | None = Field(default=None, gt=0, lt=1)
    """Confidence level of the interval, e.g. 0.95."""
    ci_method: CIMethod | None = None
    """How the interval was computed: `bootstrap`, `wilson`, `simultaneous` (a largest gap:
    it holds over every pair of groups the gap was chosen from at once, since every group's
    value is bounded at once by the max-t bootstrap; picking the largest does not bias it),
    `clustered` (by a cluster
    such as a decision question or a passage), `clt` (mean ± z·SE with SE = sd/√n over
    per-question scores), `harness-stderr` (mean ± z·SE with the evaluation harness's own
    stderr, when it logged no per-question scores), `paired` (a paired difference),
    `reported` (copied from a source) or `none`."""
    n: int | None = Field(default=None, ge=0)
    """Number of observations the value rests on: rows, or the metric's denominator (for
    ROC AUC, balanced accuracy, Brier score and calibration error, the smaller of the
    positives and the negatives, since each needs both classes)."""
    se: float | None = Field(default=None, ge=0)
    """Standard error of the value, where one is known; `ci_method` says how it was
    obtained (`clt`, `clustered`, `harness-stderr`, `paired`)."""
    undefined_reason: str | None = None
    """Why the value is null, e.g. `no negative labels in group`."""

    @model_validator(mode="after")
    def _check_consistency(self) -> MetricValue:
        if self.value is None and not self.undefined_reason:
            raise ValueError("a metric without a value needs an undefined_reason")
        if self.value is not None and self.undefined_reason:
            raise ValueError("a metric with a value cannot have an undefined_reason")
        if self.ci_low is not None and self.ci_high is not None and self.ci_low > self.ci_high:
            raise ValueError(f"ci_low ({self.ci_low}) is above ci_high ({self.ci_high})")
        return self


class GroupResult(CardModel):
    """Metrics of one group: an intersectional group or a single feature's value."""

    features: dict[str, str]
    """The group's value of each sensitive feature, e.g. `{race: Black, sex: Female}`.
    One key for a marginal group, all features for an intersectional group. Missing
    values form the group `(missing)`."""
    n: int | None = Field(ge=0)
    """Number of rows in the group; null when a source reports the group's metrics
    without its size (e.g. a Hub `model-index`)."""
    small: bool = False
    """True when `n` is below the evaluation's `min_group_size`: read its numbers with care."""
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    """Metric values keyed by metric name (fairlearn / scikit-learn names)."""


class Disparity(CardModel):
    """A gap between groups for one metric, with its uncertainty."""

    metric: str
    """Metric the disparity is computed on, e.g. `selection_rate`."""
    features: list[str]
    """Sensitive features that define the groups compared (all of them: intersectional)."""
    comparison: Literal["between_groups", "to_reference", "furthest_from_reference"]
    """`between_groups`: the largest minus the smallest group value (or smallest / largest);
    `to_reference`: each group against the reference group; `furthest_from_reference`: the
    group whose value lies furthest from the reference group's (group - reference), for a
    reference the author named."""
    measure: Literal["difference", "ratio"]
    """`difference` (max - min, or group - reference) or `ratio` (min / max, or
    group / reference)."""
    value: MetricValue
    """The disparity with its CI, computed from the same bootstrap replicates as the metrics:
    simultaneous over all `comparisons` for a largest gap (`between_groups`,
    `furthest_from_reference`), percentile for one group against the reference."""
    comparisons: int | None = Field(default=None, ge=0)
    """How many comparisons (pairs of groups with evidence) a largest gap was chosen from;
    its interval covers them all at once."""
    group: dict[str, str] | None = None
    """For `to_reference` and `furthest_from_reference`: the group compared to the reference."""
    reference: dict[str, str] | None = None
    """For `to_reference` and `furthest_from_reference`: the reference group."""
    extremes: list[dict[str, str]] = Field(default_factory=list)
    """For `between_groups`: the group with the smallest and the one with the largest value,
    i.e. the groups that produce the gap."""


class ThresholdTest(CardModel):
    """A release gate such as `demographic_parity_ratio >= 0.8` and its outcome."""

    expression: str
    """The requirement as written, e.g. `demographic_parity_ratio>=0.8`."""
    metric: str
    """Metric or fairness measure the requirement reads."""
    operator: Literal[">=", "<=", ">", "<", "==", "!="]
    """Comparison operator."""
    threshold: float
    """Value compared against."""
    observed: float | None = None
    """The observed value; null when the metric is undefined."""
    passed: bool | None = None
    """True or false once evaluated; null when it could not be evaluated (see `reason`)."""
    reason: str | None = None
    """Why the test could not be evaluated, or a note on its outcome."""
    groups: list[dict[str, str]] = Field(default_factory=list)
    """The groups that produce the observed value (for a gap: the smallest and the largest)."""

    @property
    def failed(self) -> bool:
        """The release gate: a test fails unless it was evaluated and passed.

        A test that could not be evaluated (`passed` is null) fails too: an unknown
        outcome must not let a release through. Every command, the Action and the site
        read this, never `passed` alone.
        """
        return self.passed is not True


class InsufficientEvidence(CardModel):
    """A group's metric value left out of gaps, measures and tests: too few observations."""

    metric: str
    """The metric, e.g. `true_positive_rate`."""
    features: dict[str, str]
    """The group, e.g. `{race: Other, sex: Female}`."""
    n: int = Field(ge=0)
    """The count the value rests on (the metric's own denominator: rows, positives,
    negatives, predicted positives, or the smaller of positives and negatives for ROC AUC,
    balanced accuracy, Brier score and calibration error), below `min_group_size`."""


class Inference(CardModel):
    """A choice the options left open, which cardgen made from the data and said so.

    A choice is inferred only when the data allows no other reading (a label with two
    values is a binary task; scores in [0, 1] are cut at 0.5); anything less certain is an
    error that asks for the option instead.
    """

    option: Literal["task", "pos_label", "threshold"]
    """The option that was not given (`--task`, `--pos-label`, `--threshold`)."""
    value: str
    """What cardgen chose, e.g. `binary`, `>50K` or `0.5`."""
    evidence: str
    """Why, from the data, e.g. `the label 'income' has 2 values: <=50K, >50K`."""


class DatasetReference(CardModel):
    """A dataset as named by an evaluation or a training section."""

    name: str
    """Human-readable name, or the Hub id (e.g. `scikit-learn/adult-census-income`)."""
    id: str | None = None
    """The dataset's id, by which `model-index` names it: a Hub id such as
    `scikit-learn/adult-census-income`, or the id a spec gives (`dataset_id`); never a
    file name. Null when unknown (the results then stay out of `model-index`)."""
    uri: str | None = None
    """Where it lives: a Hub URL, a path or a URL."""
    split: str | None = None
    """Split used, e.g. `test`."""
    config: str | None = None
    """Dataset configuration (subset) name, where the dataset has several."""
    revision: str | None = None
    """Revision or file hash of the exact data used."""
    description: str | None = None
    """Why it was chosen and how it was prepared."""


class EvaluationRecord(CardModel):
    """How a language-model number was produced (OLMES-style): harness, task, prompt, model.

    Every field is null when the log does not say: null reads as *unknown*, never as a
    default that was guessed.
    """

    harness: str | None = None
    """Evaluation harness, e.g. `lm-evaluation-harness`, `inspect_ai`, `cardgen probe`."""
    harness_version: str | None = None
    """Version of the harness that ran."""
    harness_commit: str | None = None
    """Git commit of the harness (or of the task repository), when logged."""
    task: str | None = None
    """Task name as the harness knows it."""
    task_version: str | None = None
    """Version of the task definition."""
    task_hash: str | None = None
    """Hash of the task definition as logged by the harness."""
    dataset_id: str | None = None
    """Dataset the task reads (a Hub id, a builder such as `json`, or a file)."""
    dataset_revision: str | None = None
    """Revision of the dataset."""
    dataset_split: str | None = None
    """Split evaluated on."""
    num_fewshot: int | None = None
    """Number of in-context examples (n-shot)."""
    fewshot_seed: int | None = None
    """Seed that picked the few-shot examples."""
    formulation: str | None = None
    """Task formulation, e.g. `multiple_choice` or `generate_until`."""
    prompt_template: str | None = None
    """The prompt template (or the harness's description of it)."""
    prompt_template_hash: str | None = None
    """SHA-256 of the prompt template."""
    chat_template_hash: str | None = None
    """Hash of the chat template applied, as logged; null when none or not logged."""
    system_prompt_hash: str | None = None
    """Hash of the system prompt, as logged or computed from the logged prompt."""
    filter: str | None = None
    """Output filter / answer extraction (lm-eval's `filter`)."""
    normalisation: str | None = None
    """Score normalisation, e.g. `acc_norm` (length-normalised log-likelihood)."""
    generation: dict[str, Any] | None = None
    """Generation settings (temperature, max tokens, stop sequences, ...)."""
    model_id: str | None = None
    """Model name or path as given to the harness."""
    model_revision: str | None = None
    """Model revision or commit."""
    model_dtype: str | None = None
    """Weights dtype."""
    model_device: str | None = None
    """Device the model ran on."""
    seeds: dict[str, int | None] | None = None
    """Random seeds the harness reports (random, numpy, torch, few-shot, ...)."""
    date: str | None = None
    """When the evaluation ran (ISO 8601)."""
    duration_seconds: float | None = None
    """How long it ran."""
    headline_metric: str | None = None
    """The metric that stands for the task (its first or headline metric)."""


class DisaggregatedEvaluation(CardModel):
    """A quantitative analysis: overall metrics, per-group metrics, disparities and tests.

    Groups come in two kinds: intersectional (every sensitive feature, e.g. race × sex)
    and marginal (each feature alone). Both are listed in `groups`; a group's
    `features` mapping says which kind it is.
    """

    name: str
    """Short identifier, e.g. `adult-test-race-sex`."""
    task: Task
    """What was evaluated: binary, multiclass, regression, generation, a decision probe, or
    `other` for results reported elsewhere (e.g. a Hub benchmark) of another kind."""
    dataset: DatasetReference | None = None
    """Data the evaluation ran on."""
    label_column: str | None = None
    """Column holding the true label."""
    prediction_column: str | None = None
    """Column holding the model's prediction."""
    score_column: str | None = None
    """Column holding the model's score or probability, when one was used."""
    threshold: float | None = None
    """Decision threshold applied to scores to obtain predictions."""
    pos_label: str | None = None
    """Label value treated as the positive class (binary tasks)."""
    inferences: list[Inference] = Field(default_factory=list)
    """Choices cardgen made because the options left them open (the task, the positive
    class, the decision threshold), each with its evidence; empty when every one was given.
    `cardgen evaluate` prints each one."""
    sensitive_features: list[str] = Field(default_factory=list)
    """Features the results are disaggregated by."""
    min_group_size: int = Field(default=30, ge=0)
    """Groups with fewer rows are flagged as small, and a metric value resting on fewer
    observations (its own denominator) is insufficient evidence."""
    include_small_groups: bool = False
    """True: values with insufficient evidence still enter gaps, measures and tests
    (fairlearn's behaviour); false (default): they are left out and listed in
    `insufficient_evidence`."""
    headline_metrics: list[str] = Field(default_factory=list)
    """The few metrics readers should see first (at a glance, the per-group table and
    `model-index`); every other metric is still in `overall` and `groups`."""
    overall: dict[str, MetricValue] = Field(default_factory=dict)
    """Metrics over all rows."""
    groups: list[GroupResult] = Field(default_factory=list)
    """Per-group metrics: intersectional and marginal groups."""
    disparities: list[Disparity] = Field(default_factory=list)
    """Between-group gaps per metric."""
    fairness_measures: dict[str, MetricValue] = Field(default_factory=dict)
    """Named measures (fairlearn's names): demographic_parity_difference/ratio,
    equalized_odds_difference/ratio, equal_opportunity_difference."""
    fairness_groups: dict[str, list[dict[str, str]]] = Field(default_factory=dict)
    """For each fairness measure: the groups that produce it (smallest and largest value)."""
    fairness_comparisons: dict[str, int] = Field(default_factory=dict)
    """For each fairness measure: how many pairs of groups it was chosen from (its interval
    is simultaneous over them all)."""
    reference: dict[str, str] = Field(default_factory=dict)
    """The reference group the author named, e.g. `{race: Caucasian}` (a feature may be named
    alone); empty when none was, and each grouping is compared with its largest group."""
    insufficient_evidence: list[InsufficientEvidence] = Field(default_factory=list)
    """Group values left out of gaps, fairness measures and threshold tests because the
    count they rest on is below `min_group_size` (empty with `include_small_groups`)."""
    threshold_tests: list[ThresholdTest] = Field(default_factory=list)
    """Release gates evaluated on these results."""
    notes: str | None = None
    """Free text that explains the evaluation."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Extra structured results that have no field of their own (e.g. per-class rates)."""
    record: EvaluationRecord | None = None
    """How a language-model evaluation was produced (harness, task, prompt, model, seeds)."""
    provenance: Provenance | None = None
    """Where the numbers came from."""
