"""Export the JSON Schemas of cards, evaluations and provenance to `schemas/`.

Generation only: the pydantic models are the source of truth, the files are derived.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .._io import atomic_write_text, dumps_json
from ..errors import CardgenError
from ._base import SCHEMA_VERSION
from .data_card import DataCard
from .evaluation import DisaggregatedEvaluation
from .governance_card import GovernanceCard
from .model_card import ModelCard
from .profile import DatasetProfile
from .provenance import Provenance
from .verification import Verification

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "model-card.schema.json": ModelCard,
    "data-card.schema.json": DataCard,
    "governance-card.schema.json": GovernanceCard,
    "evaluation.schema.json": DisaggregatedEvaluation,
    "provenance.schema.json": Provenance,
    "dataset-profile.schema.json": DatasetProfile,
    "verification.schema.json": Verification,
}


def schema_documents() -> dict[str, dict[str, Any]]:
    """Every exported JSON Schema, keyed by file name."""
    documents = {}
    for filename, model in SCHEMA_FILES.items():
        document = model.model_json_schema(mode="validation")
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://cardgen.dev/schemas/{SCHEMA_VERSION}/{filename}",
            **document,
        }
        documents[filename] = document
    return documents


def export_schemas(out_dir: str | Path) -> list[Path]:
    """Write every JSON Schema into `out_dir` (deterministic bytes).

    Returns:
        The paths written.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CardgenError(f"{out}: exists and is not a directory")
    return [
        atomic_write_text(out / name, dumps_json(doc)) for name, doc in schema_documents().items()
    ]


def stale_schemas(out_dir: str | Path) -> list[str]:
    """Schema files in `out_dir` that are missing or differ from the models."""
    out = Path(out_dir)
    stale = []
    for name, doc in schema_documents().items():
        path = out / name
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stale.append(name)
            continue
        if current != json.loads(dumps_json(doc)):
            stale.append(name)
    return stale
