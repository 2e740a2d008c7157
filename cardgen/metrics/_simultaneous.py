"""Simultaneous intervals for a gap chosen as the largest of many comparisons (max-t).

It turns per-group values and their bootstrap replicates into intervals that hold for all
the groups at once; it computes no metric and draws no random numbers.

The method (a studentized max-statistic bootstrap, as in Romano & Wolf 2005): each group's
standard error s_i is the standard deviation of its replicates; in every replicate b the
statistic is T_b = max_i |v*_bi - v_i| / s_i; the critical value c is the `ci` quantile of
T. Then every group's true value lies in [v_i - c s_i, v_i + c s_i] at once with
probability about `ci`, and so does every gap those intervals allow: the largest gap, picked
*because* it is the largest of many pairs, is still covered. A group undefined in a
replicate is skipped in it. (Intervals for the pairs' own differences would be narrower,
but they rest on the two extreme groups' standard errors, which picking the extremes
biases downwards: in simulations of equal groups they covered a gap of 0 less often than
the stated level.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class GroupBlock:
    """The groups a gap was chosen among, with what the max-t needs.

    Attributes:
        groups: indices of the groups (those with evidence).
        values: their point values.
        se: their bootstrap standard errors (NaN without replicates).
        max_t: per replicate, the largest studentized deviation over the groups (NaN where
            none is defined); None without replicates.
    """

    groups: np.ndarray
    values: np.ndarray
    se: np.ndarray
    max_t: np.ndarray | None

    def bounds(self, critical: float) -> tuple[np.ndarray, np.ndarray]:
        """Each group's simultaneous interval `v ± c s`."""
        return self.values - critical * self.se, self.values + critical * self.se


def group_block(
    values: np.ndarray, replicates: np.ndarray | None, groups: np.ndarray
) -> GroupBlock:
    """The groups' values, standard errors and per-replicate max-t statistic.

    `replicates` are `(n_boot, all groups)`, NaN where undefined.
    """
    kept = values[groups]
    if replicates is None:
        return GroupBlock(groups, kept, np.full(len(groups), np.nan), None)
    drawn = replicates[:, groups]
    defined = np.isfinite(drawn)
    count = defined.sum(axis=0)
    mean = np.where(defined, drawn, 0.0).sum(axis=0) / np.maximum(count, 1)
    squares = np.where(defined, drawn - mean, 0.0) ** 2
    se = np.sqrt(squares.sum(axis=0) / np.maximum(count - 1, 1))
    se = np.where(count >= 2, se, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        deviation = np.abs(drawn - kept)
        t = np.where(se > 0, deviation / se, np.where(deviation > 0, np.inf, 0.0))
    t = np.where(defined & ~np.isnan(se), t, np.nan)
    max_t = np.fmax.reduce(t, axis=1, initial=-np.inf, where=~np.isnan(t))
    return GroupBlock(groups, kept, se, np.where(np.isneginf(max_t), np.nan, max_t))


def critical_value(blocks: list[GroupBlock], ci: float) -> float:
    """The max-t critical value over every group of every block (NaN without replicates).

    Blocks join when one gap is chosen among several metrics' groups (equalized odds: the
    larger of the true and false positive rate gaps). The quantile is the next order
    statistic up (conservative, and defined when some replicates are infinite).
    """
    stats = [b.max_t for b in blocks if b.max_t is not None]
    if not stats:
        return float("nan")
    joint = np.fmax.reduce(np.stack(stats), axis=0)
    defined = joint[~np.isnan(joint)]
    if not len(defined):
        return float("nan")
    return float(np.quantile(defined, ci, method="higher"))


def _finite(low: float, high: float) -> tuple[float, float]:
    if np.isfinite(low) and np.isfinite(high):
        return low, high
    return float("nan"), float("nan")


def gap_interval(block: GroupBlock, critical: float) -> tuple[float, float]:
    """Simultaneous interval of the largest gap Δ = max θ - min θ among the block's groups:
    `[max(0, max L - min U), max U - min L]`, with [L_i, U_i] each group's interval."""
    if not np.isfinite(critical):
        return float("nan"), float("nan")
    low, high = block.bounds(critical)
    return _finite(max(0.0, float(np.max(low) - np.min(high))), float(np.max(high) - np.min(low)))


def ratio_interval(block: GroupBlock, critical: float) -> tuple[float, float]:
    """Simultaneous interval of the smallest ratio min θ / max θ of non-negative values:
    `[max(0, min L) / max U, min U / max L]`, at most 1."""
    if not np.isfinite(critical):
        return float("nan"), float("nan")
    low, high = block.bounds(critical)
    low = np.maximum(low, 0.0)
    top, floor = float(np.max(high)), float(np.max(low))
    bottom = float(np.min(low)) / top if top > 0 else float("nan")
    return _finite(bottom, min(1.0, float(np.min(high)) / floor) if floor > 0 else 1.0)


def reference_interval(
    block: GroupBlock, group: int, reference: int, critical: float
) -> tuple[float, float]:
    """Simultaneous interval of `θ_group - θ_reference` (positions in the block):
    `[L_g - U_r, U_g - L_r]`, which holds for every group at once."""
    if not np.isfinite(critical):
        return float("nan"), float("nan")
    low, high = block.bounds(critical)
    return _finite(float(low[group] - high[reference]), float(high[group] - low[reference]))
