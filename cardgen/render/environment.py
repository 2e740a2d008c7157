"""Jinja environments for cardgen's own templates and for users' templates.

Configuration only: strict undefined, autoescaping, the sandbox and the filters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from .._resources import templates_dir
from .._words import count
from ..errors import CardgenError
from . import filters as _filters

Target = Literal["hub", "page"]


PROSE_TOKEN = "\x00prose:{}\x00"
_KEPT: ContextVar[list[str]] = ContextVar("cardgen_kept_prose")
"""Prose held back during one render (see `render_template`)."""


def _prose_filter(target: Target) -> Callable[[Any], Markup]:
    def prose(value: Any) -> Markup:
        """Human-written Markdown: verbatim on the Hub (which sanitizes), cleaned on pages.

        The text is held back and put in after layout is tidied, so whitespace clean-up
        of the template never touches a byte a person wrote.
        """
        if value is None:
            return Markup("")
        text = str(value)
        kept = _KEPT.get()
        kept.append(text if target == "hub" else _filters.sanitize_markdown(text))
        return Markup(PROSE_TOKEN.format(len(kept) - 1))

    return prose


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render a template, then tidy blank lines and restore the held-back prose."""
    token = _KEPT.set([])
    try:
        rendered = env.get_template(name).render(**context)
        return finish(rendered, _KEPT.get())
    finally:
        _KEPT.reset(token)


def finish(rendered: str, kept: list[str]) -> str:
    """Collapse runs of blank lines left by optional sections, then restore the prose."""
    tidy = re.sub(r"\n{3,}", "\n\n", rendered.replace("\x00prose:", "\x01prose:"))
    tidy = tidy.lstrip("\n")
    return re.sub("\x01prose:(\\d+)\x00", lambda m: kept[int(m.group(1))], tidy)


def _configure(env: jinja2.Environment, target: Target, precision: int) -> jinja2.Environment:
    env.filters.update(
        prose=_prose_filter(target),
        cell=_filters.cell,
        inline=_filters.inline,
        code=_filters.code,
        count=count,
        number=partial(_filters.number, precision=precision),
        compact=partial(_filters.compact, precision=precision),
        metric=partial(_filters.metric, precision=precision),
        ci_label=_filters.ci_label,
        group_label=_filters.group_label,
        slug=_filters.slug,
        short_metric=_filters.short_metric,
        claim_label=_filters.claim_label,
        claimed_value=partial(_filters.claimed_value, precision=precision),
        measured_value=partial(_filters.measured_value, precision=precision),
        verdict=_filters.verdict,
        claims_summary=_filters.claims_summary,
    )
    # `{% if value is written %}`: the one "filled" rule (`cardgen.filled`) for values that
    # have no section name of their own; a placeholder counts as written, as in CardView.
    env.tests["written"] = _written
    env.globals.update(target=target, precision=precision)
    return env


def _written(value: Any) -> bool:
    from ..filled import fill_state

    return fill_state(value) != "empty"


def _options() -> dict[str, Any]:
    # Every template emits Markdown that ends up as HTML (on the Hub or on the site), so
    # values are HTML-escaped unless a filter marks them safe after cleaning them.
    return {
        "undefined": jinja2.StrictUndefined,
        "autoescape": True,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }


@lru_cache(maxsize=32)
def builtin_environment(target: Target, precision: int = 3) -> jinja2.Environment:
    """The environment for cardgen's shipped templates, compiled once per target and
    precision (a site of thousands of cards renders them all with it)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), **_options())
    return _configure(env, target, precision)


def user_environment(
    template: Path, target: Target, precision: int = 3
) -> tuple[jinja2.Environment, str]:
    """A sandboxed environment for a user's template file, which may include ours.

    Returns:
        The environment and the name to load the user's template by.

    Raises:
        CardgenError: if the template file does not exist.
    """
    if not template.is_file():
        raise CardgenError(f"{template}: template not found (expected a Jinja2 file)")
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(template.resolve().parent),
            jinja2.FileSystemLoader(templates_dir()),
        ]
    )
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(loader=loader, **_options())
    return _configure(env, target, precision), template.name
