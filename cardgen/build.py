"""`cardgen build`: run each spec's collectors when their inputs changed, render, build the site.

It orchestrates the library's collectors and renderers; it never edits a spec, and a run
with nothing changed does no work and writes no file.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ._io import atomic_write_text, dumps_json, sha256_file
from ._paths import resolve_sources
from ._version import __version__
from .checks import spec_location
from .errors import CardgenError, Problem, SpecError
from .facts import facts_dir, write_fact
from .merge import load_card
from .privacy import Declarations
from .render import BOM_FILES, write_rendered
from .schema import ClaimCheck, DataCard, GovernanceCard, ModelCard, ThresholdTest
from .spec import Card
from .validate import spec_files, validate_paths

Progress = Callable[[str], None]
CACHE_FILE = "cache.json"


@dataclass
class CardBuild:
    """What `build` did for one card."""

    name: str
    kind: str
    spec: Path
    ran: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    tests_passed: int = 0
    tests_failed: list[ThresholdTest] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Model files that changed since the card last recorded them, one line each."""
    claims: str | None = None
    """The card's verified claims in words (`all 7 consistent`), when it has a `verify` fact."""
    claims_discrepant: list[ClaimCheck] = field(default_factory=list)


@dataclass
class BuildReport:
    """The outcome of `build`: per-card results, the site and the counts CI needs."""

    cards: list[CardBuild]
    site_dir: Path | None
    site_rebuilt: bool

    @property
    def cards_changed(self) -> int:
        """Cards with at least one output file written in this run."""
        return sum(1 for card in self.cards if card.changed)

    @property
    def tests_failed(self) -> int:
        """Threshold tests that failed, over all cards."""
        return sum(len(card.tests_failed) for card in self.cards)

    @property
    def claims_discrepant(self) -> int:
        """Verified claims found discrepant, over all cards (they fail the build too)."""
        return sum(len(card.claims_discrepant) for card in self.cards)


def _hash_path(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (names and contents, sorted)."""
    if str(path).startswith("spark:"):
        return str(path)  # a Spark table: only its name is known here
    if _is_hub_reference(path):
        return f"hub:{path}"  # a Hub reference: its revision is part of the source settings
    if glob.has_magic(str(path)):
        digest = hashlib.sha256()
        for item in sorted(glob.glob(str(path), recursive=True)):
            digest.update(item.encode() + b"\0" + _hash_path(Path(item)).encode())
        return digest.hexdigest()
    if path.is_file():
        return sha256_file(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for member in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(member.relative_to(path)).encode() + b"\0")
            digest.update(sha256_file(member).encode())
        return digest.hexdigest()
    return f"absent:{path}"


def _cache_key(source: BaseModel, inputs: list[Path]) -> str:
    """A source's settings, its input files' contents and cardgen's version, hashed."""
    payload = {
        "cardgen": __version__,
        "source": source.model_dump(mode="json"),
        "inputs": {str(p): _hash_path(p) for p in inputs},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _read_cache(card_name: str, root: Path) -> dict[str, str]:
    path = facts_dir(card_name, root) / CACHE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_hub_reference(path: Path) -> bool:
    """`hub:ORG/NAME` data, or an `org/name` model id that is no local file or folder."""
    text = str(path)
    return text.startswith("hub:") or (
        not path.exists() and text.count("/") == 1 and not path.suffix
    )


def _local(root: Path, value: str) -> Path:
    """A spec's path, relative to the project folder; Hub references stay as written."""
    path = Path(value)
    if path.is_absolute() or value.startswith(("hub:", "spark:")):
        return path
    local = root / path
    return (
        path
        if _is_hub_reference(local) and not local.exists() and _is_hub_reference(path)
        else local
    )


@dataclass
class _Step:
    label: str
    key: str
    source: BaseModel
    inputs: list[Path]
    outputs: list[Path]
    action: Callable[[], list[str] | None]
    """Runs the step; returns lines to tell the user (e.g. what an evaluation inferred)."""


def _steps(card: Card, root: Path, progress: bool, spec: Path) -> list[_Step]:
    """The collector runs a spec asks for, in dependency order (run before evaluate, every
    other source before verify, which re-runs the claims they produce)."""
    steps: list[_Step] = []
    if isinstance(card, GovernanceCard):
        return steps  # written by people only: nothing to collect
    sources = card.sources
    if sources.hub is not None:
        hub = sources.hub
        steps.append(
            _Step(
                f"hub {hub.repo_id}",
                "hub",
                hub,
                [],
                [facts_dir(card.name, root) / "hub.json"],
                partial(_collect_hub, card.name, hub, root),
            )
        )
    if isinstance(card, ModelCard):
        for i, run in enumerate(card.sources.run):
            out = _run_output(run, root)
            steps.append(
                _Step(
                    f"run {run.model}",
                    f"run-{i}",
                    run,
                    [_local(root, run.model), _local(root, run.data)],
                    [out],
                    partial(_run, run, out, root, progress),
                )
            )
        for i, source in enumerate(card.sources.evaluate):
            from .engines import default_name

            name = default_name(source.data)
            steps.append(
                _Step(
                    f"evaluate {source.data}",
                    f"evaluate-{i}",
                    source,
                    [] if "://" in source.data else [_local(root, source.data)],
                    [facts_dir(card.name, root) / f"evaluate-{name}.json"],
                    partial(_evaluate, card.name, source, name, root, progress),
                )
            )
        for i, probe_source in enumerate(card.sources.probe):
            inputs = [_local(root, probe_source.model)]
            if probe_source.prompts:
                inputs.append(_local(root, probe_source.prompts))
            steps.append(
                _Step(
                    f"probe {probe_source.model}",
                    f"probe-{i}",
                    probe_source,
                    inputs,
                    [],
                    partial(_probe, card.name, probe_source, root, progress),
                )
            )
        for kind, listed in (("lm-eval", card.sources.lm_eval), ("inspect", card.sources.inspect)):
            for i, lm_source in enumerate(listed):
                inputs = [_local(root, lm_source.path)]
                if lm_source.baseline:
                    inputs.append(_local(root, lm_source.baseline))
                steps.append(
                    _Step(
                        f"{kind} {lm_source.path}",
                        f"{kind}-{i}",
                        lm_source,
                        inputs,
                        [],
                        partial(_lm_eval, card.name, kind, lm_source, root),
                    )
                )
        for i, verify_source in enumerate(card.sources.verify):
            # The claims come from the facts the steps above write: their files are inputs.
            before = [p for step in steps for p in (*step.inputs, *step.outputs)]
            steps.append(
                _Step(
                    f"verify {verify_source.card or 'claims'}",
                    f"verify-{i}",
                    verify_source,
                    [spec, *before, *_verify_inputs(verify_source, spec, root)],
                    [facts_dir(card.name, root) / "verify.json"],
                    partial(_verify, card.name, spec, verify_source, root, progress),
                )
            )
    if isinstance(card, DataCard):
        for i, profile_source in enumerate(card.sources.profile):
            steps.append(
                _Step(
                    f"profile {profile_source.data}",
                    f"profile-{i}",
                    profile_source,
                    [] if "://" in profile_source.data else [_local(root, profile_source.data)],
                    [],
                    partial(_profile, card.name, profile_source, root, Declarations.of(card)),
                )
            )
    return steps


def _run_output(run: Any, root: Path) -> Path:
    """The predictions table a `sources.run` entry writes."""
    from ._paths import default_output

    return _local(root, run.output) if run.output else default_output(str(_local(root, run.data)))


def _bind(card: Card, spec: Path, root: Path) -> list[str]:
    """Record the SHA-256 of the model files a card describes: those its `model_files`
    name, else those its `sources.run` entries loaded, else the local models its
    `sources.verify` entries re-run. Returns a warning per file that changed since the card
    last recorded it."""
    if not isinstance(card, ModelCard):
        return []
    from .binding import (
        hash_model_files,
        loaded_model_files,
        record_model_files,
        run_model_files,
    )

    if card.model_files:
        current = hash_model_files(card, spec)
    else:
        from .collect.run import provenance_path

        sidecars = [provenance_path(_run_output(run, root)) for run in card.sources.run]
        current = run_model_files(sidecars, spec)
        if not current and card.sources.verify:
            models = [_verify_paths(v, spec, root)["model"] for v in card.sources.verify]
            current = loaded_model_files(models, spec)
    return [
        f"{spec}: {line}; the card now records the file as it is"
        for line in record_model_files(card, spec, root, current)
    ]


def _with_engine(card: Card, engine: str | None) -> Card:
    """The card with `engine` on each evaluate or profile source that leaves the choice to
    `auto`."""
    if engine is None:
        return card
    entries: list[Any]
    if isinstance(card, ModelCard) and card.sources.evaluate:
        kind, entries = "evaluate", card.sources.evaluate
    elif isinstance(card, DataCard) and card.sources.profile:
        kind, entries = "profile", card.sources.profile
    else:
        return card
    updated = [
        s.model_copy(update={"engine": engine}) if s.engine == "auto" else s for s in entries
    ]
    return card.model_copy(update={"sources": card.sources.model_copy(update={kind: updated})})


def _collect_hub(card_name: str, hub: Any, root: Path) -> None:
    from .hub.collect import collect_hub

    collect_hub(hub.repo_id, card_name, repo_type=hub.repo_type, revision=hub.revision, root=root)


def _run(source: Any, out: Path, root: Path, progress: bool) -> None:
    from .collect.run import run

    run(
        str(_local(root, source.model)),
        str(_local(root, source.data)),
        out=out,
        text_column=source.text_column,
        label_column=source.label_column,
        sensitive=list(source.sensitive),
        split=source.split,
        device=source.device,
        encoding=source.encoding,
        progress=progress,
        root=root,
    )


def _evaluate(card_name: str, source: Any, name: str, root: Path, progress: bool) -> list[str]:
    from .evaluate import evaluate_source, inference_line

    # URIs (s3a://, hdfs://) go to Spark as written.
    data = source.data if "://" in source.data else str(_local(root, source.data))
    located = source.model_copy(update={"data": data})
    evaluation = evaluate_source(located, name=name, progress=progress)
    write_fact(card_name, f"evaluate-{evaluation.name}", evaluation, root)
    return [inference_line(i, spec=True) for i in evaluation.inferences]


def _probe(card_name: str, source: Any, root: Path, progress: bool) -> None:
    from .collect.probe import probe

    evaluation = probe(
        str(_local(root, source.model)),
        str(_local(root, source.prompts)) if source.prompts else None,
        baseline=source.baseline or None,
        progress=progress,
    )
    write_fact(card_name, f"probe-{evaluation.name}", evaluation, root)


def _lm_eval(card_name: str, kind: str, source: Any, root: Path) -> None:
    from .collect.lm_common import store_run
    from .compare import add_regression_tests, load_run

    run = load_run(
        _local(root, source.path),
        cluster_key=source.cluster_key,
        root=root,
        kind=kind,
        dataset_id=source.dataset_id,
    )
    if source.baseline:
        baseline = load_run(
            _local(root, source.baseline), cluster_key=source.cluster_key, root=root, kind=kind
        )
        add_regression_tests(run, baseline, source.max_regression)
    store_run(card_name, run, root)


def _verify_paths(source: Any, spec: Path, root: Path) -> dict[str, Any]:
    """A `verify` source's local paths, resolved from the spec's folder (Hub ids as written)."""
    from ._paths import looks_like_hub_id, source_path

    def local(value: str | None) -> str | None:
        if value is None or value.startswith("hub:") or looks_like_hub_id(value):
            return value
        return str(Path(root, source_path(value, spec.parent, root)))

    return {
        "card": local(source.card) if source.card else str(spec),
        "model": local(source.model),
        "data": {k: local(v) for k, v in source.data.items()},
        "predictions": {k: local(v) for k, v in source.predictions.items()},
        "logs": [local(v) for v in source.log],
        "task_path": local(source.task_path),
    }


def _verify_inputs(source: Any, spec: Path, root: Path) -> list[Path]:
    paths = _verify_paths(source, spec, root)
    values = [
        paths["card"],
        paths["model"],
        *paths["data"].values(),
        *paths["predictions"].values(),
        *paths["logs"],
        paths["task_path"],
    ]
    return [Path(v) for v in values if v]


def _verify(card_name: str, spec: Path, source: Any, root: Path, progress: bool) -> None:
    from .verify import Options, verify

    paths = _verify_paths(source, spec, root)
    options = Options(
        model=paths["model"],
        data=paths["data"],
        predictions=paths["predictions"],
        tasks=dict(source.task),
        logs=paths["logs"],
        task_path=paths["task_path"],
        label_column=source.label_column,
        text_column=source.text_column,
        pos_label=source.pos_label,
        limit=source.limit,
        tolerance=source.tolerance,
        n_boot=source.n_boot,
        seed=source.seed,
        device=source.device,
        progress=progress,
    )
    write_fact(card_name, "verify", verify(paths["card"], options, root=root), root)


def _profile(card_name: str, source: Any, root: Path, declared: Declarations) -> None:
    from .collect.profile import profile, store_profile

    options: dict[str, Any] = {
        "sensitive": list(source.sensitive),
        "label": source.label,
        "engine": source.engine,
        "spark_master": source.spark_master,
        "encoding": source.encoding,
        "declared": declared,
    }
    if getattr(source, "pos_label", None) is not None:
        options["pos_label"] = source.pos_label
    # URIs (s3a://, hdfs://) go to Spark as written.
    data = source.data if "://" in source.data else str(_local(root, source.data))
    result = profile(data, **options)
    # Name the data as the spec does, so the card reads the same wherever it is built.
    result.source = source.data
    store_profile(card_name, result, root)


def _collect(
    card: Card, root: Path, result: CardBuild, say: Progress, refresh: bool, progress: bool
) -> None:
    cache = _read_cache(card.name, root)
    new_cache = dict(cache)
    for step in _steps(card, root, progress, result.spec):
        key = _cache_key(step.source, step.inputs)
        outputs_there = all(p.exists() for p in step.outputs)
        if not refresh and cache.get(step.key) == key and outputs_there:
            result.cached.append(step.label)
            continue
        started = time.perf_counter()
        say(f"  {card.name}: {step.label} ...")
        try:
            told = step.action() or []
        except CardgenError as exc:
            # Name the spec entry that asked for the step, so the user knows what to edit.
            kind, _, index = step.key.partition("-")
            entry = ("sources", kind, int(index)) if index else ("sources", kind)
            raise CardgenError(f"{spec_location(result.spec, entry)}: {step.label}: {exc}") from exc
        for line in told:
            say(f"  {card.name}: {line}")
        say(f"  {card.name}: {step.label} done ({time.perf_counter() - started:.1f} s)")
        result.ran.append(step.label)
        new_cache[step.key] = key
    if new_cache != cache:
        atomic_write_text(facts_dir(card.name, root) / CACHE_FILE, dumps_json(new_cache))


def _render(
    card_spec: Path, root: Path, out_dir: Path, result: CardBuild, bom: tuple[str, ...] = ()
) -> Card:
    card = load_card(card_spec, root)
    target = out_dir / card.name
    formats = [("hub", "README.md"), ("json", "card.json")]
    if isinstance(card, DataCard):
        formats.append(("croissant", "croissant.json"))
    if not isinstance(card, GovernanceCard):  # a BOM lists a model's or a dataset's parts
        formats += [(fmt, BOM_FILES[fmt]) for fmt in bom]
    for fmt, filename in formats:
        written = write_rendered(card, fmt, target / filename)  # type: ignore[arg-type]
        (result.changed if written.changed else result.unchanged).append(written.path)
    if isinstance(card, ModelCard):
        from .hub.eval_results import write_eval_results

        result.changed.extend(write_eval_results(card, target))
        for evaluation in card.quantitative_analyses.evaluations:
            for test in evaluation.threshold_tests:
                if test.failed:
                    result.tests_failed.append(test)
                else:
                    result.tests_passed += 1
        checked = card.quantitative_analyses.claims_checked
        if checked is not None:
            from .render.filters import claims_badge

            result.claims = claims_badge(checked)
            result.claims_discrepant = [c for c in checked.claims if c.status == "discrepant"]
    return card


def build(
    cards_dir: str | Path = "cards",
    *,
    root: str | Path = ".",
    out: str | Path = "build/cards",
    site_project: str | Path | None = "site-project",
    refresh: bool = False,
    progress: bool = True,
    say: Progress = lambda message: None,
    engine: str | None = None,
    bom: tuple[str, ...] | list[str] = (),
    site_builder: str = "mkdocs",
) -> BuildReport:
    """Collect, render and publish every card spec in `cards_dir`.

    Each source a spec names (hub, run, evaluate, probe, lm_eval, inspect, profile, verify)
    runs only when its settings or input files changed since the last build (a cache keyed
    by their hashes in `.cardgen/<card>/cache.json`); Hub sources run when their facts are
    missing or with `refresh`. Then every card is rendered to `out/<name>/` (README.md,
    card.json, croissant.json for data cards, and the bills of materials `bom` asks for); a
    model card's model files are hashed first (a changed file is a warning in the report),
    and the site's MkDocs project is written to `site_project` and built (into its
    `public/`) when a page changed. Governance cards collect nothing; the cards they govern
    must be among the specs (checked first).

    Args:
        cards_dir: folder of specs.
        root: project folder: relative paths in specs and `.cardgen/` are under it.
        out: folder for rendered cards.
        site_project: folder of the site's MkDocs project; None skips the site.
        refresh: run every source even if its inputs are unchanged.
        progress: show progress bars of long collectors.
        say: receives one line per step, for progress reporting.
        engine: engine for the evaluations (and profiles) whose spec leaves it at `auto`.
        bom: bills of materials to write beside each card: `cyclonedx` (`bom.cdx.json`)
            and/or `spdx` (`bom.spdx.json`).
        site_builder: `mkdocs` (MkDocs with Material) or `zensical` builds the site.

    Returns:
        What was run, written and tested.

    Raises:
        SpecError: a spec does not validate (nothing is run or written).
        CardgenError: a collector, renderer or the site build failed.
    """
    root = Path(root)
    if site_project is not None:
        from .site import check_builder

        check_builder(site_builder)
    cards_path = _local(root, str(cards_dir))
    found = spec_files([cards_path])
    problems = [item for item in found if isinstance(item, Problem)]
    if problems:
        raise SpecError(problems)
    results = validate_paths([p for p in found if isinstance(p, Path)], root)
    errors = [p for r in results for p in r.problems]
    if errors:
        raise SpecError(errors)
    names: dict[str, Path] = {}
    for r in results:
        assert r.card is not None
        if r.card.name in names:
            raise CardgenError(
                f"{r.path}: card name {r.card.name!r} is also used by "
                f"{names[r.card.name]}; names must be unique"
            )
        names[r.card.name] = r.path
    unknown = sorted(set(bom) - set(BOM_FILES))
    if unknown:
        raise CardgenError(f"unknown bill of materials {unknown[0]!r}; expected cyclonedx or spdx")
    out_dir = _local(root, str(out))
    builds = []
    for r in results:
        assert r.card is not None
        result = CardBuild(r.card.name, r.card.kind, r.path)
        say(f"{r.card.name} ({r.card.kind} card)")
        resolved = _with_engine(resolve_sources(r.card, r.path, root), engine)
        _collect(resolved, root, result, say, refresh, progress)
        result.warnings.extend(_bind(resolved, r.path, root))
        _render(r.path, root, out_dir, result, tuple(dict.fromkeys(bom)))
        builds.append(result)
    site_dir, rebuilt = None, False
    if site_project is not None:
        site_dir, rebuilt = _build_site(
            cards_path, root, _local(root, str(site_project)), say, site_builder
        )
    return BuildReport(builds, site_dir, rebuilt)


def _build_site(
    cards_path: Path, root: Path, project_dir: Path, say: Progress, builder: str
) -> tuple[Path, bool]:
    """Write the site's MkDocs project; run the builder only when a page changed or the
    site was built by the other builder."""
    from .site import build_project, build_site, built_with

    project = build_site(cards_path, project_dir, root=root, build=False).project
    if not (
        project.written
        or project.removed
        or project.history_changed
        or built_with(project.site_dir) != builder
    ):
        return project.site_dir, False
    say(f"site -> {project.site_dir}")
    build_project(project, builder=builder)
    return project.site_dir, True


def summary_markdown(report: BuildReport) -> str:
    """A Markdown summary for `$GITHUB_STEP_SUMMARY`."""
    lines = [
        "## cardgen build",
        "",
        "| Card | Kind | Ran | Files changed | Threshold tests |",
        "|---|---|---|---:|---|",
    ]
    for card in report.cards:
        ran = ", ".join(card.ran) or "nothing (inputs unchanged)"
        total = card.tests_passed + len(card.tests_failed)
        tests = (
            f"❌ {len(card.tests_failed)} of {total} failed"
            if card.tests_failed
            else (f"✅ {total} passed" if total else "none")
        )
        lines.append(f"| {card.name} | {card.kind} | {ran} | {len(card.changed)} | {tests} |")
    failed = [(card.name, t) for card in report.cards for t in card.tests_failed]
    if failed:
        lines += ["", "### Failed threshold tests", ""]
        for name, test in failed:
            observed = "undefined" if test.observed is None else f"{test.observed:.4f}"
            lines.append(f"- **{name}**: `{test.expression}` (observed {observed})")
    checked = [card for card in report.cards if card.claims is not None]
    if checked:
        lines += ["", "### Claims checked", ""]
        for card in checked:
            lines.append(f"- **{card.name}**: {card.claims}")
            for claim in card.claims_discrepant:
                lines.append(f"  - `{claim.where}`: {claim.reason}")
    if report.site_dir is not None:
        lines += [
            "",
            f"Site: `{report.site_dir}`{' (rebuilt)' if report.site_rebuilt else ' (unchanged)'}",
        ]
    return "\n".join(lines) + "\n"


def write_github_files(report: BuildReport, env: dict[str, str] | None = None) -> None:
    """Append outputs to `$GITHUB_OUTPUT` and the summary to `$GITHUB_STEP_SUMMARY`."""
    env = dict(os.environ if env is None else env)
    if env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as fh:
            fh.write(f"site-dir={report.site_dir or ''}\n")
            fh.write(f"cards-changed={report.cards_changed}\n")
            fh.write(f"tests-failed={report.tests_failed}\n")
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(summary_markdown(report))
