"""The site's mkdocs.yml read by both builders' own parsers, older configs upgraded, the
builder choice checked, chart colours and text alternatives. No build runs here."""

from __future__ import annotations

import logging
import random
import re
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cardgen.cli import cli
from cardgen.errors import CardgenError
from cardgen.site import _builders, _charts, _pages, new_config, upgrade_config

NAV = [{"Home": "index.md"}, {"Search": "find/index.md"}]


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Cards\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(text)
    return config


def test_new_config_reads_the_same_in_mkdocs_and_zensical(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    config = _project(tmp_path, new_config("Our cards", NAV))
    mkdocs = load_config(str(config))
    assert mkdocs["site_name"] == "Our cards"
    assert [str(s) for s in mkdocs["extra_javascript"]] == ["assets/cardgen/site.js"]
    assert "search" not in mkdocs["plugins"]  # the builder's own search is off
    assert mkdocs["theme"].name == "material" and mkdocs["theme"]["font"] is False
    assert mkdocs["validation"]["links"]["anchors"] == logging.DEBUG  # MkDocs' "ignore"
    pytest.importorskip("zensical", reason="zensical needs Python 3.11 (cardgen[zensical])")
    from zensical.config import parse_mkdocs_config

    zensical = parse_mkdocs_config(str(config))
    assert zensical["site_name"] == "Our cards"
    assert [s["path"] for s in zensical["extra_javascript"]] == ["assets/cardgen/site.js"]
    assert zensical["extra_css"] == ["assets/cardgen/cardgen.css"]
    assert zensical["plugins"]["search"]["config"]["enabled"] is False
    assert zensical["theme"]["variant"] == "classic" and zensical["theme"]["font"] is False
    assert zensical["validation"]["invalid_link_anchors"] is False
    assert zensical["validation"]["invalid_links"] is True
    assert (zensical["docs_dir"], zensical["site_dir"]) == ("docs", "public")
    assert zensical["use_directory_urls"] is True


OLD_CONFIG = """# Written by `cardgen site build`. Edit freely: on later builds cardgen only
# rewrites `nav`. Plain MkDocs + Material settings (no plugins beyond search),
# so other MkDocs-compatible builders can read it too.
site_name: Team cards  # ours
docs_dir: docs
site_dir: public
use_directory_urls: true
theme:
  name: material
  font: false
plugins:
- search
markdown_extensions:
- tables
nav:
- Home: index.md
"""


def test_a_config_an_older_cardgen_wrote_gets_this_ones_search(tmp_path: Path) -> None:
    upgraded = upgrade_config(OLD_CONFIG)
    assert upgraded.startswith(OLD_CONFIG.split("plugins:")[0])  # edits kept byte for byte
    data = yaml.safe_load(upgraded)
    assert data["plugins"] == [{"search": {"enabled": False}}]
    assert data["extra_javascript"] == ["assets/cardgen/site.js"]
    assert data["validation"] == {"anchors": "ignore"}
    assert upgrade_config(upgraded) == upgraded  # once is enough
    edited = OLD_CONFIG.replace("- search\n", "- search\n- tags\n") + (
        "extra_javascript:\n- js/mine.js\n"
    )
    kept = yaml.safe_load(upgrade_config(edited))
    assert kept["plugins"] == ["search", "tags"]  # a plugin list the user changed stays
    assert kept["extra_javascript"] == ["js/mine.js"]


def test_unknown_or_missing_builder_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CardgenError, match=r"unknown site builder 'hugo'; choose one of mkdocs"):
        _builders.check_builder("hugo")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "zensical" else real(name)
    )
    with pytest.raises(CardgenError, match=r"zensical is not installed: pip install 'cardgen\["):
        _builders.check_builder("zensical")
    result = CliRunner().invoke(cli, ["site", "build", "--builder", "zensical"])
    assert result.exit_code == 1
    assert "zensical is not installed" in result.output


def test_builder_commands_and_failure_messages() -> None:
    config = Path("p/mkdocs.yml")
    assert _builders.builder_command("zensical", config) == [
        sys.executable,
        "-m",
        "zensical",
        "build",
        "-f",
        "p/mkdocs.yml",
        "--strict",
    ]
    assert _builders.builder_command("mkdocs", config, strict=False)[2:5] == [
        "mkdocs",
        "build",
        "-q",
    ]
    output = (
        "\x1b[33mWarning:\x1b[0m page does not exist\n  index.md:25:10\n"
        "Traceback (most recent call last):\n  File x\nRuntimeError: Aborted because --strict\n"
    )
    assert _builders.failure_detail(output, 1) == (
        "Warning: page does not exist\n  index.md:25:10\nRuntimeError: Aborted because --strict"
    )
    assert _builders.builder_env()["NO_MKDOCS_2_WARNING"] == "1"


def _contrast(foreground: str, background: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_chart_colours_meet_wcag_aa_contrast_on_white() -> None:
    # The formula against WebAIM's published ratios: #767676 is the lightest grey that
    # passes 4.5:1 on white (4.54:1), #777777 fails it (4.48:1).
    assert round(_contrast("#767676"), 2) == 4.54
    assert round(_contrast("#777777"), 2) == 4.48
    rules = dict(re.findall(r"\.cardgen-chart ([^{]+)\{([^}]*)\}", _charts._STYLE))

    def colours(rule: str, properties: str) -> list[str]:
        found = re.findall(rf"(?:{properties}):#([0-9a-f]{{6}}|[0-9a-f]{{3}})\b", rules[rule])
        return ["#" + (c if len(c) == 6 else "".join(x * 2 for x in c)) for c in found]

    for rule in ["text", ".undefined", ".flag", ".current-label"]:
        (colour,) = colours(rule, "fill")
        background = "#3f51b5" if rule == ".current-label" else "#ffffff"
        assert _contrast(colour, background) >= 4.5, (rule, colour)  # text: 4.5:1
    for rule in [".mark", ".mark.small", ".ci", ".ci.small", ".reference", ".node", ".edge"]:
        drawn = [c for c in colours(rule, "fill|stroke") if c != "#ffffff"]
        assert drawn, rule
        # graphical objects: 3:1 against the white page (WCAG 1.4.11)
        assert max(_contrast(c) for c in drawn) >= 3.0, (rule, drawn)


def test_text_alternatives_name_lowest_highest_and_reference() -> None:
    points = [
        _charts.Point("a", 0.5, 0.4, 0.6, 100),
        _charts.Point("b", 0.9, 0.85, 0.95, 40),
        _charts.Point("c", 0.2, None, None, 12, small=True),
        _charts.Point("d", None, reason="no positives"),
    ]
    assert _charts.describe_dots(points, 0.55, "overall") == (
        "Dot chart of 4 rows: lowest c 0.200, highest b 0.900 [0.850, 0.950]; dashed line "
        "at 0.550 (overall). 1 with too few observations (hollow orange marks). "
        "1 undefined (no value drawn)."
    )
    bars = [_charts.Bar("x", 0.7, text="70 (70.0%)"), _charts.Bar("y", 0.3, True, "30 (30.0%)")]
    assert _charts.describe_bars(bars) == (
        "Bar chart of 2 groups: largest x 70 (70.0%), smallest y 30 (30.0%). "
        "1 with too few rows (hollow orange bars)."
    )
    assert _charts.describe_histogram([0.0, 1.0, 2.0, 3.0], [5, 9, 1]) == (
        "Histogram of 15 values in 3 equal bins from 0.000 to 3.000; the fullest bin, "
        "[1.000, 2.000], holds 9."
    )


def test_stacked_sheet_gives_each_chart_a_view_of_its_own_size() -> None:
    first = _charts.dot_chart("a", [_charts.Point("g", 0.5)] * 3)
    second = _charts.histogram("b", [0.0, 1.0], [4])
    sheet = _charts.stack("both", [("first", first), ("second", second)])
    root = sheet.split(">", 1)[0]
    assert "width=" not in root.replace("stroke-width", "") and 'viewBox="0 0 680 ' in root
    heights = [_charts.height(first), _charts.height(second)]
    assert heights == [34 + 3 * 22 + 34, 200]
    assert f'<view id="first" viewBox="0 0 680 {heights[0]}"/>' in sheet
    assert f'<view id="second" viewBox="0 {heights[0] + 12} 680 {heights[1]}"/>' in sheet


def test_charts_with_many_rows_keep_those_furthest_from_the_reference() -> None:
    rng = random.Random(3)
    points = [_charts.Point(f"g{i}", rng.random()) for i in range(120)]
    points[7] = _charts.Point("g7", None, reason="undefined")
    kept = _pages._furthest_points(points, 0.5)
    assert len(kept) == _charts.ROWS_MAX == 50
    by_distance = sorted(
        (p for p in points if p.value is not None), key=lambda p: abs(p.value - 0.5)
    )
    assert {p.label for p in kept} == {p.label for p in by_distance[-50:]}
    assert [p.label for p in kept] == [p.label for p in points if p in kept]  # order kept
    assert _pages._furthest_points(points[:50], 0.5) == points[:50]
    tall = _charts.dot_chart("t", kept)
    assert _charts.height(tall) <= 1200
