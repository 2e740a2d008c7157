"""Check that an import source is a Markdown card, and take a README's edits back into a spec.

It reads READMEs and rewrites only the prose, layout and metadata parts of a spec (comments
and everything else kept); it never renders and never touches collected facts.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from .._io import atomic_write_text
from ..errors import CardgenError

_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x1f\x8b": "gzip-compressed data",
    b"PAR1": "a Parquet file",
    b"\x7fELF": "a program",
    b"SQLite format 3": "an SQLite database",
    b"ARROW1": "an Arrow file",
}
FACT_REGIONS = ("results", "profile")
"""Regions cardgen fills from collected facts: never prose to take into a spec."""


def refuse_non_markdown(data: bytes, source: str) -> None:
    """Raise unless `data` can be a Markdown card; the message names what was found.

    Raises:
        CardgenError: empty input, a binary file, JSON, or a delimited (CSV/TSV) table.
    """
    what = _what_it_is(data)
    if what is not None:
        raise CardgenError(
            f"{source}: not a Markdown card: {what}; give the card's "
            "README.md (Markdown, optionally with YAML front matter)"
        )


def _what_it_is(data: bytes) -> str | None:
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        return "the file is empty"
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return f"it is {what}"
    head = data[:8192]
    if b"\x00" in head:
        return f"it is binary data (a NUL byte at offset {head.index(0)})"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if text[:1] in "[{":
        try:
            parsed = json.loads(data.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            pass
        else:
            kind = "an object" if isinstance(parsed, dict) else "an array"
            return f"it is JSON ({kind})"
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) >= 2 and not any(
        line.lstrip().startswith(("#", "---", "<", "|", "-", "*")) for line in lines
    ):
        for delimiter, name in (
            (",", "comma-separated table (CSV)"),
            ("\t", "tab-separated table (TSV)"),
            (";", "semicolon-separated table (CSV)"),
        ):
            counts = {line.count(delimiter) for line in lines}
            # Prose puts a space after its commas; a table's fields seldom start with one.
            spaced = sum(line.count(delimiter + " ") for line in lines)
            total = sum(line.count(delimiter) for line in lines)
            if len(counts) == 1 and min(counts) >= 1 and spaced * 2 < total:
                return (
                    f"it looks like a {name}: each of its first {len(lines)} lines "
                    f"has {min(counts) + 1} fields"
                )
    return None


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
        CardgenError: the README is not a Markdown card, or the spec does not load.
    """
    from ..sections import DATA_SECTIONS, LAYOUT_KEY, MODEL_SECTIONS
    from ..spec import load_spec
    from .importer import METADATA_KEY, readme_to_spec

    refuse_non_markdown(data, source)
    card = load_spec(spec_path)
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
