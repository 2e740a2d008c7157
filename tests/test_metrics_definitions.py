"""Metric math on hand-counted tables: each metric's formula, undefined cases and disparities.

The expected numbers are counted by hand from the tables written in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from cardgen.metrics import (
    BINARY_COUNT_METRICS,
    SCORE_METRICS,
    EncodedTable,
    between_groups,
    confusion_counts,
    disaggregate,
    groupings,
    to_reference,
)
from cardgen.metrics._definitions import GroupedRows, multiclass_count_metrics


def binary(name: str, tn: int, fp: int, fn: int, tp: int) -> float:
    value, _ = BINARY_COUNT_METRICS[name].compute(np.array([[tn, fp], [fn, tp]]))
    return float(value)


def test_binary_metrics_from_hand_counted_cells():
    # tn=50, fp=10, fn=5, tp=35: n=100
    cells = dict(tn=50, fp=10, fn=5, tp=35)
    assert binary("count", **cells) == 100
    assert binary("base_rate", **cells) == 0.40
    assert binary("selection_rate", **cells) == 0.45
    assert binary("accuracy", **cells) == 0.85
    assert binary("precision", **cells) == 35 / 45
    assert binary("recall", **cells) == binary("true_positive_rate", **cells) == 35 / 40
    assert binary("false_positive_rate", **cells) == 10 / 60
    assert binary("false_negative_rate", **cells) == 5 / 40
    assert binary("true_negative_rate", **cells) == 50 / 60
    assert binary("balanced_accuracy", **cells) == (35 / 40 + 50 / 60) / 2
    assert binary("f1", **cells) == 70 / 85


@pytest.mark.parametrize(
    ("name", "cells", "reason"),
    [
        ("precision", dict(tn=4, fp=0, fn=3, tp=0), "no predicted positives in group"),
        ("recall", dict(tn=4, fp=2, fn=0, tp=0), "no positive labels in group"),
        ("false_positive_rate", dict(tn=0, fp=0, fn=1, tp=2), "no negative labels in group"),
        ("true_negative_rate", dict(tn=0, fp=0, fn=1, tp=2), "no negative labels in group"),
        ("false_negative_rate", dict(tn=3, fp=1, fn=0, tp=0), "no positive labels in group"),
        ("balanced_accuracy", dict(tn=3, fp=1, fn=0, tp=0), "group lacks positive or negative"),
        ("f1", dict(tn=3, fp=0, fn=0, tp=0), "no positive labels and no predicted positives"),
    ],
)
def test_empty_denominator_is_undefined_not_zero(name, cells, reason):
    assert np.isnan(binary(name, **cells))
    assert BINARY_COUNT_METRICS[name].undefined_reason.startswith(reason)


def test_f1_with_no_positives_predicted_but_some_labels_is_zero_not_undefined():
    assert binary("f1", tn=3, fp=0, fn=2, tp=0) == 0.0


def test_multiclass_macro_f1_averages_classes_present_in_the_group():
    # rows: true cat -> cat, cat -> dog, dog -> dog; class eel absent from the group.
    c = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]])
    metrics = multiclass_count_metrics(("cat", "dog", "eel"))
    f1_cat, f1_dog = 2 * 1 / (2 + 1), 2 * 1 / (1 + 2)
    assert float(metrics["f1_macro"].compute(c)[0]) == pytest.approx((f1_cat + f1_dog) / 2)
    assert float(metrics["accuracy"].compute(c)[0]) == 2 / 3
    assert float(metrics["recall[cat]"].compute(c)[0]) == 0.5
    assert float(metrics["false_positive_rate[dog]"].compute(c)[0]) == 1 / 2
    assert np.isnan(metrics["recall[eel]"].compute(c)[0])
    assert np.isnan(metrics["precision[eel]"].compute(c)[0])


def test_roc_auc_counts_ties_as_half():
    # positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4, 0.8>0.1, 0.4=0.4, 0.4>0.1) = 3.5/4
    rows = GroupedRows(
        np.zeros(4, dtype=np.int64), 1, np.array([1, 1, 0, 0]), score=np.array([0.8, 0.4, 0.4, 0.1])
    )
    value, n = SCORE_METRICS["roc_auc"].compute(rows, None)
    assert value[0] == 3.5 / 4 and n[0] == 2  # rests on min(2 positives, 2 negatives)
    # Bootstrap weights act like repeated rows: the first positive twice -> 5.5 / 6.
    weighted, n = SCORE_METRICS["roc_auc"].compute(rows, np.array([2.0, 1, 1, 1]))
    assert weighted[0] == pytest.approx(5.5 / 6) and n[0] == 2  # 3 positives, 2 negatives


def test_expected_calibration_error_by_hand():
    # bin [0.1, 0.2): scores 0.1, 0.1 with labels 0, 1 -> |0.5 - 0.1| * 2/4
    # bin [0.9, 1.0]: scores 0.9, 1.0 with labels 1, 1 -> |1 - 0.95| * 2/4
    rows = GroupedRows(
        np.zeros(4, dtype=np.int64), 1, np.array([0, 1, 1, 1]), score=np.array([0.1, 0.1, 0.9, 1.0])
    )
    value, n = SCORE_METRICS["expected_calibration_error"].compute(rows, None)
    assert value[0] == pytest.approx(0.4 * 0.5 + 0.05 * 0.5)
    assert n[0] == 1  # one negative beside three positives: what the value rests on


def test_brier_score_by_hand():
    rows = GroupedRows(
        np.array([0, 0, 1]), 2, np.array([1, 0, 1]), score=np.array([0.75, 0.5, 1.0])
    )
    value, _ = SCORE_METRICS["brier_score"].compute(rows, None)
    assert value.tolist() == [(0.0625 + 0.25) / 2, 0.0]


def test_confusion_counts_is_one_bincount_per_cell():
    counts = confusion_counts(
        np.array([0, 0, 1, 1, 1]),
        np.array([1, 0, 1, 1, 0]),
        np.array([1, 1, 0, 1, 0]),
        n_cells=2,
        n_classes=2,
    )
    assert counts.tolist() == [[[0, 1], [0, 1]], [[1, 0], [1, 1]]]


def test_marginal_groupings_sum_the_intersectional_cells():
    cells = (("a", "x"), ("a", "y"), ("b", "y"))
    overall, inter, first, second = groupings(["f", "g"], cells)
    assert inter.labels == cells and first.labels == (("a",), ("b",))
    assert second.labels == (("x",), ("y",))
    counts = np.arange(12).reshape(3, 2, 2)
    assert first.aggregate(counts).tolist() == [
        (counts[0] + counts[1]).tolist(),
        counts[2].tolist(),
    ]
    assert overall.aggregate(counts)[0].tolist() == counts.sum(axis=0).tolist()


def test_disparities_skip_undefined_groups_and_need_two():
    table = EncodedTable(
        "binary",
        ("g",),
        (("a",), ("b",), ("c",)),
        group=np.array([0, 0, 1, 1, 2, 2]),
        y=np.array([1, 1, 1, 0, 0, 0]),
        y_pred=np.array([1, 0, 1, 1, 0, 1]),
        classes=("0", "1"),
    )
    result = disaggregate(table, ["true_positive_rate", "selection_rate"], ci_method="none")[1]
    tpr = result.metrics["true_positive_rate"]
    assert np.isnan(tpr.value[2])  # group c has no positive labels
    gaps = between_groups(tpr, 0.95)
    assert gaps["difference"].value == 0.5 and gaps["ratio"].value == 0.5
    sel = between_groups(result.metrics["selection_rate"], 0.95)
    assert sel["difference"].value == 0.5 and sel["ratio"].value == 0.5
    vs_a = to_reference(result.metrics["selection_rate"], 0, 0.95)
    assert vs_a["difference"][1].value == 0.5 and vs_a["ratio"][1].value == 2.0
    assert vs_a["difference"][2].value == 0.0
    one_group = disaggregate(
        EncodedTable(
            "binary",
            ("g",),
            (("a",),),
            np.zeros(2, int),
            np.array([1, 0]),
            np.array([1, 1]),
            classes=("0", "1"),
        ),
        ["selection_rate"],
        ci_method="none",
    )[1]
    lone = between_groups(one_group.metrics["selection_rate"], 0.95)["difference"]
    assert np.isnan(lone.value) and lone.undefined_reason.startswith("fewer than two groups")


def test_ratio_of_all_zero_rates_is_undefined():
    table = EncodedTable(
        "binary",
        ("g",),
        (("a",), ("b",)),
        np.array([0, 1]),
        np.array([0, 0]),
        np.array([0, 0]),
        classes=("0", "1"),
    )
    result = disaggregate(table, ["selection_rate"], ci_method="none")[1]
    ratio = between_groups(result.metrics["selection_rate"], 0.95)["ratio"]
    assert np.isnan(ratio.value) and "ratio needs positive values" in ratio.undefined_reason


def test_marginal_grouping_that_permutes_cells_is_summed_correctly():
    # Cells (a, y) and (b, x): the marginal by the second feature orders x before y.
    _, _, _, second = groupings(["f", "g"], (("a", "y"), ("b", "x")))
    counts = np.array([[[1, 0], [0, 0]], [[0, 0], [0, 5]]])
    assert second.labels == (("x",), ("y",))
    assert second.aggregate(counts).tolist() == [counts[1].tolist(), counts[0].tolist()]


@pytest.mark.parametrize("decimals", [None, 1])  # distinct scores, and many ties
def test_weighted_score_metrics_equal_scikit_learn_on_repeated_rows(decimals):
    from sklearn.metrics import brier_score_loss, roc_auc_score

    rng = np.random.default_rng(1)
    n = 400
    group, y = rng.integers(0, 3, n), rng.integers(0, 2, n)
    score = rng.random(n) if decimals is None else np.round(rng.random(n), decimals)
    weights = rng.integers(0, 3, n).astype(float)  # a bootstrap resample's multiplicities
    rows = GroupedRows(group, 3, y, score=score)
    auc, _ = SCORE_METRICS["roc_auc"].compute(rows, weights)
    brier, _ = SCORE_METRICS["brier_score"].compute(rows, weights)
    repeated = np.repeat(np.arange(n), weights.astype(int))
    for k in range(3):
        rows_k = repeated[group[repeated] == k]
        assert auc[k] == pytest.approx(roc_auc_score(y[rows_k], score[rows_k]), rel=1e-12)
        assert brier[k] == pytest.approx(brier_score_loss(y[rows_k], score[rows_k]), rel=1e-12)
