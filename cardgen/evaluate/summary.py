"""What a reader sees first of an evaluation: its headline metrics, the plain-text summary
the CLI prints, and the tests and groups behind its verdicts.

It selects and formats numbers the evaluation already holds; it computes no statistic.
"""

from __future__ import annotations

from ..schema import (
    DisaggregatedEvaluation,
    Inference,
    InsufficientEvidence,
    MetricValue,
    ThresholdTest,
)
from .requirements import MEASURE_RATES

_PREFERRED = (
    "accuracy",
    "balanced_accuracy",
    "f1",
    "roc_auc",
    "r2_score",
    "mean_absolute_error",
    "discrimination_score",
)
"""Shown first from results that name no headline metrics (Hub results, probes)."""


def headline_metrics(evaluation: DisaggregatedEvaluation, card_wide: list[str]) -> list[str]:
    """The card's, else the evaluation's, headline metrics that the evaluation reports (a
    language-model benchmark: its task's headline metric); every overall metric for
    sources that name none (e.g. Hub results)."""
    record = evaluation.record
    lm_headline = [record.headline_metric] if record and record.headline_metric else []
    wanted = card_wide or evaluation.headline_metrics or lm_headline
    chosen = [m for m in wanted if m in evaluation.overall]
    if chosen:
        return chosen
    reported = [m for m in evaluation.overall if m != "count"]
    return sorted(
        reported, key=lambda m: _PREFERRED.index(m) if m in _PREFERRED else len(_PREFERRED)
    )


def inference_line(inference: Inference, spec: bool = False) -> str:
    """`inferred --task binary: the label 'y' has 2 values: 0, 1` (with `spec`, the spec's
    key `task:` instead of the option)."""
    name = f"{inference.option}:" if spec else "--" + inference.option.replace("_", "-")
    return f"inferred {name} {inference.value} ({inference.evidence}); set it to choose"


def failed_tests(evaluation: DisaggregatedEvaluation) -> list[ThresholdTest]:
    """Threshold tests that failed or could not be evaluated (both stop a release)."""
    return [t for t in evaluation.threshold_tests if t.failed]


def insufficient_by_measure(
    evaluation: DisaggregatedEvaluation,
) -> dict[str, list[InsufficientEvidence]]:
    """Groups left out of each fairness measure and each metric's gaps for too little
    evidence, keyed by measure or metric name (intersectional groups only)."""
    features = evaluation.sensitive_features
    by_metric: dict[str, list[InsufficientEvidence]] = {}
    for item in evaluation.insufficient_evidence:
        if len(item.features) == len(features):
            by_metric.setdefault(item.metric, []).append(item)
    out = dict(by_metric)
    for measure, rates in MEASURE_RATES.items():
        if measure in evaluation.fairness_measures:
            out[measure] = [i for r in rates for i in by_metric.get(r, [])]
    return out


def group_label(features: dict[str, str], separator: str = ", ") -> str:
    """`race=Black, sex=Female`: the one spelling of a group, in the summary, on pages and
    in model-index (there with `separator=","`, which `cardgen.hub.model_index.parse_group`
    reads back)."""
    return separator.join(f"{key}={val}" for key, val in features.items())


def summary_table(evaluation: DisaggregatedEvaluation, max_groups: int = 40) -> str:
    """A readable plain-text summary: every headline metric by group, measures and tests.

    Each cell is `value [CI]`; a value resting on fewer than `min_group_size` observations
    is marked `*` (insufficient evidence). Groups past `max_groups` (largest first) are
    summarised in one line; the JSON has them all.
    """
    from ..metrics import INSUFFICIENT  # numpy: loaded on use, not by `cardgen render`

    metrics = [m for m in evaluation.headline_metrics if m in evaluation.overall] or [
        m for m in evaluation.overall if m != "count"
    ][:6]
    small = evaluation.min_group_size

    def cell(mv: MetricValue | None) -> str:
        if mv is None or mv.value is None:
            return "undefined"
        mark = "*" if mv.n is not None and mv.n < small else ""
        if mv.ci_low is None or mv.ci_high is None:
            return f"{mv.value:.3f}{mark}"
        return f"{mv.value:.3f} [{mv.ci_low:.3f}, {mv.ci_high:.3f}]{mark}"

    rows = [
        (
            "overall",
            str(evaluation.details["input"]["rows"]),
            *(cell(evaluation.overall.get(m)) for m in metrics),
        )
    ]
    shown = evaluation.groups
    if len(shown) > max_groups:
        shown = sorted(shown, key=lambda g: -(g.n or 0))[:max_groups]
    for group in shown:
        rows.append(
            (
                group_label(group.features),
                str(group.n),
                *(cell(group.metrics.get(m)) for m in metrics),
            )
        )
    header = ("group", "n", *(_SHORT_NAMES.get(m, m) for m in metrics))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        f"{evaluation.name}: {evaluation.task}, "
        f"{evaluation.details['input']['rows']} rows, CIs: {evaluation.details['ci_method']}"
    ]
    for r in [header, *rows]:
        lines.append(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    if len(shown) < len(evaluation.groups):
        lines.append(
            f"... {len(evaluation.groups) - len(shown)} smaller groups not shown "
            f"(all are in the JSON)"
        )
    abbreviations = [f"{_SHORT_NAMES[m]}={m}" for m in metrics if m in _SHORT_NAMES]
    if abbreviations:
        lines.append("columns: " + ", ".join(abbreviations))
    lines.append(
        f"* rests on fewer than {small} observations (its own denominator): {INSUFFICIENT}"
    )
    left_out = insufficient_by_measure(evaluation)
    if evaluation.fairness_measures:
        lines.append("")
        for key, mv in evaluation.fairness_measures.items():
            text = f"{key}: {cell(mv).rstrip('*')}"
            producing = evaluation.fairness_groups.get(key)
            if producing:
                text += f" ({group_label(producing[0])} vs {group_label(producing[1])})"
            lines.append(text)
            if left_out.get(key) and not evaluation.include_small_groups:
                names = "; ".join(
                    f"{group_label(i.features)} ({i.metric} n={i.n})" for i in left_out[key][:8]
                )
                more = len(left_out[key]) - 8
                lines.append(
                    f"  {INSUFFICIENT}, left out: {names}"
                    + (f"; and {more} more" if more > 0 else "")
                )
    if evaluation.threshold_tests:
        lines.append("")
        for test in evaluation.threshold_tests:
            verdict = "FAIL" if test.failed else "PASS"
            observed = "undefined" if test.observed is None else f"{test.observed:.4g}"
            text = f"{verdict} {test.expression} (observed {observed}"
            if test.groups:
                text += ", from " + " vs ".join(group_label(g) for g in test.groups)
            text += ")"
            if test.passed is None and test.reason:
                text += f": {test.reason}"
            lines.append(text)
    return "\n".join(lines)


_SHORT_NAMES = {
    "selection_rate": "sel",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "false_negative_rate": "FNR",
    "precision": "prec",
    "accuracy": "acc",
    "roc_auc": "AUC",
    "mean_absolute_error": "MAE",
    "root_mean_squared_error": "RMSE",
    "f1_macro": "macro-F1",
}
"""Column headings of the terminal summary, which must fit a terminal."""
