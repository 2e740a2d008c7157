"""`cardgen site serve`: the preview server serves the built site, search index included,
with either builder, and picks up an edited spec."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sitecards import write_cards

# mkdocs builds, the demo, wheels or servers: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return None


def _wait_for(url: str, text: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = _get(url)
        if body is not None and text in body:
            return True
        time.sleep(0.5)
    return False


@pytest.mark.parametrize("builder", ["mkdocs", "zensical"])
def test_serve_previews_and_regenerates_when_a_spec_changes(tmp_path: Path, builder: str) -> None:
    if builder == "zensical":
        pytest.importorskip("zensical", reason="pip install 'cardgen[zensical]' (Python 3.11+)")
    write_cards(tmp_path, 3)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cardgen",
            "site",
            "serve",
            "--cards",
            "cards",
            "--out",
            "project",
            "--dev-addr",
            f"127.0.0.1:{port}",
            "--builder",
            builder,
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = f"http://127.0.0.1:{port}/models/synthetic-model-0001/"
        assert _wait_for(page, "Synthetic model 1"), "the preview server did not answer"
        # What the header's search box loads is served too (mkdocs serve had no index).
        for asset in ("assets/cardgen/site.js", "pagefind/pagefind-component-ui.js"):
            assert _get(f"http://127.0.0.1:{port}/{asset}"), asset
        assert "/livereload/" in (_get(page) or "")  # open pages reload after a rebuild
        spec = tmp_path / "cards" / "synthetic-model-0001.yaml"
        spec.write_text(spec.read_text().replace("Synthetic model 1", "Renamed model one"))
        assert _wait_for(page, "Renamed model one"), "the edited spec was not picked up"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_stopping_serve_stops_the_mkdocs_server_too(tmp_path: Path) -> None:
    write_cards(tmp_path, 2)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cardgen",
            "site",
            "serve",
            "--cards",
            "cards",
            "--out",
            "project",
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    home = f"http://127.0.0.1:{port}/"
    try:
        assert _wait_for(home, "synthetic-model-0001"), "the preview server did not answer"
    finally:
        server.terminate()  # SIGTERM, as `kill` and process managers send
        assert server.wait(timeout=30) is not None
    deadline = time.monotonic() + 15
    while _get(home) is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _get(home) is None, "mkdocs serve is still answering after cardgen stopped"
