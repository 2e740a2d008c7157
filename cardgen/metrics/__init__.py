"""The disaggregated-metrics engine: counts -> metrics -> confidence intervals -> disparities.

The public surface of the engine; it works on encoded arrays and never reads files.
"""

from ._bootstrap import (
    contain_point,
    multinomial_counts,
    percentile_interval,
    row_weights,
    wilson_interval,
)
from ._cells import (
    BIN_METRICS,
    DEFAULT_SCORE_BINS,
    CellTable,
    ScoreBins,
    bin_plan,
    build_score_bins,
    confusion_counts,
    confusion_from_bins,
    roc_auc_error_bound,
)
from ._definitions import (
    BINARY_COUNT_METRICS,
    BINS_ECE,
    DEFAULT_METRICS,
    HEADLINE_METRICS,
    PER_CLASS,
    REGRESSION_METRICS,
    SCORE_METRICS,
)
from ._disparity import (
    INSUFFICIENT,
    Gap,
    between_groups,
    evidence_mask,
    fairness_measures,
    largest_to_reference,
    to_reference,
)
from ._engine import (
    EncodedTable,
    Estimate,
    GroupingResult,
    available_metrics,
    disaggregate,
    disaggregate_cells,
    to_cells,
)
from ._groups import MISSING, Grouping, groupings, value_sort_key
from ._values import (
    ColumnEvidence,
    Inference,
    infer_task,
    positive_class,
    positive_inference,
    threshold_inference,
    value_text,
)

__all__ = [
    "BINARY_COUNT_METRICS",
    "BINS_ECE",
    "BIN_METRICS",
    "DEFAULT_METRICS",
    "DEFAULT_SCORE_BINS",
    "HEADLINE_METRICS",
    "INSUFFICIENT",
    "MISSING",
    "PER_CLASS",
    "REGRESSION_METRICS",
    "SCORE_METRICS",
    "CellTable",
    "ColumnEvidence",
    "EncodedTable",
    "Estimate",
    "Gap",
    "Grouping",
    "GroupingResult",
    "Inference",
    "ScoreBins",
    "available_metrics",
    "between_groups",
    "bin_plan",
    "build_score_bins",
    "confusion_counts",
    "confusion_from_bins",
    "contain_point",
    "disaggregate",
    "disaggregate_cells",
    "evidence_mask",
    "fairness_measures",
    "groupings",
    "infer_task",
    "largest_to_reference",
    "multinomial_counts",
    "percentile_interval",
    "positive_class",
    "positive_inference",
    "roc_auc_error_bound",
    "row_weights",
    "threshold_inference",
    "to_cells",
    "to_reference",
    "value_sort_key",
    "value_text",
    "wilson_interval",
]
