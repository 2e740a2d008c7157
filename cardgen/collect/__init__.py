"""Collectors: read facts from local runs, probes and datasets, with provenance.

They write `.cardgen/<card>/*.json`; they never rewrite an existing spec. The Hub collector
lives in `cardgen.hub.collect`; its names are also reachable here, loaded on first use, so
that importing a sibling collector (run, profile, probe) does not import huggingface_hub.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HUB_NAMES = {
    "BatchReport": "cardgen.hub.collect",
    "CollectResult": "cardgen.hub.collect",
    "HubSnapshot": "cardgen.hub.collect",
    "collect_hub": "cardgen.hub.collect",
    "collect_many": "cardgen.hub.collect",
    "fetch_repo": "cardgen.hub.collect",
    "hub_evaluations": "cardgen.hub.collect",
    "hub_facts": "cardgen.hub.collect",
    "list_author_repos": "cardgen.hub.collect",
}

__all__ = sorted(_HUB_NAMES)


def __getattr__(name: str) -> Any:
    if name in _HUB_NAMES:
        return getattr(import_module(_HUB_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
