"""Written files get the mode an ordinary write would give them, not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cardgen._io import atomic_write_text, current_umask
from cardgen.render import write_rendered
from cardgen.schema import ModelCard


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_new_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        assert current_umask() == umask
        atomic_write_text(tmp_path / "new.txt", "x")
        with open(tmp_path / "plain.txt", "w") as fh:  # what open() itself does
            fh.write("x")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "new.txt") == _mode(tmp_path / "plain.txt") == 0o666 & ~umask


def test_rewriting_a_readme_keeps_its_mode(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    write_rendered(ModelCard(name="x", summary="First."), "hub", readme)
    readme.chmod(0o640)
    result = write_rendered(ModelCard(name="x", summary="A model."), "hub", readme)
    assert result.changed
    assert _mode(readme) == 0o640
    assert "A model." in readme.read_text()
