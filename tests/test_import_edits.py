"""Regenerating an imported card: YAML 1.2 front matter, hand edits, new facts, bad input.

Expected values come from the YAML 1.2 specification (and PyYAML for what a YAML 1.1
reader sees), from hand-written READMEs, and from difflib for "what changed".
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub import ModelCard as HubModelCard
from ruamel.yaml import YAML
from shareddata import EDGE_CASES, HF_CARDS, WRITTEN, hub_cards

from cardgen.cli import cli
from cardgen.facts import write_fact
from cardgen.hub.importer import readme_to_spec
from cardgen.placeholders import is_placeholder
from cardgen.render import render
from cardgen.schema import ModelCard
from cardgen.spec import loads_spec

HERE = Path(__file__).resolve().parent
EVALUATION = HERE / "data" / "render" / "evaluation.json"
TRAINER_CARD = HF_CARDS / "cards" / "Abdulmateen_bert-finetuned-ner_README.md"

FRONT = """---
# metadata for the Hub
language: [no]   # Norwegian
license: mit
tags:
  - 'yes'
  - on
  - off
learning_rate: 1e3
mask: 0x1F
released: 2024-01-01
base: &base bert-base-cased
also: *base
"quoted key": "quoted value"
---
"""
README = (
    FRONT
    + """
# My model

A Norwegian model.

## Evaluation

We evaluated it on NorNE.

## Limitations

It is small.
"""
)


def yaml12(text: str) -> object:
    loader = YAML(typ="safe", pure=True)
    return loader.load(text)


def front_of(text: str) -> str:
    return text.split("---\n")[1]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    assert run("import", "README.md", "--out", "cards/m.yaml")[0] == 0
    code, output = run("render", "cards/m.yaml", "--out", "README.md", "--force")
    assert code == 0, output
    return tmp_path


# --- YAML 1.2 -----------------------------------------------------------------------------


def test_front_matter_is_read_as_yaml_1_2() -> None:
    spec = readme_to_spec(README, "m").spec
    # YAML 1.2 core schema: no/yes/on/off are strings, 1e3 a float, 0x1F an int; dates are
    # strings (the core schema has no timestamp type), anchors resolve.
    assert spec["metadata"]["language"] == ["no"]
    assert spec["metadata"]["tags"] == ["yes", "on", "off"]
    kept = spec["extra"]["hub_metadata"]
    assert kept["learning_rate"] == 1000.0
    assert kept["mask"] == 31
    assert kept["released"] == "2024-01-01"
    assert kept["base"] == kept["also"] == "bert-base-cased"
    assert kept["quoted key"] == "quoted value"
    # the spec written to disk reads back the same (no `no` -> False on the way)
    card = loads_spec(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    assert card.metadata.language == ["no"]


def test_rendered_front_matter_keeps_comments_order_quoting_and_data(project: Path) -> None:
    text = (project / "README.md").read_text(encoding="utf-8")
    front = front_of(text)
    original = front_of(README)
    # every line the author wrote is still there, in order (cardgen adds one hash comment)
    assert [
        line for line in front.splitlines() if not line.startswith("# cardgen:")
    ] == original.splitlines()
    assert yaml12(front) == yaml12(original)
    assert HubModelCard(text).data.license == "mit"


def test_values_cardgen_writes_read_the_same_in_yaml_1_1_and_1_2(tmp_path: Path) -> None:
    card = ModelCard(
        name="m", metadata={"language": ["no", "on"], "tags": ["1e3", "0x1F", "2024-01-01"]}
    )
    front = front_of(render(card, "hub"))
    expected = {"language": ["no", "on"], "tags": ["1e3", "0x1F", "2024-01-01"]}
    for reader in (yaml.safe_load, yaml12):
        data = reader(front)
        assert {k: data[k] for k in expected} == expected, reader


# --- hand edits ---------------------------------------------------------------------------


def test_edit_inside_a_region_stops_the_render(project: Path) -> None:
    readme = project / "README.md"
    edited = readme.read_text().replace("We evaluated it on NorNE.", "We evaluated it on NER.")
    readme.write_text(edited)
    line = next(
        i
        for i, text in enumerate(edited.splitlines(), 1)
        if text.startswith("<!-- cardgen:begin quantitative_analyses.summary")
    )
    code, output = run("render", "cards/m.yaml", "--out", "README.md")
    assert code == 1
    assert (
        f"README.md:{line}: region 'quantitative_analyses.summary' was edited by hand "
        "since cardgen wrote it"
    ) in output
    assert "--keep-edits" in output and "--overwrite-edits" in output
    assert readme.read_text() == edited

    assert run("render", "cards/m.yaml", "--out", "README.md", "--keep-edits")[0] == 0
    assert readme.read_text() == edited
    # still recorded as edited: the next plain render stops again
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 1

    code, output = run("import", "README.md", "--update", "cards/m.yaml")
    assert code == 0, output
    assert "quantitative_analyses.summary" in output
    assert (
        loads_spec(Path("cards/m.yaml").read_text()).quantitative_analyses.summary
        == "We evaluated it on NER."
    )
    code, output = run("render", "cards/m.yaml", "--out", "README.md")
    assert code == 0, output
    assert "We evaluated it on NER." in readme.read_text()
    assert run("render", "cards/m.yaml", "--out", "README.md")[1] == "unchanged README.md\n"


def test_overwrite_edits_puts_cardgen_text_back(project: Path) -> None:
    readme = project / "README.md"
    first = readme.read_text()
    readme.write_text(first.replace("It is small.", "It is tiny."))
    assert run("render", "cards/m.yaml", "--out", "README.md", "--overwrite-edits")[0] == 0
    assert readme.read_text() == first


def test_edit_outside_regions_is_kept_without_a_question(project: Path) -> None:
    readme = project / "README.md"
    edited = readme.read_text().replace("## Limitations", "## Notes\n\nMine.\n\n## Limitations")
    edited = edited.replace("## Evaluation", "## How we evaluated")
    readme.write_text(edited)
    code, output = run("render", "cards/m.yaml", "--out", "README.md")
    assert (code, output) == (0, "unchanged README.md\n")
    assert readme.read_text() == edited


def test_front_matter_edits(project: Path) -> None:
    readme = project / "README.md"
    text = readme.read_text()
    # a key added by hand is kept
    readme.write_text(text.replace("license: mit", "license: mit\nwidget: [{text: hi}]"))
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    assert yaml12(front_of(readme.read_text()))["widget"] == [{"text": "hi"}]
    # a tag added by hand to a list cardgen manages is never silently dropped
    readme.write_text(readme.read_text().replace("  - off\n", "  - off\n  - ner\n"))
    code, output = run("render", "cards/m.yaml", "--out", "README.md")
    assert code == 1
    line = front_of(readme.read_text()).splitlines().index("tags:") + 2
    assert f"README.md:{line}: front matter key 'tags' was edited by hand" in output
    assert run("render", "cards/m.yaml", "--out", "README.md", "--keep-edits")[0] == 0
    assert "ner" in yaml12(front_of(readme.read_text()))["tags"]
    assert run("import", "README.md", "--update", "cards/m.yaml")[0] == 0
    assert loads_spec(Path("cards/m.yaml").read_text()).metadata.tags == ["yes", "on", "off", "ner"]
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    assert (
        run("render", "cards/m.yaml", "--out", "README.md", "--overwrite-edits")[1]
        == "unchanged README.md\n"
    )


def test_markers_without_a_hash_are_still_read(project: Path) -> None:
    readme = project / "README.md"
    old_style = re.sub(r" h=[0-9a-f]+ -->", " -->", readme.read_text())
    readme.write_text(old_style.replace("It is small.", "It is tiny."))
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    assert "It is small." in readme.read_text()
    assert re.search(
        r"<!-- cardgen:begin caveats_and_recommendations.caveats h=\w{12} -->", readme.read_text()
    )


# --- new facts find their place -----------------------------------------------------------


def _headings(text: str) -> list[str]:
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    return [line for line in body.splitlines() if re.match(r"#+ ", line)]


def test_an_evaluation_added_later_lands_after_the_authors_evaluation(project: Path) -> None:
    readme = project / "README.md"
    before = readme.read_text()
    write_fact("m", "evaluate-norne", json.loads(EVALUATION.read_text()))
    code, output = run("render", "cards/m.yaml", "--out", "README.md")
    assert code == 0, output
    after = readme.read_text()
    body_before, body_after = before.split("\n---\n", 1)[1], after.split("\n---\n", 1)[1]
    ops = [
        op
        for op in difflib.SequenceMatcher(
            None, body_before.splitlines(), body_after.splitlines()
        ).get_opcodes()
        if op[0] != "equal"
    ]
    assert [op[0] for op in ops] == ["insert"]  # one block added, nothing else touched
    added = body_after.splitlines()[ops[0][3] : ops[0][4]]
    assert added[0].startswith("<!-- cardgen:begin results h=")
    assert added[1] == "### Results"
    assert added[3] == "#### " + json.loads(EVALUATION.read_text())["name"]
    assert added[-2:] == ["<!-- cardgen:end results -->", ""]
    # the author's sections keep their order; the results sit inside their evaluation
    assert _headings(body_after)[:4] == [
        "# My model",
        "## Evaluation",
        "### Results",
        _headings(body_after)[3],
    ]
    assert _headings(body_after)[-1] == "## Limitations"
    assert [h for h in _headings(body_after) if h.startswith(("# ", "## "))] == [
        h for h in _headings(body_before) if h.startswith(("# ", "## "))
    ]
    assert run("render", "cards/m.yaml", "--out", "README.md")[1] == "unchanged README.md\n"


def test_trainer_card_gets_results_after_its_own_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("README.md").write_bytes(TRAINER_CARD.read_bytes())
    assert run("import", "README.md", "--out", "cards/m.yaml")[0] == 0
    assert run("render", "cards/m.yaml", "--out", "README.md", "--force")[0] == 0
    before = Path("README.md").read_text()
    write_fact("m", "evaluate-conll", json.loads(EVALUATION.read_text()))
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    after = Path("README.md").read_text()
    body_before = before.split("\n---\n", 1)[1]
    assert after.split("\n---\n", 1)[1].startswith(body_before.rstrip("\n"))
    assert "## Evaluation Results" in after.split("\n---\n", 1)[1][len(body_before) :]


def test_a_field_filled_in_the_spec_later_gets_its_template_place(project: Path) -> None:
    spec = Path("cards/m.yaml")
    spec.write_text(
        spec.read_text().replace(
            "extra_sections:",
            "intended_use:\n  out_of_scope_uses: [Medical advice]\nextra_sections:",
        )
        if "extra_sections:" in spec.read_text()
        else spec.read_text() + "intended_use:\n  out_of_scope_uses: [Medical advice]\n"
    )
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    headings = _headings(Path("README.md").read_text())
    # Uses come before Evaluation in the Hub template
    assert headings == ["# My model", "## Out-of-Scope Use", "## Evaluation", "## Limitations"]


# --- placeholders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("More information needed", True),
        ("[More Information Needed]", True),
        ("_More information needed._", True),
        ("<!-- Provide a quick summary. -->", True),
        ("- **Developed by:** [More Information Needed]\n- **License:**\n-", True),
        ("**BibTeX:**\n\n[More Information Needed]", True),
        ("- **License:** mit", False),
        ("More information needed about the data: it is Wikipedia.", False),
        ("- Transformers 4.30", False),
    ],
)
def test_is_placeholder(text: str, expected: bool) -> None:
    assert is_placeholder(text) is expected


def test_placeholders_import_as_empty_and_come_back_in_place() -> None:
    result = readme_to_spec(TRAINER_CARD.read_bytes(), "m")
    assert "intended_use" not in result.spec  # "More information needed"
    assert "training_data" not in result.spec
    readme = render(result.card, "hub")
    assert readme.count("More information needed") == TRAINER_CARD.read_text().count(
        "More information needed"
    )
    # filling the field in the spec replaces the placeholder where the author had it
    result.card.intended_use.primary_uses = ["Named-entity recognition in news text."]
    filled = render(result.card, "hub")
    at = filled.index("## Intended uses & limitations")
    assert filled[at:].split("\n## ")[0].count("Named-entity recognition in news text.") == 1


def test_template_card_placeholders_are_empty() -> None:
    result = readme_to_spec(
        (HF_CARDS / "edge-cases" / "sample_datasetcard_template.md").read_bytes(), "d"
    )
    strings = json.dumps({k: v for k, v in result.spec.items() if k != "extra"})
    assert "More Information Needed" not in strings


def test_spec_render_option_fill_template() -> None:
    spec = readme_to_spec(README, "m").spec
    spec["render"] = {"fill_template": True}
    card = loads_spec(yaml.safe_dump(spec, sort_keys=False))
    assert "## Bias, Risks, and Limitations" in render(card, "hub")


# --- wrong input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "found"),
    [
        (
            "data.csv",
            b"age,income,label\n39,77516,0\n50,83311,1\n",
            "it looks like a comma-separated table",
        ),
        ("data.tsv", b"age\tincome\n39\t77516\n", "it looks like a tab-separated table"),
        ("card.json", b'{"license": "mit"}\n', "it is JSON (an object)"),
        ("rows.json", b"[1, 2]", "it is JSON (an array)"),
        ("model.bin", b"\x00\x01\x02garbage", "it is binary data (a NUL byte at offset 0)"),
        ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "it is a PNG image"),
        ("empty.md", b"", "the file is empty"),
        ("blank.md", b"\n  \n", "the file is empty"),
    ],
)
def test_import_refuses_what_is_not_a_markdown_card(
    tmp_path: Path, name: str, data: bytes, found: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, output = run("import", str(path), "--out", str(tmp_path / "x.yaml"))
    assert code == 1
    assert f"{path}: not a Markdown card: {found}" in output
    assert not (tmp_path / "x.yaml").exists()


def test_every_real_card_is_accepted() -> None:
    from cardgen.hub.import_update import refuse_non_markdown

    for path in hub_cards() + EDGE_CASES + WRITTEN:
        refuse_non_markdown(path.read_bytes(), path.name)


def test_import_needs_out_or_update(tmp_path: Path) -> None:
    code, output = run("import", str(TRAINER_CARD))
    assert code == 2
    assert "give --out SPEC" in output


def test_a_dataset_profile_added_later_lands_in_the_dataset_structure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("README.md").write_bytes(
        (HF_CARDS / "edge-cases" / "sample_datasetcard_simple.md").read_bytes()
    )
    assert run("import", "README.md", "--out", "cards/d.yaml")[0] == 0
    assert run("render", "cards/d.yaml", "--out", "README.md", "--force")[0] == 0
    before = Path("README.md").read_text()
    write_fact(
        "d",
        "profile-train",
        json.loads((HERE / "data" / "render" / "adult-train-profile.json").read_text()),
    )
    code, output = run("render", "cards/d.yaml", "--out", "README.md")
    assert code == 0, output
    after = Path("README.md").read_text()
    ops = [
        op
        for op in difflib.SequenceMatcher(
            None, before.splitlines(), after.splitlines()
        ).get_opcodes()
        if op[0] != "equal"
    ]
    assert [op[0] for op in ops] == ["insert"]
    added = "\n".join(after.splitlines()[ops[0][3] : ops[0][4]]).strip().splitlines()
    assert added[0].startswith("<!-- cardgen:begin profile h=")
    assert added[-1] == "<!-- cardgen:end profile -->"
    assert "| Column | Type | Missing | Distinct | Summary |" in added


def test_hand_edits_in_a_template_card_are_caught_too(tmp_path: Path) -> None:
    from cardgen.errors import CardgenError
    from cardgen.render import write_rendered

    card = ModelCard(name="m", summary="First words.")
    readme = tmp_path / "README.md"
    write_rendered(card, "hub", readme)
    readme.write_text(readme.read_text().replace("First words.", "My words."))
    with pytest.raises(CardgenError, match=r"README.md:\d+: region 'title' was edited by hand"):
        write_rendered(card, "hub", readme)
    assert not write_rendered(card, "hub", readme, edits="keep").changed
    assert write_rendered(card, "hub", readme, edits="overwrite").changed
    assert "First words." in readme.read_text()


def test_a_readme_rendered_from_the_template_stays_a_template(project: Path) -> None:
    Path("README.md").write_text(
        render(loads_spec(Path("cards/m.yaml").read_text()), "hub", fill_template=True)
    )
    before = Path("README.md").read_text()
    code, output = run("render", "cards/m.yaml", "--out", "README.md")
    assert (code, output) == (0, "unchanged README.md\n")
    assert Path("README.md").read_text() == before


def test_insertion_into_a_crlf_readme_keeps_crlf(project: Path) -> None:
    readme = project / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"\n", b"\r\n"))
    write_fact("m", "evaluate-norne", json.loads(EVALUATION.read_text()))
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    data = readme.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    text = data.decode().replace("\r\n", "\n")
    assert text.index("### Results") < text.index("## Limitations")


def test_update_takes_only_edited_regions_of_a_template_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = Path("cards/m.yaml")
    spec.parent.mkdir()
    spec.write_text(
        "# my notes stay\nname: m\nkind: model\ntitle: M\nsummary: First words.\n"
        "how_to_get_started: pip install m  # a comment too\n"
    )
    assert run("render", str(spec), "--out", "README.md")[0] == 0
    readme = Path("README.md")
    readme.write_text(
        readme.read_text()
        .replace("First words.", "Better words.")
        .replace("pip install m", "pip install x")
    )
    assert run("render", str(spec), "--out", "README.md")[0] == 1
    code, output = run("import", "README.md", "--update", str(spec))
    assert (code, output) == (0, f"updated {spec}: how_to_get_started, summary\n")
    text = spec.read_text()
    assert text.startswith("# my notes stay\n")
    card = loads_spec(text)
    assert (card.summary, card.how_to_get_started) == ("Better words.", "pip install x")
    assert "hub_import" not in card.extra  # still a template card
    edited = readme.read_text()
    # the render records the new hashes and changes no word
    assert run("render", str(spec), "--out", "README.md")[1] == "wrote README.md\n"
    assert re.sub(r" h=\w+", "", readme.read_text()) == re.sub(r" h=\w+", "", edited)
    assert run("render", str(spec), "--out", "README.md")[1] == "unchanged README.md\n"


def test_hub_metadata_collected_later_adds_front_matter_lines_only(project: Path) -> None:
    readme = project / "README.md"
    before = readme.read_text()
    write_fact("m", "hub", {"pipeline_tag": "token-classification", "library_name": "spacy"})
    assert run("render", "cards/m.yaml", "--out", "README.md")[0] == 0
    after = readme.read_text()
    ops = [
        (tag, after.splitlines()[j1:j2])
        for tag, _, _, j1, j2 in difflib.SequenceMatcher(
            None, before.splitlines(), after.splitlines()
        ).get_opcodes()
        if tag != "equal"
    ]
    # the two new keys at the end of the author's front matter, and the hash comment
    assert [tag for tag, _ in ops] == ["replace"]
    assert sorted(ops[0][1][:2]) == ["library_name: spacy", "pipeline_tag: token-classification"]
    assert ops[0][1][2].startswith("# cardgen:front-matter ")


def test_short_prose_with_commas_is_still_a_card() -> None:
    from cardgen.hub.import_update import refuse_non_markdown

    refuse_non_markdown(b"Hello, world.\nThis model, trained by us, is small.\n", "README.md")
    refuse_non_markdown(b"A model, for you.\nUse it, please.\n", "README.md")


@pytest.mark.parametrize(
    ("sections", "rank", "expected"),
    [
        # preamble, "# Title", "## Evaluation" (17) with a "### Notes" child, "## Limitations" (6)
        ([(0, None), (1, 0), (2, 17), (3, None), (2, 6)], 18, (4, 2)),
        # a section the template puts before everything the author has: after the title
        ([(0, None), (1, 0), (2, 17), (2, 6)], 3, (2, 1)),
        # no section with a known place: at the end
        ([(0, None), (2, None)], 5, (2, -1)),
        # never past a section the template puts later (citation, 24) inside the subtree
        ([(1, 0), (2, 17), (3, 24)], 18, (2, 1)),
    ],
)
def test_insertion_index_follows_the_template_order(
    sections: list[tuple[int, int | None]], rank: int, expected: tuple[int, int]
) -> None:
    from cardgen.render.layout import insertion_index

    assert insertion_index(sections, rank) == expected
