"""The layouts of real Hub cards that the faithful-import tests must keep covering.

A card's layouts are named features of how it is written, taken from the branches of the
code that reads it (decoding, front matter, section splitting, where each section goes,
heading lines and blank lines as written) and from the Markdown it holds. It only
describes cards; the tests that use it decide what must be covered.
"""

from __future__ import annotations

import re

from cardgen import frontmatter
from cardgen.frontmatter import split as split_front_matter
from cardgen.hub._markdown import decode_readme, parse_readme
from cardgen.hub.importer import METADATA_KEY, readme_to_spec
from cardgen.sections import LAYOUT_KEY, section_field

_MARKDOWN = {
    "md:fenced-code-backticks": re.compile(r"^ {0,3}```", re.M),
    "md:fenced-code-tildes": re.compile(r"^ {0,3}~~~", re.M),
    "md:html-comment": re.compile(r"<!--"),
    "md:html-block": re.compile(
        r"^ {0,3}<(div|p|img|details|table|center|a|br|h[1-6])\b", re.M | re.I
    ),
    "md:pipe-table": re.compile(r"^ {0,3}\|?[ :]*-{3,}[ :]*\|", re.M),
    "md:setext-heading": re.compile(r"^[^\n#>|`~ -][^\n]*\n(=+|-+)[ \t]*$", re.M),
    "md:thematic-break": re.compile(r"^\n(\*\*\*|___|- - -|---)[ \t]*$", re.M),
    "md:bullet-list": re.compile(r"^ {0,3}[-*+] \S", re.M),
    "md:ordered-list": re.compile(r"^ {0,3}\d+[.)] \S", re.M),
    "md:block-quote": re.compile(r"^ {0,3}>", re.M),
    "md:link": re.compile(r"\]\([^)]+\)"),
    "md:image": re.compile(r"!\[[^\]]*\]\("),
    "md:math": re.compile(r"\$\$|\\\(|\\\["),
    "md:tab": re.compile(r"\t"),
    "md:trailing-spaces": re.compile(r"[ \t]+$", re.M),
    "md:non-ascii": re.compile(r"[^\x00-\x7f]"),
}

_WARNINGS = (
    ("removed a UTF-8 byte order mark", "bom"),
    ("not valid UTF-8", "not-utf8"),
    ("converted Windows (CRLF)", "crlf"),
    ("no YAML front matter", "no-front-matter"),
    ("front matter is not valid YAML", "invalid-yaml"),
    ("front matter is not a mapping", "not-a-mapping"),
    ("legacy `model_index:`", "legacy-model_index"),
    ("invalid model-index", "invalid-model-index"),
)
"""The importer's warnings (cardgen/hub), by how each begins; any other is its own layout."""


def layouts(data: bytes) -> set[str]:
    """Every layout feature of one README given as bytes (see the module docstring)."""
    found: set[str] = set()
    warnings: list[str] = []
    text = decode_readme(data, warnings)
    found |= _bytes_layouts(data)
    front, body = split_front_matter(text)
    found |= _front_matter_layouts(front)
    parsed = parse_readme(data)
    found |= _section_layouts(parsed)
    result = readme_to_spec(data, "card")
    found.add(f"kind:{result.card.kind}")
    for warning in result.warnings:
        found.add(next((f"warning:{n}" for s, n in _WARNINGS if warning.startswith(s)), warning))
    rest = result.spec.get("extra", {}).get(METADATA_KEY, {})
    if set(rest) - {"_front_matter_text"}:
        found.add("fm:keys-kept-verbatim")
    if "model-index" in rest:
        found.add("fm:model-index-not-typed")
    entries = result.spec["extra"][LAYOUT_KEY]["layout"]
    for entry in entries:
        found |= _entry_layouts(entry)
        if (
            entry["to"] == "extra_sections"
            and entry["heading"]
            and section_field(entry["heading"], result.card.kind) is not None
        ):
            found.add("import:known-heading-field-taken")
    fields = [e["to"] for e in entries if "." in e["to"]]
    if len(fields) != len(set(fields)):
        found.add("import:list-field-several-sections")
    if "preamble" in result.spec["extra"][LAYOUT_KEY]:
        found.add("import:placeholder-preamble")
    found |= {name for name, pattern in _MARKDOWN.items() if pattern.search(body)}
    return found


def _bytes_layouts(data: bytes) -> set[str]:
    found = set()
    if data.startswith(b"\xef\xbb\xbf"):
        found.add("bytes:bom")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        found.add("bytes:not-utf8")
    crlf = data.count(b"\r\n")
    if crlf:
        found.add("eol:crlf" if crlf == data.count(b"\n") else "eol:mixed")
    else:
        found.add("eol:lf")
    found.add("end:final-newline" if data.endswith(b"\n") else "end:no-final-newline")
    return found


def _front_matter_layouts(front: str | None) -> set[str]:
    if front is None:
        return {"fm:none"}
    found = {"fm:present"}
    if not front.strip():
        return found | {"fm:empty"}
    try:
        data = frontmatter.load(front)
    except frontmatter.FrontMatterError:
        return found | {"fm:invalid-yaml"}
    if not isinstance(data, dict):
        return found | {"fm:not-a-mapping"}
    if re.search(r"^\s*#", front, re.M):
        found.add("fm:comment")
    if re.search(r"^[\w-]+:[ \t]*\[", front, re.M):
        found.add("fm:flow-list")
    if re.search(r"^[\w-]+:\n- ", front, re.M):
        found.add("fm:block-list-flush")
    if re.search(r"^[\w-]+:\n {2,}- ", front, re.M):
        found.add("fm:block-list-indented")
    if re.search(r"""^[\w-]+:[ \t]*['"]""", front, re.M):
        found.add("fm:quoted-scalar")
    if isinstance(data.get("license"), str) or isinstance(data.get("language"), str):
        found.add("fm:lone-string")
    if "model-index" in data:
        found.add("fm:model-index")
    if "model_index" in data:
        found.add("fm:legacy-model_index")
    if "widget" in data:
        found.add("fm:widget")
    return found


def _section_layouts(parsed) -> set[str]:
    found = set()
    headed = [s for s in parsed.sections if s.heading is not None]
    if not headed:
        found.add("sections:no-heading")
    elif headed[0].level != 1:
        found.add("sections:first-heading-below-h1")
    for section in headed:
        found.add(f"sections:h{section.level}")
        if not section.heading:
            found.add("sections:empty-heading")
        if not section.body:
            found.add("sections:empty-body")
    names = [s.heading for s in headed]
    if len(names) != len(set(names)):
        found.add("sections:repeated-heading")
    if parsed.sections[0].body:
        found.add("sections:text-before-first-heading")
    return found


def _entry_layouts(entry: dict) -> set[str]:
    target = entry["to"]
    found = {"import:" + (target if "." not in target and target != "summary" else "field")}
    if target == "summary":
        found.add("import:preamble-summary" if entry["heading"] is None else "import:field")
    if "line" in entry:
        found.add("import:heading-line-as-written")
    if "gaps" in entry:
        found.add("import:uneven-blank-lines")
    if "placeholder" in entry:
        found.add("import:placeholder-text")
    return found
