"""Evaluation results: metric values with uncertainty, disaggregated by group.

These types are filled by the evaluate, probe and hub collectors; they compute nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ._base import CardModel
from .provenance import Provenance

CIMethod = Literal["bootstrap", "wilson", "clustered", "reported", "none"]
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
    """How the interval was computed: `bootstrap`, `wilson`, `clustered` (by a cluster
    such as a decision question), `reported` (copied from a source) or `none`."""
    n: int | None = Field(default=None, ge=0)
    """Number of observations the value rests on (rows, or the metric's denominator)."""
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
    comparison: Literal["between_groups", "to_reference"]
    """`between_groups`: the largest minus the smallest group value (or smallest / largest);
    `to_reference`: each group against the reference group."""
    measure: Literal["difference", "ratio"]
    """`difference` (max - min, or group - reference) or `ratio` (min / max, or
    group / reference)."""
    value: MetricValue
    """The disparity with its CI, computed from the same bootstrap replicates as the metrics."""
    group: dict[str, str] | None = None
    """For `to_reference`: the group compared to the reference."""
    reference: dict[str, str] | None = None
    """For `to_reference`: the reference group."""
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


class InsufficientEvidence(CardModel):
    """A group's metric value left out of gaps, measures and tests: too few observations."""

    metric: str
    """The metric, e.g. `true_positive_rate`."""
    features: dict[str, str]
    """The group, e.g. `{race: Other, sex: Female}`."""
    n: int = Field(ge=0)
    """The count the value rests on (the metric's own denominator: rows, positives,
    negatives or predicted positives), below the evaluation's `min_group_size`."""


class DatasetReference(CardModel):
    """A dataset as named by an evaluation or a training section."""

    name: str
    """Human-readable name, or the Hub id (e.g. `scikit-learn/adult-census-income`)."""
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
    insufficient_evidence: list[InsufficientEvidence] = Field(default_factory=list)
    """Group values left out of gaps, fairness measures and threshold tests because the
    count they rest on is below `min_group_size` (empty with `include_small_groups`)."""
    threshold_tests: list[ThresholdTest] = Field(default_factory=list)
    """Release gates evaluated on these results."""
    notes: str | None = None
    """Free text that explains the evaluation."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Extra structured results that have no field of their own (e.g. per-class rates)."""
    provenance: Provenance | None = None
    """Where the numbers came from."""
