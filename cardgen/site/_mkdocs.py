"""Running MkDocs on a written project, and reading an existing mkdocs.yml.

It runs `mkdocs build` in a subprocess and reads configs; it writes no page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from ..errors import CardgenError
from ._shards import _AnyTagLoader, discard_site_dir


def read_config(path: Path) -> dict[str, Any]:
    """The mapping of an existing mkdocs.yml (tags such as `!!python/name` read as None)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CardgenError(f"{path}: cannot read the existing MkDocs config: {exc}") from None
    if not isinstance(data, dict):
        raise CardgenError(f"{path}: not a MkDocs config (expected a mapping)")
    return data


def run_mkdocs(config: Path, strict: bool = True) -> float:
    """Run `mkdocs build` on a project with this Python, in a subprocess.

    The previous build is moved aside and deleted while mkdocs runs, instead of
    mkdocs deleting it file by file first.

    Returns:
        Seconds the build took.

    Raises:
        CardgenError: if mkdocs fails (with its messages) or is not installed.
    """
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)]
    if strict:
        command.insert(4, "--strict")
    site_dir = config.parent / str(read_config(config).get("site_dir") or "site")
    cleaner = discard_site_dir(site_dir)
    start = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    except OSError as exc:
        raise CardgenError(f"cannot run mkdocs: {exc}") from None
    finally:
        if cleaner is not None:
            cleaner.join()
    if done.returncode != 0:
        messages = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        if any("No module named mkdocs" in m for m in messages):
            raise CardgenError(
                "mkdocs is not installed: pip install 'mkdocs>=1.6,<2' 'mkdocs-material>=9.8,<10'"
            )
        detail = "\n".join(messages[-20:]) or f"exit status {done.returncode}"
        raise CardgenError(
            f"mkdocs build{' --strict' if strict else ''} failed for {config}:\n{detail}"
        )
    return time.perf_counter() - start
