"""Bulk Hub reads at scale against the local Hub: paging, expand, rate limits, resume, faults.

Values are checked against huggingface_hub's own paging (`HfApi.list_models`), its own
`model_info` answers, hand counts of the generated repositories (tests/hubserver.py) and
the server's own request counters.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hubserver import (
    ADULT,
    FAIR,
    GATED,
    LICENSES,
    HubServer,
    Reply,
    generated_card_data,
)
from huggingface_hub import HfApi

from cardgen.audit import audit_hub, audit_paths, summary_lines, write_outputs
from cardgen.cli import cli
from cardgen.errors import CardgenError
from cardgen.hub.bulk import LIST_EXPAND, HubReader, iter_repo_metadata
from cardgen.hub.collect import collect_many
from cardgen.hub.ratelimit import Pacer, Quota, parse_budget
from cardgen.site import write_audit_site

ROOT = Path(__file__).resolve().parents[1]


def reader(hub: HubServer, **options) -> HubReader:
    options.setdefault("token", False)
    return HubReader(hub.url, **options)


# --- listing ---------------------------------------------------------------------------------


def test_listing_pages_follow_the_link_header_like_list_models(hf_home: Path) -> None:
    with HubServer(page_size=7) as hub:
        hub.add_population("gen", 50)
        pages = list(reader(hub).pages("gen"))
        ours = [meta.info for page in pages for meta in page]
        theirs = list(
            HfApi(endpoint=hub.url).list_models(author="gen", expand=LIST_EXPAND["model"])
        )
    assert [len(page) for page in pages] == [7] * 7 + [1]
    assert ours == theirs  # huggingface_hub's own paging and parsing: the same records
    assert [m.id for m in ours] == [f"gen/model-{i:06d}" for i in range(50)]


def test_expanded_listing_equals_each_repositorys_own_answer(hub: HubServer) -> None:
    hub.add_population("gen", 12)
    listed = [m for page in reader(hub).pages("gen") for m in page]
    listed += [m for page in reader(hub).pages("cardgen-test") for m in page]
    api = HfApi(endpoint=hub.url, token=False)
    assert len(listed) == 14
    for meta in listed:
        single = api.model_info(meta.repo_id, expand=LIST_EXPAND["model"])
        assert meta.info == single, meta.repo_id
        assert meta.record["cardData"] == single.card_data.to_dict() or meta.repo_id == FAIR
    fair = next(m for m in listed if m.repo_id == FAIR)
    assert fair.record["model-index"] == fair.record["cardData"]["model-index"]
    assert [e.value for e in fair.info.eval_results] == [41.5]


def test_dataset_listing_equals_list_datasets_and_dataset_info(hub: HubServer) -> None:
    listed = [m for page in reader(hub).pages("scikit-learn", "dataset") for m in page]
    api = HfApi(endpoint=hub.url, token=False)
    theirs = list(api.list_datasets(author="scikit-learn", expand=LIST_EXPAND["dataset"]))
    assert [m.info for m in listed] == theirs and len(theirs) == 1
    assert listed[0].info == api.dataset_info(ADULT, expand=LIST_EXPAND["dataset"])
    report = audit_hub(authors=["scikit-learn"], repo_type="dataset", endpoint=hub.url)
    card = report.cards[0]
    assert (card.kind, card.fields["license"], card.fields["pretty_name"]) == (
        "data",
        "filled",
        "filled",
    )


def test_ids_of_one_owner_take_one_listing_page_and_the_rest_one_call_each(hub: HubServer) -> None:
    hub.add_population("gen", 30)
    wanted = [f"gen/model-{i:06d}" for i in (3, 17, 29)] + ["bert-base-uncased", "x/missing"]
    pacer = Pacer()
    found = list(iter_repo_metadata(wanted, reader=reader(hub, pacer=pacer)))
    assert sorted(m.requested_id for m in found) == sorted(wanted)
    renamed = next(m for m in found if m.requested_id == "bert-base-uncased")
    assert renamed.repo_id == "google-bert/bert-base-uncased"  # the 307 was followed
    missing = next(m for m in found if m.requested_id == "x/missing")
    assert missing.problem == "hub-error" and "not found" in missing.message
    assert pacer.sent == {"api": 3, "files": 0}  # one page for gen, one call for each other


def test_a_listing_that_costs_more_than_single_calls_stops(hf_home: Path) -> None:
    with HubServer(page_size=5) as hub:
        hub.add_population("gen", 100)
        wanted = ["gen/model-000001", "gen/model-000098"]
        pacer = Pacer()
        found = list(iter_repo_metadata(wanted, reader=reader(hub, pacer=pacer)))
    assert sorted(m.repo_id for m in found) == wanted
    # Page 1 has model 1; then one id is missing, which one call fetches: the listing
    # stops rather than page through 19 more pages.
    assert pacer.sent["api"] == 1 + 1


# --- rate limits -----------------------------------------------------------------------------


def test_budget_text_is_read_and_bad_text_named() -> None:
    assert parse_budget("api=1000/300s,files=5000/5m") == {
        "api": Quota(1000, 300.0),
        "files": Quota(5000, 300.0),
    }
    with pytest.raises(CardgenError, match=r"cannot read 'api=lots'"):
        parse_budget("api=lots")
    with pytest.raises(CardgenError, match=r"allows no request"):
        parse_budget("files=0/300s")
    result = CliRunner().invoke(cli, ["audit", "--author", "x", "--budget", "api=1/0s"])
    assert result.exit_code == 2 and "allows no request" in result.output


def test_paced_listing_reaches_no_429_where_list_models_does(hf_home: Path) -> None:
    """A budget of 3 API calls per window: real 1 s windows for huggingface_hub's own
    paging (which sleeps real seconds), then 300 s windows on a clock 600 times faster."""
    with HubServer(rate_limits={"api": (3, 1)}, page_size=2) as hub:
        hub.add_population("gen", 8)
        assert len(list(HfApi(endpoint=hub.url).list_models(author="gen"))) == 8
        hammered = hub.throttled["api"]
    limits = {"api": (3, 300)}
    with HubServer(rate_limits=limits, time_scale=600, page_size=2) as hub:
        hub.add_population("gen", 20)
        waits: list[tuple[str, float]] = []
        pacer = Pacer(time_scale=600, on_wait=lambda r, s, why: waits.append((r, s)))
        start = time.monotonic()
        listed = [m for page in reader(hub, pacer=pacer).pages("gen", page_size=2) for m in page]
        elapsed = (time.monotonic() - start) * 600
    assert hammered >= 1  # huggingface_hub only reacts to 429s
    assert len(listed) == 20 and hub.counts["api"] == 10 and hub.throttled["api"] == 0
    # 10 calls at 3 per window: windows 1-4, so at least three full windows of 300 s.
    assert elapsed >= 3 * 300
    assert sum(s > 0 for _, s in waits) == 3 and pacer.sent["api"] == 10
    assert pacer.quota("api") == Quota(3, 300.0)  # read from RateLimit-Policy


def test_readme_downloads_keep_to_the_files_budget(hf_home: Path) -> None:
    """25 downloads per 300 s on a clock 150 times faster (2 s windows)."""
    with HubServer(rate_limits={"resolvers": (25, 300)}, time_scale=150) as hub:
        hub.add_population("gen", 60)
        start = time.monotonic()
        report = audit_hub(authors=["gen"], endpoint=hub.url, time_scale=150, jobs=8)
        elapsed = (time.monotonic() - start) * 150
    assert len(report.cards) == 60 and hub.throttled["resolvers"] == 0
    assert report.hub is not None and report.hub.requests == {"api": 1, "files": 60}
    assert elapsed >= 2 * 300  # 60 downloads at 25 per window: three windows
    assert 0 < report.hub.waited < elapsed


def test_an_explicit_budget_below_the_hubs_is_kept(hf_home: Path) -> None:
    with HubServer(rate_limits={"api": (100, 300)}, time_scale=600, page_size=1) as hub:
        hub.add_population("gen", 8)
        pacer = Pacer({"api": Quota(3, 300)}, time_scale=600)
        start = time.monotonic()
        listed = [m for page in reader(hub, pacer=pacer).pages("gen", page_size=1) for m in page]
        elapsed = (time.monotonic() - start) * 600
    assert len(listed) == 8 and pacer.sent["api"] == 8 and hub.throttled["api"] == 0
    assert elapsed >= 2 * 300  # 8 calls at 3 per 300 s: the seventh waits two windows


def test_a_budget_spent_by_someone_else_is_waited_for_not_hammered(hf_home: Path) -> None:
    with HubServer(rate_limits={"api": (4, 300)}, time_scale=600, page_size=5) as hub:
        hub.add_population("gen", 12)
        api = HfApi(endpoint=hub.url, token=False)
        for _ in range(3):  # another tool spends 3 of the 4 calls of this window
            api.model_info("gen/model-000000")
        pacer = Pacer(time_scale=600)
        listed = [m for page in reader(hub, pacer=pacer).pages("gen", page_size=5) for m in page]
    assert len(listed) == 12
    assert pacer.sent["api"] == 3 and hub.throttled["api"] == 0


def test_a_429_without_headers_waits_for_retry_after(hub: HubServer) -> None:
    hub.add_population("gen", 3)
    hub.fail("/api/models", Reply(status=429, headers={"Retry-After": "1"}))
    pacer = Pacer()
    start = time.monotonic()
    listed = [m for page in reader(hub, pacer=pacer).pages("gen") for m in page]
    assert len(listed) == 3 and pacer.throttled["api"] == 1 and pacer.sent["api"] == 2
    assert time.monotonic() - start >= 1.0


# --- audits ----------------------------------------------------------------------------------


def test_metadata_only_audit_costs_pages_and_fills_fields_as_a_hand_count(
    hub: HubServer, hub_project: Path
) -> None:
    hub.add_population("gen", 400)
    report = audit_hub(authors=["gen"], endpoint=hub.url, metadata_only=True)
    assert report.hub is not None
    assert report.hub.requests == {"api": 1, "files": 0}
    assert report.hub.per_repository()["api"] <= 0.05
    model = report.population()["model"]
    assert model["sections"] == {}  # READMEs not read: no section is called empty
    licensed = sum(1 for i in range(400) if LICENSES[i % 4])
    languages = sum(1 for i in range(400) if i % 3)
    assert model["fields"]["license"]["filled"] == licensed == 300
    assert model["fields"]["language"]["filled"] == languages
    assert model["fields"]["eval_results"]["filled"] == len(range(0, 400, 7))
    assert model["fields"]["parameter_count"]["filled"] == 200  # odd numbers carry safetensors
    card = next(c for c in report.cards if c.source == "gen/model-000001")
    filled = sum(v == "filled" for v in card.fields.values())
    assert card.completeness == pytest.approx(100 * filled / 7)
    assert summary_lines(report)[0].startswith("audited 400 cards from Hub metadata only")
    site = write_audit_site(report, hub_project / "site", build=False)
    page = (site.parent / "docs" / "audit" / "index.md").read_text()
    assert "of the Hub fields (from Hub metadata only: READMEs not read)" in page


def test_hub_audit_equals_an_audit_of_the_same_readme_files(hub: HubServer, tmp_path: Path) -> None:
    """The bulk path (the Hub's cardData, the README body) audits each card as
    `audit_paths` audits its README file (cardgen's own YAML reading), Hub-only facts
    aside; metadata-only audits the same fields."""
    hub.add_population("gen", 40)
    bare = audit_hub(authors=["gen"], endpoint=hub.url, metadata_only=True)
    full = audit_hub(authors=["gen"], endpoint=hub.url)
    for index in range(40):
        repo = hub.lookup("model", f"gen/model-{index:06d}")
        assert repo is not None
        (tmp_path / f"{index:06d}.md").write_bytes(repo.files["README.md"])
    files = audit_paths(sorted(tmp_path.glob("*.md")), jobs=1)
    assert [c.source for c in bare.cards] == [c.source for c in full.cards]
    for without, with_readme, on_disk in zip(bare.cards, full.cards, files.cards, strict=True):
        assert without.fields == with_readme.fields
        assert with_readme.sections == on_disk.sections and not without.sections
        hub_only = {"parameter_count"}  # safetensors: the Hub knows it, a README does not
        assert {k: v for k, v in with_readme.fields.items() if k not in hub_only} == {
            k: v for k, v in on_disk.fields.items() if k not in hub_only
        }
        assert with_readme.checks == on_disk.checks
    assert full.hub is not None and full.hub.requests == {"api": 1, "files": 40}
    assert full.hub.per_repository()["total"] <= 1.05
    # Generated cards open with a paragraph unless their number is 3 mod 4, and have a
    # placeholder "Bias, Risks, and Limitations" section when it is 1 mod 6.
    rates = full.population()["model"]["sections"]
    assert rates["summary"]["filled"] == sum(1 for i in range(40) if i % 4 != 3) == 30
    caveats = rates["caveats_and_recommendations.caveats"]
    assert (caveats["filled"], caveats["placeholder"]) == (0, len(range(1, 40, 6)))


def test_download_quartile_breakdown_matches_pandas_qcut(hub: HubServer) -> None:
    hub.add_population("gen", 200)
    report = audit_hub(authors=["gen"], endpoint=hub.url, metadata_only=True)
    downloads = pd.Series([c.downloads for c in report.cards])
    completeness = pd.Series([c.completeness for c in report.cards])
    quartile = pd.qcut(downloads, 4, labels=["Q1", "Q2", "Q3", "Q4"])
    expected = completeness.groupby(quartile, observed=True).agg(["size", "mean"])
    figures = report.population()["model"]["by_download_quartile"]
    assert {q: g["n"] for q, g in figures.items()} == expected["size"].to_dict()
    for q, row in expected.iterrows():
        assert figures[q]["mean_completeness"] == round(row["mean"], 2)


def test_streamed_outputs_equal_the_whole_report(hub: HubServer, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from cardgen._io import dumps_json
    from cardgen.audit import card_rows

    hub.add_population("gen", 30, gated_every=10)
    report = audit_hub(authors=["gen", "nobody"], endpoint=hub.url)
    write_outputs(report, tmp_path)
    assert (tmp_path / "audit.json").read_text() == dumps_json(report.to_json())
    table = pq.read_table(tmp_path / "audit.parquet").to_pylist()
    rows = list(card_rows(report))
    assert len(table) == len(rows) == 27
    assert [{k: v for k, v in row.items() if k in rows[0]} for row in table] == rows


# --- faults ----------------------------------------------------------------------------------


def test_faults_are_named_and_the_run_goes_on(hub: HubServer, hub_project: Path) -> None:
    hub.page_size = 4
    hub.add_population("gen", 10)
    private = {**hub.repos[("model", FAIR)].info, "id": "cardgen-test/private-model"}
    private.update({"_id": "6600000000000000000000dd", "private": True})
    hub.add_repo("model", private, "---\nlicense: mit\n---\n# private\n")
    hub.private_tokens.add("hf_member_token")
    hub.fail(
        "/cardgen-test/private-model/resolve/",
        Reply(status=401, headers={"X-Error-Code": "RepoNotFound"}),
    )
    hub.fail_page("gen", 2, Reply(truncate=True))  # a JSON page cut off once: tried again
    hub.fail_page("gen", 3, *[Reply(delay=1.0)] * 5)  # page 3 never answers in time
    os.environ["HF_TOKEN"] = "hf_member_token"
    try:
        result = CliRunner().invoke(
            cli,
            [
                "audit",
                "--author",
                "gen",
                "--author",
                "cardgen-test",
                "--author",
                "nobody",
                "--endpoint",
                hub.url,
                "--timeout",
                "0.3",
                "--out",
                "out",
            ],
        )
    finally:
        del os.environ["HF_TOKEN"]
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    problems = {
        p["source"]: p
        for p in json.loads((hub_project / "out" / "audit.json").read_text())["problems"]
    }
    assert problems["author gen"]["problem"] == "listing-incomplete"
    assert "after 8 repositories" in problems["author gen"]["message"]
    assert "listing page 3" in problems["author gen"]["message"]
    assert problems["author nobody"]["problem"] == "no-repositories"
    assert problems[GATED]["problem"] == "gated"
    assert problems["cardgen-test/private-model"]["problem"] == "private"
    assert "audited 9 cards" in result.output  # 8 of gen, FAIR
    assert "problems: 1 gated, 1 listing-incomplete, 1 no-repositories, 1 private" in result.output


# --- resume ----------------------------------------------------------------------------------


def _audit_process(url: str, cwd: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    env.pop("HF_TOKEN", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cardgen",
            "audit",
            "--author",
            "gen",
            "--endpoint",
            url,
            "--out",
            "out",
            "--jobs",
            "4",
            "-q",
            *extra,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_resume_after_sigkill_loses_nothing_and_repeats_nothing(
    hf_home: Path, tmp_path: Path
) -> None:
    with HubServer(latency=0.05, page_size=50) as hub:
        hub.add_population("gen", 240, gated_every=60)
        (tmp_path / "whole").mkdir()
        (tmp_path / "killed").mkdir()
        whole = _audit_process(hub.url, tmp_path / "whole")
        assert whole.wait(timeout=300) == 0, whole.stdout.read() if whole.stdout else ""
        hub.requests.clear()

        killed = _audit_process(hub.url, tmp_path / "killed")
        checkpoints = tmp_path / "killed" / ".cardgen" / "_audit"
        deadline = time.monotonic() + 120
        lines = 0
        while time.monotonic() < deadline and killed.poll() is None:
            files = list(checkpoints.glob("*.jsonl"))
            lines = files[0].read_bytes().count(b"\n") if files else 0
            if lines > 60:
                break
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert killed.returncode == -signal.SIGKILL and lines > 60
        checkpoint = next(checkpoints.glob("*.jsonl"))
        whole_lines = checkpoint.read_bytes().split(b"\n")[1:-1]  # the last may be cut off
        done = {json.loads(line)["repo"] for line in whole_lines}
        assert 60 <= len(done) < 240
        with checkpoint.open("ab") as handle:  # a line the kill cut off half-way
            handle.write(b'{"repo": "gen/model-000239", "card": {"sour')
        before = len(hub.requests)

        resumed = _audit_process(hub.url, tmp_path / "killed", "--resume")
        output = resumed.communicate(timeout=300)[0]
        assert resumed.returncode == 0, output
        readmes = [path for _, path, _ in hub.requests[before:] if "/resolve/" in path]
    fetched = Counter(path.split("/resolve/")[0].strip("/") for path in readmes)
    assert not set(fetched) & done  # nothing finished was read again
    assert set(fetched) | done == {f"gen/model-{i:06d}" for i in range(240)}
    assert max(fetched.values()) == 1
    assert f"resumed: {len(done)} repositories were already done" in output
    for name in ("audit.json", "audit.parquet"):
        assert (tmp_path / "killed" / "out" / name).read_bytes() == (
            tmp_path / "whole" / "out" / name
        ).read_bytes(), name
    assert not checkpoint.exists()  # a finished run leaves nothing to resume


def test_resume_refuses_a_checkpoint_of_other_inputs(hub: HubServer, tmp_path: Path) -> None:
    hub.add_population("gen", 5)
    path = tmp_path / "run.jsonl"
    audit_hub(authors=["gen"], endpoint=hub.url, checkpoint=path, metadata_only=True)
    again = audit_hub(
        authors=["gen"], endpoint=hub.url, checkpoint=path, resume=True, metadata_only=True
    )
    assert again.hub is not None and again.hub.resumed == 5 and len(again.cards) == 5
    assert again.hub.requests["api"] == 1  # listed again (cheap); no repository re-read
    with pytest.raises(CardgenError, match="other inputs"):
        audit_hub(authors=["gen"], endpoint=hub.url, checkpoint=path, resume=True)


# --- collect ---------------------------------------------------------------------------------


def test_collect_hub_prints_requests_per_repository(hub: HubServer, hub_project: Path) -> None:
    hub.add_population("gen", 20)
    result = CliRunner().invoke(cli, ["collect", "hub", "--author", "gen", "--endpoint", hub.url])
    assert result.exit_code == 0, result.output
    assert "collected 20 of 20 repositories" in result.output
    assert (
        "Hub requests: 1 API call (0.050 per repository), 20 file downloads "
        "(1.000 per repository) for 20 repositories" in result.output
    )
    report = collect_many(authors=["gen"], endpoint=hub.url, root="again")
    assert math.isclose(sum(report.requests.values()) / len(report.results), 21 / 20)
    facts = json.loads((hub_project / "again/.cardgen/gen--model-000007/hub.json").read_text())
    assert facts["card_data"] == generated_card_data(7)


def test_request_line_counts_with_the_right_plural() -> None:
    from cardgen.cli.hub_batch import request_line

    one = request_line(1, {"api": 1, "files": 1}, throttled=1, waited=0.0)
    assert one == (
        "Hub requests: 1 API call (1.000 per repository), 1 file download (1.000 per "
        "repository) for 1 repository; 1 answer was 429 (rate limited)"
    )
    many = request_line(2_000, {"api": 3, "files": 2_000}, throttled=2, waited=75.0)
    assert many == (
        "Hub requests: 3 API calls (0.002 per repository), 2,000 file downloads (1.000 per "
        "repository) for 2,000 repositories; waited 1 min 15 s for the rate-limit budget; "
        "2 answers were 429 (rate limited)"
    )
