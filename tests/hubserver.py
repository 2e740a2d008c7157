"""A local stand-in for the Hugging Face Hub, for tests and benchmarks.

It serves recorded API shapes, READMEs, redirects, gated repos and injected failures to the
real `huggingface_hub` client over HTTP on 127.0.0.1; it implements no Hub logic beyond that.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import copy
import hashlib
import json
import math
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

RECORDED = Path(__file__).resolve().parent / "data" / "hub-api"
"""Recorded real Hub answers (copies of ../shared/data/hub-api; see the NOTICE there)."""


@dataclass
class Reply:
    """An injected answer: a status with headers and body, a truncated body or a delay.

    `truncate` sends only the first half of the real JSON body (with a matching
    Content-Length, as a cut-off proxy would); `delay` sleeps before answering normally.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncate: bool = False
    delay: float = 0.0


@dataclass
class Repo:
    """One repository: its API JSON, its files and whether it is gated."""

    repo_type: str
    info: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    eval_results: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReceivedCommit:
    """A commit the server received (from `push_to_hub` / `create_commit`)."""

    repo_id: str
    repo_type: str
    revision: str
    create_pr: bool
    summary: str
    description: str
    files: dict[str, bytes]
    authorization: str | None


@dataclass
class Population:
    """`count` generated model repositories of one author, made on request (benchmarks).

    Repository `author/model-000042` is a copy of the recorded bert answer whose card data,
    tags, downloads and README vary with its number; nothing is stored per repository.
    """

    author: str
    count: int
    gated_every: int = 0
    """Every n-th repository is gated (`"manual"`); 0 for none."""

    def repo_id(self, index: int) -> str:
        """Id of the repository with this number."""
        return f"{self.author}/model-{index:06d}"

    def index(self, repo_id: str) -> int | None:
        """Number of a repository of this population, or None."""
        owner, _, name = repo_id.partition("/")
        digits = name.removeprefix("model-")
        if owner != self.author or len(digits) != 6 or not digits.isdigit():
            return None
        number = int(digits)
        return number if number < self.count else None


class HubServer:
    """A threaded HTTP server on 127.0.0.1 that answers like the Hub for the calls cardgen makes.

    `rate_limits` maps the Hub's buckets (`api`, `resolvers`) to (requests, window
    seconds): every answer then carries `RateLimit` and `RateLimit-Policy` headers, and a
    request past the budget gets a 429 with `Retry-After`, as the Hub does (fixed windows
    per token or client address). `time_scale` runs the server's clock that many times
    faster than real time, so a 300 s window passes in 300 / `time_scale` real seconds;
    every time in its headers is in those scaled seconds.

    Example:
        >>> with HubServer() as hub:  # doctest: +SKIP
        ...     hub.add_repo("model", {"id": "org/m", "sha": "a" * 40}, readme="# m\\n")
        ...     HfApi(endpoint=hub.url).model_info("org/m").sha
    """

    def __init__(
        self,
        latency: float = 0.0,
        port: int = 0,
        *,
        rate_limits: dict[str, tuple[int, float]] | None = None,
        time_scale: float = 1.0,
        page_size: int = 1000,
        record_requests: bool = True,
    ) -> None:
        self.latency = latency
        self.port = port
        self.rate_limits = dict(rate_limits or {})
        self.time_scale = time_scale
        self.page_size = page_size
        """Most items one listing page holds (the Hub's `limit` cap)."""
        self.record_requests = record_requests
        self.repos: dict[tuple[str, str], Repo] = {}
        self.populations: dict[str, Population] = {}
        self.redirects: dict[tuple[str, str], str] = {}
        self.gated_tokens: set[str] = set()
        self.private_tokens: set[str] = set()
        """Tokens that see (in listings) and read private repositories."""
        self.commits: list[ReceivedCommit] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.counts: Counter[str] = Counter()
        """Requests answered per bucket (`api`, `resolvers`, `pages`), 429s included."""
        self.throttled: Counter[str] = Counter()
        """429 answers per bucket."""
        self._windows: dict[tuple[str, str], list[float]] = {}
        self._failures: dict[str, deque[Reply]] = {}
        self._page_faults: dict[tuple[str, int], deque[Reply]] = {}
        self._authors: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- setup ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:50123`."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add_repo(
        self,
        repo_type: str,
        info: dict[str, Any],
        readme: str | bytes | None = None,
        eval_results: list[dict[str, Any]] | None = None,
    ) -> Repo:
        """Serve a repository; `info` is the JSON of `GET /api/{type}s/{id}`."""
        files = {}
        if readme is not None:
            files["README.md"] = readme.encode("utf-8") if isinstance(readme, str) else readme
        repo = Repo(repo_type, copy.deepcopy(info), files, list(eval_results or []))
        self.repos[(repo_type, info["id"])] = repo
        return repo

    def add_recorded(self, name: str, readme: str | bytes | None = None) -> Repo:
        """Serve a recorded answer from tests/data/hub-api, e.g. `model_info_google-bert_...`."""
        info = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
        return self.add_repo("model", info, readme)

    def add_population(self, author: str, count: int, gated_every: int = 0) -> Population:
        """Serve `count` generated model repositories of `author` (see `Population`)."""
        population = Population(author, count, gated_every)
        self.populations[author] = population
        self._authors.clear()
        return population

    def redirect(self, repo_type: str, old_id: str, new_id: str) -> None:
        """Answer `old_id` with a 307 to `new_id` (a renamed repository)."""
        self.redirects[(repo_type, old_id)] = new_id

    def fail(self, path_prefix: str, *replies: Reply) -> None:
        """Answer the next requests whose path starts with `path_prefix` with `replies`."""
        with self._lock:
            self._failures.setdefault(path_prefix, deque()).extend(replies)

    def fail_page(self, author: str, page: int, *replies: Reply) -> None:
        """Answer the next requests for listing page `page` (1 = first) of `author` with
        `replies` (a delay past the client's timeout, a truncated body, a status)."""
        with self._lock:
            self._page_faults.setdefault((author, page), deque()).extend(replies)

    def _next_failure(self, path: str) -> Reply | None:
        with self._lock:
            for prefix, queue in self._failures.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return None

    def _next_page_fault(self, author: str, page: int) -> Reply | None:
        with self._lock:
            queue = self._page_faults.get((author, page))
            return queue.popleft() if queue else None

    # -- what is served ------------------------------------------------------------------

    def lookup(self, repo_type: str, repo_id: str) -> Repo | None:
        """The repository, stored or generated; None when there is none."""
        repo = self.repos.get((repo_type, repo_id))
        if repo is not None or repo_type != "model":
            return repo
        population = self.populations.get(repo_id.partition("/")[0])
        index = population.index(repo_id) if population is not None else None
        return generated_repo(population, index) if population and index is not None else None

    def author_ids(self, repo_type: str, author: str) -> list[str]:
        """Ids of an author's repositories in listing order (sorted), private ones included."""
        key = (repo_type, author)
        with self._lock:
            ids = self._authors.get(key)
            if ids is None:
                ids = sorted(
                    repo_id
                    for (kind, repo_id), repo in self.repos.items()
                    if kind == repo_type and repo.info.get("author") == author
                )
                population = self.populations.get(author)
                if population is not None and repo_type == "model":
                    ids = sorted(ids + [population.repo_id(i) for i in range(population.count)])
                self._authors[key] = ids
        return ids

    # -- rate limits ---------------------------------------------------------------------

    def now(self) -> float:
        """The server's clock in (scaled) seconds."""
        return time.monotonic() * self.time_scale

    def charge(self, bucket: str, client: str) -> tuple[bool, dict[str, str]]:
        """Count a request against `client`'s budget for `bucket` (fixed windows).

        Returns:
            (allowed, the RateLimit headers to send); no headers for unlimited buckets.
        """
        limit = self.rate_limits.get(bucket)
        with self._lock:
            self.counts[bucket] += 1
            if limit is None:
                return True, {}
            quota, window = limit
            now = self.now()
            state = self._windows.setdefault((bucket, client), [now, 0])
            if now >= state[0] + window:
                state[0], state[1] = now, 0
            allowed = state[1] < quota
            if allowed:
                state[1] += 1
            else:
                self.throttled[bucket] += 1
            reset = max(0, math.ceil(state[0] + window - now))
            headers = {
                "RateLimit": f'"{bucket}";r={quota - state[1]};t={reset}',
                "RateLimit-Policy": f'"fixed window";"{bucket}";q={quota};w={window:g}',
            }
            if not allowed:
                headers["Retry-After"] = str(reset)
            return allowed, headers

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> HubServer:
        """Start serving on a free port in a daemon thread."""
        server = self

        class Handler(_HubHandler):
            hub = server

        self._httpd = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; sleeping handlers wake up and finish."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)


EXPAND_ALWAYS = ("_id", "id")
LISTED_BY_DEFAULT = (
    "_id",
    "id",
    "createdAt",
    "downloads",
    "library_name",
    "likes",
    "modelId",
    "pipeline_tag",
    "private",
    "tags",
)
"""What a listing item holds without `expand` (the Hub's short record)."""
LIST_EXPAND = {
    "model": (
        "author",
        "cardData",
        "config",
        "createdAt",
        "disabled",
        "downloads",
        "downloadsAllTime",
        "evalResults",
        "gated",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "lastModified",
        "library_name",
        "likes",
        "mask_token",
        "model-index",
        "pipeline_tag",
        "private",
        "resourceGroup",
        "safetensors",
        "sha",
        "siblings",
        "spaces",
        "tags",
        "transformersInfo",
        "trendingScore",
        "widgetData",
    ),
    "dataset": (
        "author",
        "cardData",
        "citation",
        "createdAt",
        "description",
        "disabled",
        "downloads",
        "downloadsAllTime",
        "gated",
        "lastModified",
        "likes",
        "mainSize",
        "paperswithcode_id",
        "private",
        "resourceGroup",
        "sha",
        "siblings",
        "tags",
        "trendingScore",
        "usedStorage",
    ),
}
"""`expand` names a listing accepts (huggingface_hub 2.4's `list_models`/`list_datasets`
documentation); `model_info` also takes `baseModels`, `childrenModelCount`, `usedStorage`."""


def bucket_of(path: str) -> str:
    """The Hub's rate-limit bucket of a request path: `resolvers`, `api` or `pages`."""
    if "/resolve/" in path:
        return "resolvers"
    return "api" if path.startswith("/api/") else "pages"


def expanded(repo: Repo, expand: list[str]) -> dict[str, Any]:
    """The record restricted to the `expand` properties, as `model_info` and listings send it."""
    info = {k: v for k, v in repo.info.items() if k in expand or k in EXPAND_ALWAYS}
    if "evalResults" in expand:
        info["evalResults"] = repo.eval_results
    return info


def listed(repo: Repo) -> dict[str, Any]:
    """A listing item without `expand`."""
    return {k: v for k, v in repo.info.items() if k in LISTED_BY_DEFAULT}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the benchmark opens dozens of connections at once


class _HubHandler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"
    _limit_headers: ClassVar[dict[str, str]] = {}

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- plumbing ------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for key, value in {**self._limit_headers, **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode("utf-8"))

    def _error(self, status: int, code: str | None, message: str) -> None:
        headers = {"X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        self._send(status, json.dumps({"error": message}).encode("utf-8"), headers)

    def _handle(self) -> None:
        split = urlsplit(self.path)
        path = unquote(split.path)
        self.query = parse_qs(split.query)
        self._limit_headers: dict[str, str] = {}
        if self.hub.record_requests:
            self.hub.requests.append(
                (self.command, path, {k.lower(): v for k, v in self.headers.items()})
            )
        # Counted on arrival, as the Hub counts; the answer comes after the latency.
        bucket = bucket_of(path)
        client = self.headers.get("Authorization") or self.client_address[0]
        allowed, self._limit_headers = self.hub.charge(bucket, client)
        self.hub.sleep(self.hub.latency)
        if not allowed:
            self._drain()
            self._error(429, None, f"You have exceeded the rate limit for the {bucket} bucket")
            return
        injected = self.hub._next_failure(path)
        if injected is not None:
            self.hub.sleep(injected.delay)
            if injected.status is not None:
                self._drain()
                self._send(injected.status, injected.body, injected.headers)
                return
        self._truncate = bool(injected and injected.truncate)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(path)

    def _drain(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- routes --------------------------------------------------------------------------

    def _route(self, path: str) -> None:
        if path == "/api/validate-yaml" and self.command == "POST":
            self._drain()
            self._json({"errors": [], "warnings": []})
        elif path in ("/api/models", "/api/datasets") and self.command == "GET":
            self._list(path.removeprefix("/api/").removesuffix("s"))
        elif path.startswith(("/api/models/", "/api/datasets/")):
            self._api(path)
        elif "/resolve/" in path:
            self._resolve(path)
        else:
            self._error(404, None, "Not found")

    def _find(self, repo_type: str, repo_id: str, old_prefix: str) -> Repo | None:
        """The repo, or None after answering (404 or a 307 for a renamed repo).

        A private repository is not found without a token that may read it (the Hub
        answers 401 with `RepoNotFound`, which huggingface_hub reads as not found)."""
        new_id = self.hub.redirects.get((repo_type, repo_id))
        if new_id is not None:
            location = self.path.replace(old_prefix + repo_id, old_prefix + new_id, 1)
            self._send(307, b"", {"Location": location})
            return None
        repo = self.hub.lookup(repo_type, repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
        elif repo.info.get("private") and not self._token_in(self.hub.private_tokens):
            self._error(401, "RepoNotFound", "Repository not found")
            return None
        return repo

    def _token_in(self, tokens: set[str]) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") in tokens

    def _authorized(self) -> bool:
        return self._token_in(self.hub.gated_tokens)

    def _api(self, path: str) -> None:
        kind, _, rest = path.removeprefix("/api/").partition("/")
        repo_type = kind.removesuffix("s")
        for action in ("/preupload/", "/commit/"):
            if action in rest and self.command == "POST":
                repo_id, _, revision = rest.partition(action)
                repo = self._find(repo_type, repo_id, f"/api/{kind}/")
                if repo is not None:
                    (self._preupload if action == "/preupload/" else self._commit)(
                        repo, repo_id, revision
                    )
                return
        repo_id, _, revision = rest.partition("/revision/")
        repo = self._find(repo_type, repo_id, f"/api/{kind}/")
        if repo is None:
            return
        if revision and revision not in ("main", repo.info.get("sha")):
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        expand = self.query.get("expand")
        info = expanded(repo, expand) if expand else dict(repo.info)
        body = json.dumps(info).encode("utf-8")
        if self._truncate:
            body = body[: len(body) // 2]
        self._send(200, body)

    def _list(self, repo_type: str) -> None:
        """`GET /api/{type}s?author=&expand=&limit=&cursor=`: one page, `Link` to the next.

        Pages hold `limit` items (at most the server's page size), in id order; the
        cursor names the last id served, so the next page starts after it. Private
        repositories are listed only to a token that may read them."""
        author = (self.query.get("author") or [None])[0]
        expand = self.query.get("expand") or []
        unknown = sorted(set(expand) - set(LIST_EXPAND[repo_type]))
        if unknown:
            self._error(400, None, f'"expand" must be one of {", ".join(LIST_EXPAND[repo_type])}')
            return
        try:
            limit = min(
                int((self.query.get("limit") or [self.hub.page_size])[0]), self.hub.page_size
            )
        except ValueError:
            self._error(400, None, '"limit" must be a number')
            return
        if author is None:
            ids = sorted(repo_id for (kind, repo_id) in self.hub.repos if kind == repo_type)
        else:
            ids = self.hub.author_ids(repo_type, author)
        cursor = (self.query.get("cursor") or [None])[0]
        after = base64.urlsafe_b64decode(cursor.encode()).decode() if cursor else None
        start = bisect.bisect_right(ids, after) if after is not None else 0
        page_number = start // max(1, limit) + 1
        injected = self.hub._next_page_fault(author or "", page_number)
        if injected is not None:
            self.hub.sleep(injected.delay)
            if injected.status is not None:
                self._send(injected.status, injected.body, injected.headers)
                return
        items: list[dict[str, Any]] = []
        position = start
        while position < len(ids) and len(items) < limit:
            repo = self.hub.lookup(repo_type, ids[position])
            position += 1
            if repo is None:
                continue
            if repo.info.get("private") and not self._token_in(self.hub.private_tokens):
                continue
            items.append(expanded(repo, expand) if expand else listed(repo))
        headers = {}
        if position < len(ids):
            query = {k: v for k, v in self.query.items() if k != "cursor"}
            query["cursor"] = [base64.urlsafe_b64encode(ids[position - 1].encode()).decode()]
            link = f"{self.hub.url}/api/{repo_type}s?{urlencode(query, doseq=True)}"
            headers["Link"] = f'<{link}>; rel="next"'
        body = json.dumps(items).encode("utf-8")
        if injected is not None and injected.truncate:
            body = body[: len(body) // 2]
        self._send(200, body, headers)

    def _resolve(self, path: str) -> None:
        repo_type = "model"
        prefix = "/"
        rest = path[1:]
        for kind in ("datasets", "spaces"):
            if rest.startswith(kind + "/"):
                repo_type, prefix, rest = kind.removesuffix("s"), f"/{kind}/", rest[len(kind) + 1 :]
        repo_id, _, tail = rest.partition("/resolve/")
        revision, _, filename = tail.partition("/")
        repo = self._find(repo_type, repo_id, prefix)
        if repo is None:
            return
        if repo.info.get("gated") and not self._authorized():
            self._error(
                401,
                "GatedRepo",
                "Access to this repo is restricted; you must be "
                "authenticated and have been granted access",
            )
            return
        sha = repo.info.get("sha", "0" * 40)
        if revision not in ("main", sha):
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        content = repo.files.get(filename)
        if content is None:
            self._error(404, "EntryNotFound", f"{filename} does not exist on {revision}")
            return
        etag = f'"{hash_bytes(content)}"'
        self._send(
            200,
            content,
            {"X-Repo-Commit": sha, "ETag": etag},
            content_type="text/plain; charset=utf-8",
        )

    def _preupload(self, repo: Repo, repo_id: str, revision: str) -> None:
        payload = json.loads(self._drain() or b"{}")
        files = [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
            for f in payload.get("files", [])
        ]
        self._json({"files": files, "commitOid": repo.info.get("sha")})

    def _commit(self, repo: Repo, repo_id: str, revision: str) -> None:
        raw = self._drain()
        summary = description = ""
        files: dict[str, bytes] = {}
        for line in raw.decode("utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item["key"] == "header":
                summary = item["value"].get("summary", "")
                description = item["value"].get("description", "")
            elif item["key"] == "file":
                files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
        create_pr = self.query.get("create_pr", ["0"])[0] in ("1", "true", "True")
        self.hub.commits.append(
            ReceivedCommit(
                repo_id=repo_id,
                repo_type=repo.repo_type,
                revision=revision,
                create_pr=create_pr,
                summary=summary,
                description=description,
                files=files,
                authorization=self.headers.get("Authorization"),
            )
        )
        if not create_pr:  # a direct commit lands: serve its files and .eval_results
            repo.files.update(files)
            repo.eval_results = eval_results_of(repo.files)
        number = len(self.hub.commits)
        oid = f"{number:040x}"
        base = f"{self.hub.url}/{repo_id}"
        answer = {"commitUrl": f"{base}/commit/{oid}", "commitOid": oid}
        if create_pr:
            answer["pullRequestUrl"] = f"{base}/discussions/{number}"
        self._json(answer)


def eval_results_of(files: dict[str, bytes]) -> list[dict[str, Any]]:
    """`evalResults` as the Hub serves them: one item per entry of `.eval_results/*.yaml`."""
    import yaml

    items = []
    for name, content in sorted(files.items()):
        if name.startswith(".eval_results/") and name.endswith((".yaml", ".yml")):
            items += [
                {"filename": name, "data": entry}
                for entry in yaml.safe_load(content.decode("utf-8")) or []
            ]
    return items


def hash_bytes(data: bytes) -> str:
    """Git-style content id used as the ETag of a served file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


BERT = "google-bert/bert-base-uncased"
BERT_SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
FAIR = "cardgen-test/fair-classifier"
FAIR_SHA = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"
GATED = "cardgen-test/gated-model"
ADULT = "scikit-learn/adult-census-income"
ADULT_SHA = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"

BERT_README = """---
language: en
tags:
- exbert
license: apache-2.0
datasets:
- bookcorpus
- wikipedia
---

# BERT base model (uncased)

Pretrained model on English language using a masked language modeling (MLM) objective.

## Model description

BERT is a transformers model pretrained on a large corpus of English data.

## Intended uses & limitations

You can use the raw model for either masked language modeling or next sentence prediction.

### How to use

```python
# a comment in code is not a heading
from transformers import pipeline
unmasker = pipeline('fill-mask', model='bert-base-uncased')
```

## Training data

The BERT model was pretrained on BookCorpus and English Wikipedia.
"""

FAIR_README = """---
license: mit
library_name: transformers
pipeline_tag: text-classification
base_model: google-bert/bert-base-uncased
datasets:
- scikit-learn/adult-census-income
model-index:
- name: fair-classifier
  results:
  - task:
      type: text-classification
      name: Income prediction
    dataset:
      type: scikit-learn/adult-census-income
      name: Adult
      split: test
    metrics:
    - type: accuracy
      value: 0.85
    - type: accuracy
      value: 0.9
      config: sex=Female
    - type: accuracy
      value: 0.82
      config: sex=Male
    - type: f1
      value: N/A
    source:
      name: cardgen evaluation
      url: https://example.org/eval
---

# Fair classifier

Predicts income above 50K.

## Bias, Risks, and Limitations

Accuracy differs between women and men.
"""

FAIR_EVAL_RESULTS = [
    {
        "filename": ".eval_results/mmlu.yaml",
        "data": {
            "dataset": {"id": "cais/mmlu", "task_id": "default"},
            "value": 41.5,
            "source": {"url": "https://example.org/mmlu", "name": "Eval logs"},
            "notes": "5-shot",
        },
    },
]

ADULT_README = """---
license: cc0-1.0
task_categories:
- tabular-classification
pretty_name: Adult census income
---

# Dataset Card for Adult census income

## Dataset Summary

Extraction from the 1994 US Census database.
"""


def recorded(name: str) -> dict[str, Any]:
    """A recorded Hub API answer (tests/data/hub-api), a fresh copy on every call."""
    return copy.deepcopy(_recorded(name))


@cache
def _recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"model_info_{name}.json").read_text(encoding="utf-8"))


def card_data_of(readme: str) -> dict[str, Any]:
    """`cardData` as the Hub derives it: the README's front matter, read as YAML.

    PyYAML reads it here, independently of cardgen's reader; the test cards use no value
    that YAML 1.1 and 1.2 read differently."""
    import yaml

    text = readme.lstrip()
    if not text.startswith("---\n"):
        return {}
    block = text[4:].split("\n---\n", 1)[0]
    data = yaml.safe_load(block)
    return data if isinstance(data, dict) else {}


PIPELINES = ("text-classification", "fill-mask", "token-classification", "translation", None)
LIBRARIES = ("transformers", "transformers", "peft", "sentence-transformers", None)
LICENSES = ("apache-2.0", "mit", "cc-by-4.0", None)


def generated_card_data(index: int) -> dict[str, Any]:
    """Front matter of generated repository `index`: fields filled in varying proportions."""
    data: dict[str, Any] = {}
    if LICENSES[index % 4]:
        data["license"] = LICENSES[index % 4]
    if index % 3:
        data["language"] = ["en", "fr", "de"][: 1 + index % 3]
    if index % 2:
        data["datasets"] = [f"bench/data-{index % 17:02d}"]
    if index % 5 == 0:
        data["base_model"] = "google-bert/bert-base-uncased"
        data["tags"] = ["generated_from_trainer"]
    if PIPELINES[index % 5]:
        data["pipeline_tag"] = PIPELINES[index % 5]
    if LIBRARIES[index % 5]:
        data["library_name"] = LIBRARIES[index % 5]
    if index % 7 == 0:
        data["model-index"] = [
            {
                "name": f"model-{index:06d}",
                "results": [
                    {
                        "task": {"type": "text-classification"},
                        "dataset": {"type": f"bench/data-{index % 17:02d}", "name": "Bench"},
                        "metrics": [
                            {"type": "accuracy", "value": round(0.5 + index % 50 / 100, 2)}
                        ],
                    }
                ],
            }
        ]
    return data


def generated_readme(index: int, card_data: dict[str, Any]) -> str:
    """A README for generated repository `index`: its front matter and some sections."""
    import yaml

    front = yaml.safe_dump(card_data, sort_keys=False) if card_data else ""
    parts = [f"---\n{front}---\n\n# model-{index:06d}\n"]
    if index % 4 != 3:
        parts.append("A generated model card used to benchmark cardgen audits.\n")
    if index % 2 == 0:
        parts.append("## Intended uses & limitations\n\nResearch on documentation only.\n")
    if index % 3 == 0:
        parts.append("## Training data\n\nSynthetic text.\n")
    if index % 6 == 1:
        parts.append("## Bias, Risks, and Limitations\n\n[More Information Needed]\n")
    if index % 5 == 2:
        parts.append("## Evaluation\n\nAccuracy on a held-out split.\n")
    return "\n".join(parts)


def generated_repo(population: Population, index: int) -> Repo:
    """Repository `index` of a generated population (a few microseconds; nothing kept)."""
    template = _recorded("google-bert_bert-base-uncased")
    repo_id = population.repo_id(index)
    card_data = generated_card_data(index)
    tags = [t for t in (card_data.get("library_name"), card_data.get("pipeline_tag")) if t]
    tags += [f"license:{card_data['license']}"] if "license" in card_data else []
    tags += [f"dataset:{d}" for d in card_data.get("datasets", [])]
    if "base_model" in card_data:
        tags += [
            f"base_model:{card_data['base_model']}",
            f"base_model:finetune:{card_data['base_model']}",
        ]
    info = {
        **{k: template[k] for k in ("config", "createdAt", "disabled", "mask_token")},
        "_id": f"{index:024x}",
        "id": repo_id,
        "modelId": repo_id,
        "author": population.author,
        "sha": hashlib.sha1(repo_id.encode()).hexdigest(),
        "lastModified": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}T00:00:00.000Z",
        "private": False,
        "gated": "manual"
        if population.gated_every and index % population.gated_every == 0
        else False,
        "downloads": (index * 7919) % 100_003,
        "likes": index % 97,
        "tags": tags,
        "pipeline_tag": card_data.get("pipeline_tag"),
        "library_name": card_data.get("library_name"),
        "cardData": card_data,
        "model-index": card_data.get("model-index"),
        "safetensors": (
            {"parameters": {"F32": 1000 + index}, "total": 1000 + index} if index % 2 else None
        ),
        "siblings": [{"rfilename": "README.md"}, {"rfilename": "config.json"}],
        "spaces": [],
    }
    return Repo("model", info, {"README.md": generated_readme(index, card_data).encode("utf-8")})


def populate(hub: HubServer) -> HubServer:
    """Serve the standard test repositories: bert (recorded, renamed from
    bert-base-uncased), stable-diffusion (recorded), a model with per-group model-index and
    eval results, a gated model and a dataset."""
    hub.add_repo("model", recorded("google-bert_bert-base-uncased"), BERT_README)
    hub.redirect("model", "bert-base-uncased", BERT)
    hub.add_repo("model", recorded("stabilityai_stable-diffusion-2-1"))
    fair = recorded("google-bert_bert-base-uncased")
    fair.update(
        {
            "_id": "6600000000000000000000aa",
            "id": FAIR,
            "modelId": FAIR,
            "author": "cardgen-test",
            "sha": FAIR_SHA,
            "pipeline_tag": "text-classification",
            "downloads": 12,
            "likes": 3,
            "tags": [
                "transformers",
                "safetensors",
                "text-classification",
                "license:mit",
                f"dataset:{ADULT}",
                f"base_model:{BERT}",
                f"base_model:finetune:{BERT}",
            ],
            "cardData": card_data_of(FAIR_README),
            "model-index": card_data_of(FAIR_README)["model-index"],
            "safetensors": {"parameters": {"F32": 109483778}, "total": 109483778},
        }
    )
    hub.add_repo("model", fair, FAIR_README, eval_results=FAIR_EVAL_RESULTS)
    gated = recorded("google-bert_bert-base-uncased")
    gated.update(
        {
            "_id": "6600000000000000000000bb",
            "id": GATED,
            "modelId": GATED,
            "author": "cardgen-test",
            "gated": "manual",
        }
    )
    hub.add_repo("model", gated, BERT_README)
    hub.add_repo(
        "dataset",
        {
            "_id": "6600000000000000000000cc",
            "id": ADULT,
            "author": "scikit-learn",
            "sha": ADULT_SHA,
            "private": False,
            "gated": False,
            "disabled": False,
            "downloads": 5000,
            "likes": 40,
            "tags": ["task_categories:tabular-classification", "license:cc0-1.0"],
            "createdAt": "2022-06-01T10:00:00.000Z",
            "lastModified": "2023-01-02T03:04:05.000Z",
            "cardData": {
                "license": "cc0-1.0",
                "task_categories": ["tabular-classification"],
                "pretty_name": "Adult census income",
            },
            "description": "Extraction from the 1994 US Census database.",
            "citation": "@misc{adult, title={Adult}}",
            "paperswithcode_id": "adult",
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "adult.csv"}],
        },
        ADULT_README,
    )
    return hub


def add_copies(hub: HubServer, count: int, author: str = "bench") -> list[str]:
    """Serve `count` copies of the recorded bert repo as `author/model-000`... (benchmarks)."""
    ids = []
    for index in range(count):
        info = recorded("google-bert_bert-base-uncased")
        repo_id = f"{author}/model-{index:03d}"
        info.update({"id": repo_id, "modelId": repo_id, "author": author, "sha": f"{index:040x}"})
        hub.add_repo("model", info, BERT_README)
        ids.append(repo_id)
    return ids


def main() -> None:
    """Serve the standard repos, `--copies` bench/model-NNN and a `--population` of generated
    repos (author `scale`) until stdin closes; print the URL."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Run the local test Hub.")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--copies", type=int, default=0, help="bench/model-NNN repos to serve")
    parser.add_argument("--population", type=int, default=0, help="scale/model-NNNNNN repos")
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="BUCKET=N/SECONDS",
        help="e.g. api=1000/300 or resolvers=5000/300 (the Hub's free budget)",
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="clock speed-up")
    parser.add_argument("--page-size", type=int, default=1000, help="most items per page")
    args = parser.parse_args()
    limits = {}
    for item in args.rate_limit:
        bucket, _, quota = item.partition("=")
        requests, _, window = quota.partition("/")
        limits[bucket] = (int(requests), float(window))
    hub = HubServer(
        latency=args.latency,
        rate_limits=limits,
        time_scale=args.time_scale,
        page_size=args.page_size,
        record_requests=False,
    ).start()
    populate(hub)
    add_copies(hub, args.copies)
    if args.population:
        hub.add_population("scale", args.population)
    print(hub.url, flush=True)
    try:
        sys.stdin.read()  # serve until stdin closes (the parent process exits or closes it)
    finally:
        print(json.dumps({"counts": hub.counts, "throttled": hub.throttled}), flush=True)
        hub.stop()


if __name__ == "__main__":
    main()
