"""Where the data the tests read lives: tests/data (vendored, see tests/data/NOTICE), the
Adult files cardgen ships, and the optional ../shared/data beside the repository.

It finds files and names what is missing (a skip whose reason starts with SHARED_MISSING);
it never downloads anything and writes only a decompressed copy of a shipped file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from cardgen._resources import data_dir

HERE = Path(__file__).resolve().parent
VENDORED = HERE / "data"
HF_CARDS = VENDORED / "hf-cards"
"""Hub cards whose licence allows redistribution, the huggingface_hub card fixtures and
cards written for these tests (tests/data/hf-cards/NOTICE)."""

SHARED_ENV = "CARDGEN_SHARED_DATA"
"""Another folder to use as ../shared/data; `none` runs the tests as a bare clone would."""

SHARED_MISSING = "shared data missing"
"""How the reason of every skip caused by an absent ../shared/data begins (conftest.py)."""

CORPUS_SIZE = 279
"""Hub cards in ../shared/data/hf-cards/cards, of which tests/data/hf-cards/cards holds the
ones whose licence allows redistribution."""

REDISTRIBUTABLE = frozenset(
    {
        "apache-2.0",
        "mit",
        "bsd-2-clause",
        "bsd-3-clause",
        "afl-3.0",
        "cc0-1.0",
        "cc-by-4.0",
        "cc-by-sa-4.0",
        "gpl-2.0",
        "gpl-3.0",
    }
)
"""Licences (a card's `license:`) under which anyone may pass on verbatim copies, for any
purpose, by keeping the notices and naming the licence. Not on the list: no licence, `other`,
`cc` without a version, non-commercial licences (cc-by-nc-*), and OpenRAIL licences, whose
use restrictions must be made binding on every recipient."""


def shared_root() -> Path | None:
    """The ../shared/data folder (or the one CARDGEN_SHARED_DATA names), None when absent."""
    chosen = os.environ.get(SHARED_ENV)
    if chosen == "none":
        return None
    root = Path(chosen) if chosen else HERE.parents[1] / "shared" / "data"
    return root if root.is_dir() else None


def shared_missing(what: str) -> str:
    """The reason for skipping a test that needs `what` from ../shared/data."""
    if os.environ.get(SHARED_ENV) == "none":
        return f"{SHARED_MISSING}: {what} (../shared/data is hidden by {SHARED_ENV}=none)"
    where = shared_root() or HERE.parents[1] / "shared" / "data"
    return (
        f"{SHARED_MISSING}: {what} is not in {where}; put the project's shared data there or "
        f"point {SHARED_ENV} at it (tests/data/NOTICE says where each data set comes from)"
    )


def shared_data(*parts: str) -> Path:
    """`../shared/data/<parts>`, or a module-level skip naming what is missing."""
    root = shared_root()
    path = root.joinpath(*parts) if root else None
    if path is None or not path.exists():
        pytest.skip(shared_missing("/".join(parts)), allow_module_level=True)
    return path


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """A mark that skips a test when `../shared/data/<parts>` is missing, saying so."""
    root = shared_root()
    present = root is not None and root.joinpath(*parts).exists()
    return pytest.mark.skipif(not present, reason=shared_missing("/".join(parts)))


def shipped_adult(name: str) -> Path:
    """`adult.data` or `adult.test` as UCI distributes them (with the header line that
    ../shared/data/adult has), decompressed from the copy cardgen ships."""
    packed = data_dir() / "adult" / f"{name}.gz"
    digest = hashlib.sha256(packed.read_bytes()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"cardgen-tests-adult-{digest}" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{name}.{os.getpid()}")
        part.write_bytes(gzip.decompress(packed.read_bytes()))
        part.replace(path)
    return path


def card_licence(data: bytes) -> str | None:
    """The `license:` of a card's front matter as huggingface_hub reads it (None if none)."""
    from huggingface_hub import RepoCard  # only the corpus tests need it: a quicker conftest

    try:
        licence = RepoCard(data.decode("utf-8", errors="replace")).data.get("license")
    except Exception:  # invalid front matter: no licence can be read
        return None
    return licence if isinstance(licence, str) else None


def hub_cards() -> list[Path]:
    """The real Hub cards: every vendored one, and ../shared's others when it is there."""
    vendored = {p.name: p for p in (HF_CARDS / "cards").glob("*.md")}
    root = shared_root()
    others = (root / "hf-cards" / "cards").glob("*.md") if root else []
    return sorted({**{p.name: p for p in others}, **vendored}.values(), key=lambda p: p.name)


EDGE_CASES = sorted((HF_CARDS / "edge-cases").glob("*.md"))
WRITTEN = sorted((HF_CARDS / "written").glob("*.md"))


def card_params(*groups: list[Path]) -> list[Any]:
    """pytest parameters, one per card (id: its file name), and in place of the corpus cards
    that only ../shared/data has, one skipped parameter saying so."""
    params: list[Any] = [pytest.param(p, id=p.name) for group in groups for p in group]
    root = shared_root()
    if root is None or not (root / "hf-cards" / "cards").is_dir():
        vendored = len(list((HF_CARDS / "cards").glob("*.md")))
        reason = shared_missing(
            f"hf-cards/cards (the {CORPUS_SIZE - vendored} corpus cards whose licence does not "
            "allow vendoring them)"
        )
        params.append(pytest.param(None, id="cards-only-in-shared", marks=pytest.mark.skip(reason)))
    return params
