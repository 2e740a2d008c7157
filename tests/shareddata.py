"""Where the real data the tests read lives: ../shared/data beside the repository.

A missing folder skips the tests that need it on a developer's machine; in CI (CI set) a
skip counts as a failure (see conftest.py), so a CI run never passes by not testing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """`../shared/data/<parts>`, or a module-level skip naming what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} is missing: the real data sets live in ../shared/data", allow_module_level=True
        )
    return path
