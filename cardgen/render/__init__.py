"""Render cards into Hub READMEs, site pages, card JSON and Croissant JSON-LD.

Turns a merged, validated card into text; it collects nothing and never edits specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from .. import frontmatter
from .._io import atomic_write_text, compact_json, dumps_json
from ..errors import CardgenError
from ..schema import (
    Card,
    DataCard,
    DisaggregatedEvaluation,
    GovernanceCard,
    GroupResult,
    MetricValue,
    ModelCard,
)
from ..sections import GOVERNANCE_TAG, LAYOUT_KEY
from . import environment as _env
from ._glance import Glance, capped_groups, glance, sidecar_path
from .card_view import CardView, card_view
from .layout import imported_body, is_imported
from .regions import Edits, find_regions, merge_readme, split_front_matter, stamp_regions

Format = Literal["hub", "page", "json", "croissant", "cyclonedx", "spdx"]
FORMATS: tuple[str, ...] = ("hub", "page", "json", "croissant", "cyclonedx", "spdx")
BOM_FILES: dict[str, str] = {"cyclonedx": "bom.cdx.json", "spdx": "bom.spdx.json"}
"""The bills of materials `build --bom` writes beside each card, by format."""
DEFAULT_PRECISION = 3
TABLE_COLUMNS = 5
"""Metric columns per group table."""


RESTATED = {
    "recall": ("true_positive_rate", "= true_positive_rate"),
    "true_negative_rate": ("false_positive_rate", "= 1 − false_positive_rate"),
}
"""Metrics that equal a headline metric or its complement, by definition: the headline
metric that gives each, and how."""


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
    def other_metrics(self) -> list[str]:
        """Metrics that are not headline metrics, for the folded details; a metric that a
        headline metric already gives (`restated`) is left to the sidecar."""
        headline = self.glance.headline if self.glance else []
        return [m for m in self.metrics if m not in headline and m not in self.restated]

    @property
    def restated(self) -> dict[str, str]:
        """Metrics the folded details leave out because a headline metric gives them, with
        how: recall is the true positive rate, the true negative rate 1 − the false
        positive rate."""
        headline = self.glance.headline if self.glance else []
        return {
            name: how
            for name, (source, how) in RESTATED.items()
            if name in self.metrics and source in headline
        }

    @property
    def other_chunks(self) -> list[list[str]]:
        """`other_metrics` in tables of at most `TABLE_COLUMNS` columns."""
        other = self.other_metrics
        return [other[i : i + TABLE_COLUMNS] for i in range(0, len(other), TABLE_COLUMNS)]

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
        return [
            self.metrics[i : i + TABLE_COLUMNS] for i in range(0, len(self.metrics), TABLE_COLUMNS)
        ] or [[]]

    @property
    def overall_ci(self) -> MetricValue | None:
        """A representative overall metric, for the table's CI heading."""
        return next(iter(self.evaluation.overall.values()), None)


def evaluation_view(
    evaluation: DisaggregatedEvaluation, card_wide: list[str] | None = None
) -> EvaluationView:
    """Split an evaluation's groups into intersectional and per-feature tables, with its
    at-a-glance summary; tables of very many groups keep the furthest groups only."""
    features = evaluation.sensitive_features
    metrics = sorted(
        (set(evaluation.overall) | {name for g in evaluation.groups for name in g.metrics})
        - {"count"}
    )
    intersectional = (
        [g for g in evaluation.groups if len(g.features) == len(features)]
        if len(features) > 1
        else []
    )
    marginal = [
        (feature, [g for g in evaluation.groups if len(g.features) == 1 and feature in g.features])
        for feature in features
    ]
    # Groups of a source that names no sensitive features (e.g. Hub results) still show.
    if not features and evaluation.groups:
        marginal = [("group", list(evaluation.groups))]
    summary = glance(evaluation, card_wide)
    hidden: dict[str, int] = {}
    intersectional, hidden["intersectional"] = capped_groups(
        intersectional, evaluation, summary.headline
    )
    capped = []
    for feature, groups in marginal:
        kept, hidden[feature] = capped_groups(groups, evaluation, summary.headline)
        capped.append((feature, kept))
    return EvaluationView(evaluation, metrics, intersectional, capped, summary, hidden)


def _group_flags(
    group: GroupResult, evaluation: DisaggregatedEvaluation, metrics: list[str] | None = None
) -> str:
    flags = []
    if group.small and group.n is not None:
        flags.append(f"⚠️ small group (n={group.n:,}, below {evaluation.min_group_size})")
    for name, value in sorted(group.metrics.items()):
        if metrics is not None and name not in metrics:
            continue
        if value.value is None:
            flags.append(f"⚠️ {name} undefined")
    return "; ".join(flags)


def _template_name(card: Card, target: str) -> str:
    return f"{card.kind}/{target}.md.j2"


def _render_markdown(card: Card, target: _env.Target, precision: int, template: Path | None) -> str:
    if template is not None:
        env, name = _env.user_environment(template, target, precision)
    else:
        env = _env.builtin_environment(target, precision)
        name = _template_name(card, target)
    env.filters["group_flags"] = _group_flags
    evaluations = (
        [evaluation_view(e, card.headline_metrics) for e in card.quantitative_analyses.evaluations]
        if isinstance(card, ModelCard)
        else []
    )
    try:
        return _env.render_template(
            env, name, card=card, evaluations=evaluations, view=card_view(card)
        )
    except jinja2.TemplateSyntaxError as exc:
        raise CardgenError(
            f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}"
        ) from None
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
            line = (
                template_line.get_corresponding_lineno(tb.tb_lineno)
                if template_line is not None
                else tb.tb_lineno
            )
            location = f"{filename}:{line}"
        tb = tb.tb_next
    return location


def render_hub_body(
    card: Card, precision: int = DEFAULT_PRECISION, template: Path | None = None
) -> str:
    """The Hub README body (Markdown with cardgen region markers, no front matter)."""
    return _render_markdown(card, "hub", precision, template)


def _fact_part(card: Card, precision: int, part: str, level: int) -> str:
    """A `results` or `profile` region's Markdown for an imported card; empty without facts."""
    env = _env.builtin_environment("hub", precision)
    env.filters["group_flags"] = _group_flags
    evaluations = (
        [evaluation_view(e) for e in card.quantitative_analyses.evaluations]
        if isinstance(card, ModelCard)
        else []
    )
    return _env.render_template(
        env,
        "_facts.md.j2",
        card=card,
        evaluations=evaluations,
        part=part,
        level=level,
        view=card_view(card),
    ).strip("\n")


def _imported_front_matter(card: Card, data: dict[str, Any]) -> str:
    """The author's front matter with the card's values applied (comments, order kept)."""
    from ..hub.model_index import IMPORTED_METADATA_KEY

    generated = front_matter_of(card)
    original = data["extra"][LAYOUT_KEY].get("front_matter")
    kept = card.extra.get(IMPORTED_METADATA_KEY)
    raw = kept.get("_front_matter_text") if isinstance(kept, dict) else None
    if original is None and raw is not None and not generated:
        # Front matter that is not valid YAML is the author's to fix; it is kept as written.
        return f"---\n{raw}\n---\n\n"
    if original is None and not generated:
        return ""  # the author had no front matter and cardgen has nothing to add
    text = frontmatter.merge(original, generated, drop_missing=True, record=True)
    return f"---\n{text}\n---\n\n"


def uses_layout(card: Card, fill_template: bool | None = None) -> bool:
    """Whether the Hub README follows an imported card's own layout (not the template)."""
    if isinstance(card, GovernanceCard):
        return False  # governance cards are written as specs, never imported
    fill = card.render.fill_template if fill_template is None else fill_template
    return not fill and is_imported(card.model_dump(mode="json", include={"extra"}))


def render(
    card: Card,
    fmt: Format,
    precision: int = DEFAULT_PRECISION,
    template: Path | None = None,
    *,
    fill_template: bool | None = None,
) -> str:
    """Render a card.

    Args:
        card: a validated card with its facts merged in.
        fmt: `hub` (README.md with front matter and `model-index`), `page` (site
            Markdown, with untrusted prose sanitized), `json` (the card as JSON),
            `croissant` (Croissant JSON-LD with RAI fields; data cards only),
            `cyclonedx` (a CycloneDX 1.6 BOM) or `spdx` (SPDX 3.0.1 JSON-LD with the AI
            and Dataset profiles). Governance cards render to `hub`, `page` and `json`.
        precision: decimals shown for metric values.
        template: a user's Jinja2 template for `hub` or `page`, run in a sandbox.
        fill_template: for an imported card, lay the README out as the full Hub template
            (True) or as the author wrote it (False); the card's `render.fill_template`
            when None. Cards written from scratch always use the template.

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
            raise CardgenError(
                f"{card.name}: Croissant describes datasets; "
                "render a data card (kind: data) with --format croissant"
            )
        from .croissant import to_croissant  # optional part, imported on use

        return dumps_json(to_croissant(card))
    if fmt in ("cyclonedx", "spdx"):
        if isinstance(card, GovernanceCard):
            raise CardgenError(
                f"{card.name}: a bill of materials lists a model's or a dataset's parts; render "
                f"the model and data cards this governance card governs with --format {fmt}"
            )
        if fmt == "cyclonedx":
            from .cyclonedx import to_cyclonedx  # cyclonedx-python-lib, imported on use

            return dumps_json(to_cyclonedx(card))
        from .spdx import to_spdx  # spdx-python-model, imported on use

        return dumps_json(to_spdx(card))
    if fmt == "page":
        return _render_markdown(card, "page", precision, template)
    if fmt == "hub":
        if template is None and uses_layout(card, fill_template):
            data = card.model_dump(mode="json")
            body = imported_body(data, lambda part, level: _fact_part(card, precision, part, level))
            return _imported_front_matter(card, data) + body
        body = stamp_regions(render_hub_body(card, precision, template))
        return _front_matter_text(front_matter_of(card)) + body
    raise CardgenError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def sidecars(card: Card, compact: bool = False) -> dict[str, str]:
    """The files a Hub README links beside itself: each evaluation's full results as
    JSON (valid against the evaluation schema), keyed by path relative to the README.

    `compact` writes each on one line, with keys sorted as well (the site's copies: the
    indented form takes the JSON encoder's slow path, a third of a page's making at
    20,000 cards)."""
    if not isinstance(card, ModelCard):
        return {}
    return {
        sidecar_path(e): (compact_json if compact else dumps_json)(e.model_dump(mode="json"))
        for e in card.quantitative_analyses.evaluations
    }


def front_matter_of(card: Card) -> dict[str, Any]:
    """The metadata cardgen manages in a card's README front matter.

    Model and data cards: huggingface_hub's `ModelCardData` / `DatasetCardData` fields
    (`model-index` included). Governance cards: the text's `license` and the tags, with
    `governance-card` first.
    """
    if isinstance(card, GovernanceCard):
        meta = card.metadata
        data: dict[str, Any] = {"license": meta.license} if meta.license else {}
        return {**data, "tags": list(dict.fromkeys([GOVERNANCE_TAG, *meta.tags]))}
    from ..hub.model_index import front_matter  # huggingface_hub, only when rendering

    return front_matter(card)


def _front_matter_text(data: dict[str, Any]) -> str:
    if not data:
        return ""
    return f"---\n{frontmatter.dump(data, record=True)}\n---\n\n"


def _shares_regions(old: str, generated: str, source: str) -> bool:
    """Whether an existing README has any region of the generated body (or none at all)."""
    old_names = set(find_regions(old, source))
    return not old_names or bool(old_names & set(find_regions(generated, "<generated>")))


@dataclass(frozen=True)
class WriteResult:
    """What writing a rendered card did."""

    path: Path
    changed: bool
    unplaced_regions: tuple[str, ...] = ()
    sidecars: tuple[Path, ...] = ()
    """Evaluation sidecars (re)written beside a Hub README."""


def write_rendered(
    card: Card,
    fmt: Format,
    out: Path,
    *,
    precision: int = DEFAULT_PRECISION,
    template: Path | None = None,
    force: bool = False,
    fill_template: bool | None = None,
    edits: Edits = "error",
) -> WriteResult:
    """Render and write a card, regenerating an existing Hub README in place.

    An existing README is only changed between its cardgen markers (and in the front
    matter keys cardgen manages); without markers it is left alone unless `force`. A Hub
    README gets its evaluation sidecars (`evaluation/NAME.json`) beside it.
    Unchanged output is not rewritten, so the file's bytes and time stay the same.

    A region whose text was edited by hand since cardgen wrote it stops the write
    (`edits="error"`), is left as it is (`"keep"`) or is replaced (`"overwrite"`).

    Raises:
        CardgenError: if `out` is a folder, a README without markers and not `force`, or
            a region edited by hand with `edits="error"`.
    """
    if out.is_dir():
        raise CardgenError(f"{out}: is a directory; give the output file's path")
    text = render(card, fmt, precision, template, fill_template=fill_template)
    missing: list[str] = []
    old: str | None = None
    if out.exists():
        try:
            old = out.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            if not force:
                raise CardgenError(
                    f"{out}: exists and is not UTF-8 text; pass --force to overwrite it"
                ) from None
        if old is not None and fmt == "hub" and not force:
            _, body = split_front_matter(text)
            layout = template is None and uses_layout(card, fill_template)
            if layout and not _shares_regions(old, body, str(out)):
                # A README rendered from the full template before: it stays so, rather
                # than gaining the author-layout regions beside the template's.
                layout = False
                _, body = split_front_matter(
                    render(card, fmt, precision, template, fill_template=True)
                )
            text, missing = merge_readme(
                old,
                body,
                front_matter_of(card),
                str(out),
                edits=edits,
                insert_new=layout,
                kind="data" if isinstance(card, DataCard) else "model",
            )
        elif old is not None and fmt == "page" and not force and "<!-- cardgen:" in old:
            text, missing = merge_readme(old, text, {}, str(out), edits=edits)
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
    "BOM_FILES",
    "FORMATS",
    "CardView",
    "EvaluationView",
    "WriteResult",
    "capped_groups",
    "card_view",
    "evaluation_view",
    "front_matter_of",
    "render",
    "render_hub_body",
    "sidecars",
    "uses_layout",
    "write_rendered",
]
