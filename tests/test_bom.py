"""Bills of materials: CycloneDX 1.6 and SPDX 3.0.1 exports of cards, checked by the
standards' own validators (cyclonedx-python-lib's strict 1.6 schema; the SPDX 3.0.1 JSON
Schema and SHACL shapes, vendored in tests/data/spdx-3.0.1) and against the evaluation."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_render import adult_data_card, adult_model_card, real_adult_model_card

import cardgen
from cardgen.cli import cli
from cardgen.render import render
from cardgen.schema import DisaggregatedEvaluation, FileDigest, ModelCard
from cardgen.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SPDX = Path(__file__).parent / "data" / "spdx-3.0.1"


def cyclonedx_errors(text: str) -> Any:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)


@cache
def _spdx_tools() -> tuple[Any, dict[str, Any], Any]:
    import jsonschema
    import rdflib

    schema = json.loads((SPDX / "spdx-json-schema.json").read_text())
    context = json.loads((SPDX / "spdx-context.jsonld").read_text())
    shapes = rdflib.Graph().parse(SPDX / "spdx-model.ttl")
    return jsonschema.Draft202012Validator(schema), context, shapes


def spdx_problems(text: str) -> list[str]:
    """Every JSON Schema error and SHACL violation of an SPDX 3.0.1 JSON-LD document."""
    import pyshacl
    import rdflib

    validator, context, shapes = _spdx_tools()
    document = json.loads(text)
    problems = [f"schema: {e.message}" for e in validator.iter_errors(document)]
    # The document names the published context by URL; offline, the same file is inlined.
    graph = rdflib.Graph().parse(
        data=json.dumps({**document, "@context": context["@context"]}), format="json-ld"
    )
    # The class hierarchy and the enumerations' individuals come from the SPDX model.
    graph += shapes.triples((None, rdflib.RDFS.subClassOf, None))
    used = set(graph.objects())
    for individual in shapes.subjects(rdflib.RDF.type, rdflib.OWL.NamedIndividual):
        if individual in used:
            graph += shapes.triples((individual, rdflib.RDF.type, None))
    conforms, _, report = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    return problems if conforms else [*problems, f"shacl: {report}"]


def _intersectional_evaluation(groups_a: int = 10, groups_b: int = 20) -> DisaggregatedEvaluation:
    """A predictions table with groups_a x groups_b intersectional groups, evaluated."""
    rng = np.random.default_rng(7)
    rows = groups_a * groups_b * 60
    a = rng.integers(0, groups_a, rows)
    b = rng.integers(0, groups_b, rows)
    label = rng.random(rows) < 0.2 + 0.3 * (a / groups_a)
    score = np.clip(0.5 * label + rng.random(rows) * 0.6 - 0.05 * (b % 3), 0, 1)
    table = pd.DataFrame(
        {
            "region": [f"r{v:02d}" for v in a],
            "band": [f"b{v:02d}" for v in b],
            "y": label.astype(int),
            "p": score,
        }
    )
    return cardgen.evaluate(
        table,
        label="y",
        score="p",
        pos_label=1,
        sensitive=["region", "band"],
        n_boot=20,
        require=["demographic_parity_ratio>=0.8"],
        name="synthetic",
    )


@cache
def many_groups_card() -> ModelCard:
    card = ModelCard(name="many-groups", summary="A card with 200 intersectional groups.")
    card.quantitative_analyses.evaluations.append(_intersectional_evaluation())
    card.file_digests = [
        FileDigest(name="model.safetensors", path="model/model.safetensors", sha256="a" * 64),
        FileDigest(name="config.json", path="model/config.json", sha256="b" * 64, size=12),
    ]
    return card


CARDS = {
    "adult-income (demo)": real_adult_model_card,
    "adult (data card)": adult_data_card,
    "edge cases": adult_model_card,
    "200 groups": many_groups_card,
    "no metrics": lambda: ModelCard(name="bare"),
}


# Validating the 200-group documents takes the validators 10 s (CycloneDX) and 100 s
# (SHACL): they run in the full suite, not the fast lane.
VALIDATED = [
    pytest.param(name, marks=pytest.mark.slow) if name == "200 groups" else name
    for name in sorted(CARDS)
]


@pytest.mark.parametrize("name", VALIDATED)
def test_cyclonedx_export_is_valid_under_the_strict_1_6_schema(name: str) -> None:
    text = render(CARDS[name](), "cyclonedx")
    assert cyclonedx_errors(text) is None
    document = json.loads(text)
    assert (document["bomFormat"], document["specVersion"]) == ("CycloneDX", "1.6")


@pytest.mark.parametrize("name", VALIDATED)
def test_spdx_export_is_valid_under_the_spdx_3_0_1_schema_and_shapes(name: str) -> None:
    assert spdx_problems(render(CARDS[name](), "spdx")) == []


def test_the_validators_reject_a_broken_document() -> None:
    """The checks above can fail: each validator finds a planted error."""
    bom = json.loads(render(adult_model_card(), "cyclonedx"))
    bom["metadata"]["component"]["modelCard"]["quantitativeAnalysis"]["performanceMetrics"][0][
        "n"
    ] = "16281"
    assert cyclonedx_errors(json.dumps(bom)) is not None
    spdx = json.loads(render(adult_model_card(), "spdx"))
    model = next(e for e in spdx["@graph"] if e.get("type") == "ai_AIPackage")
    del model["creationInfo"]
    assert any(p.startswith("shacl:") for p in spdx_problems(json.dumps(spdx)))
    model["creationInfo"] = 7
    assert any(p.startswith("schema:") for p in spdx_problems(json.dumps(spdx)))


def _metrics(document: dict[str, Any]) -> list[dict[str, Any]]:
    card = document["metadata"]["component"]["modelCard"]
    return card.get("quantitativeAnalysis", {}).get("performanceMetrics", [])


def _properties(document: dict[str, Any], name: str) -> list[str]:
    card = document["metadata"]["component"]["modelCard"]
    return [p["value"] for p in card.get("properties", []) if p["name"] == f"cardgen:{name}"]


@pytest.mark.parametrize("make", [real_adult_model_card, many_groups_card])
def test_cyclonedx_carries_every_headline_metric_per_group_with_its_interval(make: Any) -> None:
    card = make()
    (evaluation,) = card.quantitative_analyses.evaluations
    document = json.loads(render(card, "cyclonedx"))
    by_key = {(m["type"], m.get("slice")): m for m in _metrics(document)}
    headline = evaluation.headline_metrics
    assert headline, "the evaluation names its headline metrics"
    expected = [(metric, None, evaluation.overall[metric]) for metric in headline]
    for group in evaluation.groups:
        label = ", ".join(f"{k}={v}" for k, v in group.features.items())
        expected += [(m, label, group.metrics[m]) for m in headline if m in group.metrics]
    intersectional = [g for g in evaluation.groups if len(g.features) == 2]
    per_group = [m for m in _metrics(document) if "=" in (m.get("slice") or "")]
    assert len(per_group) == len(expected) - len(headline)
    for metric, label, value in expected:
        entry = by_key[(metric, label)]
        if value.value is None:
            assert "value" not in entry
            continue
        assert float(entry["value"]) == value.value
        if value.ci_low is not None:
            assert float(entry["confidenceInterval"]["lowerBound"]) == value.ci_low
            assert float(entry["confidenceInterval"]["upperBound"]) == value.ci_high
    if make is many_groups_card:
        assert len(intersectional) == 200
        slices = {m.get("slice") for m in per_group}
        assert len([s for s in slices if s.count("=") == 2]) == 200


def test_cyclonedx_marks_insufficient_evidence_and_carries_tests_and_measures() -> None:
    card = real_adult_model_card()
    (evaluation,) = card.quantitative_analyses.evaluations
    document = json.loads(render(card, "cyclonedx"))
    marked = _properties(document, "insufficient-evidence")
    headline = set(evaluation.headline_metrics)
    small = [i for i in evaluation.insufficient_evidence if i.metric in headline]
    assert small and len(marked) == len(small)
    for item in small:
        label = ", ".join(f"{k}={v}" for k, v in item.features.items())
        note = f"{item.metric} [{label}]: n={item.n} below min_group_size=30"
        assert any(m.startswith(note + ";") for m in marked)
        # the value itself is still there, not dropped
        assert any(m["type"] == item.metric and m.get("slice") == label for m in _metrics(document))
    (test,) = evaluation.threshold_tests
    assert _properties(document, "threshold-test") == [
        f"{test.expression} | failed | observed {test.observed!r} | groups "
        + "; ".join(", ".join(f"{k}={v}" for k, v in g.items()) for g in test.groups)
    ]
    measures = {m["type"]: m for m in _metrics(document) if m.get("slice") == "across race, sex"}
    for name, value in evaluation.fairness_measures.items():
        assert float(measures[name]["value"]) == value.value
    at_risk = document["metadata"]["component"]["modelCard"]["considerations"][
        "fairnessAssessments"
    ]
    assert at_risk[0]["groupAtRisk"] == "race=Black, sex=Female"


def test_cyclonedx_maps_prose_and_datasets_and_files() -> None:
    card = real_adult_model_card()
    card.file_digests = many_groups_card().file_digests
    document = json.loads(render(card, "cyclonedx"))
    model = document["metadata"]["component"]
    considerations = model["modelCard"]["considerations"]
    assert considerations["users"] == card.intended_use.primary_users
    assert considerations["useCases"] == card.intended_use.primary_uses
    assert considerations["technicalLimitations"][0] == card.caveats_and_recommendations.caveats[0]
    assert [r["name"] for r in considerations["ethicalConsiderations"]][:2] == list(
        card.ethical_considerations.risks_and_harms
    )
    data = [c for c in document["components"] if c["type"] == "data"]
    assert sorted(c["name"] for c in data) == sorted(
        [
            "UCI Adult (training split)",
            "UCI Adult (test split)",
            *[e.dataset.name for e in card.quantitative_analyses.evaluations if e.dataset],
        ]
    )
    refs = [d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]]
    assert sorted(refs) == sorted(c["bom-ref"] for c in data)
    assert all(c["data"][0]["type"] == "dataset" for c in data)
    files = {c["name"]: c["hashes"] for c in model["components"]}
    assert files == {
        "model.safetensors": [{"alg": "SHA-256", "content": "a" * 64}],
        "config.json": [{"alg": "SHA-256", "content": "b" * 64}],
    }
    assert model["licenses"] == [{"license": {"id": "CC-BY-4.0"}}]


def test_a_data_card_alone_is_a_bom_with_one_data_component() -> None:
    card = adult_data_card()
    document = json.loads(render(card, "cyclonedx"))
    root = document["metadata"]["component"]
    assert root["type"] == "data" and root["name"] == "adult"
    assert document.get("components", []) == []
    (data,) = root["data"]
    assert data["type"] == "dataset"
    assert data["sensitiveData"][: len(card.sensitive_information.sensitive_attributes)] == list(
        card.sensitive_information.sensitive_attributes
    )


def test_a_card_without_metrics_gives_a_valid_bom_without_invented_values() -> None:
    document = json.loads(render(ModelCard(name="bare"), "cyclonedx"))
    assert "modelParameters" not in document["metadata"]["component"]["modelCard"]
    assert "timestamp" not in document["metadata"]
    spdx = json.loads(render(ModelCard(name="bare"), "spdx"))
    (model,) = [e for e in spdx["@graph"] if e.get("type") == "ai_AIPackage"]
    assert set(model) == {"creationInfo", "name", "software_primaryPurpose", "spdxId", "type"}


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_exports_are_deterministic_and_follow_the_content(fmt: str) -> None:
    first, second = render(real_adult_model_card(), fmt), render(real_adult_model_card(), fmt)
    assert first == second
    changed = real_adult_model_card()
    changed.summary = "Another summary."
    assert render(changed, fmt) != first
    if fmt == "cyclonedx":
        serial = json.loads(first)["serialNumber"]
        assert serial != json.loads(render(changed, fmt))["serialNumber"]
        (evaluation,) = real_adult_model_card().quantitative_analyses.evaluations
        assert evaluation.provenance is not None and evaluation.provenance.collected_at
        assert json.loads(first)["metadata"]["timestamp"] == (
            evaluation.provenance.collected_at.isoformat()
        )


def test_spdx_metrics_match_the_evaluation_and_name_what_has_no_place() -> None:
    card = many_groups_card()
    (evaluation,) = card.quantitative_analyses.evaluations
    document = json.loads(render(card, "spdx"))
    (model,) = [e for e in document["@graph"] if e.get("type") == "ai_AIPackage"]
    metrics = {m["key"]: m.get("value") for m in model["ai_metric"]}
    headline = evaluation.headline_metrics
    for group in evaluation.groups:
        label = ", ".join(f"{k}={v}" for k, v in group.features.items())
        for metric in headline:
            value = group.metrics[metric].value
            key = f"{metric} [{label}]"
            assert metrics[key] == (None if value is None else repr(value))
    per_group = [k for k in metrics if k.count("=") == 2]
    assert len(per_group) == 200 * len(headline)
    assert model["ai_metricDecisionThreshold"] == [
        {"key": "demographic_parity_ratio", "type": "DictionaryEntry", "value": ">=0.8"}
    ]
    files = [e for e in document["@graph"] if e.get("type") == "software_File"]
    assert sorted((f["name"], f["verifiedUsing"][0]["hashValue"]) for f in files) == [
        ("config.json", "b" * 64),
        ("model.safetensors", "a" * 64),
    ]
    contains = [e for e in document["@graph"] if e.get("relationshipType") == "contains"]
    assert len(contains) == 1 and contains[0]["from"] == model["spdxId"]


def test_spdx_data_card_is_a_dataset_package() -> None:
    card = adult_data_card()
    document = json.loads(render(card, "spdx"))
    (dataset,) = [e for e in document["@graph"] if e.get("type") == "dataset_DatasetPackage"]
    assert dataset["dataset_datasetType"] == ["structured", "numeric"]
    assert dataset["dataset_knownBias"] == card.biases_and_limitations.known_biases


def test_render_cli_writes_both_boms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = ROOT / "examples" / "cards" / "adult-income.yaml"
    runner = CliRunner()
    for fmt, name in (("cyclonedx", "bom.cdx.json"), ("spdx", "bom.spdx.json")):
        result = runner.invoke(cli, ["render", str(spec), "--format", fmt, "--out", name])
        assert result.exit_code == 0, result.output
        text = (tmp_path / name).read_text()
        assert text == render(load_spec(spec), fmt)  # type: ignore[arg-type]
    assert cyclonedx_errors((tmp_path / "bom.cdx.json").read_text()) is None
