"""Croissant 1.0 + RAI JSON-LD from data cards, validated offline with mlcroissant."""

from __future__ import annotations

import importlib
import json
import socket
from pathlib import Path

import pytest

from cardgen._io import dumps_json
from cardgen.collect.profile import profile
from cardgen.render.croissant import CONTEXT, RAI_1_0, to_croissant
from cardgen.schema import DataCard
from cardgen.spec import load_spec

# rdflib (under mlcroissant) warns about its own deprecated internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "profile"
RAI_FIELDS = (
    "rai:dataCollection",
    "rai:dataPreprocessingProtocol",
    "rai:dataAnnotationProtocol",
    "rai:dataBiases",
    "rai:dataLimitations",
    "rai:personalSensitiveInformation",
    "rai:dataUseCases",
    "rai:dataReleaseMaintenancePlan",
)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def adult_card() -> DataCard:
    card = load_spec(ROOT / "examples" / "cards" / "adult.yaml")
    assert isinstance(card, DataCard)
    return card


def test_every_rai_section_comes_from_the_card(adult_card: DataCard) -> None:
    doc = to_croissant(adult_card)
    assert doc["conformsTo"] == ["http://mlcommons.org/croissant/1.0", RAI_1_0]
    assert doc["@type"] == "sc:Dataset" and doc["name"] == "adult"
    for field in RAI_FIELDS:
        assert doc.get(field), field
    assert doc["rai:dataCollection"].startswith(adult_card.collection.method or "")
    assert doc["rai:dataBiases"] == adult_card.biases_and_limitations.known_biases
    assert doc["rai:dataUseCases"] == adult_card.motivation.intended_uses
    assert "Not for: Making decisions about real people" in doc["rai:dataLimitations"]
    assert doc["rai:personalSensitiveInformation"][0] == (
        "Sensitive attributes: race; sex; age; native-country; marital-status"
    )
    assert doc["creator"] == [
        {"@type": "sc:Person", "name": "Barry Becker"},
        {"@type": "sc:Person", "name": "Ronny Kohavi"},
    ]
    assert "distribution" not in doc  # no profile, no files to describe


def test_empty_card_sections_leave_no_empty_properties() -> None:
    doc = to_croissant(DataCard(name="bare", summary="Nothing else."))
    assert doc["description"] == "Nothing else."
    assert not [k for k, v in doc.items() if v in ("", [], {}, None)]
    assert not [k for k in doc if k.startswith("rai:")]


def test_profile_adds_files_fields_and_computed_facts(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,age,group\nAda,36,a\nBob,41,b\nCy,,a\n")
    result = profile(path, sensitive=["group"])
    doc = to_croissant(DataCard(name="people", summary="Three people."), result)
    (file_object,) = doc["distribution"]
    assert file_object["sha256"] == result.provenance.input_sha256[str(path)]
    assert file_object["encodingFormat"] == "text/csv"
    fields = doc["recordSet"][0]["field"]
    assert [(f["name"], f["dataType"]) for f in fields] == [
        ("name", "sc:Text"),
        ("age", "sc:Integer"),
        ("group", "sc:Text"),
    ]
    assert fields[1]["source"] == {
        "fileObject": {"@id": "people.csv"},
        "extract": {"column": "age"},
    }
    assert doc["rai:dataCollectionMissingData"].startswith(
        "Computed by cardgen profile: missing values per column: age: 1 of 3 (33.3%)"
    )
    assert doc["rai:dataBiases"][0].startswith(
        "Computed by cardgen profile: group representation: group=a: 2 rows; group=b: 1 row"
    )


def test_output_is_deterministic_and_leaves_the_context_alone(adult_card: DataCard) -> None:
    before = json.dumps(CONTEXT, sort_keys=True)
    first = to_croissant(adult_card)
    first["@context"]["@base"] = "edited by a consumer"
    assert dumps_json(to_croissant(adult_card)) == dumps_json(to_croissant(adult_card))
    assert json.dumps(CONTEXT, sort_keys=True) == before


def test_mlcroissant_validates_the_adult_card_with_its_profile(
    adult_card: DataCard, offline: None
) -> None:
    mlc = importlib.import_module("mlcroissant")
    result = profile(DATA / "pii.csv", sensitive=["city"])
    doc = to_croissant(adult_card, result)
    dataset = mlc.Dataset(jsonld=doc)
    metadata = dataset.metadata
    assert metadata.ctx.issues.errors == set()
    assert metadata.data_use_cases == adult_card.motivation.intended_uses
    assert metadata.data_release_maintenance_plan.startswith("Not updated")
    assert any(
        "column 'contact' is personal data, its values withheld" in p
        for p in metadata.personal_sensitive_information
    )
    assert [f.name for f in metadata.record_sets[0].fields][:3] == ["customer", "contact", "reach"]


def test_mlcroissant_reads_the_records_offline(tmp_path: Path, offline: None) -> None:
    mlc = importlib.import_module("mlcroissant")
    data = tmp_path / "people.csv"
    data.write_text("name,age\nAda,36\nBob,41\n")
    document = tmp_path / "croissant.json"
    document.write_text(
        json.dumps(to_croissant(DataCard(name="people", summary="Two."), profile(data)))
    )
    records = list(mlc.Dataset(jsonld=str(document)).records("people"))
    assert records == [
        {"people/name": b"Ada", "people/age": 36},
        {"people/name": b"Bob", "people/age": 41},
    ]
