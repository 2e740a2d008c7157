"""Read and write README front matter as the Hub reads it: YAML 1.2, comments and order kept.

It finds the metadata block by the Hub's own rule, turns YAML text into data and merges new
values into an author's text; it never decides which keys a card has (hub/model_index.py
does) and never touches the body.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import SingleQuotedScalarString

BLOCK = re.compile(r"^([\s\ufeff]*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
"""The Hub's metadata block: `huggingface_hub.repocard.REGEX_YAML_BLOCK`, "the exact same
regex as in the Hub server". Whitespace, blank lines included, may come before the opening
`---`; CRLF and CR line breaks count. The server's JavaScript `\\s` also matches a byte order
mark, which Python's does not: hence `\\ufeff` beside it."""

HASH_COMMENT = re.compile(r"^# cardgen:front-matter ([0-9a-f]{12})[ \t]*$", re.MULTILINE)
"""The comment line recording a hash of the front matter data cardgen last wrote."""


_NAN = float("nan")


class _CoreConstructor(SafeConstructor):
    """YAML 1.2 core schema: dates stay strings, as in the Hub's own YAML reader."""

    def construct_yaml_float(self, node: Any) -> float:
        value = super().construct_yaml_float(node)
        # One NaN object, so that data holding `.nan` compares equal to itself.
        return _NAN if value != value else value


_CoreConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
_CoreConstructor.add_constructor("tag:yaml.org,2002:float", _CoreConstructor.construct_yaml_float)


@dataclass(frozen=True)
class Block:
    """Where a README's metadata block is: `text[:start]` is what comes before the opening
    `---` (whitespace, a byte order mark), `text[start:end]` the fenced block, `yaml` the
    text between the fences."""

    start: int
    end: int
    yaml: str


def find(text: str) -> Block | None:
    """The metadata block at the top of a README, by the Hub's rule (`BLOCK`), or None.

    Example:
        >>> find("\\n---\\nlicense: mit\\n---\\n# Card").yaml
        'license: mit'
    """
    match = BLOCK.search(text)
    if match is None:
        return None
    opening = match.group(1)
    return Block(opening.index("---"), match.end(), match.group(2))


def split(text: str) -> tuple[str | None, str]:
    """(the metadata block's YAML text or None, the body after it), as the Hub splits them."""
    block = find(text)
    if block is None:
        return None, text
    return block.yaml, text[block.end :]


class FrontMatterError(ValueError):
    """Front matter that is not valid YAML; `line` counts from the README's first line."""

    def __init__(self, problem: str, line: int | None):
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _safe() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _CoreConstructor
    yaml.allow_duplicate_keys = True
    return yaml


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap an author's long line
    return yaml


def load(text: str) -> Any:
    """Front matter text (without the `---` fences) as plain data under YAML 1.2.

    `no`, `yes`, `on` and `off` are strings, `1e3` is a number, dates stay strings.

    Raises:
        FrontMatterError: the text is not valid YAML (with the line inside the README,
            counting the opening `---` as line 1).
    """
    try:
        return _safe().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc).splitlines()[0]
        raise FrontMatterError(problem, mark.line + 2 if mark is not None else None) from None
    except YAMLError as exc:
        raise FrontMatterError(
            str(exc).splitlines()[0] if str(exc) else "invalid YAML", None
        ) from None


_AMBIGUOUS = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|~|null|Null|NULL|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o[0-7]+|0b[01_]+"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$"
)
"""Strings that some YAML reader (1.1 or 1.2) would take for a boolean, null, number or date."""


def _quoted(value: Any) -> Any:
    """New values, with every string another YAML reader could misread put in quotes."""
    if isinstance(value, str):
        return SingleQuotedScalarString(value) if _AMBIGUOUS.match(value) or not value else value
    if isinstance(value, dict):
        return {str(k): _quoted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_quoted(v) for v in value]
    return value


def _indent_of(text: str) -> tuple[int, int]:
    """(sequence indent, dash offset) the author used for block lists."""
    indented = len(re.findall(r"^[ \t]*\w[^:\n]*:\n[ ]{2}- ", text, re.MULTILINE))
    flush = len(re.findall(r"^[ \t]*\w[^:\n]*:\n- ", text, re.MULTILINE))
    return (4, 2) if indented > flush else (2, 0)


def same(written: Any, value: Any) -> bool:
    """Equal as the Hub reads it: a lone string is the same datum as a one-item list."""
    return written == value or (isinstance(written, str) and value == [written])


def fingerprint(data: Any) -> str:
    """12 hex digits identifying front matter data (key order ignored)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def strip_hash_comment(text: str) -> tuple[str, str | None]:
    """Front matter text without cardgen's hash comment, and the hash it recorded."""
    match = HASH_COMMENT.search(text)
    if match is None:
        return text, None
    return (text[: match.start()] + text[match.end() :].lstrip("\n")).rstrip("\n"), match.group(1)


def dump(data: dict[str, Any], *, record: bool = False) -> str:
    """Data as front matter text (without fences), with ambiguous strings quoted.

    Args:
        data: the front matter.
        record: end with cardgen's `# cardgen:front-matter HASH` comment.
    """
    return merge(None, data, record=record)


def merge(
    original: str | None,
    generated: dict[str, Any],
    *,
    keep: tuple[str, ...] = (),
    drop_missing: bool = False,
    record: bool = False,
) -> str:
    """Apply `generated` to an author's front matter text, keeping its comments and style.

    Keys whose value is already equal as data keep their text byte for byte; changed
    and new keys are written; keys only the original has stay unless `drop_missing`.

    Args:
        original: the existing front matter text (no fences), or None.
        generated: the data cardgen wants there.
        keep: keys whose existing value wins over `generated` (hand edits kept).
        drop_missing: remove keys that `generated` does not have.
        record: end with a comment holding the hash of the data cardgen meant to write.

    Returns:
        The new front matter text, without fences and without a final newline.

    Raises:
        FrontMatterError: `original` is not valid YAML.
    """
    base, _ = strip_hash_comment(original or "")
    plain = load(base) if base.strip() else None
    if not isinstance(plain, dict):
        plain, base = {}, ""
    updated = {
        key: value
        for key, value in plain.items()
        if not drop_missing or key in generated or key in keep
    }
    intended = {**updated, **generated}
    for key, value in generated.items():
        if key in plain and same(plain[key], value):
            intended[key] = plain[key]
        elif key not in keep or key not in plain:
            updated[key] = value
    if list(updated.items()) == list(plain.items()):
        text = base.rstrip("\n")
    else:
        yaml = _round_trip()
        yaml.indent(mapping=2, sequence=_indent_of(base)[0], offset=_indent_of(base)[1])
        tree = yaml.load(base) if base.strip() else None
        if tree is None or not hasattr(tree, "insert"):
            tree = {}
        for key in [k for k in tree if k not in updated]:
            del tree[key]
        for key, value in updated.items():
            if key not in plain or plain[key] != value:
                tree[key] = _quoted(value)
        stream = io.StringIO()
        yaml.dump(tree, stream)
        text = stream.getvalue().rstrip("\n")
        if text == "{}":
            text = ""
    if record:
        # The hash is of what cardgen meant to write: a value kept by hand still shows as
        # edited at the next render.
        text = f"{text}\n# cardgen:front-matter {fingerprint(intended)}".lstrip("\n")
    return text


def plain_front_matter(text: str) -> dict[str, Any]:
    """Front matter text as a plain mapping (empty when it is not one)."""
    loaded = load(strip_hash_comment(text)[0])
    return loaded if isinstance(loaded, dict) else {}
