"""Read many Hub repositories in bulk: metadata from listing pages, READMEs only when asked.

It reads through huggingface_hub's HTTP session, paced by a `ratelimit.Pacer`; it writes
nothing, keeps no repository it has yielded, and never shows a token.

Listing pages are fetched here rather than through `HfApi.list_models`, which follows the
same `Link: <...>; rel="next"` headers, because a long listing needs what that iterator
hides: each page's `RateLimit` headers (to pace), a per-page timeout (it has none), and a
retry of the one page that failed instead of starting the listing again. Items become the
same `ModelInfo` / `DatasetInfo` objects `list_models` makes; errors are huggingface_hub's.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from huggingface_hub import hf_hub_url
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.hf_api import DatasetInfo, ModelInfo
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from ..errors import CardgenError, HubError
from ._http import RETRY_STATUS, explain, httpx2, retry_after_seconds
from .ratelimit import Pacer

PAGE_SIZE = 1000
"""Repositories per listing page asked for (`limit`); the Hub sends at most 1,000."""
MAX_WAIT = 30.0
"""Longest pause between two tries of a request that failed (429s wait for the budget)."""

LIST_EXPAND: dict[str, list[str]] = {
    "model": [
        "author",
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
    ],
    "dataset": [
        "author",
        "cardData",
        "citation",
        "createdAt",
        "description",
        "downloads",
        "gated",
        "lastModified",
        "likes",
        "paperswithcode_id",
        "private",
        "sha",
        "tags",
    ],
}
"""Properties asked of every listing page and of `model_info` for a repository the listing
cannot give, so that both answers are the same record. Base models come from the
`base_model:` tags and the card data (a listing does not take `baseModels`)."""


@dataclass
class RepoMetadata:
    """One repository's Hub record, or why it could not be read.

    A problem with no repository (an author without repositories, a listing that broke
    off) has `repo_id` naming the author, e.g. `author bigscience`.
    """

    repo_id: str
    info: Any = None
    """`ModelInfo` or `DatasetInfo` with the `LIST_EXPAND` properties; None on a problem."""
    record: dict[str, Any] | None = None
    """The Hub's JSON record as sent (`cardData` as the Hub read the front matter)."""
    requested_id: str = ""
    """The id as asked for (a renamed repository answers under its new `repo_id`)."""
    problem: str | None = None
    """`hub-error`, `gated`, `private`, `no-repositories` or `listing-incomplete`."""
    message: str = ""
    transient: bool = False
    """The problem may go away on a later try (timeout, server error, rate limit)."""

    def __post_init__(self) -> None:
        self.requested_id = self.requested_id or self.repo_id


def problem_of(exc: BaseException, label: str, endpoint: str, timeout: float) -> RepoMetadata:
    """A failed read as a `RepoMetadata` problem with a one-line, token-free message."""
    message = str(explain(exc, label, endpoint, timeout))
    cause = exc
    while cause.__cause__ is not None and not isinstance(cause, HfHubHTTPError):
        cause = cause.__cause__
    if isinstance(cause, GatedRepoError):
        code, transient = "gated", False
    elif isinstance(cause, RepositoryNotFoundError):
        code, transient = "hub-error", False
    elif isinstance(cause, HfHubHTTPError):
        status = cause.response.status_code if cause.response is not None else None
        code, transient = "hub-error", status in RETRY_STATUS
    else:  # timeouts, dropped connections, a cut-off answer
        code, transient = "hub-error", True
    return RepoMetadata(label.split(" ", 1)[-1], problem=code, message=message, transient=transient)


class HubReader:
    """Paced, retried reads of one Hub: listing pages, single records and README files.

    Args:
        endpoint: the Hub address (`resolve_endpoint` already applied).
        token: passed to huggingface_hub (False: anonymous; None: HF_TOKEN or the login).
        timeout: seconds to wait for each answer.
        retries: tries after the first on 429, 5xx, dropped connections and cut-off pages.
        backoff: first pause in seconds between tries without `Retry-After`.
        pacer: the budget keeper shared by every request of a batch.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | bool | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        pacer: Pacer | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.pacer = pacer or Pacer()
        self._headers = build_hf_headers(token=token)

    # -- requests ------------------------------------------------------------------------

    def _send(self, resource: str, request: Callable[[], Any], *, retry_timeouts: bool) -> Any:
        """Send `request` (a GET giving an httpx response) within the budget; retry what is
        worth retrying; raise huggingface_hub's error for a failed answer."""
        attempt = 0
        while True:
            ticket = self.pacer.acquire(resource)
            try:
                response = request()
                hf_raise_for_status(response)
                self.pacer.release(resource, response.headers, response.status_code, ticket)
                return response
            except HfHubHTTPError as exc:
                answer = exc.response
                status = answer.status_code if answer is not None else None
                headers = answer.headers if answer is not None else None
                self.pacer.release(resource, headers, status, ticket)
                if status not in RETRY_STATUS or attempt >= self.retries:
                    raise
                # A 429 waits in the pacer for the window to reset; others back off.
                header = answer.headers.get("Retry-After") if answer is not None else None
                wait = 0.0 if status == 429 else retry_after_seconds(header)
            except httpx2.TimeoutException:
                self.pacer.release(resource, None, None, ticket)
                if not retry_timeouts or attempt >= self.retries:
                    raise
                wait = None
            except (httpx2.ConnectError, httpx2.RemoteProtocolError, httpx2.ReadError):
                self.pacer.release(resource, None, None, ticket)
                if attempt >= self.retries:
                    raise
                wait = None
            time.sleep(min(MAX_WAIT, self.backoff * 2**attempt if wait is None else wait))
            attempt += 1

    def _get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return get_session().get(url, params=params, headers=self._headers, timeout=self.timeout)

    # -- listings ------------------------------------------------------------------------

    def pages(
        self, author: str, repo_type: str = "model", page_size: int = PAGE_SIZE
    ) -> Iterator[list[RepoMetadata]]:
        """An author's repositories, one listing page at a time (`Link` header paging).

        A page that times out, breaks off mid-JSON or keeps failing is tried again, up to
        `retries` times, by its own URL; the pages before it are not fetched again.

        Raises:
            HubError: a page that still fails (one line, naming the author).
        """
        url: str | None = f"{self.endpoint}/api/{repo_type}s"
        params: dict[str, Any] | None = {
            "author": author,
            "expand": LIST_EXPAND[repo_type],
            "limit": page_size,
        }
        number = 0
        while url is not None:
            number += 1
            items, url = self._page(url, params, f"author {author}, listing page {number}")
            params = None  # the next page's URL carries the query
            yield [self._item(item, repo_type) for item in items]

    def _page(
        self, url: str, params: dict[str, Any] | None, label: str
    ) -> tuple[list[Any], str | None]:
        attempt = 0
        while True:
            try:
                response = self._send("api", lambda: self._get(url, params), retry_timeouts=True)
                items = response.json()
                if not isinstance(items, list):
                    raise HubError(f"{label}: the Hub answered {type(items).__name__}, not a list")
                return items, response.links.get("next", {}).get("url")
            except json.JSONDecodeError as exc:
                if attempt >= self.retries:
                    raise explain(exc, label, self.endpoint, self.timeout) from exc
                attempt += 1
            except HubError:
                raise
            except Exception as exc:
                raise explain(exc, label, self.endpoint, self.timeout) from exc

    def _item(self, item: Any, repo_type: str) -> RepoMetadata:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return RepoMetadata(
                "(listing)", problem="hub-error", message=f"listing item {item!r:.80} has no id"
            )
        record = item
        item = dict(item)
        item.setdefault("siblings", None)  # as list_models does: not asked for, not empty
        try:
            info = ModelInfo(**item) if repo_type == "model" else DatasetInfo(**item)
        except Exception as exc:  # one odd record must not stop a listing
            return RepoMetadata(
                item["id"],
                problem="hub-error",
                message=f"{repo_type} {item['id']}: unreadable record ({exc})",
            )
        return RepoMetadata(info.id, info, record)

    # -- single repositories -------------------------------------------------------------

    def repo_info(self, repo_id: str, repo_type: str = "model") -> RepoMetadata:
        """One repository's record with the `LIST_EXPAND` properties; a problem, never an error.

        The same GET `HfApi.model_info(repo_id, expand=...)` sends (a renamed repository's
        307 is followed), read here so that its `RateLimit` headers pace the batch.
        """
        url = f"{self.endpoint}/api/{repo_type}s/{repo_id}"
        label = f"{repo_type} {repo_id}"
        try:
            response = self._send(
                "api",
                lambda: self._get(url, {"expand": LIST_EXPAND[repo_type]}),
                retry_timeouts=False,
            )
            record = response.json()
        except Exception as exc:
            return problem_of(exc, label, self.endpoint, self.timeout)
        meta = self._item(record, repo_type)
        meta.requested_id = repo_id
        return meta

    def readme(self, repo_id: str, repo_type: str, revision: str) -> bytes | None:
        """The README at `revision` (one GET, counted as a file download); None without one.

        Raises:
            huggingface_hub's errors (gated, not found) and httpx's, after retries.
        """
        url = hf_hub_url(
            repo_id, "README.md", repo_type=repo_type, revision=revision, endpoint=self.endpoint
        )
        try:
            response = self._send("files", lambda: self._get(url), retry_timeouts=False)
        except RemoteEntryNotFoundError:
            return None
        return bytes(response.content)


def _owner(repo_id: str) -> str | None:
    owner, slash, _ = repo_id.partition("/")
    return owner if slash else None


def iter_repo_metadata(
    repo_ids: Iterable[str] = (),
    authors: Iterable[str] = (),
    *,
    repo_type: str = "model",
    reader: HubReader,
    jobs: int = 8,
    skip: Iterable[str] = (),
    page_size: int = PAGE_SIZE,
    list_from: int = 2,
) -> Iterator[RepoMetadata]:
    """Every repository's Hub record, as few API calls as the listing API allows.

    Authors are listed page by page (`page_size` records per API call). Repository ids
    are grouped by owner: an owner with `list_from` or more of them is listed too, and
    the listing stops as soon as it has found them all or once it has cost as many pages
    as the ids still missing (what fetching those one by one would cost); the rest are
    read one `model_info` call each, `jobs` at a time. Both answers carry the same
    `LIST_EXPAND` properties.

    Problems (not found, gated, an author with no repositories, a listing that broke
    off) are yielded as `RepoMetadata` with `problem` set; nothing here raises for one
    repository, and the records are not kept after they are yielded.

    Args:
        repo_ids: repository ids (duplicates read once).
        authors: users or organisations whose every repository is read.
        repo_type: `model` or `dataset`.
        reader: the paced Hub reader.
        jobs: concurrent single-repository calls.
        skip: ids already done (a resumed run): not yielded, not read when avoidable.
        page_size: records per listing page.
        list_from: fewest ids of one owner worth a listing.

    Yields:
        One `RepoMetadata` per repository or problem, in no fixed order.
    """
    if repo_type not in LIST_EXPAND:
        raise CardgenError(f"repo type must be model or dataset, not {repo_type!r}")
    done = set(skip)
    for author in dict.fromkeys(authors):
        listed = 0
        try:
            for page in reader.pages(author, repo_type, page_size):
                for meta in page:
                    listed += 1
                    if meta.requested_id not in done:
                        done.add(meta.requested_id)
                        yield meta
        except HubError as exc:
            yield RepoMetadata(
                f"author {author}",
                problem="listing-incomplete",
                message=f"the listing broke off after {listed} repositories: {exc}",
                transient=True,
            )
            continue
        if listed == 0:
            yield RepoMetadata(
                f"author {author}",
                problem="no-repositories",
                message=f"{author} has no {repo_type} repositories visible on {reader.endpoint}",
            )
    by_owner: dict[str | None, list[str]] = defaultdict(list)
    for repo_id in dict.fromkeys(r.strip() for r in repo_ids):
        if repo_id and repo_id not in done:
            by_owner[_owner(repo_id)].append(repo_id)
    singles: list[str] = []
    for owner, wanted in by_owner.items():
        if owner is None or len(wanted) < list_from:
            singles += wanted
            continue
        missing = set(wanted)
        pages = 0
        try:
            for page in reader.pages(owner, repo_type, page_size):
                pages += 1
                for meta in page:
                    if meta.requested_id in missing:
                        missing.discard(meta.requested_id)
                        yield meta
                if not missing or pages >= len(missing):
                    break
        except HubError:
            pass  # what the listing did not give is read one by one below
        singles += [r for r in wanted if r in missing]
    if not singles:
        return
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="cardgen-hub") as pool:
        futures = [pool.submit(reader.repo_info, repo_id, repo_type) for repo_id in singles]
        for future in as_completed(futures):
            yield future.result()
