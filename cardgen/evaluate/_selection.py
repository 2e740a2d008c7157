"""Which metrics an evaluation reports, computes (what fairness measures need besides) and
shows first, from what was asked, the task and the requirements.

It chooses names and checks them; it computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import CardgenError
from ..metrics import (
    DEFAULT_METRICS,
    HEADLINE_METRICS,
    PER_CLASS,
    SCORE_METRICS,
    available_metrics,
)
from ._encoding import Encoded
from .requirements import FAIRNESS_MEASURES, SUFFIXES, Requirement

_SCORE_RANGE_METRICS = ("brier_score", "expected_calibration_error")


def choose_metrics(
    encoded: Encoded,
    requested: Sequence[str],
    requirements: Sequence[Requirement],
    headline: Sequence[str] = (),
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Reported metrics, metrics computed (reported plus what fairness measures need),
    notes about metrics left out, and the headline metrics (always reported)."""
    table = encoded.table
    with_score = table.score is not None
    available = available_metrics(
        table.task,  # type: ignore[arg-type]
        with_score=with_score,
        classes=table.classes,
    )
    notes: list[str] = []

    def expand(name: str) -> list[str]:
        if table.task == "multiclass" and name in PER_CLASS:
            return [f"{name}[{c}]" for c in table.classes]
        if name in available:
            return [name]
        if name in SCORE_METRICS and not with_score:
            raise CardgenError(f"metric {name!r} needs scores; pass --score")
        raise CardgenError(
            f"unknown metric {name!r} for a {table.task} task; available: "
            f"{', '.join(sorted(set(available) | set(PER_CLASS)))}"
        )

    score_ok = encoded.score_range is None or (
        encoded.score_range[0] >= 0 and encoded.score_range[1] <= 1
    )
    if requested:
        names = [m for name in requested for m in expand(name)]
        bad = [m for m in names if m in _SCORE_RANGE_METRICS]
        if bad and not score_ok:
            assert encoded.score_range is not None  # score_ok holds without scores
            raise CardgenError(
                f"{', '.join(bad)} need scores in [0, 1]; scores range from "
                f"{encoded.score_range[0]} to {encoded.score_range[1]}"
            )
    else:
        defaults = list(DEFAULT_METRICS[table.task])
        if with_score:
            extra = list(DEFAULT_METRICS["binary+score"])
            if not score_ok:
                extra = [m for m in extra if m not in _SCORE_RANGE_METRICS]
                notes.append(
                    "brier_score and expected_calibration_error left out: scores are not in [0, 1]"
                )
            defaults += extra
        names = [m for name in defaults for m in expand(name)]
    for requirement in requirements:
        metric = requirement.metric
        if metric in FAIRNESS_MEASURES:
            if table.task != "binary":
                raise CardgenError(
                    f"requirement {requirement.expression!r}: {metric} is "
                    f"defined for binary tasks only"
                )
            if not table.features:
                raise CardgenError(
                    f"requirement {requirement.expression!r}: {metric} needs --sensitive"
                )
            continue
        base = metric
        for suffix in SUFFIXES:
            if metric.endswith(suffix) and metric not in available:
                base = metric.removesuffix(suffix)
        if base not in available:
            raise CardgenError(
                f"requirement {requirement.expression!r}: unknown metric {metric!r}; use a "
                f"fairness measure ({', '.join(FAIRNESS_MEASURES)}), a metric, or a metric "
                f"with _min, _max, _difference or _ratio"
            )
        if base not in names:
            names.append(base)
    if headline:
        headlines = [m for name in headline for m in expand(name)]
    else:
        defaults = list(HEADLINE_METRICS[table.task])
        if with_score:
            defaults += list(HEADLINE_METRICS["binary+score"])
        headlines = [m for name in defaults for m in expand(name)]
        if requested:
            # Asked-for metrics only: the defaults among them (else the first few).
            headlines = [m for m in headlines if m in names] or [m for m in names if m != "count"][
                : len(headlines)
            ]
    headlines = list(dict.fromkeys(headlines))
    reported = list(dict.fromkeys([*names, *headlines]))
    computed = list(reported)
    if table.task == "binary" and table.features:
        computed += [
            m
            for m in ("selection_rate", "true_positive_rate", "false_positive_rate")
            if m not in computed
        ]
    return reported, computed, notes, headlines
