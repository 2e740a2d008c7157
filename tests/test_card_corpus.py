"""The vendored test data: every file's licence is named, the Hub cards kept are those whose
licence allows it, and they still cover every layout of the whole 279-card corpus.

The layouts come from tests/cardlayouts.py; CORPUS_LAYOUTS is what the corpus in
../shared/data/hf-cards (with huggingface_hub's fixtures) shows, checked whenever it is there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cardlayouts import layouts
from shareddata import (
    EDGE_CASES,
    HF_CARDS,
    REDISTRIBUTABLE,
    VENDORED,
    WRITTEN,
    card_licence,
    needs_shared,
    shared_root,
    shipped_adult,
)

VENDORED_CARDS = sorted((HF_CARDS / "cards").glob("*.md"))

CORPUS_LAYOUTS = frozenset(
    {
        "end:final-newline",
        "end:no-final-newline",
        "eol:crlf",
        "eol:lf",
        "fm:block-list-flush",
        "fm:block-list-indented",
        "fm:invalid-yaml",
        "fm:keys-kept-verbatim",
        "fm:legacy-model_index",
        "fm:lone-string",
        "fm:model-index",
        "fm:model-index-not-typed",
        "fm:none",
        "fm:not-a-mapping",
        "fm:present",
        "fm:quoted-scalar",
        "fm:widget",
        "import:extra_sections",
        "import:field",
        "import:heading-line-as-written",
        "import:how_to_get_started",
        "import:known-heading-field-taken",
        "import:placeholder",
        "import:placeholder-preamble",
        "import:placeholder-text",
        "import:preamble",
        "import:preamble-summary",
        "import:title",
        "import:title+summary",
        "import:uneven-blank-lines",
        "kind:data",
        "kind:model",
        "md:block-quote",
        "md:bullet-list",
        "md:fenced-code-backticks",
        "md:fenced-code-tildes",
        "md:html-block",
        "md:html-comment",
        "md:image",
        "md:link",
        "md:non-ascii",
        "md:ordered-list",
        "md:pipe-table",
        "md:setext-heading",
        "md:tab",
        "md:thematic-break",
        "md:trailing-spaces",
        "sections:empty-body",
        "sections:first-heading-below-h1",
        "sections:h1",
        "sections:h2",
        "sections:h3",
        "sections:h4",
        "sections:h5",
        "sections:h6",
        "sections:no-heading",
        "sections:text-before-first-heading",
        "warning:crlf",
        "warning:invalid-model-index",
        "warning:invalid-yaml",
        "warning:legacy-model_index",
        "warning:no-front-matter",
        "warning:not-a-mapping",
    }
)
"""Every layout the 279 corpus cards and huggingface_hub's fixtures show (cardlayouts.py)."""

LICENCE_TEXTS = {
    "apache-2.0": "Apache-2.0.txt",
    "mit": "MIT.txt",
    "bsd-3-clause": "BSD-3-Clause.txt",
    "gpl-2.0": "GPL-2.0.txt",
    "gpl-3.0": "GPL-3.0.txt",
}
"""Licences whose text must travel with the copies (the others are named by their URL)."""


def _covered(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        found |= layouts(path.read_bytes())
    return found


def _notice_rows(notice: Path) -> dict[str, str]:
    """`path  licence` rows of a NOTICE's file list."""
    text = notice.read_text(encoding="utf-8").split("Files and their licences:\n", 1)[1]
    return dict(re.findall(r"^  (\S+)  (\S+)$", text, re.M))


def test_the_vendored_cards_cover_every_layout_of_the_corpus() -> None:
    assert CORPUS_LAYOUTS - _covered(VENDORED_CARDS + EDGE_CASES + WRITTEN) == set()


def test_a_written_card_shows_what_no_vendored_hub_card_does() -> None:
    only_elsewhere = CORPUS_LAYOUTS - _covered(VENDORED_CARDS + EDGE_CASES)
    assert only_elsewhere == {
        "fm:block-list-indented",
        "md:ordered-list",
        "md:setext-heading",
        "md:thematic-break",
        "sections:h5",
    }
    written = HF_CARDS / "written"
    assert only_elsewhere - {"fm:block-list-indented"} <= layouts(
        (written / "markdown_forms_README.md").read_bytes()
    )
    assert "fm:block-list-indented" in layouts(
        (written / "dataset_keys_on_a_model_README.md").read_bytes()
    )


@needs_shared("hf-cards", "cards")
def test_the_recorded_layouts_are_those_of_the_whole_corpus() -> None:
    root = shared_root()
    assert root is not None
    corpus = sorted((root / "hf-cards" / "cards").glob("*.md"))
    edge = sorted((root / "hf-cards" / "edge-cases").glob("*.md"))
    assert _covered(corpus + edge) == CORPUS_LAYOUTS


def test_every_vendored_card_has_a_licence_that_allows_passing_it_on() -> None:
    rows = _notice_rows(HF_CARDS / "NOTICE")
    assert len(VENDORED_CARDS) == 118
    for path in VENDORED_CARDS:
        licence = card_licence(path.read_bytes())
        assert licence in REDISTRIBUTABLE, path.name
        assert rows[f"cards/{path.name}"] == licence, path.name


def test_the_notices_name_every_file_with_its_licence() -> None:
    rows = {f"hf-cards/{k}": v for k, v in _notice_rows(HF_CARDS / "NOTICE").items()}
    rows |= {f"hub-api/{k}": v for k, v in _notice_rows(VENDORED / "hub-api" / "NOTICE").items()}
    top = (VENDORED / "NOTICE").read_text(encoding="utf-8")
    files = [
        p.relative_to(VENDORED).as_posix()
        for p in VENDORED.rglob("*")
        if p.is_file() and p.name != "NOTICE" and p.parent.name != "LICENSES"
    ]
    unnamed = [f for f in files if f not in rows and Path(f).name not in top]
    assert unnamed == []
    assert sorted(f for f in rows if not (VENDORED / f).is_file()) == []
    listed = (HF_CARDS / "NOTICE").read_text(encoding="utf-8")
    for licence in set(rows.values()):
        text = LICENCE_TEXTS.get(licence)
        if text:
            assert (HF_CARDS / "LICENSES" / text).is_file(), licence
        else:
            assert re.search(rf"^  {re.escape(licence)} +\S.*\n? *https://", listed, re.M), licence


@needs_shared("hf-cards", "cards")
def test_the_vendored_cards_are_the_corpus_cards_whose_licence_allows_it() -> None:
    root = shared_root()
    assert root is not None
    corpus = sorted((root / "hf-cards" / "cards").glob("*.md"))
    kept = [p for p in corpus if card_licence(p.read_bytes()) in REDISTRIBUTABLE]
    assert [p.name for p in kept] == [p.name for p in VENDORED_CARDS]
    for path in kept:
        assert (HF_CARDS / "cards" / path.name).read_bytes() == path.read_bytes(), path.name
    edge = sorted((root / "hf-cards" / "edge-cases").glob("*.md"))
    assert [p.name for p in edge] == [p.name for p in EDGE_CASES]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(edge, EDGE_CASES, strict=True))
    recorded = sorted((root / "hub-api").glob("*.json"))
    assert [p.read_bytes() for p in recorded] == [
        p.read_bytes() for p in sorted((VENDORED / "hub-api").glob("*.json"))
    ]


@needs_shared("adult")
@pytest.mark.parametrize("name", ["adult.data", "adult.test"])
def test_the_shipped_adult_split_is_the_shared_one(name: str) -> None:
    root = shared_root()
    assert root is not None
    assert shipped_adult(name).read_bytes() == (root / "adult" / name).read_bytes()
