"""`cardgen verify` over many Hub cards against the local Hub: claims from listing pages equal
the per-repository reading, verdicts against one predictions table checked with
scikit-learn, and the requests counted by the server itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hubserver import FAIR, GATED, HubServer, Reply, generated_card_data, recorded
from sklearn.metrics import accuracy_score

from cardgen.cli import cli
from cardgen.hub.bulk import HubReader
from cardgen.verify import Options, read_claims
from cardgen.verify.claims import listed_claims
from cardgen.verify.many import verify_hub

N_BOOT = 200


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A predictions table (`label`, `prediction`) of 400 rows, about 75% right, and its
    accuracy by scikit-learn."""
    rng = np.random.default_rng(7)
    label = rng.integers(0, 2, 400)
    prediction = np.where(rng.random(400) < 0.75, label, 1 - label)
    path = tmp_path_factory.mktemp("preds") / "predictions.csv"
    pd.DataFrame({"label": label, "prediction": prediction}).to_csv(path, index=False)
    return path, float(accuracy_score(label, prediction))


def _add_model(hub: HubServer, repo_id: str, value: float | None, **extra: object) -> None:
    """A model repository whose card data claims `value` accuracy on org/data (no claim when
    None); its README carries the same front matter."""
    import yaml

    card_data: dict[str, object] = {"license": "mit"}
    if value is not None:
        card_data["model-index"] = [
            {
                "name": repo_id.split("/")[1],
                "results": [
                    {
                        "task": {"type": "text-classification"},
                        "dataset": {"type": "org/data", "name": "Data", "split": "test"},
                        "metrics": [{"type": "accuracy", "value": value}],
                    }
                ],
            }
        ]
    info = recorded("google-bert_bert-base-uncased")
    info.update(
        {
            "id": repo_id,
            "modelId": repo_id,
            "author": repo_id.split("/")[0],
            "sha": hashlib.sha1(repo_id.encode()).hexdigest(),
            "cardData": card_data,
            "model-index": card_data.get("model-index"),
            **extra,
        }
    )
    readme = f"---\n{yaml.safe_dump(card_data)}---\n\n# {repo_id}\n"
    hub.add_repo("model", info, readme)


def _run(args: list[str]) -> tuple[int, str]:
    """Exit code and stdout + stderr of `cardgen verify ARGS`."""
    result = CliRunner().invoke(cli, ["verify", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _report(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_claims_from_the_listing_equal_those_read_per_repository(hub: HubServer) -> None:
    hub.add_population("gen", 30)
    reader = HubReader(hub.url, token=False)
    listed = [m for author in ("gen", "cardgen-test") for p in reader.pages(author) for m in p]
    assert len(listed) == 32
    with_claims = 0
    for meta in listed:
        from_listing = listed_claims(meta.repo_id, meta.record or {}, meta.info)
        if meta.repo_id == GATED:  # its README is not public: only the listing reads it
            assert from_listing.claims == [] and from_listing.card.startswith(f"hub:{GATED}@")
            continue
        single = read_claims(f"hub:{meta.repo_id}", endpoint=hub.url)
        assert from_listing == single, meta.repo_id
        with_claims += bool(single.claims)
    # generated repositories 0, 7, 14, 21 and 28 claim accuracy; the fair classifier makes
    # four model-index claims and one .eval_results claim
    assert with_claims == 6
    fair = read_claims(f"hub:{FAIR}", endpoint=hub.url)
    assert [c.source for c in fair.claims] == ["model-index"] * 4 + [".eval_results"]
    index = 21
    claim = next(
        c
        for m in listed
        if m.repo_id == f"gen/model-{index:06d}"
        for c in listed_claims(m.repo_id, m.record or {}, m.info).claims
    )
    expected = generated_card_data(index)["model-index"][0]["results"][0]
    assert (claim.metric, claim.value, claim.dataset) == (
        "accuracy",
        expected["metrics"][0]["value"],
        expected["dataset"]["type"],
    )


def test_verdicts_for_an_organisation_against_one_predictions_table(
    hub: HubServer, table: tuple[Path, float], tmp_path: Path
) -> None:
    path, accuracy = table
    _add_model(hub, "org/honest", round(accuracy, 4))
    _add_model(hub, "org/inflated", round(accuracy + 0.15, 4))
    _add_model(hub, "org/no-claims", None)
    _add_model(hub, "org/gated", round(accuracy, 4), gated="manual")
    out = tmp_path / "verify.json"
    code, output = _run(
        [
            "--author",
            "org",
            "--predictions",
            f"*={path}",
            "--n-boot",
            str(N_BOOT),
            "--endpoint",
            hub.url,
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 1  # one claim is discrepant
    assert "DISCREPANT accuracy on org/data (test): claimed" in output
    assert "error: 1 claim discrepant in 1 repository" in output
    assert (
        "Hub requests: 1 API call (0.250 per repository), 0 file downloads "
        "(0.000 per repository) for 4 repositories" in output
    )
    assert hub.counts["api"] == 1 and hub.counts["resolvers"] == 0  # one page, no README
    report = _report(out)
    assert report["counts"] == {"consistent": 2, "discrepant": 1, "unverifiable": 0}
    by_repo = {r["source"]: r["verification"] for r in report["repositories"]}  # type: ignore[union-attr,index]
    assert sorted(by_repo) == ["org/gated", "org/honest", "org/inflated", "org/no-claims"]
    for repo, status in (("org/honest", "consistent"), ("org/inflated", "discrepant")):
        (check,) = by_repo[repo]["claims"]
        assert check["status"] == status
        assert check["measured"] == pytest.approx(accuracy, abs=1e-12)  # scikit-learn's
        assert check["n"] == 400
        assert check["ci_low"] < accuracy < check["ci_high"]
    assert by_repo["org/no-claims"]["claims"] == []
    gated = by_repo["org/gated"]
    assert gated["claims"][0]["status"] == "consistent"
    assert gated["notes"][0].startswith("gated repository (manual): its claims were read")


def test_from_file_and_hub_cards_give_the_same_verdicts_and_exit_0(
    hub: HubServer, table: tuple[Path, float], tmp_path: Path
) -> None:
    path, accuracy = table
    _add_model(hub, "org/honest", round(accuracy, 4))
    _add_model(hub, "org/also-honest", round(accuracy, 3))
    ids = tmp_path / "ids.txt"
    ids.write_text("# two repositories\norg/honest\norg/also-honest\n", encoding="utf-8")
    common = ["--predictions", f"*={path}", "--n-boot", str(N_BOOT), "--endpoint", hub.url]
    result = CliRunner().invoke(cli, ["verify", "--from-file", str(ids), *common])
    code, output = result.exit_code, result.stdout
    assert code == 0, output
    assert "org/also-honest: 1 claim: 1 consistent, 0 discrepant, 0 unverifiable" in output
    assert "2 repositories verified: 2 with claims, 0 without; 2 claims: 2 consistent" in output
    assert hub.counts["api"] == 1  # two ids of one owner: one listing page
    again = CliRunner().invoke(cli, ["verify", "hub:org/honest", "hub:org/also-honest", *common])
    assert again.exit_code == 0 and again.stdout.splitlines()[:3] == output.splitlines()[:3]


def test_a_hundred_and_forty_repositories_cost_three_listing_pages_and_no_readme(
    hf_home: Path, table: tuple[Path, float], tmp_path: Path
) -> None:
    path, accuracy = table
    with HubServer(page_size=50, rate_limits={"api": (100, 300)}) as hub:
        hub.add_population("gen", 140)
        report = verify_hub(
            authors=["gen"],
            options=Options(predictions={"*": str(path)}, n_boot=N_BOOT, endpoint=hub.url),
        )
        served = dict(hub.counts)
        throttled = sum(hub.throttled.values())
    assert report.repositories == 140 and len(report.verified) == 140
    assert report.requests == {"api": 3, "files": 0} and served == {"api": 3}
    assert report.per_repository() == {"api": pytest.approx(3 / 140), "files": 0.0}
    assert report.per_repository()["api"] <= 0.05 and throttled == 0
    claimed = {
        f"gen/model-{i:06d}": generated_card_data(i)["model-index"][0]["results"][0]["metrics"][0][
            "value"
        ]
        for i in range(0, 140, 7)
    }
    checks = {v.source: v.verification.claims for v in report.verified if v.verification.claims}  # type: ignore[union-attr]
    assert sorted(checks) == sorted(claimed)
    for repo, (check,) in checks.items():
        assert check.claimed == claimed[repo] and check.measured == pytest.approx(accuracy)
        inside = check.ci_low <= claimed[repo] <= check.ci_high  # type: ignore[operator]
        assert check.status == ("consistent" if inside else "discrepant"), repo
    statuses = [c.status for (c,) in checks.values()]
    assert "consistent" in statuses and "discrepant" in statuses


def test_an_empty_author_a_broken_listing_and_a_failing_repository_are_named(
    hub: HubServer, table: tuple[Path, float], tmp_path: Path
) -> None:
    path, accuracy = table
    hub.add_population("gen", 3)
    hub.page_size = 2
    hub.fail_page("gen", 2, Reply(status=404, body=b"{}"))
    _add_model(hub, "org/honest", round(accuracy, 4))
    out = tmp_path / "verify.json"
    code, output = _run(
        [
            "--author",
            "nobody",
            "--author",
            "gen",
            "--author",
            "cardgen-test",
            "hub:org/honest",
            "hub:org/missing",
            "--predictions",
            f"*={path}",
            "--n-boot",
            str(N_BOOT),
            "--endpoint",
            hub.url,
            "--out",
            str(out),
        ]
    )
    # model-000000 claims 0.5 accuracy: the one discrepant claim; the problems are named
    assert code == 1 and "error: 1 claim discrepant in 1 repository" in output
    assert "warning: author nobody: no-repositories: nobody has no model repositories" in output
    assert "warning: author gen: listing-incomplete: the listing broke off after 2" in output
    assert "warning: org/missing: hub-error:" in output and "not found" in output
    # the fair classifier claims per-group accuracy: the table has no `sex` column
    assert f"warning: {FAIR}: verify-failed:" in output and "no column 'sex'" in output
    assert "Traceback" not in output
    # pages: nobody 1, gen 2 (the second failed), cardgen-test 1, org 1; org/missing 1 call
    assert "Hub requests: 6 API calls (1.000 per repository), 0 file downloads" in output
    report = _report(out)
    problems = {
        r["source"]: r["problem"]  # type: ignore[index]
        for r in report["repositories"]  # type: ignore[union-attr]
        if "problem" in r
    }
    assert problems == {
        "author gen": "listing-incomplete",
        "author nobody": "no-repositories",
        FAIR: "verify-failed",
        "org/missing": "hub-error",
    }
    verified = [r["source"] for r in report["repositories"] if "verification" in r]  # type: ignore[union-attr,index,operator]
    assert verified == [GATED, "gen/model-000000", "gen/model-000001", "org/honest"]
    code, output = _run(["--author", "nobody", "--endpoint", hub.url])
    assert code == 0 and "0 repositories verified" in output


def test_options_for_one_card_are_refused_for_many(hub: HubServer, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# card\n", encoding="utf-8")
    for args, message in (
        (["hub:a/b", "hub:c/d", "--markdown", str(tmp_path / "s.md")], "--markdown is for one"),
        (["hub:a/b", str(readme)], "many cards are Hub cards"),
        (["--author", "org", "--model", "m.skops"], "--model names one model"),
        ([str(readme), "--budget", "api=10/300s"], "--budget is for many Hub cards"),
        ([], "give a CARD, several hub: CARDs, --author or --from-file"),
    ):
        code, output = _run([*args, "--endpoint", hub.url])
        assert code == 1 and message in output, (args, output)
