"""The built site in a real browser (each builder's): search, charts, links, offline, no
errors, no XSS."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

Page = tuple[Any, Any]  # (playwright Page, conftest.Watch)


def test_header_search_finds_a_card_by_its_name(page: Page, site_url: str) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/")
    boxes = browser_page.locator("header .cardgen-search input")
    boxes.first.wait_for(timeout=15_000)
    assert boxes.count() == 1  # one search box, and it is in the header
    assert browser_page.locator("input.md-search__input").count() == 0  # not the builder's
    boxes.fill("synthetic-model-0013")
    result = browser_page.locator(".pf-searchbox-result").first
    # Pagefind draws the result's box first and fills in its title when the fragment loads
    expect(result).to_contain_text("Synthetic model 13", timeout=15_000)
    result.click()
    browser_page.wait_for_load_state()
    assert browser_page.url == site_url + "/models/synthetic-model-0013/"


def test_home_table_lists_every_card_and_filters(
    page: Page, site_url: str, artifacts: Path
) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/")
    rows = browser_page.locator("article table tbody tr")
    assert rows.count() == 32
    browser_page.fill("#cardgen-filter", "synthetic-model-001")
    # models 0011-0014 and 0016-0019 (0010 and 0015 are data cards)
    assert browser_page.locator("article table tbody tr:not([hidden])").count() == 8
    assert browser_page.inner_text("#cardgen-count") == "8 of 32 cards"
    browser_page.fill("#cardgen-filter", "")
    browser_page.screenshot(path=str(artifacts / "site-home.png"), full_page=False)


def test_card_page_shows_each_chart_as_a_figure_with_one_mark_per_group(
    page: Page, site_url: str, artifacts: Path
) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/models/synthetic-model-0001/")
    figures = browser_page.locator("article figure.cardgen-figure")
    # accuracy, selection_rate and true_positive_rate by group; disparities (difference, ratio)
    assert figures.count() == 5
    for i in range(figures.count()):
        image = figures.nth(i).locator("img")
        image.scroll_into_view_if_needed()  # charts load lazily
        image.evaluate("img => new Promise(done => img.complete ? done() : img.onload = done)")
        assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    headings = browser_page.eval_on_selector_all(
        "article figure.cardgen-figure",
        "figures => figures.map(f => f.previousElementSibling.tagName + ' '"
        " + f.previousElementSibling.textContent.trim())",
    )
    assert headings == [
        "H4 accuracy",
        "H4 selection_rate",
        "H4 true_positive_rate",
        "H4 Disparities (difference)",
        "H4 Disparities (ratio)",
    ]
    counts = browser_page.evaluate("""async () => {
        const img = document.querySelector("article img[src*='#accuracy']");
        const sheet = new DOMParser().parseFromString(
            await (await fetch(img.src)).text(), "image/svg+xml");
        const svg = [...sheet.querySelectorAll("svg.cardgen-chart")].find(
            c => c.querySelector("title").textContent === "accuracy by group (test)");
        return [svg.querySelectorAll("g.group").length, svg.querySelectorAll(".mark").length];
    }""")
    assert counts == [5, 5]
    browser_page.locator("h2#charts").scroll_into_view_if_needed()
    browser_page.screenshot(path=str(artifacts / "site-card.png"), full_page=False)


class _Targets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def test_crawler_finds_no_broken_link(page: Page, site_url: str, xss_card: str) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/")
    seen: set[str] = set()
    queue = deque([site_url + "/"])
    pages = 0
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = browser_page.request.get(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        pages += 1
        if url.endswith(f"/models/{xss_card}/"):
            continue  # its prose keeps a harmless <img src=x> (the payload's broken image)
        parser = _Targets()
        parser.feed(response.text())
        for target in parser.found:
            absolute = urldefrag(urljoin(url, target)).url
            if absolute.startswith(site_url + "/") and absolute not in seen:
                queue.append(absolute)
    # home, 2 kind indexes, 4 sections (data-s, models-s, models-w, models-x), 32 card
    # pages, the search page and the audit page
    assert pages == 1 + 2 + 4 + 32 + 2


def test_card_with_xss_payloads_executes_nothing(page: Page, site_url: str, xss_card: str) -> None:
    browser_page, watch = page
    browser_page.add_init_script("window.__xss = 0; window.alert = () => { window.__xss++; };")
    for path in (f"/models/{xss_card}/", "/", "/sections/models-x/", "/models/"):
        browser_page.goto(site_url + path)
        browser_page.wait_for_load_state("load")
        browser_page.mouse.move(10, 10)
        browser_page.mouse.move(400, 400)
        assert browser_page.evaluate("window.__xss") == 0, path
        if path != "/models/":
            assert "alert(1)" in browser_page.inner_text("article"), path  # shown, inert
        scripts = browser_page.evaluate(
            "[...document.querySelectorAll('article script, article iframe, article object,"
            " article embed, article svg, article form')].length"
        )
        assert scripts == (1 if path == "/" else 0), path  # the home page's own filter script
        handlers = browser_page.evaluate("""() => [...document.querySelectorAll('article *')]
            .flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')
                || /^\\s*javascript:/i.test(a.value)).map(a => e.tagName + ' ' + a.name))""")
        assert handlers == [], path
    assert watch.dialogs == []
    # The payload `<img src=x onerror=...>` survives sanitizing as a plain broken image.
    watch.errors = [e for e in watch.errors if not e.endswith(f"/models/{xss_card}/x)")]
