"""Text that is true: missing values stay missing, sentences agree with their tables,
requirements read as written, no path of the user's machine, no "0 tests passed", plurals.

Each check is against an independent count (the shipped source's `?` fields counted with the
csv module), the card's own table, or the HTML that Python-Markdown (MkDocs' renderer)
makes of the page.
"""

from __future__ import annotations

import csv
import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pandas as pd
import pytest
from click.testing import CliRunner

from cardgen._paths import portable
from cardgen._resources import data_dir, examples_dir, templates_dir
from cardgen.build import build
from cardgen.cli import cli
from cardgen.collect.profile import profile
from cardgen.demo import ADULT_COLUMNS, prepare
from cardgen.evaluate import evaluate
from cardgen.merge import merge_facts
from cardgen.render import render
from cardgen.schema import ModelCard
from cardgen.spec import load_spec


def question_marks(column: str) -> int:
    """`?` fields of a column in the shipped UCI source, counted with the csv module."""
    with gzip.open(data_dir() / "adult" / "adult.data.gz", "rt", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, skipinitialspace=True))
    index = ADULT_COLUMNS.index(column)
    return sum(1 for row in rows[1:] if len(row) > index and row[index] == "?")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def page_text(page: str) -> str:
    """What a reader sees of a site page: Python-Markdown's HTML, as text."""
    parser = _Text()
    parser.feed(markdown.markdown(page, extensions=["tables", "attr_list"]))
    return "".join(parser.parts)


def fairness_card(require: list[str]) -> ModelCard:
    frame = pd.DataFrame(
        {
            "y": [i % 2 for i in range(200)],
            "p": [(i // 3) % 2 for i in range(200)],
            "g": ["a" if i % 4 else "b" for i in range(200)],
        }
    )
    evaluation = evaluate(frame, label="y", pred="p", sensitive=["g"], require=require, n_boot=50)
    return ModelCard(name="m", quantitative_analyses={"evaluations": [evaluation]})


def test_the_demo_keeps_missing_values_missing(tmp_path: Path) -> None:
    prepare(tmp_path, lambda message: None)
    profiled = profile(tmp_path / "data" / "adult-train.csv")
    missing = {c.name: c.missing for c in profiled.columns}
    assert question_marks("workclass") == 1836 and question_marks("occupation") == 1843
    for column in ("workclass", "occupation", "native-country"):
        assert missing[column] == question_marks(column), column
    top = {c.name: [v.value for v in c.top_values] for c in profiled.columns}
    assert "(missing)" not in top["workclass"] and "?" not in top["workclass"]
    spec = load_spec(tmp_path / "cards" / "adult.yaml")
    card = merge_facts(spec, {"profile-adult-train": profiled.model_dump(mode="json")}, tmp_path)
    readme = render(card, "hub")
    assert "| workclass | string | 1,836 (5.6%) | 8 |" in readme
    assert 'missing values are written as "?"' not in readme
    assert "leaves missing values empty" in readme


def test_the_sensitive_attributes_sentence_names_what_the_table_marks() -> None:
    card = load_spec(examples_dir() / "adult.yaml")
    readme = render(card, "hub")
    marked = re.findall(r"^\| ([\w-]+) \| \w+ \| yes \|", readme, re.MULTILINE)
    (sentence,) = re.findall(r"^Sensitive attributes: (.*)\.$", readme, re.MULTILINE)
    assert sorted(sentence.split(", ")) == sorted(marked)
    assert sorted(marked) == sorted(card.sensitive_information.sensitive_attributes)


def test_requirements_render_as_written_in_the_readme_and_on_the_page() -> None:
    card = fairness_card(["demographic_parity_difference<=0.5", "accuracy>=0.1"])
    readme = render(card, "hub")
    assert "`demographic_parity_difference<=0.5`" in readme
    assert "&lt;=" not in readme
    text = page_text(render(card, "page"))
    assert "demographic_parity_difference<=0.5" in text and "&lt;" not in text
    # Text that could open a tag is still escaped: a label value is data, not HTML.
    frame = pd.DataFrame({"y": ["<b>yes", "<=no"] * 50, "p": ["<b>yes", "<=no"] * 50})
    evaluation = evaluate(frame, label="y", pred="p", pos_label="<b>yes", n_boot=10)
    labelled = render(
        ModelCard(name="m", quantitative_analyses={"evaluations": [evaluation]}), "page"
    )
    assert "<b>" not in markdown.markdown(labelled, extensions=["tables"])


def test_no_absolute_path_of_this_machine_in_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "cards").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    pd.DataFrame({"y": [1, 0] * 40, "p": [1, 1, 0, 0] * 20, "g": ["a"] * 60 + ["b"] * 20}).to_csv(
        project / "preds.csv", index=False
    )
    (project / "cards" / "m.yaml").write_text(
        "kind: model\nname: m\nsources:\n  evaluate:\n"
        "    - {data: ../preds.csv, label: y, pred: p, sensitive: [g], n_boot: 10}\n"
    )
    monkeypatch.chdir(outside)  # the project is given by an absolute path, from elsewhere
    build("cards", root=project, out=project / "build", site_project=None, progress=False)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "render",
            str(project / "cards" / "m.yaml"),
            "--out",
            str(tmp_path / "out" / "README.md"),
            "--facts",
            str(project),
        ],
    )
    assert result.exit_code == 0, result.output
    # `evaluate --card` from the project, of a file outside it: stored by its name.
    monkeypatch.chdir(project)
    (outside / "other.csv").write_bytes((project / "preds.csv").read_bytes())
    result = runner.invoke(
        cli,
        [
            "evaluate",
            str(outside / "other.csv"),
            "--label",
            "y",
            "--pred",
            "p",
            "--n-boot",
            "10",
            "--card",
            "cards/m.yaml",
        ],
    )
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".md", ".json")]
    assert len(written) >= 5
    leaks = [str(p) for p in written if str(tmp_path) in p.read_text(encoding="utf-8")]
    assert leaks == []
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "Source: evaluate preds.csv" in readme


def test_a_card_without_threshold_tests_says_so(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "d.yaml").write_text("kind: data\nname: d\nsummary: A table.\n")
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--cards",
            str(tmp_path / "cards"),
            "--out",
            str(tmp_path / "build"),
            "--no-site",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "d: ran 0 steps, 0 unchanged; 3 files written; no threshold tests" in result.output
    assert "0 threshold tests passed" not in result.output


def test_counts_take_the_right_number_everywhere() -> None:
    card = fairness_card(["accuracy>=0.1"])
    text = render(card, "hub")
    assert "(200 rows)" in text
    one = pd.DataFrame({"y": [1], "p": [1], "g": ["a"]})
    single = evaluate(one, label="y", pred="p", sensitive=["g"], n_boot=10, min_group_size=1)
    rendered = render(ModelCard(name="m", quantitative_analyses={"evaluations": [single]}), "hub")
    assert "(1 row)" in rendered and "fewer than 1 observation " in rendered
    # No template puts a number before a plural noun without the count filter (a joined
    # list of names before a plural is fine).
    bare = re.compile(
        r"\{\{([^{}]*)\}\}\s+(?:more )?(rows|columns|groups|cards|sections|observations|metrics)\b"
    )
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(templates_dir().rglob("*.j2"))
        for match in bare.finditer(path.read_text(encoding="utf-8"))
        if "join" not in match.group(1)
    ]
    assert offenders == []


@pytest.mark.slow
def test_a_requirement_reads_as_written_on_the_built_site(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    pd.DataFrame({"y": [1, 0] * 40, "p": [1, 1, 0, 0] * 20, "g": ["a"] * 60 + ["b"] * 20}).to_csv(
        tmp_path / "preds.csv", index=False
    )
    (tmp_path / "cards" / "m.yaml").write_text(
        "kind: model\nname: m\nsources:\n  evaluate:\n    - {data: ../preds.csv, label: y, "
        "pred: p, sensitive: [g], n_boot: 10, require: ['demographic_parity_difference<=0.9']}\n"
    )
    build("cards", root=tmp_path, site_project="site-project", progress=False)
    html = (tmp_path / "site-project" / "public" / "models" / "m" / "index.html").read_text()
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts)
    assert "demographic_parity_difference<=0.9" in text and "&lt;" not in text


def test_paths_outside_the_project_keep_apart_by_their_last_parts(tmp_path: Path) -> None:
    hive = tmp_path / "hive"
    for part in ("sex=Male", "sex=Female"):
        (hive / part).mkdir(parents=True)
        (hive / part / "part-0.parquet").write_bytes(b"x")
    male, female = (str(hive / p / "part-0.parquet") for p in ("sex=Male", "sex=Female"))
    record = {
        "input_sha256": {male: "a", female: "b"},
        "note": f"{male}: read; see https://x.org/a",
    }
    assert portable(record, root=tmp_path / "project") == {
        "input_sha256": {"sex=Male/part-0.parquet": "a", "sex=Female/part-0.parquet": "b"},
        "note": "sex=Male/part-0.parquet: read; see https://x.org/a",
    }
    assert portable({"uri": male}, root=tmp_path) == {"uri": "hive/sex=Male/part-0.parquet"}
