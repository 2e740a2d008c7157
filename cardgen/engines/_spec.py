"""What every engine is handed: the aggregation to run and where the data is.

Plain records; they run nothing and read no data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AggregationSpec:
    """The one aggregation every engine runs.

    GROUP BY the sensitive features, the label and the prediction; with a score, also by
    the score's bin (or the score itself when it has at most `score_bins` distinct values),
    its calibration bin and `score >= threshold`, with the sums of the scores and of their
    squares per group.
    """

    label: str
    pred: str | None
    score: str | None
    threshold: float
    sensitive: tuple[str, ...]
    score_bins: int

    @property
    def columns(self) -> list[str]:
        """The columns the aggregation reads."""
        return [c for c in (self.label, self.pred, self.score, *self.sensitive) if c]


@dataclass(frozen=True)
class Inputs:
    """Where the data is: its format, the files (sorted), and what to hand each engine."""

    given: str
    kind: str
    files: tuple[Path, ...]
    table: str | None = None
    folder: Path | None = None
    uri: str | None = None

    @property
    def size(self) -> int:
        """Bytes in all files."""
        return sum(f.stat().st_size for f in self.files)
