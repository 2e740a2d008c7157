"""Synthetic card projects for the site benchmark and tests: specs plus collected facts.

Writes plausible, deterministic model and data cards (evaluations with groups, CIs,
disparities and threshold tests; dataset profiles; lineage); it never builds anything.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

GROUPS = [
    ("White", "Male"),
    ("White", "Female"),
    ("Black", "Male"),
    ("Black", "Female"),
    ("Other", "Female"),
]


def _metric(rng: random.Random, n: int, centre: float) -> dict[str, object]:
    value = min(max(centre + rng.uniform(-0.08, 0.08), 0.0), 1.0)
    half = 1.96 * (value * (1 - value) / max(n, 1)) ** 0.5 + 0.001
    return {
        "value": round(value, 4),
        "ci_low": round(max(value - half, 0.0), 4),
        "ci_high": round(min(value + half, 1.0), 4),
        "ci_level": 0.95,
        "ci_method": "bootstrap",
        "n": n,
    }


def evaluation(name: str, rng: random.Random, shift: float = 0.0) -> dict[str, object]:
    """A binary-classification evaluation disaggregated by race × sex, as a fact."""
    groups = []
    metrics = ("accuracy", "selection_rate", "true_positive_rate")
    for race, sex in GROUPS:
        n = 12 if race == "Other" else rng.randint(200, 5000)
        values = {m: _metric(rng, n, 0.8 + shift if m == "accuracy" else 0.3) for m in metrics}
        if race == "Other":
            values["true_positive_rate"] = {
                "value": None,
                "n": 0,
                "undefined_reason": "no positive labels in group",
            }
        groups.append(
            {"features": {"race": race, "sex": sex}, "n": n, "small": n < 30, "metrics": values}
        )
    overall = {m: _metric(rng, 16281, 0.8 + shift if m == "accuracy" else 0.3) for m in metrics}
    gap = _metric(rng, 16281, 0.1)
    return {
        "name": name,
        "task": "binary",
        "sensitive_features": ["race", "sex"],
        "min_group_size": 30,
        "overall": overall,
        "groups": groups,
        "dataset": {"name": "synthetic-data-0000", "split": "test"},
        "disparities": [
            {
                "metric": "accuracy",
                "features": ["race", "sex"],
                "comparison": "between_groups",
                "measure": "difference",
                "value": gap,
            },
            {
                "metric": "selection_rate",
                "features": ["race", "sex"],
                "comparison": "between_groups",
                "measure": "ratio",
                "value": _metric(rng, 16281, 0.7),
            },
        ],
        "fairness_measures": {"demographic_parity_ratio": _metric(rng, 16281, 0.7)},
        "threshold_tests": [
            {
                "expression": "demographic_parity_ratio>=0.8",
                "metric": "demographic_parity_ratio",
                "operator": ">=",
                "threshold": 0.8,
                "observed": 0.7,
                "passed": False,
            },
            {
                "expression": "accuracy>=0.7",
                "metric": "accuracy",
                "operator": ">=",
                "threshold": 0.7,
                "observed": 0.8,
                "passed": True,
            },
        ],
        "provenance": {"source_kind": "evaluate", "collected_at": "2026-11-01T00:00:00Z"},
    }


def profile(source: str, rng: random.Random) -> dict[str, object]:
    """A dataset profile with two groups, base rates and a histogram, as a fact."""
    counts = [rng.randint(100, 900) for _ in range(4)]
    edges = [float(i * 10) for i in range(9)]
    return {
        "source": source,
        "format": "csv",
        "num_rows": 2000,
        "num_columns": 3,
        "columns": [
            {
                "name": "age",
                "type": "integer",
                "storage_type": "int64",
                "count": 2000,
                "missing": 0,
                "numeric": {
                    "min": 0.0,
                    "max": 80.0,
                    "histogram": {"bin_edges": edges, "counts": counts + counts},
                },
            }
        ],
        "sensitive_features": ["sex"],
        "label": "income",
        "pos_label": ">50K",
        "base_rate": _metric(rng, 2000, 0.24),
        "groups": [
            {
                "features": {"sex": s},
                "count": c,
                "share": round(c / 2000, 4),
                "small": False,
                "base_rate": _metric(rng, c, 0.24),
            }
            for s, c in (("Female", 700), ("Male", 1300))
        ],
    }


DEEP_WORD = "quillwort"
"""A word only the middle model card holds, near the end of its body."""


def write_cards(
    folder: Path,
    count: int,
    *,
    data_every: int = 5,
    seed: int = 0,
    shift: float = 0.0,
    summary: str | None = None,
) -> list[str]:
    """Write `count` specs into `folder/cards` and their facts into `folder/.cardgen`.

    Every `data_every`-th card is a data card; every 7th model derives from the model
    before it; models name `synthetic-data-0000` as their dataset. The model card nearest
    the middle has `DEEP_WORD` deep in its body (its citation, near the end), for search tests.

    Returns:
        The card names, in order.
    """
    rng = random.Random(seed)
    cards = folder / "cards"
    cards.mkdir(parents=True, exist_ok=True)
    names = []
    previous_model: str | None = None
    for i in range(count):
        is_data = i % data_every == 0
        name = f"synthetic-{'data' if is_data else 'model'}-{i:04d}"
        names.append(name)
        facts = folder / ".cardgen" / name
        facts.mkdir(parents=True, exist_ok=True)
        text = summary or f"Synthetic card number {i} for site tests and benchmarks."
        if is_data:
            spec = {
                "kind": "data",
                "name": name,
                "title": f"Synthetic dataset {i}",
                "summary": text,
                "authorship": {"version": "1.0"},
                "metadata": {
                    "license": ["cc-by-4.0"],
                    "task_categories": ["tabular-classification"],
                },
            }
            (facts / "profile-data.json").write_text(json.dumps(profile("data.csv", rng)))
        else:
            spec = {
                "kind": "model",
                "name": name,
                "title": f"Synthetic model {i}",
                "summary": text,
                "model_details": {"version": "1.0"},
                "metadata": {
                    "license": "apache-2.0",
                    "pipeline_tag": "tabular-classification",
                    "datasets": ["synthetic-data-0000"],
                },
            }
            if i == deep_card(count, data_every):
                spec["model_details"]["citation"] = (  # type: ignore[index]
                    f"Cite the {DEEP_WORD} calibration report of the maintainers."
                )
            if previous_model and i % 7 == 0:
                spec["metadata"]["base_model"] = [previous_model]  # type: ignore[index]
            (facts / "evaluate-test.json").write_text(json.dumps(evaluation("test", rng, shift)))
            previous_model = name
        (cards / f"{name}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return names


def deep_card(count: int, data_every: int = 5) -> int:
    """Index of the model card that holds `DEEP_WORD`: the middle one (moved off a data card)."""
    middle = count // 2
    return middle + 1 if middle % data_every == 0 else middle


WIDE_CARD = "wide-model"
WIDE_METRICS = (
    "accuracy",
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "precision",
    "balanced_accuracy",
    "f1",
)
"""Headline metrics of the wide card: its per-group table is far wider than a page."""
WIDE_GROUPS = 120
"""Groups of the wide card: more than one chart shows (`ROWS_MAX`), fewer than tables cap."""


def write_wide_card(folder: Path, seed: int = 7) -> str:
    """A model card evaluated over `WIDE_GROUPS` groups with long names (region × age band ×
    sex) and eight headline metrics, for layout tests: a table wider than the page, group
    labels that wrap unless told not to, and charts taller than a screen unless capped.

    Returns:
        The card's name.
    """
    rng = random.Random(seed)
    regions = [f"Region-{name}" for name in ("North-Eastern", "South-Western", "Central-Highlands")]
    ages = [f"age-band-{low}-to-{low + 4}" for low in range(18, 18 + 5 * 20, 5)]
    groups = []
    for region in regions:
        for age in ages:
            for sex in ("Female", "Male"):
                if len(groups) == WIDE_GROUPS:
                    break
                n = rng.randint(40, 900)
                groups.append(
                    {
                        "features": {"region": region, "age_band": age, "sex": sex},
                        "n": n,
                        "small": False,
                        "metrics": {m: _metric(rng, n, 0.6) for m in WIDE_METRICS},
                    }
                )
    fact = {
        "name": "census",
        "task": "binary",
        "sensitive_features": ["region", "age_band", "sex"],
        "min_group_size": 30,
        "overall": {m: _metric(rng, 50000, 0.6) for m in WIDE_METRICS},
        "groups": groups,
        "headline_metrics": list(WIDE_METRICS),
        "provenance": {"source_kind": "evaluate", "collected_at": "2026-11-01T00:00:00Z"},
    }
    spec = {
        "kind": "model",
        "name": WIDE_CARD,
        "title": "Wide model",
        "summary": "A model evaluated over many long-named groups (layout tests).",
        "headline_metrics": list(WIDE_METRICS),
        "metadata": {"license": "apache-2.0", "pipeline_tag": "tabular-classification"},
    }
    (folder / "cards").mkdir(parents=True, exist_ok=True)
    (folder / "cards" / f"{WIDE_CARD}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    facts = folder / ".cardgen" / WIDE_CARD
    facts.mkdir(parents=True, exist_ok=True)
    (facts / "evaluate-census.json").write_text(json.dumps(fact))
    return WIDE_CARD
