"""Validate spec files and folders of them, with a completeness report per card.

It checks and reports; it never modifies a spec.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .completeness import Completeness, completeness
from .errors import CardgenError, Problem, SpecError
from .governance import KnownCard, cards_in, link_problems
from .schema import GovernanceCard
from .spec import Card, load_spec

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating one spec file."""

    path: Path
    card: Card | None
    problems: tuple[Problem, ...]
    completeness: Completeness | None
    warnings: tuple[str, ...] = ()
    """Model files that no longer match the digests the card records, one line each."""

    @property
    def card_kind(self) -> str | None:
        """`model`, `data` or `governance`, once the spec validated."""
        return self.card.kind if self.card else None


def spec_files(paths: tuple[Path, ...] | list[Path]) -> list[Path | Problem]:
    """Expand folders into their spec files (sorted); unusable paths become problems."""
    found: list[Path | Problem] = []
    for path in paths:
        if path.is_dir():
            specs = sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())
            if not specs:
                found.append(Problem(str(path), "folder holds no spec files (*.yaml, *.yml)"))
            found.extend(specs)
        elif not path.exists():
            found.append(Problem(str(path), "no such file or directory"))
        else:
            found.append(path)
    return found


def validate_paths(
    paths: tuple[Path, ...] | list[Path], root: str | Path = "."
) -> list[ValidationResult]:
    """Validate every spec named by `paths` (files, or folders of `*.yaml`).

    Each spec gets the schema checks, then the static checks `build` runs
    (`checks.static_problems`: metric names, requirements, input files, model files); a
    governance card's `governs` must name model and data cards among the specs given or
    beside it (`governance.link_problems`); completeness counts the facts already collected
    under `root/.cardgen/` as filled, and model files that differ from the digests recorded
    there are warnings.

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
        static = static_problems(card, item, root)
        results.append(
            ValidationResult(
                item,
                card,
                tuple(static),
                completeness(_with_facts(card, item, root)),
                () if static else _drift(card, item, root),
            )
        )
    return _with_link_problems(results)


def _with_link_problems(results: list[ValidationResult]) -> list[ValidationResult]:
    """Results with each governance card's broken links added to its problems."""
    governing = [(r.path, r.card) for r in results if isinstance(r.card, GovernanceCard)]
    if not governing:
        return results
    folders = sorted({path.parent for path, _ in governing})
    known: dict[Path, KnownCard] = {
        r.path.resolve(): KnownCard(r.card.kind, r.card.name, str(r.path))
        for r in results
        if r.card is not None
    }
    for folder in folders:  # and the valid specs beside each governance card
        for path, card in cards_in(folder, skip=set(known)):
            known[path.resolve()] = KnownCard(card.kind, card.name, str(path))
    where = f"the specs in {folders[0]}/" if len(folders) == 1 else "the specs checked"
    found: dict[str, list[Problem]] = {}
    for problem in link_problems(governing, known.values(), where):
        found.setdefault(problem.file, []).append(problem)
    return [
        replace(r, problems=(*r.problems, *found[str(r.path)])) if str(r.path) in found else r
        for r in results
    ]


def static_problems(card: Card, spec: Path, root: str | Path) -> list[Problem]:
    from .checks import static_problems as check  # imports the metrics only when needed

    return check(card, spec, root)


def _drift(card: Card, spec: Path, root: str | Path) -> tuple[str, ...]:
    """Lines naming each model file that changed since the card recorded its digest."""
    from .binding import disk_drift
    from .schema import ModelCard

    if not isinstance(card, ModelCard):
        return ()
    try:
        return tuple(f"{spec}: {line}" for line in disk_drift(card, spec, root))
    except CardgenError as exc:
        return (f"{spec}: {exc}",)


def _with_facts(card: Card, spec: Path, root: str | Path) -> Card:
    """The card merged with its stored facts (evaluations, profiles), as `build` renders it."""
    from .facts import facts_dir
    from .merge import load_card

    if not facts_dir(card.name, root).is_dir():
        return card
    try:
        return load_card(spec, root)
    except CardgenError:  # unreadable facts are reported by build; count the spec alone
        return card
