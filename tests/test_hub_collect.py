"""`cardgen collect hub` against the local Hub server, through the real huggingface_hub client.

Values asserted come from the recorded Hub answers in tests/data/hub-api.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hubserver import (
    ADULT,
    ADULT_SHA,
    BERT,
    BERT_README,
    BERT_SHA,
    FAIR,
    FAIR_SHA,
    GATED,
    HubServer,
    Reply,
)

from cardgen.cli import cli
from cardgen.collect import collect_hub, collect_many, fetch_repo
from cardgen.errors import CardgenError
from cardgen.hub._http import retry_after_seconds
from cardgen.schema import DisaggregatedEvaluation

SENTINEL = "hf_SENTINELtoken0123456789abcdef"


def read(hub_project: Path, card: str, key: str) -> dict:
    return json.loads((hub_project / ".cardgen" / card / f"{key}.json").read_text(encoding="utf-8"))


def test_model_facts_match_the_recorded_bert_answer(hub: HubServer, hub_project: Path) -> None:
    collect_hub(BERT, "bert", endpoint=hub.url)
    facts = read(hub_project, "bert", "hub")
    assert facts["sha"] == BERT_SHA
    assert facts["parameters"] == {
        "total": 110106428,
        "by_dtype": {"F32": 110106428},
        "source": "safetensors",
    }
    assert facts["license"] == "apache-2.0"
    assert (facts["author"], facts["pipeline_tag"], facts["library_name"]) == (
        "google-bert",
        "fill-mask",
        "transformers",
    )
    assert (facts["downloads"], facts["likes"], facts["gated"]) == (72376843, 2065, False)
    assert facts["created_at"] == "2022-03-02T23:29:04Z"
    assert facts["last_modified"] == "2024-02-19T11:06:12Z"
    assert facts["arxiv"] == ["1810.04805"]
    assert facts["card_data"] == {
        "language": "en",
        "tags": ["exbert"],
        "license": "apache-2.0",
        "datasets": ["bookcorpus", "wikipedia"],
    }
    assert [d["repo_id"] for d in facts["datasets"]] == ["bookcorpus", "wikipedia"]
    assert facts["datasets"][0]["fact"] == "hub-dataset-bookcorpus"
    provenance = facts["provenance"]
    assert provenance["source_kind"] == "hub"
    assert provenance["revision"] == BERT_SHA
    assert provenance["uri"] == f"{hub.url}/{BERT}"
    assert provenance["collected_at"].endswith("Z")
    assert "huggingface_hub" in provenance["library_versions"]


def test_prose_sections_split_at_headings_but_not_code_comments(
    hub: HubServer, hub_project: Path
) -> None:
    collect_hub(BERT, "bert", endpoint=hub.url)
    sections = read(hub_project, "bert", "hub")["sections"]
    assert [(s["level"], s["heading"]) for s in sections] == [
        (1, "BERT base model (uncased)"),
        (2, "Model description"),
        (2, "Intended uses & limitations"),
        (3, "How to use"),
        (2, "Training data"),
    ]
    assert "# a comment in code is not a heading" in sections[3]["body"]


def test_readme_is_downloaded_byte_for_byte(hub: HubServer, hub_project: Path) -> None:
    snapshot = fetch_repo(BERT, endpoint=hub.url)
    assert snapshot.readme == BERT_README.encode("utf-8")
    # read at the sha model_info resolved, so info and README describe the same commit
    assert [(m, p) for m, p, _ in hub.requests] == [
        ("GET", f"/api/models/{BERT}"),
        ("GET", f"/{BERT}/resolve/{BERT_SHA}/README.md"),
    ]


def test_repo_without_readme_is_a_warning(hub: HubServer, hub_project: Path) -> None:
    result = collect_hub("stabilityai/stable-diffusion-2-1", "sd", endpoint=hub.url)
    assert result.warnings == ["repository has no README.md"]
    facts = read(hub_project, "sd", "hub")
    assert facts["license"] == "openrail++"
    assert facts["card_data"] == {
        "license": "openrail++",
        "pinned": True,
        "tags": ["stable-diffusion", "text-to-image"],
    }
    assert facts["sections"] == []


def test_renamed_repo_answered_with_307_is_followed(hub: HubServer, hub_project: Path) -> None:
    result = collect_hub("bert-base-uncased", "bert", endpoint=hub.url)
    facts = read(hub_project, "bert", "hub")
    assert result.repo_id == facts["repo_id"] == BERT
    assert facts["requested_id"] == "bert-base-uncased"
    assert facts["parameters"]["total"] == 110106428
    assert hub.requests[0][1] == "/api/models/bert-base-uncased"


def test_dataset_facts(hub: HubServer, hub_project: Path) -> None:
    collect_hub(ADULT, "adult", repo_type="dataset", endpoint=hub.url)
    facts = read(hub_project, "adult", "hub")
    assert facts["sha"] == ADULT_SHA
    assert facts["url"] == f"{hub.url}/datasets/{ADULT}"
    assert facts["license"] == "cc0-1.0"
    assert facts["citation"] == "@misc{adult, title={Adult}}"
    assert facts["card_data"]["pretty_name"] == "Adult census income"
    assert not (hub_project / ".cardgen" / "adult" / "hub-evaluations.json").exists()


def test_lineage_and_linked_dataset_facts(hub: HubServer, hub_project: Path) -> None:
    result = collect_hub(FAIR, "fair", endpoint=hub.url, follow_datasets=True)
    facts = read(hub_project, "fair", "hub")
    assert facts["base_models"] == [BERT]
    assert facts["lineage"] == [
        {"repo_id": BERT, "relation": "finetune", "url": f"{hub.url}/{BERT}"}
    ]
    link = facts["datasets"][0]
    assert link == {
        "repo_id": ADULT,
        "url": f"{hub.url}/datasets/{ADULT}",
        "fact": "hub-dataset-scikit-learn--adult-census-income",
    }
    linked = read(hub_project, "fair", link["fact"])
    assert (linked["repo_type"], linked["sha"]) == ("dataset", ADULT_SHA)
    assert len(result.paths) == 3


def test_model_index_per_group_results_stay_groups(hub: HubServer, hub_project: Path) -> None:
    collect_hub(FAIR, "fair", endpoint=hub.url)
    stored = read(hub_project, "fair", "hub-evaluations")
    evaluations = [DisaggregatedEvaluation.model_validate(e) for e in stored["evaluations"]]
    first = evaluations[0]
    assert first.details["hub_source"] == "model-index"
    assert first.dataset is not None and first.dataset.split == "test"
    assert first.overall["accuracy"].value == 0.85
    assert first.overall["accuracy"].ci_method == "reported"
    assert first.overall["f1"].value is None
    assert first.overall["f1"].undefined_reason == "reported as 'N/A', not a number"
    assert {tuple(g.features.items()): g.metrics["accuracy"].value for g in first.groups} == {
        (("sex", "Female"),): 0.9,
        (("sex", "Male"),): 0.82,
    }
    assert first.sensitive_features == ["sex"]
    assert first.details["source"] == {
        "name": "cardgen evaluation",
        "url": "https://example.org/eval",
    }
    assert first.provenance is not None and first.provenance.revision == FAIR_SHA


def test_eval_results_files_become_evaluations_with_their_source(
    hub: HubServer, hub_project: Path
) -> None:
    collect_hub(FAIR, "fair", endpoint=hub.url)
    stored = read(hub_project, "fair", "hub-evaluations")["evaluations"]
    mmlu = next(e for e in stored if e["details"]["hub_source"] == ".eval_results")
    assert mmlu["dataset"]["name"] == "cais/mmlu"
    assert mmlu["overall"]["default (5-shot)"]["value"] == 41.5
    assert mmlu["details"]["sources"]["default (5-shot)"]["url"] == "https://example.org/mmlu"
    expand = [h for m, p, h in hub.requests if p == f"/api/models/{FAIR}"]
    assert expand, "model_info was called"


def test_gated_repo_says_how_to_authenticate(hub: HubServer, hub_project: Path) -> None:
    with pytest.raises(CardgenError) as caught:
        collect_hub(GATED, "gated", endpoint=hub.url)
    message = str(caught.value)
    assert message.startswith(f"model {GATED} is gated")
    assert "HF_TOKEN" in message and "hf auth login" in message
    assert "\n" not in message


def test_gated_repo_is_read_with_a_token_that_never_leaks(
    hub: HubServer, hub_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", SENTINEL)
    hub.gated_tokens.add(SENTINEL)
    result = CliRunner().invoke(
        cli, ["collect", "hub", GATED, "--card", "cards/gated.yaml", "--endpoint", hub.url]
    )
    assert result.exit_code == 0, result.output
    auth = [h.get("authorization") for m, p, h in hub.requests if "/resolve/" in p]
    assert auth and all(a == f"Bearer {SENTINEL}" for a in auth)
    assert SENTINEL not in result.output
    for path in (hub_project / ".cardgen").rglob("*"):
        if path.is_file():
            assert SENTINEL not in path.read_text(encoding="utf-8")


def test_token_absent_from_errors(
    hub: HubServer, hub_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", SENTINEL)
    runner = CliRunner()
    for repo in (GATED, "nobody/missing"):
        result = runner.invoke(
            cli, ["collect", "hub", repo, "--card", "cards/x.yaml", "--endpoint", hub.url]
        )
        assert result.exit_code == 1
        assert result.output.startswith("error: ")
        assert SENTINEL not in result.output
        assert "Traceback" not in result.output


def test_not_found_names_the_repo(hub: HubServer, hub_project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["collect", "hub", "nobody/missing", "--card", "cards/x.yaml", "--endpoint", hub.url]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: model nobody/missing not found on {hub.url} (if it is "
        "private, set the HF_TOKEN environment variable or run "
        "`hf auth login`)\n"
    )


def test_server_error_then_success_is_retried(hub: HubServer, hub_project: Path) -> None:
    hub.fail(f"/api/models/{BERT}", Reply(status=500))
    collect_hub(BERT, "bert", endpoint=hub.url, backoff=0.01)
    calls = [p for m, p, _ in hub.requests if p == f"/api/models/{BERT}"]
    assert len(calls) == 2
    assert read(hub_project, "bert", "hub")["sha"] == BERT_SHA


def test_rate_limit_waits_for_retry_after(hub: HubServer, hub_project: Path) -> None:
    hub.fail(f"/api/models/{BERT}", Reply(status=429, headers={"Retry-After": "1"}))
    start = time.monotonic()
    collect_hub(BERT, "bert", endpoint=hub.url, backoff=0.01)
    assert time.monotonic() - start >= 1.0
    assert read(hub_project, "bert", "hub")["sha"] == BERT_SHA


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


def test_persistent_server_errors_are_reported_after_retries(
    hub: HubServer, hub_project: Path
) -> None:
    hub.fail(f"/api/models/{BERT}", *[Reply(status=503)] * 3)
    with pytest.raises(CardgenError, match="HTTP 503 and kept failing after retries"):
        collect_hub(BERT, "bert", endpoint=hub.url, retries=2, backoff=0.01)
    assert not (hub_project / ".cardgen").exists()


def test_truncated_json_is_a_clear_error(hub: HubServer, hub_project: Path) -> None:
    hub.fail(f"/api/models/{BERT}", Reply(truncate=True))
    with pytest.raises(
        CardgenError, match=f"model {BERT}: the Hub sent an incomplete or invalid JSON answer"
    ):
        collect_hub(BERT, "bert", endpoint=hub.url)


def test_timeout_is_a_clear_error(hub: HubServer, hub_project: Path) -> None:
    hub.fail(f"/api/models/{BERT}", Reply(delay=3))
    start = time.monotonic()
    result = CliRunner().invoke(
        cli,
        [
            "collect",
            "hub",
            BERT,
            "--card",
            "cards/b.yaml",
            "--endpoint",
            hub.url,
            "--timeout",
            "0.3",
        ],
    )
    assert time.monotonic() - start < 2.5
    assert result.exit_code == 1
    assert result.output == (
        f"error: model {BERT}: no answer from {hub.url} within 0.3 s (timeout)\n"
    )


def test_collect_uses_the_specs_hub_source(hub: HubServer, hub_project: Path) -> None:
    (hub_project / "cards").mkdir()
    (hub_project / "cards" / "adult.yaml").write_text(
        f"name: adult\nkind: data\nsources:\n  hub:\n    repo_id: {ADULT}\n"
        "    repo_type: dataset\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["collect", "hub", "--card", "cards/adult.yaml", "--endpoint", hub.url]
    )
    assert result.exit_code == 0, result.output
    assert read(hub_project, "adult", "hub")["sha"] == ADULT_SHA


def test_batch_reports_each_failure_without_stopping(hub: HubServer, hub_project: Path) -> None:
    hub.fail(f"/{FAIR}/resolve/", Reply(status=429, headers={"Retry-After": "0"}))
    report = collect_many(
        [BERT, "nobody/missing", FAIR, GATED], jobs=4, endpoint=hub.url, backoff=0.01
    )
    assert list(report.results) == [BERT, FAIR]
    assert set(report.errors) == {"nobody/missing", GATED}
    assert "gated" in report.errors[GATED]
    assert read(hub_project, "google-bert--bert-base-uncased", "hub")["sha"] == BERT_SHA
    assert report.throttled == 1  # FAIR's README, tried again after the 429
    # FAIR and GATED share an owner: one listing page; BERT and the missing one: one call each.
    assert report.requests == {"api": 3, "files": 4}


def test_batch_facts_equal_one_by_one_facts(hub: HubServer, hub_project: Path) -> None:
    """Bulk metadata (a listing's records and cardData) gives the facts `collect_hub` gives
    from `model_info` and the README's own front matter."""
    repos = [BERT, FAIR, "cardgen-test/gated-model"]
    hub.gated_tokens.add(SENTINEL)
    os.environ["HF_TOKEN"] = SENTINEL
    try:
        batch = collect_many([*repos, "google-bert/other"], jobs=2, endpoint=hub.url, root="batch")
        for repo in repos:
            collect_hub(repo, "single", endpoint=hub.url, root=repo.replace("/", "_"))
    finally:
        del os.environ["HF_TOKEN"]
    assert set(batch.results) == set(repos)
    for repo in repos:
        for key in ("hub", "hub-evaluations"):
            single_path = hub_project / repo.replace("/", "_") / ".cardgen" / "single"
            batch_path = hub_project / "batch" / ".cardgen" / repo.replace("/", "--")
            if not (single_path / f"{key}.json").exists():
                assert not (batch_path / f"{key}.json").exists()
                continue
            facts = [json.loads((p / f"{key}.json").read_text()) for p in (single_path, batch_path)]
            for data in facts:
                data.pop("provenance", None)
                for evaluation in data.get("evaluations", []):
                    for source in ("provenance", "dataset"):
                        (evaluation.get(source) or {}).pop("collected_at", None)
            assert facts[0] == facts[1], (repo, key)


def test_cli_from_file_and_author(hub: HubServer, hub_project: Path) -> None:
    (hub_project / "repos.txt").write_text(
        f"# models\n{BERT}\n{FAIR}  # ours\n\n", encoding="utf-8"
    )
    runner = CliRunner()
    result = runner.invoke(
        cli, ["collect", "hub", "--from-file", "repos.txt", "--jobs", "2", "--endpoint", hub.url]
    )
    assert result.exit_code == 0, result.output
    assert "collected 2 of 2 repositories" in result.output
    result = runner.invoke(
        cli, ["collect", "hub", "--author", "cardgen-test", "--endpoint", hub.url]
    )
    assert result.exit_code == 1
    assert "collected 1 of 2 repositories" in result.output
    assert f"error: model {GATED} is gated" in result.output
    assert (hub_project / ".cardgen" / "cardgen-test--fair-classifier" / "hub.json").exists()


def test_revision_is_pinned_and_an_unknown_one_is_reported(
    hub: HubServer, hub_project: Path
) -> None:
    collect_hub(BERT, "bert", revision=BERT_SHA, endpoint=hub.url)
    assert hub.requests[0][1] == f"/api/models/{BERT}/revision/{BERT_SHA}"
    assert read(hub_project, "bert", "hub")["revision"] == BERT_SHA
    with pytest.raises(CardgenError, match=f"model {BERT}: revision not found on "):
        collect_hub(BERT, "bert", revision="v9", endpoint=hub.url)
