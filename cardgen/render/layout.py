"""Lay out an imported card as its author wrote it: their headings, order and blank lines.

cardgen's regions wrap only the sections it understands, and text that arrives later goes
where the Hub template would put it; it never reorders an author's sections or words.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..sections import DATA_ORDER, LAYOUT_KEY, MODEL_ORDER, heading_rank

_EVALUATION_FAMILY = {
    "evaluation_data.motivation",
    "factors.relevant_factors",
    "metrics.performance_measures",
    "quantitative_analyses.summary",
}
FactPart = Callable[[str, int], str]
"""Renders a fact region (`results`, `profile`) at a heading level; empty when none."""


@dataclass
class _Block:
    head: list[str]
    body: list[str] | None
    tail: list[str]
    level: int
    order: int | None
    region: str | None = None
    parts: list[_Block] = field(default_factory=list)


def region_hash(content: str) -> str:
    """12 hex digits of a region's text, ignoring line endings, trailing spaces and
    blank lines at its edges (what an editor or the Hub may change without a person)."""
    lines = [line.rstrip() for line in content.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _heading(text: str, level: int) -> str:
    return "#" * level + (" " + text if text else "")


def _lines(text: str | None) -> list[str]:
    return text.split("\n") if text else []


def _as_text(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return "\n".join("- " + item.replace("\n", "\n  ") for item in items)


def is_imported(data: dict[str, Any]) -> bool:
    """Whether a card (as data) carries an import layout to render by."""
    extra = data.get("extra") or {}
    return isinstance(extra.get(LAYOUT_KEY), dict) and "layout" in extra[LAYOUT_KEY]


def _blocks(data: dict[str, Any], order: dict[str, str]) -> tuple[list[_Block], dict[str, int]]:
    """One block per layout entry, and how many items of each list field were used."""
    info = data["extra"][LAYOUT_KEY]
    extras = iter(data.get("extra_sections") or [])
    used: dict[str, int] = {}
    rank = {path: index for index, path in enumerate(order)}
    blocks: list[_Block] = []
    for entry in info["layout"]:
        target, level = entry["to"], entry["level"]
        heading = entry["heading"]
        line = entry.get("line") or (_heading(heading, level) if heading is not None else None)
        body: str | None = None
        region: str | None = None
        placeholder = entry.get("placeholder")
        if target == "extra_sections":
            section = next(extras, None)
            if section is None:  # the author removed it from the spec
                continue
            if heading is not None and (section["heading"], section["level"]) != (heading, level):
                line = _heading(section["heading"], section["level"])
            body = section["body"]
        elif target == "preamble":
            body = info.get("preamble")
        elif target == "placeholder":
            body = placeholder
        elif target in ("title", "title+summary"):
            title = data.get("title")
            if title and title != heading:
                line = _heading(title, level)
            if target == "title+summary":
                body, region = data.get("summary"), "summary"
            else:
                body = placeholder
        else:
            value = _get(data, target)
            count = used.get(target, 0)
            used[target] = count + 1
            region = target if count == 0 else f"{target}-{count + 1}"
            if isinstance(value, list):
                value = value[count] if count < len(value) else None
            body = value if value else placeholder
        before, after = entry.get("gaps", [1, 1])
        head = ([line] if line is not None else []) + [""] * (before if line is not None else 0)
        place = rank[target] if target in rank else heading_rank(heading, data.get("kind", ""))
        blocks.append(
            _Block(head, _lines(body), [""] * after if body else [], level, place, region)
        )
    return blocks, used


def _pending(
    data: dict[str, Any],
    order: dict[str, str],
    blocks: list[_Block],
    used: dict[str, int],
    fact_part: FactPart,
    level: int,
) -> list[tuple[int, _Block]]:
    """Sections the card has but the author's layout has no place for, in template order."""
    placed = {
        b.region.rsplit("-", 1)[0] if b.region and b.region[-1].isdigit() else b.region
        for b in blocks
    }
    pending: list[tuple[int, _Block]] = []
    for rank, (path, heading) in enumerate(order.items()):
        text: str | None = None
        if path in ("title", "title+summary"):
            continue
        if path == "summary":
            if (
                "title+summary" in {e["to"] for e in data["extra"][LAYOUT_KEY]["layout"]}
                or "summary" in placed
            ):
                continue
            text = data.get("summary")
        elif path in ("results", "profile"):
            text = fact_part(path, level + 1) or None
        elif path == "more-sections":
            count = sum(
                1 for e in data["extra"][LAYOUT_KEY]["layout"] if e["to"] == "extra_sections"
            )
            added = (data.get("extra_sections") or [])[count:]
            text = (
                "\n\n".join(_heading(s["heading"], s["level"]) + "\n\n" + s["body"] for s in added)
                or None
            )
        else:
            value = _get(data, path)
            if isinstance(value, list):
                rest = value[used.get(path, 0) :]
                text = _as_text(rest) if rest else None
            elif value and path not in used:
                text = value
        if not text:
            continue
        lines = _lines(text)
        if heading:
            lines = [_heading(heading, level), "", *lines]
        name = (
            path
            if path in ("results", "profile", "more-sections") or path not in used
            else f"{path}-more"
        )
        pending.append((rank, _Block([], lines, [""], level, rank, name)))
    return pending


def insertion_index(sections: list[tuple[int, int | None]], rank: int) -> tuple[int, int]:
    """Where a new section of template rank `rank` goes among an author's sections.

    Args:
        sections: (heading level, template rank or None) of each section in document
            order; level 0 is the text before the first heading.
        rank: the new section's place in the Hub template order.

    Returns:
        (index of the section to insert before, or len(sections) for the end; index of
        the section it follows in the template's sense, or -1).
    """
    # The author's section the template puts closest before the new one (the last such
    # when several share that place), whatever the author's own order.
    anchor = max(
        (i for i, (_, order) in enumerate(sections) if order is not None and order <= rank),
        key=lambda i: (sections[i][1], i),
        default=-1,
    )
    following = next(
        (
            i
            for i, (_, order) in enumerate(sections)
            if i > anchor and order is not None and order > rank
        ),
        None,
    )
    if anchor >= 0 and sections[anchor][0] >= 2:
        # After the anchor's subsections, never past a section the template puts later.
        end = anchor + 1
        while end < len(sections) and sections[end][0] > sections[anchor][0]:
            end += 1
        return (min(end, following) if following is not None else end), anchor
    return (following if following is not None else len(sections)), anchor


def _insert(blocks: list[_Block], rank: int, part: _Block, path_of: list[str | None]) -> None:
    """Attach a new section where the Hub template would have it among the author's."""
    position, anchor = insertion_index([(b.level, b.order) for b in blocks], rank)
    if (
        anchor >= 0
        and path_of[anchor] in _EVALUATION_FAMILY
        and part.region == "results"
        and part.body
    ):
        # Inside the author's evaluation section: one level down, its headings too.
        shift = blocks[anchor].level + 1 - part.level
        part.body = [
            _heading("Results", blocks[anchor].level + 1),
            *(
                "#" * shift + line if shift > 0 and re.match(r"#{1,5} ", line) else line
                for line in part.body[1:]
            ),
        ]
    # Parts are written after the block before `position` (or before everything).
    if position == 0:
        blocks.insert(0, _Block([], None, [], 0, None, parts=[part]))
        path_of.insert(0, None)
    else:
        blocks[position - 1].parts.append(part)


def imported_body(data: dict[str, Any], fact_part: FactPart, *, markers: bool = True) -> str:
    """An imported card's README body in the author's layout.

    Args:
        data: the card as JSON-like data (`card.model_dump(mode="json")`) or a spec.
        fact_part: renders `results` (model) or `profile` (data) regions from facts.
        markers: wrap understood sections in cardgen's region markers (with hashes).

    Returns:
        The Markdown body; with `markers=False` and nothing added it equals the imported
        body apart from line endings and trailing spaces.
    """
    order = DATA_ORDER if data.get("kind") == "data" else MODEL_ORDER
    blocks, used = _blocks(data, order)
    levels = [b.level for b in blocks if b.level >= 2]
    level = min(levels) if levels else 2
    paths = list(order)
    path_of = [paths[b.order] if b.order is not None else None for b in blocks]
    for rank, part in _pending(data, order, blocks, used, fact_part, level):
        _insert(blocks, rank, part, path_of)
    lines: list[str] = []
    for block in blocks:
        _emit(block, lines, markers)
        for part in block.parts:
            if lines and lines[-1] != "":
                lines.append("")
            _emit(part, lines, markers)
    text = "\n".join(lines).strip("\n")
    return text + "\n" if text else ""


def _emit(block: _Block, lines: list[str], markers: bool) -> None:
    lines.extend(block.head)
    body = block.body or []
    if block.region is not None and markers:
        content = "\n".join(body)
        lines.append(f"<!-- cardgen:begin {block.region} h={region_hash(content)} -->")
        lines.extend(body)
        lines.append(f"<!-- cardgen:end {block.region} -->")
    else:
        lines.extend(body)
    lines.extend(block.tail)


def layout_text(spec: dict[str, Any]) -> str:
    """The body an import layout describes, without markers or added sections."""
    return imported_body(spec, lambda name, level: "", markers=False)
