"""The Hub's own rule for a README's metadata block, in import, render, regeneration, audit
and push, checked against huggingface_hub's parser.

huggingface_hub's `REGEX_YAML_BLOCK` is "the exact same regex as in the Hub server": a block
may follow blank lines and spaces, and CRLF line breaks count. huggingface_hub reads a file
with `utf-8-sig` (`metadata_load`), so a byte order mark is no obstacle either. For every
shared Hub card and for edge cases built here, cardgen must read the same metadata and the
same `model-index` results (`model_index_to_eval_results`) as huggingface_hub, and an
imported card rendered back must give huggingface_hub the same again, with no cardgen region
before the block.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub.repocard import REGEX_YAML_BLOCK
from huggingface_hub.repocard_data import model_index_to_eval_results

from cardgen import frontmatter
from cardgen.audit import audit_paths
from cardgen.cli import cli
from cardgen.facts import new_provenance
from cardgen.hub.importer import parse_readme
from cardgen.hub.model_index import read_model_index
from cardgen.hub.push import push_card

MODEL_INDEX = """\
model-index:
- name: tiny-sentiment
  results:
  - task:
      type: text-classification
    dataset:
      name: IMDB
      type: imdb
      split: test
    metrics:
    - type: accuracy
      value: 0.91
    - type: f1
      value: 0.88
      name: f1
    - type: f1
      value: 0.86
      name: f1 macro
"""
METADATA = "license: apache-2.0\ntags:\n- sentiment\nlanguage:\n- en\n" + MODEL_INDEX
BODY = "# Tiny sentiment\n\nA small classifier.\n\n---\n\n## Uses\n\nReviews.\n"

EDGE_CASES = {
    "plain": f"---\n{METADATA}---\n{BODY}",
    "blank lines first": f"\n\n---\n{METADATA}---\n{BODY}",
    "spaces first": f"   \n  ---\n{METADATA}---\n{BODY}",
    "indented block": "\n---\n"
    + "".join(f"    {line}\n" for line in METADATA.splitlines())
    + f"---\n{BODY}",
    "byte order mark": f"\ufeff---\n{METADATA}---\n{BODY}",
    "byte order mark and blank line": f"\ufeff\n---\n{METADATA}---\n{BODY}",
    "crlf": f"---\n{METADATA}---\n{BODY}".replace("\n", "\r\n"),
    "crlf after blank lines": f"\n\n---\n{METADATA}---\n{BODY}".replace("\n", "\r\n"),
    "closing fence with spaces": f"---\n{METADATA}---  \n{BODY}",
    "no metadata, a rule in the body": f"# Title\n\n---\n{METADATA}---\n",
    "opening fence with a space": f"--- \n{METADATA}---\n{BODY}",
    "empty block": f"---\n\n---\n{BODY}",
    "two fences, then prose": f"---\n---\n{BODY}",
}
"""Cards built here, so that the rule is tested without the shared data."""


INVALID = "<not YAML>"
"""What `hub_split` gives for a block huggingface_hub cannot load."""


def hub_split(data: bytes) -> tuple[Any, str]:
    """The metadata and body huggingface_hub finds (`metadata_load` reads utf-8-sig)."""
    text = data.decode("utf-8-sig", errors="replace")
    match = REGEX_YAML_BLOCK.search(text)
    if match is None:
        return None, text
    try:
        return yaml.safe_load(match.group(2)) or {}, text[match.end() :]
    except yaml.YAMLError:
        return INVALID, text[match.end() :]


def same_data(hub: Any, ours: Any) -> bool:
    """Equal, except where YAML 1.1 (huggingface_hub's PyYAML) and YAML 1.2 (cardgen, as the
    Hub server) resolve one plain scalar differently: `no`, `on`, dates."""
    if isinstance(hub, dict) and isinstance(ours, dict):
        return hub.keys() == ours.keys() and all(same_data(hub[k], ours[k]) for k in hub)
    if isinstance(hub, list) and isinstance(ours, list):
        return len(hub) == len(ours) and all(
            same_data(a, b) for a, b in zip(hub, ours, strict=True)
        )
    if hub == ours or (hub != hub and ours != ours):  # NaN
        return True
    if isinstance(hub, (bool, dt.date, int, float)) and isinstance(ours, str):
        return yaml.safe_load(ours) == hub
    return False


def hub_results(metadata: dict[str, Any] | None) -> list[tuple[Any, ...]] | None:
    """(task, dataset, split, metric type, value) of every result huggingface_hub reads."""
    model_index = (metadata or {}).get("model-index")
    if not model_index:
        return []
    try:
        _, results = model_index_to_eval_results(model_index)
    except (KeyError, TypeError, ValueError):
        return None  # huggingface_hub refuses it; nothing to compare
    return sorted(
        [
            (r.task_type, r.dataset_type, r.dataset_split, r.metric_type, _number(r.metric_value))
            for r in results
        ],
        key=repr,
    )


def cardgen_results(metadata: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The same tuples from cardgen's reading of the model-index (`collect hub`)."""
    if not metadata.get("model-index"):
        return []
    evaluations = read_model_index(
        metadata["model-index"], [], provenance=new_provenance("hub"), dataset_url=str
    )
    found = []
    for evaluation in evaluations:
        dataset = evaluation.dataset
        assert dataset is not None
        for key, value in evaluation.overall.items():
            raw = evaluation.details.get("reported_text", {}).get(key)
            found.append(
                (
                    evaluation.details["task_type"],
                    dataset.uri,
                    dataset.split,
                    key.split(":")[0],
                    _number(raw if raw is not None else value.value),
                )
            )
    return sorted(found, key=repr)


def _number(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def check_reading(data: bytes) -> None:
    """cardgen's parse of a README matches huggingface_hub's: metadata, body, results."""
    hub_metadata, hub_body = hub_split(data)
    parsed = parse_readme(data)
    assert (parsed.front_matter_text is None) == (hub_metadata is None)
    if isinstance(hub_metadata, dict):
        assert same_data(hub_metadata, parsed.metadata)
    elif hub_metadata == INVALID:
        assert parsed.metadata == {}
        assert any(w.startswith("front matter is not valid YAML") for w in parsed.warnings)
    elif hub_metadata is not None:  # huggingface_hub refuses a block that is not a mapping
        assert parsed.metadata == {}
        assert "front matter is not a mapping; kept as text" in parsed.warnings
    assert parsed.body.strip() == hub_body.replace("\r\n", "\n").strip()
    expected = hub_results(hub_metadata) if isinstance(hub_metadata, dict) else []
    if expected is not None:
        assert cardgen_results(parsed.metadata) == expected


def import_and_render(data: bytes, folder: Path) -> str:
    """`cardgen import README.md` then `cardgen render --format hub`, through the CLI."""
    (folder / "README.md").write_bytes(data)
    spec = folder / "cards" / "card.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(folder / "README.md"), "--out", str(spec)])
    assert result.exit_code == 0, result.output
    out = folder / "out" / "README.md"
    result = runner.invoke(cli, ["render", str(spec), "--out", str(out), "--facts", str(folder)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def check_round_trip(data: bytes, rendered: str) -> None:
    """huggingface_hub reads from the rendered README what it read from the original, and
    no cardgen marker comes before the metadata block."""
    before, _ = hub_split(data)
    after, _ = hub_split(rendered.encode("utf-8"))
    if isinstance(before, dict) and before:
        assert after is not None, "the rendered README lost its metadata block"
        assert hub_results(after) == hub_results(before)
        assert {k: v for k, v in after.items()} == before
        match = REGEX_YAML_BLOCK.search(rendered)
        assert match is not None and "<!-- cardgen:" not in rendered[: match.end()]


def test_the_block_pattern_is_huggingface_hubs_with_the_byte_order_mark() -> None:
    assert frontmatter.BLOCK.pattern == REGEX_YAML_BLOCK.pattern.replace(
        r"^(\s*---", r"^([\s\ufeff]*---", 1
    )


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_cases_read_as_huggingface_hub_reads_them(name: str) -> None:
    check_reading(EDGE_CASES[name].encode("utf-8"))


def test_edge_cases_find_the_metadata_that_the_old_rule_missed() -> None:
    found = {
        name: parse_readme(text.encode("utf-8")).metadata.get("license")
        for name, text in EDGE_CASES.items()
    }
    assert found == {
        **dict.fromkeys(EDGE_CASES, "apache-2.0"),
        "no metadata, a rule in the body": None,
        "opening fence with a space": None,
        "empty block": None,
        "two fences, then prose": None,
    }


def test_a_result_reported_twice_under_one_type_is_read_twice() -> None:
    results = cardgen_results(parse_readme(EDGE_CASES["plain"].encode()).metadata)
    assert [r[3:] for r in results] == [("accuracy", 0.91), ("f1", 0.86), ("f1", 0.88)]


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_cases_survive_import_and_render(name: str, tmp_path: Path) -> None:
    data = EDGE_CASES[name].encode("utf-8")
    check_round_trip(data, import_and_render(data, tmp_path))


def test_regenerating_a_readme_keeps_the_block_and_what_precedes_it(tmp_path: Path) -> None:
    data = EDGE_CASES["blank lines first"].encode("utf-8")
    rendered = import_and_render(data, tmp_path)
    # The author adds blank lines and a tag before the block of the rendered README.
    out = tmp_path / "out" / "README.md"
    edited = "\n\n" + rendered.replace("- sentiment\n", "- sentiment\n- reviews\n", 1)
    out.write_text(edited, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "render",
            str(tmp_path / "cards" / "card.yaml"),
            "--out",
            str(out),
            "--facts",
            str(tmp_path),
            "--keep-edits",
        ],
    )
    assert result.exit_code == 0, result.output
    again = out.read_text(encoding="utf-8")
    assert again.startswith("\n\n---\n")
    metadata, _ = hub_split(again.encode())
    assert metadata is not None and metadata["tags"] == ["sentiment", "reviews"]
    assert hub_results(metadata) == hub_results(hub_split(data)[0])
    match = REGEX_YAML_BLOCK.search(again)
    assert match is not None and "<!-- cardgen:" not in again[: match.end()]


def test_audit_counts_the_metadata_after_blank_lines(tmp_path: Path) -> None:
    for name in ("blank lines first", "byte order mark", "crlf after blank lines"):
        (tmp_path / f"{name.replace(' ', '-')}.md").write_bytes(EDGE_CASES[name].encode())
    report = audit_paths([tmp_path])
    assert len(report.cards) == 3
    for card in report.cards:
        fields = card.fields
        assert fields["license"] == "filled", card.source
        assert fields["eval_results"] == "filled", card.source


def test_push_sends_the_metadata_of_an_imported_card(tmp_path: Path) -> None:
    data = EDGE_CASES["crlf after blank lines"].encode("utf-8")
    import_and_render(data, tmp_path)
    result = push_card(tmp_path / "cards" / "card.yaml", "org/tiny", dry_run=True, root=tmp_path)
    check_round_trip(data, result.readme)
