"""The result of an audit: every card's audit, the problems met, the population figures.

It holds and summarises audits; it reads no card and writes no file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._population import PopulationTally, quartile_edges, tally_cards
from ._record import CardAudit


@dataclass
class HubFigures:
    """What a Hub audit cost and read: requests per budget, 429s, time waiting."""

    repositories: int = 0
    """Repositories read in this run (a resumed run counts only its own)."""
    requests: dict[str, int] = field(default_factory=dict)
    """Requests sent: `api` (listing pages, single records), `files` (README downloads)."""
    throttled: int = 0
    """Answers that were 429 (rate limited)."""
    waited: float = 0.0
    """Seconds spent waiting for the rate-limit budget."""
    readmes_read: bool = True
    """False for `--metadata-only`: sections were not audited."""
    resumed: int = 0
    """Repositories taken from the checkpoint of an earlier, interrupted run."""

    def per_repository(self) -> dict[str, float]:
        """Requests per repository read, per budget and in total (0 when none was read)."""
        n = self.repositories
        figures = {name: sent / n if n else 0.0 for name, sent in sorted(self.requests.items())}
        figures["total"] = sum(self.requests.values()) / n if n else 0.0
        return figures

    def to_json(self) -> dict[str, Any]:
        """What the report's figures mean, as a JSON-able mapping: whether READMEs were
        read (completeness then counts sections, else Hub fields). Requests and waits
        describe one run, not its result, and are left out: a resumed run's report is
        byte for byte an uninterrupted one's."""
        return {
            "readmes_read": self.readmes_read,
            "completeness_of": "sections" if self.readmes_read else "hub fields",
        }


@dataclass
class AuditReport:
    """Every card's audit, the inputs that could not be audited, and the population figures.

    `cards` is a list, or for a Hub audit a `CardStore` that reads the cards back from
    the run's checkpoint file one at a time (so that 100,000 of them fit in flat memory).
    """

    cards: Sequence[CardAudit] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    """`{source, problem, message}`: problem is `unreadable`, `binary`, `empty`,
    `broken-front-matter`, `invalid-spec`, or for Hub repositories `hub-error`, `gated`,
    `private`, `no-repositories` (an author) or `listing-incomplete` (an author's listing
    broke off). Empty cards and cards with broken front matter are still audited; the
    others are not."""
    hub: HubFigures | None = None
    """Requests and waits of a Hub audit; None for files."""

    def tallies(self) -> tuple[dict[str, PopulationTally], Any]:
        """One pass over the cards: the population tally of each kind and every card's
        completeness (kept in the cards' `memo` when they have one: a `CardStore`, which
        never changes, is read once for all the figures)."""
        memo = getattr(self.cards, "memo", None)
        if isinstance(memo, dict):
            if "tallies" not in memo:
                memo["tallies"] = tally_cards(self.cards)
            return memo["tallies"]
        return tally_cards(self.cards)

    @property
    def mean_completeness(self) -> float:
        """Mean completeness (percent) over the audited cards; 0 when there are none."""
        values = self.tallies()[1]
        return float(np.mean(values)) if len(values) else 0.0

    def population(self) -> dict[str, Any]:
        """Population figures per card kind (see `population`)."""
        return {kind: tally.figures() for kind, tally in self.tallies()[0].items()}

    def to_json(self) -> dict[str, Any]:
        """The whole report as a JSON-able mapping (deterministic order)."""
        return {**self._summary_json(), "cards": [c.to_json() for c in self.cards]}

    def _summary_json(self) -> dict[str, Any]:
        tallies, values = self.tallies()
        summary: dict[str, Any] = {
            "cards_audited": len(values),
            "mean_completeness": round(float(np.mean(values)) if len(values) else 0.0, 2),
            "problems": self.problems,
            "problem_counts": dict(sorted(Counter(p["problem"] for p in self.problems).items())),
            "population": {kind: tally.figures() for kind, tally in tallies.items()},
        }
        if self.hub is not None:
            summary["hub"] = self.hub.to_json()
        return summary


def download_quartiles(cards: Iterable[CardAudit]) -> dict[str, str]:
    """`Q1` (least downloaded) to `Q4` per card source, for cards with a download count."""
    counted = [(c.source, float(c.downloads)) for c in cards if c.downloads is not None]
    if not counted:
        return {}
    edges = quartile_edges([d for _, d in counted])
    return {source: f"Q{int(np.searchsorted(edges, d)) + 1}" for source, d in counted}


def population(cards: Iterable[CardAudit]) -> dict[str, Any]:
    """Fill rate of each section and field with a Wilson interval, the completeness
    distribution, claim-check counts and breakdowns by pipeline tag, library and (for Hub
    repositories) download quartile."""
    tally = PopulationTally()
    for card in cards:
        tally.add(card)
    return tally.figures()
