"""Retry Hub calls on rate limits and server errors, and explain failures in one line.

It wraps `huggingface_hub` calls; it sends no HTTP of its own and never shows a token.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from ..errors import HubError

try:  # huggingface_hub 2.x talks through httpx2, 1.x through httpx
    import httpx2
except ImportError:  # pragma: no cover
    import httpx as httpx2  # type: ignore[no-redef]

T = TypeVar("T")

RETRY_STATUS = (429, 500, 502, 503, 504)
"""HTTP statuses worth trying again: rate limited, or a transient server failure."""
AUTH_HINT = "set the HF_TOKEN environment variable or run `hf auth login`"


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def with_retries(
    call: Callable[[], T],
    *,
    retries: int = 4,
    backoff: float = 0.5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`, retrying on 429/5xx answers and dropped connections with exponential backoff.

    A `Retry-After` header on the failed answer sets the wait (capped at `max_wait`);
    otherwise the wait is `backoff * 2**attempt`. Timeouts are not retried: a Hub that
    does not answer within the timeout is reported at once.

    Args:
        call: the Hub call, with no arguments.
        retries: how many times to try again after the first failure.
        backoff: first wait in seconds when the server gives no `Retry-After`.
        max_wait: longest single wait in seconds.
        sleep: the sleep function (tests pass a recorder).

    Returns:
        What `call` returns.

    Raises:
        The last exception once retries are spent, or any non-retryable one at once.
    """
    attempt = 0
    while True:
        try:
            return call()
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status not in RETRY_STATUS or attempt >= retries:
                raise
            header = exc.response.headers.get("Retry-After") if exc.response is not None else None
            wait = retry_after_seconds(header)
        except (httpx2.ConnectError, httpx2.RemoteProtocolError, httpx2.ReadError):
            if attempt >= retries:
                raise
            wait = None
        sleep(min(max_wait, backoff * 2**attempt if wait is None else wait))
        attempt += 1


def _root_cause(exc: BaseException) -> BaseException:
    # hf_hub_download wraps a failed metadata request in LocalEntryNotFoundError.
    seen = exc
    while isinstance(seen, LocalEntryNotFoundError) and (seen.__cause__ or seen.__context__):
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen


def explain(exc: BaseException, repo: str, endpoint: str, timeout: float | None) -> HubError:
    """A one-line, token-free `HubError` for a failed Hub call about `repo`.

    Args:
        exc: what `huggingface_hub` (or httpx underneath it) raised.
        repo: the repository, e.g. `model google-bert/bert-base-uncased`.
        endpoint: the Hub address used.
        timeout: the request timeout in seconds, for the timeout message.

    Returns:
        The error to raise (chained to `exc` by the caller).
    """
    cause = _root_cause(exc)
    if isinstance(cause, GatedRepoError):
        message = f"{repo} is gated: request access on the Hub, then authenticate ({AUTH_HINT})"
    elif isinstance(cause, RevisionNotFoundError):
        message = f"{repo}: revision not found on {endpoint}"
    elif isinstance(cause, RepositoryNotFoundError):
        message = f"{repo} not found on {endpoint} (if it is private, {AUTH_HINT})"
    elif isinstance(cause, HfHubHTTPError):
        status = cause.response.status_code if cause.response is not None else "error"
        message = f"{repo}: the Hub answered HTTP {status}"
        if status in RETRY_STATUS:
            message += " and kept failing after retries"
    elif isinstance(cause, httpx2.TimeoutException):
        within = f" within {timeout:g} s" if timeout is not None else ""
        message = f"{repo}: no answer from {endpoint}{within} (timeout)"
    elif isinstance(cause, httpx2.TransportError):
        message = f"{repo}: cannot reach {endpoint} ({type(cause).__name__})"
    elif isinstance(cause, json.JSONDecodeError):
        message = (
            f"{repo}: the Hub sent an incomplete or invalid JSON answer "
            f"(broken at character {cause.pos}); try again"
        )
    else:
        message = f"{repo}: {type(cause).__name__}: {cause}"
    return HubError(redact(message))


def redact(text: str) -> str:
    """Remove the current token (HF_TOKEN or the stored login) from `text`, if it occurs."""
    for token in _known_tokens():
        text = text.replace(token, "***")
    return text


def _known_tokens() -> list[str]:
    tokens = [os.environ.get("HF_TOKEN", ""), os.environ.get("HUGGING_FACE_HUB_TOKEN", "")]
    try:
        from huggingface_hub import get_token

        tokens.append(get_token() or "")
    except Exception:  # a broken token file must not hide the real error
        pass
    return [t for t in tokens if len(t) >= 4]
