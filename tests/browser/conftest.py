"""Browser-test fixtures: a site built by each builder (MkDocs-Material, Zensical), served
on 127.0.0.1, and Debian's chromium via playwright.

Fixtures only. Every test that uses the site runs once per builder. The tests skip when
/usr/bin/chromium is absent, except in CI (CI=true), where a missing browser is a failure;
no browser is ever downloaded.
"""

from __future__ import annotations

import functools
import json
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitecards import evaluation, write_cards, write_wide_card

from cardgen.site import BUILDERS, build_site

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
XSS_CARD = "xss-model"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: drives a real browser (chromium) over the "
        "built site; skipped without /usr/bin/chromium outside CI",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} not found (apt-get install chromium); "
        "browser tests run only with Debian's chromium"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _xss_card(folder: Path) -> None:
    """A model card with an XSS payload in every text field, group name and metric name."""
    from test_render import XSS_PAYLOADS  # the payload list the page renderer is tested with

    payloads = iter(XSS_PAYLOADS * 4)
    spec = {
        "kind": "model",
        "name": XSS_CARD,
        "title": next(payloads),
        "summary": next(payloads),
        "model_details": {
            "developers": [next(payloads)],
            "version": next(payloads),
            "model_type": next(payloads),
            "architecture": next(payloads),
            "citation": next(payloads),
            "contact": next(payloads),
        },
        "intended_use": {
            "primary_uses": [next(payloads), next(payloads)],
            "out_of_scope_uses": [next(payloads)],
        },
        "factors": {"relevant_factors": [next(payloads)]},
        "ethical_considerations": {
            "sensitive_data": next(payloads),
            "risks_and_harms": [next(payloads)],
        },
        "caveats_and_recommendations": {"caveats": [next(payloads), next(payloads)]},
        "metadata": {
            "license": next(payloads),
            "pipeline_tag": next(payloads),
            "base_model": [next(payloads)],
            "datasets": [next(payloads)],
        },
        "extra_sections": [{"heading": next(payloads), "body": next(payloads)}],
    }
    (folder / "cards" / f"{XSS_CARD}.yaml").write_text(yaml.safe_dump(spec))

    fact = evaluation(next(payloads), random.Random(1))
    fact["groups"][0]["features"] = {"race": next(payloads), "sex": next(payloads)}
    fact["overall"][next(payloads)] = fact["overall"]["accuracy"]
    fact["notes"] = next(payloads)
    facts = folder / ".cardgen" / XSS_CARD
    facts.mkdir(parents=True)
    (facts / "evaluate-xss.json").write_text(json.dumps(fact))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class BuiltSite:
    """A site built for the browser tests: 30 synthetic cards, one XSS card, one wide card."""

    builder: str
    folder: Path
    """Holds cards/ and .cardgen/ (the inputs) and project/ (the MkDocs project)."""
    site_dir: Path


@pytest.fixture(scope="session", params=BUILDERS)
def built_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BuiltSite:
    """The same cards built by each builder in turn (MkDocs-Material, then Zensical)."""
    builder = str(request.param)
    if builder == "zensical":
        pytest.importorskip("zensical", reason="pip install 'cardgen[zensical]' (Python 3.11+)")
    folder = tmp_path_factory.mktemp(f"browser-site-{builder}")
    write_cards(folder, 30)
    _xss_card(folder)
    write_wide_card(folder)
    result = build_site(folder / "cards", folder / "project", root=folder, jobs=1, builder=builder)
    return BuiltSite(builder, folder, result.project.site_dir)


def serve_folder(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    """A plain static HTTP server (as any static host) for `folder`, in a thread."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def site_url(built_site: BuiltSite) -> Iterator[str]:
    """The built site served from 127.0.0.1 by a plain static server."""
    server, url = serve_folder(built_site.site_dir)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, started headless by playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and CI=true: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core, installed from npm by `make test` (`npm ci`, pinned in package-lock.json)."""
    if not AXE.exists():
        message = f"{AXE} is missing: run `npm ci` in the repository (make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots kept by CI (test-artifacts/, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def xss_card() -> str:
    """Name of the card whose every text field holds an XSS payload."""
    return XSS_CARD


class Watch:
    """Everything a page did that a test may assert on: requests, console errors, dialogs."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def page(browser: Any, site_url: str) -> Iterator[tuple[Any, Watch]]:
    """A fresh page that records every request, console error, page error and dialog.

    After the test it asserts that no request left 127.0.0.1 and nothing was logged as
    an error.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch()
    context.on("request", lambda request: watch.requests.append(request.url))
    page.on(
        "console",
        lambda msg: (
            watch.errors.append(f"{msg.text} ({msg.location['url']})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))

    def dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    yield page, watch
    context.close()
    assert watch.requests, "the test made no request"
    elsewhere = [
        u for u in watch.requests if not u.startswith((site_url + "/", "data:", "blob:", "about:"))
    ]
    assert elsewhere == [], f"requests left {site_url}: {elsewhere}"
    assert watch.errors == [], f"console errors: {watch.errors}"
    assert watch.dialogs == [], f"dialogs opened (script ran): {watch.dialogs}"
