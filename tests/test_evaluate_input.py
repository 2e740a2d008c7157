"""Input handling of `cardgen.evaluate`: task inference, labels, groups, chunked reading.

Hand-written tables with known answers; the metric math itself is tested elsewhere.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate, parse_requirement, value_text

reading_module = importlib.import_module("cardgen.evaluate._reading")


def test_task_is_inferred_from_labels():
    binary = pd.DataFrame({"y": [0, 1, 1], "p": [0, 1, 0]})
    assert evaluate(binary, label="y", pred="p", ci_method="none").task == "binary"
    multiclass = pd.DataFrame({"y": ["a", "b", "c"], "p": ["a", "b", "b"]})
    assert evaluate(multiclass, label="y", pred="p", ci_method="none").task == "multiclass"
    regression = pd.DataFrame({"y": [0.5, 1.5, 3.0], "p": [0.4, 1.0, 2.0]})
    result = evaluate(regression, label="y", pred="p", ci_method="none")
    assert result.task == "regression"
    assert result.overall["mean_absolute_error"].value == pytest.approx((0.1 + 0.5 + 1) / 3)
    ambiguous = pd.DataFrame({"y": [1, 2, 3], "p": [1, 2, 2]})
    with pytest.raises(CardgenError, match="cannot infer the task"):
        evaluate(ambiguous, label="y", pred="p")
    assert evaluate(ambiguous, label="y", pred="p", task="multiclass", ci_method="none").overall[
        "accuracy"
    ].value == pytest.approx(2 / 3)


def test_positive_label_defaults_and_explicit_values():
    df = pd.DataFrame({"y": [True, False, True], "p": [True, True, False]})
    result = evaluate(df, label="y", pred="p", ci_method="none")
    assert result.pos_label == "True" and result.overall["base_rate"].value == 2 / 3
    strings = pd.DataFrame({"y": ["<=50K", ">50K", ">50K"], "p": [">50K", ">50K", "<=50K"]})
    result = evaluate(strings, label="y", pred="p", pos_label=">50K", ci_method="none")
    assert result.overall["precision"].value == 0.5
    flipped = evaluate(strings, label="y", pred="p", pos_label="<=50K", ci_method="none")
    assert flipped.overall["base_rate"].value == 1 / 3
    with pytest.raises(CardgenError, match="--pos-label 'yes' is not a value"):
        evaluate(strings, label="y", pred="p", pos_label="yes")


def test_all_negative_labels_with_default_positive_class():
    df = pd.DataFrame({"y": [0, 0, 0], "p": [0, 1, 0]})
    result = evaluate(df, label="y", pred="p", ci_method="none")
    assert result.overall["selection_rate"].value == 1 / 3
    assert result.overall["recall"].value is None


def test_missing_sensitive_values_form_a_group_and_order_is_stable():
    df = pd.DataFrame(
        {
            "y": [0, 1, 1, 0, 1],
            "p": [0, 1, 0, 0, 1],
            "g": ["b", None, "a", np.nan, "b"],
            "k": [2, 10, 2, 10, 2],
        }
    )
    result = evaluate(df, label="y", pred="p", sensitive=["g", "k"], ci_method="none")
    labels = [tuple(g.features.items()) for g in result.groups]
    assert labels[:3] == [
        (("g", "a"), ("k", "2")),
        (("g", "b"), ("k", "2")),
        (("g", "(missing)"), ("k", "10")),
    ]
    assert [g.n for g in result.groups[:3]] == [1, 2, 2]
    assert [g.features for g in result.groups[6:]] == [{"k": "2"}, {"k": "10"}]  # numeric
    shuffled = df.sample(frac=1, random_state=3)
    again = evaluate(shuffled, label="y", pred="p", sensitive=["g", "k"], ci_method="none")
    assert again.model_dump(exclude={"provenance"}) == result.model_dump(exclude={"provenance"})


def test_small_groups_are_flagged():
    df = pd.DataFrame({"y": [0, 1] * 20, "p": [0, 1] * 20, "g": ["a"] * 35 + ["b"] * 5})
    result = evaluate(df, label="y", pred="p", sensitive=["g"], ci_method="none")
    assert [(g.features["g"], g.small) for g in result.groups] == [("a", False), ("b", True)]
    lenient = evaluate(df, label="y", pred="p", sensitive=["g"], ci_method="none", min_group_size=5)
    assert not any(g.small for g in lenient.groups)


def test_reference_group_can_be_chosen():
    df = pd.DataFrame({"y": [0, 1, 1, 0], "p": [0, 1, 1, 1], "g": ["a", "a", "a", "b"]})
    result = evaluate(
        df,
        label="y",
        pred="p",
        sensitive=["g"],
        ci_method="none",
        reference="g=b",
        include_small_groups=True,
        metrics=["selection_rate"],
    )
    to_ref = [d for d in result.disparities if d.comparison == "to_reference"]
    assert {(d.measure, d.value.value) for d in to_ref} == {
        ("difference", 2 / 3 - 1),
        ("ratio", 2 / 3),
    }
    assert all(d.reference == {"g": "b"} and d.group == {"g": "a"} for d in to_ref)


def test_scores_outside_unit_interval_drop_probability_metrics_by_default():
    df = pd.DataFrame({"y": [0, 1, 1, 0], "s": [-2.0, 3.0, 0.5, 0.1]})
    result = evaluate(df, label="y", score="s", threshold=0.0, ci_method="none")
    assert "roc_auc" in result.overall and "brier_score" not in result.overall
    assert result.details["notes"]
    with pytest.raises(CardgenError, match="need scores in \\[0, 1\\]"):
        evaluate(df, label="y", score="s", threshold=0.0, metrics=["brier_score"])


def test_multiclass_reports_per_class_rates():
    df = pd.DataFrame({"y": ["a", "b", "c", "a"], "p": ["a", "c", "c", "b"]})
    result = evaluate(df, label="y", pred="p", ci_method="none")
    assert result.overall["recall[a]"].value == 0.5
    assert result.overall["precision[c]"].value == 0.5
    assert result.details["classes"] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("expression", "parsed"),
    [
        ("demographic_parity_ratio>=0.8", ("demographic_parity_ratio", ">=", 0.8)),
        (" accuracy_min > .7 ", ("accuracy_min", ">", 0.7)),
        ("recall[a]_difference<=1e-1", ("recall[a]_difference", "<=", 0.1)),
    ],
)
def test_requirements_parse(expression, parsed):
    r = parse_requirement(expression)
    assert (r.metric, r.operator, r.threshold) == parsed


def test_value_text_normalises_numbers_and_missing():
    assert [value_text(v) for v in (1, 1.0, 2.5, True, None, np.nan, "x")] == [
        "1",
        "1",
        "2.5",
        "True",
        "(missing)",
        "(missing)",
        "x",
    ]


def test_chunked_reading_adds_up_to_the_whole(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    n = 500
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.random(n),
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.choice([1, 2], n),
        }
    )
    df.loc[rng.random(n) < 0.05, "g"] = None
    df.to_parquet(tmp_path / "t.parquet", row_group_size=64)
    monkeypatch.setattr(reading_module, "CHUNK_ROWS", 64)
    kwargs = dict(label="y", score="s", sensitive=["g", "h"], n_boot=30, seed=1)
    streamed = evaluate(tmp_path / "t.parquet", **kwargs)
    whole = evaluate(df, **kwargs)
    assert streamed.details["input"]["rows"] == n
    assert streamed.model_dump(
        include={"groups", "overall", "fairness_measures"}
    ) == whole.model_dump(include={"groups", "overall", "fairness_measures"})


def test_spec_evaluate_block_runs_the_same_evaluation(tmp_path):
    from cardgen.evaluate import evaluate_source
    from cardgen.schema import EvaluateSource

    path = tmp_path / "preds.csv"
    pd.DataFrame({"y": [0, 1, 1, 0], "p": [0, 1, 0, 0], "g": list("aabb")}).to_csv(
        path, index=False
    )
    source = EvaluateSource(
        data=str(path), label="y", pred="p", sensitive="g", require=["accuracy>=0.9"], n_boot=20
    )
    result = evaluate_source(source, name="spec")
    assert result.name == "spec" and result.sensitive_features == ["g"]
    assert result.overall["accuracy"].value == 0.75
    assert [t.passed for t in result.threshold_tests] == [False]


def test_the_score_bins_default_is_the_metrics_engines() -> None:
    # Written out in `evaluate`'s signature so that importing cardgen.evaluate loads no numpy.
    import inspect

    from cardgen.metrics import DEFAULT_SCORE_BINS

    default = inspect.signature(evaluate).parameters["score_bins"].default
    assert default == DEFAULT_SCORE_BINS == 512
