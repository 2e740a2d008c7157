"""Reading an existing mkdocs.yml (the builders themselves run in `_builders`).

It reads configs; it writes no page and runs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import CardgenError
from ._shards import _AnyTagLoader


def read_config(path: Path) -> dict[str, Any]:
    """The mapping of an existing mkdocs.yml (tags such as `!!python/name` read as None)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CardgenError(f"{path}: cannot read the existing MkDocs config: {exc}") from None
    if not isinstance(data, dict):
        raise CardgenError(f"{path}: not a MkDocs config (expected a mapping)")
    return data
