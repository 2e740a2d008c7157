"""Where a spec's `sources:` paths point: one rule shared by build, validate and evaluate.

It resolves names; it neither reads nor creates the files they name.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

HUB_PREFIX = "hub:"
"""`hub:ORG/NAME[@REVISION]` names a Hub dataset as evaluation data."""

PATH_FIELDS = {
    "run": ("model", "data", "output"),
    "evaluate": ("data",),
    "probe": ("model", "prompts"),
    "profile": ("data",),
    "lm_eval": ("path", "baseline"),
    "inspect": ("path", "baseline"),
}
"""The fields of each `sources:` entry that name local files."""


def looks_like_hub_id(value: str) -> bool:
    """`hub:ORG/NAME`, or an `org/name` id with no file suffix (a Hub model or dataset)."""
    path = Path(value)
    return value.startswith("hub:") or (
        value.count("/") == 1 and not path.suffix and not value.startswith(".")
    )


def _exists(path: Path) -> bool:
    """Whether a path names something: a file or folder, or a glob pattern matching one."""
    if glob.has_magic(str(path)):
        return any(glob.iglob(str(path), recursive=True))
    return path.exists()


def source_path(
    value: str, spec_dir: str | os.PathLike[str], root: str | os.PathLike[str] = "."
) -> str:
    """A relative `sources:` path, resolved from the folder of the spec that names it.

    A spec written for an older cardgen named paths from the project folder (`root`): a
    path that exists there but not beside the spec keeps that meaning. Outputs that do not
    exist yet, and files that exist beside the spec, are taken from the spec's folder.
    Hub ids (`org/name`, `hub:org/name`), Spark tables (`spark:db.table`), URIs
    (`s3a://...`) and absolute paths are returned as written.

    Returns:
        The path, relative to `root` where it lies under it (so messages stay short),
        otherwise absolute.
    """
    if Path(value).is_absolute() or value.startswith("spark:") or "://" in value:
        return value
    root_path = Path(root)
    beside = Path(os.path.normpath(Path(spec_dir) / value))
    from_root = root_path / value
    if not _exists(beside) and (_exists(from_root) or looks_like_hub_id(value)):
        return value
    try:
        return str(beside.resolve().relative_to(root_path.resolve()))
    except ValueError:
        return str(beside.resolve())


def default_output(data: str) -> Path:
    """`<data stem>.predictions.parquet` in the working folder."""
    stem = data.removeprefix(HUB_PREFIX).rstrip("/").replace("/", "_")
    stem = Path(stem).name.split(".")[0] or "data"
    return Path(f"{stem}.predictions.parquet")


def default_outputs(
    sources: Any, spec_dir: str | os.PathLike[str], root: str | os.PathLike[str] = "."
) -> set[str]:
    """Predictions files of `run` entries that name no `output`, named as `build` names
    them (in the working folder), so an `evaluate` entry reading one keeps that meaning."""
    runs = [entry for entry in getattr(sources, "run", []) if not entry.output]
    if not runs:
        return set()
    return {
        str(default_output(str(Path(root, source_path(entry.data, spec_dir, root)))))
        for entry in runs
    }


def resolve_sources(
    card: M, spec_path: str | os.PathLike[str], root: str | os.PathLike[str] = "."
) -> M:
    """A copy of `card` whose `sources:` paths are resolved by `source_path`."""
    sources = getattr(card, "sources", None)
    if sources is None:
        return card
    spec_dir = Path(spec_path).parent
    unplaced = default_outputs(sources, spec_dir, root)
    update: dict[str, Any] = {}
    for kind, fields in PATH_FIELDS.items():
        entries = getattr(sources, kind, None)
        if not entries:
            continue
        update[kind] = [
            entry.model_copy(
                update={
                    name: source_path(getattr(entry, name), spec_dir, root)
                    for name in fields
                    if getattr(entry, name, None) and getattr(entry, name) not in unplaced
                }
            )
            for entry in entries
        ]
    if not update:
        return card
    return card.model_copy(update={"sources": sources.model_copy(update=update)})
