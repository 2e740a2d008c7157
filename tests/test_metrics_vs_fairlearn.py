"""Property tests: cardgen's point estimates equal fairlearn's MetricFrame on random data.

Random tables with 1 to 4 sensitive features, missing sensitive values, single-class groups
and empty intersection cells; defined values must match exactly, undefined ones must be the
cases where scikit-learn divides by zero.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    mean_prediction,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)

from cardgen.evaluate import evaluate, value_text
from cardgen.metrics import MISSING

RTOL = 1e-12


def evaluate_all(*args, **kwargs):
    """`evaluate` with every group in gaps and measures: fairlearn's behaviour, compared here
    (the insufficient-evidence rule is tested against fairlearn in test_evidence.py)."""
    return evaluate(*args, include_small_groups=True, **kwargs)


SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_table(seed: int, n: int, n_features: int, missing: float) -> pd.DataFrame:
    """Labels, predictions and scores with skewed classes, and sparse sensitive features."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    p = rng.choice([0.0, 0.1, 0.5, 0.9, 1.0])
    data["y"] = (rng.random(n) < p).astype(int)
    data["yhat"] = np.where(rng.random(n) < 0.7, data["y"], 1 - data["y"])
    data["s"] = np.round(rng.random(n), 2)  # rounded: ties in scores
    for f in range(n_features):
        k = int(rng.integers(1, 4))
        values = rng.choice([f"v{j}" for j in range(k)], size=n).astype(object)
        values[rng.random(n) < missing] = np.nan
        values[0] = "v0"  # an all-missing feature is an input error, tested elsewhere
        data[f"f{f}"] = values
    return pd.DataFrame(data)


def fairlearn_frame(df: pd.DataFrame, features: list[str], metrics: dict) -> pd.DataFrame:
    sf = df[features].fillna(MISSING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = MetricFrame(metrics=metrics, y_true=df["y"], y_pred=df["yhat"], sensitive_features=sf)
    by_group = mf.by_group
    if not isinstance(by_group.index, pd.MultiIndex):
        by_group.index = pd.MultiIndex.from_arrays([by_group.index])
    return by_group.dropna(subset=["count"])


def our_groups(evaluation, features: list[str]) -> dict[tuple[str, ...], dict]:
    return {
        tuple(g.features[f] for f in features): g.metrics
        for g in evaluation.groups
        if list(g.features) == features
    }


def assert_same(ours, theirs: float, undefined: bool, where: str) -> None:
    if undefined:
        assert ours.value is None and ours.undefined_reason, where
    else:
        assert ours.value is not None, where
        assert np.isclose(ours.value, theirs, rtol=RTOL, atol=0), (where, ours.value, theirs)


def nan_if_zero_division(fn):
    def metric(y_true, y_pred):
        return fn(y_true, y_pred, zero_division=np.nan)

    return metric


BINARY = {
    "count": count,
    "base_rate": lambda yt, yp: float(np.mean(np.asarray(yt) == 1)),
    "selection_rate": selection_rate,
    "accuracy": accuracy_score,
    "precision": nan_if_zero_division(precision_score),
    "recall": nan_if_zero_division(recall_score),
    "f1": nan_if_zero_division(f1_score),
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "true_negative_rate": true_negative_rate,
    "positives": lambda yt, yp: int(np.sum(np.asarray(yt) == 1)),
    "negatives": lambda yt, yp: int(np.sum(np.asarray(yt) == 0)),
}
ALL_BINARY = [m for m in BINARY if m not in ("positives", "negatives")]


def check_binary_groups(evaluation, df: pd.DataFrame, features: list[str]) -> None:
    expected = fairlearn_frame(df, features, BINARY)
    ours = our_groups(evaluation, features)
    assert len(ours) == len(expected)
    for key, row in expected.iterrows():
        metrics = ours[tuple(value_text(v) for v in key)]
        where = f"{features}={key}"
        no_pos, no_neg = row["positives"] == 0, row["negatives"] == 0
        for name in ("count", "base_rate", "selection_rate", "accuracy"):
            assert_same(metrics[name], row[name], False, f"{where} {name}")
        for name in ("precision", "recall", "f1"):
            # scikit-learn with zero_division=nan: nan exactly where its denominator is 0.
            assert_same(metrics[name], row[name], bool(np.isnan(row[name])), f"{where} {name}")
        # fairlearn reports 0 for an empty denominator; cardgen reports undefined.
        assert_same(metrics["true_positive_rate"], row["true_positive_rate"], no_pos, where)
        assert_same(metrics["false_negative_rate"], row["false_negative_rate"], no_pos, where)
        assert_same(metrics["false_positive_rate"], row["false_positive_rate"], no_neg, where)
        assert_same(metrics["true_negative_rate"], row["true_negative_rate"], no_neg, where)
        if not (no_pos or no_neg):
            expected_ba = (row["true_positive_rate"] + row["true_negative_rate"]) / 2
            assert_same(metrics["balanced_accuracy"], expected_ba, False, where)
        else:
            assert metrics["balanced_accuracy"].value is None


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 80),
    n_features=st.integers(1, 4),
    missing=st.sampled_from([0.0, 0.1, 0.4]),
)
def test_binary_point_estimates_equal_metricframe(seed, n, n_features, missing):
    df = random_table(seed, n, n_features, missing)
    features = [f"f{i}" for i in range(n_features)]
    evaluation = evaluate_all(
        df,
        label="y",
        pred="yhat",
        sensitive=features,
        metrics=[*ALL_BINARY, "balanced_accuracy"],
        ci_method="none",
    )
    check_binary_groups(evaluation, df, features)
    if n_features > 1:
        for feature in features:
            check_binary_groups(evaluation, df, [feature])
    overall = evaluation.overall
    assert overall["count"].value == n
    assert np.isclose(overall["accuracy"].value, accuracy_score(df.y, df.yhat), rtol=RTOL)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 80), n_features=st.integers(1, 4))
def test_fairness_measures_equal_fairlearn(seed, n, n_features):
    df = random_table(seed, n, n_features, missing=0.1)
    features = [f"f{i}" for i in range(n_features)]
    evaluation = evaluate_all(df, label="y", pred="yhat", sensitive=features, ci_method="none")
    measures = evaluation.fairness_measures
    sf = df[features].fillna(MISSING)
    groups = our_groups(evaluation, features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(groups) >= 2:
            assert np.isclose(
                measures["demographic_parity_difference"].value,
                demographic_parity_difference(df.y, df.yhat, sensitive_features=sf),
                rtol=RTOL,
            )
            ratio = demographic_parity_ratio(df.y, df.yhat, sensitive_features=sf)
            if np.isfinite(ratio) and measures["demographic_parity_ratio"].value is not None:
                assert np.isclose(measures["demographic_parity_ratio"].value, ratio, rtol=RTOL)
            else:
                # The largest selection rate is 0: 0/0 is undefined, never reported as 0.
                assert measures["demographic_parity_ratio"].value is None
        else:
            assert measures["demographic_parity_difference"].value is None
        # fairlearn treats an undefined rate as 0, so compare where every group has both
        # classes.
        both = all(
            g["recall"].value is not None and g["false_positive_rate"].value is not None
            for g in groups.values()
        )
        if both and len(groups) >= 2:
            assert np.isclose(
                measures["equalized_odds_difference"].value,
                equalized_odds_difference(df.y, df.yhat, sensitive_features=sf),
                rtol=RTOL,
            )
            assert np.isclose(
                measures["equal_opportunity_difference"].value,
                equal_opportunity_difference(df.y, df.yhat, sensitive_features=sf),
                rtol=RTOL,
            )
            expected = equalized_odds_ratio(df.y, df.yhat, sensitive_features=sf)
            ours = measures["equalized_odds_ratio"].value
            assert (ours is None and not np.isfinite(expected)) or np.isclose(
                ours, expected, rtol=RTOL
            )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), n_features=st.integers(1, 3))
def test_score_metrics_equal_scikit_learn(seed, n, n_features):
    df = random_table(seed, n, n_features, missing=0.1)
    features = [f"f{i}" for i in range(n_features)]
    evaluation = evaluate_all(
        df,
        label="y",
        score="s",
        sensitive=features,
        threshold=0.5,
        metrics=["roc_auc", "brier_score", "selection_rate"],
        ci_method="none",
    )
    sf = df[features].fillna(MISSING)
    ours = our_groups(evaluation, features)
    for key, rows in df.groupby([sf[f] for f in features], sort=False):
        metrics = ours[tuple(value_text(v) for v in (key if isinstance(key, tuple) else (key,)))]
        assert np.isclose(
            metrics["brier_score"].value, brier_score_loss(rows.y, rows.s, pos_label=1), rtol=RTOL
        )
        assert np.isclose(metrics["selection_rate"].value, np.mean(rows.s >= 0.5), rtol=RTOL)
        if rows.y.nunique() == 2:
            assert np.isclose(metrics["roc_auc"].value, roc_auc_score(rows.y, rows.s), rtol=1e-10)
        else:
            assert metrics["roc_auc"].value is None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 80), n_features=st.integers(1, 3))
def test_multiclass_point_estimates_equal_metricframe(seed, n, n_features):
    rng = np.random.default_rng(seed)
    df = random_table(seed, n, n_features, missing=0.1)
    df["y"] = rng.choice(["cat", "dog", "eel"], size=n, p=[0.6, 0.3, 0.1])
    df.loc[df.index[:3], "y"] = ["cat", "dog", "eel"]  # every class occurs somewhere
    df["yhat"] = np.where(rng.random(n) < 0.6, df["y"], rng.choice(["cat", "dog", "eel"], n))
    features = [f"f{i}" for i in range(n_features)]
    evaluation = evaluate_all(
        df, label="y", pred="yhat", sensitive=features, task="multiclass", ci_method="none"
    )
    expected = fairlearn_frame(
        df,
        features,
        {
            "count": count,
            "accuracy": accuracy_score,
            "f1_macro": lambda yt, yp: f1_score(yt, yp, average="macro"),
            "recall_cat": lambda yt, yp: recall_score(
                yt, yp, labels=["cat"], average="macro", zero_division=np.nan
            ),
            "precision_dog": lambda yt, yp: precision_score(
                yt, yp, labels=["dog"], average="macro", zero_division=np.nan
            ),
        },
    )
    ours = our_groups(evaluation, features)
    for key, row in expected.iterrows():
        metrics = ours[tuple(value_text(v) for v in key)]
        for name, theirs in (
            ("accuracy", row["accuracy"]),
            ("f1_macro", row["f1_macro"]),
            ("recall[cat]", row["recall_cat"]),
            ("precision[dog]", row["precision_dog"]),
        ):
            assert_same(metrics[name], theirs, bool(np.isnan(theirs)), f"{key} {name}")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), n_features=st.integers(1, 3))
def test_regression_point_estimates_equal_scikit_learn(seed, n, n_features):
    rng = np.random.default_rng(seed)
    df = random_table(seed, n, n_features, missing=0.1)
    df["y"] = rng.normal(size=n) + 0.5
    df.loc[df.index[:3], "y"] = 2.0  # some groups may get a constant label
    df["yhat"] = df["y"] + rng.normal(scale=0.5, size=n)
    features = [f"f{i}" for i in range(n_features)]
    evaluation = evaluate_all(
        df, label="y", pred="yhat", sensitive=features, task="regression", ci_method="none"
    )
    expected = fairlearn_frame(
        df,
        features,
        {
            "count": count,
            "mae": mean_absolute_error,
            "rmse": root_mean_squared_error,
            "mean_prediction": mean_prediction,
            "r2": lambda yt, yp: r2_score(yt, yp) if np.var(yt) > 0 else np.nan,
        },
    )
    ours = our_groups(evaluation, features)
    for key, row in expected.iterrows():
        metrics = ours[tuple(value_text(v) for v in key)]
        assert_same(metrics["mean_absolute_error"], row["mae"], False, f"{key}")
        assert_same(metrics["root_mean_squared_error"], row["rmse"], False, f"{key}")
        assert_same(metrics["mean_prediction"], row["mean_prediction"], False, f"{key}")
        if np.isfinite(row["r2"]):
            assert np.isclose(metrics["r2_score"].value, row["r2"], rtol=1e-9)
        else:
            assert metrics["r2_score"].value is None


@pytest.mark.parametrize("n_features", [2, 3])
def test_empty_intersection_cells_are_counted_not_listed(n_features):
    df = pd.DataFrame(
        {
            "y": [0, 1, 1, 0],
            "yhat": [0, 1, 0, 0],
            "f0": ["a", "a", "b", "b"],
            "f1": ["x", "x", "y", "y"],
            "f2": ["u", "u", "u", "u"],
        }
    )
    features = [f"f{i}" for i in range(n_features)]
    evaluation = evaluate_all(df, label="y", pred="yhat", sensitive=features, ci_method="none")
    assert len(our_groups(evaluation, features)) == 2
    assert evaluation.details["empty_intersections"] == 2


def test_marginal_groups_equal_metricframe_when_cells_are_a_permutation():
    # Only the cells (v0, v1) and (v1, v0) occur: the marginal by f1 lists them reversed.
    df = pd.DataFrame(
        {
            "y": [1, 0, 1, 1, 0, 0],
            "yhat": [1, 1, 0, 1, 0, 1],
            "s": 0.5,
            "f0": ["v0"] * 3 + ["v1"] * 3,
            "f1": ["v1"] * 3 + ["v0"] * 3,
        }
    )
    evaluation = evaluate_all(
        df,
        label="y",
        pred="yhat",
        sensitive=["f0", "f1"],
        metrics=[*ALL_BINARY, "balanced_accuracy"],
        ci_method="none",
    )
    for features in (["f0", "f1"], ["f0"], ["f1"]):
        check_binary_groups(evaluation, df, features)
