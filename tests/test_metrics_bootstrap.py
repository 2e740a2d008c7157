"""Bootstrap intervals: agreement with fairlearn's bootstrap, Wilson bounds, determinism.

fairlearn resamples rows; cardgen draws the same distribution from counts, so the two agree
within Monte-Carlo error (not exactly: the random streams differ).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate

from cardgen.evaluate import evaluate
from cardgen.metrics import (
    multinomial_counts,
    percentile_interval,
    row_weights,
    wilson_interval,
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    a = rng.choice(["p", "q"], n, p=[0.7, 0.3])
    b = rng.choice(["u", "v"], n)
    y = (rng.random(n) < np.where(a == "p", 0.5, 0.3)).astype(int)
    yhat = np.where(rng.random(n) < 0.75, y, 1 - y)
    s = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    return pd.DataFrame({"y": y, "yhat": yhat, "s": s, "a": a, "b": b})


@pytest.fixture(scope="module")
def fairlearn_ci(table):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MetricFrame(
            metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate},
            y_true=table.y,
            y_pred=table.yhat,
            sensitive_features=table[["a", "b"]],
            n_boot=150,
            ci_quantiles=[0.025, 0.975],
            random_state=1,
        )


def test_bootstrap_intervals_agree_with_fairlearn(table, fairlearn_ci):
    evaluation = evaluate(
        table,
        label="y",
        pred="yhat",
        sensitive=["a", "b"],
        n_boot=2000,
        seed=3,
        metrics=["selection_rate", "true_positive_rate"],
    )
    low, high = fairlearn_ci.by_group_ci
    checked = 0
    for group in evaluation.groups:
        if len(group.features) != 2:
            continue
        key = (group.features["a"], group.features["b"])
        for metric in ("selection_rate", "true_positive_rate"):
            ours = group.metrics[metric]
            # Standard error of the estimate; a 2.5% quantile from 150 replicates has a
            # Monte-Carlo error of about 0.19 of it, so 0.8 is over four of those.
            se = (ours.ci_high - ours.ci_low) / 3.92
            assert abs(ours.ci_low - low.loc[key, metric]) < 0.8 * se, (key, metric)
            assert abs(ours.ci_high - high.loc[key, metric]) < 0.8 * se, (key, metric)
            checked += 1
    assert checked == 8
    ours = evaluation.overall["selection_rate"]
    se = (ours.ci_high - ours.ci_low) / 3.92
    assert abs(ours.ci_low - fairlearn_ci.overall_ci[0]["selection_rate"]) < 0.8 * se
    diff = next(
        d
        for d in evaluation.disparities
        if d.metric == "selection_rate"
        and d.comparison == "between_groups"
        and d.measure == "difference"
        and len(d.features) == 2
    )
    # The largest gap's interval is simultaneous (max-t over the groups), not fairlearn's
    # percentile interval of max - min: recomputed here by resampling rows with pandas.
    rng = np.random.default_rng(11)
    cell = table["a"] + table["b"]
    rates = []
    for _ in range(2000):
        drawn = table.iloc[rng.integers(0, len(table), len(table))]
        rates.append(drawn.groupby(cell.loc[drawn.index].to_numpy())["yhat"].mean())
    replicates = pd.DataFrame(rates)
    point = table.groupby(cell)["yhat"].mean()[replicates.columns]
    se = replicates.std(ddof=1)
    critical = np.quantile(((replicates - point).abs() / se).max(axis=1), 0.95, method="higher")
    low, high = point - critical * se, point + critical * se
    expected = (max(0.0, low.max() - high.min()), high.max() - low.min())
    assert diff.value.ci_method == "simultaneous" and diff.comparisons == 6
    tolerance = 0.1 * (expected[1] - expected[0])  # Monte-Carlo error of two bootstraps
    assert diff.value.ci_low == pytest.approx(expected[0], abs=tolerance)
    assert diff.value.ci_high == pytest.approx(expected[1], abs=tolerance)


def test_score_bootstrap_uses_row_resampling_with_same_distribution(table):
    # With a score metric the replicates are draws of the score-bin table, without one of
    # the confusion counts; both resample rows, so their intervals agree.
    by_rows = evaluate(
        table,
        label="y",
        score="s",
        sensitive=["a"],
        n_boot=1500,
        seed=1,
        metrics=["selection_rate", "roc_auc"],
    )
    by_counts = evaluate(
        table,
        label="y",
        score="s",
        sensitive=["a"],
        n_boot=1500,
        seed=2,
        metrics=["selection_rate"],
    )
    a, b = by_rows.overall["selection_rate"], by_counts.overall["selection_rate"]
    se = (a.ci_high - a.ci_low) / 3.92
    assert abs(a.ci_low - b.ci_low) < 0.4 * se and abs(a.ci_high - b.ci_high) < 0.4 * se
    auc = by_rows.overall["roc_auc"]
    assert auc.ci_low < auc.value < auc.ci_high and auc.ci_method == "bootstrap"


def test_multinomial_replicates_keep_the_total_and_the_mean():
    counts = np.array([[[5, 1], [2, 12]], [[40, 3], [0, 7]]])
    reps = np.concatenate(list(multinomial_counts(counts, 4000, np.random.default_rng(0))))
    assert reps.shape == (4000, 2, 2, 2)
    assert (reps.sum(axis=(1, 2, 3)) == counts.sum()).all()
    assert np.allclose(reps.mean(axis=0), counts, atol=0.35)
    assert reps[:, 1, 1, 0].max() == 0  # an empty cell stays empty


def test_row_weights_resample_every_row_count():
    weights = list(row_weights(50, 20, np.random.default_rng(0)))
    assert all(w.sum() == 50 and (w >= 0).all() for w in weights)


def test_wilson_interval_matches_hand_computation():
    # 8 of 10 at 95%: the textbook Wilson interval is [0.4902, 0.9433].
    low, high = wilson_interval(np.array([8, 0]), np.array([10, 0]), 0.95)
    assert np.isclose(low[0], 0.49016, atol=1e-4) and np.isclose(high[0], 0.94331, atol=1e-4)
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_wilson_method_gives_wilson_for_proportions_and_bootstrap_for_the_rest(table):
    evaluation = evaluate(
        table,
        label="y",
        pred="yhat",
        sensitive=["a"],
        ci_method="wilson",
        n_boot=200,
        metrics=["accuracy", "balanced_accuracy"],
    )
    accuracy = evaluation.overall["accuracy"]
    assert accuracy.ci_method == "wilson"
    correct = int((table.y == table.yhat).sum())
    low, high = wilson_interval(np.array([correct]), np.array([len(table)]), 0.95)
    assert (accuracy.ci_low, accuracy.ci_high) == (low[0], high[0])
    assert evaluation.overall["balanced_accuracy"].ci_method == "bootstrap"


def test_same_seed_same_bytes_and_other_seed_other_intervals(table, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    kwargs = dict(label="y", score="s", sensitive=["a", "b"], n_boot=100)
    first = evaluate(table, seed=5, **kwargs).model_dump_json()
    assert evaluate(table, seed=5, **kwargs).model_dump_json() == first
    assert evaluate(table, seed=6, **kwargs).model_dump_json() != first


def test_undefined_point_has_no_interval():
    df = pd.DataFrame({"y": [0, 0, 1, 1], "yhat": [0, 0, 1, 0], "g": ["a", "a", "b", "b"]})
    evaluation = evaluate(df, label="y", pred="yhat", sensitive=["g"], n_boot=50)
    group_a = next(g for g in evaluation.groups if g.features == {"g": "a"})
    recall = group_a.metrics["recall"]
    assert recall.value is None and recall.ci_low is None
    assert recall.undefined_reason == "no positive labels in group"
    precision = group_a.metrics["precision"]
    assert (
        precision.value is None and precision.undefined_reason == "no predicted positives in group"
    )


def test_percentile_interval_equals_numpy_quantile_ignoring_undefined_replicates():
    rng = np.random.default_rng(0)
    for _ in range(200):
        reps = rng.random((int(rng.integers(1, 60)), 4))
        reps[rng.random(reps.shape) < rng.random()] = np.nan
        low, high = percentile_interval(reps, 0.95)
        for j in range(reps.shape[1]):
            defined = reps[np.isfinite(reps[:, j]), j]
            if len(defined):
                assert [low[j], high[j]] == np.quantile(defined, [0.025, 0.975]).tolist()
            else:
                assert np.isnan(low[j]) and np.isnan(high[j])
