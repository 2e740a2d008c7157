"""Population figures of an audit, gathered one card at a time so that memory stays flat.

It counts what it is given and computes fill rates, intervals and quantiles; it reads and
writes nothing, and it keeps a few numbers per card, never the cards themselves.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._record import CardAudit

CI_LEVEL = 0.95
HISTOGRAM_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
QUARTILE_PERCENTS = [25, 50, 75]


def _rates(counts: dict[str, Counter[str]], n: int) -> dict[str, dict[str, Any]]:
    """Fill rate of each name with a Wilson interval (statsmodels' formula)."""
    from ..metrics import wilson_interval

    out: dict[str, dict[str, Any]] = {}
    for name, states in counts.items():
        low, high = wilson_interval(np.array([states["filled"]]), np.array([n]), CI_LEVEL)
        out[name] = {
            "filled": states["filled"],
            "placeholder": states["placeholder"],
            "empty": states["empty"],
            "n": n,
            "rate": round(states["filled"] / n, 6),
            "ci_low": round(float(low[0]), 6),
            "ci_high": round(float(high[0]), 6),
        }
    return out


class _Group:
    """One breakdown group: its completeness values and each field's filled count."""

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        self.completeness = array("d")
        self.filled: Counter[str] = Counter()

    def add(self, completeness: float, filled: Iterable[str]) -> None:
        self.completeness.append(completeness)
        self.filled.update(filled)

    def figures(self) -> dict[str, Any]:
        n = len(self.completeness)
        return {
            "n": n,
            "mean_completeness": round(float(np.mean(self.completeness)), 2),
            "fields": {f: round(self.filled[f] / n, 6) for f in self.fields},
        }


class PopulationTally:
    """Fill rates, completeness distribution, claim checks and breakdowns of one card kind.

    Add cards with `add`, read the figures with `figures`. The names of sections and
    fields are the first card's (every card of a kind has the same). The download
    quartiles need every download count first, so the tally keeps, per card with one,
    its count, completeness and which fields are filled (a few bytes each).
    """

    def __init__(self) -> None:
        self.n = 0
        self._sections: dict[str, Counter[str]] | None = None
        self._fields: dict[str, Counter[str]] | None = None
        self.completeness = array("d")
        self._checks: Counter[str] = Counter()
        self._by: dict[str, dict[str, _Group]] = {"pipeline_tag": {}, "library": {}}
        self._downloads = array("d")
        self._download_completeness = array("d")
        self._download_filled: list[int] = []

    def add(self, card: CardAudit) -> None:
        """Count one card."""
        if self._sections is None or self._fields is None:
            self._sections = {name: Counter() for name in card.sections}
            self._fields = {name: Counter() for name in card.fields}
        self.n += 1
        for name, counter in self._sections.items():
            counter[card.sections.get(name, "empty")] += 1
        for name, counter in self._fields.items():
            counter[card.fields.get(name, "empty")] += 1
        completeness = card.completeness
        self.completeness.append(completeness)
        self._checks.update(check["code"] for check in card.checks)
        field_names = list(self._fields)
        filled = [name for name in field_names if card.fields.get(name, "empty") == "filled"]
        for group, key in (("pipeline_tag", card.pipeline_tag), ("library", card.library_name)):
            groups = self._by[group]
            name = key or "(none)"
            if name not in groups:
                groups[name] = _Group(list(card.fields))
            groups[name].add(completeness, filled)
        if card.downloads is not None:
            self._downloads.append(float(card.downloads))
            self._download_completeness.append(completeness)
            self._download_filled.append(sum(1 << field_names.index(f) for f in filled))

    def figures(self) -> dict[str, Any]:
        """The population figures (`cardgen.audit.population`'s shape)."""
        n = max(self.n, 1)
        values = np.frombuffer(self.completeness, dtype=float) if self.n else np.array([0.0])
        histogram, _ = np.histogram(values, bins=HISTOGRAM_EDGES)
        report: dict[str, Any] = {
            "n": self.n,
            "sections": _rates(self._sections or {}, n),
            "fields": _rates(self._fields or {}, n),
            "completeness": {
                "mean": round(float(values.mean()), 2),
                "median": round(float(np.median(values)), 2),
                "q1": round(float(np.percentile(values, 25)), 2),
                "q3": round(float(np.percentile(values, 75)), 2),
                "histogram": {"edges": HISTOGRAM_EDGES, "counts": histogram.tolist()},
            },
            "checks": dict(sorted(self._checks.items())),
            "by_pipeline_tag": {
                k: g.figures() for k, g in sorted(self._by["pipeline_tag"].items())
            },
            "by_library": {k: g.figures() for k, g in sorted(self._by["library"].items())},
        }
        if len(self._downloads):
            report["by_download_quartile"] = self._by_quartile()
        return report

    def _by_quartile(self) -> dict[str, Any]:
        names = list(self._fields or {})
        downloads = np.frombuffer(self._downloads, dtype=float)
        quartiles = np.searchsorted(quartile_edges(downloads), downloads) + 1
        groups: dict[str, _Group] = defaultdict(lambda: _Group(names))
        for quartile, completeness, mask in zip(
            quartiles.tolist(), self._download_completeness, self._download_filled, strict=True
        ):
            groups[f"Q{quartile}"].add(
                completeness, [f for i, f in enumerate(names) if mask >> i & 1]
            )
        return {name: group.figures() for name, group in sorted(groups.items())}


def quartile_edges(downloads: Any) -> Any:
    """The 25th, 50th and 75th percentiles of download counts (numpy's linear rule)."""
    return np.percentile(downloads, QUARTILE_PERCENTS)


def tally_cards(cards: Iterable[CardAudit]) -> tuple[dict[str, PopulationTally], Any]:
    """One pass over the cards: a tally per kind (`model`, `data`, then `governance`) and
    every card's completeness, in order."""
    tallies: dict[str, PopulationTally] = {}
    completeness = array("d")
    for card in cards:
        tallies.setdefault(card.kind, PopulationTally()).add(card)
        completeness.append(card.completeness)
    ordered: dict[str, PopulationTally] = {
        kind: tallies[kind] for kind in ("model", "data", "governance") if kind in tallies
    }
    return ordered, completeness
