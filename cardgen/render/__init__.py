"""Render cards into Hub READMEs, site pages, card JSON and Croissant JSON-LD.

Turns a merged, validated card into text; it collects nothing and never edits specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from .._io import atomic_write_text, dumps_json
from ..errors import CardgenError
from ..schema import (
    DataCard,
    DisaggregatedEvaluation,
    Disparity,
    GroupResult,
    MetricValue,
    ModelCard,
)
from . import _env
from ._glance import Glance, capped_groups, glance, sidecar_path
from .model_index import front_matter
from .regions import merge_readme, split_front_matter

Format = Literal["hub", "page", "json", "croissant"]
FORMATS: tuple[str, ...] = ("hub", "page", "json", "croissant")
DEFAULT_PRECISION = 3
TABLE_COLUMNS = 5
"""Metric columns per group table."""


@dataclass(frozen=True)
class EvaluationView:
    """An evaluation arranged for the templates: metric columns and group tables."""

    evaluation: DisaggregatedEvaluation
    metrics: list[str]
    intersectional: list[GroupResult]
    marginal: list[tuple[str, list[GroupResult]]] = field(default_factory=list)
    glance: Glance | None = None
    hidden: dict[str, int] = field(default_factory=dict)
    """Rows left out of each capped detail table (keyed `intersectional` or a feature)."""

    @property
    def sidecar(self) -> str:
        """The relative path of the full evaluation JSON beside the README."""
        return sidecar_path(self.evaluation)

    @property
    def gaps(self) -> list[tuple[Disparity, Disparity | None]]:
        """Between-group difference and ratio of each headline metric, per grouping;
        the other metrics' gaps and per-reference gaps live in the sidecar."""
        headline = self.glance.headline if self.glance else []
        found: dict[tuple[str, tuple[str, ...]], dict[str, Disparity]] = {}
        for d in self.evaluation.disparities:
            if d.comparison == "between_groups" and d.metric in headline:
                found.setdefault((d.metric, tuple(d.features)), {})[d.measure] = d
        rows = []
        # Sorted by headline order; groupings keep the evaluation's order (stable sort).
        for _, pair in sorted(found.items(), key=lambda kv: headline.index(kv[0][0])):
            if "difference" in pair:
                rows.append((pair["difference"], pair.get("ratio")))
        return rows

    @property
    def other_metrics(self) -> list[str]:
        """Metrics that are not headline metrics, for the folded details."""
        headline = self.glance.headline if self.glance else []
        return [m for m in self.metrics if m not in headline]

    @property
    def other_chunks(self) -> list[list[str]]:
        """`other_metrics` in tables of at most `TABLE_COLUMNS` columns."""
        other = self.other_metrics
        return [other[i:i + TABLE_COLUMNS] for i in range(0, len(other), TABLE_COLUMNS)]

    @property
    def all_groups(self) -> list[GroupResult]:
        """Intersectional groups, then each feature's (capped like their tables)."""
        return [*self.intersectional, *(g for _, groups in self.marginal for g in groups)]

    @property
    def overall(self) -> list[tuple[str, MetricValue]]:
        """Overall metrics by name; `count` is left out (every table has an n column)."""
        return [(k, v) for k, v in sorted(self.evaluation.overall.items()) if k != "count"]

    @property
    def metric_chunks(self) -> list[list[str]]:
        """Metric columns in tables of at most `TABLE_COLUMNS`, so tables stay readable."""
        return [self.metrics[i:i + TABLE_COLUMNS]
                for i in range(0, len(self.metrics), TABLE_COLUMNS)] or [[]]

    @property
    def overall_ci(self) -> MetricValue | None:
        """A representative overall metric, for the table's CI heading."""
        return next(iter(self.evaluation.overall.values()), None)


def evaluation_view(evaluation: DisaggregatedEvaluation,
                    card_wide: list[str] | None = None) -> EvaluationView:
    """Split an evaluation's groups into intersectional and per-feature tables, with its
    at-a-glance summary; tables of very many groups keep the furthest groups only."""
    features = evaluation.sensitive_features
    metrics = sorted((set(evaluation.overall)
                      | {name for g in evaluation.groups for name in g.metrics}) - {"count"})
    intersectional = ([g for g in evaluation.groups if len(g.features) == len(features)]
                      if len(features) > 1 else [])
    marginal = [(feature, [g for g in evaluation.groups
                           if len(g.features) == 1 and feature in g.features])
                for feature in features]
    # Groups of a source that names no sensitive features (e.g. Hub results) still show.
    if not features and evaluation.groups:
        marginal = [("group", list(evaluation.groups))]
    summary = glance(evaluation, card_wide)
    hidden: dict[str, int] = {}
    intersectional, hidden["intersectional"] = capped_groups(intersectional, evaluation,
                                                              summary.headline)
    capped = []
    for feature, groups in marginal:
        kept, hidden[feature] = capped_groups(groups, evaluation, summary.headline)
        capped.append((feature, kept))
    return EvaluationView(evaluation, metrics, intersectional, capped, summary, hidden)


def _group_flags(group: GroupResult, evaluation: DisaggregatedEvaluation,
                 metrics: list[str] | None = None) -> str:
    flags = []
    if group.small and group.n is not None:
        flags.append(f"⚠️ small group (n={group.n:,}, below {evaluation.min_group_size})")
    for name, value in sorted(group.metrics.items()):
        if metrics is not None and name not in metrics:
            continue
        if value.value is None:
            flags.append(f"⚠️ {name} undefined")
    return "; ".join(flags)


def _template_name(card: ModelCard | DataCard, target: str) -> str:
    return f"{card.kind}/{target}.md.j2"


def _render_markdown(card: ModelCard | DataCard, target: _env.Target, precision: int,
                     template: Path | None) -> str:
    if template is not None:
        env, name = _env.user_environment(template, target, precision)
    else:
        env = _env.builtin_environment(target, precision)
        name = _template_name(card, target)
    env.filters["group_flags"] = _group_flags
    evaluations = ([evaluation_view(e, card.headline_metrics)
                    for e in card.quantitative_analyses.evaluations]
                   if isinstance(card, ModelCard) else [])
    try:
        return _env.render_template(env, name, card=card, evaluations=evaluations)
    except jinja2.TemplateSyntaxError as exc:
        raise CardgenError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: "
                           f"{exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise CardgenError(f"template not found: {exc.name}") from None
    except (jinja2.UndefinedError, jinja2.sandbox.SecurityError, TypeError) as exc:
        raise CardgenError(f"{_template_location(exc)}: template error: {exc}") from None


def _template_location(exc: BaseException) -> str:
    """`file:line` of the innermost template frame of a render error."""
    location = "template"
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith(".jinja") or "templates" in filename:
            template_line = tb.tb_frame.f_globals.get("__jinja_template__")
            line = (template_line.get_corresponding_lineno(tb.tb_lineno)
                    if template_line is not None else tb.tb_lineno)
            location = f"{filename}:{line}"
        tb = tb.tb_next
    return location


def render_hub_body(card: ModelCard | DataCard, precision: int = DEFAULT_PRECISION,
                    template: Path | None = None) -> str:
    """The Hub README body (Markdown with cardgen region markers, no front matter)."""
    return _render_markdown(card, "hub", precision, template)


def render(card: ModelCard | DataCard, fmt: Format, precision: int = DEFAULT_PRECISION,
           template: Path | None = None) -> str:
    """Render a card.

    Args:
        card: a validated card with its facts merged in.
        fmt: `hub` (README.md with front matter and `model-index`), `page` (site
            Markdown, with untrusted prose sanitized), `json` (the card as JSON) or
            `croissant` (Croissant JSON-LD with RAI fields; data cards only).
        precision: decimals shown for metric values.
        template: a user's Jinja2 template for `hub` or `page`, run in a sandbox.

    Returns:
        The rendered text; the same card always gives the same bytes.

    Raises:
        CardgenError: on template errors (naming the file and line) or an unsupported format.
    """
    if not 0 <= precision <= 12:
        raise CardgenError(f"precision must be between 0 and 12, got {precision}")
    if fmt == "json":
        return dumps_json(card.model_dump(mode="json"))
    if fmt == "croissant":
        if not isinstance(card, DataCard):
            raise CardgenError(f"{card.name}: Croissant describes datasets; "
                               "render a data card (kind: data) with --format croissant")
        from .croissant import to_croissant  # optional part, imported on use

        return dumps_json(to_croissant(card))
    if fmt == "page":
        return _render_markdown(card, "page", precision, template)
    if fmt == "hub":
        body = render_hub_body(card, precision, template)
        return _front_matter_text(front_matter(card)) + body
    raise CardgenError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def sidecars(card: ModelCard | DataCard) -> dict[str, str]:
    """The files a Hub README links beside itself: each evaluation's full results as
    JSON (valid against the evaluation schema), keyed by path relative to the README."""
    if not isinstance(card, ModelCard):
        return {}
    return {sidecar_path(e): dumps_json(e.model_dump(mode="json"))
            for e in card.quantitative_analyses.evaluations}


def _front_matter_text(data: dict[str, Any]) -> str:
    if not data:
        return ""
    from huggingface_hub.utils import yaml_dump

    return f"---\n{yaml_dump(data, sort_keys=False).strip()}\n---\n\n"


@dataclass(frozen=True)
class WriteResult:
    """What writing a rendered card did."""

    path: Path
    changed: bool
    unplaced_regions: tuple[str, ...] = ()
    sidecars: tuple[Path, ...] = ()
    """Evaluation sidecars (re)written beside a Hub README."""


def write_rendered(card: ModelCard | DataCard, fmt: Format, out: Path, *,
                   precision: int = DEFAULT_PRECISION, template: Path | None = None,
                   force: bool = False) -> WriteResult:
    """Render and write a card, regenerating an existing Hub README in place.

    An existing README is only changed between its cardgen markers (and in the front
    matter keys cardgen manages); without markers it is left alone unless `force`. A Hub
    README gets its evaluation sidecars (`evaluation/NAME.json`) beside it.
    Unchanged output is not rewritten, so the file's bytes and time stay the same.

    Raises:
        CardgenError: if `out` is a folder, or a README without markers and not `force`.
    """
    if out.is_dir():
        raise CardgenError(f"{out}: is a directory; give the output file's path")
    text = render(card, fmt, precision, template)
    missing: list[str] = []
    old: str | None = None
    if out.exists():
        try:
            old = out.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            if not force:
                raise CardgenError(f"{out}: exists and is not UTF-8 text; pass --force to "
                                   "overwrite it") from None
        if old is not None and fmt == "hub" and not force:
            _, body = split_front_matter(text)
            text, missing = merge_readme(old, body, front_matter(card), str(out))
        elif old is not None and fmt == "page" and not force and "<!-- cardgen:" in old:
            text, missing = merge_readme(old, text, {}, str(out))
    extra: list[Path] = []
    if fmt == "hub":
        for relative, content in sidecars(card).items():
            path = out.parent / relative
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                atomic_write_text(path, content)
                extra.append(path)
    if old == text:
        return WriteResult(out, bool(extra), tuple(missing), tuple(extra))
    atomic_write_text(out, text)
    return WriteResult(out, True, tuple(missing), tuple(extra))


__all__ = [
    "FORMATS",
    "EvaluationView",
    "WriteResult",
    "evaluation_view",
    "render",
    "render_hub_body",
    "sidecars",
    "write_rendered",
]
