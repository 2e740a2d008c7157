"""Readable pages, measured in the browser on each builder's site: nothing wider than the
content column unless it scrolls in its own box, group labels on one line, each chart its
own figure under its metric's heading, with a text alternative and at most 1,200 px tall."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import BuiltSite
from sitecards import WIDE_CARD, WIDE_GROUPS, WIDE_METRICS

pytestmark = pytest.mark.browser

Page = tuple[Any, Any]  # (playwright Page, conftest.Watch)
PAGES = [
    "/",
    f"/models/{WIDE_CARD}/",
    "/models/synthetic-model-0001/",
    "/data/synthetic-data-0000/",
    "/find/",
    "/audit/",
]
CHART_MAX = 1200

_OVERFLOW = """() => {
    const column = document.querySelector('.md-content').getBoundingClientRect();
    const within = r => r.left >= column.left - 1 && r.right <= column.right + 1;
    const out = [];
    for (const element of document.querySelectorAll('article *')) {
        const rect = element.getBoundingClientRect();
        if (rect.width === 0 || within(rect)) continue;
        let box = element.parentElement, scrolls = false;
        while (box && box.tagName !== 'ARTICLE') {
            const overflow = getComputedStyle(box).overflowX;
            if ((overflow === 'auto' || overflow === 'scroll')
                && within(box.getBoundingClientRect())) { scrolls = true; break; }
            box = box.parentElement;
        }
        if (!scrolls) out.push(element.tagName + ' ' + Math.round(rect.width) + 'px: '
                               + element.textContent.trim().slice(0, 60));
    }
    return out;
}"""


@pytest.mark.parametrize("width", [1280, 800])
def test_nothing_is_wider_than_the_column_except_inside_a_scroll_box(
    browser: Any, site_url: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    browser_page = context.new_page()
    for path in PAGES:
        browser_page.goto(site_url + path)
        browser_page.wait_for_load_state("load")
        assert browser_page.evaluate(_OVERFLOW) == [], path
        # The page itself never scrolls sideways.
        assert browser_page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), path
    context.close()


def test_wide_table_scrolls_in_a_keyboard_reachable_box_with_labels_on_one_line(
    page: Page, site_url: str
) -> None:
    browser_page, _ = page
    browser_page.goto(f"{site_url}/models/{WIDE_CARD}/")
    browser_page.wait_for_load_state("load")
    table = browser_page.locator("article table", has_text="region=").first
    box = table.locator("xpath=ancestor::div[contains(@class,'md-typeset__scrollwrap')]")
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert sizes[0] > sizes[1] + 300  # far wider than the page: it scrolls
    assert box.get_attribute("tabindex") == "0"
    assert box.get_attribute("role") == "region"
    lines = table.evaluate("""t => [...t.tBodies[0].rows].map(row => {
        const range = document.createRange();
        range.selectNodeContents(row.cells[0]);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    })""")
    assert len(lines) == WIDE_GROUPS
    assert set(lines) == {1}  # every group label on one line
    headers = table.evaluate("t => [...t.tHead.rows[0].cells].map(c => c.textContent.trim())")
    assert headers == ["Group", "n", *WIDE_METRICS, "Flags"]


def _expected_summary(fact: dict[str, Any], metric: str) -> tuple[int, str, str]:
    """How many groups the chart of `metric` draws, and its lowest and highest group,
    worked out here from the fact (the 50 furthest from overall when there are more)."""
    overall = fact["overall"][metric]["value"]
    groups = [
        (", ".join(f"{k}={v}" for k, v in g["features"].items()), g["metrics"][metric])
        for g in fact["groups"]
    ]
    ranked = sorted(range(len(groups)), key=lambda i: -abs(groups[i][1]["value"] - overall))
    drawn = [groups[i] for i in sorted(ranked[:50])]
    low = min(drawn, key=lambda g: g[1]["value"])
    high = max(drawn, key=lambda g: g[1]["value"])

    def text(group: tuple[str, dict[str, Any]]) -> str:
        m = group[1]
        return f"{group[0]} {m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"

    return len(drawn), text(low), text(high)


def test_each_chart_is_a_figure_under_its_metric_with_a_text_alternative(
    page: Page, site_url: str, built_site: BuiltSite
) -> None:
    browser_page, _ = page
    browser_page.goto(f"{site_url}/models/{WIDE_CARD}/")
    figures = browser_page.eval_on_selector_all(
        "article figure.cardgen-figure",
        """figures => figures.map(f => {
            const img = f.querySelector('img');
            return {heading: f.previousElementSibling.tagName + ' '
                        + f.previousElementSibling.textContent.trim(),
                    src: img.getAttribute('src'), alt: img.alt,
                    caption: f.querySelector('figcaption').textContent};
        })""",
    )
    assert [f["heading"] for f in figures] == [f"H4 {m}" for m in sorted(WIDE_METRICS)]
    fact = json.loads(
        (built_site.folder / ".cardgen" / WIDE_CARD / "evaluate-census.json").read_text()
    )
    for figure in figures:
        metric = figure["heading"][3:]
        drawn, low, high = _expected_summary(fact, metric)
        assert figure["src"] == f"charts/census.svg#{metric.replace('_', '-')}"
        overall = fact["overall"][metric]["value"]
        assert figure["alt"] == (
            f"Dot chart of {drawn} rows: lowest {low}, highest {high}; "
            f"dashed line at {overall:.3f} (overall)."
        )
        assert figure["caption"] == (
            f"{metric} by group (census): each group's value (dot) and 95% interval (bar). "
            f"The {drawn} groups furthest from overall of {WIDE_GROUPS} are shown; "
            "the tables list every one."
        )


def test_no_chart_is_taller_than_1200_px(page: Page, site_url: str) -> None:
    browser_page, _ = page
    for path in PAGES:
        browser_page.goto(site_url + path)
        heights = browser_page.eval_on_selector_all(
            "article img[src*='.svg']",
            "images => images.map(i => [i.getAttribute('src'), i.getBoundingClientRect().height])",
        )
        assert heights or path in ("/", "/find/"), path
        tall = [(src, h) for src, h in heights if h > CHART_MAX]
        assert tall == [], path
    browser_page.goto(f"{site_url}/models/{WIDE_CARD}/")
    image = browser_page.locator("article img[src*='#accuracy']")
    image.scroll_into_view_if_needed()  # charts load lazily
    browser_page.wait_for_function(
        "() => document.querySelector(\"article img[src*='#accuracy']\").complete"
    )
    drawn = browser_page.evaluate("""async () => {
        const img = document.querySelector("article img[src*='#accuracy']");
        const sheet = new DOMParser().parseFromString(
            await (await fetch(img.src)).text(), "image/svg+xml");
        const view = sheet.getElementById('accuracy');
        const chart = view.nextElementSibling;
        return [chart.querySelectorAll('g.group').length,
                img.getBoundingClientRect().height, img.naturalWidth > 0];
    }""")
    assert drawn[0] == 50 and 1100 < drawn[1] <= CHART_MAX and drawn[2]
