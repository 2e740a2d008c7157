"""Everything cardgen says to the Hugging Face Hub: reading repositories, importing, pushing.

One HTTP layer (`_http`: retries, token redaction, errors) serves every call; many
repositories are read in bulk (`bulk`: listing pages) within the rate limits (`ratelimit`).
Names load on first use so that importing this package does not import huggingface_hub.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_NAMES = {
    "HubReader": "bulk",
    "RepoMetadata": "bulk",
    "iter_repo_metadata": "bulk",
    "Pacer": "ratelimit",
    "Quota": "ratelimit",
    "parse_budget": "ratelimit",
    "BatchReport": "collect",
    "CollectResult": "collect",
    "HubSnapshot": "collect",
    "collect_hub": "collect",
    "collect_many": "collect",
    "fetch_repo": "collect",
    "hub_evaluations": "collect",
    "hub_facts": "collect",
    "list_author_repos": "collect",
    "resolve_endpoint": "collect",
    "import_card": "importer",
    "readme_to_spec": "importer",
    "reconstruct_body": "importer",
    "evaluation_results": "model_index",
    "front_matter": "model_index",
    "read_model_index": "model_index",
    "PushResult": "push",
    "check_publishable": "push",
    "push_card": "push",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
