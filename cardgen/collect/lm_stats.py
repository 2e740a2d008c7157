"""Error bars for language-model evaluations: CLT, clustered and paired standard errors, MDE.

Pure numpy/scipy over per-question scores (Miller 2024, "Adding Error Bars to Evals"); it
reads no files and runs no model.

Definitions, for scores s_1..s_n with mean m:

- CLT standard error: `SE = sd(s, ddof=1) / sqrt(n)` (what lm-evaluation-harness and Inspect
  AI report as `stderr` for a mean);
- clustered standard error over G clusters (e.g. questions sharing a passage): the CR1
  cluster-robust SE of the mean, `SE² = G/(G-1) · Σ_g (Σ_{i∈g} (s_i - m))² / n²`: statsmodels'
  small-sample factor `G/(G-1) · (n-1)/(n-k)` with k = 1 regressor, so it equals
  `OLS(s, ones).fit(cov_type="cluster")`'s standard error;
- paired difference of two runs over the question ids both share: `d_i = new_i - base_i`,
  `SE = sd(d, ddof=1) / sqrt(n)`; unpaired (ids do not match):
  `SE = sqrt(SE_base² + SE_new²)`;
- intervals are `estimate ± z_{(1+level)/2} · SE` (normal);
- minimum detectable effect at power 1-β with a two-sided level α test:
  `MDE = (z_{1-α/2} + z_{1-β}) · SE` (2.80 · SE for 80% power at 5%);
- flips of binary (right/wrong) scores over the n shared ids: a negative flip is right in
  the baseline and wrong in the new run (b of them), a positive flip the reverse (c); each
  rate is a count over n with its Wilson score interval; McNemar's exact test is the
  two-sided binomial test of b against b + c discordant pairs at 1/2,
  `p = min(1, 2 · P(X <= min(b, c)))`, X ~ Binomial(b + c, 1/2) (1 when b + c = 0), as
  statsmodels' `mcnemar(table, exact=True)` computes it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeanSE:
    """A mean with its standard error and normal interval."""

    value: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    clusters: int | None = None


def z_value(level: float) -> float:
    """The two-sided normal quantile for a confidence level, e.g. 1.96 for 0.95."""
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2))


def _interval(value: float, se: float | None, level: float) -> tuple[float | None, float | None]:
    if se is None or not math.isfinite(se):
        return None, None
    half = z_value(level) * se
    return value - half, value + half


def mean_se(scores: Sequence[float] | np.ndarray, level: float = 0.95) -> MeanSE:
    """Mean of per-question scores with the CLT standard error sd/√n and its interval.

    With one score there is no standard error (None).
    """
    values = np.asarray(scores, dtype=np.float64)
    n = len(values)
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else None
    return MeanSE(mean, se, *_interval(mean, se, level), n)


def clustered_se(
    scores: Sequence[float] | np.ndarray, clusters: Sequence[Hashable], level: float = 0.95
) -> MeanSE:
    """Mean with the CR1 cluster-robust standard error (statsmodels' `cov_type="cluster"`).

    Args:
        scores: one score per question.
        clusters: the cluster (e.g. passage id) of each question.
        level: confidence level of the normal interval.

    Returns:
        The mean, its clustered SE (None with fewer than two clusters) and the interval.
    """
    values = np.asarray(scores, dtype=np.float64)
    n = len(values)
    mean = float(values.mean())
    codes: dict[Hashable, int] = {}
    index = np.array([codes.setdefault(c, len(codes)) for c in clusters], dtype=np.int64)
    groups = len(codes)
    if groups < 2 or n < 2:
        return MeanSE(mean, None, None, None, n, groups)
    sums = np.bincount(index, weights=values - mean, minlength=groups)
    # statsmodels' CR1 factor G/(G-1) · (n-1)/(n-k); the second part is 1 for a mean (k = 1)
    se = math.sqrt(groups / (groups - 1) * float(np.sum(sums**2))) / n
    return MeanSE(mean, se, *_interval(mean, se, level), n, groups)


@dataclass(frozen=True)
class Difference:
    """NEW - BASELINE for one task and metric, with its SE, interval and MDE."""

    baseline: float
    new: float
    diff: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    paired: bool
    mde: float | None


def mde(se: float | None, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """Minimum detectable effect `(z_{1-α/2} + z_{power}) · SE`."""
    if se is None:
        return None
    from scipy import stats

    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


def paired_difference(
    baseline: Mapping[str, float], new: Mapping[str, float], level: float = 0.95, power: float = 0.8
) -> Difference:
    """Mean paired difference over the question ids both runs share.

    Raises:
        ValueError: when the runs share no question id.
    """
    # sorted ids: the same runs give the same bytes whatever order they were read in
    shared = sorted((key for key in baseline if key in new), key=str)
    if not shared:
        raise ValueError("the runs share no question id")
    base = np.array([baseline[k] for k in shared], dtype=np.float64)
    other = np.array([new[k] for k in shared], dtype=np.float64)
    d = mean_se(other - base, level)
    return Difference(
        float(base.mean()),
        float(other.mean()),
        d.value,
        d.se,
        d.ci_low,
        d.ci_high,
        len(shared),
        True,
        mde(d.se, 1 - level, power),
    )


def unpaired_difference(
    baseline: MeanSE, new: MeanSE, level: float = 0.95, power: float = 0.8
) -> Difference:
    """Difference of two independent means: `SE = sqrt(SE_a² + SE_b²)`."""
    diff = new.value - baseline.value
    se = (
        math.sqrt(baseline.se**2 + new.se**2)
        if baseline.se is not None and new.se is not None
        else None
    )
    return Difference(
        baseline.value,
        new.value,
        diff,
        se,
        *_interval(diff, se, level),
        min(baseline.n, new.n),
        False,
        mde(se, 1 - level, power),
    )


@dataclass(frozen=True)
class Flips:
    """Instances that changed between two runs of binary (right/wrong) scores."""

    n: int
    """Instances both runs scored (the rates' denominator)."""
    negative: int
    """Right in the baseline, wrong in the new run."""
    positive: int
    """Wrong in the baseline, right in the new run."""
    negative_rate: float
    negative_ci: tuple[float, float]
    """Wilson score interval of the negative flip rate."""
    positive_rate: float
    positive_ci: tuple[float, float]
    """Wilson score interval of the positive flip rate."""
    mcnemar_p: float
    """McNemar's exact test of negative against positive flips (two-sided)."""
    level: float
    interval: str = "wilson"


def is_binary(scores: Mapping[str, float]) -> bool:
    """Whether every score is 0 or 1 (right or wrong), so flips are defined."""
    return bool(scores) and all(value in (0.0, 1.0) for value in scores.values())


def mcnemar_exact(negative: int, positive: int) -> float:
    """McNemar's exact p-value: the two-sided binomial test of the discordant pairs."""
    from scipy import stats

    total = negative + positive
    if total == 0:
        return 1.0
    return float(min(1.0, 2 * stats.binom.cdf(min(negative, positive), total, 0.5)))


def flips(baseline: Mapping[str, float], new: Mapping[str, float], level: float = 0.95) -> Flips:
    """Negative and positive flips over the ids both runs share (binary scores).

    Raises:
        ValueError: when the runs share no id or a shared score is not 0 or 1.
    """
    from ..metrics import wilson_interval

    shared = sorted((key for key in baseline if key in new), key=str)
    if not shared:
        raise ValueError("the runs share no question id")
    base = np.array([baseline[k] for k in shared], dtype=np.float64)
    other = np.array([new[k] for k in shared], dtype=np.float64)
    if not (np.isin(base, (0.0, 1.0)).all() and np.isin(other, (0.0, 1.0)).all()):
        raise ValueError("flips need binary (0 or 1) scores")
    n = len(shared)
    negative = int(np.sum((base == 1) & (other == 0)))
    positive = int(np.sum((base == 0) & (other == 1)))
    low, high = wilson_interval(np.array([negative, positive]), np.array([n, n]), level)
    return Flips(
        n,
        negative,
        positive,
        negative / n,
        (float(low[0]), float(high[0])),
        positive / n,
        (float(low[1]), float(high[1])),
        mcnemar_exact(negative, positive),
        level,
    )
