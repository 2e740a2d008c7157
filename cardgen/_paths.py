"""Where a spec's `sources:` paths point (one rule shared by build, validate and evaluate),
and how a path is written down in an output (relative to the project, never absolute).

It resolves and rewrites names; it neither reads nor creates the files they name.
"""

from __future__ import annotations

import glob
import os
import re
from collections import Counter
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


_ABSOLUTE = re.compile(r"(?<![\w.:/~-])/[^\s'\",;()\[\]{}<>|]+")
"""An absolute POSIX path in text (not the path part of a URL)."""


def portable(data: Any, root: str | os.PathLike[str] = ".") -> Any:
    """JSON-like data with no absolute path of this machine in it, for facts and records.

    The project folder `root` is dropped from every string and mapping key (a path under it
    becomes relative to it, also inside a message); a string that is still the absolute
    path of an existing file or folder becomes its name, or as many of its last parts as
    keep it apart from the other paths in `data` (`sex=Male/part-0.parquet`).

    Example:
        With root `/home/ana/cards`, `/home/ana/cards/data/x.csv` becomes `data/x.csv`
        and `/home/ana/Downloads/preds.csv` becomes `preds.csv`.
    """
    folders = {str(Path(root).absolute()), str(Path(root).resolve())}
    prefixes = sorted((f.rstrip(os.sep) + os.sep for f in folders), key=len, reverse=True)

    def relative(value: str) -> str:
        for prefix in prefixes:
            if value == prefix.rstrip(os.sep):
                return "."
            value = value.replace(prefix, "")
        return value

    outside: set[str] = set()

    def strings(value: Any) -> None:
        if isinstance(value, str):
            # Absolute paths anywhere in the text, a message's included; a URL's path is not.
            for token in _ABSOLUTE.findall(relative(value)):
                path = token.rstrip(".")
                if Path(path).name and os.path.exists(path):
                    outside.add(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                strings(key)
                strings(item)
        elif isinstance(value, list):
            for item in value:
                strings(item)

    strings(data)
    tails = _distinct_tails(sorted(outside))
    found = re.compile("|".join(re.escape(p) for p in sorted(tails, key=len, reverse=True)))

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            text = relative(value)
            return found.sub(lambda m: tails[m.group(0)], text) if tails else text
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(data)


def _distinct_tails(paths: list[str]) -> dict[str, str]:
    """Each path's shortest tail (file name, then parent/name, ...) that no other has."""
    tails: dict[str, str] = {}
    pending, depth = list(paths), 1
    while pending:
        seen = Counter(Path(p).parts[-depth:] for p in pending)
        unresolved = []
        for path in pending:
            parts = Path(path).parts
            if seen[parts[-depth:]] == 1 or depth >= len(parts):
                tails[path] = Path(*parts[-depth:]).as_posix()
            else:
                unresolved.append(path)
        pending, depth = unresolved, depth + 1
    return tails
