"""A card's claims re-run: one verdict per claimed number, with the measured interval.

Structure and validation only; `cardgen.verify` produces it, renderers and the gate read it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import CardModel
from .provenance import Provenance

Status = Literal["consistent", "discrepant", "unverifiable"]
ClaimSource = Literal["model-index", ".eval_results"]
RunKind = Literal["run", "predictions", "lm-eval", "log"]


class ClaimCheck(CardModel):
    """One claimed number, what a re-run measured, and the verdict.

    The verdict rule: **consistent** when the claimed value (on the measured metric's
    scale) lies inside the measured value's interval widened by `tolerance` on each
    side, **discrepant** when it lies outside, **unverifiable** (with `reason`) when no
    measurement could be made.
    """

    source: ClaimSource
    """Where the claim was written: the README's `model-index` or an `.eval_results` entry."""
    where: str
    """The claim's place, e.g. `README.md: model-index[0].results[1].metrics[0]`."""
    task: str | None = None
    """The claim's task: a model-index `task.type`, or an `.eval_results` `task_id`."""
    dataset: str | None = None
    """Dataset id as claimed (model-index `dataset.type`, `.eval_results` `dataset.id`)."""
    dataset_name: str | None = None
    """The dataset's display name, when the claim gives one."""
    config: str | None = None
    """Dataset configuration (subset) as claimed."""
    split: str | None = None
    """Dataset split as claimed."""
    revision: str | None = None
    """Dataset revision as claimed."""
    metric: str
    """The claimed metric's type as written (e.g. `accuracy`, `acc_norm`)."""
    metric_name: str | None = None
    """The claimed metric's display name, when the claim gives one."""
    metric_args: dict[str, Any] = Field(default_factory=dict)
    """The claimed metric's `args` (e.g. `{average: macro}`)."""
    group: dict[str, str] | None = None
    """The group a per-group claim is about (`{race: Black}`); null for an overall value."""
    claimed_as_written: float | str | None = None
    """The claimed value exactly as written (a number, or the text when it is not one)."""
    claimed: float | None = None
    """The claimed value on the measured metric's scale (77.7 % is 0.777)."""
    scale: Literal["fraction", "percent"] | None = None
    """How the claimed value was read: `percent` when it was divided by 100."""
    measured_metric: str | None = None
    """The metric measured for it (cardgen's name, or the harness's metric label)."""
    measured: float | None = None
    """The re-run's value."""
    ci_low: float | None = None
    """Lower end of the measured value's interval."""
    ci_high: float | None = None
    """Upper end of the measured value's interval."""
    ci_level: float | None = Field(default=None, gt=0, lt=1)
    """Confidence level of the interval (0.95)."""
    ci_method: str | None = None
    """How the interval was computed: `bootstrap` (percentile, evaluation engine), `wilson`,
    `clt` (mean ± z·SE over per-question scores), `clustered` or `harness-stderr`."""
    se: float | None = Field(default=None, ge=0)
    """Standard error behind `z`: the measurement's own, else the interval's half-width
    divided by the normal quantile of its level."""
    n: int | None = Field(default=None, ge=0)
    """Observations the measured value rests on (rows, or the metric's denominator)."""
    difference: float | None = None
    """claimed − measured."""
    z: float | None = None
    """difference / se."""
    tolerance: float = Field(default=0.0, ge=0)
    """Absolute widening of the interval on each side (`--tolerance`)."""
    limit: int | None = Field(default=None, ge=1)
    """Rows or questions the re-run was limited to (`--limit`); null for the full data."""
    status: Status
    """`consistent`, `discrepant` or `unverifiable`."""
    reason: str
    """Why: the comparison in words, or what was missing."""
    run: int | None = Field(default=None, ge=0)
    """Index of the measurement in `Verification.runs` that measured it."""


class MeasurementRun(CardModel):
    """One re-run behind some of the verdicts: what exactly was run, on what, where."""

    kind: RunKind
    """`run` (`cardgen run` then the evaluation engine), `predictions` (a given predictions
    table, then the evaluation engine), `lm-eval` (lm-evaluation-harness run by verify) or
    `log` (an lm-evaluation-harness output or Inspect AI log given with `--log`)."""
    model: str | None = None
    """The model as named (folder, file or Hub id)."""
    model_revision: str | None = None
    """Hub commit sha, or `sha256:` of the model files."""
    model_sha256: dict[str, str] = Field(default_factory=dict)
    """SHA-256 of each model file loaded."""
    dataset: str | None = None
    """The claimed dataset id the run stands for."""
    data: str | None = None
    """What was read: a file, a folder, `hub:ID`, a predictions table or a log."""
    data_revision: str | None = None
    """Hub commit sha of the dataset, or `sha256:` of the file(s) read."""
    data_sha256: dict[str, str] = Field(default_factory=dict)
    """SHA-256 of each data file read."""
    split: str | None = None
    """Split read."""
    rows: int | None = Field(default=None, ge=0)
    """Rows (or questions) measured."""
    limit: int | None = Field(default=None, ge=1)
    """`--limit` when the run was limited to the first rows or questions."""
    task: str | None = None
    """Harness task(s) run, comma-separated."""
    harness: str | None = None
    """Harness and version, e.g. `lm-evaluation-harness 0.4.9`."""
    library_versions: dict[str, str] = Field(default_factory=dict)
    """Versions of the libraries that produced the measurement."""
    device: str | None = None
    """Device that ran the model."""
    seeds: dict[str, int] = Field(default_factory=dict)
    """Seeds: the bootstrap's, the harness's."""


class Verification(CardModel):
    """Every claim of a card with its verdict (what `cardgen verify` writes)."""

    card: str
    """What was verified: a README, a spec or `hub:OWNER/NAME` (and its revision)."""
    claims: list[ClaimCheck] = Field(default_factory=list)
    """One check per claimed number, in the order the card lists them."""
    runs: list[MeasurementRun] = Field(default_factory=list)
    """The measurements the checks refer to."""
    tolerance: float = Field(default=0.0, ge=0)
    """`--tolerance`: absolute widening of each interval."""
    ci_level: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level of the intervals."""
    limit: int | None = Field(default=None, ge=1)
    """`--limit`, when every run was limited to its first rows or questions."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Claims per status (`consistent`, `discrepant`, `unverifiable`)."""
    notes: list[str] = Field(default_factory=list)
    """What was read but is not a claim (e.g. entries cardgen wrote from a verification)."""
    provenance: Provenance | None = None
    """Where and when the verification ran (source `verify`)."""

    def count(self, status: Status) -> int:
        """Number of claims with `status`."""
        return sum(1 for check in self.claims if check.status == status)
