"""Per-card release history: metric snapshots in `history/<kind>/<card>.jsonl` and deltas.

It records and compares numbers a card already carries; it never recomputes a metric, and
a rebuild whose numbers did not change leaves the history file's bytes alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._io import atomic_write_text
from ..errors import CardgenError
from ..render.filters import group_label
from ..schema import Card, DataCard, MetricValue, ModelCard

Snapshot = dict[str, list[float | int | None]]
"""Metric key (`evaluation / group / metric`) -> `[value, ci_low, ci_high, n]`."""


def _entry(value: MetricValue) -> list[float | int | None]:
    return [value.value, value.ci_low, value.ci_high, value.n]


def snapshot(card: Card, profiles: list[Any] | None = None) -> Snapshot:
    """The numbers of a card worth following between releases.

    Model cards: every overall metric, per-group metric and fairness measure of every
    evaluation. Data cards: the instance count and, from profiles, rows and base rates.
    Governance cards hold no numbers: their snapshot is empty.

    Returns:
        A flat mapping with sorted, stable keys.
    """
    snap: Snapshot = {}
    if isinstance(card, ModelCard):
        for evaluation in card.quantitative_analyses.evaluations:
            for name, value in evaluation.overall.items():
                snap[f"{evaluation.name} / overall / {name}"] = _entry(value)
            for group in evaluation.groups:
                label = group_label(group.features)
                for name, value in group.metrics.items():
                    snap[f"{evaluation.name} / {label} / {name}"] = _entry(value)
            for name, value in evaluation.fairness_measures.items():
                snap[f"{evaluation.name} / fairness / {name}"] = _entry(value)
    elif isinstance(card, DataCard):
        if card.composition.num_instances is not None:
            snap["composition / instances"] = [card.composition.num_instances, None, None, None]
        for profile in profiles or []:
            snap[f"{profile.source} / rows"] = [profile.num_rows, None, None, None]
            if profile.base_rate is not None:
                snap[f"{profile.source} / overall / base_rate"] = _entry(profile.base_rate)
            for group in profile.groups:
                if group.base_rate is not None:
                    key = f"{profile.source} / {group_label(group.features)} / base_rate"
                    snap[key] = _entry(group.base_rate)
    return dict(sorted(snap.items()))


@dataclass(frozen=True)
class Release:
    """One recorded release of a card: its id and its numbers."""

    release: str
    metrics: Snapshot


def read_history(path: Path) -> list[Release]:
    """The releases recorded in a history file, oldest first (none if it does not exist).

    Raises:
        CardgenError: if a line is not a valid history record (names the line).
    """
    if not path.exists():
        return []
    releases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            releases.append(Release(str(data["release"]), dict(data["metrics"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise CardgenError(
                f"{path}:{number}: not a cardgen history record ({exc}); fix or delete the line"
            ) from None
    return releases


def record(path: Path, release: str, snap: Snapshot) -> list[Release]:
    """Add a release's numbers to a history file, writing only when something changed.

    Numbers identical to the latest record leave the file untouched, whatever the release
    id (a release that changes nothing adds nothing). Otherwise the same release id again
    replaces that release's record (its numbers were collected anew), and a new id is
    appended.

    Returns:
        The history after recording, oldest first.
    """
    releases = read_history(path)
    if releases and releases[-1].metrics == snap:
        return releases
    if releases and releases[-1].release == release:
        releases[-1] = Release(release, snap)
    else:
        releases.append(Release(release, snap))
    text = "".join(
        json.dumps(
            {"release": r.release, "metrics": r.metrics},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n"
        for r in releases
    )
    atomic_write_text(path, text)
    return releases


@dataclass(frozen=True)
class Change:
    """A metric that changed between two consecutive releases."""

    key: str
    before: list[float | int | None] | None
    after: list[float | int | None] | None
    delta: float | None
    exceeds_ci: bool | None
    """True when |delta| is larger than the sum of the two CI half-widths (the intervals
    do not overlap); None when either side has no value or no interval."""


def _half_width(entry: list[float | int | None]) -> float | None:
    low, high = entry[1], entry[2]
    if low is None or high is None:
        return None
    return (float(high) - float(low)) / 2


def changes(before: Snapshot, after: Snapshot) -> list[Change]:
    """What changed from one release to the next, by key.

    The rule for a change that matters: |after - before| > half-width(before) +
    half-width(after), i.e. the two confidence intervals do not overlap. It is
    conservative (a difference can be significant with overlapping intervals) and needs
    no access to the replicates.

    Returns:
        One `Change` per key whose entry differs, added or removed, sorted by key.
    """
    result = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        delta = exceeds = None
        if old is not None and new is not None and old[0] is not None and new[0] is not None:
            delta = float(new[0]) - float(old[0])
            widths = (_half_width(old), _half_width(new))
            if widths[0] is not None and widths[1] is not None:
                exceeds = abs(delta) > widths[0] + widths[1] + 1e-12
        result.append(Change(key, old, new, delta, exceeds))
    return result
