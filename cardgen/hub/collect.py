"""Collect facts about Hugging Face Hub repositories, with provenance, into `.cardgen/<card>/`.

All Hub I/O goes through `huggingface_hub` (never hand-written HTTP); it never edits a spec
and never writes a token anywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
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
from ._http import explain, redact, with_retries
from ._markdown import ParsedReadme, parse_readme
from .eval_results import read_entries
from .model_index import read_model_index

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT = 30.0
MAX_JOBS = 64

MODEL_EXPAND = [
    "author",
    "baseModels",
    "cardData",
    "createdAt",
    "downloads",
    "evalResults",
    "gated",
    "lastModified",
    "library_name",
    "likes",
    "model-index",
    "pipeline_tag",
    "private",
    "safetensors",
    "sha",
    "tags",
]
"""Properties asked of `model_info`: with `expand` the Hub answers only what is listed,
so this names every property the facts use (and `evalResults`, which it only sends when
asked)."""


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

    @property
    def url(self) -> str:
        """Web address of the repository."""
        return repo_url(self.endpoint, self.repo_type, self.repo_id)

    @cached_property
    def parsed(self) -> ParsedReadme | None:
        """The README split into front matter and sections; None without a README."""
        return parse_readme(self.readme) if self.readme is not None else None

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
        warnings.append("repository has no README.md")
        raw = getattr(info, "card_data", None)
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
    card_data = snapshot.parsed.metadata if snapshot.parsed is not None else {}
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
    if follow_datasets:
        for link in facts.get("datasets", []):
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
                warnings.append(f"linked {exc}")
                continue
            paths.append(write_fact(card_name, link["fact"], hub_facts(linked), root))
    return CollectResult(snapshot.repo_id, snapshot.sha, paths, warnings)


@dataclass
class BatchReport:
    """Outcome of collecting many repositories: results and per-repo errors."""

    results: dict[str, CollectResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every repository was collected."""
        return not self.errors


def card_name_for(repo_id: str) -> str:
    """Card name for a repository collected in a batch: `owner--name`."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", repo_id.replace("/", "--"))[:128]


PROCESS_FROM = 64
"""Repositories per extra worker process in a batch: parsing HTTP and JSON holds the GIL,
so a large batch also spreads over the CPU cores, each process running its threads."""
_progress_queue: Any = None


def _collect_one(repo: str, options: dict[str, Any]) -> tuple[str, CollectResult | str]:
    try:
        return repo, collect_hub(repo, card_name_for(repo), **options)
    except CardgenError as exc:
        return repo, str(exc)
    except Exception as exc:  # one broken repository must not stop the batch
        return repo, redact(f"{options['repo_type']} {repo}: {type(exc).__name__}: {exc}")


def _collect_in_threads(
    ids: list[str], jobs: int, options: dict[str, Any], notify: Callable[[str, bool], None]
) -> dict[str, CollectResult | str]:
    outcomes: dict[str, CollectResult | str] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cardgen-hub") as pool:
        futures = [pool.submit(_collect_one, repo, options) for repo in ids]
        for future in as_completed(futures):
            repo, outcome = future.result()
            outcomes[repo] = outcome
            notify(repo, not isinstance(outcome, str))
    return outcomes


def _batch_processes(repos: int, jobs: int) -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, jobs // 4, repos // PROCESS_FROM))


def _init_worker(queue: Any) -> None:
    global _progress_queue
    _progress_queue = queue


def _worker_batch(
    ids: list[str], jobs: int, options: dict[str, Any]
) -> dict[str, CollectResult | str]:
    return _collect_in_threads(ids, jobs, options, lambda repo, ok: _progress_queue.put((repo, ok)))


def _collect_in_processes(
    ids: list[str],
    processes: int,
    jobs: int,
    options: dict[str, Any],
    notify: Callable[[str, bool], None],
) -> dict[str, CollectResult | str]:
    """Split the batch over forked processes (huggingface_hub resets its HTTP session in a
    forked child), each with its share of the threads; progress comes back on a queue."""
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    outcomes: dict[str, CollectResult | str] = {}
    with ProcessPoolExecutor(
        processes, mp_context=context, initializer=_init_worker, initargs=(queue,)
    ) as pool:
        futures = [
            pool.submit(_worker_batch, ids[i::processes], max(1, jobs // processes), options)
            for i in range(processes)
        ]
        while not all(f.done() for f in futures) or not queue.empty():
            while not queue.empty():
                notify(*queue.get())
            time.sleep(0.01)
        for future in futures:
            outcomes.update(future.result())
    return outcomes


def collect_many(
    repo_ids: Iterable[str],
    *,
    repo_type: str = "model",
    jobs: int = 8,
    endpoint: str | None = None,
    root: str | Path = ".",
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 4,
    backoff: float = 0.5,
    progress: Callable[[str, bool], None] | None = None,
) -> BatchReport:
    """Collect many repositories concurrently, one card per repository.

    A failing repository is recorded in `errors` and does not stop the others.

    Args:
        repo_ids: repository ids (duplicates are collected once).
        repo_type: `model` or `dataset`.
        jobs: worker threads, 1 to 64.
        endpoint: Hub address.
        root: project folder.
        timeout: seconds per request.
        retries: retries on 429/5xx per request.
        backoff: first wait between retries without Retry-After.
        progress: called with (repo_id, succeeded) as each repository finishes.

    Returns:
        The batch report, keyed by repository id in input order.

    Raises:
        CardgenError: `jobs` out of range.
    """
    if not 1 <= jobs <= MAX_JOBS:
        raise CardgenError(f"--jobs must be between 1 and {MAX_JOBS}, not {jobs}")
    ids = list(dict.fromkeys(r.strip() for r in repo_ids if r.strip()))
    report = BatchReport()
    # Found once for the batch: huggingface_hub would re-read the token file per request.
    options: dict[str, Any] = {
        "repo_type": repo_type,
        "endpoint": endpoint,
        "root": root,
        "timeout": timeout,
        "retries": retries,
        "backoff": backoff,
        "token": get_token() or False,
    }
    notify = progress or (lambda repo, ok: None)
    processes = _batch_processes(len(ids), jobs)
    if processes > 1:
        outcomes = _collect_in_processes(ids, processes, jobs, options, notify)
    else:
        outcomes = _collect_in_threads(ids, jobs, options, notify)
    for repo in ids:
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
    """Ids of an author's (user or organisation) public repositories, via `list_models`.

    Raises:
        HubError: the listing failed.
    """
    endpoint = resolve_endpoint(endpoint)
    api = HfApi(endpoint=endpoint)

    def listing() -> list[str]:
        found = (
            api.list_models(author=author)
            if repo_type == "model"
            else api.list_datasets(author=author)
        )
        return [item.id for item in found]

    try:
        return with_retries(listing)
    except Exception as exc:
        raise explain(exc, f"author {author}", endpoint, timeout) from exc


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
