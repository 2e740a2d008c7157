"""One rule for whether a card value is filled, a template placeholder, or empty.

The audit and the crosswalk call `fill_state` for every value; it reads, never edits.
"""

from __future__ import annotations

import re
from typing import Any, Literal

FillState = Literal["filled", "placeholder", "empty"]

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "more information needed",
        "needs more information",
        "more information required",
        "more info needed",
        "information needed",
        "to be added",
        "to be completed",
        "coming soon",
        "tbd",
        "tba",
        "todo",
        "wip",
        "to do",
        "to be determined",
        "fill me in",
        "n/a",
        "na",
    }
)
"""Texts that only stand in for a section (the Hub template's "[More Information Needed]",
cardgen's own "_More information needed._", the Trainer's "More information needed"),
compared after `_bare` strips markup, punctuation and case."""

_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_MARKUP = re.compile(r"[\s\[\]()*_`#>:.!,;|\-]+")
_EXPRESSION = r"(?:\{\{[^{}]*\}\}|\{%[^{}]*%\})"
_TEMPLATE_EXPRESSION = re.compile(rf"{_EXPRESSION}(?:\s*{_EXPRESSION})*")


def _bare(text: str) -> str:
    return _MARKUP.sub(" ", _COMMENTS.sub("", text)).strip().lower()


def _only_placeholders(bare: str) -> bool:
    for phrase in sorted(PLACEHOLDERS, key=len, reverse=True):
        bare = bare.replace(phrase, " ")
    return not bare.strip()


def _placeholder_line(line: str) -> bool:
    if _TEMPLATE_EXPRESSION.fullmatch(line):
        return True  # an unrendered template variable such as `{{ model_description }}`
    bare = _bare(line)
    if _only_placeholders(bare):
        return True  # also a line of markup only, such as a table rule
    # "- **Developed by:** [More Information Needed]": a label whose value is a placeholder.
    label, colon, value = line.partition(":")
    return bool(colon) and len(label) <= 80 and _only_placeholders(_bare(value))


def is_placeholder(text: str) -> bool:
    """True when `text` has no content besides template placeholders (or comments).

    Every non-blank line must be a placeholder ("[More Information Needed]", "TODO"), an
    unrendered `{{ variable }}`, or a label whose value is one ("**License:** TBD").

    Example:
        >>> is_placeholder("[More Information Needed]"), is_placeholder("A BERT model.")
        (True, False)
    """
    lines = [line.strip() for line in _COMMENTS.sub("", text).split("\n") if line.strip()]
    if not lines:
        return bool(text.strip())  # only HTML comments: the template's hints
    return all(_placeholder_line(line) for line in lines)


def fill_state(value: Any) -> FillState:
    """`filled`, `placeholder` or `empty` for a card value of any shape.

    None, blank text and empty collections are empty; text that is only a placeholder
    (see `PLACEHOLDERS`) or only HTML comments is a placeholder; a collection is as
    filled as its best item; numbers, booleans and dates are filled.
    """
    if value is None:
        return "empty"
    if isinstance(value, str):
        if not value.strip():
            return "empty"
        return "placeholder" if is_placeholder(value) else "filled"
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        best: FillState = "empty"
        for item in value:
            state = fill_state(item)
            if state == "filled":
                return "filled"
            if state == "placeholder":
                best = "placeholder"
        return best
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:  # a pydantic section: as filled as its best non-default field
        states: list[FillState] = []
        for name, info in fields.items():
            item = getattr(value, name)
            if not info.is_required() and item == info.get_default(call_default_factory=True):
                continue
            state = fill_state(item)
            if state == "filled":
                return "filled"
            states.append(state)
        return best_state(states)
    return "filled"


def best_state(states: list[FillState]) -> FillState:
    """The most filled of several states (a section written under several headings)."""
    if "filled" in states:
        return "filled"
    return "placeholder" if "placeholder" in states else "empty"
