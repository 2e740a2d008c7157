"""Verify the claims of many Hub repositories: claims from listing pages, never a README.

It reads the Hub through `cardgen.hub.bulk` (paced to the rate-limit budget) and re-runs
each repository's claims as `verify` does; it writes only the report it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._io import atomic_write_text, dumps_json
from ..errors import CardgenError
from ..schema import ClaimCheck, Verification
from ._measure import Options
from .claims import listed_claims

if TYPE_CHECKING:  # the Hub client loads only when a Hub batch runs
    from ..hub.ratelimit import Quota

REPORT_FORMAT = "cardgen-verify-many/1"
LISTING_PROBLEMS = ("no-repositories", "listing-incomplete")


@dataclass
class RepoVerdict:
    """One repository's verification, or why it has none.

    A problem of a listing (an author without repositories, a listing that broke off)
    has `source` naming the author, e.g. `author my-org`.
    """

    source: str
    """The repository as asked for (or listed)."""
    verification: Verification | None = None
    problem: str | None = None
    """`gated`, `private`, `hub-error`, `verify-failed`, `no-repositories` or
    `listing-incomplete`; None when the claims were verified."""
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """The verdict as JSON-ready data."""
        if self.verification is not None:
            return {
                "source": self.source,
                "verification": self.verification.model_dump(mode="json"),
            }
        return {"source": self.source, "problem": self.problem, "message": self.message}


@dataclass
class ManyReport:
    """The verifications of a batch of Hub repositories and what the batch asked of the Hub."""

    verdicts: list[RepoVerdict]
    """Sorted by source; problems included."""
    repositories: int = 0
    """Repository records read (from listing pages or one call each)."""
    requests: dict[str, int] = field(default_factory=dict)
    """Requests sent per budget: `api` (listing pages, records) and `files` (downloads)."""
    throttled: int = 0
    """Answers that were 429 (rate limited)."""
    waited: float = 0.0
    """Seconds spent waiting for the rate-limit budget."""

    @property
    def verified(self) -> list[RepoVerdict]:
        """The repositories whose claims were read and judged (some have none)."""
        return [v for v in self.verdicts if v.verification is not None]

    @property
    def problems(self) -> list[RepoVerdict]:
        """Repositories and listings that gave no verification."""
        return [v for v in self.verdicts if v.verification is None]

    def counts(self) -> dict[str, int]:
        """Claims per verdict over every repository."""
        totals = {"consistent": 0, "discrepant": 0, "unverifiable": 0}
        for verdict in self.verified:
            assert verdict.verification is not None
            for check in verdict.verification.claims:
                totals[check.status] += 1
        return totals

    def failed(self, fail_on: Sequence[str] = ("discrepant",)) -> list[tuple[str, ClaimCheck]]:
        """(repository, check) of every claim that fails the gate."""
        return [
            (verdict.source, check)
            for verdict in self.verified
            for check in verdict.verification.claims  # type: ignore[union-attr]
            if check.status in fail_on
        ]

    def per_repository(self) -> dict[str, float]:
        """Requests per repository read, per budget (0 when none was read)."""
        return {
            resource: (self.requests.get(resource, 0) / self.repositories)
            if self.repositories
            else 0.0
            for resource in ("api", "files")
        }

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (what `write_many_report` writes)."""
        return {
            "format": REPORT_FORMAT,
            "counts": self.counts(),
            "hub": {
                "repositories": self.repositories,
                "requests": {k: self.requests.get(k, 0) for k in ("api", "files")},
                "per_repository": self.per_repository(),
                "throttled": self.throttled,
                "waited_seconds": round(self.waited, 3),
            },
            "repositories": [verdict.to_json() for verdict in self.verdicts],
        }


def _access_note(info: Any) -> str | None:
    gated = getattr(info, "gated", False)
    if gated:
        return (
            f"gated repository ({gated}): its claims were read from the Hub's listing; "
            "its README and files are not public"
        )
    if getattr(info, "private", False):
        return "private repository: its claims were read with a token that may see it"
    return None


def verify_hub(
    repo_ids: Iterable[str] = (),
    *,
    authors: Iterable[str] = (),
    options: Options | None = None,
    jobs: int = 8,
    timeout: float = 30.0,
    retries: int = 4,
    budget: Mapping[str, Quota] | None = None,
    time_scale: float = 1.0,
    progress: Callable[[str, bool], None] | None = None,
    on_wait: Callable[[str, float, str], None] | None = None,
) -> ManyReport:
    """Verify the claims of many Hub model repositories, reading them in bulk.

    Each repository's claims (its `model-index`, as the Hub read the front matter, and
    its `evalResults`) come from listing pages with `expand`
    (`cardgen.hub.bulk.iter_repo_metadata`): about 1,000 repositories per API call for an
    author, and for ids of one owner; other ids take one call each. No README is
    downloaded: the claims verify reads are all in those records. The claims are then
    re-run as `verify` does (`options`; a claim re-run by a model or a Hub dataset
    downloads it as a single `verify` would, outside the budget counted here).

    A repository that cannot be read (gated to its record, not found, failing), one whose
    re-run fails, an author without repositories and a listing that broke off are
    problems in the report; the run goes on. A gated or private repository whose record
    was listed is verified, and a note in its verification says so.

    Args:
        repo_ids: repository ids.
        authors: users or organisations whose every model repository is verified.
        options: how claims are re-run (`--predictions`, `--data`, tolerance, ...).
        jobs: concurrent single-repository calls.
        timeout: seconds per request.
        retries: tries after the first on 429, 5xx and broken answers.
        budget: rate-limit quotas to keep (`cardgen.hub.ratelimit.parse_budget`).
        time_scale: the Hub's clock speed (a local test Hub; 1 for the real one).
        progress: called with (repository, verified) as each repository finishes.
        on_wait: called when requests wait for the budget (`cardgen.hub.ratelimit.Pacer`).

    Returns:
        The report; its verdicts are sorted by repository id.

    Raises:
        CardgenError: bad options (before anything is read).

    Example:
        >>> tables = Options(predictions={"*": "preds.parquet"})
        >>> report = verify_hub(authors=["my-org"], options=tables)  # doctest: +SKIP
        >>> report.per_repository()  # doctest: +SKIP
        {'api': 0.001, 'files': 0.0}
    """
    from huggingface_hub import get_token

    from ..hub.bulk import HubReader, iter_repo_metadata
    from ..hub.collect import resolve_endpoint
    from ..hub.ratelimit import Pacer
    from . import check_claims, check_options

    options = check_options(options or Options())
    if options.model is not None:
        raise CardgenError("--model names one model: it is for one card, not many")
    pacer = Pacer(budget, time_scale=time_scale, on_wait=on_wait)
    reader = HubReader(
        resolve_endpoint(options.endpoint),
        token=get_token() or False,
        timeout=timeout,
        retries=retries,
        pacer=pacer,
    )
    notify = progress or (lambda repo, ok: None)
    verdicts: list[RepoVerdict] = []
    read = 0
    for meta in iter_repo_metadata(repo_ids, authors, repo_type="model", reader=reader, jobs=jobs):
        if meta.problem in LISTING_PROBLEMS:
            verdicts.append(RepoVerdict(meta.repo_id, problem=meta.problem, message=meta.message))
            continue
        read += 1
        if meta.problem is not None:
            verdicts.append(
                RepoVerdict(meta.requested_id, problem=meta.problem, message=meta.message)
            )
            notify(meta.requested_id, False)
            continue
        try:
            found = listed_claims(meta.repo_id, meta.record or {}, meta.info)
            note = _access_note(meta.info)
            if note:
                found.notes.insert(0, note)
            verification = check_claims(found, options)
        except CardgenError as exc:
            verdicts.append(
                RepoVerdict(meta.requested_id, problem="verify-failed", message=str(exc))
            )
            notify(meta.requested_id, False)
            continue
        verdicts.append(RepoVerdict(meta.requested_id, verification))
        notify(meta.requested_id, True)
    verdicts.sort(key=lambda v: (v.source, v.problem or "", v.message))
    return ManyReport(
        verdicts,
        repositories=read,
        requests=dict(pacer.sent),
        throttled=sum(pacer.throttled.values()),
        waited=pacer.waited,
    )


def write_many_report(report: ManyReport, path: str | Path) -> Path:
    """Write the batch's report as JSON (complete, or not at all)."""
    return atomic_write_text(Path(path), dumps_json(report.to_json()))
