"""Tell template placeholder text ("More information needed", empty bullets) from content
for `cardgen import`; the rule itself is `cardgen.filled`'s, this only adds that no text
at all is no content either. It judges text and never changes it.
"""

from __future__ import annotations

from . import filled


def is_placeholder(text: str | None) -> bool:
    """True when `text` holds no content: nothing, only template guidance comments,
    placeholder phrases ("More information needed", "[More Information Needed]", ...) and
    bullets whose value is empty or such a phrase (`- **Developed by:** [More Information
    Needed]`).
    """
    return text is None or not text.strip() or filled.is_placeholder(text)
