"""Counts in words, with the noun's number right: `1 row`, `2 rows`, `1,024 groups`.

Formatting only, for templates and messages alike; it never decides what is counted.
"""

from __future__ import annotations


def plural(noun: str) -> str:
    """The regular English plural of a noun (the last word of a phrase):
    `row` -> `rows`, `exact duplicate row` -> `exact duplicate rows`, `entry` -> `entries`."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """`n` and the noun, singular for exactly one: `count(1, "row")` is `1 row`,
    `count(2500, "row")` is `2,500 rows`; `many` gives an irregular plural.

    Example:
        >>> count(1, "threshold test"), count(0, "data card"), count(3, "entry")
        ('1 threshold test', '0 data cards', '3 entries')
    """
    return f"{n:,} {noun if n == 1 else (many or plural(noun))}"
