"""Collectors: read facts from outside sources (the Hub, local runs, datasets) with provenance.

They write `.cardgen/<card>/*.json` or new spec files; they never rewrite an existing spec.
The Hub names below load on first use, so importing a sibling collector (run, profile,
probe) does not import huggingface_hub.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HUB_NAMES = {
    "BatchReport": "hub",
    "CollectResult": "hub",
    "HubSnapshot": "hub",
    "collect_hub": "hub",
    "collect_many": "hub",
    "fetch_repo": "hub",
    "hub_evaluations": "hub",
    "hub_facts": "hub",
    "list_author_repos": "hub",
    "import_card": "hub_import",
    "readme_to_spec": "hub_import",
    "reconstruct_body": "hub_import",
}

__all__ = sorted(_HUB_NAMES)


def __getattr__(name: str) -> Any:
    if name in _HUB_NAMES:
        return getattr(import_module(f".{_HUB_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
