"""cardgen's own cards pass cardgen's audit: model-index names a dataset by its id with its
split, and "filled" means the same in `validate`, `audit` and the rendered README.

Before, the demo's model-index named a local file (`adult-test.parquet`) with no split,
which `cardgen audit` flagged, and the audit reported 100% for the demo model while its
README showed `_More information needed._` five times.
"""

from __future__ import annotations

import datetime
import types
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub import ModelCard as HubModelCard
from pydantic import BaseModel

from cardgen.audit import audit_card, audit_paths
from cardgen.cli import cli
from cardgen.completeness import completeness
from cardgen.evaluate import evaluate
from cardgen.hub.importer import parse_readme
from cardgen.render import render
from cardgen.schema import DataCard, DisaggregatedEvaluation, ModelCard
from cardgen.schema.profile import DatasetProfile
from cardgen.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cards"
RENDER_DATA = Path(__file__).parent / "data" / "render"
PLACEHOLDER = "_More information needed._"


def _audit_readme(text: str, kind: str) -> dict[str, str]:
    from cardgen.audit._record import audit_markdown

    return audit_markdown("README.md", parse_readme(text), kind).sections


def _example_model_card() -> ModelCard:
    card = load_spec(EXAMPLES / "adult-income.yaml")
    assert isinstance(card, ModelCard)
    evaluation = DisaggregatedEvaluation.model_validate_json(
        (RENDER_DATA / "adult-test-evaluation.json").read_text()
    )
    card.quantitative_analyses.evaluations.append(evaluation)
    return card


def _example_data_card() -> DataCard:
    card = load_spec(EXAMPLES / "adult.yaml")
    assert isinstance(card, DataCard)
    card.composition.profile = DatasetProfile.model_validate_json(
        (RENDER_DATA / "adult-train-profile.json").read_text()
    )
    return card


@pytest.mark.parametrize("make", [_example_model_card, _example_data_card])
def test_the_examples_have_no_findings_in_their_spec_or_their_readme(make: Any) -> None:
    card = make()
    readme = render(card, "hub")
    assert PLACEHOLDER not in readme
    assert completeness(card).percent == 100
    spec_audit = audit_card("spec", card)
    assert spec_audit.findings == []
    # the README read back says the same of every section
    assert _audit_readme(readme, card.kind) == spec_audit.sections
    if isinstance(card, ModelCard):
        results = HubModelCard(readme).data.eval_results
        assert len(results) == 7  # the headline metrics
        assert {(r.dataset_type, r.dataset_split) for r in results} == {
            ("scikit-learn/adult-census-income", "test")
        }


@pytest.mark.parametrize(
    ("make", "field", "heading"),
    [
        (_example_model_card, "how_to_get_started", "## How to Get Started with the Model"),
        (_example_model_card, "model_details.citation", "## Citation"),
        (_example_model_card, "training_procedure", "### Training Procedure"),
        (_example_model_card, "environmental_impact", "## Environmental Impact"),
        (_example_model_card, "technical_specifications", "## Technical Specifications"),
        (_example_data_card, "collection.collectors", "#### Who are the source data producers?"),
        (_example_data_card, "biases_and_limitations.recommendations", "### Recommendations"),
        (_example_data_card, "authorship.citation", "## Citation"),
    ],
)
def test_a_section_that_renders_a_placeholder_is_not_filled(
    make: Any, field: str, heading: str
) -> None:
    card = make()
    parent, _, name = field.rpartition(".")
    owner = card
    for part in parent.split(".") if parent else []:
        owner = getattr(owner, part)
    setattr(owner, name, type(getattr(owner, name))())
    readme = render(card, "hub")
    section = readme.split(heading + "\n", 1)[1].split("\n#", 1)[0]
    assert section.strip().startswith(PLACEHOLDER), section
    assert completeness(card).percent < 100
    assert field in completeness(card).missing
    assert audit_card("spec", card).sections[field] == "empty"
    assert _audit_readme(readme, card.kind)[field] == "placeholder"


def test_model_index_names_a_dataset_by_id_never_by_file_name(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    frame = pd.DataFrame({"y": y, "p": np.where(rng.random(200) < 0.8, y, 1 - y)})
    path = tmp_path / "adult-test.parquet"
    frame.to_parquet(path)
    options: dict[str, Any] = {"label": "y", "pred": "p", "pos_label": 1, "n_boot": 50}
    unnamed = evaluate(path, **options)
    named = evaluate(path, dataset_id="scikit-learn/adult-census-income", split="test", **options)
    assert named.dataset is not None and named.dataset.id == "scikit-learn/adult-census-income"
    assert named.dataset.split == "test" and named.dataset.uri == str(path)
    for evaluation, expected in ((unnamed, []), (named, ["scikit-learn/adult-census-income"])):
        card = ModelCard(name="m", summary="A model.")
        card.metadata.datasets = ["scikit-learn/adult-census-income"]
        card.quantitative_analyses.evaluations.append(evaluation)
        readme = render(card, "hub")
        results = HubModelCard(readme).data.eval_results or []
        assert sorted({r.dataset_type for r in results}) == expected
        assert all(r.dataset_split == "test" for r in results)
        assert "adult-test.parquet" not in readme.split("\n---\n", 1)[0]  # not in front matter
    checks = {c["code"] for c in audit_card("spec", card).checks}
    assert not checks & {"result-without-split", "result-on-unlisted-dataset"}


def _plausible(annotation: Any, name: str) -> Any:
    """A value of the annotation's type, as a person following the comment would write."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return _plausible(args[0], name)
    if origin is typing.Annotated:
        return _plausible(args[0], name)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin is list:
        return [_plausible(args[0] if args else str, name)]
    if origin is dict:
        return {"learning_rate": 0.1}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {
            field: _plausible(info.annotation, field)
            for field, info in annotation.model_fields.items()
        }
    if annotation is datetime.date:
        return "2026-01-02"
    if annotation in (int, float):
        return 1
    if annotation is bool:
        return False
    return f"What the {name.replace('_', ' ')} is, written by a person."


def _filled_skeleton(spec: Path, kind: str) -> dict[str, Any]:
    """Every field of a `cardgen init` skeleton filled as its comment asks."""
    written = yaml.safe_load(spec.read_text())
    model = ModelCard if kind == "model" else DataCard
    for section, value in list(written.items()):
        info = model.model_fields.get(section)
        if info is None or section in ("schema_version", "kind", "name", "sources"):
            continue
        if isinstance(value, dict):
            annotation = info.annotation
            written[section] = {
                field: (
                    current
                    if isinstance(current, bool) or (isinstance(current, str) and current)
                    else _plausible(annotation.model_fields[field].annotation, field)
                )
                for field, current in value.items()
            }
        elif value in (None, [], {}):
            written[section] = _plausible(info.annotation, section)
    return written


METADATA = {
    "model": {
        "license": "mit",
        "language": ["en"],
        "tags": ["tabular-classification"],
        "pipeline_tag": "tabular-classification",
        "library_name": "sklearn",
        "datasets": ["your-org/your-dataset"],
        "metrics": ["accuracy"],
        "base_model": ["your-org/base-model"],
        "base_model_relation": "finetune",
        "model_name": "m",
        "thumbnail": "https://example.org/m.png",
        "license_name": None,
        "license_link": None,
    },
    "data": {
        "license": ["cc-by-4.0"],
        "language": ["en"],
        "annotations_creators": ["expert-generated"],
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "size_categories": ["n<1K"],
        "source_datasets": ["original"],
        "task_categories": ["tabular-classification"],
        "task_ids": ["tabular-multi-class-classification"],
        "paperswithcode_id": None,
        "pretty_name": "D",
        "train_eval_index": None,
        "config_names": ["default"],
        "tags": ["fairness"],
    },
}
"""Hub metadata as the comments ask: Hub ids and buckets, not prose."""


@pytest.mark.parametrize("kind", ["model", "data"])
def test_an_init_card_filled_as_its_comments_say_has_no_findings(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["init", kind, "c"]).exit_code == 0
    spec = Path("cards/c.yaml")
    filled = _filled_skeleton(spec, kind)
    filled["metadata"].update(METADATA[kind])
    # the skeleton's commented example of a local source (the hub one needs the Hub),
    # uncommented, over a real table
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    table = pd.DataFrame(
        {
            "label": y,
            "income": np.where(y == 1, ">50K", "<=50K"),
            "score": np.clip(0.4 * y + rng.random(400) * 0.6, 0, 1).round(3),
            "race": rng.choice(["a", "b"], 400),
            "sex": rng.choice(["f", "m"], 400),
        }
    )
    table.to_parquet("cards/predictions.parquet")
    Path("cards/data").mkdir()
    table.to_csv("cards/data/train.csv", index=False)
    example = spec.read_text().split("# sources:\n", 1)[1]
    sources = yaml.safe_load(
        "\n".join(line.removeprefix("#").split(" # ")[0] for line in example.splitlines())
    )
    local = "evaluate" if kind == "model" else "profile"
    filled["sources"] = {local: sources[local]}
    spec.write_text(yaml.safe_dump(filled, sort_keys=False, allow_unicode=True))
    validated = runner.invoke(cli, ["validate", str(spec)])
    assert validated.output.startswith(f"{spec}: valid, {kind} card, 100% complete"), (
        validated.output
    )
    result = runner.invoke(cli, ["build", "--out", "build", "--no-site", "--no-fail"])
    assert result.exit_code == 0, result.output
    readme = Path("build/c/README.md").read_text()
    assert PLACEHOLDER not in readme
    report = audit_paths([spec, Path("build/c/README.md")], root=tmp_path, jobs=1)
    assert not report.problems
    assert {c.source: c.findings for c in report.cards} == {
        str(spec): [],
        "build/c/README.md": [],
    }
    if kind == "model":
        results = HubModelCard(readme).data.eval_results
        assert {(r.dataset_type, r.dataset_split) for r in results} == {
            ("your-org/your-dataset", "test")
        }
