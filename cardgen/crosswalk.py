"""Regulation crosswalk: each documentation-regime item as satisfied / unknown / not applicable.

The regimes are data (cardgen/regimes/*.yaml); this module loads, checks and applies them to
a model card (and the governance card that governs it) and renders the result. It decides
nothing about the law beyond those files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CardgenError
from .filled import FillState, fill_state
from .governance import governance_of
from .render.filters import cell
from .schema import Card, GovernanceCard, ModelCard
from .schema.documentation import RegulatoryScope
from .sections import has_field, lookup

REGIMES_DIR = Path(__file__).resolve().parent / "regimes"
Status = Literal["satisfied", "unknown", "not_applicable"]
STATUS_LABELS = {"satisfied": "satisfied", "unknown": "unknown", "not_applicable": "not applicable"}
GOVERNANCE_PREFIX = "governance."
"""Item fields under this prefix are read from the model's governance card (the one whose
`governs.models` names it), e.g. `governance.data_governance.copyright_policy`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    """When every term holds, the items naming this rule are not applicable."""

    when: list[str] = Field(min_length=1)
    """Terms on `regulatory` flags: `flag`, `!flag` or `scope:model` / `scope:system`."""
    reason: str = Field(min_length=1)
    """Why the items do not apply, naming the flag."""


class NoCardField(_Strict):
    """An item no card field can answer, and the status it gets when it applies."""

    status: Literal["unknown"]
    note: str = Field(min_length=1)


class Item(_Strict):
    """One item of a regime."""

    id: str = Field(min_length=1)
    paraphrase: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    fields: list[str] = Field(default_factory=list)
    match: Literal["any", "all"] = "any"
    no_card_field: NoCardField | None = None
    rules: list[str] = Field(default_factory=list)


class Regime(_Strict):
    """A documentation regime: its items and the applicability rules they name."""

    id: str
    title: str
    source: str
    caveat: str | None = None
    """What of the item list still needs checking against the primary text."""
    rules: dict[str, Rule] = Field(default_factory=dict)
    items: list[Item] = Field(min_length=1)


def _flag_names() -> set[str]:
    return {n for n, f in RegulatoryScope.model_fields.items() if f.annotation is bool}


def _resolves(path: str) -> bool:
    if path.startswith(GOVERNANCE_PREFIX):
        return has_field(GovernanceCard, path.removeprefix(GOVERNANCE_PREFIX))
    return has_field(ModelCard, path)


def regime_problems(regime: Regime) -> list[str]:
    """Mapping problems: items without a field or a no-card-field rule, unknown fields,
    unknown rules or flags, duplicate ids."""
    problems = []
    seen: set[str] = set()
    flags = _flag_names()
    for name, rule in regime.rules.items():
        for term in rule.when:
            bare = term.removeprefix("!")
            if bare not in flags and term not in ("scope:model", "scope:system"):
                problems.append(f"rule {name}: unknown flag term {term!r}")
    for item in regime.items:
        if item.id in seen:
            problems.append(f"{item.id}: duplicate id")
        seen.add(item.id)
        if bool(item.fields) == (item.no_card_field is not None):
            problems.append(f"{item.id}: needs either `fields` or `no_card_field`, not both")
        problems += [f"{item.id}: no card field {f!r}" for f in item.fields if not _resolves(f)]
        problems += [f"{item.id}: unknown rule {r!r}" for r in item.rules if r not in regime.rules]
    return problems


def load_regime(path: Path) -> Regime:
    """Read and check one regime file.

    Raises:
        CardgenError: the file is not valid YAML, misses a key, or maps an item badly.
    """
    try:
        regime = Regime.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CardgenError(f"{path}: not a valid regime file: {exc}") from None
    problems = regime_problems(regime)
    if problems:
        raise CardgenError(f"{path}: " + "; ".join(problems))
    if regime.id != path.stem:
        raise CardgenError(f"{path}: id {regime.id!r} must equal the file name")
    return regime


@functools.cache
def regimes() -> dict[str, Regime]:
    """Every shipped regime, keyed by id, in file-name order."""
    return {p.stem: load_regime(p) for p in sorted(REGIMES_DIR.glob("*.yaml"))}


def select_regimes(names: list[str] | tuple[str, ...] | None) -> list[Regime]:
    """The regimes named (all when none are).

    Raises:
        CardgenError: an unknown name; the message lists the known ones.
    """
    known = regimes()
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        raise CardgenError(
            f"unknown regime {', '.join(map(repr, unknown))}; known regimes: " + ", ".join(known)
        )
    return [known[n] for n in names] if names else list(known.values())


def _term(term: str, scope: RegulatoryScope) -> bool:
    if term.startswith("scope:"):
        return scope.scope == term.split(":", 1)[1]
    value = bool(getattr(scope, term.removeprefix("!")))
    return not value if term.startswith("!") else value


def _state(card: ModelCard, governance: GovernanceCard | None, path: str) -> FillState:
    if not path.startswith(GOVERNANCE_PREFIX):
        return fill_state(lookup(card, path))
    if governance is None:
        return "empty"
    return fill_state(lookup(governance, path.removeprefix(GOVERNANCE_PREFIX)))


def assess(
    card: ModelCard, regime: Regime, governance: GovernanceCard | None = None
) -> list[dict[str, Any]]:
    """Each item of `regime` for `card`: id, paraphrase, citation, status, fields, reason.

    `fields` are the card fields that satisfy the item (or, when unknown, those that would);
    `reason` says why an item is not applicable, or what is missing. Fields named
    `governance.…` are read from `governance`, the card's governance card; without one
    they are missing, and the reason says so.
    """
    scope = card.regulatory
    rows = []
    for item in regime.items:
        row: dict[str, Any] = {
            "id": item.id,
            "paraphrase": item.paraphrase,
            "citation": item.citation,
        }
        blocking = next(
            (
                regime.rules[r]
                for r in item.rules
                if all(_term(t, scope) for t in regime.rules[r].when)
            ),
            None,
        )
        if blocking is not None:
            row.update(status="not_applicable", fields=[], reason=blocking.reason)
        elif item.no_card_field is not None:
            row.update(
                status=item.no_card_field.status,
                fields=[],
                reason="no card field: " + item.no_card_field.note,
            )
        else:
            states = {f: _state(card, governance, f) for f in item.fields}
            filled = [f for f, s in states.items() if s == "filled"]
            done = len(filled) == len(states) if item.match == "all" else bool(filled)
            if done:
                row.update(status="satisfied", fields=filled, reason=None)
            else:
                missing = [f for f, s in states.items() if s != "filled"]
                placeholder = [f for f in missing if states[f] == "placeholder"]
                reason = (
                    f"missing: {', '.join(missing)}"
                    if item.match == "all"
                    else f"fill one of: {', '.join(missing)}"
                )
                if placeholder:
                    reason += f" ({', '.join(placeholder)} only holds a placeholder)"
                if governance is None and any(f.startswith(GOVERNANCE_PREFIX) for f in missing):
                    reason += (
                        f" (no governance card names {card.name!r} in governs.models; "
                        f"`cardgen init governance` writes one)"
                    )
                row.update(status="unknown", fields=missing, reason=reason)
        rows.append(row)
    return rows


def crosswalk(
    card: Card,
    names: list[str] | tuple[str, ...] | None = None,
    governance: GovernanceCard | None = None,
) -> list[dict[str, Any]]:
    """The crosswalk of a model card against the named regimes (all by default).

    Args:
        card: the model card.
        names: regime ids; every shipped regime when None.
        governance: the governance card whose `governs.models` names this model; items
            the regimes answer from a governance card (copyright policy, training-content
            summary, ...) are unknown without it.

    Raises:
        CardgenError: a data or governance card (the regimes document models), a
            governance card that does not govern this model, or an unknown regime.
    """
    if not isinstance(card, ModelCard):
        what = (
            "datasets"
            if card.kind == "data"
            else "projects (a governance card's items are read through the model cards it governs)"
        )
        raise CardgenError(
            f"{card.name}: the crosswalk covers model cards; the regimes "
            f"document models and AI systems, not {what}"
        )
    if governance is not None and card.name not in governance.governs.models:
        raise CardgenError(
            f"{governance.name}: governs.models does not name {card.name!r}; a model's "
            "crosswalk reads only its own governance card"
        )
    out = []
    for regime in select_regimes(names):
        items = assess(card, regime, governance)
        counts = {s: sum(i["status"] == s for i in items) for s in STATUS_LABELS}
        out.append(
            {
                "regime": regime.id,
                "title": regime.title,
                "source": regime.source,
                "caveat": regime.caveat,
                "governance_card": governance.name if governance is not None else None,
                "counts": counts,
                "items": items,
            }
        )
    return out


def crosswalk_spec(
    spec: str | Path,
    names: list[str] | tuple[str, ...] | None = None,
    root: str | Path = ".",
) -> list[dict[str, Any]]:
    """The crosswalk of a model card spec (merged with its facts under `root`), with the
    governance card found among the specs in the same folder (`governance.governance_of`).

    Raises:
        SpecError: the spec does not validate.
        CardgenError: not a model card, or an unknown regime.
    """
    from .merge import load_card

    card = load_card(spec, root)
    governance = governance_of(card.name, Path(spec).parent) if card.kind == "model" else None
    return crosswalk(card, names, governance)


def _compact_lines(regime: dict[str, Any], reasons: set[str | None]) -> list[str]:
    items = regime["items"]
    if regime["counts"]["not_applicable"] == len(items) and len(reasons) == 1:
        return [f"Not applicable ({len(items)} items): {cell(next(iter(reasons)))}", ""]
    lines = []
    for status, label in (
        ("satisfied", "Satisfied"),
        ("unknown", "Unknown"),
        ("not_applicable", "Not applicable"),
    ):
        chosen = [i for i in items if i["status"] == status]
        if not chosen:
            continue
        if status == "not_applicable":
            # One line per reason: a regime's items mostly share theirs.
            by_reason: dict[str, list[str]] = {}
            for item in chosen:
                by_reason.setdefault(item["reason"] or "", []).append(cell(item["id"]))
            lines += [
                f"- **{label} ({len(ids)}):** {', '.join(ids)}"
                + (f": {cell(reason)}" if reason else "")
                for reason, ids in by_reason.items()
            ]
            continue
        entries = [
            f"{cell(i['id'])} ({', '.join(f'`{f}`' for f in i['fields'])})"
            if i["fields"]
            else cell(i["id"])
            for i in chosen
        ]
        lines.append(f"- **{label} ({len(chosen)}):** " + "; ".join(entries))
    return [*lines, ""]


def crosswalk_markdown(
    results: list[dict[str, Any]], heading_level: int = 2, compact: bool = False
) -> str:
    """The crosswalk as Markdown: one table per regime; card text is escaped for tables.

    With `compact`, each regime is a few lines instead of a table: item ids by status with
    the satisfying (or missing) card fields, and a regime that does not apply at all is
    one line with its reason (site pages of many cards stay small).
    """
    hashes = "#" * heading_level
    parts = []
    for regime in results:
        counts = regime["counts"]
        reasons = {i["reason"] for i in regime["items"]}
        if compact:
            parts += [f"{hashes} {cell(regime['title'])}", "", *_compact_lines(regime, reasons)]
            continue
        governed = regime.get("governance_card")
        parts += [
            f"{hashes} {cell(regime['title'])}",
            "",
            f"{counts['satisfied']} satisfied, {counts['unknown']} unknown, "
            f"{counts['not_applicable']} not applicable. Source: "
            f"{cell(regime['source'])}. Items are paraphrased, not quoted."
            + (f" {cell(regime['caveat'])}" if regime.get("caveat") else "")
            + (f" `governance.…` fields: governance card {cell(governed)}." if governed else ""),
            "",
            "| Item | What it asks | Status | Card field | Note |",
            "|---|---|---|---|---|",
        ]
        for item in regime["items"]:
            fields = (
                ", ".join(f"`{f}`" for f in item["fields"]) if item["status"] == "satisfied" else ""
            )
            parts.append(
                f"| {cell(item['id'])} | {cell(item['paraphrase'])} | "
                f"{STATUS_LABELS[item['status']]} | {fields} | "
                f"{cell(item['reason'] or '')} |"
            )
        parts.append("")
    return "\n".join(parts)
