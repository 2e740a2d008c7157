"""Load and render thousands of cards quickly: libyaml parsing and one reused Jinja environment.

Speed only: every result is byte-identical to `load_card` and `render(card, "page")` (tests
check it), and any spec with a problem is reloaded by `load_spec` for its exact message.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import jinja2
import yaml

from .. import spec as _spec
from ..errors import CardgenError, SpecError
from ..facts import facts_dir, read_facts
from ..merge import merge_facts
from ..render import _env
from ..schema import DataCard, ModelCard

# `cardgen.render` the attribute is the render() function; the module is what is used here.
_render = importlib.import_module("cardgen.render")

_CLoader = getattr(yaml, "CSafeLoader", None)


if _CLoader is not None:
    class _FastSpecLoader(_CLoader):  # type: ignore[misc, valid-type]
        """libyaml's parser with the spec loader's resolvers (YAML 1.2 booleans, no dates)."""

    _FastSpecLoader.yaml_implicit_resolvers = _spec._SpecLoader.yaml_implicit_resolvers


def load_spec_fast(path: Path) -> ModelCard | DataCard:
    """`cardgen.spec.load_spec`, parsed by libyaml when it is available (about 9x faster).

    Raises:
        SpecError: exactly as `load_spec` reports it.
    """
    if _CLoader is None:
        return _spec.load_spec(path)
    try:
        text = _spec._read_text(path)
        loader = _FastSpecLoader(text)
        doc = _spec._Document(None, {}, {})
        try:
            node = loader.get_single_node()
            if node is not None:
                doc.data = _spec._build(node, loader, (), doc, [0])
        finally:
            loader.dispose()
        return _spec.validate_spec_data(doc.data, str(path), doc)
    except (SpecError, yaml.YAMLError, _spec._TooBig, RecursionError, ValueError):
        # The reference loader words every problem (line, column, field) its own way.
        return _spec.load_spec(path)


def load_card_fast(path: Path, root: Path) -> ModelCard | DataCard:
    """`cardgen.merge.load_card` with the faster parser.

    Raises:
        SpecError: the spec does not validate.
        CardgenError: a stored fact does not validate.
    """
    card = load_spec_fast(path)
    return merge_facts(card, read_facts(card.name, root), facts_dir(card.name, root))


class PageRenderer:
    """`render(card, "page")` with one Jinja environment compiled once and reused.

    `render` builds a fresh environment per call, which recompiles every template
    (about 0.2 s a card); a site of thousands of cards cannot afford that.
    """

    def __init__(self, precision: int = _render.DEFAULT_PRECISION) -> None:
        self._kept: list[str] = []
        self._env = _env.builtin_environment("page", self._kept, precision)
        self._env.filters["group_flags"] = _render._group_flags

    def __call__(self, card: ModelCard | DataCard) -> str:
        """The card's site page Markdown, prose sanitized and values escaped.

        Raises:
            CardgenError: on a template error.
        """
        self._kept.clear()
        evaluations = ([_render.evaluation_view(e) for e in card.quantitative_analyses.evaluations]
                       if isinstance(card, ModelCard) else [])
        try:
            text = self._env.get_template(f"{card.kind}/page.md.j2").render(
                card=card, evaluations=evaluations)
        except (jinja2.TemplateError, TypeError) as exc:
            raise CardgenError(f"{card.name}: page template error: {exc}") from None
        return _env.finish(text, self._kept)
