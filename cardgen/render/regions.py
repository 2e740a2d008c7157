"""Regenerate a README in place: replace only the text between cardgen's markers.

Everything outside `<!-- cardgen:begin NAME -->` ... `<!-- cardgen:end NAME -->` stays
byte for byte; this module never invents content, it only splices generated regions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import CardgenError

_MARKER = re.compile(r"<!-- cardgen:(begin|end) ([A-Za-z0-9_.-]+) -->")
_FRONT_MATTER = re.compile(r"\A(\ufeff?---[ \t]*(\r\n|\n))(.*?)(\r?\n---[ \t]*(?:\r\n|\n|\Z))",
                           re.DOTALL)


@dataclass(frozen=True)
class Region:
    """A generated region: its name and where its content starts and ends in the text."""

    name: str
    start: int
    end: int


def find_regions(text: str, source: str = "<text>") -> dict[str, Region]:
    """Locate every marker pair.

    Raises:
        CardgenError: on an unmatched, nested or repeated marker, naming the line.
    """
    regions: dict[str, Region] = {}
    open_name: str | None = None
    open_end = 0
    for match in _MARKER.finditer(text):
        kind, name = match.groups()
        line = text.count("\n", 0, match.start()) + 1
        if kind == "begin":
            if open_name is not None:
                raise CardgenError(f"{source}:{line}: region {name!r} begins inside region "
                                   f"{open_name!r}; close it first with "
                                   f"<!-- cardgen:end {open_name} -->")
            if name in regions:
                raise CardgenError(f"{source}:{line}: region {name!r} appears twice")
            open_name, open_end = name, match.end()
        else:
            if open_name != name:
                raise CardgenError(f"{source}:{line}: <!-- cardgen:end {name} --> has no "
                                   "matching begin marker")
            regions[name] = Region(name, open_end, match.start())
            open_name = None
    if open_name is not None:
        raise CardgenError(f"{source}: region {open_name!r} is never closed "
                           f"(add <!-- cardgen:end {open_name} -->)")
    return regions


def split_front_matter(text: str) -> tuple[str | None, str]:
    """The YAML front matter block (with its fences) and the rest of the text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    return match.group(0), text[match.end():]


def _merge_front_matter(existing_block: str | None, generated: dict[str, Any],
                        newline: str, source: str) -> str:
    if not generated and existing_block is None:
        return ""
    existing: dict[str, Any] = {}
    if existing_block is not None:
        body = _FRONT_MATTER.match(existing_block)
        assert body is not None
        try:
            loaded = yaml.safe_load(body.group(3))
        except yaml.YAMLError as exc:
            raise CardgenError(f"{source}: its YAML front matter does not parse ({exc}); "
                               "fix it or render with --force") from None
        existing = loaded if isinstance(loaded, dict) else {}
    # Keys cardgen generates are updated; keys only the README has (widget, extra tags
    # of the author's, ...) are kept, in their order.
    merged = {**existing, **generated}
    if existing_block is not None and merged == existing:
        return existing_block
    from huggingface_hub.utils import yaml_dump  # the Hub's own YAML style; loaded on use

    dumped = yaml_dump(merged, sort_keys=False).strip().replace("\n", newline)
    return f"---{newline}{dumped}{newline}---{newline}"


def merge_readme(existing: str, generated: str, generated_front_matter: dict[str, Any],
                 source: str = "README.md") -> tuple[str, list[str]]:
    """Splice generated regions and front matter into an existing README.

    Args:
        existing: the README as it is now; it must contain cardgen markers.
        generated: the freshly rendered body (with markers, without front matter).
        generated_front_matter: the metadata cardgen manages.
        source: the file's name, for messages.

    Returns:
        The new text, and the names of generated regions the README has no place for
        (the author removed them; they are not re-added).

    Raises:
        CardgenError: if the README has no markers, or malformed ones.
    """
    old_regions = find_regions(existing, source)
    if not old_regions:
        raise CardgenError(f"{source}: has no <!-- cardgen:begin NAME --> markers, so cardgen "
                           "cannot tell its text from yours; pass --force to overwrite it")
    new_regions = find_regions(generated, "<generated>")
    crlf = existing.count("\r\n")
    newline = "\r\n" if crlf > existing.count("\n") - crlf else "\n"
    front_block, _ = split_front_matter(existing)
    pieces = []
    cursor = 0
    if front_block is not None:
        cursor = len(front_block)
    for region in sorted(old_regions.values(), key=lambda r: r.start):
        pieces.append(existing[cursor:region.start])
        if region.name in new_regions:
            new = new_regions[region.name]
            content = generated[new.start:new.end]
            pieces.append(content.replace("\n", newline) if newline != "\n" else content)
        else:
            pieces.append(existing[region.start:region.end])
        cursor = region.end
    pieces.append(existing[cursor:])
    merged_front = _merge_front_matter(front_block, generated_front_matter, newline, source)
    missing = sorted(set(new_regions) - set(old_regions))
    return merged_front + "".join(pieces), missing
