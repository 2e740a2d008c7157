"""A governance card on the built site, in a real browser: reachable from the navigation and
the home page, and its links to the model and data cards it governs lead to those pages."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cardgen.site import build_site

pytestmark = pytest.mark.browser

SPECS = {
    "code-model": (
        "kind: model\nname: code-model\nsummary: A code model.\n"
        "regulatory: {general_purpose: true}\n"
    ),
    "code-data": "kind: data\nname: code-data\nsummary: The code it learnt from.\n",
    "code-project": """\
kind: governance
name: code-project
title: Code project governance
summary: How the code project is run.
governs:
  models: [code-model]
  datasets: [code-data]
data_governance:
  opt_out: "Ask to be removed: <script>alert(1)</script>"
""",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def governed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A built site of one model, one data and one governance card, on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("governed-site")
    (folder / "cards").mkdir()
    for name, text in SPECS.items():
        (folder / "cards" / f"{name}.yaml").write_text(text)
    result = build_site(folder / "cards", folder / "project", root=folder, jobs=1)
    handler = functools.partial(_Quiet, directory=str(result.project.site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tab(browser: Any, governed_site: str) -> Iterator[Any]:
    """A page that fails the test on console errors, dialogs or requests elsewhere."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    context.close()
    assert errors == []
    assert [u for u in requests if not u.startswith((governed_site + "/", "data:"))] == []


def test_governance_page_is_reachable_from_the_navigation(tab: Any, governed_site: str) -> None:
    tab.goto(governed_site + "/models/")
    tab.locator("nav.md-nav--primary a.md-nav__link", has_text="Governance").first.click()
    tab.wait_for_load_state()
    assert tab.url == governed_site + "/governance/"
    assert "1 card in 1 section," in tab.inner_text("article")
    tab.locator("article table a", has_text="c").first.click()
    tab.wait_for_load_state()
    tab.locator("article a", has_text="Code project governance").first.click()
    tab.wait_for_load_state()
    assert tab.url == governed_site + "/governance/code-project/"
    assert tab.inner_text("article h1") == "Code project governance"


def test_home_lists_the_governance_card_and_filters_by_kind(
    tab: Any, governed_site: str, artifacts: Path
) -> None:
    tab.goto(governed_site + "/")
    assert "and 1 governance card. " in tab.inner_text("article")
    tab.select_option("#cardgen-kind", "governance")
    visible = tab.locator("article table tbody tr:not([hidden])")
    assert visible.count() == 1
    assert "code-project" in visible.first.inner_text()
    visible.first.locator("a").click()
    tab.wait_for_load_state()
    assert tab.url == governed_site + "/governance/code-project/"
    tab.screenshot(path=str(artifacts / "site-governance.png"), full_page=False)


def test_governance_links_lead_to_the_governed_cards_and_back(tab: Any, governed_site: str) -> None:
    tab.goto(governed_site + "/governance/code-project/")
    article = tab.locator("article")
    # The opt-out text is shown, its script inert (the tab fixture fails on a dialog).
    assert "Ask to be removed:" in article.inner_text()
    article.locator("a", has_text="code-model").click()
    tab.wait_for_load_state()
    assert tab.url == governed_site + "/models/code-model/"
    # Its crosswalk reads the copyright items from the governance card.
    assert "governance.data_governance.copyright_policy" in tab.inner_text("article")
    tab.locator("article a", has_text="Code project governance").click()
    tab.wait_for_load_state()
    assert tab.url == governed_site + "/governance/code-project/"
    tab.locator("article a", has_text="code-data").click()
    tab.wait_for_load_state()
    assert tab.url == governed_site + "/data/code-data/"
    assert tab.locator("article h1").inner_text() == "code-data"
