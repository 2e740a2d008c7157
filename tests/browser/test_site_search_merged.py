"""A site whose index is in several Pagefind parts: the header box and the Search page
search every part, and a result from the last part opens its card."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import serve_folder
from playwright.sync_api import expect
from sitecards import DEEP_WORD, deep_card, write_cards

from cardgen.site import _search, build_site

pytestmark = pytest.mark.browser

CARDS = 6
TARGET = f"synthetic-model-{deep_card(CARDS):04d}"
"""6 cards sorted (data 0, 5; models 1-4) in parts of 2: the deep word's card (model 3) is
the fifth page, in the third and last part."""


@pytest.fixture(scope="module")
def parts_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("parts-site")
    write_cards(folder, CARDS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_search, "PAGEFIND_PART_PAGES", 2)
        result = build_site(folder / "cards", folder / "project", root=folder, jobs=1)
    server, url = serve_folder(result.project.site_dir)
    yield result.project.site_dir, url
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_page(browser: Any, parts_site: tuple[Path, str]) -> Iterator[Any]:
    """A page that must log no error and load nothing from elsewhere."""
    _, url = parts_site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    context.on("request", lambda request: requests.append(request.url))
    yield page
    context.close()
    assert errors == []
    assert [u for u in requests if not u.startswith((url + "/", "data:", "blob:"))] == []
    # The last part was fetched: the search really merged it.
    assert any("/pagefind/part-3/" in u for u in requests)


def _indexed(bundle: Path) -> list[str]:
    urls = []
    for fragment in (bundle / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(fragment.read_bytes())
        urls.append(json.loads(raw[len(b"pagefind_dcd") :])["url"])
    return sorted(urls)


def test_the_deep_word_s_card_is_in_the_last_of_three_parts(
    parts_site: tuple[Path, str],
) -> None:
    site, _ = parts_site
    bundle = site / "pagefind"
    assert sorted(p.name for p in bundle.glob("part-*")) == ["part-2", "part-3"]
    assert _indexed(bundle / "part-3") == [f"/models/{TARGET}/", "/models/synthetic-model-0004/"]
    assert f"/models/{TARGET}/" not in _indexed(bundle) + _indexed(bundle / "part-2")


def test_header_search_finds_a_word_of_the_last_part_and_opens_its_card(
    browser_page: Any, parts_site: tuple[Path, str]
) -> None:
    _, url = parts_site
    browser_page.goto(url + "/data/synthetic-data-0000/")
    box = browser_page.locator("header .cardgen-search input")
    box.wait_for(timeout=15_000)
    box.fill(DEEP_WORD)
    results = browser_page.locator(".pf-searchbox-result")
    results.first.wait_for(timeout=15_000)
    assert results.count() == 1
    expect(results.first).to_contain_text(DEEP_WORD, timeout=15_000)  # its excerpt loads
    results.first.click()
    browser_page.wait_for_load_state()
    assert browser_page.url == f"{url}/models/{TARGET}/"


def test_search_page_lists_results_from_every_part(
    browser_page: Any, parts_site: tuple[Path, str]
) -> None:
    _, url = parts_site
    browser_page.goto(f"{url}/find/?q={DEEP_WORD}")
    results = browser_page.locator("#cardgen-find .pf-result")
    results.first.wait_for(timeout=15_000)
    assert results.count() == 1
    assert results.first.locator("a").first.get_attribute("href") == f"/models/{TARGET}/"
    # Every card's summary says "Synthetic card number I": one result a card, all parts.
    browser_page.goto(f"{url}/find/?q=synthetic")
    links = browser_page.locator("#cardgen-find .pf-result a.pf-result-link")
    expect(links).to_have_count(CARDS, timeout=15_000)  # results render as they load
    assert "6 results" in browser_page.locator("#cardgen-find pagefind-summary").inner_text()
    hrefs = sorted(link.get_attribute("href") for link in links.all())
    assert hrefs == sorted(
        f"/{'data' if i % 5 == 0 else 'models'}/synthetic-{'data' if i % 5 == 0 else 'model'}"
        f"-{i:04d}/"
        for i in range(CARDS)
    )
