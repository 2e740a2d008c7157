"""The wheel ships the templates, and an installed cardgen finds them without a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# mkdocs builds, the demo, wheels or servers: left out of `make test-fast`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("cardgen-*.whl")
    return path


def test_wheel_contains_package_templates_and_entry_point(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*") if p.is_file()
    )
    assert templates, "templates/ is empty"
    for template in templates:
        assert f"cardgen/{template}" in names
    assert "cardgen/cli/__init__.py" in names
    regimes = sorted(p.name for p in (ROOT / "cardgen" / "regimes").glob("*.yaml"))
    assert len(regimes) == 5
    assert all(f"cardgen/regimes/{name}" in names for name in regimes)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "cardgen = cardgen.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_finds_templates_outside_a_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = (
        "import cardgen, cardgen._resources as r; print(cardgen.__file__); print(r.templates_dir())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    package_file, templates = done.stdout.splitlines()
    assert package_file == str(site / "cardgen" / "__init__.py")
    assert templates == str(site / "cardgen" / "templates")
    init = subprocess.run(
        [sys.executable, "-m", "cardgen", "init", "data", "d"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "cards" / "d.yaml").read_text().startswith("# Data card spec for `d`")
