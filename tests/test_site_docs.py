"""The project's own documentation: generated references are current and the site builds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cardgen._docs import cli_reference, generated_pages, stale_pages
from cardgen.cli import cli

# mkdocs builds, the demo, wheels or servers: left out of `make test-fast`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_generated_reference_pages_are_up_to_date() -> None:
    assert stale_pages(ROOT) == [], "run `python -m cardgen._docs` and commit site/"


def test_cli_reference_shows_every_commands_help() -> None:
    text = cli_reference()
    for name, command in cli.commands.items():
        assert f"## cardgen {name}\n" in text
        for sub in getattr(command, "commands", {}):
            assert f"## cardgen {name} {sub}\n" in text
    assert "--cards PATH" in text and "Folder of card specs" in text


def test_schema_reference_lists_every_schema_field() -> None:
    pages = generated_pages(ROOT)
    model = pages["reference/schemas/model-card.md"]
    assert "| `name` (required) | string | Card identifier" in model
    assert "## MetricValue" in pages["reference/schemas/evaluation.md"]
    assert {p for p in pages if p.startswith("reference/schemas/")} == {
        f"reference/schemas/{p.name.removesuffix('.schema.json')}.md"
        for p in (ROOT / "schemas").glob("*.schema.json")
    } | {"reference/schemas/index.md"}


def test_project_docs_build_strictly_and_load_nothing_from_elsewhere(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["theme"]["font"] is False
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "public"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    pages = list((tmp_path / "public").rglob("*.html"))
    assert len(pages) >= 11
    for page in pages:
        loads = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', page.read_text())
        assert loads == [], page
