"""A realistic case: a logistic regression on UCI Adult, evaluated by race x sex.

cardgen's numbers must equal fairlearn's and scikit-learn's on the same predictions.
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
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from shareddata import shipped_adult
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

from cardgen.evaluate import evaluate

NUMERIC = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
RTOL = 1e-12


def read_adult(name: str) -> pd.DataFrame:
    df = pd.read_csv(shipped_adult(name), sep=",", skipinitialspace=True, na_values="?")
    df["Y"] = df["Y"].str.rstrip(".")  # the test split writes '>50K.'
    return df


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    train, test = read_adult("adult.data"), read_adult("adult.test")
    model = LogisticRegression(max_iter=1000).fit(train[NUMERIC], train["Y"] == ">50K")
    test = test[["Y", "race", "sex", *NUMERIC]].copy()
    test["score"] = model.predict_proba(test[NUMERIC])[:, 1]
    test["pred"] = np.where(test["score"] >= 0.5, ">50K", "<=50K")
    return test


@pytest.fixture(scope="module")
def evaluation(predictions):
    return evaluate(
        predictions,
        label="Y",
        score="score",
        pos_label=">50K",
        sensitive=["race", "sex"],
        n_boot=200,
        seed=0,
        require=["demographic_parity_ratio>=0.8", "accuracy>=0.75"],
    )


def test_groups_and_overall_equal_metricframe(predictions, evaluation):
    y = predictions["Y"] == ">50K"
    yhat = predictions["score"] >= 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = MetricFrame(
            metrics={
                "count": count,
                "selection_rate": selection_rate,
                "accuracy": accuracy_score,
                "true_positive_rate": true_positive_rate,
                "false_positive_rate": false_positive_rate,
                "precision": lambda t, p: precision_score(t, p, zero_division=np.nan),
            },
            y_true=y,
            y_pred=yhat,
            sensitive_features=predictions[["race", "sex"]],
        )
    groups = {
        (g.features["race"], g.features["sex"]): g
        for g in evaluation.groups
        if len(g.features) == 2
    }
    assert len(groups) == len(mf.by_group) == 10
    for key, row in mf.by_group.iterrows():
        group = groups[key]
        assert group.n == row["count"]
        assert group.small == (row["count"] < 30)
        for name in (
            "selection_rate",
            "accuracy",
            "true_positive_rate",
            "false_positive_rate",
            "precision",
        ):
            ours = group.metrics["recall"] if name == "true_positive_rate" else group.metrics[name]
            if np.isnan(row[name]):
                assert ours.value is None
            else:
                assert np.isclose(ours.value, row[name], rtol=RTOL, atol=0), (key, name)
                assert ours.ci_low <= ours.value <= ours.ci_high
    assert np.isclose(evaluation.overall["accuracy"].value, accuracy_score(y, yhat), rtol=RTOL)
    # Scores in 512 bins: each group's ROC AUC within the bound the evaluation records.
    bound = evaluation.details["score_bins"]["roc_auc_max_error"]
    assert evaluation.details["score_bins"]["exact"] is False and 0 < bound < 0.05
    for (race, sex), rows in predictions.groupby(["race", "sex"]):
        auc = groups[(race, sex)].metrics["roc_auc"]
        if (rows["Y"] == ">50K").nunique() == 2:
            exact = roc_auc_score(rows["Y"] == ">50K", rows["score"])
            assert abs(auc.value - exact) <= bound + 1e-12


def test_fairness_measures_equal_fairlearn(predictions, evaluation):
    """Each rate compares the race × sex groups whose own denominator has at least 30
    people (rows, positives, negatives): fairlearn on the rows of those groups."""
    y = predictions["Y"] == ">50K"
    yhat = predictions["score"] >= 0.5
    cells = predictions.groupby(["race", "sex"])
    rows = cells["Y"].transform("size") >= 30
    positives = cells["Y"].transform(lambda s: (s == ">50K").sum()) >= 30
    negatives = cells["Y"].transform(lambda s: (s != ">50K").sum()) >= 30
    sf = predictions[["race", "sex"]]
    measures = evaluation.fairness_measures

    def frame(metric, keep):
        return MetricFrame(
            metrics=metric, y_true=y[keep], y_pred=yhat[keep], sensitive_features=sf[keep]
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tpr, fpr = frame(true_positive_rate, positives), frame(false_positive_rate, negatives)
        expected = {
            "demographic_parity_difference": demographic_parity_difference(
                y[rows], yhat[rows], sensitive_features=sf[rows]
            ),
            "demographic_parity_ratio": demographic_parity_ratio(
                y[rows], yhat[rows], sensitive_features=sf[rows]
            ),
            "equal_opportunity_difference": tpr.difference(),
            "equalized_odds_difference": max(tpr.difference(), fpr.difference()),
            "equalized_odds_ratio": min(tpr.ratio(), fpr.ratio()),
        }
    # the test data has intersections with fewer than 30 positives: they are left out
    assert not positives.all()
    left_out = {
        tuple(i.features.values())
        for i in evaluation.insufficient_evidence
        if i.metric == "true_positive_rate" and len(i.features) == 2
    }
    assert left_out == {key for key, group in cells if (group["Y"] == ">50K").sum() < 30}
    for name, value in expected.items():
        assert np.isclose(measures[name].value, value, rtol=RTOL), name
        assert measures[name].ci_low is not None and measures[name].ci_method == "simultaneous"

    # each measure's interval is simultaneous over every pair of groups it was chosen from
    def pairs(keep):
        k = predictions[keep].groupby(["race", "sex"]).ngroups
        return k * (k - 1) // 2

    assert evaluation.fairness_comparisons == {
        "demographic_parity_difference": pairs(rows),
        "demographic_parity_ratio": pairs(rows),
        "equal_opportunity_difference": pairs(positives),
        "equal_opportunity_ratio": pairs(positives),
        "equalized_odds_difference": pairs(positives) + pairs(negatives),
        "equalized_odds_ratio": pairs(positives) + pairs(negatives),
    }


def test_release_gate_reports_each_requirement(evaluation):
    tests = {t.expression: t for t in evaluation.threshold_tests}
    dp = tests["demographic_parity_ratio>=0.8"]
    assert dp.observed == evaluation.fairness_measures["demographic_parity_ratio"].value
    assert dp.passed is (dp.observed >= 0.8)
    accuracy = tests["accuracy>=0.75"]
    assert accuracy.passed is True and accuracy.observed == evaluation.overall["accuracy"].value


def test_marginal_groups_and_reference_disparities(evaluation, predictions):
    sexes = {g.features["sex"]: g for g in evaluation.groups if list(g.features) == ["sex"]}
    assert sexes["Female"].n == (predictions["sex"] == "Female").sum()
    to_ref = [
        d
        for d in evaluation.disparities
        if d.comparison == "to_reference"
        and d.metric == "selection_rate"
        and d.features == ["race", "sex"]
        and d.measure == "difference"
    ]
    assert {tuple(d.reference.values()) for d in to_ref} == {("White", "Male")}  # the largest
    black_female = next(d for d in to_ref if d.group == {"race": "Black", "sex": "Female"})
    groups = {tuple(g.features.values()): g for g in evaluation.groups if len(g.features) == 2}
    expected = (
        groups[("Black", "Female")].metrics["selection_rate"].value
        - groups[("White", "Male")].metrics["selection_rate"].value
    )
    assert black_female.value.value == pytest.approx(expected, rel=1e-12)
    assert black_female.value.ci_low < black_female.value.value < black_female.value.ci_high


def test_roc_auc_is_exact_when_every_score_has_its_own_bin(predictions):
    bins = predictions["score"].nunique()
    evaluation = evaluate(
        predictions,
        label="Y",
        score="score",
        pos_label=">50K",
        sensitive=["race", "sex"],
        ci_method="none",
        score_bins=bins,
    )
    assert evaluation.details["score_bins"] == {
        "budget": bins,
        "bins": bins,
        "exact": True,
        "roc_auc_max_error": 0.0,
    }
    groups = {tuple(g.features.values()): g for g in evaluation.groups if len(g.features) == 2}
    for (race, sex), rows in predictions.groupby(["race", "sex"]):
        if (rows["Y"] == ">50K").nunique() == 2:
            assert np.isclose(
                groups[(race, sex)].metrics["roc_auc"].value,
                roc_auc_score(rows["Y"] == ">50K", rows["score"]),
                rtol=1e-10,
            )
