"""One rule for tables whose header repeats a column name, shared by every table reader.

Every copy of a repeated name is numbered (`score.1`, `score.2`, ...) and selected by that
name; this module names and explains them, it reads no file.
"""

from __future__ import annotations

from collections.abc import Sequence


def repeated(names: Sequence[str]) -> dict[str, list[int]]:
    """Each name that appears more than once, with its 1-based column positions."""
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        positions.setdefault(str(name), []).append(i)
    return {name: where for name, where in positions.items() if len(where) > 1}


def copy_names(names: Sequence[str]) -> list[str]:
    """The header with each copy of a repeated name numbered: `p, q, p` -> `p.1, q, p.2`.

    Every copy is renamed (the bare name selects none of them, so it cannot silently pick
    one); a number already taken by another column is skipped.
    """
    twice = repeated(names)
    taken = {str(n) for n in names}
    seen: dict[str, int] = {}
    out = []
    for name in map(str, names):
        if name not in twice:
            out.append(name)
            continue
        count = seen.get(name, 0) + 1
        while f"{name}.{count}" in taken:
            count += 1
        seen[name] = count
        taken.add(f"{name}.{count}")
        out.append(f"{name}.{count}")
    return out


def explain(source: str, names: Sequence[str], only: Sequence[str] | None = None) -> str:
    """`f.csv: column name 'p' repeats (columns 2 and 4): select a copy as 'p.1' (column 2)
    or 'p.2' (column 4)`, for every repeated name (or those in `only`)."""
    copies = copy_names(names)
    parts = []
    for name, where in repeated(names).items():
        if only is not None and name not in only:
            continue
        columns = " and ".join(map(str, where)) if len(where) == 2 else ", ".join(map(str, where))
        choices = " or ".join(f"{copies[i - 1]!r} (column {i})" for i in where)
        parts.append(
            f"column name {name!r} repeats (columns {columns}): select a copy as {choices}"
        )
    return f"{source}: " + "; ".join(parts)
