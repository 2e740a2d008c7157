"""The Hub's front-matter rule on every real Hub card: cardgen reads the metadata and the
`model-index` results huggingface_hub reads, and import + render gives them back.

The comparisons are those of test_hub_front_matter.py (edge cases built there need no shared
data). The cards are the vendored ones in tests/data/hf-cards and, where ../shared/data is
present, the rest of the 279-card corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shareddata import CORPUS_SIZE, EDGE_CASES, card_params, hub_cards, needs_shared
from test_hub_front_matter import check_reading, check_round_trip, hub_split, import_and_render

CARDS = hub_cards() + EDGE_CASES
LEADING = [p for p in CARDS if p.read_bytes()[:1].isspace() and hub_split(p.read_bytes())[0]]


@needs_shared("hf-cards", "cards")
def test_the_corpus_has_cards_whose_block_follows_blank_lines() -> None:
    # 279 real cards and 9 fixtures of huggingface_hub's; 20 start with whitespace before
    # a metadata block (cardgen used to see no front matter in them).
    assert len(CARDS) == CORPUS_SIZE + 9
    assert len(LEADING) == 20


def test_a_bare_clone_still_has_a_card_whose_block_follows_blank_lines() -> None:
    # of the 20 such corpus cards, one may be passed on (a hand count over tests/data);
    # test_hub_front_matter.py builds the other shapes (BOM, CRLF, spaces, tabs)
    vendored = [p.name for p in LEADING if "tests/data" in p.as_posix()]
    assert vendored == ["torchxrayvision_densenet121-res224-mimic_ch_README.md"]


@pytest.mark.parametrize("path", card_params(hub_cards(), EDGE_CASES))
def test_every_hub_card_reads_as_huggingface_hub_reads_it(path: Path) -> None:
    check_reading(path.read_bytes())


@pytest.mark.parametrize("path", LEADING, ids=[p.name for p in LEADING])
def test_cards_with_leading_whitespace_survive_import_and_render(
    path: Path, tmp_path: Path
) -> None:
    data = path.read_bytes()
    check_round_trip(data, import_and_render(data, tmp_path))
