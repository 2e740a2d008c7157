"""The files a card describes: each file's name, where it lies and its SHA-256.

Structure and validation only; `cardgen.binding` hashes the files and compares them.
"""

from __future__ import annotations

from pydantic import Field

from ._base import CardModel
from .provenance import Provenance

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class FileDigest(CardModel):
    """One model file the card describes, with its SHA-256 at the time it was recorded."""

    name: str
    """The file's name within the model: its path relative to the folder that holds all
    the model's files (as in the model's repository), with `/` separators."""
    path: str
    """Where the file lies, relative to the folder of the card's spec (`/` separators), or
    absolute; `cardgen validate` and `build` read it there to detect drift."""
    sha256: str = Field(pattern=SHA256_PATTERN)
    """SHA-256 of the file's bytes, as 64 lowercase hexadecimal digits."""
    size: int | None = Field(default=None, ge=0)
    """Size in bytes."""


class ModelFiles(CardModel):
    """The `model-files` fact: the digests of a card's model files and who recorded them."""

    files: list[FileDigest] = Field(default_factory=list)
    """The files, sorted by name."""
    provenance: Provenance | None = None
    """Who recorded the digests (`files` for the spec's `model_files`, `run` for the files
    `cardgen run` loaded) and when."""
