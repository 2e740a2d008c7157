"""The facts store: collected facts with provenance under `.cardgen/<card>/`.

Collectors write here and the merge step reads here; specs are never touched.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ._io import atomic_write_text, dumps_json
from ._paths import portable
from ._version import __version__
from .errors import CardgenError
from .schema import Provenance
from .schema.provenance import SourceKind

FACTS_DIR = ".cardgen"


def library_versions(*names: str) -> dict[str, str]:
    """Installed versions of the named distributions (absent ones are skipped), plus Python."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def collection_time() -> datetime:
    """When a fact is collected: now (to the second), or `SOURCE_DATE_EPOCH` when set.

    Every collector stamps its facts with this, so that a build with SOURCE_DATE_EPOCH
    set is byte-for-byte reproducible (reproducible-builds.org).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except ValueError:
            raise CardgenError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970"
            ) from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def new_provenance(
    source_kind: SourceKind,
    *,
    libraries: tuple[str, ...] = (),
    collected_at: datetime | None = None,
    **fields: Any,
) -> Provenance:
    """A `Provenance` stamped with cardgen's version, library versions and the time."""
    return Provenance(
        source_kind=source_kind,
        collected_at=collected_at or collection_time(),
        cardgen_version=__version__,
        library_versions=library_versions(*libraries),
        **fields,
    )


def facts_dir(card_name: str, root: str | os.PathLike[str] = ".") -> Path:
    """Folder holding one card's facts."""
    return Path(root) / FACTS_DIR / card_name


def write_fact(
    card_name: str, key: str, fact: BaseModel | dict[str, Any], root: str | os.PathLike[str] = "."
) -> Path:
    """Store a fact as `.cardgen/<card_name>/<key>.json` (atomic, deterministic JSON).

    Args:
        card_name: the card the fact belongs to.
        key: file stem naming the fact, e.g. `evaluate-adult-test` or `hub`.
        fact: a pydantic model or plain JSON-able mapping.
        root: project folder holding `.cardgen/`; paths under it are stored relative to it,
            other absolute paths as file names (`cardgen._paths.portable`).

    Returns:
        The path written.
    """
    data = fact.model_dump(mode="json", exclude_none=False) if isinstance(fact, BaseModel) else fact
    # Paths are written relative to the project (or as file names): a fact, and every card
    # rendered from it, holds no absolute path of this machine.
    return atomic_write_text(
        facts_dir(card_name, root) / f"{key}.json", dumps_json(portable(data, root))
    )


def read_facts(card_name: str, root: str | Path = ".") -> dict[str, Any]:
    """All stored facts of a card, keyed by file stem, in sorted order."""
    folder = facts_dir(card_name, root)
    facts: dict[str, Any] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            facts[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CardgenError(f"{path}: cannot read stored fact: {exc}") from exc
    return facts
