"""Run a static-site builder on a written MkDocs project: MkDocs with Material, or Zensical.

Both read the same mkdocs.yml and docs; this module runs one in a subprocess and turns its
failure into a CardgenError. It never writes the project's config or docs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..errors import CardgenError

BUILDERS = ("mkdocs", "zensical")
"""Builders `cardgen site build --builder` accepts."""
DEFAULT_BUILDER = "mkdocs"
"""MkDocs with Material: the default until Zensical's output is the proven one."""
END_OF_LIFE_NOTICE = (
    "note: MkDocs-Material, which builds this site, is maintained only until "
    "5 May 2027. Zensical, its successor by the same team, builds the same site from the "
    "same mkdocs.yml: add --builder zensical (pip install 'cardgen[zensical]')."
)
"""Printed once by `cardgen site build|serve` with MkDocs; Material's own notice is muted."""
_INSTALL = {
    "mkdocs": "pip install 'mkdocs>=1.6,<2' 'mkdocs-material>=9.8,<10'",
    "zensical": "pip install 'cardgen[zensical]'",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check_builder(builder: str) -> None:
    """Fail early, with the install command, when `builder` is unknown or not installed.

    Raises:
        CardgenError: naming the builders there are, or the package to install.
    """
    if builder not in BUILDERS:
        raise CardgenError(f"unknown site builder {builder!r}; choose one of {', '.join(BUILDERS)}")
    import importlib.util

    if importlib.util.find_spec(builder) is None:
        raise CardgenError(f"{builder} is not installed: {_INSTALL[builder]}")


def built_with(site_dir: Path) -> str | None:
    """Which builder built the site in `site_dir`, read from its home page's generator
    tag (both builders write one); None when there is no built site."""
    try:
        head = (site_dir / "index.html").read_text(encoding="utf-8")[:4000]
    except OSError:
        return None
    match = re.search(r'<meta name="generator" content="(mkdocs|zensical)-', head)
    return match.group(1) if match else None


def builder_command(builder: str, config: Path, strict: bool = True) -> list[str]:
    """The command line that builds the project of `config` with `builder`, in this Python."""
    if builder == "zensical":
        return [sys.executable, "-m", "zensical", "build", "-f", str(config)] + (
            ["--strict"] if strict else []
        )
    return [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)] + (
        ["--strict"] if strict else []
    )


def builder_env() -> dict[str, str]:
    """The environment a builder runs in: Material's own end-of-life banner muted (cardgen
    says it once, in `END_OF_LIFE_NOTICE`), and no colour codes in messages."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}


def failure_detail(output: str, returncode: int) -> str:
    """The last lines a failed builder printed, colour codes removed; of a Python traceback
    (Zensical ends a strict build with one) only its last line, the reason."""
    lines = [_ANSI.sub("", line) for line in output.splitlines() if line.strip()]
    if "Traceback (most recent call last):" in lines:
        start = lines.index("Traceback (most recent call last):")
        lines = lines[:start] + lines[-1:]
    return "\n".join(lines[-20:]) or f"exit status {returncode}"


def discard_site_dir(site_dir: Path) -> threading.Thread | None:
    """Move an old built site aside and delete it in the background while mkdocs builds.

    Returns:
        The thread deleting it (join it before returning), or None when there was none.
    """
    if not site_dir.is_dir():
        return None
    trash = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
    shutil.rmtree(trash, ignore_errors=True)
    site_dir.rename(trash)
    cleaner = threading.Thread(target=shutil.rmtree, args=(trash, True), daemon=True)
    cleaner.start()
    return cleaner


def run_builder(
    config: Path, builder: str = DEFAULT_BUILDER, strict: bool = True, site_dir: Path | None = None
) -> float:
    """Build the project of `config` with `builder` (`mkdocs` or `zensical`) into its
    `site_dir`, in a subprocess.

    The previous build (`site_dir`, when given) is moved aside and deleted while the
    builder runs, instead of the builder deleting it file by file first.

    Returns:
        Seconds the build took.

    Raises:
        CardgenError: if the builder is not installed or the build fails (with its messages).
    """
    check_builder(builder)
    cleaner = discard_site_dir(site_dir) if site_dir is not None else None
    start = time.perf_counter()
    try:
        done = subprocess.run(
            builder_command(builder, config, strict),
            capture_output=True,
            text=True,
            check=False,
            env=builder_env(),
        )
    except OSError as exc:
        raise CardgenError(f"cannot run {builder}: {exc}") from None
    finally:
        if cleaner is not None:
            cleaner.join()
    if done.returncode != 0:
        raise CardgenError(
            f"{builder} build{' --strict' if strict else ''} failed for {config}:\n"
            + failure_detail(done.stderr + done.stdout, done.returncode)
        )
    return time.perf_counter() - start
