"""Headlines that survive many comparisons (issue 21, point 3).

Score metrics follow the evidence rule with their own denominators; every "largest gap"
carries a simultaneous interval over the pairs it was chosen from and says how many; "at a
glance" leads with each sensitive attribute on its own, then the intersections.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, brier_score_loss, roc_auc_score

from cardgen.evaluate import evaluate
from cardgen.metrics import CellTable, between_groups, disaggregate_cells, percentile_interval

SCORE_METRICS = ("roc_auc", "balanced_accuracy", "brier_score", "expected_calibration_error")


def _scored_groups(seed: int = 0) -> pd.DataFrame:
    """Group `a`: 300 rows, about half positive; group `b`: 300 rows, 5 of them positive."""
    rng = np.random.default_rng(seed)
    y_a = rng.integers(0, 2, 300)
    y_b = np.zeros(300, dtype=int)
    y_b[:5] = 1
    y = np.concatenate([y_a, y_b])
    score = np.clip(0.3 * y + rng.uniform(0, 0.7, 600), 0, 1).round(2)  # exact bins
    return pd.DataFrame({"y": y, "s": score, "g": ["a"] * 300 + ["b"] * 300})


def test_score_metrics_rest_on_the_smaller_class() -> None:
    """The demo's ROC AUC gap rested on a group with 5 positives: score metrics now need
    --min-group-size positives and negatives, like every other value."""
    frame = _scored_groups()
    evaluation = evaluate(
        frame,
        label="y",
        score="s",
        threshold=0.5,
        task="binary",
        pos_label=1,
        sensitive=["g"],
        metrics=list(SCORE_METRICS),
        ci_method="none",
    )
    groups = {g.features["g"]: g for g in evaluation.groups}
    b = frame[frame["g"] == "b"]
    expected = {
        "roc_auc": roc_auc_score(b["y"], b["s"]),
        "balanced_accuracy": balanced_accuracy_score(b["y"], b["s"] >= 0.5),
        "brier_score": brier_score_loss(b["y"], b["s"]),
    }
    for metric, value in expected.items():
        assert groups["b"].metrics[metric].value == pytest.approx(value)
    for metric in SCORE_METRICS:
        assert groups["b"].metrics[metric].n == 5, metric  # 5 positives, 295 negatives
        positives = int(frame.loc[frame["g"] == "a", "y"].sum())
        assert groups["a"].metrics[metric].n == min(positives, 300 - positives)
    left_out = {(i.metric, i.features["g"], i.n) for i in evaluation.insufficient_evidence}
    assert {(m, "b", 5) for m in SCORE_METRICS} <= left_out
    gaps = {
        d.metric: d
        for d in evaluation.disparities
        if d.comparison == "between_groups" and d.measure == "difference"
    }
    for metric in SCORE_METRICS:
        assert gaps[metric].value.value is None
        assert "insufficient evidence" in (gaps[metric].value.undefined_reason or "")


def _equal_groups(seed: int, k: int = 8, n: int = 80) -> CellTable:
    """k groups of n rows drawn from one distribution: every true gap is 0."""
    rng = np.random.default_rng(seed)
    # label and prediction independent; P(prediction = 1) = 0.3 in every group
    counts = rng.multinomial(n, [0.35, 0.15, 0.35, 0.15], size=k).reshape(k, 2, 2)
    cells = tuple((f"g{i}",) for i in range(k))
    return CellTable("binary", ("g",), cells, counts, ("0", "1"))


def test_largest_gap_interval_covers_the_true_gap_of_equal_groups() -> None:
    """200 seeds of 8 equal groups: the largest selection-rate gap's simultaneous interval
    covers the true gap (0) in at least 95% of them; the chosen pair's own (unadjusted)
    percentile interval does not, since the pair was picked for being far apart."""
    covered = unadjusted = 0
    for seed in range(200):
        table = _equal_groups(seed)
        estimate = disaggregate_cells(table, ["selection_rate"], n_boot=400, seed=seed)[1].metrics[
            "selection_rate"
        ]
        gap = between_groups(estimate, 0.95)["difference"]
        assert gap.comparisons == 8 * 7 // 2
        assert gap.ci_low <= gap.value <= gap.ci_high
        covered += gap.ci_low <= 0 <= gap.ci_high
        assert estimate.replicates is not None
        pair = estimate.replicates[:, gap.high_index] - estimate.replicates[:, gap.low_index]
        low, high = percentile_interval(pair[:, None], 0.95)
        unadjusted += bool(low[0] <= 0 <= high[0])
    assert covered >= 190, covered
    assert unadjusted < 190, unadjusted
