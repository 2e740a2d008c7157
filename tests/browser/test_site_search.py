"""Full-text search of the built site (Pagefind) finds a word deep inside one card's body."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import _Quiet
from sitecards import DEEP_WORD, deep_card, write_cards

from cardgen.site import build_site

pytestmark = pytest.mark.browser

CARDS = 40


@pytest.fixture(scope="module")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("search-site")
    write_cards(folder, CARDS)
    result = build_site(folder / "cards", folder / "project", root=folder, jobs=1)
    site = result.project.site_dir
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()


def test_a_word_deep_in_one_card_is_found(
    browser: Any, search_site: tuple[str, Path], artifacts: Path
) -> None:
    url, site = search_site
    target = f"synthetic-model-{deep_card(CARDS):04d}"
    pages = [p for p in site.rglob("*.html") if DEEP_WORD in p.read_text(encoding="utf-8")]
    assert [p.parent.name for p in pages] == [target]  # one card holds it, deep in its body
    html = (site / "models" / target / "index.html").read_text(encoding="utf-8")
    # The card itself ends where the page's own sections (related cards, lineage, charts,
    # history, audit) begin: the word is near the end of the card's body.
    card = html[html.index("<article") : html.index('id="history"')]
    assert card.index(DEEP_WORD) > 0.8 * len(card)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url + "/")
    page.locator("article a[href='find/']").click()  # the home page links the search page
    page.wait_for_load_state()
    page.locator(".pagefind-ui__search-input").fill(DEEP_WORD)
    results = page.locator(".pagefind-ui__result")
    results.first.wait_for(timeout=15_000)
    assert results.count() == 1
    assert DEEP_WORD in results.first.inner_text()
    page.screenshot(path=str(artifacts / "site-search.png"))
    results.first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(f"/models/{target}")
    context.close()
    assert errors == []
    assert [u for u in requests if not u.startswith((url + "/", "data:", "blob:"))] == []
