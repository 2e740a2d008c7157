"""Shared pytest fixtures and hooks.

Fixtures and hooks only; no tests live here.
"""

from __future__ import annotations

import os
import sys

# --- Hub test server fixtures ---------------------------------------------------------------
# huggingface_hub reads HF_ENDPOINT once, at import: point it at a closed local port before
# anything imports it, so a call that forgets `endpoint=` fails fast instead of going online.
# Every test passes the running server's URL explicitly.
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)

from collections.abc import Iterator
from pathlib import Path

import pytest
from hubserver import HubServer, populate


@pytest.fixture
def hf_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh huggingface_hub home: its own cache, no stored login, no HF_TOKEN."""
    home = tmp_path_factory.mktemp("hf-home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(
        "huggingface_hub.constants.HF_STORED_TOKENS_PATH", str(home / "stored_tokens")
    )
    monkeypatch.delenv("HF_TOKEN", raising=False)
    return home


@pytest.fixture
def hub(hf_home: Path) -> Iterator[HubServer]:
    """A local Hub on 127.0.0.1 serving the standard test repositories (tests/hubserver.py)."""
    with HubServer() as server:
        yield populate(server)


@pytest.fixture
def hub_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- end of Hub test server fixtures ------------------------------------------------------


# --- In CI a skipped test is a failed one ---------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With CI set, a skip (missing ../shared data, a missing extra) fails the test: a CI
    run must not pass by testing less."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, which counts as a failure: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped while it is collected (`shared_data`)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, which counts as a failure: {reason}"


# --- Spark ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local[1] SparkSession for every test that needs it (a JVM start is slow).

    Its Python workers are this interpreter (with pyarrow), as cardgen's own sessions set
    them up: `python3` from PATH may be one without the test environment's packages.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    session = (
        SparkSession.builder.master("local[1]")
        .appName("cardgen-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()
