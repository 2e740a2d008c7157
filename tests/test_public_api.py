"""The public API: every `cardgen.__all__` name is the object it promises, loaded lazily."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys

import cardgen

HEAVY = ("pandas", "pyarrow", "numpy", "huggingface_hub")

# Where each public name is defined: the independent record the lazy loader must agree with.
EXPECTED = {
    "build": ("cardgen.build", "build"),
    "demo": ("cardgen.demo", "demo"),
    "evaluate": ("cardgen.evaluate", "evaluate"),
    "render": ("cardgen.render", "render"),
    "completeness": ("cardgen.completeness", "completeness"),
    "load_spec": ("cardgen.spec", "load_spec"),
    "load_card": ("cardgen.merge", "load_card"),
    "validate_paths": ("cardgen.validate", "validate_paths"),
    "profile": ("cardgen.collect.profile", "profile"),
    "run": ("cardgen.collect.run", "run"),
    "probe": ("cardgen.collect.probe", "probe"),
    "collect_hub": ("cardgen.hub.collect", "collect_hub"),
    "import_card": ("cardgen.hub.importer", "import_card"),
    "push_card": ("cardgen.hub.push", "push_card"),
    "write_rendered": ("cardgen.render", "write_rendered"),
    "build_site": ("cardgen.site", "build_site"),
    "ModelCard": ("cardgen.schema.model_card", "ModelCard"),
    "DataCard": ("cardgen.schema.data_card", "DataCard"),
    "GovernanceCard": ("cardgen.schema.governance_card", "GovernanceCard"),
    "DisaggregatedEvaluation": ("cardgen.schema.evaluation", "DisaggregatedEvaluation"),
    "MetricValue": ("cardgen.schema.evaluation", "MetricValue"),
    "Provenance": ("cardgen.schema.provenance", "Provenance"),
}


def test_every_public_name_is_the_function_or_class() -> None:
    assert set(cardgen.__all__) == {"__version__", *EXPECTED}
    for name, (module, attribute) in EXPECTED.items():
        # Importing the submodule first is what used to shadow `cardgen.completeness`.
        defined = getattr(importlib.import_module(module), attribute)
        value = getattr(cardgen, name)
        assert value is defined, name
        assert inspect.isfunction(value) or inspect.isclass(value), (name, value)
        assert value.__module__ == module, name


def test_submodules_stay_importable_beside_the_functions() -> None:
    import cardgen.completeness

    assert inspect.isfunction(cardgen.completeness)
    assert inspect.ismodule(sys.modules["cardgen.completeness"])
    from cardgen.completeness import Completeness

    assert inspect.isclass(Completeness)


def test_version_has_its_own_module() -> None:
    from importlib import metadata

    from cardgen._version import __version__

    assert cardgen.__version__ == __version__ == metadata.version("cardgen")


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_import_cardgen_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import cardgen")
    assert [m for m in HEAVY if m in loaded] == []
    assert "cardgen.build" not in loaded


def test_cli_help_and_version_load_no_heavy_library() -> None:
    # `-X importtime` lists every module the real command imports, one per stderr line.
    for args in (["--help"], ["--version"], ["build", "--help"], ["evaluate", "--help"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "cardgen", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        loaded = {
            line.rsplit("|", 1)[-1].strip()
            for line in done.stderr.splitlines()
            if line.startswith("import time:")
        }
        assert "cardgen.cli" in loaded
        assert [m for m in HEAVY if m in loaded] == [], args
