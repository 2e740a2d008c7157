"""Bind a model card to the exact files it describes: match, hash, record and compare them.

It reads model files and the card's `model-files` fact and writes only that fact; it never
edits a spec, and it knows nothing of rendering, signing keys or the Hub.
"""

from __future__ import annotations

import base64
import binascii
import glob
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._io import sha256_file
from .errors import CardgenError, Problem
from .facts import facts_dir, new_provenance, write_fact
from .schema import FileDigest, ModelCard, ModelFiles

FACT_KEY = "model-files"
"""File stem of the fact under `.cardgen/<card>/` that holds the recorded digests."""
SIGNATURE_FILE = "model.sig"
"""Name of the signature `cardgen sign` writes beside the facts and `push` uploads."""
SKIPPED_NAMES = frozenset({".git", ".github", ".gitattributes", ".gitignore"})
"""Version-control files a folder's listing leaves out (as OpenSSF model signing does)."""


@dataclass(frozen=True)
class MatchedFile:
    """A file one of the spec's `model_files` entries names."""

    entry: int
    """Index of the `model_files` entry that matched it."""
    path: Path
    """Where it lies (the spec's folder joined with the entry)."""
    shown: str
    """The path as the card records it: relative to the spec's folder, or absolute."""


def _files_under(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not SKIPPED_NAMES & set(p.relative_to(folder).parts)
    )


def _shown(path: Path, spec_dir: Path, absolute: bool) -> str:
    if absolute:
        return path.as_posix()
    return Path(os.path.relpath(path, spec_dir)).as_posix()


def match_model_files(
    card: ModelCard, spec_path: str | Path
) -> tuple[list[MatchedFile], list[int]]:
    """The files the spec's `model_files` name, and the entries that name nothing.

    A path or glob is relative to the spec's folder; a folder stands for every file under
    it (version-control files left out). A file named twice is listed once.

    Returns:
        The files in order of the entries (each entry's files sorted), and the indexes of
        entries that match no file.
    """
    spec_dir = Path(spec_path).parent
    matched: list[MatchedFile] = []
    seen: set[Path] = set()
    empty: list[int] = []
    for index, entry in enumerate(card.model_files):
        absolute = Path(entry).is_absolute()
        located = Path(entry) if absolute else spec_dir / entry
        if glob.has_magic(entry):
            hits = [Path(p) for p in sorted(glob.glob(str(located), recursive=True))]
        else:
            hits = [located] if located.exists() else []
        files = [f for hit in hits for f in (_files_under(hit) if hit.is_dir() else [hit])]
        files = [f for f in files if f.is_file()]
        if not files:
            empty.append(index)
        for file in files:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                matched.append(MatchedFile(index, file, _shown(file, spec_dir, absolute)))
    return matched, empty


def model_file_problems(
    card: ModelCard, spec_path: str | Path, positions: dict[tuple[Any, ...], tuple[int, int]]
) -> list[Problem]:
    """A problem, located at its line, for each `model_files` entry that names no file."""
    _, empty = match_model_files(card, spec_path)
    problems = []
    spec_dir = Path(spec_path).parent
    for index in empty:
        entry = card.model_files[index]
        line, column = positions.get(
            ("model_files", index), positions.get(("model_files",), (None, None))
        )
        what = "the pattern matches no file" if glob.has_magic(entry) else "no such file or folder"
        problems.append(
            Problem(
                str(spec_path),
                f"{entry}: {what} (looked beside the spec: {spec_dir / entry})",
                line,
                column,
                f"model_files[{index}]",
            )
        )
    return problems


def digests(files: Iterable[tuple[Path, str]]) -> list[FileDigest]:
    """SHA-256 and size of each `(path, shown path)`, named relative to the folder holding
    them all, sorted by name. Files are read in chunks, so their size does not matter."""
    listed = list(files)
    if not listed:
        return []
    parents = [str(path.resolve().parent) for path, _ in listed]
    base = Path(os.path.commonpath(parents))
    result = [
        FileDigest(
            name=path.resolve().relative_to(base).as_posix(),
            path=shown,
            sha256=sha256_file(path),
            size=path.stat().st_size,
        )
        for path, shown in listed
    ]
    names = [d.name for d in result]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CardgenError(f"model files share a name: {', '.join(twice)}")
    return sorted(result, key=lambda d: d.name)


def hash_model_files(card: ModelCard, spec_path: str | Path) -> list[FileDigest]:
    """The digests of the files the spec's `model_files` name.

    Raises:
        CardgenError: an entry names no file (located at its spec line).
    """
    matched, empty = match_model_files(card, spec_path)
    if empty:
        from .spec import parse_yaml

        text = Path(spec_path).read_text(encoding="utf-8-sig")
        positions = parse_yaml(text, str(spec_path)).values
        raise CardgenError(
            "\n".join(str(p) for p in model_file_problems(card, spec_path, positions))
        )
    return digests((m.path, m.shown) for m in matched)


def run_model_files(sidecars: Iterable[Path], spec_path: str | Path) -> list[FileDigest]:
    """The local model files `cardgen run` loaded, from its `<out>.provenance.json` sidecars.

    A sidecar that is missing or names no local file (a Hub model) adds nothing.
    """
    spec_dir = Path(spec_path).parent.resolve()
    found: dict[Path, str] = {}
    for sidecar in sidecars:
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for entry in (record.get("run") or {}).get("model_files") or []:
            path = Path(entry["path"])
            if path.is_file():
                found.setdefault(path.resolve(), _shown(path.resolve(), spec_dir, False))
    return digests(sorted(found.items()))


def loaded_model_files(models: Iterable[str | None], spec_path: str | Path) -> list[FileDigest]:
    """The local model files `cardgen verify` loads (a `.skops` file, or every file of a
    transformers folder), for a card whose spec names no `model_files`. Hub ids and paths
    that are not there add nothing."""
    spec_dir = Path(spec_path).parent.resolve()
    found: dict[Path, str] = {}
    for model in models:
        if not model:
            continue
        path = Path(model)
        if not path.exists():
            continue
        files = _files_under(path) if path.is_dir() else [path]
        for file in (f for f in files if f.is_file()):
            found.setdefault(file.resolve(), _shown(file.resolve(), spec_dir, False))
    return digests(sorted(found.items()))


def stored_files(card_name: str, root: str | Path = ".") -> ModelFiles | None:
    """The recorded `model-files` fact of a card, or None when there is none."""
    path = facts_dir(card_name, root) / f"{FACT_KEY}.json"
    if not path.is_file():
        return None
    try:
        return ModelFiles.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise CardgenError(
            f"{path}: not a valid model-files fact ({exc}); run cardgen build"
        ) from None


def drift(recorded: list[FileDigest], current: list[FileDigest]) -> list[str]:
    """What differs between the digests a card records and the files now: one line each,
    by the files' paths."""
    before = {d.path: d for d in recorded}
    now = {d.path: d for d in current}
    lines = []
    for path in sorted(before.keys() | now.keys()):
        old, new = before.get(path), now.get(path)
        if old is not None and new is None:
            lines.append(f"{path}: no longer there (the card records sha256 {old.sha256})")
        elif old is None and new is not None:
            lines.append(f"{path}: not on the card (sha256 {new.sha256} on disk)")
        elif old is not None and new is not None and old.sha256 != new.sha256:
            lines.append(
                f"{path}: changed since the card recorded it "
                f"(sha256 {old.sha256} on the card, {new.sha256} on disk)"
            )
    return lines


def disk_drift(card: ModelCard, spec_path: str | Path, root: str | Path = ".") -> list[str]:
    """How the files on disk differ from the digests recorded for the card (empty: none).

    Each recorded file is read where the card says it lies; with `model_files` in the
    spec, files its entries now match that the card does not record count too.
    """
    stored = stored_files(card.name, root)
    if stored is None or not stored.files:
        return []
    spec_dir = Path(spec_path).parent

    def located(shown: str) -> Path:
        return Path(shown) if Path(shown).is_absolute() else spec_dir / shown

    current = [
        recorded.model_copy(update={"sha256": sha256_file(located(recorded.path))})
        for recorded in stored.files
        if located(recorded.path).is_file()
    ]
    if card.model_files:
        known = {located(d.path).resolve() for d in stored.files}
        matched, _ = match_model_files(card, spec_path)
        current += [
            FileDigest(name=m.shown, path=m.shown, sha256=sha256_file(m.path))
            for m in matched
            if m.path.resolve() not in known
        ]
    return drift(stored.files, current)


def record_model_files(
    card: ModelCard, spec_path: str | Path, root: str | Path, current: list[FileDigest]
) -> list[str]:
    """Store `current` as the card's `model-files` fact when it differs from the stored one.

    Returns:
        One warning line per file that changed since the card last recorded it (empty the
        first time, and when nothing changed, in which case nothing is written).
    """
    stored = stored_files(card.name, root)
    if stored is not None and stored.files == current:
        return []
    path = facts_dir(card.name, root) / f"{FACT_KEY}.json"
    if not current:
        path.unlink(missing_ok=True)
        return []
    provenance = new_provenance("files" if card.model_files else "run", uri=str(spec_path))
    write_fact(card.name, FACT_KEY, ModelFiles(files=current, provenance=provenance), root)
    return drift(stored.files, current) if stored is not None else []


def signed_files(signature: str | Path) -> dict[str, str]:
    """The SHA-256 of each file an OpenSSF model-signing signature lists, keyed by name.

    This reads the signed statement only; it does not check the signature (that needs the
    public key: `cardgen verify-signature`).

    Raises:
        CardgenError: the file is not a model-signing signature (a Sigstore bundle whose
            DSSE payload is an in-toto statement listing the signed files).
    """
    path = Path(signature)
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        payload = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
        resources = payload["predicate"]["resources"]
        return {
            str(r["name"]): str(r["digest"])
            for r in resources
            if str(r.get("algorithm", "sha256")) == "sha256"
        }
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CardgenError(
            f"{path}: not a model-signing signature ({type(exc).__name__}: {exc})"
        ) from None
