"""Validate spec files and folders of them, with a completeness report per card.

It checks and reports; it never modifies a spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .completeness import Completeness, completeness
from .errors import Problem, SpecError
from .spec import Card, load_spec

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating one spec file."""

    path: Path
    card: Card | None
    problems: tuple[Problem, ...]
    completeness: Completeness | None

    @property
    def card_kind(self) -> str | None:
        """`model` or `data`, once the spec validated."""
        return self.card.kind if self.card else None


def spec_files(paths: tuple[Path, ...] | list[Path]) -> list[Path | Problem]:
    """Expand folders into their spec files (sorted); unusable paths become problems."""
    found: list[Path | Problem] = []
    for path in paths:
        if path.is_dir():
            specs = sorted(p for p in path.iterdir()
                           if p.suffix in SPEC_SUFFIXES and p.is_file())
            if not specs:
                found.append(Problem(str(path), "folder holds no spec files (*.yaml, *.yml)"))
            found.extend(specs)
        elif not path.exists():
            found.append(Problem(str(path), "no such file or folder"))
        else:
            found.append(path)
    return found


def validate_paths(paths: tuple[Path, ...] | list[Path]) -> list[ValidationResult]:
    """Validate every spec named by `paths` (files, or folders of `*.yaml`).

    Returns:
        One result per spec file, in order; a path that cannot be read yields a result
        with problems and no card.
    """
    results = []
    for item in spec_files(paths):
        if isinstance(item, Problem):
            results.append(ValidationResult(Path(item.file), None, (item,), None))
            continue
        try:
            card = load_spec(item)
        except SpecError as exc:
            results.append(ValidationResult(item, None, tuple(exc.problems), None))
            continue
        results.append(ValidationResult(item, card, (), completeness(card)))
    return results
