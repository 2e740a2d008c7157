"""Merge a spec with its collected facts into the card that renderers read.

Prose comes from the spec, numbers from facts; what the spec says always wins over a
collected value. It reads `.cardgen/<card>/` and never writes anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import CardgenError
from .facts import facts_dir, read_facts
from .privacy import Declarations, assign_roles
from .schema import (
    DataCard,
    DisaggregatedEvaluation,
    GovernanceCard,
    ModelCard,
    ModelFiles,
    Verification,
)
from .schema.profile import DatasetProfile
from .spec import Card, load_spec

_EVALUATION_PREFIXES = ("evaluate-", "probe-", "lm-eval-", "inspect-")
VERIFY_FACT = "verify"
"""Fact key of a model card's verified claims (`cardgen collect verify`, build's `verify`)."""
FactT = TypeVar("FactT", bound=BaseModel)


def _validated(model: type[FactT], data: Any, where: Path, what: str) -> FactT:
    """A stored fact as `model`, or a one-line error naming the file."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CardgenError(
            f"{where}: not a valid {what} fact ({loc}: {first['msg']}); collect it again"
        ) from None


def _fill_hub_metadata(card: ModelCard, hub: dict[str, Any]) -> None:
    """Metadata the spec leaves empty is taken from the Hub facts."""
    meta = card.metadata
    if not meta.license and isinstance(hub.get("license"), str):
        meta.license = hub["license"]
    if not meta.pipeline_tag and hub.get("pipeline_tag"):
        meta.pipeline_tag = hub["pipeline_tag"]
    if not meta.library_name and hub.get("library_name"):
        meta.library_name = hub["library_name"]
    if not meta.base_model and hub.get("base_models"):
        meta.base_model = list(hub["base_models"])
    if not meta.datasets and hub.get("datasets"):
        meta.datasets = [d["repo_id"] for d in hub["datasets"] if "repo_id" in d]
    if not meta.tags and hub.get("tags"):
        # The Hub adds `license:`, `dataset:`, `region:`, ... tags of its own; keep the
        # author's plain tags.
        meta.tags = [t for t in hub["tags"] if ":" not in t]


def merge_facts(card: Card, facts: dict[str, Any], folder: Path) -> Card:
    """A copy of `card` with the collected `facts` (keyed by file stem) merged in.

    Evaluation facts (`evaluate-*`, `probe-*`, `lm-eval-*`, `inspect-*`, `hub-evaluations`)
    join the model card's quantitative analyses; one with the same name as an evaluation in
    the spec replaces it. Hub facts fill metadata the spec leaves empty. A `profile-*` fact
    becomes a data card's `composition.profile` unless the spec has one.

    Raises:
        CardgenError: if a stored fact does not validate (names the file).
    """
    return _merge_into(card.model_copy(deep=True), facts, folder)


def _merge_into(merged: Card, facts: dict[str, Any], folder: Path) -> Card:
    """`merge_facts` into `merged` itself."""
    evaluations: list[DisaggregatedEvaluation] = []
    for key, data in sorted(facts.items()):
        where = folder / f"{key}.json"
        if key.startswith(_EVALUATION_PREFIXES):
            evaluations.append(_validated(DisaggregatedEvaluation, data, where, "evaluation"))
        elif key == "hub-evaluations":
            evaluations.extend(
                _validated(DisaggregatedEvaluation, e, where, "evaluation")
                for e in data.get("evaluations", [])
            )
        elif key == VERIFY_FACT and isinstance(merged, ModelCard):
            merged.quantitative_analyses.claims_checked = _validated(
                Verification, data, where, "verification"
            )
        elif key == "hub" and isinstance(merged, ModelCard):
            _fill_hub_metadata(merged, data)
        elif key == "model-files" and isinstance(merged, ModelCard) and not merged.file_digests:
            merged.file_digests = _validated(ModelFiles, data, where, "model-files").files
        elif (
            key.startswith("profile-")
            and isinstance(merged, DataCard)
            and merged.composition.profile is None
        ):
            # One profile per data card: the first collected (facts are read sorted).
            # Columns get their roles from the card as it is now; values of withheld
            # columns never reach a rendered card, whatever the fact holds.
            merged.composition.profile = assign_roles(
                _validated(DatasetProfile, data, where, "profile"), Declarations.of(merged)
            )
    if isinstance(merged, ModelCard) and evaluations:
        names = {e.name for e in evaluations}
        kept = [e for e in merged.quantitative_analyses.evaluations if e.name not in names]
        merged.quantitative_analyses.evaluations = kept + evaluations
    return merged


def load_card(
    spec_path: str | Path, root: str | Path = "."
) -> ModelCard | DataCard | GovernanceCard:
    """Load a spec and merge the facts collected for it under `root/.cardgen/<name>/`.

    Raises:
        SpecError: the spec does not validate.
        CardgenError: a stored fact does not validate.
    """
    card = load_spec(spec_path)
    # The card was just read and nothing else holds it: merged in place, not copied.
    return _merge_into(card, read_facts(card.name, root), facts_dir(card.name, root))
