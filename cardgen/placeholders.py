"""Tell template placeholder text ("More information needed", empty bullets) from content.

One rule for every caller (import, completeness); it judges text and never changes it.
"""

from __future__ import annotations

import re

_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_PHRASE = re.compile(
    r"^[\s>*_\[(]*(?:more\s+information\s+needed|more\s+info(?:rmation)?\s+needed"
    r"|information\s+needed|needs?\s+more\s+information|to\s+be\s+(?:added|completed)"
    r"|tbd|todo|n/?a|coming\s+soon|\.\.\.|…)[\s.!:*_\])]*$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-*+]|\d+[.)])(?:\s+(.*))?$")
_LABEL = re.compile(r"^(?:\*\*[^*]+\*\*|__[^_]+__)\s*:?\s*(.*)$")
_PLAIN_LABEL = re.compile(r"^[^:]{1,60}:\s*(.*)$")


def is_placeholder(text: str | None) -> bool:
    """True when `text` holds no content: only template guidance comments, placeholder
    phrases ("More information needed", "[More Information Needed]", ...) and bullets
    whose value is empty or such a phrase (`- **Developed by:** [More Information Needed]`).

    Empty or blank text is a placeholder too.
    """
    if text is None:
        return True
    for line in _COMMENTS.sub("", text).splitlines():
        line = line.strip()
        if not line or _PHRASE.match(line):
            continue
        bullet = _BULLET.match(line)
        value = (bullet.group(1) or "").strip() if bullet else line
        label = _LABEL.match(value) or (_PLAIN_LABEL.match(value) if bullet else None)
        if label is None and not bullet:
            return False
        if label is not None:
            value = label.group(1).strip()
        if value and not _PHRASE.match(value):
            return False
    return True
