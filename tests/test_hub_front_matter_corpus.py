"""The Hub's front-matter rule on every shared Hub card: cardgen reads the metadata and the
`model-index` results huggingface_hub reads, and import + render gives them back.

The comparisons are those of test_hub_front_matter.py (edge cases built there need no shared
data); this module skips where ../shared/data is missing, and fails in CI then.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shareddata import shared_data
from test_hub_front_matter import check_reading, check_round_trip, hub_split, import_and_render

CARDS = sorted(shared_data("hf-cards").glob("*/*.md"))
LEADING = [p for p in CARDS if p.read_bytes()[:1].isspace() and hub_split(p.read_bytes())[0]]


def test_the_corpus_has_cards_whose_block_follows_blank_lines() -> None:
    # 279 real cards and 9 fixtures of huggingface_hub's; 20 start with whitespace before
    # a metadata block (cardgen used to see no front matter in them).
    assert len(CARDS) == 288
    assert len(LEADING) == 20


@pytest.mark.parametrize("path", CARDS, ids=[p.name for p in CARDS])
def test_every_shared_card_reads_as_huggingface_hub_reads_it(path: Path) -> None:
    check_reading(path.read_bytes())


@pytest.mark.parametrize("path", LEADING, ids=[p.name for p in LEADING])
def test_cards_with_leading_whitespace_survive_import_and_render(
    path: Path, tmp_path: Path
) -> None:
    data = path.read_bytes()
    check_round_trip(data, import_and_render(data, tmp_path))
