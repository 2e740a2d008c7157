"""The site's full-text index in parts: each Pagefind bundle holds exactly its slice of the
card pages, all pages once; a small site's index is what one plain Pagefind run writes."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sitecards import write_cards

from cardgen.site import _search, build_site
from cardgen.site._search import part_glob
from cardgen.site._shards import split_parts

N_CARDS = 8
SLICES = [
    ["/data/synthetic-data-0000/", "/data/synthetic-data-0005/", "/models/synthetic-model-0001/"],
    [
        "/models/synthetic-model-0002/",
        "/models/synthetic-model-0003/",
        "/models/synthetic-model-0004/",
    ],
    ["/models/synthetic-model-0006/", "/models/synthetic-model-0007/"],
]
"""8 cards (every 5th a data card) in sorted page order, by hand, in parts of at most 3."""


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parts")
    write_cards(folder, N_CARDS)
    return folder


def _build(cards: Path, out: Path, part_pages: int) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_search, "PAGEFIND_PART_PAGES", part_pages)
        build_site(cards / "cards", out, root=cards, jobs=1)
    return out / "public"


def _pages(bundle: Path) -> list[str]:
    """URLs of the pages a bundle indexed (its fragments: gzip, a signature, JSON)."""
    signature = b"pagefind_dcd"
    urls = []
    for fragment in (bundle / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(fragment.read_bytes())
        assert raw.startswith(signature)
        urls.append(json.loads(raw[len(signature) :])["url"])
    return sorted(urls)


def _entry(bundle: Path) -> dict[str, object]:
    data = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow  # mkdocs builds: left out of `make test-fast`
def test_each_part_indexes_exactly_its_slice_and_every_card_once(
    cards: Path, tmp_path: Path
) -> None:
    public = _build(cards, tmp_path / "site", part_pages=3)
    bundles = [public / "pagefind", public / "pagefind" / "part-2", public / "pagefind" / "part-3"]
    assert sorted(p.name for p in (public / "pagefind").glob("part-*")) == ["part-2", "part-3"]
    assert _entry(bundles[0])["cardgen_parts"] == ["part-2/", "part-3/"]
    for bundle, expected in zip(bundles, SLICES, strict=True):
        assert _pages(bundle) == expected
        languages = _entry(bundle)["languages"]
        assert isinstance(languages, dict)
        assert sum(lang["page_count"] for lang in languages.values()) == len(expected)
        assert "cardgen_parts" not in _entry(bundle) or bundle == bundles[0]
    indexed = [url for bundle in bundles for url in _pages(bundle)]
    cards_built = sorted(
        f"/{p.parent.parent.name}/{p.parent.name}/"
        for p in public.glob("*/*/index.html")
        if p.parent.parent.name in ("models", "data")
    )
    assert len(cards_built) == N_CARDS
    assert sorted(indexed) == cards_built  # every card page, none twice


@pytest.mark.slow  # mkdocs builds: left out of `make test-fast`
def test_parts_are_deterministic_and_marked_pages_are_those_of_one_part(
    cards: Path, tmp_path: Path
) -> None:
    first = _files(_build(cards, tmp_path / "one", part_pages=3))
    again = _files(_build(cards, tmp_path / "two", part_pages=3))
    assert sorted(first) == sorted(again)
    assert [name for name in first if first[name] != again[name]] == []
    # Pages marked a part ahead of the indexer are those marked all before one index.
    whole = _files(_build(cards, tmp_path / "whole", part_pages=N_CARDS))
    pages = sorted(name for name in whole if name.endswith(".html"))
    assert len(pages) > N_CARDS
    assert pages == sorted(name for name in first if name.endswith(".html"))
    assert [name for name in pages if first[name] != whole[name]] == []
    page = first["models/synthetic-model-0001/index.html"].decode("utf-8")
    assert _search.NOINDEX not in page and '<div data-pagefind-ignore="all">' in page


@pytest.mark.slow  # mkdocs builds: left out of `make test-fast`
def test_a_site_of_one_part_is_one_plain_pagefind_run(cards: Path, tmp_path: Path) -> None:
    public = _build(cards, tmp_path / "site", part_pages=N_CARDS)
    bundle = public / "pagefind"
    assert not list(bundle.glob("part-*"))
    assert "cardgen_parts" not in _entry(bundle)
    assert _pages(bundle) == sorted(url for part in SLICES for url in part)
    # The same pages indexed by one Pagefind run with the single glob: the same bytes.
    copy = tmp_path / "copy"
    shutil.copytree(public, copy)
    shutil.rmtree(copy / "pagefind")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(copy),
            "--glob",
            "{models,data,governance}/*/index.html",
            "--root-selector",
            "article",
            "--exclude-selectors",
            "td:not(:first-child)",
            "--silent",
        ],
        check=True,
    )
    assert _files(copy / "pagefind") == _files(bundle)


def test_parts_are_even_contiguous_slices_of_at_most_the_limit() -> None:
    names = [f"models/m{i:02d}" for i in range(10)]
    assert split_parts(names, 4) == [names[0:4], names[4:7], names[7:10]]  # 4, 3, 3
    assert split_parts(names, 10) == [names]
    assert split_parts(names, 5) == [names[0:5], names[5:10]]
    assert split_parts([], 3) == [[]]


def test_a_part_s_glob_matches_its_folders_only_among_those_built() -> None:
    folders = ["cards/data/d1", "cards/data/d2", "cards/models/a1", "cards/models/a2"]
    folders += ["cards/models/b1", "cards/models/b2"]
    assert part_glob(folders[:2], folders) == "{cards/data/*}/index.html"
    assert part_glob(folders[1:4], folders) == ("{cards/data/d2*,cards/models/a*}/index.html")
    assert part_glob(folders[5:], folders) == "{cards/models/b2*}/index.html"
