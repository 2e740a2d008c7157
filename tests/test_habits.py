"""Habits of the project that a reviewer would otherwise check by hand."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRACKED = subprocess.run(
    ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
).stdout.split()


def _text_files() -> list[Path]:
    suffixes = {".py", ".md", ".toml", ".yml", ".yaml", ".j2", ".cfg", ""}
    return [
        ROOT / name
        for name in TRACKED
        if Path(name).suffix in suffixes
        and (ROOT / name).is_file()
        and not name.startswith(("tests/golden/", "tests/data/", "site/reference/", "schemas/"))
    ]


def test_no_test_imports_a_benchmark() -> None:
    reaches = re.compile(
        r"^\s*(from|import)\s+(benchmarks|bench_|_site_cards)|sys\.path.*bench", re.M
    )
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if reaches.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _cardgen_imports(path: Path) -> list[tuple[int, list[str], str | None]]:
    """`(line, module parts, name or None)` of each cardgen import in one package file."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            if module[:1] == ["cardgen"]:
                for alias in node.names:
                    submodule = ROOT.joinpath(*module, alias.name)
                    if submodule.with_suffix(".py").is_file() or submodule.is_dir():
                        found.append((node.lineno, [*module, alias.name], None))
                    else:
                        found.append((node.lineno, module, alias.name))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name.split("."), None)
                for alias in node.names
                if alias.name.split(".")[0] == "cardgen"
            ]
    return found


def test_no_module_imports_another_packages_private_names() -> None:
    """`_name` is private to the package that holds it (and the packages inside that one)."""

    def private(part: str) -> bool:
        return part.startswith("_") and not part.startswith("__")

    offenders = []
    for path in sorted((ROOT / "cardgen").rglob("*.py")):
        package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
        for line, module, name in _cardgen_imports(path):
            # the package owning each private part must enclose the importing file
            owners = [module[:k] for k, part in enumerate(module) if private(part)]
            if name is not None and private(name):
                is_package = ROOT.joinpath(*module, "__init__.py").is_file()
                owners.append(module if is_package else module[:-1])
            if any(package[: len(owner)] != owner for owner in owners):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {'.'.join(module)} {name}")
    assert offenders == []


def test_docs_and_comments_cite_no_issue_numbers() -> None:
    pattern = re.compile(r"\b[Ii]ssues? #?\d+\b|\(#\d+\)")
    hits = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _text_files()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_every_cited_markdown_file_is_in_the_repository() -> None:
    cited = re.compile(r"\b([A-Z][A-Z_]+\.md)\b")
    names = {Path(name).name for name in TRACKED}
    missing = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in _text_files()
        for name in cited.findall(p.read_text(encoding="utf-8"))
        if name not in names
    ]
    assert missing == []


def test_markers_are_registered_and_the_fast_lane_leaves_them_out(
    pytestconfig: pytest.Config,
) -> None:
    markers = {m.split(":")[0] for m in pytestconfig.getini("markers")}
    assert {"browser", "ml", "slow"} <= markers
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r'^test-fast:.*\n(\t.*\n)*\t.*-m "not browser and not ml and not slow"', makefile, re.M
    )


def _pytest_in(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest with this project's conftest and settings on the test files in `folder`."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "CARDGEN_SHARED_DATA")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            # plugins these small test files do not use: a quicker start
            "-p",
            "no:hypothesispytest",
            "-p",
            "no:xdist",
            "--rootdir",
            str(folder),
            "--confcutdir",
            str(ROOT / "tests"),
            "-c",
            str(ROOT / "pyproject.toml"),
            "-p",
            "conftest",
            str(folder),
        ],
        cwd=folder,
        env={
            **environ,
            **env,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")]
            ),
        },
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("ci", ["", "true"])
def test_a_skip_fails_in_ci(tmp_path: Path, ci: str) -> None:
    (tmp_path / "test_needs_data.py").write_text(
        "from shareddata import shared_data\n"
        "DATA = shared_data('no-such-data-set')\n\n"
        "def test_reads() -> None:\n    assert DATA.exists()\n"
    )
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\ndef test_skips() -> None:\n    pytest.skip('no GPU')\n"
    )
    done = _pytest_in(tmp_path, CI=ci)
    assert (done.returncode != 0) == bool(ci), done.stdout + done.stderr
    if ci:
        assert "skipped in CI, which counts as a failure" in done.stdout


@pytest.mark.parametrize(
    ("shared_skips", "other_skip", "passes", "ran"),
    [(1, False, True, "20 of 21"), (2, False, False, "19 of 21"), (1, True, False, None)],
)
def test_a_ci_run_without_shared_data_allows_its_skips_while_95_percent_run(
    tmp_path: Path, shared_skips: int, other_skip: bool, passes: bool, ran: str | None
) -> None:
    lines = ["import pytest", "from shareddata import needs_shared", ""]
    for index in range(21):
        if index < shared_skips:
            lines.append(f"@needs_shared('no-such-data-set-{index}')")
        lines += [f"def test_{index}() -> None:", "    assert True", ""]
    if other_skip:
        lines += ["def test_gpu() -> None:", "    pytest.skip('no GPU')", ""]
    (tmp_path / "test_many.py").write_text("\n".join(lines))
    done = _pytest_in(tmp_path, CI="true", CARDGEN_SHARED_DATA="none")
    assert (done.returncode == 0) == passes, done.stdout + done.stderr
    if ran:
        assert f"without ../shared/data (CARDGEN_SHARED_DATA=none): {ran} tests ran" in done.stdout
    if other_skip:
        assert "skipped in CI, which counts as a failure: Skipped: no GPU" in done.stdout
