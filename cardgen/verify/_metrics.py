"""Which cardgen metric measures a claimed metric, and on which scale the claim is written.

Names only: it maps the Hub's metric `type`s (scikit-learn / `evaluate` names) to the
evaluation engine's names and reads percentages; it computes no metric.
"""

from __future__ import annotations

import re
from typing import Any

ALIASES = {
    "accuracy": "accuracy",
    "acc": "accuracy",
    "balanced_accuracy": "balanced_accuracy",
    "f1": "f1",
    "f1_score": "f1",
    "precision": "precision",
    "recall": "recall",
    "sensitivity": "recall",
    "specificity": "true_negative_rate",
    "roc_auc": "roc_auc",
    "auc": "roc_auc",
    "roc-auc": "roc_auc",
    "auroc": "roc_auc",
    "f1_macro": "f1_macro",
    "macro_f1": "f1_macro",
    "f1-macro": "f1_macro",
    "mae": "mean_absolute_error",
    "mean_absolute_error": "mean_absolute_error",
    "rmse": "root_mean_squared_error",
    "root_mean_squared_error": "root_mean_squared_error",
    "r2": "r2_score",
    "r2_score": "r2_score",
    "r_squared": "r2_score",
    "brier": "brier_score",
    "brier_score": "brier_score",
}
"""A claimed metric type (lower-cased) -> the evaluation engine's metric. Names the engine
already uses (`selection_rate`, `true_positive_rate`, `recall[CLASS]`, ...) map to
themselves."""

BINARY_ONLY = {"f1", "precision", "recall", "balanced_accuracy", "roc_auc", "true_negative_rate"}
"""Metrics whose plain names are defined for two classes; on more classes a claim must say
how it averages (`args.average`)."""

UNIT_INTERVAL = {
    "accuracy",
    "balanced_accuracy",
    "f1",
    "f1_macro",
    "precision",
    "recall",
    "roc_auc",
    "selection_rate",
    "base_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "brier_score",
    "expected_calibration_error",
}
"""Engine metrics that lie in [0, 1], so a claimed value above 1 is a percentage."""

CLASSIFICATION_TASKS = re.compile(r"classification|sentiment|(^|-)nli$|text-scoring")
"""Hub task types a classifier run (`cardgen run`) can re-measure."""
REGRESSION_TASKS = re.compile(r"regression")
LM_TASKS = re.compile(
    r"text-generation|text2text|question-answering|multiple-choice|conversational|"
    r"fill-mask|summari[sz]ation|translation"
)
"""Hub task types of language-model benchmarks (lm-evaluation-harness, Inspect AI)."""
NOT_RUNNABLE_TASKS = re.compile(
    r"token-classification|image|object-detection|audio|speech|video|depth|"
    r"reinforcement-learning|robotics|segmentation|feature-extraction"
)
"""Hub task types cardgen has no runner and no metric for."""


def engine_metric(
    metric: str, args: dict[str, Any], task: str, known: set[str]
) -> tuple[str | None, str | None]:
    """The engine's metric measuring a claimed metric on a task.

    Args:
        metric: the claim's metric type as written.
        args: the claim's metric args (`average` decides F1 on more than two classes).
        task: `binary`, `multiclass` or `regression` (what the re-run found).
        known: the metrics the engine can compute for that task.

    Returns:
        (the engine's metric, a note saying how it was chosen) or (None, why not).
    """
    written = metric.strip()
    name = ALIASES.get(written.lower(), written)
    average = str(args.get("average", "")).lower() or None
    if task == "multiclass" and name in BINARY_ONLY:
        if name == "f1" and average == "macro":
            return "f1_macro", "F1 averaged over classes (args.average: macro)"
        if name == "f1" and average == "micro":
            return "accuracy", "micro-averaged F1 equals accuracy for single-label classes"
        return None, (
            f"metric {written!r} on a {task} task "
            + (
                f"averaged {average!r}, which cardgen does not compute"
                if average
                else "does not say how it averages over classes (args.average)"
            )
            + "; cardgen computes accuracy, f1_macro and per-class metrics such as "
            "recall[CLASS]"
        )
    if name in known:
        note = None if name == written else f"{written!r} is cardgen's {name}"
        return name, note
    return None, f"metric {written!r} is not computable by cardgen for a {task} task"


def read_scale(claimed: float, percent_sign: bool, bounded: bool) -> tuple[float, str, str | None]:
    """A claimed value on the measured metric's scale.

    A value written with `%`, or above 1 (and at most 100) for a metric that lies in
    [0, 1], is a percentage and is divided by 100.

    Returns:
        (the value, `percent` or `fraction`, a note saying what was read, or None).
    """
    if percent_sign or (bounded and 1 < abs(claimed) <= 100):
        value = claimed / 100
        return value, "percent", f"claimed {claimed:g} read as a percentage: {value:.6g}"
    return claimed, "fraction", None
