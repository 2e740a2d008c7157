"""Load card specs (cards/NAME.yaml) into typed cards, with line-numbered errors.

It reads and validates what people wrote; it never rewrites a spec and collects no facts.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError

from .errors import Problem, SpecError
from .schema import DataCard, GovernanceCard, ModelCard
from .schema.model_card import CARD_NAME_PATTERN

Card = ModelCard | DataCard | GovernanceCard
CARD_CLASSES: dict[str, type[ModelCard] | type[DataCard] | type[GovernanceCard]] = {
    "model": ModelCard,
    "data": DataCard,
    "governance": GovernanceCard,
}

MAX_SPEC_BYTES = 5 * 1024 * 1024
"""Specs are hand-written text; anything larger is almost surely the wrong file."""
MAX_NODES = 100_000
"""Cap on YAML nodes after expanding aliases: stops anchor/alias bombs before they grow."""
MAX_DEPTH = 64
"""Cap on nesting depth."""

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps.

    Dates stay strings so pydantic reports a bad date with its location, and `no`
    (Norwegian) stays a language code instead of turning into False.
    """


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_CSafeLoader = getattr(yaml, "CSafeLoader", None)
if _CSafeLoader is not None:

    class _FastSpecLoader(_CSafeLoader):  # type: ignore[misc, valid-type]
        """libyaml's parser with the same resolvers: about 9x faster on valid specs."""

    _FastSpecLoader.yaml_implicit_resolvers = _SpecLoader.yaml_implicit_resolvers

Position = tuple[int, int]
PathKey = tuple[Any, ...]


@dataclass
class _Document:
    data: Any
    values: dict[PathKey, Position]
    keys: dict[PathKey, Position]


class _TooBig(Exception):
    def __init__(self, message: str, mark: yaml.Mark):
        super().__init__(message)
        self.mark = mark


def _pos(mark: yaml.Mark) -> Position:
    return mark.line + 1, mark.column + 1


def _read_text(path: Path) -> str:
    name = str(path)
    if not path.exists():
        raise SpecError([Problem(name, "no such file")])
    if path.is_dir():
        raise SpecError([Problem(name, "is a directory; expected a spec file (cards/NAME.yaml)")])
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            [
                Problem(
                    name,
                    f"file is {size / 1e6:.1f} MB; a spec is hand-written YAML of at most "
                    f"{MAX_SPEC_BYTES // (1024 * 1024)} MB (did you pass a data file?)",
                )
            ]
        )
    raw = path.read_bytes()
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        raise SpecError(
            [Problem(name, f"binary file (NUL byte at offset {offset}); expected UTF-8 YAML text")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [
                Problem(
                    name,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the spec as UTF-8",
                    line,
                    column,
                )
            ]
        ) from None
    return text


_UNFINISHED = ("while scanning", "while parsing a flow")


def problem_start(exc: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where a YAML error starts. A token the scanner could not finish (a quote never
    closed, a key without its colon) and a flow collection never closed (`[a, b`) are
    reported where they begin, not where the parser gave up (often the end of the file);
    other errors where they were found."""
    context = exc.context or ""
    if exc.context_mark is not None and context.startswith(_UNFINISHED):
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


def _yaml_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = problem_start(exc)
    message = exc.problem or "invalid YAML"
    if exc.context and exc.problem:
        message = f"{exc.context}: {message}"
    if mark is exc.context_mark and exc.problem_mark is not None:
        found = f"{exc.problem} at line {exc.problem_mark.line + 1}"
        message = (
            f"a quoted value starts here and is never closed ({found})"
            if exc.context == "while scanning a quoted scalar"
            else f"{exc.context} that starts here: {found}"
        )
    if "\t" in (exc.problem or "") or "'\\t'" in message:
        message = "tab character: YAML is indented with spaces, not tabs"
    line, column = _pos(mark) if mark else (None, None)
    return Problem(name, f"YAML syntax: {message}", line, column)


def _build(
    node: yaml.Node, loader: _SpecLoader, path: PathKey, doc: _Document, budget: list[int]
) -> Any:
    """Construct plain data from a node tree, recording where each value and key sits."""
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise _TooBig(
            f"more than {MAX_NODES:,} values after expanding anchors and aliases (an alias bomb?)",
            node.start_mark,
        )
    if len(path) > MAX_DEPTH:
        raise _TooBig(f"nested more than {MAX_DEPTH} levels deep", node.start_mark)
    doc.values.setdefault(path, _pos(node.start_mark))
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                if key is None or isinstance(key, (int, float, bool)):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                else:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a plain string", key_node.start_mark
                    )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            key_path = (*path, key)
            doc.keys[key_path] = _pos(key_node.start_mark)
            result[key] = _build(value_node, loader, key_path, doc, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loader, (*path, i), doc, budget) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _compose(loader: Any, text: str, name: str) -> _Document:
    doc = _Document(None, {}, {})
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.data = _build(node, loader, (), doc, [0])
    finally:
        loader.dispose()
    return doc


def parse_yaml(text: str, name: str = "<string>") -> _Document:
    """Parse one YAML document into plain data plus a map from data paths to positions.

    libyaml parses when it is installed; any problem is parsed again by PyYAML's own
    parser, whose messages (and tab hint) are the ones reported.

    Raises:
        SpecError: on a syntax error, several documents, an unsafe tag, a duplicate key or
            a document that expands beyond `MAX_NODES` values.
    """
    if _CSafeLoader is not None:
        try:
            return _compose(_FastSpecLoader(text), text, name)
        except (yaml.YAMLError, _TooBig, RecursionError, ValueError):
            pass  # reported below, worded by the reference parser
    try:
        return _compose(_SpecLoader(text), text, name)
    except _TooBig as exc:
        raise SpecError([Problem(name, str(exc), *_pos(exc.mark))]) from None
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_yaml_problem(name, exc)]) from None
    except yaml.YAMLError as exc:  # unmarked errors are rare; still one clear line
        raise SpecError([Problem(name, f"YAML error: {exc}")]) from None
    except RecursionError:
        raise SpecError([Problem(name, "YAML nested too deeply")]) from None


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/list/dict annotations."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, dict, tuple):
        args = typing.get_args(annotation)
        return _unwrap(args[-1]) if args else []
    return [annotation]


def _model_at(model: type[BaseModel], path: PathKey) -> type[BaseModel] | None:
    """The pydantic model class that holds the field addressed by `path`'s last element."""
    current: type[BaseModel] | None = model
    for part in path[:-1]:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            # A dict key (e.g. metrics name) or an unknown field: stay inside dict values.
            continue
        candidates = [
            t for t in _unwrap(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)
        ]
        current = candidates[0] if candidates else None
    return current


def _data_path(loc: tuple[Any, ...], data: Any) -> PathKey:
    """Keep the parts of a pydantic `loc` that address real data (drops union tags)."""
    path: list[Any] = []
    current = data
    for part in loc:
        if not isinstance(current, (dict, list)):
            break
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
            path.append(part)
    return tuple(path)


def _dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _friendly(error: Mapping[str, Any], model: type[BaseModel], path: PathKey) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        owner = _model_at(model, path)
        message = f"unknown field {path[-1]!r}"
        if owner is not None:
            fields = list(owner.model_fields)
            close = difflib.get_close_matches(str(path[-1]), fields, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
            else:
                message += f"; expected one of: {', '.join(fields)}"
        return message + " (free-form additions go under `extra:`)"
    if kind == "missing":
        return f"missing required field {path[-1]!r}" if path else "missing required field"
    message = error["msg"].removeprefix("Value error, ")
    if kind.startswith("date") or kind.startswith("datetime"):
        message += " (expected a date as YYYY-MM-DD)"
    elif (
        kind == "string_pattern_mismatch"
        and (error.get("ctx") or {}).get("pattern") == CARD_NAME_PATTERN
    ):
        message = (
            "invalid name: use letters, digits, '.', '_' and '-' "
            "(it becomes a file name), at most 128 characters"
        )
    shown = error.get("input")
    if kind == "string_type" and isinstance(shown, dict):
        message += (
            " but got a mapping: unquoted text containing ': ' starts a mapping in "
            "YAML; put the text in quotes"
        )
    if kind != "missing" and shown is not None and not isinstance(shown, dict | list):
        message += f", got {error['input']!r}"
    return message


def _validation_problems(
    exc: ValidationError, model: type[BaseModel], doc: _Document, name: str
) -> list[Problem]:
    grouped: dict[PathKey, list[str]] = {}
    unknown: set[PathKey] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = _data_path(loc, doc.data)
        if error["type"] in ("extra_forbidden", "missing") and loc:
            # The last part names a key that is absent (missing) or not allowed (extra).
            path = (*_data_path(loc[:-1], doc.data), loc[-1])
        message = _friendly(error, model, path)
        if message not in grouped.setdefault(path, []):
            grouped[path].append(message)
        if error["type"] == "extra_forbidden":
            unknown.add(path)
    problems = []
    for path, messages in grouped.items():
        # An unknown key is pointed at by its key; a bad value by the value itself.
        position = (doc.keys.get(path) if path in unknown else None) or doc.values.get(path)
        parent = path
        while position is None and parent:
            parent = parent[:-1]
            position = doc.values.get(parent)
        line, column = position if position else (None, None)
        problems.append(Problem(name, " or ".join(messages), line, column, _dotted(path) or None))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems


def validate_spec_data(data: Any, name: str = "<string>", doc: _Document | None = None) -> Card:
    """Validate parsed spec data as a model, data or governance card.

    Raises:
        SpecError: listing every problem with its location.
    """
    doc = doc or _Document(data, {}, {})
    if data is None:
        raise SpecError(
            [
                Problem(
                    name,
                    "file is empty; expected a mapping with at least "
                    "`kind: model` (or `data`, `governance`) and `name:`",
                )
            ]
        )
    if not isinstance(data, dict):
        line, column = doc.values.get((), (None, None))
        raise SpecError(
            [
                Problem(
                    name,
                    f"expected a mapping of fields at the top level, got {type(data).__name__}",
                    line,
                    column,
                )
            ]
        )
    kind = data.get("kind")
    if kind not in CARD_CLASSES:
        position = doc.values.get(("kind",)) if "kind" in data else (1, 1)
        got = f", got {kind!r}" if "kind" in data else ""
        line, column = position or (None, None)
        message = f"`kind` must be `model`, `data` or `governance`{got}"
        raise SpecError([Problem(name, message, line, column, path="kind")])
    model = CARD_CLASSES[kind]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_validation_problems(exc, model, doc, name)) from None


def load_spec(path: str | os.PathLike[str]) -> Card:
    """Load and validate a spec file.

    Args:
        path: a `cards/NAME.yaml` file.

    Returns:
        The `ModelCard`, `DataCard` or `GovernanceCard` it describes.

    Raises:
        SpecError: with one `file:line:column: field.path: message` problem per issue found.

    Example:
        >>> card = load_spec("examples/cards/adult-income.yaml")  # doctest: +SKIP
    """
    path = Path(path)
    name = str(path)
    text = _read_text(path)
    doc = parse_yaml(text, name)
    return validate_spec_data(doc.data, name, doc)


def loads_spec(text: str, name: str = "<string>") -> Card:
    """Load and validate a spec from a string (see `load_spec`)."""
    doc = parse_yaml(text.removeprefix("\ufeff"), name)
    return validate_spec_data(doc.data, name, doc)
