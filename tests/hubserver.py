"""A local stand-in for the Hugging Face Hub, for tests and benchmarks.

It serves recorded API shapes, READMEs, redirects, gated repos and injected failures to the
real `huggingface_hub` client over HTTP on 127.0.0.1; it implements no Hub logic beyond that.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

RECORDED = Path(__file__).resolve().parent / "data" / "hub-api"


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


class HubServer:
    """A threaded HTTP server on 127.0.0.1 that answers like the Hub for the calls cardgen makes.

    Example:
        >>> with HubServer() as hub:  # doctest: +SKIP
        ...     hub.add_repo("model", {"id": "org/m", "sha": "a" * 40}, readme="# m\\n")
        ...     HfApi(endpoint=hub.url).model_info("org/m").sha
    """

    def __init__(self, latency: float = 0.0, port: int = 0) -> None:
        self.latency = latency
        self.port = port
        self.repos: dict[tuple[str, str], Repo] = {}
        self.redirects: dict[tuple[str, str], str] = {}
        self.gated_tokens: set[str] = set()
        self.commits: list[ReceivedCommit] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._failures: dict[str, deque[Reply]] = {}
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

    def redirect(self, repo_type: str, old_id: str, new_id: str) -> None:
        """Answer `old_id` with a 307 to `new_id` (a renamed repository)."""
        self.redirects[(repo_type, old_id)] = new_id

    def fail(self, path_prefix: str, *replies: Reply) -> None:
        """Answer the next requests whose path starts with `path_prefix` with `replies`."""
        with self._lock:
            self._failures.setdefault(path_prefix, deque()).extend(replies)

    def _next_failure(self, path: str) -> Reply | None:
        with self._lock:
            for prefix, queue in self._failures.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return None

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the benchmark opens dozens of connections at once


class _HubHandler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

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
        for key, value in (headers or {}).items():
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
        self.hub.requests.append(
            (self.command, path, {k.lower(): v for k, v in self.headers.items()})
        )
        self.hub.sleep(self.hub.latency)
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
        """The repo, or None after answering (404 or a 307 for a renamed repo)."""
        new_id = self.hub.redirects.get((repo_type, repo_id))
        if new_id is not None:
            location = self.path.replace(old_prefix + repo_id, old_prefix + new_id, 1)
            self._send(307, b"", {"Location": location})
            return None
        repo = self.hub.repos.get((repo_type, repo_id))
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
        return repo

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") in self.hub.gated_tokens

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
        info = dict(repo.info)
        expand = self.query.get("expand")
        if expand:
            info = {k: v for k, v in info.items() if k in expand or k in EXPAND_ALWAYS}
            if "evalResults" in expand:
                info["evalResults"] = repo.eval_results
        body = json.dumps(info).encode("utf-8")
        if self._truncate:
            body = body[: len(body) // 2]
        self._send(200, body)

    def _list(self, repo_type: str) -> None:
        author = (self.query.get("author") or [None])[0]
        items = [
            {k: repo.info[k] for k in ("_id", "id", "author", "sha") if k in repo.info}
            for (kind, _), repo in sorted(self.hub.repos.items())
            if kind == repo_type and (author is None or repo.info.get("author") == author)
        ]
        self._json(items)

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
    """A recorded Hub API answer from tests/data/hub-api."""
    return json.loads((RECORDED / f"model_info_{name}.json").read_text(encoding="utf-8"))


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
            "cardData": {"license": "mit", "base_model": BERT, "datasets": [ADULT]},
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
    """Serve `--copies` benchmark repos (plus the standard ones) until killed; print the URL."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Run the local test Hub.")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--copies", type=int, default=0, help="bench/model-NNN repos to serve")
    args = parser.parse_args()
    hub = HubServer(latency=args.latency).start()
    populate(hub)
    add_copies(hub, args.copies)
    print(hub.url, flush=True)
    try:
        sys.stdin.read()  # serve until stdin closes (the parent process exits or closes it)
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
