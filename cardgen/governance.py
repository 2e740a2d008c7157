"""Links between a governance card and the model and data cards it governs.

It checks that every card a governance card names exists (located at the spec line) and
finds the governance card of a model; it reads specs and never writes one.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import CardgenError, Problem
from .schema import GovernanceCard
from .spec import Card, load_spec, parse_yaml

SPEC_SUFFIXES = (".yaml", ".yml")
LINK_KINDS: dict[str, str] = {"models": "model", "datasets": "data"}
"""`governs` field -> the kind of card it names."""


@dataclass(frozen=True)
class KnownCard:
    """A card a link may name: its kind and the spec it comes from."""

    kind: str
    name: str
    spec: str


def _spec_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())


def cards_in(folder: str | Path, skip: Collection[Path] = ()) -> list[tuple[Path, Card]]:
    """Every valid spec in `folder` with its card, but those whose resolved path is in
    `skip`; specs that do not validate are skipped too (`cardgen validate` reports them on
    their own)."""
    found = []
    for path in _spec_files(Path(folder)):
        if skip and path.resolve() in skip:
            continue
        try:
            found.append((path, load_spec(path)))
        except CardgenError:
            continue
    return found


def link_problems(
    governance: Iterable[tuple[str | Path, GovernanceCard]],
    known: Iterable[KnownCard],
    where: str = "the specs checked",
) -> list[Problem]:
    """Problems with the cards governance cards name, each at its spec line.

    A name must be a known card of the right kind (`governs.models` names model cards,
    `governs.datasets` data cards), and a model card may be governed by one governance
    card only (the crosswalk reads its organisational items from that one).

    Args:
        governance: (spec path, card) of each governance card to check.
        known: every card a link may name.
        where: how messages describe the cards searched, e.g. `the specs in cards/`.

    Returns:
        The problems found, in spec and line order.
    """
    by_name: dict[str, list[KnownCard]] = {}
    for known_card in known:
        by_name.setdefault(known_card.name, []).append(known_card)
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    for spec, card in sorted(governance, key=lambda item: str(item[0])):
        positions: dict[tuple[object, ...], tuple[int, int]] = {}
        with contextlib.suppress(OSError, CardgenError):  # a card built in Python: no lines
            positions = parse_yaml(Path(spec).read_text(encoding="utf-8-sig"), str(spec)).values
        for field, kind in LINK_KINDS.items():
            for i, name in enumerate(getattr(card.governs, field)):
                message = _link_message(name, kind, by_name, where)
                if message is None and kind == "model":
                    first = claimed.setdefault(name, card.name)
                    if first != card.name:
                        message = (
                            f"model card {name!r} is already governed by {first!r}; a model "
                            "has one governance card"
                        )
                if message is not None:
                    line, column = positions.get(("governs", field, i), (None, None))
                    path = f"governs.{field}[{i}]"
                    problems.append(Problem(str(spec), message, line, column, path))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0))


def _link_message(
    name: str, kind: str, by_name: Mapping[str, list[KnownCard]], where: str
) -> str | None:
    named = by_name.get(name, [])
    if any(c.kind == kind for c in named):
        return None
    if not named:
        same_kind = sorted(n for n, cards in by_name.items() if any(c.kind == kind for c in cards))
        close = difflib.get_close_matches(name, same_kind, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"no {kind} card named {name!r} among {where}{hint}"
    other = named[0]
    fields = [f for f, k in LINK_KINDS.items() if k == other.kind]
    advice = (
        f"list it under governs.{fields[0]}"
        if fields
        else "a governance card governs model and data cards"
    )
    return f"{name!r} is a {other.kind} card ({other.spec}), not a {kind} card; {advice}"


def governance_of(model_name: str, folder: str | Path) -> GovernanceCard | None:
    """The governance card among the specs in `folder` whose `governs.models` names
    `model_name`, or None.

    The crosswalk answers a model's organisational items (copyright policy, training
    content summary) from it.
    """
    for _, card in cards_in(folder):
        if isinstance(card, GovernanceCard) and model_name in card.governs.models:
            return card
    return None
