"""Write commented skeleton specs for `cardgen init`.

Comments are generated from the schema's field docstrings so they cannot drift; it
writes new files only and never edits an existing spec unless asked to.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import jinja2
from pydantic import BaseModel

from ._io import atomic_write_text
from ._resources import templates_dir
from .errors import CardgenError
from .schema import SCHEMA_VERSION, DataCard, GovernanceCard, ModelCard
from .schema.model_card import CARD_NAME_PATTERN

CardKind = Literal["model", "data", "governance"]
_MODELS: dict[str, type[ModelCard] | type[DataCard] | type[GovernanceCard]] = {
    "model": ModelCard,
    "data": DataCard,
    "governance": GovernanceCard,
}
_TITLES = {"model": "Model card", "data": "Data card", "governance": "Governance card"}

# Sections filled by collectors rather than by hand are left out of the skeleton.
_GENERATED = {"quantitative_analyses.evaluations", "composition.profile"}
_NOT_SECTIONS = {
    "schema_version",
    "kind",
    "name",
    "title",
    "summary",
    "sources",
    "extra_sections",
    "extra",
    # Options with working defaults, documented in the README.
    "headline_metrics",
    # Collected by `cardgen build` from `model_files`, never typed.
    "file_digests",
    "render",
}

_SOURCES_EXAMPLE = {
    "model": """\
# sources:
#   hub:
#     repo_id: your-org/your-model        # Hub metadata, card data and model-index results
#   evaluate:
#     - data: predictions.parquet         # a predictions table (cardgen run writes one)
#       dataset_id: your-org/your-dataset # the data it was made on: model-index names it
#       split: test
#       label: label
#       score: score
#       sensitive: [race, sex]
#       require: ["demographic_parity_ratio>=0.8"]""",
    "data": """\
# sources:
#   hub:
#     repo_id: your-org/your-dataset
#     repo_type: dataset
#   profile:
#     - data: data/train.csv
#       sensitive: [race, sex]
#       label: income""",
    "governance": "",
}


def _empty_literal(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _empty_literal(args[0]) if len(args) == 1 else ""
    if origin is typing.Annotated:
        return _empty_literal(typing.get_args(annotation)[0])
    if origin is list or annotation is list:
        return "[]"
    if origin is dict or annotation is dict:
        return "{}"
    if annotation is bool or annotation == "bool":
        return "false"
    return ""


def _empty_value(info: Any) -> str:
    # Flags and choices show their default (an empty value would not validate); a nested
    # section such as a measured quantity is an empty mapping.
    if isinstance(info.default, bool):
        return str(info.default).lower()
    if isinstance(info.default, str):
        return info.default
    if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
        return "{}"
    return _empty_literal(info.annotation)


def _sections(model: type[BaseModel]) -> list[dict[str, Any]]:
    sections = []
    for name, field in model.model_fields.items():
        if name in _NOT_SECTIONS:
            continue
        section_model = field.annotation
        if not (isinstance(section_model, type) and issubclass(section_model, BaseModel)):
            # A heading comment is one line, whatever the docstring's length.
            title = " ".join((field.description or name).split())
            sections.append(
                {
                    "name": name,
                    "title": title,
                    "fields": [],
                    "scalar": True,
                    "empty": _empty_value(field),
                }
            )
            continue
        fields = [
            {
                "name": sub,
                "description": (info.description or sub).strip(),
                "empty": _empty_value(info),
            }
            for sub, info in section_model.model_fields.items()
            if f"{name}.{sub}" not in _GENERATED
        ]
        title = (field.description or name).rstrip(".")
        sections.append({"name": name, "title": title, "fields": fields, "empty": ""})
    return sections


def skeleton(kind: CardKind, name: str, path: str = "cards/NAME.yaml") -> str:
    """The commented skeleton spec of a new card; it validates as written.

    Args:
        kind: `model`, `data` or `governance`.
        name: the card's name (letters, digits, `.`, `_`, `-`).
        path: where it will be written, quoted in the comments.

    Raises:
        CardgenError: if the name is not a valid card name.
    """
    if not re.match(CARD_NAME_PATTERN, name):
        raise CardgenError(
            f"invalid card name {name!r}: use letters, digits, '.', '_' and '-' "
            "(it becomes a file name), at most 128 characters"
        )
    model = _MODELS[kind]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML output, not HTML
    )
    fields = {n: (f.description or n) for n, f in model.model_fields.items()}
    sections = [s for s in _sections(model) if not s.get("scalar")]
    scalars = [s for s in _sections(model) if s.get("scalar")]
    for scalar in scalars:  # top-level prose such as how_to_get_started
        sections.append({**scalar, "fields": []})
    text = env.get_template("spec/card.yaml.j2").render(
        kind=kind,
        name=name,
        path=path,
        title=_TITLES[kind],
        schema_version=SCHEMA_VERSION,
        fields=fields,
        sections=sections,
        sources_example=_SOURCES_EXAMPLE[kind],
    )
    return text.rstrip("\n") + "\n"


def write_skeleton(
    kind: CardKind, name: str, directory: str | Path = "cards", force: bool = False
) -> Path:
    """Write `directory/NAME.yaml` with a skeleton spec.

    Raises:
        CardgenError: if the file exists (unless `force`) or `directory` is a file.
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise CardgenError(f"{folder}: exists and is not a directory")
    target = folder / f"{name}.yaml"
    text = skeleton(kind, name, str(target))
    if target.exists() and not force:
        raise CardgenError(f"{target}: already exists; pass --force to overwrite it")
    return atomic_write_text(target, text)
