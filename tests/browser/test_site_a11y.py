"""Accessible pages: axe-core (from npm) finds no critical or serious WCAG 2.1 AA violation
on the home page, a model card, a data card, the search page (with results) and the audit
page of each builder's site; verdicts are words, not only emoji."""

from __future__ import annotations

from typing import Any

import pytest
from sitecards import DEEP_WORD, WIDE_CARD

pytestmark = pytest.mark.browser

Page = tuple[Any, Any]  # (playwright Page, conftest.Watch)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    "/",
    "/models/synthetic-model-0001/",
    f"/models/{WIDE_CARD}/",
    "/data/synthetic-data-0000/",
    f"/find/?q={DEEP_WORD}",
    "/audit/",
]


def _violations(browser_page: Any, axe_source: str) -> list[str]:
    browser_page.add_script_tag(content=axe_source)
    found = browser_page.evaluate(
        """async tags => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' '))}));
        }""",
        WCAG_21_AA,
    )
    return [
        f"{v['impact']} {v['id']}: {', '.join(v['nodes'][:3])}"
        for v in found
        if v["impact"] in ("critical", "serious")
    ]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_wcag_violation(
    page: Page, site_url: str, axe_source: str, path: str
) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + path)
    browser_page.wait_for_load_state("load")
    browser_page.locator("header .cardgen-search input").wait_for(timeout=15_000)
    if path.startswith("/find/"):
        browser_page.locator("#cardgen-find .pf-result").first.wait_for(timeout=15_000)
    assert _violations(browser_page, axe_source) == []


def test_axe_finds_no_serious_violation_in_the_open_search_results(
    page: Page, site_url: str, axe_source: str
) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/models/synthetic-model-0001/")
    box = browser_page.locator("header .cardgen-search input")
    box.wait_for(timeout=15_000)
    box.fill("synthetic")
    browser_page.locator(".pf-searchbox-result").first.wait_for(timeout=15_000)
    assert _violations(browser_page, axe_source) == []


def test_verdicts_are_words_beside_their_emoji(page: Page, site_url: str) -> None:
    browser_page, _ = page
    browser_page.goto(site_url + "/models/synthetic-model-0001/")
    verdicts = browser_page.eval_on_selector_all(
        "article li",
        "items => items.map(i => i.textContent).filter(t => /[\\u2705\\u274c]/.test(t))",
    )
    # The synthetic evaluation has one failed and one passed threshold test.
    assert len(verdicts) == 2
    assert sum("❌ fail " in v for v in verdicts) == 1
    assert sum("✅ pass " in v for v in verdicts) == 1
    browser_page.goto(site_url + "/")
    row = browser_page.locator("article table tbody tr", has_text="synthetic-model-0001")
    assert row.locator("td").nth(6).inner_text() == "1 passed, 1 failed"
