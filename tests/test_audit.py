"""`cardgen audit`: fill states checked against a hand count, population figures against
statsmodels, bad input, outputs, claim checks, Hub mode and the site section.

The hand count reads a corpus of Hub cards with plain regular expressions over the front
matter block (found by huggingface_hub's `REGEX_YAML_BLOCK`, the Hub's own rule) and the
headings, not with the YAML or Markdown parsers the audit uses: the vendored cards of
tests/data/hf-cards, and the 279 cards of ../shared/data when present.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hubserver import BERT, FAIR, FAIR_README, GATED, HubServer
from huggingface_hub.repocard import REGEX_YAML_BLOCK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shareddata import HF_CARDS, hub_cards, needs_shared, shared_root
from statsmodels.stats.proportion import proportion_confint

from cardgen.audit import audit_hub, audit_paths, write_outputs
from cardgen.cli import cli
from cardgen.completeness import completeness
from cardgen.filled import fill_state, is_placeholder
from cardgen.spec import load_spec

CORPORA = {
    "vendored": [HF_CARDS / "cards", HF_CARDS / "written"],
    "shared": [(shared_root() or Path("/nonexistent")) / "hf-cards" / "cards"],
}
COUNTS = {"vendored": {"cards": 120, "models": 119}, "shared": {"cards": 279, "models": 278}}
"""Cards in each corpus, and how many are model cards (the others: one data card)."""
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cards"


# --- the hand count ------------------------------------------------------------------------------

DATASET_KEYS = (
    "task_categories",
    "task_ids",
    "size_categories",
    "annotations_creators",
    "language_creators",
    "multilinguality",
    "source_datasets",
    "pretty_name",
    "configs",
    "dataset_info",
    "paperswithcode_id",
)


def top_key_filled(front: str, key: str) -> bool:
    """A top-level key with a value on its line, or indented lines (a list or mapping) below."""
    match = re.search(rf"^{re.escape(key)}:[ \t]*(.*)$", front, re.MULTILINE)
    if not match:
        return False
    value = match.group(1).strip()
    if value and value not in ("[]", "{}", "''", '""', "null", "~"):
        return True
    items = []
    for line in front[match.end() + 1 :].split("\n"):
        if not line.strip():
            continue  # YAML allows blank lines inside a block list
        if not re.match(r"^(\s+\S|- )", line):
            break
        items.append(line.strip().removeprefix("- ").strip())
    return any(item not in ("", "null", "~") for item in items)


HEADINGS = {
    "intended_use.primary_uses": {
        "intended uses & limitations",
        "intended uses",
        "intended use",
        "uses",
        "direct use",
        "primary intended uses",
    },
    "caveats_and_recommendations.caveats": {
        "bias, risks, & limitations",
        "limitations",
        "limitations & bias",
        "limitations & biases",
        "bias & limitations",
        "risks & limitations",
        "caveats",
        "known limitations",
    },
    "how_to_get_started": {
        "how to get started with the model",
        "how to use",
        "usage",
        "getting started",
        "how to use the model",
    },
    "model_details.citation": {"citation", "bibtex entry & citation info", "citation information"},
}


def heading_key(text: str) -> str:
    text = text.lower().replace("[optional]", "")
    text = "".join(ch for ch in text if ch not in "*_`")
    text = " ".join(text.split()).strip(" :").rstrip(":").strip()
    return text.replace(" and ", " & ")


def hand_sections(body: str) -> dict[str, str]:
    """Section -> 'filled' / 'placeholder' by headings, skipping fenced code."""
    blocks: list[tuple[str, list[str]]] = []
    fence = None
    for line in body.split("\n"):
        marker = re.match(r"^ {0,3}(```+|~~~+)", line)
        if marker:
            fence = None if fence and marker.group(1)[0] == fence else (fence or marker.group(1)[0])
        heading = (
            None if fence or marker else re.match(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*$", line)
        )
        if heading:
            blocks.append((heading.group(1) or "", []))
        elif blocks:
            blocks[-1][1].append(line)
    states: dict[str, str] = {}
    for heading, lines in blocks:
        text = re.sub(r"<!--.*?-->", "", "\n".join(lines), flags=re.DOTALL).strip()
        for section, names in HEADINGS.items():
            if heading_key(heading) not in names or not "\n".join(lines).strip():
                continue
            bare = re.sub(r"[\W_]+", " ", text).strip().lower()
            state = "placeholder" if bare in ("more information needed", "") else "filled"
            if states.get(section) != "filled":
                states[section] = state
    return states


@pytest.fixture(params=["vendored", pytest.param("shared", marks=needs_shared("hf-cards"))])
def corpus(request: pytest.FixtureRequest) -> str:
    """The name of a corpus of real Hub cards (CORPORA)."""
    return request.param


def hand_count(folders: list[Path]) -> tuple[int, Counter[str], Counter[str]]:
    """Model cards, filled counts per field and section, placeholder counts per section."""
    filled: Counter[str] = Counter()
    placeholder: Counter[str] = Counter()
    models = 0
    for path in sorted(p for folder in folders for p in folder.glob("*.md")):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        match = REGEX_YAML_BLOCK.search(text)
        # A block indented as a whole (the Hub reads it) is dedented for the line patterns.
        front = textwrap.dedent(match.group(2)) if match else ""
        body = text[match.end() :] if match else text
        first_heading = re.search(r"^#+[ \t]+(.*)$", body, re.MULTILINE)
        if any(
            top_key_filled(front, k) or re.search(rf"^{k}:", front, re.MULTILINE)
            for k in DATASET_KEYS
        ) or (first_heading and first_heading.group(1).lower().startswith("dataset card")):
            continue
        models += 1
        for key, name in (
            ("license", "license"),
            ("base_model", "base_model"),
            ("datasets", "datasets"),
            ("language", "language"),
            ("model-index", "eval_results"),
            ("co2_eq_emissions", "co2_eq_emissions"),
        ):
            filled[name] += top_key_filled(front, key)
        for section, state in hand_sections(body).items():
            (filled if state == "filled" else placeholder)[section] += 1
    return models, filled, placeholder


def test_fill_rates_of_the_corpus_equal_a_hand_count(corpus: str) -> None:
    report = audit_paths(CORPORA[corpus], jobs=1)
    assert not report.problems
    models, filled, placeholder = hand_count(CORPORA[corpus])
    figures = report.population()["model"]
    assert figures["n"] == models == COUNTS[corpus]["models"]
    for name in (
        "license",
        "base_model",
        "datasets",
        "language",
        "eval_results",
        "co2_eq_emissions",
    ):
        assert figures["fields"][name]["filled"] == filled[name], name
    for section in HEADINGS:
        assert figures["sections"][section]["filled"] == filled[section], section
        assert figures["sections"][section]["placeholder"] == placeholder[section], section
    # Sanity of the hand count itself: the corpus is mostly Trainer cards.
    assert placeholder["intended_use.primary_uses"] > 50
    assert 100 < filled["license"] < 200


def test_fill_rates_carry_wilson_intervals_equal_to_statsmodels(corpus: str) -> None:
    figures = audit_paths(CORPORA[corpus], jobs=1).population()["model"]
    for group in ("sections", "fields"):
        for row in figures[group].values():
            low, high = proportion_confint(row["filled"], row["n"], alpha=0.05, method="wilson")
            assert row["ci_low"] == pytest.approx(low, abs=1e-6)
            assert row["ci_high"] == pytest.approx(high, abs=1e-6)
            assert row["filled"] + row["placeholder"] + row["empty"] == row["n"]


# --- the filled rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[More Information Needed]",
        "More information needed",
        "_More information needed._",
        "<!-- fill in -->",
        "**[More Information Needed]**\n\n[More Information Needed]",
        "- **Developed by:** [More Information Needed]\n"
        "- **Funded by [optional]:** [More Information Needed]",
        "{{ model_description | default('', true) }}",
        "TBD",
    ],
)
def test_template_placeholders_are_not_filled(text: str) -> None:
    assert is_placeholder(text)
    assert fill_state(text) == "placeholder"
    assert fill_state([text, "  "]) == "placeholder"


def test_real_text_numbers_and_empties() -> None:
    assert fill_state("More information needed: see the paper for the data.") == "filled"
    assert fill_state("- **Developed by:** Google\n- **Funded by:** TBD") == "filled"
    assert fill_state("{{ a }} and some words {{ b }}") == "filled"
    assert fill_state(0) == "filled"
    assert fill_state(["", None]) == "empty"
    assert fill_state({}) == "empty"
    assert fill_state(None) == "empty"


# --- bad input ---------------------------------------------------------------------------------


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "good.md").write_text("---\nlicense: mit\n---\n# Good\n\nA model.\n")
    (folder / "broken.md").write_text("---\nlicense: [mit\n---\n# Broken\n\nText.\n")
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (folder / "empty.md").write_bytes(b"")
    (folder / "gone.md").symlink_to(folder / "nowhere.md")
    (folder / "bad-spec.yaml").write_text("kind: model\nname: x\nsumary: typo\n")
    return folder


def test_bad_input_is_counted_and_listed_never_fatal(messy: Path) -> None:
    report = audit_paths([messy], jobs=1)
    problems = {Path(p["source"]).name: p["problem"] for p in report.problems}
    assert problems == {
        "broken.md": "broken-front-matter",
        "binary.md": "binary",
        "empty.md": "empty",
        "gone.md": "unreadable",
        "bad-spec.yaml": "invalid-spec",
    }
    audited = sorted(Path(c.source).name for c in report.cards)
    assert audited == ["broken.md", "empty.md", "good.md"]
    assert len(audit_paths([messy, messy / "good.md"], jobs=1).cards) == 3
    empty = next(c for c in report.cards if c.source.endswith("empty.md"))
    assert set(empty.sections.values()) == {"empty"}
    # the message names line 2, where the unclosed [ is
    assert "at line 2" in next(
        p["message"] for p in report.problems if p["problem"] == "broken-front-matter"
    )


def test_cli_lists_bad_input_and_fail_under_gates(messy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", str(messy), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "audited 3 cards" in result.output
    assert "1 binary, 1 broken-front-matter, 1 empty, 1 invalid-spec, 1 unreadable" in result.output
    assert f"warning: {messy / 'binary.md'}: binary" in result.output
    failed = runner.invoke(cli, ["audit", str(messy), "--fail-under", "50"])
    assert failed.exit_code == 1
    assert "is below --fail-under 50%" in failed.output
    assert runner.invoke(cli, ["audit", str(messy), "--fail-under", "0"]).exit_code == 0
    assert runner.invoke(cli, ["audit"]).exit_code == 1
    missing = runner.invoke(cli, ["audit", str(messy / "typo")])
    assert missing.exit_code == 1
    assert "no such file or folder" in missing.output
    assert "error: no card could be audited" in missing.output


# --- outputs ---------------------------------------------------------------------------------


def test_json_and_parquet_agree_with_the_report(corpus: str, tmp_path: Path) -> None:
    report = audit_paths(CORPORA[corpus], jobs=1)
    paths = write_outputs(report, tmp_path)
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    table = pq.read_table(paths[1]).to_pylist()
    assert len(table) == data["cards_audited"] == COUNTS[corpus]["cards"]
    data_rows = [row for row in table if row["kind"] == "data"]
    assert len(data_rows) == 1 and data_rows[0]["section.authorship.authors"] == "empty"
    assert data_rows[0]["field.task_categories"] == "empty"
    assert data_rows[0]["field.base_model"] is None  # a model-card field
    licensed = sum(row["field.license"] == "filled" for row in table if row["kind"] == "model")
    assert licensed == data["population"]["model"]["fields"]["license"]["filled"]
    placeholders = sum(
        row["section.intended_use.primary_uses"] == "placeholder"
        for row in table
        if row["kind"] == "model"
    )
    assert (
        placeholders
        == data["population"]["model"]["sections"]["intended_use.primary_uses"]["placeholder"]
    )
    again = tmp_path / "again"
    write_outputs(audit_paths(CORPORA[corpus], jobs=2), again)
    assert (again / "audit.json").read_bytes() == paths[0].read_bytes()
    assert (again / "audit.parquet").read_bytes() == paths[1].read_bytes()


def test_specs_use_the_same_rule_as_validate() -> None:
    report = audit_paths([EXAMPLES], jobs=1)
    by_name = {Path(c.source).name: c for c in report.cards}
    for name in ("adult-income.yaml", "adult.yaml"):
        expected = completeness(load_spec(EXAMPLES / name))
        assert by_name[name].completeness == pytest.approx(expected.percent)
        assert {p for p, s in by_name[name].sections.items() if s == "filled"} >= set(
            expected.filled
        )


# --- claim checks ----------------------------------------------------------------------------


def test_claim_checks_on_a_model_index(tmp_path: Path) -> None:
    (tmp_path / "fair.md").write_text(FAIR_README)
    (tmp_path / "trainer.md").write_text(
        "---\ntags:\n- generated_from_trainer\ndatasets:\n- imdb\nmodel-index:\n- name: m\n"
        "  results:\n  - task: {type: text-classification}\n    dataset: {type: glue, "
        "name: GLUE, split: validation, revision: abc}\n    metrics:\n    - {type: accuracy, "
        "value: 0.9, args: {n: 872}}\n---\n# m\n\nThis model is a fine-tuned version of "
        "bert.\n"
    )
    report = audit_paths([tmp_path], jobs=1)
    checks = {
        Path(c.source).name: {ch["code"]: ch["count"] for ch in c.checks} for c in report.cards
    }
    # FAIR_README: one result on the listed Adult data, split test, no revision; four
    # metric values, none with n or an interval; it names its base model.
    assert checks["fair.md"] == {"result-without-revision": 1, "result-without-n-or-interval": 4}
    assert checks["trainer.md"] == {
        "result-on-unlisted-dataset": 1,
        "finetune-without-base-model": 1,
    }


# --- Hub mode --------------------------------------------------------------------------------


def test_hub_ids_and_author_through_the_batch_collector(hub: HubServer, hub_project: Path) -> None:
    report = audit_hub([BERT, FAIR, "nobody/missing"], endpoint=hub.url, jobs=2, retries=0)
    cards = {c.source: c for c in report.cards}
    assert set(cards) == {BERT, FAIR}
    assert [p["problem"] for p in report.problems] == ["hub-error"]
    assert cards[FAIR].fields["parameter_count"] == "filled"  # safetensors total
    assert cards[FAIR].fields["eval_results"] == "filled"
    assert cards[FAIR].fields["base_model"] == "filled"
    assert cards[BERT].fields["eval_results"] == "empty"
    assert cards[FAIR].pipeline_tag == "text-classification"
    figures = report.population()["model"]
    assert set(figures["by_download_quartile"]) <= {"Q1", "Q2", "Q3", "Q4"}
    assert sum(g["n"] for g in figures["by_download_quartile"].values()) == 2
    assert not (hub_project / ".cardgen").exists()  # facts went to a temporary folder

    (hub_project / "ids.txt").write_text(f"# ours\n{FAIR}\n{BERT}  # base\n")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["audit", "--from-file", "ids.txt", "--endpoint", hub.url, "--out", "out"]
    )
    assert result.exit_code == 0, result.output
    assert "audited 2 cards" in result.output
    result = runner.invoke(cli, ["audit", "--author", "cardgen-test", "--endpoint", hub.url])
    assert result.exit_code == 0, result.output
    assert "audited 1 card;" in result.output and "problems: 1 gated" in result.output
    assert f"{GATED}: gated: model {GATED} is gated" in result.output


# --- site ------------------------------------------------------------------------------------


def test_audit_site_has_charts_and_a_page_per_card(tmp_path: Path) -> None:
    from cardgen.site._audit import card_slug, write_audit_site

    report = audit_paths(sorted((HF_CARDS / "cards").glob("*.md"))[:12], jobs=1)
    public = write_audit_site(report, tmp_path / "site")
    assert (public / "audit" / "index.html").exists()
    for card in report.cards:
        assert (public / "audit" / "cards" / card_slug(card.source) / "index.html").exists()
    charts = sorted(p.name for p in (public / "audit" / "charts").glob("*.svg"))
    assert charts == ["model-completeness.svg", "model-fields.svg", "model-sections.svg"]
    svg = (public / "audit" / "charts" / "model-fields.svg").read_text()
    assert svg.count("<circle") == 7  # one mark per Hub field
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "mkdocs.yml").write_text("site_name: mine\n")
    with pytest.raises(Exception, match="not written by `cardgen audit --site`"):
        write_audit_site(report, tmp_path / "other", build=False)


def test_download_quartiles_match_pandas_qcut() -> None:
    import pandas as pd

    from cardgen.audit import CardAudit, download_quartiles

    downloads = [0, 3, 3, 10, 250, 1_000, 7, 99, 40_000, 12, 5, 61]
    cards = [
        CardAudit(f"org/m{i}", "hub", "model", {}, {}, downloads=d) for i, d in enumerate(downloads)
    ]
    cards.append(CardAudit("local.md", "markdown", "model", {}, {}))
    expected = pd.qcut(pd.Series(downloads), 4, labels=["Q1", "Q2", "Q3", "Q4"])
    assert download_quartiles(cards) == {f"org/m{i}": q for i, q in enumerate(expected)}


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "results",
                    "dataset",
                    "metrics",
                    "args",
                    "n",
                    "ci_low",
                    "split",
                    "revision",
                    "type",
                    "name",
                    "value",
                    "task",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


# A loaded machine can take seconds per draw of this recursive strategy: not a test failure.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "model-index",
                "tags",
                "datasets",
                "base_model",
                "license",
                "language",
                "co2_eq_emissions",
                "pipeline_tag",
                "library_name",
            ]
        ),
        _JSONISH,
    )
)
def test_any_front_matter_shape_is_audited_without_error(metadata: dict) -> None:
    from cardgen.audit._record import audit_markdown
    from cardgen.hub.importer import parse_readme

    parsed = parse_readme("# m\n\nText.\n")
    parsed.metadata = metadata
    audit = audit_markdown("m.md", parsed, "model")
    assert set(audit.fields) == {
        "license",
        "base_model",
        "datasets",
        "language",
        "eval_results",
        "co2_eq_emissions",
        "parameter_count",
    }
    assert all(c["count"] > 0 for c in audit.checks)


def test_card_slugs_are_unique_file_names() -> None:
    from cardgen.site._audit import card_slug

    sources = [str(p) for p in hub_cards()] + ["org/model", "org_model", "/"]
    slugs = [card_slug(s) for s in sources]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{8}", s) for s in slugs)
