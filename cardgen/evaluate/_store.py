"""Storing an evaluation: as JSON in a file, or as a fact of the card a spec file defines.

It writes atomically and never changes the evaluation.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._io import atomic_write_text, dumps_json
from .._paths import portable
from ..schema import DisaggregatedEvaluation


def write_evaluation(evaluation: DisaggregatedEvaluation, path: str | os.PathLike[str]) -> Path:
    """Write an evaluation as deterministic JSON, atomically (paths as `portable` writes
    them: relative to the working folder, else file names)."""
    return atomic_write_text(path, dumps_json(portable(evaluation.model_dump(mode="json"))))


def store_in_card(
    card: str | os.PathLike[str],
    evaluation: DisaggregatedEvaluation,
    root: str | os.PathLike[str] = ".",
) -> Path:
    """Store an evaluation as the fact `evaluate-<name>` of the card a spec file defines."""
    from ..facts import write_fact
    from ..spec import load_spec

    return write_fact(load_spec(card).name, f"evaluate-{evaluation.name}", evaluation, root=root)
