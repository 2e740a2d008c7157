"""`cardgen verify`: re-run what a card claims and give each claim a verdict with its interval.

It reads the claims, groups them by what re-runs them (`cardgen run` + the evaluation engine,
a predictions table, lm-evaluation-harness, a harness log), measures and judges; it writes
only the verification it is asked for, atomically. The verdict rule is in `judge`.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import atomic_write_text, dumps_json
from .._words import count
from ..errors import CardgenError
from ..facts import collection_time, new_provenance
from ..render.filters import (
    VERDICT_WORDS,
    claim_label,
    claimed_value,
    claims_summary,
    measured_value,
)
from ..schema import ClaimCheck, MeasurementRun, MetricValue, Verification
from . import _measure
from ._measure import Measurement, Options, mapped
from ._metrics import (
    ALIASES,
    LM_TASKS,
    NOT_RUNNABLE_TASKS,
    engine_metric,
    read_scale,
)
from .claims import CardClaims, Claim, read_claims

STATUSES = ("consistent", "discrepant", "unverifiable")


@dataclass
class _Plan:
    """Claims (by index) that one measurement serves."""

    route: str
    key: tuple[Any, ...]
    indices: list[int] = field(default_factory=list)


def parse_mapping(values: Sequence[str], flag: str) -> dict[str, str]:
    """`DATASET_ID=VALUE` options as a mapping (`*=VALUE` stands for any dataset).

    Raises:
        CardgenError: a value without `=`, or a dataset named twice.
    """
    result: dict[str, str] = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise CardgenError(f"{flag} {value!r}: expected DATASET_ID=VALUE (or *=VALUE)")
        key = key.strip()
        if key in result:
            raise CardgenError(f"{flag}: dataset {key!r} is mapped twice")
        result[key] = target.strip()
    return result


def _lm_candidates(claim: Claim, options: Options) -> tuple[list[str], bool]:
    """Task names that may measure an LM claim, and whether the first is named explicitly
    (`--task`, or an `.eval_results` task id)."""
    explicit = mapped(options.tasks, claim.dataset)
    if explicit:
        return [explicit], True
    if claim.source == ".eval_results" and claim.task:
        return [claim.task], True
    words = (claim.metric_name or "").split()
    guesses = [words[0]] if len(words) > 1 else []
    guesses += [c for c in (claim.config, claim.dataset, claim.dataset_name) if c]
    return guesses, False


def _is_lm(claim: Claim, options: Options) -> bool:
    return bool(
        mapped(options.tasks, claim.dataset)
        or claim.source == ".eval_results"
        or (claim.task and LM_TASKS.search(claim.task))
    )


def _computable(metric: str) -> bool:
    """Whether any task of the evaluation engine has a metric of this name (or alias)."""
    name = ALIASES.get(metric.strip().lower(), metric.strip())
    known = (
        _measure.known_metrics("binary", True, ())
        | _measure.known_metrics("regression", False, ())
        | _measure.known_metrics("multiclass", False, ())
    )
    return name.split("[", 1)[0] in known


def _unverifiable(claim: Claim, reason: str, options: Options) -> ClaimCheck:
    number, _ = claim.number()
    return _check(claim, options, status="unverifiable", reason=reason, claimed=number)


def _check(claim: Claim, options: Options, **values: Any) -> ClaimCheck:
    raw = claim.value
    written: float | str | None
    if isinstance(raw, bool) or raw is None:
        written = None if raw is None else str(raw)
    elif isinstance(raw, (int, float)):
        written = float(raw) if math.isfinite(raw) else str(raw)
    else:
        written = str(raw)
    return ClaimCheck(
        source=claim.source,
        where=claim.where,
        task=claim.task,
        dataset=claim.dataset,
        dataset_name=claim.dataset_name,
        config=claim.config,
        split=claim.split,
        revision=claim.revision,
        metric=claim.metric,
        metric_name=claim.metric_name,
        metric_args=claim.metric_args,
        group=claim.group,
        claimed_as_written=written,
        tolerance=options.tolerance,
        limit=options.limit,
        **values,
    )


def judge(
    claimed: float, measured: MetricValue, *, tolerance: float, level: float
) -> tuple[str, str, float, float | None, float | None]:
    """The verdict on one claimed value.

    consistent when `ci_low - tolerance <= claimed <= ci_high + tolerance` (the measured
    interval, widened by the absolute tolerance on each side); discrepant otherwise. The
    difference is claimed − measured; its z divides by the measurement's SE, or, for an
    interval without one (bootstrap), by the half-width over the normal quantile of the
    level (the normal approximation of the interval).

    Returns:
        (status, reason, difference, z, se); status is `unverifiable` when the measured
        value is undefined or has no interval.
    """
    from ..collect.lm_stats import z_value

    if measured.value is None:
        return (
            "unverifiable",
            f"the re-run's value is undefined ({measured.undefined_reason})",
            0.0,
            None,
            None,
        )
    difference = claimed - measured.value
    if measured.ci_low is None or measured.ci_high is None:
        return (
            "unverifiable",
            f"the re-run measured {measured.value:.4g} with no interval to judge by",
            difference,
            None,
            None,
        )
    se = measured.se
    if se is None:
        se = (measured.ci_high - measured.ci_low) / (2 * z_value(measured.ci_level or level))
    z = difference / se if se and se > 0 else None
    low, high = measured.ci_low - tolerance, measured.ci_high + tolerance
    interval = f"[{measured.ci_low:.4f}, {measured.ci_high:.4f}]"
    widened = f" widened by ±{tolerance:g}" if tolerance else ""
    level_text = f"{(measured.ci_level or level):.0%}"
    if low <= claimed <= high:
        return (
            "consistent",
            f"claimed {claimed:.4g} lies inside the measured {level_text} interval "
            f"{interval}{widened} (measured {measured.value:.4f})",
            difference,
            z,
            se,
        )
    z_text = f", z = {z:+.1f}" if z is not None else ""
    return (
        "discrepant",
        f"claimed {claimed:.4g} lies outside the measured {level_text} interval "
        f"{interval}{widened}: claimed − measured = {difference:+.4f}{z_text}",
        difference,
        z,
        se,
    )


def _limit_note(options: Options) -> str:
    if options.limit is None:
        return ""
    return (
        f"; measured on the first {options.limit} rows or questions only (--limit "
        f"{options.limit}): the interval is the sample's"
    )


def _measured_check(
    claim: Claim,
    measurement: Measurement,
    run_index: int,
    metric: str | None,
    note: str | None,
    options: Options,
) -> ClaimCheck:
    number, percent = claim.number()
    assert number is not None  # claims without a number were judged before any run
    if metric is None:
        return _check(
            claim,
            options,
            status="unverifiable",
            reason=(note or "no metric to measure it by") + _limit_note(options),
            claimed=number,
            run=run_index,
        )
    value: MetricValue | None
    if claim.group:
        group = next(
            (g for g in measurement.groups if g.features == claim.group),
            None,
        )
        value = group.metrics.get(metric) if group else None
        shown = ", ".join(f"{k}={v}" for k, v in claim.group.items())
        missing = f"the re-run has no group {shown} with {metric}"
    else:
        value = measurement.overall.get(metric)
        missing = f"the re-run did not compute {metric}"
    if value is None:
        return _check(
            claim,
            options,
            status="unverifiable",
            reason=missing + _limit_note(options),
            claimed=number,
            measured_metric=metric,
            run=run_index,
        )
    claimed, scale, scale_note = read_scale(number, percent, metric in measurement.bounded)
    status, reason, difference, z, se = judge(
        claimed, value, tolerance=options.tolerance, level=options.ci
    )
    read = measurement.run.data_revision
    revision_note = (
        f"the claim names dataset revision {claim.revision}, the data re-run is {read}"
        if claim.revision and read and claim.revision != read
        else None
    )
    notes = [n for n in (scale_note, note) if n]
    reason = "; ".join([*notes, reason, *([revision_note] if revision_note else [])])
    reason += _limit_note(options)
    return _check(
        claim,
        options,
        claimed=claimed,
        scale=scale,
        measured_metric=metric,
        measured=value.value,
        ci_low=value.ci_low,
        ci_high=value.ci_high,
        ci_level=value.ci_level,
        ci_method=value.ci_method,
        se=se,
        n=value.n,
        difference=difference if value.value is not None else None,
        z=z,
        status=status,
        reason=reason,
        run=run_index,
    )


def _lm_metric(claim: Claim, measurement: Measurement) -> tuple[str | None, str | None]:
    named = (claim.notes or {}).get("metric")
    wanted = str(named or claim.metric)
    if wanted in measurement.known:
        return wanted, None
    matches = sorted(k for k in measurement.known if k.split(" (", 1)[0] == wanted)
    if len(matches) == 1:
        return matches[0], None
    if claim.source == ".eval_results" and not named and measurement.headline:
        return measurement.headline, (
            f"the claim names no metric: measured by the task's first metric, "
            f"{measurement.headline}"
        )
    shown = ", ".join(sorted(measurement.known)) or "none"
    return None, f"the task reports no metric {wanted!r} (it reports: {shown})"


class _Verifier:
    """One verification: the claims, the plans that measure them, and the checks."""

    def __init__(self, found: CardClaims, options: Options) -> None:
        self.found = found
        self.options = options
        self.checks: list[ClaimCheck | None] = [None] * len(found.claims)
        self.runs: list[MeasurementRun] = []
        self.plans: dict[tuple[Any, ...], _Plan] = {}
        self._known_tasks: set[str] | None = None
        self._lm_unavailable: str | None = None
        self.log_tasks: dict[str, tuple[Any, Any, str]] = {}

    # -- planning -----------------------------------------------------------------------

    def _plan(self, route: str, key: tuple[Any, ...], index: int) -> None:
        plan = self.plans.setdefault((route, *key), _Plan(route, key))
        plan.indices.append(index)

    def _say(self, index: int, reason: str) -> None:
        claim = self.found.claims[index]
        self.checks[index] = _unverifiable(claim, reason + _limit_note(self.options), self.options)

    def known_tasks(self) -> set[str] | None:
        if self._known_tasks is None and self._lm_unavailable is None:
            try:
                self._known_tasks = _measure.known_tasks(self.options.task_path)
            except CardgenError as exc:
                self._lm_unavailable = str(exc)
        return self._known_tasks

    def read_logs(self) -> None:
        from ..collect.lm_common import task_name

        for path in self.options.logs:
            run = _measure.read_log(path, self.options)
            for task in run.tasks:
                self.log_tasks.setdefault(task_name(task.evaluation), (run, task, path))

    def _log_task(self, claim: Claim) -> str | None:
        names, _ = _lm_candidates(claim, self.options)
        for name in names:
            if name in self.log_tasks:
                return name
        for name, (_, task, _) in self.log_tasks.items():
            record = task.evaluation.record
            ids = {record.dataset_id if record else None, task.evaluation.dataset.name}
            if claim.dataset and claim.dataset in ids:
                return name
        return None

    def plan(self) -> None:
        options = self.options
        model = options.model or self.found.model
        for i, claim in enumerate(self.found.claims):
            number, _ = claim.number()
            if number is None:
                self._say(
                    i,
                    f"the claimed value {claim.value!r} is not a number"
                    if claim.value is not None
                    else "the claim has no value",
                )
                continue
            table = mapped(options.predictions, claim.dataset)
            if table:
                self._plan("predictions", (table, claim.dataset), i)
                continue
            in_log = self._log_task(claim) if self.log_tasks else None
            if in_log:
                if claim.group:
                    self._say(i, "per-group claims of LM benchmarks are not re-run")
                else:
                    self._plan("log", (in_log,), i)
                continue
            if _is_lm(claim, options):
                self._plan_lm(i, claim, model)
                continue
            if claim.task and NOT_RUNNABLE_TASKS.search(claim.task):
                self._say(
                    i,
                    f"task {claim.task!r}: cardgen has no runner and no metric for it (it "
                    "re-runs text and tabular classifiers and regressors, and LM benchmarks)",
                )
                continue
            if not _computable(claim.metric):
                self._say(i, f"metric {claim.metric!r} is not computable by cardgen")
                continue
            if model is None:
                self._say(
                    i, "no runnable model: give --model (a model folder, Hub id or .skops file)"
                )
                continue
            key = (claim.dataset, claim.config, claim.split, claim.revision)
            self._plan("run", key, i)

    def _plan_lm(self, index: int, claim: Claim, model: str | None) -> None:
        if claim.group:
            self._say(index, "per-group claims of LM benchmarks are not re-run")
            return
        if model is None:
            self._say(
                index,
                "no runnable model: give --model, or the harness's output or an Inspect "
                "log with --log",
            )
            return
        known = self.known_tasks()
        if known is None:
            self._say(index, self._lm_unavailable or "lm-evaluation-harness is not available")
            return
        names, explicit = _lm_candidates(claim, self.options)
        task = next((n for n in names if n in known), None)
        if task is None and explicit:
            raise CardgenError(
                f"{claim.where} ({claim.label}): lm-evaluation-harness knows no task "
                f"{names[0]!r}; map the dataset to one with --task {claim.dataset}=TASK "
                "(and --task-path DIR for task YAMLs of your own)"
            )
        if task is None:
            self._say(
                index,
                "the claim names no lm-evaluation-harness task; map it with "
                f"--task {claim.dataset or claim.dataset_name}=TASK, or give the run's log "
                "with --log",
            )
            return
        self._plan("lm-eval", (model, task), index)

    # -- measuring ----------------------------------------------------------------------

    def _fail(self, plan: _Plan, exc: CardgenError) -> CardgenError:
        claim = self.found.claims[plan.indices[0]]
        more = len(plan.indices) - 1
        also = f" and {count(more, 'more claim')} measured by the same run" if more else ""
        message = " ".join(str(exc).split("\n"))
        return CardgenError(f"{claim.where} ({claim.label}{also}): {message}")

    def _add_run(self, run: MeasurementRun) -> int:
        self.runs.append(run)
        return len(self.runs) - 1

    def _metrics_for(self, plan: _Plan, chosen: dict[int, tuple[str | None, str | None]]) -> Any:
        def metrics_for(task: str, with_score: bool, classes: list[str]) -> list[str]:
            known = _measure.known_metrics(task, with_score, classes)
            names: list[str] = []
            for i in plan.indices:
                claim = self.found.claims[i]
                metric, note = engine_metric(claim.metric, claim.metric_args, task, known)
                chosen[i] = (metric, note)
                if metric is not None:
                    names.append(metric)
            return list(dict.fromkeys(names))

        return metrics_for

    def _groups(self, plan: _Plan) -> list[str]:
        features: dict[str, None] = {}
        for i in plan.indices:
            for name in self.found.claims[i].group or {}:
                features.setdefault(name)
        return list(features)

    def measure_tabular(self, plan: _Plan, workdir: Path) -> None:
        options = self.options
        chosen: dict[int, tuple[str | None, str | None]] = {}
        try:
            if plan.route == "predictions":
                table, dataset = plan.key
                measurement = _measure.evaluate_predictions(
                    table,
                    dataset=dataset,
                    metrics_for=self._metrics_for(plan, chosen),
                    sensitive=self._groups(plan),
                    options=options,
                )
            else:
                dataset, config, split, revision = plan.key
                local = mapped(options.data, dataset)
                data_name = None
                data_revision = None
                if local is None:
                    if dataset is None:
                        reason = "the claim names no dataset; map it with --data '*=PATH'"
                        for i in plan.indices:
                            self._say(i, reason)
                        return
                    folder, data_revision, why = _measure.hub_dataset(
                        dataset,
                        config=config,
                        split=split,
                        revision=revision,
                        options=options,
                        workdir=workdir,
                    )
                    if folder is None:
                        for i in plan.indices:
                            self._say(i, why)
                        return
                    local, data_name = folder, f"hub:{dataset}"
                model = options.model or self.found.model
                assert model is not None  # planned only with a model
                measurement = _measure.run_and_evaluate(
                    model,
                    local,
                    dataset=dataset,
                    model_revision=None if options.model else self.found.model_revision,
                    data_revision=data_revision,
                    split=split if data_name is None else None,
                    metrics_for=self._metrics_for(plan, chosen),
                    sensitive=self._groups(plan),
                    options=options,
                    workdir=workdir,
                    data_name=data_name,
                )
        except CardgenError as exc:
            raise self._fail(plan, exc) from exc
        index = self._add_run(measurement.run)
        for i in plan.indices:
            metric, note = chosen.get(i, (None, "no metric to measure it by"))
            self.checks[i] = _measured_check(
                self.found.claims[i], measurement, index, metric, note, options
            )

    def measure_lm(self, plans: list[_Plan], workdir: Path) -> None:
        by_model: dict[str, list[_Plan]] = {}
        for plan in plans:
            by_model.setdefault(plan.key[0], []).append(plan)
        for model, model_plans in sorted(by_model.items()):
            tasks = sorted({plan.key[1] for plan in model_plans})
            revision = None if self.options.model else self.found.model_revision
            try:
                run = _measure.run_harness(
                    model, tasks, model_revision=revision, options=self.options, workdir=workdir
                )
            except CardgenError as exc:
                raise self._fail(model_plans[0], exc) from exc
            for plan in model_plans:
                task = run.task(plan.key[1])
                record = _measure.harness_record(
                    "lm-eval", run, task, model=model, options=self.options, data=None
                )
                self._judge_lm(plan, task, record)

    def measure_log(self, plan: _Plan) -> None:
        run, task, path = self.log_tasks[plan.key[0]]
        record = _measure.harness_record(
            "log", run, task, model=None, options=self.options, data=path
        )
        self._judge_lm(plan, task, record)

    def _judge_lm(self, plan: _Plan, task: Any, record: MeasurementRun) -> None:
        measurement = _measure.harness_measurement(task, record)
        index = self._add_run(record)
        for i in plan.indices:
            claim = self.found.claims[i]
            metric, note = _lm_metric(claim, measurement)
            self.checks[i] = _measured_check(claim, measurement, index, metric, note, self.options)

    def measure(self) -> None:
        with tempfile.TemporaryDirectory(prefix="cardgen-verify-") as tmp:
            lm_plans = []
            for n, plan in enumerate(self.plans.values()):
                workdir = Path(tmp) / str(n)
                workdir.mkdir()
                if plan.route in ("run", "predictions"):
                    self.measure_tabular(plan, workdir)
                elif plan.route == "log":
                    self.measure_log(plan)
                else:
                    lm_plans.append(plan)
            if lm_plans:
                workdir = Path(tmp) / "harness"
                workdir.mkdir()
                self.measure_lm(lm_plans, workdir)


def verify(
    card: str | Path, options: Options | None = None, *, root: str | Path = "."
) -> Verification:
    """Re-run every claim of a card and judge it against the measured interval.

    Args:
        card: a README (with `.eval_results/*.yaml` beside it), a spec (its claims as they
            would render) or `hub:OWNER/NAME[@REVISION]`.
        options: how claims are re-run (model, dataset mappings, harness tasks, logs,
            tolerance, limit, ...); defaults when None.
        root: project folder whose `.cardgen/` holds a spec's facts.

    Returns:
        One `ClaimCheck` per claim (in the card's order) with the runs behind them; a card
        with no claims gives an empty list.

    Raises:
        CardgenError: a card that cannot be read, bad options, or a run that fails (a model
            that cannot load, a mapped file without the label column, a harness task that
            does not exist): one line naming the claim.

    Example:
        >>> result = verify("README.md", Options(model="model.skops",
        ...                 data={"org/data": "test.csv"}))  # doctest: +SKIP
    """
    options = check_options(options or Options())
    return check_claims(read_claims(card, root=root, endpoint=options.endpoint), options)


def check_options(options: Options) -> Options:
    """The options, once their values are checked.

    Raises:
        CardgenError: a negative tolerance, a limit below 1 or a level outside (0, 1).
    """
    if options.tolerance < 0:
        raise CardgenError(f"--tolerance must be 0 or more, got {options.tolerance:g}")
    if options.limit is not None and options.limit < 1:
        raise CardgenError(f"--limit must be at least 1, got {options.limit}")
    if not 0 < options.ci < 1:
        raise CardgenError(f"--ci must lie between 0 and 1, got {options.ci}")
    return options


def check_claims(found: CardClaims, options: Options) -> Verification:
    """Re-run claims already read (`read_claims`, or a Hub listing's) and judge each one.

    Raises:
        CardgenError: as `verify` does for a run that fails.
    """
    verifier = _Verifier(found, options)
    verifier.read_logs()
    verifier.plan()
    verifier.measure()
    checks = [check for check in verifier.checks if check is not None]
    assert len(checks) == len(found.claims)  # every claim gets exactly one verdict
    devices = sorted({run.device for run in verifier.runs if run.device})
    return Verification(
        card=found.card,
        claims=checks,
        runs=verifier.runs,
        tolerance=options.tolerance,
        ci_level=options.ci,
        limit=options.limit,
        counts={status: sum(c.status == status for c in checks) for status in STATUSES},
        notes=found.notes,
        provenance=new_provenance(
            "verify",
            libraries=("numpy", "pandas", "scikit-learn", "huggingface_hub"),
            collected_at=collection_time(),
            uri=found.card,
            revision=found.model_revision,
            device=", ".join(devices) or None,
            seed=options.seed,
        ),
    )


def failed(
    verification: Verification, fail_on: Sequence[str] = ("discrepant",)
) -> list[ClaimCheck]:
    """The checks that fail the gate: discrepant ones, and unverifiable ones when asked."""
    return [check for check in verification.claims if check.status in fail_on]


def write_verification(verification: Verification, path: str | Path) -> Path:
    """Write the verification JSON (complete, or not at all)."""
    return atomic_write_text(Path(path), dumps_json(verification.model_dump(mode="json")))


def terminal_table(verification: Verification) -> str:
    """A plain-text table: claim, claimed, measured [CI], n, verdict; then the reasons."""
    level = f"{verification.ci_level:.0%} CI"
    lines = [("claim", "claimed", f"measured [{level}]", "n", "verdict")]
    for check in verification.claims:
        lines.append(
            (
                claim_label(check),
                claimed_value(check),
                measured_value(check),
                "-" if check.n is None else str(check.n),
                check.status.upper() if check.status == "discrepant" else check.status,
            )
        )
    text = []
    if verification.claims:
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        text = [
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in lines
        ]
        text += [f"{n}. {check.reason}" for n, check in enumerate(verification.claims, 1)]
    return "\n".join([*text, claims_summary(verification)]) + "\n"


def _cell(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def markdown(verification: Verification, fail_on: Sequence[str] = ("discrepant",)) -> str:
    """Markdown for a job summary: the gate's outcome, then one row per claim with its reason."""
    bad = failed(verification, fail_on)
    gate = (
        f"❌ {count(len(bad), 'claim')} {'fails' if len(bad) == 1 else 'fail'} the gate "
        f"({' or '.join(fail_on)})"
        if bad
        else "✅ no claim fails the gate"
    )
    lines = [
        "## cardgen verify",
        "",
        f"`{_cell(verification.card)}`: {claims_summary(verification)}",
        "",
        gate,
    ]
    if verification.claims:
        lines += [
            "",
            f"| Claim | Claimed | Measured [{verification.ci_level:.0%} CI] | n | Verdict | Why |",
            "|---|---:|---|---:|---|---|",
        ]
        for check in verification.claims:
            lines.append(
                f"| {_cell(claim_label(check))} | {_cell(claimed_value(check))} | "
                f"{measured_value(check)} | {'-' if check.n is None else f'{check.n:,}'} | "
                f"{VERDICT_WORDS[check.status]} | {_cell(check.reason)} |"
            )
    return "\n".join(lines) + "\n"


__all__ = [
    "CardClaims",
    "Claim",
    "Options",
    "check_claims",
    "check_options",
    "failed",
    "judge",
    "markdown",
    "parse_mapping",
    "read_claims",
    "terminal_table",
    "verify",
    "write_verification",
]
