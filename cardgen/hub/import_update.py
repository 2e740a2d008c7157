"""Check that an import source is a Markdown card, and take a README's edits back into a spec.

It reads READMEs and rewrites only the prose, layout and metadata parts of a spec (comments
and everything else kept); it never renders and never touches collected facts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from .._io import atomic_write_text
from ..errors import CardgenError
from ._markdown import refuse_non_markdown

FACT_REGIONS = ("results", "profile")
"""Regions cardgen fills from collected facts: never prose to take into a spec."""


def _without_fact_regions(text: str) -> str:
    for name in FACT_REGIONS:
        text = re.sub(
            rf"<!-- cardgen:begin {name}(?: h=\w+)? -->.*?<!-- cardgen:end {name} -->"
            r"[ \t]*\n?",
            "",
            text,
            flags=re.DOTALL,
        )
    return text


def _edited_regions_text(text: str) -> str:
    """The text of the regions edited by hand since cardgen wrote them, one after another."""
    from ..render.regions import find_regions

    return "\n\n".join(
        text[r.start : r.end]
        for r in sorted(find_regions(text).values(), key=lambda r: r.start)
        if r.edited(text)
    )


def _set_path(node: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        if part not in node or not isinstance(node[part], dict):
            if value is None:
                return
            node[part] = {}
        node = node[part]
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


def _get_path(node: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def update_spec(
    data: bytes, spec_path: Path, source: str = "README.md"
) -> tuple[list[str], list[str]]:
    """Take a README's text back into the spec it was rendered from.

    For an imported card (one with an import layout) the whole README is read again: its
    prose, layout and front matter replace the spec's. For a card rendered from the
    template only the regions edited by hand are read. Regions of collected facts are
    never taken. Everything else in the spec, comments included, stays.

    Args:
        data: the README's bytes.
        spec_path: the spec to update in place (written atomically).
        source: the README's name, for messages.

    Returns:
        (the dotted paths that changed, warnings).

    Raises:
        CardgenError: the README is not a Markdown card, the spec does not load or is a
            governance card.
    """
    from ..sections import DATA_SECTIONS, LAYOUT_KEY, MODEL_SECTIONS
    from ..spec import load_spec
    from .importer import METADATA_KEY, readme_to_spec

    refuse_non_markdown(data, source)
    card = load_spec(spec_path)
    if card.kind == "governance":
        raise CardgenError(
            f"{spec_path}: a governance card is written in its spec; `import --update` "
            "takes edits back into model and data card specs only"
        )
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    tree = yaml.load(spec_path.read_text(encoding="utf-8"))
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    imported = LAYOUT_KEY in card.extra
    if not imported:
        from ..render.regions import split_front_matter

        front, _ = split_front_matter(text)
        text = (front or "") + _edited_regions_text(text)
    result = readme_to_spec(_without_fact_regions(text), card.name, kind=card.kind)
    new = result.spec
    table = DATA_SECTIONS if card.kind == "data" else MODEL_SECTIONS
    paths = sorted({*table.values(), "title", "summary"})
    if imported:
        paths += ["extra_sections", f"extra.{LAYOUT_KEY}"]
    changed: list[str] = []
    for path in paths:
        value = _get_path(new, path)
        if not imported and value is None:
            continue  # a template card: only what the edited regions hold
        if _get_path(tree, path) != value:
            _set_path(tree, path, _literal(value))
            changed.append(path)
    # Front matter: metadata fields and the keys kept verbatim, as the README has them now;
    # a `model-index` of cardgen's own results is output, not input.
    hub_metadata = dict(_get_path(new, f"extra.{METADATA_KEY}") or {})
    if _cardgen_results(hub_metadata.get("model-index")):
        hub_metadata.pop("model-index")
    for path, value in (
        ("metadata", new.get("metadata")),
        (f"extra.{METADATA_KEY}", hub_metadata or None),
    ):
        if _get_path(tree, path) != value and (value or _get_path(tree, path)):
            _set_path(tree, path, _literal(value))
            changed.append(path)
    if changed:
        stream = io.StringIO()
        yaml.dump(tree, stream)
        from ..spec import loads_spec

        loads_spec(stream.getvalue(), str(spec_path))  # never write a spec that fails
        atomic_write_text(spec_path, stream.getvalue())
    # A README rendered from a card without metadata has no front matter: nothing to say.
    return changed, [w for w in result.warnings if not w.startswith("no YAML front matter")]


def _cardgen_results(model_index: Any) -> bool:
    entries = model_index if isinstance(model_index, list) else []
    return any(
        isinstance(result, dict)
        and isinstance(result.get("source"), dict)
        and result["source"].get("name") == "cardgen"
        for entry in entries
        if isinstance(entry, dict)
        for result in entry.get("results") or []
    )


def _literal(value: Any) -> Any:
    """Multi-line prose as `|` blocks, so the spec stays readable."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, dict):
        return {key: _literal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_literal(item) for item in value]
    return value
