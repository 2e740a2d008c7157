"""Every fact kind is stamped by one provenance helper that honours SOURCE_DATE_EPOCH."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hubserver import BERT, HubServer

from cardgen.collect.profile import profile
from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate
from cardgen.facts import collection_time
from cardgen.hub.collect import collect_hub

EPOCH = 1_700_000_000
# Independent conversion: 1 700 000 000 s after 1970-01-01 is 2023-11-14 22:13:20 UTC.
STAMP = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


def _table(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("y,p,g\n" + "".join(f"{i % 2},{i % 3 % 2},{'ab'[i % 2]}\n" for i in range(40)))
    return path


def test_every_fact_kind_uses_source_date_epoch(
    tmp_path: Path, hub: HubServer, hub_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert collection_time() == STAMP
    table = _table(tmp_path)
    assert evaluate(table, label="y", pred="p", n_boot=10).provenance.collected_at == STAMP
    assert profile(table).provenance.collected_at == STAMP
    collect_hub(BERT, "bert", endpoint=hub.url)
    stored = json.loads((hub_project / ".cardgen" / "bert" / "hub.json").read_text())
    assert stored["provenance"]["collected_at"] == "2023-11-14T22:13:20Z"


def test_without_it_the_time_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert before <= collection_time() <= datetime.now(timezone.utc)


def test_a_malformed_epoch_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(CardgenError, match="SOURCE_DATE_EPOCH='yesterday' is not a whole"):
        collection_time()
