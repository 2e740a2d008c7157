"""Collect facts about Hugging Face Hub repositories, with provenance, into `.cardgen/<card>/`.

All Hub I/O goes through `huggingface_hub` (never hand-written HTTP); it never edits a spec
and never writes a token anywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, get_token, hf_hub_url
from huggingface_hub.errors import RemoteEntryNotFoundError
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from ..errors import CardgenError, HubError
from ..facts import collection_time, facts_dir, library_versions, new_provenance, write_fact
from ..schema import DisaggregatedEvaluation
from ..schema.provenance import Provenance
from ._http import explain, with_retries
from ._markdown import ParsedReadme, parse_readme
from .bulk import LIST_EXPAND, HubReader, RepoMetadata, iter_repo_metadata, problem_of
from .eval_results import read_entries
from .model_index import read_model_index
from .ratelimit import Pacer, Quota, WaitCallback

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT = 30.0
MAX_JOBS = 64

MODEL_EXPAND = sorted([*LIST_EXPAND["model"], "baseModels"])
"""Properties asked of `model_info`: with `expand` the Hub answers only what is listed,
so this names every property the facts use (and `evalResults`, which it only sends when
asked): the listing's, and `baseModels`, which a listing does not take."""


@lru_cache(maxsize=1)
def _library_versions() -> dict[str, str]:
    # Looking a distribution up costs ~10 ms; versions cannot change within a process.
    return library_versions("huggingface_hub")


def resolve_endpoint(endpoint: str | None) -> str:
    """The Hub address: `endpoint`, else `HF_ENDPOINT`, else https://huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def repo_url(endpoint: str, repo_type: str, repo_id: str) -> str:
    """Web address of a repository."""
    prefix = "" if repo_type == "model" else f"{repo_type}s/"
    return f"{endpoint}/{prefix}{repo_id}"


def fact_key(repo_type: str, repo_id: str) -> str:
    """File stem of a linked repository's facts, e.g. `hub-dataset-stanfordnlp--imdb`."""
    return f"hub-{repo_type}-" + re.sub(r"[^A-Za-z0-9._-]", "-", repo_id.replace("/", "--"))


@dataclass
class HubSnapshot:
    """What was read from the Hub for one repository at one resolved commit."""

    requested_id: str
    repo_id: str
    repo_type: str
    revision: str | None
    sha: str
    endpoint: str
    info: Any
    readme: bytes | None
    collected_at: datetime | None = None
    card_data: dict[str, Any] | None = None
    """The Hub's own reading of the README's front matter (a listing's `cardData`): when
    given, it is the card's metadata and the front matter is not parsed again."""
    readme_read: bool = True
    """False when the README was not asked for (metadata only): then no sections, and no
    warning that it is missing."""

    @property
    def url(self) -> str:
        """Web address of the repository."""
        return repo_url(self.endpoint, self.repo_type, self.repo_id)

    @cached_property
    def parsed(self) -> ParsedReadme | None:
        """The README split into front matter and sections; None without a README."""
        if self.readme is None:
            return None
        return parse_readme(self.readme, metadata=self.card_data)

    @cached_property
    def provenance(self) -> Provenance:
        """Provenance of everything read in this snapshot (uri: the repository)."""
        provenance = new_provenance(
            "hub", uri=self.url, revision=self.sha, collected_at=self.collected_at
        )
        return provenance.model_copy(update={"library_versions": _library_versions()})


def fetch_repo(
    repo_id: str,
    *,
    repo_type: str = "model",
    revision: str | None = None,
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 4,
    backoff: float = 0.5,
    token: str | bool | None = None,
) -> HubSnapshot:
    """Read a repository's info and README through `huggingface_hub`.

    The token is `huggingface_hub`'s own (HF_TOKEN or `hf auth login`) unless given.
    A renamed repository is followed (the Hub answers 307) and recorded under its new id.

    Args:
        repo_id: e.g. `google-bert/bert-base-uncased`.
        repo_type: `model` or `dataset`.
        revision: branch, tag or sha; the default branch when None.
        endpoint: Hub address; `HF_ENDPOINT` or huggingface.co when None.
        timeout: seconds to wait for each answer.
        retries: tries after the first on 429/5xx (honouring Retry-After).
        backoff: first wait in seconds between tries without Retry-After.
        token: passed to huggingface_hub; None lets it find HF_TOKEN or the login.

    Returns:
        The snapshot: info object, resolved sha, README bytes (None if the repo has none).

    Raises:
        HubError: not found, gated, timeout, invalid answer or persistent server errors.
    """
    if repo_type not in ("model", "dataset"):
        raise CardgenError(f"repo type must be model or dataset, not {repo_type!r}")
    endpoint = resolve_endpoint(endpoint)
    label = f"{repo_type} {repo_id}"
    api = HfApi(endpoint=endpoint, token=token)
    collected_at = collection_time()

    def read_info() -> Any:
        if repo_type == "model":
            return api.model_info(repo_id, revision=revision, timeout=timeout, expand=MODEL_EXPAND)  # type: ignore[arg-type]
        return api.dataset_info(repo_id, revision=revision, timeout=timeout)

    try:
        info = with_retries(read_info, retries=retries, backoff=backoff)
    except Exception as exc:
        raise explain(exc, label, endpoint, timeout) from exc
    if not getattr(info, "sha", None):
        raise HubError(f"{label}: the Hub answer has no commit sha")
    resolved = info.id or repo_id

    def read_readme() -> bytes | None:
        return _read_readme(resolved, repo_type, info.sha, endpoint, token, timeout)

    try:
        readme = with_retries(read_readme, retries=retries, backoff=backoff)
    except Exception as exc:
        raise explain(exc, label, endpoint, timeout) from exc
    return HubSnapshot(
        repo_id, resolved, repo_type, revision, info.sha, endpoint, info, readme, collected_at
    )


def _read_readme(
    repo_id: str, repo_type: str, sha: str, endpoint: str, token: str | bool | None, timeout: float
) -> bytes | None:
    """The README at `sha`, or None when the repository has none.

    One GET through huggingface_hub's shared session, URL builder, auth headers and error
    mapping. `hf_hub_download` would add a HEAD request and about ten cache-file
    operations per README, which dominated batch collection (benchmarks/README.md).
    """
    url = hf_hub_url(repo_id, "README.md", repo_type=repo_type, revision=sha, endpoint=endpoint)
    response = get_session().get(url, headers=build_hf_headers(token=token), timeout=timeout)
    try:
        hf_raise_for_status(response)
    except RemoteEntryNotFoundError:
        return None
    return response.content


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _tag_values(tags: Iterable[str], prefix: str) -> list[str]:
    return [t[len(prefix) :] for t in tags if t.startswith(prefix)]


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value


def _lineage(card_data: dict[str, Any], tags: list[str], info: Any) -> list[dict[str, Any]]:
    """Base models and how this model derives from each (finetune, adapter, merge, quantized).

    The Hub writes the relation into tags as `base_model:<relation>:<id>`; the README may
    name it in `base_model_relation`; `baseModels` (expand) lists it too.
    """
    relations: dict[str, str | None] = {}
    for base in _as_list(card_data.get("base_model")):
        relations[base] = card_data.get("base_model_relation")
    for value in _tag_values(tags, "base_model:"):
        relation, _, base = value.partition(":")
        if base:
            relations[base] = relation
        else:
            relations.setdefault(relation, None)
    expanded = getattr(info, "base_models", None)
    if isinstance(expanded, dict):
        for model in expanded.get("models") or []:
            if isinstance(model, dict) and model.get("id"):
                relations[model["id"]] = relations.get(model["id"]) or expanded.get("relation")
    return [{"repo_id": base, "relation": relation} for base, relation in relations.items()]


def _parameters(info: Any) -> dict[str, Any] | None:
    safetensors = getattr(info, "safetensors", None)
    if safetensors is None:
        return None
    return {
        "total": safetensors.total,
        "by_dtype": dict(sorted(safetensors.parameters.items())),
        "source": "safetensors",
    }


def hub_facts(snapshot: HubSnapshot) -> dict[str, Any]:
    """The facts of one repository: metadata, lineage, links, card data and prose sections.

    Args:
        snapshot: what `fetch_repo` read.

    Returns:
        A JSON-able mapping with `provenance`; evaluations are separate (`hub_evaluations`).
    """
    info = snapshot.info
    warnings: list[str] = []
    parsed = snapshot.parsed
    if parsed is not None:
        warnings.extend(parsed.warnings)
        card_data = parsed.metadata
    else:
        if snapshot.readme_read:
            warnings.append("repository has no README.md")
        raw = getattr(info, "card_data", None)
        if snapshot.card_data is not None:
            card_data = snapshot.card_data
        else:
            card_data = raw.to_dict() if raw is not None else {}
    tags = list(info.tags or [])
    licenses = _as_list(card_data.get("license")) or _tag_values(tags, "license:")
    dataset_ids = _as_list(card_data.get("datasets")) or _tag_values(tags, "dataset:")
    facts: dict[str, Any] = {
        "provenance": _provenance(snapshot, snapshot.url).model_dump(mode="json"),
        "repo_id": snapshot.repo_id,
        "repo_type": snapshot.repo_type,
        "requested_id": snapshot.requested_id,
        "revision": snapshot.revision,
        "sha": snapshot.sha,
        "url": snapshot.url,
        "author": info.author,
        "license": licenses[0] if len(licenses) == 1 else (licenses or None),
        "tags": tags,
        "arxiv": _tag_values(tags, "arxiv:"),
        "downloads": info.downloads,
        "likes": info.likes,
        "gated": info.gated,
        "private": info.private,
        "created_at": _iso(info.created_at),
        "last_modified": _iso(info.last_modified),
        "card_data": card_data,
        "sections": [
            {"heading": s.heading, "level": s.level, "body": s.body}
            for s in (parsed.sections if parsed else [])
            if s.heading is not None or s.body
        ],
        "warnings": warnings,
    }
    if snapshot.repo_type == "model":
        lineage = _lineage(card_data, tags, info)
        facts.update(
            {
                "pipeline_tag": info.pipeline_tag,
                "library_name": info.library_name or card_data.get("library_name"),
                "base_models": [link["repo_id"] for link in lineage],
                "lineage": [
                    {**link, "url": repo_url(snapshot.endpoint, "model", link["repo_id"])}
                    for link in lineage
                ],
                "parameters": _parameters(info),
                "datasets": [
                    {
                        "repo_id": d,
                        "url": repo_url(snapshot.endpoint, "dataset", d),
                        "fact": fact_key("dataset", d),
                    }
                    for d in dataset_ids
                ],
            }
        )
    else:
        facts.update(
            {
                "description": getattr(info, "description", None),
                "citation": getattr(info, "citation", None),
                "paperswithcode_id": getattr(info, "paperswithcode_id", None),
            }
        )
    return facts


def _provenance(snapshot: HubSnapshot, uri: str) -> Provenance:
    return snapshot.provenance.model_copy(update={"uri": uri})


def _dataset_url(snapshot: HubSnapshot) -> Callable[[str], str]:
    return lambda dataset_id: repo_url(snapshot.endpoint, "dataset", dataset_id)


def hub_evaluations(snapshot: HubSnapshot, warnings: list[str]) -> list[DisaggregatedEvaluation]:
    """Evaluation facts from the card's `model-index` and the Hub's `.eval_results`.

    The formats are read where they are written: `model_index.read_model_index` (per-group
    results become `groups` of the same evaluation) and `eval_results.read_entries`;
    reported numbers without a named CI method carry `ci_method="reported"`.

    Args:
        snapshot: what `fetch_repo` read.
        warnings: receives a line for each result that could not be read.

    Returns:
        The evaluations, model-index first, in the order the sources list them.
    """
    if snapshot.repo_type != "model":
        return []
    parsed = snapshot.parsed
    card_data = parsed.metadata if parsed is not None else (snapshot.card_data or {})
    model_index = card_data.get("model-index", getattr(snapshot.info, "model_index", None))
    evaluations = []
    if model_index:
        readme = _provenance(snapshot, f"{snapshot.url}/blob/{snapshot.sha}/README.md")
        evaluations.extend(
            read_model_index(
                model_index, warnings, provenance=readme, dataset_url=_dataset_url(snapshot)
            )
        )
    if "model_index" in card_data:
        warnings.append(
            "legacy `model_index:` in the card metadata is not read; rename it to `model-index`"
        )
    entries = getattr(snapshot.info, "eval_results", None) or []
    folder = _provenance(snapshot, f"{snapshot.url}/tree/{snapshot.sha}/.eval_results")
    evaluations.extend(read_entries(entries, provenance=folder, dataset_url=_dataset_url(snapshot)))
    return evaluations


@dataclass
class CollectResult:
    """What `collect_hub` wrote for one repository."""

    repo_id: str
    sha: str
    paths: list[Path]
    warnings: list[str] = field(default_factory=list)


def collect_hub(
    repo_id: str,
    card_name: str,
    *,
    repo_type: str = "model",
    revision: str | None = None,
    endpoint: str | None = None,
    root: str | Path = ".",
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 4,
    backoff: float = 0.5,
    follow_datasets: bool = False,
    token: str | bool | None = None,
) -> CollectResult:
    """Collect one repository's facts into `.cardgen/<card_name>/`.

    Writes `hub.json` (metadata, lineage, dataset links, card data, prose sections) and,
    when the repository reports any, `hub-evaluations.json` (model-index and `.eval_results`
    as evaluation facts; removed when there are none); with
    `follow_datasets`, each dataset the model names is collected to the file its link names.

    Args:
        repo_id: repository id.
        card_name: the card the facts belong to.
        repo_type: `model` or `dataset`.
        revision: branch, tag or sha.
        endpoint: Hub address (`HF_ENDPOINT` when None).
        root: project folder holding `.cardgen/`.
        timeout: seconds per request.
        retries: retries on 429/5xx.
        backoff: first wait between retries without Retry-After.
        follow_datasets: also collect the datasets a model names.
        token: passed to huggingface_hub; None lets it find HF_TOKEN or the login.

    Returns:
        The files written, the resolved sha and any warnings.

    Raises:
        HubError: the repository could not be read (one line, naming it).
    """
    snapshot = fetch_repo(
        repo_id,
        repo_type=repo_type,
        revision=revision,
        endpoint=endpoint,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        token=token,
    )
    result = write_facts(snapshot, card_name, root)
    if follow_datasets:
        for link in hub_facts(snapshot).get("datasets", []):
            try:
                linked = fetch_repo(
                    link["repo_id"],
                    repo_type="dataset",
                    endpoint=endpoint,
                    timeout=timeout,
                    retries=retries,
                    backoff=backoff,
                    token=token,
                )
            except HubError as exc:
                result.warnings.append(f"linked {exc}")
                continue
            result.paths.append(write_fact(card_name, link["fact"], hub_facts(linked), root))
    return result


@dataclass
class BatchReport:
    """Outcome of collecting many repositories: results, per-repo errors and Hub requests."""

    results: dict[str, CollectResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    """Requests sent per budget: `api` (listing pages, single records), `files` (READMEs)."""
    throttled: int = 0
    """Answers that were 429 (rate limited)."""
    waited: float = 0.0
    """Seconds spent waiting for the rate-limit budget."""

    @property
    def ok(self) -> bool:
        """True when every repository was collected."""
        return not self.errors


def card_name_for(repo_id: str) -> str:
    """Card name for a repository collected in a batch: `owner--name`."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", repo_id.replace("/", "--"))[:128]


def snapshot_of(
    meta: RepoMetadata, readme: bytes | None, endpoint: str, repo_type: str, *, readme_read: bool
) -> HubSnapshot:
    """A snapshot from a bulk-read record: metadata as the Hub read it, README if fetched."""
    record = meta.record or {}
    card_data = record.get("cardData")
    return HubSnapshot(
        meta.requested_id,
        meta.repo_id,
        repo_type,
        None,
        meta.info.sha,
        endpoint,
        meta.info,
        readme,
        collection_time(),
        card_data if isinstance(card_data, dict) else {},
        readme_read,
    )


def write_facts(snapshot: HubSnapshot, card_name: str, root: str | Path) -> CollectResult:
    """Write a snapshot's `hub.json` and, when it reports any, `hub-evaluations.json`
    (removed when there are none) into `.cardgen/<card_name>/`."""
    facts = hub_facts(snapshot)
    warnings = list(facts["warnings"])
    evaluations = hub_evaluations(snapshot, warnings)
    facts["warnings"] = warnings
    paths = [write_fact(card_name, "hub", facts, root)]
    if evaluations:
        paths.append(
            write_fact(
                card_name,
                "hub-evaluations",
                {
                    "repo_id": snapshot.repo_id,
                    "sha": snapshot.sha,
                    "evaluations": [e.model_dump(mode="json") for e in evaluations],
                },
                root,
            )
        )
    else:  # a repository that stopped reporting results must not keep old ones
        (facts_dir(card_name, root) / "hub-evaluations.json").unlink(missing_ok=True)
    return CollectResult(snapshot.repo_id, snapshot.sha, paths, warnings)


def read_listed(
    reader: HubReader, meta: RepoMetadata, repo_type: str
) -> tuple[HubSnapshot | None, RepoMetadata | None]:
    """Fetch the README of a bulk-read repository at the listed sha: the snapshot, or the
    problem (gated, not readable, failed) as a `RepoMetadata`."""
    label = f"{repo_type} {meta.repo_id}"
    if not getattr(meta.info, "sha", None):
        return None, RepoMetadata(
            meta.requested_id, problem="hub-error", message=f"{label}: the Hub record has no sha"
        )
    try:
        readme = reader.readme(meta.repo_id, repo_type, meta.info.sha)
    except Exception as exc:
        problem = problem_of(exc, label, reader.endpoint, reader.timeout)
        problem.repo_id = problem.requested_id = meta.requested_id
        if problem.problem == "hub-error" and getattr(meta.info, "private", False):
            problem.problem = "private"
            problem.message = f"{label} is private and its README is not readable with this token"
        return None, problem
    return snapshot_of(meta, readme, reader.endpoint, repo_type, readme_read=True), None


def collect_many(
    repo_ids: Iterable[str] = (),
    *,
    authors: Iterable[str] = (),
    repo_type: str = "model",
    jobs: int = 8,
    endpoint: str | None = None,
    root: str | Path = ".",
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 4,
    backoff: float = 0.5,
    budget: Mapping[str, Quota] | None = None,
    time_scale: float = 1.0,
    progress: Callable[[str, bool], None] | None = None,
    on_wait: WaitCallback | None = None,
) -> BatchReport:
    """Collect many repositories, one card per repository, metadata in bulk.

    Metadata comes from listing pages (`bulk.iter_repo_metadata`: an author's repositories,
    or the owners of the ids given) and one README download per repository, paced to the
    Hub's rate-limit budget; the facts are the same as `collect_hub` writes, except that
    the card data is the Hub's own reading of the front matter. A failing repository is
    recorded in `errors` and does not stop the others.

    Args:
        repo_ids: repository ids (duplicates are collected once).
        authors: users or organisations whose every repository is collected.
        repo_type: `model` or `dataset`.
        jobs: concurrent requests, 1 to 64.
        endpoint: Hub address.
        root: project folder.
        timeout: seconds per request.
        retries: retries on 429/5xx per request.
        backoff: first wait between retries without Retry-After.
        budget: rate-limit quotas to keep (`ratelimit.parse_budget`); the Hub's otherwise.
        time_scale: the Hub's clock speed (a local test Hub; 1 for the real one).
        progress: called with (repo_id, succeeded) as each repository finishes.
        on_wait: called when requests wait for the budget (`ratelimit.Pacer`).

    Returns:
        The batch report: the ids given in input order, then listed repositories by id.

    Raises:
        CardgenError: `jobs` out of range.
    """
    if not 1 <= jobs <= MAX_JOBS:
        raise CardgenError(f"--jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    ids = list(dict.fromkeys(r.strip() for r in repo_ids if r.strip()))
    pacer = Pacer(budget, time_scale=time_scale, on_wait=on_wait)
    # Found once for the batch: huggingface_hub would re-read the token file per request.
    reader = HubReader(
        resolve_endpoint(endpoint),
        token=get_token() or False,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        pacer=pacer,
    )
    notify = progress or (lambda repo, ok: None)
    outcomes: dict[str, CollectResult | str] = {}

    def collect(meta: RepoMetadata) -> tuple[str, CollectResult | str]:
        snapshot, problem = read_listed(reader, meta, repo_type)
        if problem is not None:
            return meta.requested_id, problem.message
        assert snapshot is not None
        try:
            return meta.requested_id, write_facts(snapshot, card_name_for(meta.requested_id), root)
        except CardgenError as exc:
            return meta.requested_id, str(exc)

    def finish(repo: str, outcome: CollectResult | str) -> None:
        outcomes[repo] = outcome
        notify(repo, not isinstance(outcome, str))

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cardgen-hub") as pool:
        futures = []
        for meta in iter_repo_metadata(ids, authors, repo_type=repo_type, reader=reader, jobs=jobs):
            if meta.problem is not None:
                finish(meta.requested_id, meta.message)
            else:
                futures.append(pool.submit(collect, meta))
        for future in as_completed(futures):
            finish(*future.result())
    order = {repo: index for index, repo in enumerate(ids)}
    report = BatchReport(
        requests=pacer.sent, throttled=sum(pacer.throttled.values()), waited=pacer.waited
    )
    for repo in sorted(outcomes, key=lambda r: (order.get(r, len(order)), r)):
        outcome = outcomes[repo]
        if isinstance(outcome, str):
            report.errors[repo] = outcome
        else:
            report.results[repo] = outcome
    return report


def list_author_repos(
    author: str,
    *,
    repo_type: str = "model",
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[str]:
    """Ids of an author's (user or organisation) repositories, from the paged listing.

    Raises:
        HubError: a listing page failed after retries.
    """
    reader = HubReader(resolve_endpoint(endpoint), token=get_token() or False, timeout=timeout)
    return [meta.repo_id for page in reader.pages(author, repo_type) for meta in page]


def repo_type_of(kind: str | None) -> str:
    """The Hub's repository type for a card kind or repository type (`model` by default)."""
    return "dataset" if kind in ("dataset", "data") else "model"


def listed_repos(
    lines: Iterable[str] | None,
    author: str | None,
    *,
    repo_type: str = "model",
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[str]:
    """Repository ids listed one a line (`#` starts a comment) and an author's public
    repositories, each once, in order.

    Raises:
        HubError: the author's listing failed.
    """
    repos = [line.split("#", 1)[0].strip() for line in lines or ()]
    if author is not None:
        repos += list_author_repos(author, repo_type=repo_type, endpoint=endpoint, timeout=timeout)
    return [r for r in dict.fromkeys(repos) if r]


def collect_card_hub(
    card: str | Path,
    repo_id: str | None = None,
    *,
    kind: str | None = None,
    revision: str | None = None,
    **options: Any,
) -> CollectResult:
    """`collect_hub` for the card a spec file defines: facts go to `.cardgen/<file stem>/`.

    Args:
        card: the spec file, `cards/NAME.yaml`.
        repo_id: the repository; the spec's `sources.hub` when None (its type and
            revision too, unless `kind` or `revision` is given).
        kind: `model`, `data` or `dataset`.
        revision: branch, tag or commit sha.
        options: passed on to `collect_hub`.

    Raises:
        CardgenError: no `repo_id` and no `sources.hub` in the spec, or a Hub failure.
    """
    card = Path(card)
    if repo_id is None:
        from ..spec import load_spec

        source = getattr(getattr(load_spec(card), "sources", None), "hub", None)
        if source is None:
            raise CardgenError(f"{card}: give REPO_ID or a `sources.hub` in the spec")
        repo_id, kind = source.repo_id, kind or source.repo_type
        revision = revision or source.revision
    name = card.name.rsplit(".", 1)[0]
    return collect_hub(repo_id, name, repo_type=repo_type_of(kind), revision=revision, **options)
