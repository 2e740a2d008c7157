"""Verified claims as a fact of the card: the README's and the site's "Claims Checked", the
home table's words, `.eval_results` entries with the interval in their notes, and the build's
gate."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub import parse_eval_result_entries

from cardgen.build import build
from cardgen.cli import cli
from cardgen.demo import CATEGORICAL, read_adult, train_model
from cardgen.hub.eval_results import VERIFY_FILE, parse_notes, rendered_files
from cardgen.merge import load_card
from cardgen.render import render
from cardgen.render.filters import claims_badge
from cardgen.schema import ClaimCheck, ModelCard, Verification
from cardgen.site import load_pages, write_project
from cardgen.verify import read_claims

DATASET = "scikit-learn/adult-census-income"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A project with an Adult model, its test file, and a README that claims its accuracy
    and an accuracy 0.2 higher."""
    from sklearn.metrics import accuracy_score
    from skops import io as sio

    root = tmp_path_factory.mktemp("project")
    (root / "cards").mkdir()
    (root / "data").mkdir()
    train = read_adult("train").iloc[:3000]
    test = read_adult("test").iloc[:800].copy()
    for frame in (train, test):
        for column in CATEGORICAL:
            frame[column] = frame[column].fillna("(missing)")
    train_model(train, root / "model.skops")
    test.to_csv(root / "data" / "test.csv", index=False)
    model = sio.load(
        root / "model.skops", trusted=sio.get_untrusted_types(file=root / "model.skops")
    )
    accuracy = accuracy_score(test["income"], model.predict(test[list(model.feature_names_in_)]))
    claims = {
        "model-index": [
            {
                "name": "adult",
                "results": [
                    {
                        "task": {"type": "tabular-classification"},
                        "dataset": {"name": "Adult", "type": DATASET, "split": "test"},
                        "metrics": [
                            {"type": "accuracy", "value": accuracy},
                            {"type": "f1", "name": "F1", "value": 0.99},
                        ],
                    }
                ],
            }
        ]
    }
    readme = root / "claims" / "README.md"
    readme.parent.mkdir()
    readme.write_text(f"---\n{yaml.safe_dump(claims)}---\n\n# Adult\n", encoding="utf-8")
    (root / "cards" / "adult-lr.yaml").write_text(
        "kind: model\nname: adult-lr\nsummary: An Adult income classifier.\n", encoding="utf-8"
    )
    return {"root": root, "readme": readme, "spec": root / "cards" / "adult-lr.yaml"}


@pytest.fixture(scope="module")
def collected(project: dict[str, Path]) -> ModelCard:
    root = project["root"]
    done = CliRunner().invoke(
        cli,
        [
            "collect",
            "verify",
            str(project["readme"]),
            "--card",
            str(project["spec"]),
            "--model",
            str(root / "model.skops"),
            "--data",
            f"*={root / 'data' / 'test.csv'}",
            "--label-column",
            "income",
            "--n-boot",
            "200",
            "--facts",
            str(root),
            "-q",
        ],
    )
    assert done.exit_code == 0, done.output  # collecting stores the fact; it applies no gate
    assert (root / ".cardgen" / "adult-lr" / "verify.json").is_file()
    card = load_card(project["spec"], root)
    assert isinstance(card, ModelCard)
    return card


def test_the_readme_and_the_page_show_claims_checked_with_the_verdict_in_words(
    collected: ModelCard,
) -> None:
    checked = collected.quantitative_analyses.claims_checked
    assert checked is not None
    consistent = checked.claims[0]
    readme = render(collected, "hub")
    section = readme.split("### Claims Checked\n", 1)[1].split("<!-- cardgen:end", 1)[0]
    assert section.startswith(
        "\n2 claims: 1 consistent, 1 discrepant, 0 unverifiable. A claim is consistent when "
        "its value lies inside the re-run's 95% interval.\n"
    )
    measured = f"{consistent.measured:.3f} [{consistent.ci_low:.3f}, {consistent.ci_high:.3f}]"
    assert (
        f"| accuracy on {DATASET} (test) | {consistent.claimed:.3f} | {measured} | 800 | "
        "✅ consistent |"
    ) in section
    assert f"| F1 on {DATASET} (test) | 0.990 |" in section
    assert "❌ discrepant: claimed 0.99 lies outside the measured 95% interval" in section
    page = render(collected, "page")
    assert "### Claims Checked" in page and "❌ discrepant" in page


def test_eval_results_carry_the_measurement_its_interval_and_n_in_the_notes(
    collected: ModelCard, project: dict[str, Path], tmp_path: Path
) -> None:
    files = rendered_files(collected)
    entries = parse_eval_result_entries(yaml.safe_load(files[f".eval_results/{VERIFY_FILE}"]))
    checked = collected.quantitative_analyses.claims_checked
    assert checked is not None
    by_task = {e.task_id: e for e in entries}
    assert set(by_task) == {"accuracy", "f1"}
    for check in checked.claims:
        entry = by_task[check.measured_metric or ""]
        assert entry.dataset_id == DATASET and entry.source_name == "cardgen"
        assert entry.value == check.measured
        notes = parse_notes(entry.notes)
        assert notes is not None
        assert (notes["ci_low"], notes["ci_high"], notes["n"]) == (
            check.ci_low,
            check.ci_high,
            check.n,
        )
        assert notes["verdict"] == check.status and notes["ci_method"] == "bootstrap"
    # read back beside a README, cardgen's measurements are not claims to check again
    folder = tmp_path / "card"
    (folder / ".eval_results").mkdir(parents=True)
    (folder / "README.md").write_text("# no front matter\n", encoding="utf-8")
    (folder / ".eval_results" / VERIFY_FILE).write_text(files[f".eval_results/{VERIFY_FILE}"])
    found = read_claims(folder / "README.md")
    assert found.claims == [] and len(found.notes) == 2
    assert "written by cardgen verify (a measurement, not a claim)" in found.notes[0]


def test_the_site_home_says_in_words_whether_claims_hold(
    collected: ModelCard, project: dict[str, Path], tmp_path: Path
) -> None:
    root = project["root"]
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "adult-lr.yaml").write_text(project["spec"].read_text())
    (tmp_path / "cards" / "unchecked.yaml").write_text("kind: model\nname: unchecked\n")
    (tmp_path / ".cardgen").mkdir()
    (tmp_path / ".cardgen" / "adult-lr").symlink_to(root / ".cardgen" / "adult-lr")
    pages = load_pages(tmp_path / "cards", tmp_path, jobs=1)
    docs = write_project(pages, tmp_path / "site").docs_dir
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "| Threshold tests | Claims checked | Updated |" in home
    rows = {
        line.split("|")[1].strip(): line for line in home.splitlines() if line.startswith("| [")
    }
    assert "| ❌ 1 discrepant of 2 |" in rows["[adult-lr](models/adult-lr/index.md)"]
    assert "| unchecked |" in rows["[unchecked](models/unchecked/index.md)"]
    page = (docs / "models" / "adult-lr" / "index.md").read_text(encoding="utf-8")
    assert "### Claims Checked" in page


def _check(status: str) -> ClaimCheck:
    return ClaimCheck(
        source="model-index", where="README.md", metric="accuracy", status=status, reason="r"
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statuses", "words"),
    [
        (["consistent"] * 3, "✅ all 3 consistent"),
        (["consistent", "discrepant", "unverifiable"], "❌ 1 discrepant of 3"),
        (["consistent", "unverifiable"], "✅ 1 consistent, 1 unverifiable"),
        (["unverifiable"], "⚪ 1 unverifiable"),
        ([], "no claims"),
    ],
)
def test_badge_words(statuses: list[str], words: str) -> None:
    assert claims_badge(Verification(card="c", claims=[_check(s) for s in statuses])) == words
    assert claims_badge(None) == "unchecked"


def test_build_runs_the_verify_source_last_fails_on_a_discrepancy_and_caches(
    project: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path
    source = project["root"]
    (root / "cards").mkdir()
    (root / "cards" / "adult-lr.yaml").write_text(
        "kind: model\nname: adult-lr\n"
        "sources:\n  verify:\n"
        f"    - card: {project['readme']}\n"
        f"      model: {source / 'model.skops'}\n"
        f"      data: {{'*': ../data/test.csv}}\n"
        "      label_column: income\n      n_boot: 100\n",
        encoding="utf-8",
    )
    (root / "data").mkdir()
    (root / "data" / "test.csv").write_bytes((source / "data" / "test.csv").read_bytes())
    report = build("cards", root=root, site_project=None, progress=False)
    (card,) = report.cards
    assert card.ran == [f"verify {project['readme']}"]
    assert card.claims == "❌ 1 discrepant of 2" and report.claims_discrepant == 1
    assert "### Claims Checked" in (root / "build" / "cards" / "adult-lr" / "README.md").read_text()
    stored = json.loads((root / ".cardgen" / "adult-lr" / "verify.json").read_text())
    # the model verify re-ran is the file the card is bound to (issue 24: verify fills it)
    bound = json.loads((root / ".cardgen" / "adult-lr" / "model-files.json").read_text())
    model = source / "model.skops"
    assert [(f["name"], f["sha256"], f["size"]) for f in bound["files"]] == [
        ("model.skops", hashlib.sha256(model.read_bytes()).hexdigest(), model.stat().st_size)
    ]
    assert stored["runs"][0]["data"].endswith("data/test.csv")
    again = build("cards", root=root, site_project=None, progress=False)
    assert again.cards[0].ran == [] and again.cards[0].cached == [f"verify {project['readme']}"]
    from cardgen.build import summary_markdown

    summary = summary_markdown(again)
    assert "### Claims checked" in summary and "- **adult-lr**: ❌ 1 discrepant of 2" in summary
    assert "claimed 0.99 lies outside" in summary
    monkeypatch.chdir(root)
    gate = CliRunner().invoke(cli, ["build", "--no-site"])
    assert gate.exit_code == 1, gate.output
    assert "claims checked: ❌ 1 discrepant of 2" in gate.output
    # the card lies outside the project: the record names it by its file name, no absolute path
    assert "DISCREPANT README.md: model-index[0].results[0].metrics[1]:" in gate.output
    assert str(project["root"]) not in gate.output.split("claims checked:")[1]
    assert CliRunner().invoke(cli, ["build", "--no-site", "--no-fail"]).exit_code == 0
