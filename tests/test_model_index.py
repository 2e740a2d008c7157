"""`model-index` written by `cardgen.hub.model_index` is read back by the same module to the
card's evaluations: values, groups (one label format both ways), CI arguments, small flags.
"""

from __future__ import annotations

from typing import Any

import yaml
from huggingface_hub import ModelCard as HubModelCard

from cardgen.hub.model_index import (
    front_matter,
    parse_group,
    read_model_index,
)
from cardgen.render.filters import group_label
from cardgen.schema import DisaggregatedEvaluation, ModelCard
from cardgen.schema.provenance import Provenance

SPEC = """\
name: loans
kind: model
title: Loan approval
metadata:
  license: mit
  pipeline_tag: tabular-classification
render:
  model_index: full
quantitative_analyses:
  evaluations:
  - name: holdout
    task: binary
    dataset: {name: acme/loans, split: test}
    sensitive_features: [region, sex]
    overall:
      accuracy: {value: 0.81, ci_low: 0.79, ci_high: 0.83, ci_level: 0.95,
                 ci_method: bootstrap, n: 2000}
      selection_rate: {value: 0.4, ci_low: 0.38, ci_high: 0.42, ci_level: 0.9,
                       ci_method: wilson, n: 2000, se: 0.011}
      roc_auc: {value: null, undefined_reason: no scores}
    groups:
    - features: {region: "North, East", sex: Female}
      n: 40
      small: true
      metrics:
        accuracy: {value: 0.7, ci_low: 0.55, ci_high: 0.83, ci_level: 0.95,
                   ci_method: wilson, n: 40}
        selection_rate: {value: 0.25, ci_low: 0.14, ci_high: 0.41, ci_level: 0.95,
                         ci_method: wilson, n: 40}
    - features: {region: South, sex: Male}
      n: 1960
      metrics:
        accuracy: {value: 0.812, ci_low: 0.79, ci_high: 0.83, ci_level: 0.95,
                   ci_method: bootstrap, n: 1960, se: 0.009}
        selection_rate: {value: 0.403, ci_low: null, ci_high: null}
"""

PROVENANCE = Provenance(source_kind="hub", uri="https://example.org/o/loans/blob/x/README.md")


def _card() -> ModelCard:
    return ModelCard.model_validate(yaml.safe_load(SPEC))


def _defined(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics the writer reports: those with a value (model-index has no `null`)."""
    return {k: v.model_dump() for k, v in metrics.items() if v.value is not None}


def _as_reported(metrics: dict[str, Any]) -> dict[str, Any]:
    """What a reader gets back: a number without a CI method is marked `reported`."""
    return {
        k: {**v, "ci_method": v["ci_method"] or "reported"} for k, v in _defined(metrics).items()
    }


def _read(card: ModelCard) -> tuple[list[DisaggregatedEvaluation], list[str]]:
    # Through the README text, as the Hub stores it and `collect hub` reads it.
    readme = "---\n" + yaml.safe_dump(front_matter(card), sort_keys=False) + "---\n"
    data = HubModelCard(readme).data.to_dict()
    warnings: list[str] = []
    evaluations = read_model_index(
        data["model-index"],
        warnings,
        provenance=PROVENANCE,
        dataset_url=lambda dataset_id: f"https://example.org/datasets/{dataset_id}",
    )
    return evaluations, warnings


def test_full_model_index_reads_back_to_the_cards_evaluation() -> None:
    card = _card()
    (written,) = card.quantitative_analyses.evaluations
    (read,), warnings = _read(card)
    assert warnings == []
    assert _defined(read.overall) == _as_reported(written.overall)
    assert read.sensitive_features == written.sensitive_features
    assert {tuple(sorted(g.features.items())): _defined(g.metrics) for g in read.groups} == {
        tuple(sorted(g.features.items())): _as_reported(g.metrics) for g in written.groups
    }
    assert {group_label(g.features): g.small for g in read.groups} == {
        group_label(g.features): g.small for g in written.groups
    }
    assert read.dataset is not None and written.dataset is not None
    assert (read.dataset.name, read.dataset.split) == (written.dataset.name, written.dataset.split)
    assert read.dataset.uri == "https://example.org/datasets/acme/loans"
    assert read.provenance == PROVENANCE


def test_compact_model_index_reads_back_the_headline_values_with_their_interval() -> None:
    card = _card()
    card.render.model_index = "compact"
    (written,) = card.quantitative_analyses.evaluations
    (read,), _ = _read(card)
    assert read.groups == []
    assert read.overall  # at least the headline metric
    for name, value in read.overall.items():
        assert value.model_dump() == written.overall[name].model_dump()


def test_group_label_is_one_format_both_ways() -> None:
    features = {"race": "Black", "sex": "Female"}
    assert parse_group(group_label(features, separator=",")) == features
    # A value with the separator in it cannot be parsed from the label; the metric's
    # `args.group` carries it (checked by the full round trip above).
    assert parse_group(group_label({"region": "North, East"}, separator=",")) is None
