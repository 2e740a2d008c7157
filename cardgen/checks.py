"""The checks of a spec that need no data: metric names, requirement expressions, input files.

`validate` and `build` both run them, so a spec that validates does not fail these later;
they read the spec and the file system and change nothing.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path
from typing import Any

from ._paths import PATH_FIELDS, default_outputs, looks_like_hub_id, source_path
from .errors import CardgenError, Problem
from .schema import ModelCard
from .spec import Card, parse_yaml

_CLASS_SUFFIX = re.compile(r"\[[^\]]+\]$")
_OUTPUT_ONLY = {("run", "output")}
"""Fields naming files a step writes, which need not exist beforehand."""


def known_metrics() -> set[str]:
    """Every metric name a `metrics:` or `require:` entry may use, over all task types."""
    from .evaluate.requirements import FAIRNESS_MEASURES
    from .metrics import PER_CLASS, available_metrics

    names = set(PER_CLASS) | set(FAIRNESS_MEASURES)
    for task in ("binary", "multiclass", "regression"):
        names |= set(available_metrics(task, with_score=True, classes=("a", "b", "c")))
    return names


def _metric_known(metric: str, known: set[str]) -> bool:
    base = _CLASS_SUFFIX.sub("", metric)
    if base in known:
        return True
    for suffix in ("_difference", "_ratio", "_min", "_max"):
        if base.endswith(suffix) and _CLASS_SUFFIX.sub("", base.removesuffix(suffix)) in known:
            return True
    return False


def _positions(spec: Path) -> dict[tuple[Any, ...], tuple[int, int]]:
    try:
        return parse_yaml(spec.read_text(encoding="utf-8-sig"), str(spec)).values
    except (OSError, CardgenError):
        return {}


def spec_location(spec: str | Path, path: tuple[Any, ...]) -> str:
    """`SPEC:LINE` of a value in a spec (`SPEC` alone when the line is unknown)."""
    position = _positions(Path(spec)).get(path)
    return f"{spec}:{position[0]}" if position else str(spec)


def static_problems(card: Card, spec: str | Path, root: str | Path = ".") -> list[Problem]:
    """Problems `build` would meet before reading any data, located in the spec file.

    Checks every `sources.evaluate` entry's `metrics` and `require` (names and syntax),
    that each local input file a source names exists (Hub ids, `hub:` data and files
    an earlier `run` step writes are exempt), and that each `model_files` entry names a file.
    """
    from .evaluate.requirements import parse_requirement

    spec = Path(spec)
    positions = _positions(spec)
    problems: list[Problem] = []

    def problem(path: tuple[Any, ...], message: str) -> None:
        line, column = positions.get(path, (None, None))
        dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path)
        problems.append(Problem(str(spec), message, line, column, dotted.replace(".[", "[")))

    sources = getattr(card, "sources", None)
    if sources is None:
        return problems  # a governance card names no inputs (its links: `governance`)
    known: set[str] | None = None
    for i, entry in enumerate(getattr(sources, "evaluate", [])):
        known = known or known_metrics()
        for j, name in enumerate(entry.metrics):
            if not _metric_known(name, known):
                problem(("sources", "evaluate", i, "metrics", j), f"unknown metric {name!r}")
        for j, expression in enumerate(entry.require):
            where = ("sources", "evaluate", i, "require", j)
            try:
                requirement = parse_requirement(expression)
            except CardgenError as exc:
                problem(where, str(exc))
                continue
            if not _metric_known(requirement.metric, known):
                problem(
                    where,
                    f"unknown metric {requirement.metric!r} in {expression!r}; use "
                    "a fairness measure, a metric, or a metric with _min, _max, "
                    "_difference or _ratio",
                )
    if isinstance(card, ModelCard) and card.model_files:
        from .binding import model_file_problems

        problems.extend(model_file_problems(card, spec, positions))
    unplaced = default_outputs(sources, spec.parent, root)
    produced = {
        Path(root, source_path(entry.output, spec.parent, root)).resolve()
        for entry in getattr(sources, "run", [])
        if entry.output
    }
    for kind, fields in PATH_FIELDS.items():
        for i, entry in enumerate(getattr(sources, kind, [])):
            for name in fields:
                value = getattr(entry, name, None)
                if (
                    not value
                    or (kind, name) in _OUTPUT_ONLY
                    or value.startswith(("hub:", "spark:"))
                    or "://" in value  # a URI Spark reads: only Spark can look
                    or value in unplaced
                ):
                    continue
                located = Path(root, source_path(value, spec.parent, root))
                if glob.has_magic(value):
                    if not any(glob.iglob(str(located), recursive=True)):
                        problem(
                            ("sources", kind, i, name),
                            f"{value}: the pattern matches no file (looked beside the "
                            f"spec: {located})",
                        )
                    continue
                if located.exists() or located.resolve() in produced:
                    continue
                if name == "model" and looks_like_hub_id(value):
                    continue
                problem(
                    ("sources", kind, i, name),
                    f"{value}: no such file or directory (looked beside the spec: {located})",
                )
    return problems
