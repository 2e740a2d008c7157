"""Split a Hub README into YAML front matter and heading-delimited prose sections.

Lossless by construction: every line of the body lands in exactly one section; it never
rewrites, reflows or drops text, and it does not decide what a section means.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .. import frontmatter
from ..errors import CardgenError

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass
class Section:
    """A heading and the Markdown below it up to the next heading (any level).

    `level` is 0 and `heading` is None for the text before the first heading.
    """

    heading: str | None
    level: int
    body: str
    line: str = ""
    """The heading line as written (trailing spaces removed); empty for the preamble."""
    gaps: tuple[int, int] = (1, 1)
    """Blank lines between the heading and the body, and after the body (1 each is the
    usual layout; the last section's trailing count includes the file's end)."""


@dataclass
class ParsedReadme:
    """A README split into parts, with the warnings raised while reading it."""

    text: str
    """The decoded text, Unix newlines, without BOM."""
    front_matter_text: str | None
    """The YAML between the `---` fences, as written; None when there is none."""
    metadata: dict[str, Any]
    """The parsed front matter; empty when absent or invalid."""
    body: str
    """Everything after the front matter."""
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)


def decode_readme(data: bytes, warnings: list[str]) -> str:
    """Bytes to text: UTF-8 (BOM removed), else cp1252, else Latin-1; line breaks as written.

    Args:
        data: the README's bytes.
        warnings: list that receives a line for each repair made.

    Returns:
        The text.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        warnings.append("removed a UTF-8 byte order mark")
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
            encoding = "cp1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            encoding = "latin-1"
        warnings.append(f"not valid UTF-8 (byte {exc.start}); decoded as {encoding}")
        return text


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_sections(body: str) -> list[Section]:
    """Cut Markdown at ATX headings outside fenced code blocks.

    Each section's body keeps its lines byte for byte, minus blank lines at its start
    and end. The text before the first heading is a section with `heading=None`.

    Args:
        body: Markdown without front matter.

    Returns:
        The sections in document order; the first is the preamble (possibly empty).
    """
    sections: list[Section] = []
    heading: str | None = None
    level = 0
    raw = ""
    lines: list[str] = []
    fence: str | None = None
    for line in body.split("\n"):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif (
                marker[0] == fence[0]
                and len(marker) >= len(fence)
                and not line.strip(" " + marker[0])
            ):
                fence = None
        match = _HEADING.match(line) if fence is None and not fence_match else None
        if match:
            sections.append(_section(heading, level, raw, lines))
            level = len(match.group(1))
            heading = match.group(2) or ""
            raw = line.rstrip()
            lines = []
        else:
            lines.append(line)
    sections.append(_section(heading, level, raw, lines))
    return sections


def _section(heading: str | None, level: int, raw: str, lines: list[str]) -> Section:
    body = _trim_blank_lines(lines)
    if not body:
        return Section(heading, level, body, raw, (len(lines), 0))
    before = next(i for i, line in enumerate(lines) if line.strip())
    after = next(i for i, line in enumerate(reversed(lines)) if line.strip())
    return Section(heading, level, body, raw, (before, after))


def _trim_blank_lines(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


_CARDGEN_MARKER_LINE = re.compile(
    r"^<!-- cardgen:(?:begin|end) [A-Za-z0-9_.-]+(?: h=[0-9a-f]+)? -->[ \t]*(?:\n|\Z)", re.MULTILINE
)


def parse_readme(data: bytes | str) -> ParsedReadme:
    """Decode a README, parse its front matter and split its body into sections.

    Problems in the input (encoding, line endings, invalid YAML, front matter that is not
    a mapping) become warnings; nothing here raises on real-world cards.

    Args:
        data: the README as bytes (decoded leniently) or text.

    Returns:
        The parsed README.
    """
    warnings: list[str] = []
    text = decode_readme(data, warnings) if isinstance(data, bytes) else data
    if isinstance(data, str) and text.startswith("\ufeff"):
        warnings.append("removed a UTF-8 byte order mark")
        text = text[1:]
    # The Hub's rule finds the block in the text as written (it may follow blank lines and
    # spaces; CRLF and CR line breaks count), before line endings are made Unix.
    block = frontmatter.find(text)
    if "\r" in text:
        warnings.append("converted Windows (CRLF) line endings to LF")
    front = None if block is None else _unix_newlines(block.yaml)
    body = _unix_newlines(text if block is None else text[block.end :])
    lead = 0 if block is None else _unix_newlines(text[: block.start]).count("\n")
    text = _unix_newlines(text)
    metadata: dict[str, Any] = {}
    if block is None:
        warnings.append("no YAML front matter (metadata block)")
    else:
        try:
            loaded = frontmatter.load(frontmatter.strip_hash_comment(front or "")[0])
        except frontmatter.FrontMatterError as exc:
            line = None if exc.line is None else exc.line + lead
            where = f" at line {line}" if line is not None else ""
            warnings.append(f"front matter is not valid YAML{where}: {exc.problem}; kept as text")
            loaded = None
        if isinstance(loaded, dict):
            metadata = {str(k): v for k, v in loaded.items()}
        elif loaded is not None:
            warnings.append("front matter is not a mapping; kept as text")
    # cardgen's own region markers (a README cardgen rendered) are layout, not prose.
    body = _CARDGEN_MARKER_LINE.sub("", body)
    return ParsedReadme(text, front, metadata, body, split_sections(body), warnings)


def body_lines(text: str) -> list[str]:
    """Non-blank lines with trailing whitespace removed: the unit of 'no word lost' checks."""
    return [line.rstrip() for line in text.split("\n") if line.strip()]


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
