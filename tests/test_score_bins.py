"""Score bins: the exact multinomial sampler, the ROC AUC error bound, exact bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from cardgen.evaluate import evaluate
from cardgen.metrics._bootstrap import multinomial_counts_split


def test_split_sampler_draws_the_multinomial_distribution():
    counts = np.array([[[50, 0], [3, 400]], [[1, 7], [0, 120]]])
    n = int(counts.sum())
    reps = np.concatenate(list(multinomial_counts_split(counts, 20000, np.random.default_rng(0))))
    assert reps.shape == (20000, 2, 2, 2)
    assert (reps.reshape(20000, -1).sum(axis=1) == n).all()
    assert (reps[:, 0, 0, 1] == 0).all() and (reps[:, 1, 1, 0] == 0).all()
    # Multinomial moments: mean n p, variance n p (1 - p), covariance -n p_i p_j.
    p = counts.reshape(-1) / n
    flat = reps.reshape(20000, -1).astype(np.float64)
    assert np.allclose(flat.mean(axis=0), n * p, atol=0.5)
    assert np.allclose(flat.var(axis=0), n * p * (1 - p), rtol=0.05, atol=0.05)
    cov = np.cov(flat[:, 3], flat[:, 7])[0, 1]
    assert cov == pytest.approx(-n * p[3] * p[7], rel=0.1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binned_roc_auc_stays_within_the_recorded_bound(seed):
    rng = np.random.default_rng(seed)
    n = 4000
    y = (rng.random(n) < 0.4).astype(int)
    score = rng.beta(2 + 2 * y, 5, size=n)  # scores crowded near 0: coarse bins
    frame = pd.DataFrame({"y": y, "s": score, "g": rng.choice(["a", "b", "c"], n)})
    evaluation = evaluate(
        frame, label="y", score="s", sensitive=["g"], ci_method="none", score_bins=16
    )
    bins = evaluation.details["score_bins"]
    assert bins["exact"] is False and bins["budget"] == 16
    bound = bins["roc_auc_max_error"]
    assert abs(evaluation.overall["roc_auc"].value - roc_auc_score(y, score)) <= bound
    for g, rows in frame.groupby("g"):
        group = next(x for x in evaluation.groups if x.features == {"g": g})
        assert abs(group.metrics["roc_auc"].value - roc_auc_score(rows.y, rows.s)) <= bound
    # Brier score comes from per-bin sums: exact whatever the bins.
    assert evaluation.overall["brier_score"].value == pytest.approx(
        brier_score_loss(y, score), rel=1e-12
    )


def test_ece_matches_a_hand_computation_with_binned_scores():
    rng = np.random.default_rng(3)
    n = 5000
    y = (rng.random(n) < 0.3).astype(int)
    score = rng.random(n)
    evaluation = evaluate(
        pd.DataFrame({"y": y, "s": score}), label="y", score="s", ci_method="none", score_bins=7
    )
    bins = np.minimum((score * 10).astype(int), 9)
    hand = sum(abs(y[bins == b].sum() - score[bins == b].sum()) for b in range(10)) / n
    assert evaluation.overall["expected_calibration_error"].value == pytest.approx(hand, rel=1e-12)


def test_score_bins_must_not_be_negative_and_rows_need_pandas(tmp_path):
    from cardgen.errors import CardgenError

    frame = pd.DataFrame({"y": [0, 1, 1, 0], "s": [0.1, 0.8, 0.6, 0.3]})
    with pytest.raises(CardgenError, match="--score-bins must be 0 or more"):
        evaluate(frame, label="y", score="s", score_bins=-1)
    frame.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(CardgenError, match=r"--score-bins 0 .* needs --engine pandas"):
        evaluate(tmp_path / "p.parquet", label="y", score="s", score_bins=0, engine="duckdb")
