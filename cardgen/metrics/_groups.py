"""Groups: intersectional group codes and the marginal and overall groupings derived from them.

It maps codes to groups and sums counts over them; it never reads data or computes a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MISSING = "(missing)"
"""The group of rows whose sensitive value is missing (NaN, None or empty)."""


@dataclass(frozen=True)
class Grouping:
    """One way of splitting the rows: overall, by every feature (intersectional), or by one.

    Attributes:
        features: the sensitive features that define the groups (empty: overall).
        labels: each group's value of each of `features`.
        of_cell: the group of each intersectional cell, indexed by intersectional code.
    """

    features: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    of_cell: np.ndarray

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.labels)

    def aggregate(self, cell_counts: np.ndarray) -> np.ndarray:
        """Sum counts over cells: `(..., n_cells, C, C)` -> `(..., n_groups, C, C)`.

        The cell axis comes after any leading replicate axes and before one cell's
        `C x C` confusion matrix.
        """
        axis = cell_counts.ndim - 3
        if np.array_equal(self.of_cell, np.arange(len(self.of_cell))):
            return cell_counts  # the intersectional grouping itself
        # Cells sorted by group, then one reduceat sums each group's run of cells.
        order = np.argsort(self.of_cell, kind="stable")
        starts = np.flatnonzero(np.diff(self.of_cell[order], prepend=-1))
        return np.add.reduceat(np.take(cell_counts, order, axis=axis), starts, axis=axis)


def groupings(features: Sequence[str], cells: Sequence[tuple[str, ...]]) -> list[Grouping]:
    """The overall grouping, the intersectional one, and one marginal grouping per feature.

    With a single feature the intersectional grouping is that feature's grouping, so it is
    listed once. Marginal groups are ordered as their first appearance in `cells`, which
    are expected in sorted order.

    Args:
        features: sensitive feature names.
        cells: each intersectional group's value of every feature, one tuple per code.

    Returns:
        `[overall, intersectional, *marginal]` (marginal only for two or more features).
    """
    n_cells = len(cells)
    result = [Grouping((), ((),), np.zeros(n_cells, dtype=np.int64))]
    if not features:
        return result
    result.append(Grouping(tuple(features), tuple(cells), np.arange(n_cells, dtype=np.int64)))
    if len(features) > 1:
        for i, feature in enumerate(features):
            values = sorted({cell[i] for cell in cells}, key=value_sort_key)
            index = {value: k for k, value in enumerate(values)}
            of_cell = np.array([index[cell[i]] for cell in cells], dtype=np.int64)
            result.append(Grouping((feature,), tuple((v,) for v in values), of_cell))
    return result


def value_sort_key(value: str) -> tuple[int, float, str]:
    """Order group values: numbers numerically, then text, then `(missing)` last."""
    if value == MISSING:
        return (2, 0.0, value)
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)
