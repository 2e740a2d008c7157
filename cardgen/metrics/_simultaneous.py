"""Simultaneous intervals for a gap chosen as the largest of many comparisons (max-t).

It turns per-group values and their bootstrap replicates into one critical value for all
the pairs a gap was chosen from; it computes no metric and draws no random numbers.

The method (a studentized max-statistic bootstrap, as in Romano & Wolf 2005): for each
pair of groups p with point difference d_p and bootstrap differences d*_p, the standard
error s_p is the standard deviation of d*_p; in every replicate b the statistic is
T_b = max_p |d*_bp - d_p| / s_p; the critical value c is the `ci` quantile of T. Then every
|θ_p - d_p| <= c s_p at once with probability about `ci`, so the interval of a pair picked
*because* it is the largest still covers its true difference. A pair undefined in a
replicate is skipped in it.

A ratio (smallest over largest value) takes its interval from the groups' values instead
(`group_block`, `ratio_interval`): a logarithm would break on rates that are 0 in some
replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHUNK = 1 << 22
"""Replicate-by-pair differences held at a time (32 MiB of float64)."""


@dataclass(frozen=True, eq=False)
class PairBlock:
    """Differences between pairs of groups of one metric, with what the max-t needs.

    Attributes:
        first, second: group indices of each pair.
        diff: point difference `value[first] - value[second]` per pair.
        se: bootstrap standard error of each difference (NaN without replicates).
        max_t: per replicate, the largest studentized deviation over the pairs (NaN where
            no pair is defined); None without replicates.
    """

    first: np.ndarray
    second: np.ndarray
    diff: np.ndarray
    se: np.ndarray
    max_t: np.ndarray | None

    @property
    def size(self) -> int:
        """Number of pairs."""
        return len(self.diff)

    def index(self, first: int, second: int) -> int:
        """Position of the pair `(first, second)`, in either order."""
        same = (self.first == first) & (self.second == second)
        swapped = (self.first == second) & (self.second == first)
        return int(np.flatnonzero(same | swapped)[0])


def all_pairs(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair of the given group indices."""
    a, b = np.triu_indices(len(groups), 1)
    return groups[a], groups[b]


def pair_block(
    values: np.ndarray, replicates: np.ndarray | None, first: np.ndarray, second: np.ndarray
) -> PairBlock:
    """The pairs' differences, standard errors and per-replicate max-t statistic.

    `values` are per group; `replicates` are `(n_boot, groups)`, NaN where undefined (a
    pair undefined in a replicate is skipped there; an infinite one is infinitely deviant).
    """
    diff = values[first] - values[second]
    if replicates is None:
        return PairBlock(first, second, diff, np.full(len(diff), np.nan), None)
    n_boot = replicates.shape[0]
    se = np.full(len(diff), np.nan)
    max_t = np.full(n_boot, np.nan)
    step = max(1, _CHUNK // max(n_boot, 1))
    for start in range(0, len(diff), step):
        stop = min(start + step, len(diff))
        with np.errstate(invalid="ignore"):
            drawn = replicates[:, first[start:stop]] - replicates[:, second[start:stop]]
        finite = np.isfinite(drawn)
        count = finite.sum(axis=0)
        mean = np.where(finite, drawn, 0.0).sum(axis=0) / np.maximum(count, 1)
        squares = np.where(finite, drawn - mean, 0.0) ** 2
        spread = np.sqrt(squares.sum(axis=0) / np.maximum(count - 1, 1))
        spread = np.where(count >= 2, spread, np.nan)
        se[start:stop] = spread
        with np.errstate(invalid="ignore", divide="ignore"):
            deviation = np.abs(drawn - diff[start:stop])
            t = np.where(spread > 0, deviation / spread, np.where(deviation > 0, np.inf, 0.0))
        # Undefined in a replicate (NaN) or without a standard error: skipped there;
        # infinite in a replicate: infinitely deviant.
        t = np.where(np.isnan(drawn) | np.isnan(spread), np.nan, np.where(finite, t, np.inf))
        max_t = np.fmax(max_t, np.fmax.reduce(t, axis=1, initial=-np.inf, where=~np.isnan(t)))
    max_t = np.where(np.isneginf(max_t), np.nan, max_t)
    return PairBlock(first, second, diff, se, max_t)


def group_block(values: np.ndarray, replicates: np.ndarray | None, groups: np.ndarray) -> PairBlock:
    """Each group's value against 0: the max-t over the groups themselves, from which a
    ratio's interval follows (`ratio_interval`)."""
    zero = len(values)
    padded = np.append(values, 0.0)
    if replicates is not None:
        replicates = np.hstack([replicates, np.zeros((replicates.shape[0], 1))])
    return pair_block(padded, replicates, groups, np.full(len(groups), zero, dtype=np.int64))


def critical_value(blocks: list[PairBlock], ci: float) -> float:
    """The max-t critical value over every pair of every block (NaN without replicates).

    Blocks join when one gap is chosen from several metrics' pairs (equalized odds: the
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


def largest_gap_interval(
    blocks: list[PairBlock], chosen: tuple[int, int], critical: float
) -> tuple[float, float]:
    """Simultaneous interval of the largest gap Δ = max over pairs of |θ_i - θ_j|.

    With `d` the chosen pair's (the largest) difference: `[max(0, d - c s), max_p (|d_p| +
    c s_p)]`, which holds Δ whenever every pair's difference is within c standard errors,
    i.e. with probability about `ci`. `chosen` is `(block, pair)`.
    """
    block, pair = blocks[chosen[0]], chosen[1]
    if not np.isfinite(critical):
        return float("nan"), float("nan")
    low = max(0.0, float(block.diff[pair] - critical * block.se[pair]))
    high = max(float(np.nanmax(np.abs(b.diff) + critical * b.se)) for b in blocks if b.size)
    return low, high


def pair_interval(block: PairBlock, pair: int, critical: float) -> tuple[float, float]:
    """Simultaneous interval `d ± c s` of one pair's difference."""
    if not np.isfinite(critical):
        return float("nan"), float("nan")
    half = critical * float(block.se[pair])
    return float(block.diff[pair]) - half, float(block.diff[pair]) + half


def ratio_interval(blocks: list[PairBlock], critical: float) -> tuple[float, float]:
    """Simultaneous interval of the smallest ratio min θ / max θ of non-negative values.

    From `group_block`s: every group's value lies within c standard errors at once, in
    [L_i, U_i]; so min θ / max θ lies in `[max(0, min L) / max U, min U / max L]` (at most
    1). Over several blocks (equalized odds: the smaller of two rates' ratios) the bounds
    are the smallest of each block's.
    """
    if not np.isfinite(critical):
        return float("nan"), float("nan")
    lows, highs = [], []
    for block in blocks:
        low = np.maximum(block.diff - critical * block.se, 0.0)
        high = block.diff + critical * block.se
        top = float(np.nanmax(high))
        lows.append(float(np.nanmin(low)) / top if top > 0 else np.nan)
        floor = float(np.nanmax(low))
        highs.append(min(1.0, float(np.nanmin(high)) / floor) if floor > 0 else 1.0)
    return min(lows), min(highs)
