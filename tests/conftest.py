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
from shareddata import SHARED_ENV, SHARED_MISSING


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
# ... except, in a run told to do without ../shared/data (CARDGEN_SHARED_DATA=none, as a bare
# clone has none), a skip for data only ../shared has; that run must still run 95% of its tests.

BARE_MIN_RAN = 0.95


def _bare_run() -> bool:
    return os.environ.get(SHARED_ENV) == "none"


def _fail_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
    if _bare_run() and SHARED_MISSING in str(reason):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, which counts as a failure: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With CI set, a skip (missing ../shared data, a missing extra) fails the test: a CI
    run must not pass by testing less."""
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped while it is collected (`shared_data`)."""
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())


def _bare_counts(config: pytest.Config) -> tuple[int, int]:
    """(tests that ran, tests and modules skipped) as the terminal reporter counted them."""
    stats = config.pluginmanager.get_plugin("terminalreporter").stats
    ran = sum(
        len([r for r in stats.get(key, []) if getattr(r, "when", "call") == "call"])
        for key in ("passed", "failed", "xfailed", "xpassed")
    )
    return ran, len(stats.get("skipped", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run without ../shared/data fails when fewer than 95% of its tests ran."""
    if not _bare_run() or hasattr(session.config, "workerinput") or exitstatus != 0:
        return
    ran, skipped = _bare_counts(session.config)
    if ran + skipped and ran < BARE_MIN_RAN * (ran + skipped):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how much of the suite a run without ../shared/data ran."""
    if not _bare_run():
        return
    ran, skipped = _bare_counts(terminalreporter.config)
    share = ran / (ran + skipped) if ran + skipped else 1.0
    verdict = "at least" if share >= BARE_MIN_RAN else "FAILED: fewer than"
    terminalreporter.write_line(
        f"without ../shared/data ({SHARED_ENV}=none): {ran} of {ran + skipped} tests ran "
        f"({share:.1%}), {skipped} skipped; {verdict} {BARE_MIN_RAN:.0%} must run"
    )


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
