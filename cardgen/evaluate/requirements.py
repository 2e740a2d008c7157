"""Threshold tests an evaluation checks: their syntax, the fairness measures they may name,
and the requirements a card spec declares for a data file.

It parses and checks text; it computes nothing and reads no data.
"""

from __future__ import annotations

import operator
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CardgenError

FAIRNESS_MEASURES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)
"""Named measures reported for binary tasks (fairlearn's names and definitions)."""


MEASURE_RATES: dict[str, tuple[str, ...]] = {
    "demographic_parity_difference": ("selection_rate",),
    "demographic_parity_ratio": ("selection_rate",),
    "equal_opportunity_difference": ("true_positive_rate",),
    "equal_opportunity_ratio": ("true_positive_rate",),
    "equalized_odds_difference": ("true_positive_rate", "false_positive_rate"),
    "equalized_odds_ratio": ("true_positive_rate", "false_positive_rate"),
}
"""The group rates each fairness measure compares."""

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_REQUIREMENT = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]+\])?(?:_(?:difference|ratio|min|max))?)"
    r"\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
SUFFIXES = ("_difference", "_ratio", "_min", "_max")
"""Suffixes that turn a metric into a test over the intersectional groups."""


@dataclass(frozen=True)
class Requirement:
    """A parsed threshold test such as `demographic_parity_ratio>=0.8`."""

    expression: str
    metric: str
    operator: str
    threshold: float


def parse_requirement(expression: str) -> Requirement:
    """Parse `METRIC OP NUMBER` (OP one of >=, <=, >, <, ==, !=).

    METRIC is a fairness measure (`demographic_parity_ratio`), an overall metric
    (`accuracy`), or a metric over the intersectional groups with a suffix:
    `accuracy_min`, `accuracy_max`, `accuracy_difference`, `accuracy_ratio`.

    Raises:
        CardgenError: when the expression does not parse.
    """
    match = _REQUIREMENT.match(expression)
    if not match:
        raise CardgenError(
            f"cannot parse requirement {expression!r}: expected METRIC OP NUMBER with OP one "
            f"of >=, <=, >, <, ==, != (e.g. 'demographic_parity_ratio>=0.8')"
        )
    threshold = float(match["threshold"])
    return Requirement(expression, match["metric"], match["op"], threshold)


def card_requirements(card: str | os.PathLike[str], data: str) -> list[str]:
    """Requirements a card spec declares for this data file (its `sources.evaluate` entries
    whose `data` is the same file)."""
    from .._paths import resolve_sources
    from ..spec import load_spec

    spec = resolve_sources(load_spec(card), card)
    entries = getattr(getattr(spec, "sources", None), "evaluate", None) or []
    target = Path(data).resolve()
    return [r for entry in entries if Path(entry.data).resolve() == target for r in entry.require]
