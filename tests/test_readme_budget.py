"""Hub README budgets: the same short front matter for 10, 200 or 20,000 groups, a README
under 1 MiB at 200 groups, and at 20,000 the worst groups with a pointer to the sidecar."""

from __future__ import annotations

import json

import numpy as np
import pytest
from huggingface_hub import ModelCard as HubModelCard

from cardgen.render import render, sidecars
from cardgen.render._glance import SHOWN_WHEN_CAPPED
from cardgen.render.regions import split_front_matter
from cardgen.schema import (
    DatasetReference,
    DisaggregatedEvaluation,
    Disparity,
    GroupResult,
    InsufficientEvidence,
    MetricValue,
    ModelCard,
    ThresholdTest,
)

HEADLINE = [
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "precision",
    "accuracy",
]
OTHER = ["balanced_accuracy", "base_rate", "f1", "recall", "true_negative_rate"]
HUB_LIMIT = 10 * 1024 * 1024


def value(rng: np.random.Generator, n: int) -> MetricValue:
    v = float(rng.random())
    return MetricValue(
        value=v,
        ci_low=max(0.0, v - 0.05),
        ci_high=min(1.0, v + 0.05),
        ci_level=0.95,
        ci_method="bootstrap",
        n=n,
    )


def synthetic(n_groups: int, seed: int = 0) -> DisaggregatedEvaluation:
    """An evaluation of `n_groups` race × region intersections (and their marginals)."""
    rng = np.random.default_rng(seed)
    # The overall values come from their own generator: the same for every size.
    fixed = np.random.default_rng(seed + 1)
    overall = {m: value(fixed, 10_000) for m in HEADLINE + OTHER}
    races = 10 if n_groups <= 1000 else 100
    regions = n_groups // races
    # A pool of values, reused: 20,000 groups x 11 metrics stay quick to build.
    pool = {n: [value(rng, n) for _ in range(16)] for n in range(5, 400, 7)}
    groups, small = [], []
    for i in range(races * regions):
        features = {"race": f"race-{i // regions:03d}", "region": f"region-{i % regions:03d}"}
        n = int(rng.choice(list(pool)))
        picks = rng.integers(0, 16, len(HEADLINE + OTHER))
        groups.append(
            GroupResult(
                features=features,
                n=n,
                small=n < 30,
                metrics={m: pool[n][k] for m, k in zip(HEADLINE + OTHER, picks, strict=True)},
            )
        )
        if n < 30:
            small += [InsufficientEvidence(metric=m, features=features, n=n) for m in HEADLINE]
    for feature, count in (("race", races), ("region", regions)):
        groups += [
            GroupResult(
                features={feature: f"{feature}-{j:03d}"},
                n=1000,
                metrics={m: value(rng, 1000) for m in HEADLINE + OTHER},
            )
            for j in range(count)
        ]
    extremes = [groups[0].features, groups[1].features]
    disparities = [
        Disparity(
            metric=m,
            features=["race", "region"],
            comparison="between_groups",
            measure=measure,
            value=value(rng, 10_000),
            extremes=extremes,
        )
        for m in HEADLINE + OTHER
        for measure in ("difference", "ratio")
    ]
    return DisaggregatedEvaluation(
        name="synthetic",
        task="binary",
        dataset=DatasetReference(name="synthetic", id="org/synthetic", split="test"),
        sensitive_features=["race", "region"],
        headline_metrics=HEADLINE,
        overall=overall,
        groups=groups,
        disparities=disparities,
        fairness_measures={"demographic_parity_ratio": value(rng, 10_000)},
        fairness_groups={"demographic_parity_ratio": extremes},
        insufficient_evidence=small,
        threshold_tests=[
            ThresholdTest(
                expression="demographic_parity_ratio>=0.8",
                metric="demographic_parity_ratio",
                operator=">=",
                threshold=0.8,
                observed=0.5,
                passed=False,
                groups=extremes,
            )
        ],
        details={"input": {"rows": 10_000}},
    )


def readme(evaluation: DisaggregatedEvaluation) -> tuple[str, str, str]:
    card = ModelCard(name="budget")
    card.quantitative_analyses.evaluations.append(evaluation)
    text = render(card, "hub")
    front, body = split_front_matter(text)
    return text, front or "", body


@pytest.fixture(scope="module")
def evaluations() -> dict[int, DisaggregatedEvaluation]:
    return {n: synthetic(n) for n in (10, 200, 20_000)}


@pytest.fixture(scope="module")
def rendered(evaluations) -> dict[int, tuple[str, str, str]]:
    return {n: readme(evaluation) for n, evaluation in evaluations.items()}


def test_front_matter_is_the_same_whatever_the_number_of_groups(rendered) -> None:
    fronts = {n: front for n, (_, front, _) in rendered.items()}
    assert fronts[10] == fronts[200] == fronts[20_000]
    assert fronts[10].count("\n") <= 80
    results = HubModelCard(rendered[10][0]).data.eval_results
    assert [r.metric_type for r in results] == HEADLINE  # overall headline values only
    assert {r.metric_config for r in results} == {None}


def test_two_hundred_groups_fit_in_a_small_readme(rendered) -> None:
    text, _, body = rendered[200]
    assert len(text.encode("utf-8")) < 1024 * 1024
    # every one of the 200 intersections (and 30 marginal groups) is in the headline table
    assert body.count("| race=race-") >= 200
    assert "furthest from the overall" not in body


def test_twenty_thousand_groups_show_the_worst_with_a_pointer_to_the_sidecar(rendered) -> None:
    text, _, body = rendered[20_000]
    size = len(text.encode("utf-8"))
    assert size < 1024 * 1024 and size < HUB_LIMIT / 100
    assert (
        f"The {SHOWN_WHEN_CAPPED} of 20,300 groups whose headline values lie furthest "
        "from the overall ones; every group is in [evaluation/synthetic.json]"
        "(evaluation/synthetic.json)."
    ) in body
    headline_rows = [
        line
        for line in body.split("<details")[0].splitlines()
        if line.startswith("| race=") or line.startswith("| region=")
    ]
    assert len(headline_rows) == SHOWN_WHEN_CAPPED
    # the insufficient-evidence notes name a few groups and count the rest
    assert "more" in body and "insufficient evidence" in body


def test_the_sidecar_holds_every_group_and_validates(evaluations) -> None:
    for size, expected in ((200, 230), (20_000, 20_300)):
        card = ModelCard(name="budget")
        card.quantitative_analyses.evaluations.append(evaluations[size])
        files = sidecars(card)
        assert list(files) == ["evaluation/synthetic.json"]
        document = json.loads(files["evaluation/synthetic.json"])
        assert len(document["groups"]) == expected
    small = ModelCard(name="budget")
    small.quantitative_analyses.evaluations.append(evaluations[200])
    parsed = json.loads(sidecars(small)["evaluation/synthetic.json"])
    assert DisaggregatedEvaluation.model_validate(parsed) == evaluations[200]
