"""Rendering: Hub README with model-index, site pages, JSON, regeneration, safety."""

from __future__ import annotations

import html
import json
import os
import re
import types
import typing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pytest
from click.testing import CliRunner
from huggingface_hub import DatasetCard
from huggingface_hub import ModelCard as HubModelCard
from huggingface_hub.repocard_data import eval_results_to_model_index, model_index_to_eval_results
from pydantic import BaseModel

from cardgen.cli import cli
from cardgen.errors import CardgenError
from cardgen.facts import write_fact
from cardgen.hub.model_index import evaluation_results
from cardgen.render import render, write_rendered
from cardgen.schema import DataCard, DisaggregatedEvaluation, GovernanceCard, ModelCard
from cardgen.schema.profile import DatasetProfile
from cardgen.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "cards"
GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).parent / "data" / "render"
EVALUATION = DATA / "evaluation.json"
"""A hand-made evaluation with the edge cases: an undefined metric and a small group."""
ADULT_EVALUATION = DATA / "adult-test-evaluation.json"
"""What `cardgen demo` computed for the Adult test split (race x sex, 1,000 replicates)."""
ADULT_PROFILE = DATA / "adult-train-profile.json"
"""What `cardgen demo` profiled of the Adult training split."""
UPDATE = os.environ.get("CARDGEN_UPDATE_GOLDEN") == "1"


def _model_card(evaluation: Path) -> ModelCard:
    card = load_spec(EXAMPLES / "adult-income.yaml")
    assert isinstance(card, ModelCard)
    card.quantitative_analyses.evaluations.append(
        DisaggregatedEvaluation.model_validate_json(evaluation.read_text())
    )
    return card


def adult_model_card() -> ModelCard:
    """The example spec with the edge-case evaluation."""
    return _model_card(EVALUATION)


def real_adult_model_card() -> ModelCard:
    """The example spec with the demo's real evaluation."""
    return _model_card(ADULT_EVALUATION)


def adult_data_card() -> DataCard:
    card = load_spec(EXAMPLES / "adult.yaml")
    assert isinstance(card, DataCard)
    card.composition.profile = DatasetProfile.model_validate_json(ADULT_PROFILE.read_text())
    return card


def adult_governance_card() -> GovernanceCard:
    card = load_spec(EXAMPLES / "adult-example.yaml")
    assert isinstance(card, GovernanceCard)
    return card


CASES = {
    "adult-example.README.md": (adult_governance_card, "hub"),
    "adult-example.page.md": (adult_governance_card, "page"),
    "adult-income.README.md": (real_adult_model_card, "hub"),
    "adult-income.page.md": (real_adult_model_card, "page"),
    "adult-income.json": (real_adult_model_card, "json"),
    "adult.README.md": (adult_data_card, "hub"),
    "adult.page.md": (adult_data_card, "page"),
    "edge-cases.README.md": (adult_model_card, "hub"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_files(name: str) -> None:
    make, fmt = CASES[name]
    text = render(make(), fmt)
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{name} changed; if intended, rerun with CARDGEN_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendering_is_deterministic(name: str) -> None:
    make, fmt = CASES[name]
    assert render(make(), fmt).encode() == render(make(), fmt).encode()


def test_hub_readme_front_matter_parses_with_huggingface_hub() -> None:
    card = adult_model_card()
    parsed = HubModelCard(render(card, "hub"))
    data = parsed.data
    assert data.license == "cc-by-4.0"
    assert data.library_name == "sklearn"
    assert data.datasets == ["scikit-learn/adult-census-income"]
    assert data.model_name == "adult-income"
    assert re.match(r"<!-- cardgen:begin title h=[0-9a-f]{12} -->", parsed.text.lstrip())
    # Compact (default): the overall value of each headline metric; this evaluation names
    # none, so every overall metric is one.
    assert sorted(r.metric_type for r in data.eval_results) == ["accuracy", "selection_rate"]
    assert {r.metric_config for r in data.eval_results} == {None}
    card.render.model_index = "full"
    results = HubModelCard(render(card, "hub")).data.eval_results
    # 2 overall + 5 defined group values (the undefined one is left out) + 1 measure
    assert len(results) == 8
    assert {r.source_name for r in results} == {"cardgen"}
    by_name = {r.metric_name: r for r in results}
    small = by_name["accuracy (race=Other, sex=Female)"]
    assert small.metric_value == 1.0
    assert small.metric_config == "race=Other,sex=Female"
    assert small.metric_args == {
        "ci_low": 1.0,
        "ci_high": 1.0,
        "ci_level": 0.95,
        "ci_method": "bootstrap",
        "n": 12,
        "group": {"race": "Other", "sex": "Female"},
        "small_group": True,
    }
    assert "selection_rate (race=Other, sex=Female)" not in by_name  # undefined: no value


def _as_data(result: Any) -> dict[str, Any]:
    return {key: value for key, value in vars(result).items() if value is not None}


def test_model_index_survives_parse_build_round_trip() -> None:
    card = adult_model_card()
    ours = evaluation_results(card)
    parsed = HubModelCard(render(card, "hub")).data.eval_results
    assert [_as_data(r) for r in parsed] == [_as_data(r) for r in ours]
    rebuilt = eval_results_to_model_index("adult-income", parsed)
    name, again = model_index_to_eval_results(rebuilt)
    assert name == "adult-income"
    assert [_as_data(r) for r in again] == [_as_data(r) for r in ours]


def test_real_adult_card_reports_the_demo_numbers() -> None:
    evaluation = DisaggregatedEvaluation.model_validate_json(ADULT_EVALUATION.read_text())
    text = render(real_adult_model_card(), "hub")
    ratio = evaluation.fairness_measures["demographic_parity_ratio"]
    assert (
        f"| demographic_parity_ratio | {ratio.value:.3f} [{ratio.ci_low:.3f}, "
        f"{ratio.ci_high:.3f}] | race=Black, sex=Female vs race=Asian-Pac-Islander, "
        f"sex=Male | 45 pairs | — |" in text
    )
    assert (
        f"- ❌ **fail** `demographic_parity_ratio>=0.8`: observed {ratio.value:.3f} "
        f"[{ratio.ci_low:.3f}, {ratio.ci_high:.3f}], from race=Black, sex=Female vs "
        f"race=Asian-Pac-Islander, sex=Male."
    ) in text
    # each of the 10 race x sex groups, 5 races and 2 sexes has a row in the headline table
    # and in the folded table of the 5 other metrics (recall and true_negative_rate restate
    # headline metrics and are left to the sidecar)
    assert text.count("| race=White, sex=Female | 4,385 |") == 2
    assert text.count("| sex=Female | 5,421 |") == 2
    assert "Not repeated here: recall (= true_positive_rate); true_negative_rate" in text


def test_data_card_shows_profile_facts() -> None:
    text = render(adult_data_card(), "page")
    assert "32,561 rows, 15 columns, 24 exact duplicate rows." in text
    assert "| race=Black, sex=Female | 1,555 | 4.8% | 0.058 [0.047, 0.071] |  |" in text
    assert "| age | integer | 0 | 73 | min 17, mean 38.582, max 90 |" in text


def test_data_card_front_matter_parses_as_dataset_card() -> None:
    data = DatasetCard(render(adult_data_card(), "hub")).data
    assert data.license == ["cc-by-4.0"]
    assert data.pretty_name == "UCI Adult (Census Income)"
    assert data.size_categories == ["10K<n<100K"]


def test_every_number_shows_ci_and_n_and_flags() -> None:
    text = render(adult_model_card(), "hub")
    assert "| accuracy | 0.851 [0.846, 0.857] | 16,281 |" in text
    assert (
        "| race=Other, sex=Female | 12 | 1.000 [1.000, 1.000] ⚠️ n=12 | undefined "
        "(example: no rows with a prediction) | ⚠️ small group (n=12, below 30); "
        "⚠️ selection_rate undefined |"
    ) in text
    assert "- ❌ **fail** `demographic_parity_ratio>=0.8`: observed 0.321 [0.289, 0.356]." in text
    # gaps to the reference group are in the sidecar the README links, not in the README
    assert "to reference" not in text
    assert "[evaluation/adult-test-race-sex.json](evaluation/adult-test-race-sex.json)" in text


def test_precision_is_configurable() -> None:
    text = render(adult_model_card(), "hub", precision=1)
    assert "| accuracy | 0.9 [0.8, 0.9] | 16,281 |" in text
    assert "| race=White, sex=Male | 9,466 | 0.8 [0.8, 0.8] | 0.3 [0.2, 0.3] |  |" in text
    with pytest.raises(CardgenError, match="precision"):
        render(adult_model_card(), "hub", precision=20)


# --- regeneration -------------------------------------------------------------------

HUMAN_TOP = "Intro written by a person.\r\nIt keeps its CRLF and   spacing.\n\n"


def _human_readme(generated: str) -> str:
    """A README a person edited: prose added around and between cardgen's regions."""
    front, _, body = generated.partition("\n---\n")
    body = re.sub(
        r"<!-- cardgen:begin uses (h=\w+) -->",
        r"## Our own notes\n\nDo not touch.  \n\n<!-- cardgen:begin uses \1 -->",
        body,
    )
    return f"{front}\n---\n{HUMAN_TOP}{body}\nSigned, the team.\n"


def _outside_regions(text: str) -> list[str]:
    return re.split(
        r"<!-- cardgen:begin [\w.-]+(?: h=\w+)? -->.*?<!-- cardgen:end [\w.-]+ -->",
        text.split("\n---\n", 1)[1],
        flags=re.DOTALL,
    )


def test_regeneration_replaces_only_marked_regions(tmp_path: Path) -> None:
    card = adult_model_card()
    readme = tmp_path / "README.md"
    first = render(card, "hub")
    readme.write_text(_human_readme(first), encoding="utf-8", newline="")
    before = readme.read_bytes().decode()
    card.intended_use.primary_uses = ["A new use."]
    card.quantitative_analyses.evaluations[0].overall["accuracy"].value = 0.9
    result = write_rendered(card, "hub", readme)
    after = readme.read_bytes().decode()
    assert result.changed
    assert _outside_regions(after) == _outside_regions(before)
    assert "\nA new use.\n" in after
    assert "## Our own notes\n\nDo not touch.  \n\n" in after
    assert after.endswith("\nSigned, the team.\n")
    assert "value: 0.9\n" in after  # the model-index in the front matter follows the card
    mtime = readme.stat().st_mtime_ns
    again = write_rendered(card, "hub", readme)
    assert not again.changed
    assert readme.read_bytes().decode() == after
    assert readme.stat().st_mtime_ns == mtime


def test_readme_without_markers_is_kept_unless_forced(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Mine\n\nHand-written card.\n")
    with pytest.raises(CardgenError, match="has no <!-- cardgen:begin NAME --> markers"):
        write_rendered(adult_model_card(), "hub", readme)
    assert readme.read_text() == "# Mine\n\nHand-written card.\n"
    assert write_rendered(adult_model_card(), "hub", readme, force=True).changed
    assert re.search(r"<!-- cardgen:begin evaluation h=\w+ -->", readme.read_text())


def test_authors_front_matter_keys_are_kept(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    generated = render(adult_model_card(), "hub")
    readme.write_text(generated.replace("---\n", "---\nwidget:\n- text: hi\n", 1))
    write_rendered(adult_model_card(), "hub", readme)
    data = HubModelCard(readme.read_text()).data.to_dict()
    assert data["widget"] == [{"text": "hi"}]
    assert data["license"] == "cc-by-4.0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- cardgen:begin a -->\nx\n", "region 'a' is never closed"),
        ("x\n<!-- cardgen:end a -->\n", ":2: <!-- cardgen:end a --> has no matching begin"),
        ("<!-- cardgen:begin a -->\n<!-- cardgen:begin b -->\n", ":2: region 'b' begins inside"),
        (
            "<!-- cardgen:begin a -->\n<!-- cardgen:end a -->\n<!-- cardgen:begin a -->\n"
            "<!-- cardgen:end a -->\n",
            ":3: region 'a' appears twice",
        ),
    ],
)
def test_malformed_markers_are_reported_and_nothing_written(
    tmp_path: Path, text: str, message: str
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(text)
    with pytest.raises(CardgenError, match=message):
        write_rendered(adult_model_card(), "hub", readme)
    assert readme.read_text() == text


# --- templates ------------------------------------------------------------------------


def test_user_template_runs_sandboxed_and_can_use_macros(tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text(
        '{% import "_macros.md.j2" as m %}# {{ card.name }}\n'
        "{% for view in evaluations %}{{ m.evaluation_block(view) }}{% endfor %}"
    )
    text = render(adult_model_card(), "page", template=template)
    assert text.startswith("# adult-income\n")
    assert "| accuracy | 0.851 | [0.846, 0.857] | 16,281 |" in text
    evil = tmp_path / "evil.md.j2"
    evil.write_text("{{ card.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(CardgenError, match=r"evil\.md\.j2:1: template error: access to attribute"):
        render(adult_model_card(), "page", template=evil)


def test_template_errors_name_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.md.j2"
    broken.write_text("# {{ card.name }}\n\n{% for x in %}\n")
    with pytest.raises(CardgenError, match=r"broken\.md\.j2:3: template syntax error"):
        render(adult_model_card(), "hub", template=broken)
    undefined = tmp_path / "undefined.md.j2"
    undefined.write_text("line one\n{{ card.nope }}\n")
    with pytest.raises(CardgenError, match=r"undefined\.md\.j2:2: template error: .*'nope'"):
        render(adult_model_card(), "hub", template=undefined)


# --- untrusted text -------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[ref]: javascript:alert(1)\n\n[click][ref]",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=alert(1)>x</details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    'text{: onclick="alert(1)" }',
    "<object data=javascript:alert(1)>",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<style>@import 'javascript:alert(1)';</style>",
]


def _flatten(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _flatten(arg)]
    if typing.get_origin(annotation) is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    return [annotation]


def _poison(model: BaseModel, payload: str) -> None:
    """Put `payload` into every text field and list of text of `model`, recursively."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        kinds = _flatten(info.annotation)
        if isinstance(value, BaseModel):
            _poison(value, payload)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for item in value:
                _poison(item, payload)
        elif str in kinds and name not in ("kind", "schema_version"):
            setattr(model, name, payload)
        elif list[str] in kinds:
            setattr(model, name, [payload, payload])


DANGEROUS_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta", "link"}
)


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for key, value in attrs:
            if key.startswith("on"):
                self.problems.append(f"{tag} {key}=")
            if key in ("href", "src", "action", "data", "formaction") and value:
                target = "".join(html.unescape(value).split()).lower()
                if target.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag} {key}={value}")


def _site_html(page_markdown: str) -> str:
    # The extensions MkDocs-Material sites commonly enable, attr_list included.
    return markdown.markdown(
        page_markdown, extensions=["tables", "attr_list", "md_in_html", "fenced_code", "toc"]
    )


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_in_every_field_execute_nothing_on_site_pages(payload: str) -> None:
    model_card = adult_model_card()
    _poison(model_card, payload)
    evaluation = model_card.quantitative_analyses.evaluations[0]
    evaluation.groups[0].features = {"race": payload, "sex": payload}
    evaluation.overall[payload] = evaluation.overall["accuracy"]
    data_card = adult_data_card()
    _poison(data_card, payload)
    for card in (model_card, data_card):
        page = render(card, "page")
        assert "alert" in page or "PHNjcmlw" in page  # the payload is there, made inert
        inspector = _Inspector()
        inspector.feed(_site_html(page))
        assert inspector.problems == [], inspector.problems


def test_prose_and_code_survive_sanitizing() -> None:
    card = adult_model_card()
    card.how_to_get_started = (
        "```python\nif a < b and c > d:\n    print('<ok>')\n```\n\n"
        "Use `x < y` and see <https://example.org> or "
        "[docs](https://example.org/docs).\n\n> A quote & more."
    )
    page = render(card, "page")
    assert card.how_to_get_started.replace("A quote & more", "A quote &amp; more") in page
    hub = render(card, "hub")
    assert card.how_to_get_started in hub  # the Hub README keeps prose byte for byte


# --- CLI -------------------------------------------------------------------------------


def test_render_command_merges_facts_and_writes_each_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "cards" / "adult-income.yaml"
    spec.parent.mkdir()
    spec.write_text((EXAMPLES / "adult-income.yaml").read_text())
    write_fact("adult-income", "evaluate-adult-test-race-sex", json.loads(EVALUATION.read_text()))
    runner = CliRunner()
    out = runner.invoke(cli, ["render", str(spec)])
    assert out.exit_code == 0, out.output
    assert out.output == render(adult_model_card(), "hub")
    for fmt, name in [("hub", "README.md"), ("page", "page.md"), ("json", "card.json")]:
        result = runner.invoke(cli, ["render", str(spec), "--format", fmt, "--out", name])
        assert result.exit_code == 0, result.output
        sidecar = "wrote evaluation/adult-test-race-sex.json\n" if fmt == "hub" else ""
        assert result.output == f"wrote {name}\n{sidecar}"
        again = runner.invoke(cli, ["render", str(spec), "--format", fmt, "--out", name])
        assert again.output == f"unchanged {name}\n"
    card = ModelCard.model_validate_json(Path("card.json").read_text())
    assert card.quantitative_analyses.evaluations[0].groups[1].small is True


def test_render_command_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    model_spec = EXAMPLES / "adult-income.yaml"
    result = runner.invoke(cli, ["render", str(model_spec), "--format", "croissant"])
    assert result.exit_code == 1
    assert "Croissant describes datasets" in result.stderr
    Path("folder").mkdir()
    result = runner.invoke(cli, ["render", str(model_spec), "--out", "folder"])
    assert result.exit_code == 1
    assert "folder: is a directory" in result.stderr
    Path("README.md").write_text("hand-written\n")
    result = runner.invoke(cli, ["render", str(model_spec), "--out", "README.md"])
    assert result.exit_code == 1
    assert Path("README.md").read_text() == "hand-written\n"
    result = runner.invoke(cli, ["render", "missing.yaml"])
    assert result.exit_code == 2
    Path(".cardgen/adult-income").mkdir(parents=True)
    Path(".cardgen/adult-income/evaluate-x.json").write_text('{"name": "x"}')
    result = runner.invoke(cli, ["render", str(model_spec)])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: .cardgen/adult-income/evaluate-x.json: not a valid "
        "evaluation fact (task: Field required)"
    )
