"""The package's shape: no import cycles, no import up a layer, and the module map in
docs/DESIGN.md names modules that exist.

The layer order lives in one place, the `text` block after "Layers, top to bottom" in
docs/DESIGN.md; these tests read it from there. The import graph is grimp's (the library
behind import-linter): every import statement counts, lazy and type-checking ones included.
"""

from __future__ import annotations

import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "DESIGN.md"


def _layers() -> list[list[str]]:
    """The layers, top first, each a list of module names relative to `cardgen`."""
    text = DESIGN.read_text(encoding="utf-8")
    start = text.index("Layers, top to bottom")
    block = re.search(r"```text\n(.*?)```", text[start:], re.S)
    assert block is not None, "docs/DESIGN.md: no ```text block after 'Layers, top to bottom'"
    return [line.split() for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    built = grimp.build_graph("cardgen", cache_dir=None)
    # The graph must be of this checkout's package, not of another installed copy.
    assert "cardgen.cli.options" in built.modules
    return built


def _imports(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def _line(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    where = ", ".join(f"line {d['line_number']}" for d in details)
    return f"{importer} -> {imported} ({where})"


def _layer_of(module: str, layers: list[list[str]]) -> int | None:
    """Index of the layer whose longest entry contains `module`; -1 for the package itself
    (its lazy public names stand above everything)."""
    if module == "cardgen":
        return -1
    name = module.removeprefix("cardgen.")
    best: tuple[int, int] | None = None
    for index, layer in enumerate(layers):
        for entry in layer:
            if name == entry or name.startswith(entry + "."):
                depth = entry.count(".")
                if best is None or depth > best[0]:
                    best = (depth, index)
    return None if best is None else best[1]


def test_the_layer_block_reads_as_expected() -> None:
    layers = _layers()
    names = [name for layer in layers for name in layer]
    assert len(names) == len(set(names)), "a module is named in two layers"
    # The ends of the order as docs/DESIGN.md states it in words.
    assert layers[1] == ["cli"]
    assert "errors" in layers[-1]
    assert layers.index(["evaluate"]) < layers.index(["engines"]) < layers.index(["metrics"])


def test_no_two_modules_import_each_other_even_round_a_circle(graph: grimp.ImportGraph) -> None:
    sorter = TopologicalSorter(_imports(graph))
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = exc.args[1]
        steps = [_line(graph, a, b) for a, b in zip(cycle[1:], cycle, strict=False)]
        pytest.fail("import cycle:\n  " + "\n  ".join(steps))


def test_every_module_has_a_layer(graph: grimp.ImportGraph) -> None:
    layers = _layers()
    unplaced = sorted(m for m in graph.modules if _layer_of(m, layers) is None)
    assert unplaced == [], "add these to the layer block of docs/DESIGN.md"


def test_no_module_imports_from_a_higher_layer(graph: grimp.ImportGraph) -> None:
    layers = _layers()
    upward = []
    for importer, imported in sorted(
        (a, b) for a, targets in _imports(graph).items() for b in targets
    ):
        if importer == "cardgen":
            continue  # the package's lazy public names point down at every layer
        low, high = _layer_of(importer, layers), _layer_of(imported, layers)
        assert low is not None and high is not None
        if high < low:
            upward.append(_line(graph, importer, imported))
    assert upward == []


def test_the_layer_check_sees_an_upward_import() -> None:
    layers = _layers()
    # metrics sits below evaluate: an import from metrics into evaluate would go up.
    assert _layer_of("cardgen.evaluate.summary", layers) < _layer_of(  # type: ignore[operator]
        "cardgen.metrics._values", layers
    )
    assert _layer_of("cardgen.hub.push", layers) < _layer_of("cardgen.render", layers)  # type: ignore[operator]
    assert _layer_of("cardgen.hub.model_index", layers) > _layer_of("cardgen.render", layers)  # type: ignore[operator]
    assert _layer_of("cardgen.nowhere", layers) is None


def test_where_things_live_names_modules_that_exist() -> None:
    text = DESIGN.read_text(encoding="utf-8")
    table = text[text.index("## Where things live") :]
    table = table[: table.index("\n\n", table.index("|"))]
    named = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    assert len(named) >= 20
    missing = [p for p in named if not (ROOT / p).exists()]
    assert missing == []
    assert all(p.startswith("cardgen/") and p.endswith((".py", "/")) for p in named)
