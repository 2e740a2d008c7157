"""Headlines that survive many comparisons.

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


# Race × sex of a recidivism table (7,214 people): rows, share male, base rate and false
# positive rate per race, close to the published ProPublica figures.
RECIDIVISM = {
    "African-American": (3696, 0.82, 0.51, 0.448),
    "Caucasian": (2454, 0.80, 0.39, 0.235),
    "Hispanic": (637, 0.82, 0.37, 0.194),
    "Other": (377, 0.80, 0.36, 0.146),
    "Asian": (32, 0.85, 0.28, 0.10),
    "Native American": (18, 0.80, 0.50, 0.40),
}


def recidivism_like(seed: int = 21) -> pd.DataFrame:
    """A recidivism-like predictions table: race, sex, two-year recidivism, a high-risk flag."""
    rng = np.random.default_rng(seed)
    parts = []
    for race, (n, male, base, fpr) in RECIDIVISM.items():
        y = (rng.random(n) < base).astype(int)
        # high risk: false positives at the race's rate, true positives at about 0.6
        flag = np.where(y == 1, rng.random(n) < 0.6, rng.random(n) < fpr).astype(int)
        sex = np.where(rng.random(n) < male, "Male", "Female")
        parts.append(
            pd.DataFrame({"race": race, "sex": sex, "two_year_recid": y, "high_risk": flag})
        )
    return pd.concat(parts, ignore_index=True)


def test_each_attribute_leads_the_glance_with_its_reference_group() -> None:
    """The comparison the data is known for (African-American against Caucasian false
    positive rates) leads "at a glance"; the intersections' largest gap comes after."""
    from cardgen.render import render
    from cardgen.schema import ModelCard

    frame = recidivism_like()
    evaluation = evaluate(
        frame,
        label="two_year_recid",
        pred="high_risk",
        pos_label=1,
        sensitive=["race", "sex"],
        reference="race=Caucasian",
        n_boot=300,
        name="recidivism",
    )
    assert evaluation.reference == {"race": "Caucasian"}
    negatives = frame[frame["two_year_recid"] == 0]
    fpr = negatives.groupby("race")["high_risk"].mean()
    furthest = next(
        d
        for d in evaluation.disparities
        if d.comparison == "furthest_from_reference"
        and d.metric == "false_positive_rate"
        and d.features == ["race"]
    )
    assert furthest.group == {"race": "African-American"}
    assert furthest.reference == {"race": "Caucasian"}
    assert furthest.value.value == pytest.approx(fpr["African-American"] - fpr["Caucasian"])
    # four races have at least 30 negatives: three comparisons with the reference
    evidence = (negatives.groupby("race").size() >= 30).sum()
    assert evidence == 4 and furthest.comparisons == 3
    assert furthest.value.ci_method == "simultaneous"
    assert furthest.value.ci_low < furthest.value.value < furthest.value.ci_high
    # no reference named for sex or the intersections: no furthest-from-reference there
    assert {
        tuple(d.features)
        for d in evaluation.disparities
        if d.comparison == "furthest_from_reference"
    } == {("race",)}
    race_gap = next(
        d
        for d in evaluation.disparities
        if d.comparison == "between_groups"
        and d.measure == "difference"
        and d.metric == "false_positive_rate"
        and d.features == ["race"]
    )
    kept = fpr[negatives.groupby("race").size() >= 30]
    assert race_gap.value.value == pytest.approx(kept.max() - kept.min())
    assert race_gap.comparisons == 6 and race_gap.value.ci_method == "simultaneous"

    card = ModelCard(name="recidivism-risk", summary="A risk flag.")
    card.quantitative_analyses.evaluations.append(evaluation)
    readme = render(card, "hub")
    glance = readme.split("## At a Glance", 1)[1].split("<!-- cardgen:end at-a-glance -->")[0]
    race = glance.index("**race** (reference race=Caucasian):")
    sex = glance.index("**sex**:")
    both = glance.index("**race × sex**:")
    assert race < sex < both
    furthest_table = glance[race:sex].split("| Furthest from race=Caucasian (group − reference)")[1]
    row = next(
        line for line in furthest_table.splitlines() if line.startswith("| false_positive_rate |")
    )
    value = fpr["African-American"] - fpr["Caucasian"]
    assert row.startswith(f"| false_positive_rate | {value:.3f} [")
    assert row.endswith("| race=African-American | 3 groups |")
    assert "simultaneous 95% interval over all the pairs" in glance
