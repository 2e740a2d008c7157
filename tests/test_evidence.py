"""Evidence-aware statistics: small denominators leave gaps, measures and tests, and every
interval contains its estimate. Expected values come from fairlearn on the groups that
remain, or from hand counts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    false_positive_rate,
    true_positive_rate,
)

from cardgen.cli import cli
from cardgen.cli.evaluate import METRIC_NAMES
from cardgen.errors import CardgenError, SpecError
from cardgen.evaluate import evaluate, failed_tests, summary_table
from cardgen.schema import ModelCard
from cardgen.schema.sources import _known_metric_names
from cardgen.spec import loads_spec

RTOL = 1e-12


def two_rows() -> pd.DataFrame:
    return pd.DataFrame({"y": [1, 0], "p": [1, 0], "g": ["a", "b"]})


def test_two_row_file_reports_no_certainty():
    ev = evaluate(
        two_rows(),
        label="y",
        pred="p",
        sensitive=["g"],
        require=["demographic_parity_difference<=0.1"],
    )
    dpd = ev.fairness_measures["demographic_parity_difference"]
    assert dpd.value is None and dpd.undefined_reason.startswith("insufficient evidence")
    # both groups (n=1 each) are named as left out, with their n
    assert {
        (tuple(i.features.values()), i.n)
        for i in ev.insufficient_evidence
        if i.metric == "selection_rate"
    } == {(("a",), 1), (("b",), 1)}
    (test,) = ev.threshold_tests
    assert test.passed is None and test.reason.startswith("not evaluated (insufficient evidence)")
    assert failed_tests(ev) == [test]  # it fails the gate
    # a group's rate of 1/1 is never shown as [1, 1]: Wilson's interval for 1 of 1
    rate = next(g for g in ev.groups if g.features == {"g": "a"}).metrics["selection_rate"]
    assert rate.value == 1.0 and rate.ci_high == 1.0
    assert rate.ci_low == pytest.approx(0.2065493143772375, rel=1e-9)  # 1/(1 + 1.96²)
    # fairlearn's behaviour on request: the gap, without a zero-width interval
    ev = evaluate(two_rows(), label="y", pred="p", sensitive=["g"], include_small_groups=True)
    dpd = ev.fairness_measures["demographic_parity_difference"]
    assert (
        dpd.value
        == demographic_parity_difference(
            two_rows().y, two_rows().p, sensitive_features=two_rows().g
        )
        == 1.0
    )
    assert dpd.ci_low is None and dpd.ci_high is None
    assert ev.insufficient_evidence == []


def race_sex_table(seed: int = 0) -> pd.DataFrame:
    """Four large intersections and one of two people, both not selected."""
    rng = np.random.default_rng(seed)
    parts = []
    for race, sex, n, rate in (
        ("A", "F", 400, 0.2),
        ("A", "M", 500, 0.35),
        ("B", "F", 300, 0.15),
        ("B", "M", 350, 0.3),
        ("C", "F", 2, 0.0),
    ):
        y = (rng.random(n) < 0.4).astype(int)
        p = (rng.random(n) < rate).astype(int)
        parts.append(pd.DataFrame({"y": y, "p": p, "race": race, "sex": sex}))
    return pd.concat(parts, ignore_index=True)


def test_an_intersection_of_two_people_is_left_out_of_the_fairness_measures():
    df = race_sex_table()
    ev = evaluate(
        df,
        label="y",
        pred="p",
        sensitive=["race", "sex"],
        n_boot=200,
        require=["demographic_parity_ratio>=0.8"],
    )
    big = df[df.race != "C"]
    sf = big[["race", "sex"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_ratio = demographic_parity_ratio(big.y, big.p, sensitive_features=sf)
        expected_diff = demographic_parity_difference(big.y, big.p, sensitive_features=sf)
        with_small = demographic_parity_ratio(df.y, df.p, sensitive_features=df[["race", "sex"]])
    assert with_small == 0.0  # what the n=2 group did to the headline number
    measures = ev.fairness_measures
    assert measures["demographic_parity_ratio"].value == pytest.approx(expected_ratio, rel=RTOL)
    assert measures["demographic_parity_difference"].value == pytest.approx(expected_diff, rel=RTOL)
    left_out = [
        (i.metric, i.features, i.n) for i in ev.insufficient_evidence if len(i.features) == 2
    ]
    assert ("selection_rate", {"race": "C", "sex": "F"}, 2) in left_out
    # the groups that produce the measure are named, and the test says which
    low, high = ev.fairness_groups["demographic_parity_ratio"]
    assert low == {"race": "B", "sex": "F"} and high == {"race": "A", "sex": "M"}
    (test,) = ev.threshold_tests
    assert test.groups == [low, high]
    text = summary_table(ev)
    assert "insufficient evidence, left out: race=C, sex=F (selection_rate n=2)" in text
    assert "from race=B, sex=F vs race=A, sex=M" in text
    # with --include-small-groups, fairlearn's number comes back
    ev = evaluate(
        df,
        label="y",
        pred="p",
        sensitive=["race", "sex"],
        ci_method="none",
        include_small_groups=True,
    )
    assert ev.fairness_measures["demographic_parity_ratio"].value == 0.0


def test_a_group_with_three_positives_is_left_out_of_equal_opportunity():
    rng = np.random.default_rng(1)
    big = pd.DataFrame(
        {"y": (rng.random(3000) < 0.3).astype(int), "g": rng.choice(["x", "y"], 3000)}
    )
    big["p"] = np.where(rng.random(3000) < 0.7, big.y, 1 - big.y)
    # 66 rows, 3 positives, all three missed: TPR 0 on 3 people
    small = pd.DataFrame({"y": [1] * 3 + [0] * 63, "p": [0] * 3 + [0] * 60 + [1] * 3, "g": "z"})
    df = pd.concat([big, small], ignore_index=True)
    ev = evaluate(df, label="y", pred="p", sensitive=["g"], n_boot=200)
    group = next(g for g in ev.groups if g.features == {"g": "z"})
    assert group.n == 66 and not group.small  # the group is not small ...
    assert group.metrics["true_positive_rate"].n == 3  # ... its TPR rests on 3 people
    remaining = df[df.g != "z"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = equal_opportunity_difference(
            remaining.y, remaining.p, sensitive_features=remaining.g
        )
        everyone = equal_opportunity_difference(df.y, df.p, sensitive_features=df.g)
    eod = ev.fairness_measures["equal_opportunity_difference"]
    assert eod.value == pytest.approx(expected, rel=RTOL) and eod.value < everyone
    # equalized odds: TPR without z, FPR with every group (z has 63 negatives)
    tpr = MetricFrame(
        metrics=true_positive_rate,
        y_true=remaining.y,
        y_pred=remaining.p,
        sensitive_features=remaining.g,
    ).difference()
    fpr = MetricFrame(
        metrics=false_positive_rate, y_true=df.y, y_pred=df.p, sensitive_features=df.g
    ).difference()
    assert ev.fairness_measures["equalized_odds_difference"].value == pytest.approx(
        max(tpr, fpr), rel=RTOL
    )
    assert ("true_positive_rate", {"g": "z"}, 3) in [
        (i.metric, i.features, i.n) for i in ev.insufficient_evidence
    ]


def test_every_interval_contains_its_point_estimate():
    # Two groups with identical selection rates: the ratio is 1.0, while every replicate
    # ratio is at most 1 (the percentile interval alone would end below 1.0).
    df = pd.DataFrame(
        {"y": [0, 1] * 200, "p": ([1] * 50 + [0] * 150) * 2, "g": ["a"] * 200 + ["b"] * 200}
    )
    ev = evaluate(df, label="y", pred="p", sensitive=["g"], n_boot=300, seed=3)
    ratio = ev.fairness_measures["demographic_parity_ratio"]
    assert ratio.value == 1.0 and ratio.ci_high == 1.0 and ratio.ci_low < 1.0
    for table in (race_sex_table(), df):
        features = ["race", "sex"] if "race" in table else ["g"]
        ev = evaluate(table, label="y", pred="p", sensitive=features, n_boot=100)
        values = [
            *ev.overall.values(),
            *ev.fairness_measures.values(),
            *(mv for g in ev.groups for mv in g.metrics.values()),
            *(d.value for d in ev.disparities),
        ]
        for mv in values:
            if mv.value is not None and mv.ci_low is not None:
                assert mv.ci_low <= mv.value <= mv.ci_high, mv
                assert mv.ci_high > mv.ci_low or mv.ci_method == "none", mv
    assert "contain its point estimate" in ev.details["intervals"]


def test_scores_outside_the_unit_interval_need_a_threshold():
    df = pd.DataFrame({"y": [0, 1, 1, 0], "s": [1, 7, 10, 3]})
    with pytest.raises(CardgenError, match=r"range from 1 to 10, outside \[0, 1\].*--threshold"):
        evaluate(df, label="y", score="s")
    ev = evaluate(df, label="y", score="s", threshold=5, ci_method="none")
    assert ev.overall["selection_rate"].value == 0.5


def test_predictions_that_share_no_value_with_the_labels_are_an_error():
    df = pd.DataFrame({"y": [">50K", "<=50K", "<=50K"], "p": [1, 0, 0]})
    with pytest.raises(CardgenError, match="share no value with the labels"):
        evaluate(df, label="y", pred="p")


def test_headline_metrics_default_per_task_and_from_the_spec():
    df = race_sex_table()
    ev = evaluate(df, label="y", pred="p", sensitive=["race", "sex"], ci_method="none")
    assert ev.headline_metrics == [
        "selection_rate",
        "true_positive_rate",
        "false_positive_rate",
        "false_negative_rate",
        "precision",
        "accuracy",
    ]
    assert "balanced_accuracy" in ev.overall  # everything else is still computed
    reg = pd.DataFrame({"y": [1.5, 2.0, 3.5], "p": [1.0, 2.5, 3.0]})
    assert evaluate(reg, label="y", pred="p", ci_method="none").headline_metrics == [
        "mean_absolute_error",
        "root_mean_squared_error",
    ]
    ev = evaluate(df, label="y", pred="p", ci_method="none", headline_metrics=["f1"])
    assert ev.headline_metrics == ["f1"]
    text = summary_table(evaluate(df, label="y", pred="p", sensitive=["race"], ci_method="none"))
    assert all(f"{short}=" in text for short in ("TPR", "FPR", "FNR", "prec", "acc", "sel"))


def test_an_unknown_headline_metric_names_file_line_and_column():
    text = "kind: model\nname: m\nheadline_metrics:\n  - accuracy\n  - acuracy\n"
    with pytest.raises(SpecError) as info:
        loads_spec(text, "cards/m.yaml")
    message = str(info.value)
    assert "cards/m.yaml:5:5" in message and "unknown metric 'acuracy'" in message
    assert "true_positive_rate" in message  # the names to choose from
    assert ModelCard(name="m", headline_metrics=["recall[cat]"]).headline_metrics


def test_help_lists_the_metric_names():
    assert ", ".join(_known_metric_names()) == METRIC_NAMES
    result = CliRunner().invoke(cli, ["evaluate", "--help"])
    assert "false_negative_rate" in result.output and "--include-small-groups" in result.output


def test_a_test_with_too_little_evidence_fails_the_build(tmp_path, monkeypatch):
    from cardgen.build import build

    monkeypatch.chdir(tmp_path)
    two_rows().to_csv("p.csv", index=False)
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "m.yaml").write_text(
        "kind: model\nname: m\nsources:\n  evaluate:\n    - {data: p.csv, label: y, pred: p, "
        "sensitive: [g], require: ['demographic_parity_difference<=0.1']}\n"
    )
    report = build("cards", root=tmp_path, site_project=None, progress=False)
    (failed,) = report.cards[0].tests_failed
    assert failed.passed is None and "insufficient evidence" in failed.reason
    assert report.tests_failed == 1
