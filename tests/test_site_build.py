"""The site: project layout, home table, charts, links, lineage, history, bad input, safety."""

from __future__ import annotations

import gzip
import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from sitecards import write_cards

from cardgen import spec as spec_module
from cardgen.cli import cli
from cardgen.errors import CardgenError
from cardgen.schema import DisaggregatedEvaluation
from cardgen.site import (
    END_OF_LIFE_NOTICE,
    _charts,
    _history,
    build_site,
    load_pages,
    run_builder,
    sections_of,
    write_project,
)
from cardgen.spec import load_spec

# mkdocs builds, the demo, wheels or servers: left out of `make test-fast`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

EXAMPLES = ROOT / "examples" / "cards"
SVG = "{http://www.w3.org/2000/svg}"
N_CARDS = 24


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built site of synthetic cards (models, data cards, lineage), shared by the tests."""
    folder = tmp_path_factory.mktemp("site")
    write_cards(folder, N_CARDS)
    build_site(folder / "cards", folder / "project", root=folder, jobs=1)
    return folder


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value is not None:
                self.links.append((tag, key, value))


def _links(page: Path) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_home_table_has_one_row_per_card_with_headline_and_tests(site: Path) -> None:
    home = (site / "project" / "public" / "index.html").read_text(encoding="utf-8")
    body = home.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    assert len(rows) == N_CARDS
    model = next(r for r in rows if "synthetic-model-0001" in r)
    cells = [
        html.unescape(re.sub("<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", model, re.DOTALL)
    ]
    fact = json.loads(
        (site / ".cardgen" / "synthetic-model-0001" / "evaluate-test.json").read_text()
    )
    accuracy = fact["overall"]["accuracy"]
    gap = fact["disparities"][0]["value"]
    assert cells[1:4] == ["model", "tabular-classification", "apache-2.0"]
    assert cells[4] == (
        f"accuracy: {accuracy['value']:.3f} [{accuracy['ci_low']:.3f}, {accuracy['ci_high']:.3f}]"
    )
    assert cells[5] == f"accuracy: {gap['value']:.3f} [{gap['ci_low']:.3f}, {gap['ci_high']:.3f}]"
    assert cells[6] == "1 passed, 1 failed"
    assert cells[7] == "unchecked"  # no verify fact: its claims were never re-run
    assert cells[8] == "2026-11-01"


def test_every_link_in_the_site_resolves(site: Path) -> None:
    public = site / "project" / "public"
    pages = sorted(public.rglob("*.html"))
    assert len(pages) > N_CARDS
    broken = []
    for page in pages:
        for tag, key, value in _links(page):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or value.startswith(("#", "mailto:")):
                continue
            # 404.html uses root-absolute URLs (the site is served from its root).
            base = public if parts.path.startswith("/") else page.parent
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(public)}: <{tag} {key}={value}>")
    assert broken == []


def test_site_loads_nothing_from_another_host(site: Path) -> None:
    public = site / "project" / "public"
    config = yaml.safe_load((site / "project" / "mkdocs.yml").read_text())
    assert config["theme"]["font"] is False
    for page in public.rglob("*.html"):
        for tag, key, value in _links(page):
            external = urlsplit(value).scheme in ("http", "https") or value.startswith("//")
            # Links (<a href>) may point anywhere; nothing may be *loaded* from elsewhere.
            if tag != "a" and external:
                pytest.fail(f"{page}: <{tag} {key}={value}> loads from another host")
    for css in public.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css


def _chart(path: Path, title: str) -> ET.Element:
    """The chart titled `title` inside a card's stacked chart file."""
    sheet = ET.parse(path).getroot()
    charts = {c.findtext(f"{SVG}title"): c for c in sheet.findall(f"{SVG}svg")}
    return charts[title]


def test_chart_has_one_mark_per_group_and_a_gap_for_undefined(site: Path) -> None:
    charts = site / "project" / "docs" / "models" / "synthetic-model-0001" / "charts"
    fact = DisaggregatedEvaluation.model_validate_json(
        (site / ".cardgen" / "synthetic-model-0001" / "evaluate-test.json").read_text()
    )
    tree = _chart(charts / "test.svg", "true_positive_rate by group (test)")
    groups = [g for g in tree.findall(f"{SVG}g") if g.get("class", "").startswith("group")]
    marks = [c for c in tree.iter(f"{SVG}circle") if "mark" in c.get("class", "")]
    defined = [g for g in fact.groups if g.metrics["true_positive_rate"].value is not None]
    assert len(groups) == len(fact.groups) == 5
    assert len(marks) == len(defined) == 4
    undefined = [t.text for t in tree.iter(f"{SVG}text") if t.get("class") == "undefined"]
    assert undefined == ["undefined: no positive labels in group"]
    small = [c for c in marks if c.get("class") == "mark small"]
    assert small == []  # the small group is the undefined one here
    accuracy = _chart(charts / "test.svg", "accuracy by group (test)")
    assert sum(c.get("class") == "mark small" for c in accuracy.iter(f"{SVG}circle")) == 1


def test_svg_escapes_untrusted_labels_and_is_deterministic() -> None:
    label = '<script>alert(1)</script> & "q"'
    points = [
        _charts.Point(label, 0.5, 0.4, 0.6, 10, True),
        _charts.Point("b", None, reason="<b>x</b>"),
    ]
    first = _charts.dot_chart(label, points, 0.5)
    assert first == _charts.dot_chart(label, points, 0.5)
    tree = ET.fromstring(first)
    assert not list(tree.iter(f"{SVG}script"))
    assert "<script>" not in first and "&lt;script&gt;" in first
    assert tree.find(f"{SVG}title").text == label


def test_data_card_page_has_distribution_charts_and_links_to_its_models(site: Path) -> None:
    page = site / "project" / "docs" / "data" / "synthetic-data-0000"
    text = (page / "index.md").read_text()
    assert "**Models that use this dataset:**" in text
    assert "(../../models/synthetic-model-0001/index.md)" in text
    bars = _chart(page / "charts" / "data-csv.svg", "Group representation (data.csv)")
    assert sum(1 for r in bars.iter(f"{SVG}rect") if r.get("class") == "mark") == 2
    histogram = _chart(page / "charts" / "data-csv.svg", "Distribution of age (data.csv)")
    assert sum(1 for r in histogram.iter(f"{SVG}rect") if r.get("class") == "mark") == 8


def test_lineage_links_base_model_and_fine_tunes(site: Path) -> None:
    docs = site / "project" / "docs" / "models"
    child = (docs / "synthetic-model-0007" / "index.md").read_text()
    assert "- Base model: [Synthetic model 6](../../models/synthetic-model-0006/index.md)" in child
    base = (docs / "synthetic-model-0006" / "index.md").read_text()
    assert (
        "- Derived model: [Synthetic model 7](../../models/synthetic-model-0007/index.md)" in base
    )
    svg = ET.parse(docs / "synthetic-model-0007" / "lineage.svg")
    names = [g.get("data-name") for g in svg.iter(f"{SVG}g") if g.get("data-name")]
    assert names == ["synthetic-model-0006", "synthetic-model-0007"]


def test_the_builders_own_search_is_off_and_pagefind_indexes_every_card(site: Path) -> None:
    public = site / "project" / "public"
    config = yaml.safe_load((site / "project" / "mkdocs.yml").read_text())
    assert config["plugins"] == [{"search": {"enabled": False}}]
    assert config["extra_javascript"] == ["assets/cardgen/site.js"]
    assert not (public / "search").exists()  # no MkDocs search index: one search only
    indexed = _pagefind_fragments(public)
    for i in range(N_CARDS):
        kind = "data" if i % 5 == 0 else "model"
        name = f"synthetic-{kind}-{i:04d}"
        assert name in indexed[f"/{'data' if kind == 'data' else 'models'}/{name}/"]


def test_nav_lists_sections_only_and_sections_split_when_large(site: Path) -> None:
    config = yaml.safe_load((site / "project" / "mkdocs.yml").read_text())
    assert config["nav"] == [
        {"Home": "index.md"},
        {"Models": "models/index.md"},
        {"Datasets": "data/index.md"},
        {"Search": "find/index.md"},
        {"Audit": "audit/index.md"},
    ]
    pages = load_pages(site / "cards", site, jobs=1)
    sections = sections_of(pages, size=7)
    models = [s for s in sections if s.kind == "model"]
    assert [len(s.pages) for s in models] == [7, 7, 5]
    assert [s.label for s in models] == ["s (1 of 3)", "s (2 of 3)", "s (3 of 3)"]


def test_rebuild_with_nothing_changed_writes_no_file(site: Path, tmp_path: Path) -> None:
    pages = load_pages(site / "cards", site, jobs=1)
    out = tmp_path / "project"
    first = write_project(pages, out)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = write_project(load_pages(site / "cards", site, jobs=1), out)
    assert first.written > N_CARDS and first.history_changed == N_CARDS
    assert (again.written, again.removed, again.history_changed) == (0, 0, 0)
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_removed_card_loses_its_generated_page(site: Path, tmp_path: Path) -> None:
    pages = load_pages(site / "cards", site, jobs=1)
    out = tmp_path / "project"
    write_project(pages, out)
    gone = next(p for p in pages if p.name == "synthetic-model-0003")
    result = write_project([p for p in pages if p is not gone], out)
    # the page, its chart sheet and its evaluation sidecar
    assert result.removed == 1 + len(gone.files) == 3
    assert not (out / "docs" / "models" / "synthetic-model-0003" / "index.md").exists()


def test_history_rule_compares_delta_to_summed_half_widths() -> None:
    before = {"m": [0.80, 0.78, 0.82, 100], "n": [0.50, 0.45, 0.55, 100], "o": [0.1, None, None, 5]}
    after = {"m": [0.85, 0.84, 0.86, 100], "n": [0.56, 0.51, 0.61, 100], "p": [1.0, 0.9, 1.0, 5]}
    changes = {c.key: c for c in _history.changes(before, after)}
    assert changes["m"].delta == pytest.approx(0.05)
    assert changes["m"].exceeds_ci is True  # 0.05 > 0.02 + 0.02
    assert changes["n"].exceeds_ci is False  # 0.06 <= 0.05 + 0.05
    assert changes["o"].after is None and changes["p"].before is None
    assert changes["o"].exceeds_ci is None


def test_history_records_each_release_and_the_page_shows_deltas(tmp_path: Path) -> None:
    write_cards(tmp_path, 2, data_every=100)
    out = tmp_path / "project"
    write_project(load_pages(tmp_path / "cards", tmp_path, release="v1", jobs=1), out)
    write_project(load_pages(tmp_path / "cards", tmp_path, release="v1", jobs=1), out)
    history = out / "history" / "models" / "synthetic-model-0001.jsonl"
    assert len(history.read_text().splitlines()) == 1
    write_cards(tmp_path, 2, data_every=100, shift=0.15)  # same seed, accuracy up by 0.15
    write_project(load_pages(tmp_path / "cards", tmp_path, release="v2", jobs=1), out)
    releases = _history.read_history(history)
    assert [r.release for r in releases] == ["v1", "v2"]
    key = "test / overall / accuracy"
    old, new = releases[0].metrics[key], releases[1].metrics[key]
    page = (out / "docs" / "models" / "synthetic-model-0001" / "index.md").read_text()
    assert "**v1 → v2**" in page
    row = next(line for line in page.splitlines() if line.startswith(f"| {key} |"))
    assert row.endswith(f"| {new[0] - old[0]:+.3f} | yes |")
    before = history.read_bytes()
    write_project(load_pages(tmp_path / "cards", tmp_path, release="v3", jobs=1), out)
    assert history.read_bytes() == before  # a release that changes nothing adds nothing


def test_existing_mkdocs_yml_keeps_everything_but_nav(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "project"
    out.mkdir()
    mine = (
        "# my site\nsite_name: Our cards  # keep me\ntheme:\n  name: material\n"
        "  font: false\nnav:\n  - Home: index.md\n  - About: about.md\n"
        "extra:\n  env: !ENV [HOME, x]\n"
    )
    (out / "mkdocs.yml").write_text(mine)
    write_project(load_pages(site / "cards", site, jobs=1), out)
    text = (out / "mkdocs.yml").read_text()
    assert text.startswith("# my site\nsite_name: Our cards  # keep me\ntheme:\n")
    assert text.endswith("extra:\n  env: !ENV [HOME, x]\n")
    nav = yaml.safe_load(text.split("nav:", 1)[1].split("extra:", 1)[0].join(["nav:", ""]))
    assert nav["nav"] == [
        {"Home": "index.md"},
        {"About": "about.md"},
        {"Cards": "cards/index.md"},
        {"Models": "cards/models/index.md"},
        {"Datasets": "cards/data/index.md"},
        {"Search": "cards/find/index.md"},
        {"Audit": "cards/audit/index.md"},
    ]
    assert "# Our cards" in (out / "docs" / "cards" / "index.md").read_text()


def test_files_cardgen_did_not_write_are_never_overwritten(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "project"
    (out / "docs").mkdir(parents=True)
    (out / "docs" / "index.md").write_text("# Mine\n")
    with pytest.raises(CardgenError, match=r"would overwrite files it did not write: index\.md"):
        write_project(load_pages(site / "cards", site, jobs=1), out)
    assert (out / "docs" / "index.md").read_text() == "# Mine\n"
    assert not (out / "mkdocs.yml").exists()


def test_a_foreign_file_where_a_card_page_goes_stops_the_write_before_any_card(
    site: Path, tmp_path: Path
) -> None:
    pages = load_pages(site / "cards", site, jobs=1)
    out = tmp_path / "project"
    mine = out / "docs" / pages[-1].folder / "index.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("# Mine\n")
    with pytest.raises(CardgenError, match=rf"did not write: {pages[-1].folder}/index\.md"):
        write_project(pages, out)
    assert mine.read_text() == "# Mine\n"
    assert [p for p in (out / "docs").rglob("*") if p.is_file()] == [mine]


def test_mkdocs_failure_is_a_clear_error(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: no-such-theme\n")
    project = write_project(load_pages(site / "cards", site, jobs=1), out)
    with pytest.raises(CardgenError, match=r"(?s)mkdocs build --strict failed.*no-such-theme"):
        run_builder(project.config)


def test_invalid_spec_is_reported_and_nothing_is_built(tmp_path: Path) -> None:
    write_cards(tmp_path, 3)
    (tmp_path / "cards" / "broken.yaml").write_text("kind: model\nname: broken\nsummary: [\n")
    (tmp_path / "cards" / "wrong.yaml").write_text("kind: model\nname: wrong\nfactors: 3\n")
    result = CliRunner().invoke(
        cli,
        [
            "site",
            "build",
            "--cards",
            str(tmp_path / "cards"),
            "--out",
            str(tmp_path / "out"),
            "--facts",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1
    assert re.search(r"error: .*broken\.yaml:4:1: YAML syntax", result.output)
    assert re.search(r"error: .*wrong\.yaml:3:\d+: factors", result.output)
    assert not (tmp_path / "out").exists()


def test_no_specs_and_unwritable_out_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        cli, ["site", "build", "--cards", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "folder holds no spec files" in result.output
    write_cards(tmp_path, 1)
    (tmp_path / "file").write_text("")
    result = CliRunner().invoke(
        cli,
        [
            "site",
            "build",
            "--cards",
            str(tmp_path / "cards"),
            "--out",
            str(tmp_path / "file" / "out"),
            "--facts",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1
    assert "cannot write the site project here" in result.output


def test_site_commands_document_every_option() -> None:
    group = cli.commands["site"]
    for name in ("build", "serve"):
        command = group.commands[name]  # type: ignore[attr-defined]
        assert command.help
        for param in command.params:
            assert getattr(param, "help", None), f"site {name} {param.name} has no help"


def test_libyaml_and_reference_parsers_agree(tmp_path: Path) -> None:
    """Specs parse with libyaml when present; data and positions equal PyYAML's own."""
    assert spec_module._CSafeLoader is not None  # PyYAML wheels ship libyaml
    for path in sorted(EXAMPLES.glob("*.yaml")):
        text = path.read_text()
        fast = spec_module._compose(spec_module._FastSpecLoader(text), text, "x")
        reference = spec_module._compose(spec_module._SpecLoader(text), text, "x")
        assert (fast.data, fast.values, fast.keys) == (
            reference.data,
            reference.values,
            reference.keys,
        )
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: model\nname: x\nname: y\n")
    with pytest.raises(CardgenError, match=r"bad\.yaml:3:1: YAML syntax: duplicate key 'name'"):
        load_spec(bad)


def test_sharded_build_gives_the_same_site_as_one_process(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cardgen.site

    monkeypatch.setattr(cardgen.site, "SHARD_FROM", 10)
    # More slices than processes: at most 3 cards per mkdocs process, 2 processes at once.
    monkeypatch.setattr(cardgen.site._shards, "SHARD_PAGES", 3)
    done = build_site(site / "cards", tmp_path / "sharded", root=site, jobs=2)
    assert done.project.cards >= 10 and list(done.stages) == [
        "cards",
        "project",
        "mkdocs",
        "search",
    ]
    one = site / "project" / "public"
    sharded = tmp_path / "sharded" / "public"
    files = sorted(str(p.relative_to(one)) for p in one.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(sharded)) for p in sharded.rglob("*") if p.is_file())
    for name in files:
        if name.endswith(".html"):
            assert (one / name).read_text() == (sharded / name).read_text(), name
    assert not (tmp_path / "sharded" / ".cardgen-shards").exists()


def _pagefind_fragments(public: Path) -> dict[str, str]:
    """Page URL -> the text Pagefind indexed for it (fragments: gzip, a signature, JSON)."""
    signature = b"pagefind_dcd"
    texts = {}
    for fragment in (public / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(fragment.read_bytes())
        assert raw.startswith(signature)
        data = json.loads(raw[len(signature) :])
        texts[data["url"]] = data["content"]
    return texts


def test_full_text_index_leaves_out_the_audit_and_crosswalk_every_card_repeats(
    site: Path,
) -> None:
    public = site / "project" / "public"
    target = "synthetic-model-0001"
    html = (public / "models" / target / "index.html").read_text(encoding="utf-8")
    # The page shows both sections, inside the element Pagefind ignores.
    ignored = html[html.index('<div data-pagefind-ignore="all">') :]
    assert 'id="documentation-audit"' in ignored and 'id="regulation-crosswalk"' in ignored
    assert "cardgen:noindex" not in html
    indexed = _pagefind_fragments(public)[f"/models/{target}/"]
    assert target in indexed  # the card itself is indexed
    assert "Regulation crosswalk" not in indexed and "Documentation audit" not in indexed


class _Article(HTMLParser):
    """Links (resolved against the page's URL), images and heading ids inside a page's
    <article> (the page's own content)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.depth = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        if not self.depth:
            return
        values = dict(attrs)
        if tag == "a" and values.get("href") and not values.get("class"):
            self.found.append(f"a {urljoin(self.url, values['href'])}")
        elif tag == "img":
            self.found.append(f"img {values.get('src')} {values.get('alt')}")
        elif re.fullmatch(r"h[1-6]", tag) and values.get("id"):
            self.found.append(f"{tag} #{values['id']}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1


def _article(page: Path, public: Path) -> list[str]:
    parser = _Article("/" + str(page.relative_to(public)).removesuffix("index.html"))
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def test_zensical_builds_the_same_pages_links_charts_and_search(site: Path, tmp_path: Path) -> None:
    pytest.importorskip("zensical", reason="zensical needs Python 3.11 (cardgen[zensical])")
    build_site(site / "cards", tmp_path / "project", root=site, jobs=1, builder="zensical")
    one = site / "project" / "public"
    other = tmp_path / "project" / "public"
    pages = sorted(str(p.relative_to(one)) for p in one.rglob("*.html"))
    assert pages == sorted(str(p.relative_to(other)) for p in other.rglob("*.html"))
    assert len(pages) > N_CARDS
    for name in pages:
        if name != "404.html":  # each builder's own error page
            assert _article(one / name, one) == _article(other / name, other), name
    card = _article(other / "models" / "synthetic-model-0001" / "index.html", other)
    assert sum(item.startswith("img charts/test.svg#") for item in card) == 5
    for public in (one, other):
        assert not (public / "search").exists()
        assert (
            not (public / "search.json").exists()
            or json.loads((public / "search.json").read_text()).get("items") == []
        )  # Zensical writes an empty index when its search is off
        indexed = _pagefind_fragments(public)
        assert sorted(indexed) == sorted(
            f"/{p.parent.parent.name}/{p.parent.name}/"
            for p in public.glob("*/*/index.html")
            if p.parent.parent.name in ("models", "data")
        )


def test_site_build_says_once_that_material_ends_and_how_to_switch(
    site: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cardgen",
            "site",
            "build",
            "--cards",
            str(site / "cards"),
            "--facts",
            str(site),
            "--out",
            str(tmp_path / "project"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr.count(END_OF_LIFE_NOTICE) == 1
    assert "--builder zensical" in END_OF_LIFE_NOTICE and "2027" in END_OF_LIFE_NOTICE
    assert "Material for MkDocs reaches end of life" not in done.stderr + done.stdout
    quiet = CliRunner().invoke(
        cli,
        [
            *("site", "build", "--no-build", "--cards", str(site / "cards")),
            *("--facts", str(site), "--out", str(tmp_path / "other")),
        ],
    )
    assert quiet.exit_code == 0 and END_OF_LIFE_NOTICE not in quiet.output
