"""Pace Hub requests to the account's rate-limit budget, read from the Hub's own headers.

It decides when the next request may go and counts what went; it sends no request itself.

The Hub counts requests in fixed five-minute windows per bucket (`api` for `/api/...`,
`resolvers` for file downloads under `/resolve/`) and states the budget on every answer
(`RateLimit: "api";r=<remaining>;t=<seconds to reset>` and `RateLimit-Policy: "fixed
window";"api";q=<quota>;w=<window>`, draft-ietf-httpapi-ratelimit-headers-09). Spending the
remaining requests at once and then waiting for the reset is the fastest pace that a fixed
window allows, so that is what the pacer does; before the first answer, and when a budget
is given explicitly, it also keeps to a client-side budget: at most `q` requests in any `w`
seconds.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from huggingface_hub.utils import parse_ratelimit_headers

from ..errors import CardgenError
from ._http import retry_after_seconds

RESOURCES = ("api", "files")
"""Budgets a batch spends: Hub API calls, and file downloads (the Hub's `resolvers`)."""
SPARE = 2
"""Requests of a window left unspent when the Hub states no quota (only `RateLimit`
remaining, which concurrent requests may reach in another order than they were sent)."""


@dataclass(frozen=True)
class Quota:
    """At most `requests` requests per `window` seconds."""

    requests: int
    window: float

    def __str__(self) -> str:
        return f"{self.requests}/{self.window:g}s"


FREE_BUDGET = {"api": Quota(1000, 300.0), "files": Quota(5000, 300.0)}
"""A free account's budget (Hub documentation, September 2025): 1,000 API calls and 5,000
file downloads per 5 minutes. PRO: 2,500 and 12,000; anonymous: 500 and 3,000."""

_QUOTA = re.compile(r"^\s*(api|files)\s*=\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$")
_UNIT = {None: 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_budget(text: str) -> dict[str, Quota]:
    """Read a budget such as `api=1000/300s,files=5000/300s` (also `/5m`, `/1h`).

    Args:
        text: comma-separated `RESOURCE=REQUESTS/WINDOW` items; RESOURCE is `api` or
            `files`; a resource left out keeps the Hub's stated budget.

    Returns:
        The quotas by resource.

    Raises:
        CardgenError: an item that does not read as above, naming it.
    """
    budget: dict[str, Quota] = {}
    for item in text.split(","):
        match = _QUOTA.match(item)
        if not match:
            raise CardgenError(
                f"--budget: cannot read {item.strip()!r}: expected RESOURCE=REQUESTS/WINDOW "
                "such as api=1000/300s or files=5000/5m (RESOURCE is api or files)"
            )
        name, requests, window, unit = match.groups()
        seconds = float(window) * _UNIT[unit]
        if int(requests) < 1 or seconds <= 0:
            raise CardgenError(f"--budget: {item.strip()!r} allows no request")
        budget[name] = Quota(int(requests), seconds)
    return budget


def resource_of(url: str) -> str:
    """`files` for a download (`/resolve/` in the path), else `api`."""
    return "files" if "/resolve/" in url else "api"


WaitCallback = Callable[[str, float, str], None]
"""Called as (resource, seconds, why) when a request must wait; seconds 0 when it goes."""


@dataclass
class _Bucket:
    quota: Quota
    """The client-side budget: explicit, else the Hub's stated one, else the free one."""
    explicit: bool
    history: deque[float]
    """Send times within the last client-side window (while the client-side budget applies)."""
    sent: int = 0
    """Requests let go so far; also the ticket of the last one."""
    throttled: int = 0
    server_quota: int | None = None
    """The Hub's stated quota per window (`RateLimit-Policy` q)."""
    window_end: float | None = None
    """When the Hub's current window ends, on this pacer's clock; None: not known yet."""
    window_sent: int = 0
    """Requests sent since the Hub's current window began."""
    others: int = 0
    """Requests in the Hub's current window that this pacer did not send (at least)."""
    hint: int | None = None
    """Without a stated quota: what the last `RateLimit` remaining leaves, less sends since."""


class Pacer:
    """Decide when each Hub request may go; count requests, 429 answers and waits.

    Thread-safe: every worker calls `acquire` before and `release` (with the ticket
    `acquire` gave) after each request. Within one of the Hub's windows, the requests
    still allowed are the stated quota less those this pacer sent in the window, less
    what the Hub's `RateLimit` remaining shows others (another tool, an earlier run) took;
    this does not depend on the order in which concurrent requests reach the Hub.

    Args:
        budget: explicit quotas by resource (`parse_budget`); they are kept even when the
            Hub states a larger budget. Resources left out follow the Hub's headers, and
            `FREE_BUDGET` until the first answer.
        time_scale: the Hub's clock runs this many times faster than real time (a local
            test Hub that simulates hours in minutes; 1 for the real Hub). Budgets and
            header times are in the Hub's seconds.
        on_wait: told when a request waits for the budget and for how long.

    Example:
        >>> pacer = Pacer(parse_budget("api=2/60s"))
        >>> ticket = pacer.acquire("api")
        >>> pacer.release("api", {}, 200, ticket)
        >>> pacer.sent["api"]
        1
    """

    def __init__(
        self,
        budget: Mapping[str, Quota] | None = None,
        *,
        time_scale: float = 1.0,
        on_wait: WaitCallback | None = None,
    ) -> None:
        if time_scale <= 0:
            raise CardgenError(f"time_scale must be positive, not {time_scale}")
        budget = dict(budget or {})
        self.time_scale = time_scale
        self.on_wait = on_wait
        self._buckets = {
            name: _Bucket(budget.get(name, FREE_BUDGET[name]), name in budget, deque())
            for name in RESOURCES
        }
        self._condition = threading.Condition()
        self.waited = 0.0
        """Seconds (on the Hub's clock) during which requests waited for the budget."""
        self._waiting_until = 0.0

    # -- figures -------------------------------------------------------------------------

    @property
    def sent(self) -> dict[str, int]:
        """Requests sent per resource (retries included)."""
        return {name: bucket.sent for name, bucket in self._buckets.items()}

    @property
    def throttled(self) -> dict[str, int]:
        """429 answers received per resource."""
        return {name: bucket.throttled for name, bucket in self._buckets.items()}

    def quota(self, resource: str) -> Quota:
        """The client-side budget kept for `resource` (explicit, else the Hub's stated one)."""
        return self._buckets[resource].quota

    def now(self) -> float:
        """The Hub's clock, in seconds."""
        return time.monotonic() * self.time_scale

    # -- pacing --------------------------------------------------------------------------

    def acquire(self, resource: str) -> int:
        """Block until a request for `resource` fits the budget, count it as sent and
        return its ticket (for `release`)."""
        bucket = self._buckets[resource]
        with self._condition:
            announced = False
            while True:
                now = self.now()
                wait, why = self._wait(bucket, now)
                if wait <= 0:
                    break
                if not announced and self.on_wait is not None:
                    self.on_wait(resource, wait, why)
                announced = True
                if now + wait > self._waiting_until:
                    self.waited += now + wait - max(now, self._waiting_until)
                    self._waiting_until = now + wait
                self._condition.wait(wait / self.time_scale)
            if announced and self.on_wait is not None:
                self.on_wait(resource, 0.0, "")
            bucket.sent += 1
            bucket.window_sent += 1
            if bucket.hint is not None:
                bucket.hint -= 1
            if bucket.explicit or bucket.server_quota is None:
                bucket.history.append(now)
            return bucket.sent

    def release(
        self,
        resource: str,
        headers: Mapping[str, str] | None,
        status: int | None,
        ticket: int | None = None,
    ) -> None:
        """Record the answer to the request `acquire` let go with `ticket` (status None:
        no answer came).

        The Hub's `RateLimit` and `RateLimit-Policy` headers (read by huggingface_hub's own
        parser) replace what the pacer assumed; a 429's headers or `Retry-After` stop every
        worker until the window resets.
        """
        bucket = self._buckets[resource]
        with self._condition:
            if status == 429:
                bucket.throttled += 1
            info = parse_ratelimit_headers(headers) if headers else None
            now = self.now()
            if info is not None:
                if info.limit and info.window_seconds:
                    bucket.server_quota = info.limit
                    if not bucket.explicit:
                        bucket.quota = Quota(info.limit, float(info.window_seconds))
                later = bucket.sent - (ticket if ticket is not None else 0)
                self._observe(bucket, now, info.remaining, info.reset_in_seconds, later)
            elif status == 429:
                retry = _retry_after(headers or {})
                self._observe(
                    bucket, now, 0, retry if retry is not None else bucket.quota.window, 0
                )
            self._condition.notify_all()

    def _observe(
        self, bucket: _Bucket, now: float, remaining: int, reset_in: float, later: int
    ) -> None:
        end = now + reset_in
        if end <= now:  # an answer from a window that has already ended
            return
        if bucket.window_end is None or end > bucket.window_end + 1.0:
            bucket.window_end = end
        else:
            bucket.window_end = max(bucket.window_end, end)
        if bucket.server_quota is not None:
            # The Hub had counted `quota - remaining` requests; this pacer had sent at most
            # `window_sent` of them: the rest were someone else's.
            counted = bucket.server_quota - remaining
            bucket.others = max(bucket.others, counted - bucket.window_sent)
        else:
            left = remaining - later - SPARE
            bucket.hint = left if bucket.hint is None else min(bucket.hint, left)

    def _available(self, bucket: _Bucket) -> int | None:
        if bucket.server_quota is not None:
            return bucket.server_quota - bucket.window_sent - bucket.others
        return bucket.hint

    def _wait(self, bucket: _Bucket, now: float) -> tuple[float, str]:
        """Seconds until a request may go (0 or less: now) and why."""
        wait, why = 0.0, ""
        if bucket.window_end is not None and now >= bucket.window_end:
            bucket.window_end, bucket.window_sent, bucket.others, bucket.hint = None, 0, 0, None
        available = self._available(bucket) if bucket.window_end is not None else None
        if bucket.window_end is not None and available is not None and available <= 0:
            wait = bucket.window_end - now
            why = f"the Hub's budget of {bucket.quota} is spent; its window resets"
        if bucket.explicit or bucket.server_quota is None:
            window = bucket.quota.window
            while bucket.history and bucket.history[0] <= now - window:
                bucket.history.popleft()
            if len(bucket.history) >= bucket.quota.requests:
                client_wait = bucket.history[0] + window - now
                if client_wait > wait:
                    wait, why = client_wait, f"budget {bucket.quota} spent"
        return wait, why


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    return retry_after_seconds(value)
