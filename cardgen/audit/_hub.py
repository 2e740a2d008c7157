"""Audit Hub repositories in bulk, resumably: metadata from listings, a checkpoint per repo.

It reads the Hub through `cardgen.hub` (paced to the rate-limit budget) and appends one
line per finished repository to a checkpoint file; it writes nothing else and keeps no
card in memory once it is written down.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from ..errors import CardgenError
from ._record import CardAudit, audit_hub_facts
from ._report import AuditReport, HubFigures

if TYPE_CHECKING:  # the Hub client loads only when a Hub audit runs
    from ..hub.ratelimit import Quota

CHECKPOINT_FORMAT = "cardgen-audit-checkpoint/1"


def checkpoint_key(inputs: Mapping[str, Any]) -> str:
    """A short name for a run's inputs: the same inputs give the same checkpoint file."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def run_inputs(
    repo_ids: Iterable[str], authors: Iterable[str], repo_type: str, metadata_only: bool
) -> dict[str, Any]:
    """What a checkpoint must match to be resumed: the repositories asked for and how."""
    ids = sorted({r.strip() for r in repo_ids if r.strip()})
    return {
        "authors": sorted(set(authors)),
        "repo_ids": len(ids),
        "repo_ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
        "repo_type": repo_type,
        "metadata_only": metadata_only,
    }


def checkpoint_path(
    root: str | Path,
    repo_ids: Iterable[str],
    authors: Iterable[str],
    repo_type: str,
    metadata_only: bool,
) -> Path:
    """Where a Hub audit of these inputs keeps its checkpoint: `.cardgen/_audit/<key>.jsonl`
    in the project folder `root` (the same inputs, the same file)."""
    key = checkpoint_key(run_inputs(repo_ids, authors, repo_type, metadata_only))
    return Path(root) / ".cardgen" / "_audit" / f"{key}.jsonl"


@dataclass
class _Outcome:
    offset: int
    source: str
    card: bool


class Checkpoint:
    """An append-only JSON Lines file: a header naming the run's inputs, then one line per
    finished repository (its card, or its problem).

    Each line goes out in one `write` and ends with a newline; a line cut off by a kill
    (no newline, or not JSON) is dropped when the file is read again, so a repository is
    either wholly recorded or not at all. For the same repository the last line counts.

    Args:
        path: the file.
        inputs: the run's inputs (`run_inputs`); a resumed file must have the same.
        resume: keep what the file holds; otherwise start it afresh.

    Raises:
        CardgenError: a file to resume that is not a checkpoint or was written for other
            inputs.
    """

    def __init__(self, path: Path, inputs: dict[str, Any], *, resume: bool) -> None:
        self.path = path
        self.inputs = inputs
        self._lock = threading.Lock()
        self._outcomes: dict[str, _Outcome] = {}
        self._transient: set[str] = set()
        self.resumed = 0
        if resume and path.exists():
            self._load()
            self.resumed = len(self.done)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            header = json.dumps({"format": CHECKPOINT_FORMAT, "inputs": inputs}) + "\n"
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(header)
            os.replace(tmp, path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        self._offset = os.path.getsize(path)

    @property
    def done(self) -> set[str]:
        """Repositories (as asked for) with a final outcome: not read again on resume."""
        return set(self._outcomes) - self._transient

    def _load(self) -> None:
        with open(self.path, "rb") as handle:
            first = handle.readline()
            try:
                header = json.loads(first)
            except ValueError:
                header = None
            if not isinstance(header, dict) or header.get("format") != CHECKPOINT_FORMAT:
                raise CardgenError(f"{self.path}: not a cardgen audit checkpoint")
            if header.get("inputs") != self.inputs:
                raise CardgenError(
                    f"{self.path}: the checkpoint is of a run with other inputs "
                    f"({header.get('inputs')}); run without --resume to start over"
                )
            offset = len(first)
            for line in handle:
                try:
                    record = json.loads(line) if line.endswith(b"\n") else None
                except ValueError:
                    record = None
                if not isinstance(record, dict) or "repo" not in record:
                    break  # cut off by an interruption: everything before it stands
                self._note(record, offset)
                offset += len(line)
        with open(self.path, "r+b") as handle:
            handle.truncate(offset)

    def _note(self, record: dict[str, Any], offset: int) -> None:
        repo = record["repo"]
        if "card" in record:
            self._outcomes[repo] = _Outcome(offset, record["card"]["source"], True)
            self._transient.discard(repo)
        else:
            self._outcomes[repo] = _Outcome(offset, repo, False)
            if record.get("transient"):
                self._transient.add(repo)
            else:
                self._transient.discard(repo)

    def _append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            os.write(self._fd, line)
            self._note(record, self._offset)
            self._offset += len(line)

    def add_card(self, repo: str, card: CardAudit) -> None:
        """Record a repository's audit."""
        self._append({"repo": repo, "card": card.to_json(), "sections_read": card.sections_read})

    def add_problem(self, repo: str, problem: dict[str, str], *, transient: bool) -> None:
        """Record a repository that could not be audited (`transient`: try it again on resume)."""
        self._append({"repo": repo, "problem": problem, "transient": transient})

    def close(self) -> None:
        """Flush the file to disk and close it."""
        os.fsync(self._fd)
        os.close(self._fd)

    def results(self) -> tuple[CardStore, list[dict[str, str]]]:
        """The cards (sorted by repository id, read back lazily) and the problems."""
        cards = sorted((o.source, o.offset) for o in self._outcomes.values() if o.card)
        problems = []
        with open(self.path, "rb") as handle:
            for outcome in self._outcomes.values():
                if not outcome.card:
                    handle.seek(outcome.offset)
                    problems.append(json.loads(handle.readline())["problem"])
        return CardStore(self.path, [offset for _, offset in cards]), problems


class CardStore(Sequence[CardAudit]):
    """The cards of a Hub audit, read back from its checkpoint file one at a time.

    A sequence that holds only each card's offset in the file. It never changes, so
    `memo` keeps what has been computed over it (the report's population tallies).
    """

    def __init__(self, path: Path, offsets: list[int]) -> None:
        self.path = path
        self._offsets = offsets
        self.memo: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._offsets)

    def __iter__(self) -> Iterator[CardAudit]:
        with open(self.path, "rb") as handle:
            for offset in self._offsets:
                handle.seek(offset)
                yield _card(handle.readline())

    @overload
    def __getitem__(self, index: int) -> CardAudit: ...

    @overload
    def __getitem__(self, index: slice) -> list[CardAudit]: ...

    def __getitem__(self, index: int | slice) -> CardAudit | list[CardAudit]:
        offsets = self._offsets[index] if isinstance(index, slice) else [self._offsets[index]]
        with open(self.path, "rb") as handle:
            cards = []
            for offset in offsets:
                handle.seek(offset)
                cards.append(_card(handle.readline()))
        return cards if isinstance(index, slice) else cards[0]


def _card(line: bytes) -> CardAudit:
    record = json.loads(line)
    return CardAudit.from_json(record["card"], record.get("sections_read", True))


ProgressCallback = Callable[[str, bool], None]


def audit_hub(
    repo_ids: Iterable[str] = (),
    *,
    authors: Iterable[str] = (),
    repo_type: str = "model",
    metadata_only: bool = False,
    jobs: int = 8,
    endpoint: str | None = None,
    timeout: float = 30.0,
    retries: int = 4,
    budget: Mapping[str, Quota] | None = None,
    time_scale: float = 1.0,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    on_wait: Callable[[str, float, str], None] | None = None,
) -> AuditReport:
    """Audit Hub repositories: the ids given and every repository of the authors given.

    Metadata comes from listing pages (`cardgen.hub.bulk.iter_repo_metadata`); unless
    `metadata_only`, each repository's README is downloaded once to audit its sections.
    Requests are paced to the Hub's rate-limit budget. Each finished repository is
    appended to the checkpoint file at once; `resume` continues a run that was
    interrupted, reading none of its finished repositories again, and gives the same
    report as a run that was not interrupted.

    A repository that cannot be read (not found, gated, private, failing) is a problem in
    the report, as are an author without repositories and a listing that broke off; the
    run goes on.

    Args:
        repo_ids: repository ids.
        authors: users or organisations whose every repository is audited.
        repo_type: `model` or `dataset`.
        metadata_only: audit the Hub fields only, without downloading READMEs.
        jobs: concurrent requests.
        endpoint: Hub address (`HF_ENDPOINT` or huggingface.co when None).
        timeout: seconds per request.
        retries: tries after the first on 429, 5xx and broken answers.
        budget: rate-limit quotas to keep (`cardgen.hub.ratelimit.parse_budget`).
        time_scale: the Hub's clock speed (a local test Hub; 1 for the real one).
        checkpoint: the checkpoint file; a temporary one when None (no resume).
        resume: continue from `checkpoint` if it exists.
        progress: called with (repository, audited) as each repository finishes.
        on_wait: called when requests wait for the budget (`cardgen.hub.ratelimit.Pacer`).

    Returns:
        The report; its cards are sorted by repository id.

    Example:
        >>> report = audit_hub(authors=["my-org"], metadata_only=True)  # doctest: +SKIP
        >>> report.hub.per_repository()["api"]  # doctest: +SKIP
        0.001
    """
    from huggingface_hub import get_token

    from ..hub.bulk import HubReader, iter_repo_metadata
    from ..hub.collect import read_listed, resolve_endpoint, snapshot_of
    from ..hub.ratelimit import Pacer

    repo_ids = list(repo_ids)
    authors = list(authors)
    inputs = run_inputs(repo_ids, authors, repo_type, metadata_only)
    temporary = checkpoint is None
    if checkpoint is None:
        fd, name = tempfile.mkstemp(prefix="cardgen-audit-", suffix=".jsonl")
        os.close(fd)
        checkpoint, resume = Path(name), False
    journal = Checkpoint(Path(checkpoint), inputs, resume=resume)
    pacer = Pacer(budget, time_scale=time_scale, on_wait=on_wait)
    reader = HubReader(
        resolve_endpoint(endpoint),
        token=get_token() or False,
        timeout=timeout,
        retries=retries,
        pacer=pacer,
    )
    notify = progress or (lambda repo, ok: None)
    listing_problems: list[dict[str, str]] = []
    read = 0
    slots = threading.BoundedSemaphore(2 * jobs)

    def finish(meta: Any, snapshot: Any) -> None:
        journal.add_card(meta.requested_id, _audit(meta, snapshot))
        notify(meta.requested_id, True)

    def problem(meta: Any) -> None:
        record = {"source": meta.requested_id, "problem": meta.problem, "message": meta.message}
        journal.add_problem(meta.requested_id, record, transient=meta.transient)
        notify(meta.requested_id, False)

    def with_readme(meta: Any) -> None:
        try:
            snapshot, failed = read_listed(reader, meta, repo_type)
            if failed is not None:
                problem(failed)
            else:
                finish(meta, snapshot)
        except BaseException as exc:  # raised in the caller's thread below
            failures.append(exc)
        finally:
            slots.release()

    failures: list[BaseException] = []
    try:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cardgen-audit") as pool:
            for meta in iter_repo_metadata(
                repo_ids,
                authors,
                repo_type=repo_type,
                reader=reader,
                jobs=jobs,
                skip=journal.done,
            ):
                if meta.problem in ("no-repositories", "listing-incomplete"):
                    listing_problems.append(
                        {"source": meta.repo_id, "problem": meta.problem, "message": meta.message}
                    )
                    continue
                read += 1
                if meta.problem is not None:
                    problem(meta)
                elif metadata_only:
                    finish(
                        meta, snapshot_of(meta, None, reader.endpoint, repo_type, readme_read=False)
                    )
                else:
                    slots.acquire()
                    pool.submit(with_readme, meta)
    finally:
        journal.close()
    if failures:
        raise failures[0]
    cards, problems = journal.results()
    if temporary:
        weakref.finalize(cards, Path(checkpoint).unlink, missing_ok=True)
    problems = sorted(
        problems + listing_problems, key=lambda p: (p["source"], p["problem"], p["message"])
    )
    figures = HubFigures(
        repositories=read,
        requests=pacer.sent,
        throttled=sum(pacer.throttled.values()),
        waited=pacer.waited,
        readmes_read=not metadata_only,
        resumed=journal.resumed,
    )
    return AuditReport(cards=cards, problems=problems, hub=figures)


def _audit(meta: Any, snapshot: Any) -> CardAudit:
    """One repository's audit from its snapshot (`cardgen.hub.collect.HubSnapshot`)."""
    from ..hub.collect import hub_evaluations, hub_facts

    facts = hub_facts(snapshot)
    warnings = list(facts["warnings"])
    evaluations = hub_evaluations(snapshot, warnings)
    facts["warnings"] = warnings
    card = audit_hub_facts(facts, evaluations, sections_read=snapshot.readme_read)
    card.source = meta.repo_id
    if getattr(meta.info, "private", False):
        card.warnings.append("private repository: its card is not public")
    gated = getattr(meta.info, "gated", False)
    if gated and not snapshot.readme_read:
        card.warnings.append(f"gated repository ({gated}): its README is not public")
    return card
