"""cardgen: typed Model Cards and Data Cards from Hub facts, local runs and human prose.

The public Python surface: every CLI command is one call here. Most names load on first use.

Example:
    >>> import cardgen
    >>> card = cardgen.load_card("cards/adult-income.yaml")      # doctest: +SKIP
    >>> print(cardgen.render(card, "hub"))                         # doctest: +SKIP
"""

from importlib import import_module
from importlib import metadata as _metadata
from typing import Any

try:
    __version__ = _metadata.version("cardgen")
except _metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

_PUBLIC = {
    "load_spec": "cardgen.spec",
    "load_card": "cardgen.merge",
    "validate_paths": "cardgen.validate",
    "completeness": "cardgen.completeness",
    "profile": "cardgen.collect.profile",
    "run": "cardgen.collect.run",
    "probe": "cardgen.collect.probe",
    "collect_hub": "cardgen.hub.collect",
    "import_card": "cardgen.hub.importer",
    "push_card": "cardgen.hub.push",
    "write_rendered": "cardgen.render",
    "build_site": "cardgen.site",
    "ModelCard": "cardgen.schema",
    "DataCard": "cardgen.schema",
    "DisaggregatedEvaluation": "cardgen.schema",
    "MetricValue": "cardgen.schema",
    "Provenance": "cardgen.schema",
}

# These four share their name with their module, so they are bound eagerly: once bound,
# a later `import cardgen.evaluate` elsewhere no longer replaces the function.
from .build import build  # noqa: E402
from .demo import demo  # noqa: E402
from .evaluate import evaluate  # noqa: E402
from .render import render  # noqa: E402

__all__ = ["__version__", "build", "demo", "evaluate", "render", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'cardgen' has no attribute {name!r}")
