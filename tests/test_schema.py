"""The card models: field rules, documentation, JSON Schema export and round trips."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from cardgen.schema import (
    SCHEMA_VERSION,
    DataCard,
    DisaggregatedEvaluation,
    MetricValue,
    ModelCard,
    Provenance,
)
from cardgen.schema.export import SCHEMA_FILES, export_schemas, schema_documents, stale_schemas
from cardgen.spec import load_spec, loads_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "cards").glob("*.yaml"))


def test_checked_in_schemas_match_the_models() -> None:
    assert stale_schemas(ROOT / "schemas") == [], "run `cardgen schema --out schemas`"


def test_stale_schema_is_detected(tmp_path: Path) -> None:
    export_schemas(tmp_path)
    path = tmp_path / "model-card.schema.json"
    document = json.loads(path.read_text())
    document["properties"]["summary"]["description"] = "edited by hand"
    path.write_text(json.dumps(document))
    (tmp_path / "provenance.schema.json").unlink()
    assert stale_schemas(tmp_path) == ["model-card.schema.json", "provenance.schema.json"]


def test_export_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in export_schemas(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in export_schemas(tmp_path / "b")}
    assert first == second
    assert sorted(first) == sorted(SCHEMA_FILES)


def test_docstrings_become_schema_descriptions() -> None:
    docs = schema_documents()
    model = docs["model-card.schema.json"]
    assert model["properties"]["summary"]["description"] == (
        "One paragraph: what the model is and does."
    )
    intended = model["$defs"]["IntendedUse"]
    assert intended["properties"]["out_of_scope_uses"]["description"] == (
        "Uses the model must not be put to, or was not evaluated for."
    )
    metric = docs["evaluation.schema.json"]["$defs"]["MetricValue"]
    assert set(metric["properties"]) == {
        "value",
        "ci_low",
        "ci_high",
        "ci_level",
        "ci_method",
        "n",
        "se",
        "undefined_reason",
    }
    assert metric["properties"]["undefined_reason"]["description"].startswith("Why the value")


def _undocumented_fields(document: dict) -> list[str]:
    missing = []
    for name, definition in {"<root>": document, **document.get("$defs", {})}.items():
        for field, spec in definition.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{field}")
    return missing


@pytest.mark.parametrize("filename", sorted(SCHEMA_FILES))
def test_every_field_is_documented(filename: str) -> None:
    assert _undocumented_fields(schema_documents()[filename]) == []


def test_cards_carry_schema_version() -> None:
    assert ModelCard(name="m").schema_version == SCHEMA_VERSION
    assert DataCard(name="d").schema_version == SCHEMA_VERSION
    with pytest.raises(ValidationError, match="schema_version"):
        ModelCard(name="m", schema_version="0.9")


def test_model_card_has_the_mitchell_and_hub_sections() -> None:
    sections = set(ModelCard.model_fields)
    assert {
        "model_details",
        "intended_use",
        "factors",
        "metrics",
        "evaluation_data",
        "training_data",
        "quantitative_analyses",
        "ethical_considerations",
        "caveats_and_recommendations",
        "training_procedure",
        "environmental_impact",
        "technical_specifications",
        "how_to_get_started",
        "metadata",
        "extra",
    } <= sections
    from huggingface_hub import ModelCardData

    hub_fields = set(ModelCardData().to_dict()) | {
        "base_model",
        "datasets",
        "language",
        "library_name",
        "license",
        "license_name",
        "license_link",
        "metrics",
        "model_name",
        "pipeline_tag",
        "tags",
    }
    assert hub_fields - {"eval_results"} <= set(
        ModelCard.model_fields["metadata"].annotation.model_fields
    )


def test_data_card_metadata_has_every_dataset_card_data_field() -> None:
    import inspect

    from huggingface_hub import DatasetCardData

    params = set(inspect.signature(DatasetCardData.__init__).parameters)
    hub_fields = params - {"self", "kwargs", "ignore_metadata_errors"}
    ours = set(DataCard.model_fields["metadata"].annotation.model_fields)
    assert hub_fields <= ours
    assert {
        "authorship",
        "motivation",
        "composition",
        "collection",
        "preprocessing",
        "annotation",
        "sensitive_information",
        "biases_and_limitations",
        "distribution",
        "maintenance",
    } <= set(DataCard.model_fields)


def test_undefined_metric_needs_a_reason_and_is_never_zero() -> None:
    undefined = MetricValue(value=None, undefined_reason="no predicted positives", n=0)
    assert undefined.value is None
    with pytest.raises(ValidationError, match="needs an undefined_reason"):
        MetricValue(value=None)
    with pytest.raises(ValidationError, match="cannot have an undefined_reason"):
        MetricValue(value=0.0, undefined_reason="no predicted positives")
    with pytest.raises(ValidationError, match="ci_low"):
        MetricValue(value=0.5, ci_low=0.6, ci_high=0.4)


def test_single_string_is_accepted_where_a_list_is_expected() -> None:
    card = loads_spec("kind: model\nname: m\nintended_use:\n  primary_uses: Ranking\n")
    assert card.intended_use.primary_uses == ["Ranking"]


def test_yaml_no_and_dates_stay_what_people_meant() -> None:
    card = loads_spec(
        "kind: model\nname: m\nmetadata:\n  language: [no, en]\n"
        "model_details:\n  date: 2024-03-01\n  version: 1.10\n"
    )
    assert card.metadata.language == ["no", "en"]  # Norwegian, not False
    assert card.model_details.date == dt.date(2024, 3, 1)
    assert card.model_details.version == "1.1"  # YAML reads 1.10 as a float; quote versions


def test_free_form_additions_live_under_extra() -> None:
    card = loads_spec(
        "kind: data\nname: d\nextra:\n  internal_ticket: DATA-12\n  reviewers: [ann, bo]\n"
    )
    assert card.extra == {"internal_ticket": "DATA-12", "reviewers": ["ann", "bo"]}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_round_trip_yaml_model_json_model(path: Path) -> None:
    card = load_spec(path)
    as_json = card.model_dump_json()
    again = type(card).model_validate_json(as_json)
    assert again == card
    assert again.model_dump_json() == as_json
    # the YAML a person wrote maps onto the same data (ignoring defaults we fill in)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    dumped = json.loads(card.model_dump_json(exclude_defaults=True))
    dated = {"model": "model_details", "data": "authorship"}.get(card.kind)
    if dated:  # YAML reads the date as a date; the JSON holds its text
        written[dated]["date"] = str(written[dated]["date"])
    written.pop("schema_version")
    written.pop("kind")
    assert dumped == written


def test_round_trip_with_evaluation_and_provenance() -> None:
    evaluation = DisaggregatedEvaluation(
        name="adult-test",
        task="binary",
        sensitive_features=["race", "sex"],
        overall={
            "accuracy": MetricValue(
                value=0.85, ci_low=0.84, ci_high=0.86, ci_level=0.95, ci_method="bootstrap", n=16281
            )
        },
        groups=[
            {
                "features": {"race": "Other", "sex": "Female"},
                "n": 12,
                "small": True,
                "metrics": {
                    "precision": {
                        "value": None,
                        "undefined_reason": "no predicted positives",
                        "n": 0,
                    }
                },
            }
        ],
        provenance=Provenance(
            source_kind="evaluate",
            input_sha256={"p.csv": "ab" * 32},
            seed=0,
            collected_at="2026-11-28T00:00:00Z",
        ),
    )
    card = ModelCard(name="m", quantitative_analyses={"evaluations": [evaluation]})
    again = ModelCard.model_validate_json(card.model_dump_json())
    assert again == card
    group = again.quantitative_analyses.evaluations[0].groups[0]
    assert group.metrics["precision"].value is None
    assert group.small is True
