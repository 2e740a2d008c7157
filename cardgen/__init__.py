"""cardgen: typed Model, Data and Governance Cards from Hub facts, local runs and human prose.

The public Python surface: every CLI command is one call here. Names load on first use, so
`import cardgen` imports neither pandas, numpy, pyarrow nor huggingface_hub.

Example:
    >>> import cardgen
    >>> card = cardgen.load_card("cards/adult-income.yaml")      # doctest: +SKIP
    >>> print(cardgen.render(card, "hub"))                         # doctest: +SKIP
"""

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._version import __version__

_PUBLIC = {
    "build": "cardgen.build",
    "demo": "cardgen.demo",
    "evaluate": "cardgen.evaluate",
    "render": "cardgen.render",
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
    "GovernanceCard": "cardgen.schema",
    "DisaggregatedEvaluation": "cardgen.schema",
    "MetricValue": "cardgen.schema",
    "Provenance": "cardgen.schema",
}

# Written out (not computed) so that linters and type checkers see the public names.
__all__ = [
    "DataCard",
    "DisaggregatedEvaluation",
    "GovernanceCard",
    "MetricValue",
    "ModelCard",
    "Provenance",
    "__version__",
    "build",
    "build_site",
    "collect_hub",
    "completeness",
    "demo",
    "evaluate",
    "import_card",
    "load_card",
    "load_spec",
    "probe",
    "profile",
    "push_card",
    "render",
    "run",
    "validate_paths",
    "write_rendered",
]

if TYPE_CHECKING:  # what type checkers and editors see; at run time `__getattr__` loads these
    from .build import build
    from .collect.probe import probe
    from .collect.profile import profile
    from .collect.run import run
    from .completeness import completeness
    from .demo import demo
    from .evaluate import evaluate
    from .hub.collect import collect_hub
    from .hub.importer import import_card
    from .hub.push import push_card
    from .merge import load_card
    from .render import render, write_rendered
    from .schema import (
        DataCard,
        DisaggregatedEvaluation,
        GovernanceCard,
        MetricValue,
        ModelCard,
        Provenance,
    )
    from .site import build_site
    from .spec import load_spec
    from .validate import validate_paths


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cardgen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


class _PublicNames(ModuleType):
    """Keeps `cardgen.build` (and the other names shared with a submodule) the function.

    Importing a submodule binds it on its parent package, which would shadow the function
    of the same name; such bindings of public names are dropped (the module stays in
    `sys.modules`, where `import cardgen.build` finds it).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PUBLIC and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _PublicNames
