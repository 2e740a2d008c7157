"""One search box, in the header of every page, finds a word deep inside one card's body:
on a static host, under `cardgen site serve`, and, opened from disk, says how to serve it.
Each test runs against the site of each builder."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import BuiltSite
from playwright.sync_api import expect
from sitecards import DEEP_WORD, deep_card

pytestmark = pytest.mark.browser

Page = tuple[Any, Any]  # (playwright Page, conftest.Watch)
CARDS = 30
TARGET = f"synthetic-model-{deep_card(CARDS):04d}"
PAGES = [
    "/",
    "/models/",
    "/sections/models-s/",
    f"/models/{TARGET}/",
    "/data/synthetic-data-0000/",
    "/find/",
    "/audit/",
]
"""One page of each kind: home, kind index, section, model card, data card, search, audit."""


def test_the_deep_word_is_in_one_card_near_the_end_of_its_body(built_site: BuiltSite) -> None:
    site = built_site.site_dir
    pages = [p for p in site.rglob("*.html") if DEEP_WORD in p.read_text(encoding="utf-8")]
    assert [p.parent.name for p in pages] == [TARGET]
    html = (site / "models" / TARGET / "index.html").read_text(encoding="utf-8")
    # The card itself ends where the page's own sections (related cards, lineage, charts,
    # history, audit) begin: the word is near the end of the card's body.
    card = html[html.index("<article") : html.index('id="related-cards"')]
    assert card.index(DEEP_WORD) > 0.8 * len(card)


def _search_in_header(browser_page: Any, term: str) -> Any:
    box = browser_page.locator("header .cardgen-search input")
    box.wait_for(timeout=15_000)
    box.fill(term)
    results = browser_page.locator(".pf-searchbox-result")
    results.first.wait_for(timeout=15_000)
    return results


def test_every_page_has_one_search_box_in_its_header(page: Page, site_url: str) -> None:
    browser_page, _ = page
    for path in PAGES:
        browser_page.goto(site_url + path)
        browser_page.locator("header .cardgen-search input").wait_for(timeout=15_000)
        assert browser_page.locator("input[type=text], input[type=search]").count() == (
            2 if path == "/" else 1  # the home page also filters its table
        ), path
        assert browser_page.locator("header .cardgen-search input").count() == 1, path
        assert browser_page.locator(".md-search").count() == 0, path  # not the builder's


def test_header_search_finds_a_word_deep_in_one_card_on_a_static_host(
    page: Page, site_url: str, built_site: BuiltSite, artifacts: Path
) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/data/synthetic-data-0000/")
    results = _search_in_header(browser_page, DEEP_WORD)
    assert results.count() == 1
    expect(results.first).to_contain_text(DEEP_WORD, timeout=15_000)
    browser_page.screenshot(path=str(artifacts / f"site-search-{built_site.builder}.png"))
    results.first.click()
    browser_page.wait_for_load_state()
    assert browser_page.url == f"{site_url}/models/{TARGET}/"


def test_search_page_lists_the_results_of_a_linked_query(page: Page, site_url: str) -> None:
    browser_page, _ = page
    browser_page.goto(f"{site_url}/find/?q={DEEP_WORD}")
    results = browser_page.locator("#cardgen-find .pf-result")
    results.first.wait_for(timeout=15_000)
    assert results.count() == 1
    assert results.first.locator("a").first.get_attribute("href") == f"/models/{TARGET}/"
    assert browser_page.locator("header .cardgen-search input").input_value() == DEEP_WORD
    summary = browser_page.locator("#cardgen-find pagefind-summary").inner_text()
    assert "1 result" in summary and DEEP_WORD in summary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_header_search_works_under_cardgen_site_serve(
    browser: Any, built_site: BuiltSite, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cardgen",
            "site",
            "serve",
            "--cards",
            str(built_site.folder / "cards"),
            "--facts",
            str(built_site.folder),
            "--out",
            str(tmp_path / "project"),
            "--builder",
            built_site.builder,
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        deadline = time.monotonic() + 180
        while not _answers(url + "/") and time.monotonic() < deadline:
            assert server.poll() is None, "cardgen site serve exited"
            time.sleep(0.5)
        browser_page = context.new_page()
        failed: list[str] = []
        browser_page.on(
            "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        browser_page.goto(f"{url}/models/synthetic-model-0001/")
        results = _search_in_header(browser_page, DEEP_WORD)
        assert results.count() == 1
        expect(results.first).to_contain_text(DEEP_WORD, timeout=15_000)
        browser_page.goto(f"{url}/find/?q={DEEP_WORD}")
        browser_page.locator("#cardgen-find .pf-result").first.wait_for(timeout=15_000)
        assert failed == []
    finally:
        context.close()
        server.terminate()
        server.wait(timeout=30)


def test_opened_from_disk_the_header_says_how_to_serve_and_links_work(
    browser: Any, built_site: BuiltSite
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    browser_page = context.new_page()
    errors: list[str] = []
    browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
    home = (built_site.site_dir / "index.html").as_uri()
    browser_page.goto(home)
    note = browser_page.locator("header .cardgen-search")
    note.wait_for(timeout=15_000)
    assert "cardgen site serve" in note.inner_text()
    assert "python -m http.server" in note.inner_text()
    assert browser_page.locator("header input").count() == 0  # no box that cannot work
    # Links to folders open their index.html (a browser shows a file listing otherwise).
    browser_page.locator("article a[href*='find/']").first.click()
    browser_page.wait_for_load_state()
    assert browser_page.url == (built_site.site_dir / "find" / "index.html").as_uri()
    assert "cardgen site serve" in browser_page.locator("#cardgen-find").inner_text()
    context.close()
    assert errors == []
