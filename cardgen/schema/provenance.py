"""Provenance: where a fact came from and how it was produced.

Attached to every collected fact; it describes the source, it never holds the fact itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ._base import CardModel

SourceKind = Literal[
    "spec",
    "hub",
    "run",
    "evaluate",
    "probe",
    "profile",
    "lm-eval",
    "inspect",
    "files",
    "verify",
    "manual",
]


class Provenance(CardModel):
    """Where a fact came from, when, and with which code, data, device and seed."""

    source_kind: SourceKind
    """Which collector produced the fact (`hub`, `run`, `evaluate`, `probe`, `profile`,
    `lm-eval`, `inspect`, `verify`, `files` for the digests of a card's model files),
    `spec` for text written in the card spec, `manual` for numbers typed by a person."""
    uri: str | None = None
    """The source's address: a Hub URL, a file path or a run identifier."""
    revision: str | None = None
    """The exact revision read: a Hub commit sha, a git commit or a model file hash."""
    input_sha256: dict[str, str] = Field(default_factory=dict)
    """SHA-256 of each input file, keyed by the file's path as given."""
    collected_at: datetime | None = None
    """When the fact was collected (UTC, ISO 8601)."""
    cardgen_version: str | None = None
    """Version of cardgen that produced the fact."""
    library_versions: dict[str, str] = Field(default_factory=dict)
    """Versions of the libraries that computed the fact, keyed by distribution name."""
    engine: str | None = None
    """Engine that computed the fact's counts and its version, e.g. `duckdb 1.2.0`
    (`pandas`, `duckdb` or `spark`)."""
    device: str | None = None
    """Device that ran the computation, e.g. `cpu` or `NVIDIA H100 80GB HBM3`."""
    seed: int | None = None
    """Random seed used (bootstrap resampling, sampling of rows), when one was used."""
