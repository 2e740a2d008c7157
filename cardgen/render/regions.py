"""Regenerate a README in place: replace only the text between cardgen's markers.

Everything outside `<!-- cardgen:begin NAME -->` ... `<!-- cardgen:end NAME -->` stays
byte for byte; this module never invents content, it only splices generated regions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .. import frontmatter
from ..errors import CardgenError
from ..sections import heading_rank, region_rank
from .layout import insertion_index, region_hash

Edits = Literal["error", "keep", "overwrite"]
"""What to do with a region edited by hand: stop, leave it, or replace it."""

_MARKER = re.compile(r"<!-- cardgen:(begin|end) ([A-Za-z0-9_.-]+)(?: h=([0-9a-f]+))? -->")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
EDIT_HINT = (
    "pass --keep-edits to leave edited text as it is, --overwrite-edits to replace "
    "it, or take it into the spec with `cardgen import README.md --update SPEC`"
)


@dataclass(frozen=True)
class Region:
    """A generated region: its name, where its begin marker and its content are, and the
    hash of the text cardgen wrote there (None for markers written before hashes)."""

    name: str
    start: int
    end: int
    begin: int = 0
    recorded: str | None = None
    line: int = 0

    def edited(self, text: str) -> bool:
        """Whether the region's text differs from what cardgen recorded writing."""
        return (
            self.recorded is not None and region_hash(text[self.start : self.end]) != self.recorded
        )


def find_regions(text: str, source: str = "<text>") -> dict[str, Region]:
    """Locate every marker pair.

    Raises:
        CardgenError: on an unmatched, nested or repeated marker, naming the line.
    """
    regions: dict[str, Region] = {}
    open_name: str | None = None
    open_match: re.Match[str] | None = None
    for match in _MARKER.finditer(text):
        kind, name, _ = match.groups()
        line = text.count("\n", 0, match.start()) + 1
        if kind == "begin":
            if open_name is not None:
                raise CardgenError(
                    f"{source}:{line}: region {name!r} begins inside region "
                    f"{open_name!r}; close it first with "
                    f"<!-- cardgen:end {open_name} -->"
                )
            if name in regions:
                raise CardgenError(f"{source}:{line}: region {name!r} appears twice")
            open_name, open_match = name, match
        else:
            if open_name != name or open_match is None:
                raise CardgenError(
                    f"{source}:{line}: <!-- cardgen:end {name} --> has no matching begin marker"
                )
            regions[name] = Region(
                name,
                open_match.end(),
                match.start(),
                open_match.start(),
                open_match.group(3),
                text.count("\n", 0, open_match.start()) + 1,
            )
            open_name = None
    if open_name is not None:
        raise CardgenError(
            f"{source}: region {open_name!r} is never closed (add <!-- cardgen:end {open_name} -->)"
        )
    return regions


def stamp_regions(text: str) -> str:
    """Record in each begin marker the hash of the text cardgen writes in its region."""
    regions = find_regions(text, "<generated>")
    for region in sorted(regions.values(), key=lambda r: r.begin, reverse=True):
        marker = (
            f"<!-- cardgen:begin {region.name} h={region_hash(text[region.start : region.end])} -->"
        )
        text = text[: region.begin] + marker + text[region.start :]
    return text


def split_front_matter(text: str) -> tuple[str | None, str]:
    """The metadata block (with its fences and what precedes them), found by the Hub's rule
    (`cardgen.frontmatter.BLOCK`), and the rest of the text."""
    block = frontmatter.find(text)
    if block is None:
        return None, text
    return text[: block.end], text[block.end :]


def _key_line(block: str, key: str, lead: str = "") -> int:
    """The README line of a top-level front matter key (the block starts after `lead`)."""
    offset = lead.replace("\r\n", "\n").count("\n")
    for number, line in enumerate(block[len(lead) :].splitlines(), start=1):
        if re.match(rf"^['\"]?{re.escape(key)}['\"]?[ \t]*:", line):
            return number + offset
    return 1 + offset


def _merge_front_matter(
    existing_block: str | None,
    generated: dict[str, Any],
    newline: str,
    source: str,
    edits: Edits,
    problems: list[str],
) -> str:
    if not generated and existing_block is None:
        return ""
    inner, lead = "", ""
    if existing_block is not None:
        block = frontmatter.find(existing_block)
        assert block is not None
        inner = block.yaml.replace("\r\n", "\n").replace("\r", "\n")
        # Blank lines or a byte order mark before the block are the author's: kept.
        lead = existing_block[: block.start]
    try:
        existing = frontmatter.plain_front_matter(inner) if inner.strip() else {}
    except frontmatter.FrontMatterError as exc:
        offset = lead.replace("\r\n", "\n").count("\n")
        where = f":{exc.line + offset}" if exc.line else ""
        raise CardgenError(
            f"{source}{where}: its YAML front matter does not parse "
            f"({exc.problem}); fix it or render with --force"
        ) from None
    recorded = frontmatter.strip_hash_comment(inner)[1]
    keep: tuple[str, ...] = ()
    if recorded is not None and frontmatter.fingerprint(existing) != recorded:
        # Edited by hand since cardgen wrote it: keys only the README has are kept anyway;
        # a value cardgen would change is the person's or cardgen's, and only they know.
        conflicts = tuple(
            key for key, value in generated.items() if key in existing and existing[key] != value
        )
        if edits == "error":
            problems.extend(
                f"{source}:{_key_line(existing_block or '', key, lead)}: front matter "
                f"key {key!r} was edited by hand since cardgen wrote it"
                for key in conflicts
            )
        elif edits == "keep":
            keep = conflicts
    # Keys cardgen generates are updated; keys only the README has (widget, extra tags
    # of the author's, ...) are kept, in their order, with their comments.
    text = frontmatter.merge(inner, generated, keep=keep, record=True)
    merged = f"---\n{text}\n---\n"
    if existing_block is not None and merged == existing_block[len(lead) :].replace("\r\n", "\n"):
        return existing_block
    return lead + merged.replace("\n", newline)


def _sections(text: str, kind: str) -> tuple[list[tuple[int, int | None]], list[int]]:
    """(level, template rank) of each heading section of a README, and its first offset."""
    sections: list[tuple[int, int | None]] = [(0, None)]
    offsets = [0]
    fence: str | None = None
    offset = 0
    regions = sorted(find_regions(text).values(), key=lambda r: r.begin)
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
        heading = _HEADING.match(line) if fence is None and not fence_match else None
        if heading:
            sections.append((len(heading.group(1)), heading_rank(heading.group(2), kind)))
            offsets.append(offset)
        offset += len(raw) + 1
    for region in regions:
        rank = region_rank(region.name, kind)
        index = max(i for i, start in enumerate(offsets) if start <= region.begin)
        content = text[region.start : region.end].lstrip("\r\n")
        if _HEADING.match(content.split("\n", 1)[0]) and index + 1 < len(sections):
            index += 1  # a region that brings its own heading ranks its own section
        if rank is None:
            rank = _author_rank(region.name, kind)
        if rank is not None:
            sections[index] = (sections[index][0], rank)
    return sections, offsets


def _author_rank(name: str, kind: str) -> int | None:
    base = re.sub(r"-\d+$", "", name)
    return region_rank(base, kind)


def _insert_region(text: str, name: str, block: str, kind: str, newline: str) -> str:
    rank = region_rank(name, kind)
    assert rank is not None
    sections, offsets = _sections(text, kind)
    position, _ = insertion_index(sections, rank)
    if position >= len(sections):
        return text.rstrip("\r\n") + newline * 2 + block + newline
    at = offsets[position]
    return text[:at] + block + newline * 2 + text[at:]


def merge_readme(
    existing: str,
    generated: str,
    generated_front_matter: dict[str, Any],
    source: str = "README.md",
    *,
    edits: Edits = "error",
    insert_new: bool = False,
    kind: str = "model",
) -> tuple[str, list[str]]:
    """Splice generated regions and front matter into an existing README.

    Args:
        existing: the README as it is now; it must contain cardgen markers.
        generated: the freshly rendered body (with markers, without front matter).
        generated_front_matter: the metadata cardgen manages.
        source: the file's name, for messages.
        edits: what to do with regions (and front matter values) edited by hand since
            cardgen wrote them: raise (`error`), leave them (`keep`), replace (`overwrite`).
        insert_new: add sections cardgen brings later (an evaluation, a field filled in the
            spec) to an imported card's README, where the Hub template would have them.
        kind: `model` or `data`, for the template order of `insert_new`.

    Returns:
        The new text, and the names of generated regions the README has no place for
        (the author removed them; they are not re-added).

    Raises:
        CardgenError: if the README has no markers, malformed ones, or (with
            `edits="error"`) text edited by hand inside a region or front matter value.
    """
    old_regions = find_regions(existing, source)
    if not old_regions:
        raise CardgenError(
            f"{source}: has no <!-- cardgen:begin NAME --> markers, so cardgen "
            "cannot tell its text from yours; pass --force to overwrite it"
        )
    new_regions = find_regions(generated, "<generated>")
    crlf = existing.count("\r\n")
    newline = "\r\n" if crlf > existing.count("\n") - crlf else "\n"
    front_block, _ = split_front_matter(existing)
    problems: list[str] = []
    pieces = []
    cursor = 0
    if front_block is not None:
        cursor = len(front_block)
    for region in sorted(old_regions.values(), key=lambda r: r.start):
        new = new_regions.get(region.name)
        old_text = existing[region.start : region.end]
        if (
            new is not None
            and region.edited(existing)
            and region_hash(old_text) != region_hash(generated[new.start : new.end])
        ):
            if edits == "error":
                problems.append(
                    f"{source}:{region.line}: region {region.name!r} was edited "
                    "by hand since cardgen wrote it"
                )
            if edits != "overwrite":
                new = None
        if new is not None:
            pieces.append(existing[cursor : region.begin])
            content = generated[new.begin : new.end]
            pieces.append(content.replace("\n", newline) if newline != "\n" else content)
        else:
            pieces.append(existing[cursor : region.end])
        cursor = region.end
    pieces.append(existing[cursor:])
    merged_front = _merge_front_matter(
        front_block, generated_front_matter, newline, source, edits, problems
    )
    if problems:
        raise CardgenError("\n".join([*problems, EDIT_HINT]))
    body = "".join(pieces)
    missing = []
    for name in sorted(set(new_regions) - set(old_regions), key=lambda n: new_regions[n].begin):
        region = new_regions[name]
        content = generated[region.start : region.end].lstrip("\n")
        # Only sections cardgen adds (they bring their own heading) are inserted; a region
        # around an author's section body that the README no longer has was removed.
        if (
            insert_new
            and region_rank(name, kind) is not None
            and _HEADING.match(content.split("\n", 1)[0])
        ):
            block = generated[region.begin : region.end] + f"<!-- cardgen:end {name} -->"
            body = _insert_region(
                body,
                name,
                block.replace("\n", newline) if newline != "\n" else block,
                kind,
                newline,
            )
        else:
            missing.append(name)
    return merged_front + body, missing
