"""Jinja filters: number formatting with CIs, Markdown escaping, prose sanitizing.

They format and neutralise text for the templates; they never decide what a card says.
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3
from markupsafe import Markup

from ..evaluate.summary import group_label as group_label
from ..schema import ClaimCheck, MetricValue, Verification

# Tags that card prose may keep on a site page; everything else (script, iframe, style,
# form, object, embed, ...) is removed, as are all event-handler attributes.
_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "abbr": {"title"},
}
_SAFE_SCHEMES = {"http", "https", "mailto"}

# Fenced code blocks and inline code spans: Markdown escapes their content itself, so
# they pass through untouched (sanitizing them would show `&lt;` to readers).
_CODE = re.compile(
    r"(^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\2[ \t]*$|`[^`\n]+`)", re.MULTILINE | re.DOTALL
)
# Autolinks such as <https://example.org>: an HTML cleaner would take them for tags.
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*)>")
# Markdown link and image targets (one level of nested parentheses), and reference
# definitions `[id]: target`.
_MD_LINK_TARGET = re.compile(r"(\]\()((?:[^()\n]|\([^()\n]*\))*)(\))")
_MD_REFERENCE = re.compile(r"^([ ]{0,3}\[[^\]\n]+\]:[ \t]*)(\S+)", re.MULTILINE)
_SCHEME = re.compile(r"^<?([a-zA-Z][a-zA-Z0-9+.\-]*):")
_ATTR_LIST = re.compile(r"\{:?[ \t]*[#.\w][^{}\n]*\}")
# Private-use characters: an HTML cleaner keeps them (it drops NUL), prose never has them.
_PLACEHOLDER = "\ue000{}\ue001"


def _unsafe_url(url: str) -> bool:
    # Browsers decode entities and drop tabs, newlines and other controls inside a
    # scheme ("java\tscript:", "&#106;avascript:"), so check what the browser would see.
    compact = re.sub(r"[\x00-\x20]", "", html.unescape(url))
    match = _SCHEME.match(compact)
    return match is not None and match.group(1).lower() not in _SAFE_SCHEMES


def _neutralise_links(text: str) -> str:
    def link(match: re.Match[str]) -> str:
        target = match.group(2)
        safe = "#unsafe-link-removed" if _unsafe_url(target) else target
        return match.group(1) + safe + match.group(3)

    def reference(match: re.Match[str]) -> str:
        target = match.group(2)
        return match.group(1) + ("#unsafe-link-removed" if _unsafe_url(target) else target)

    return _MD_REFERENCE.sub(reference, _MD_LINK_TARGET.sub(link, text))


def sanitize_markdown(text: str) -> str:
    """Make untrusted Markdown safe to turn into HTML, keeping what a reader sees.

    Raw HTML outside code is cleaned with nh3 (Ammonia): scripts, event handlers and
    `javascript:` URLs are dropped, harmless tags kept. Markdown links, reference
    definitions and autolinks with an unsafe scheme get an inert target. Code blocks
    and code spans are left as written.
    """
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return _PLACEHOLDER.format(len(kept) - 1)

    text = text.replace("\ue000", "").replace("\ue001", "")
    text = _CODE.sub(lambda m: keep(m.group(0)), text)
    text = _AUTOLINK.sub(
        lambda m: keep("&lt;unsafe link removed&gt;" if _unsafe_url(m.group(1)) else m.group(0)),
        text,
    )
    if "<" in text or "&" in text:
        text = nh3.clean(
            text,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            url_schemes=_SAFE_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
        # nh3 escapes a bare ">" that starts a Markdown blockquote; restore it.
        text = re.sub(r"^([ \t]*)&gt;", r"\1>", text, flags=re.MULTILINE)
    text = _neutralise_links(text)
    # Attribute lists (`{: onclick=... }`), which MkDocs' attr_list extension would turn
    # into HTML attributes, lose their opening brace's meaning.
    text = _ATTR_LIST.sub(lambda m: "&#123;" + m.group(0)[1:], text)
    return re.sub("\ue000(\\d+)\ue001", lambda m: kept[int(m.group(1))], text)


_MARKDOWN_SYNTAX = re.compile(r"([\\`\[\]{}])")


# A `<` starts a tag, comment, declaration or autolink (in Markdown and in HTML) only before
# a letter, `/`, `!` or `?`: any other `<` is text, so `<=50K` can stay as written.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _escape_text(value: Any) -> str:
    # Values from data and metadata are text, not Markdown: escaping `&` and a `<` that
    # could open a tag stops tags and entities, and backslash-escaping brackets, braces and
    # backticks stops links, images, attribute lists and code spans. `>`, quotes and a `<`
    # that opens nothing (`<=50K`) are left readable.
    text = _TAG_START.sub("&lt;", str(value).replace("&", "&amp;"))
    return _MARKDOWN_SYNTAX.sub(r"\\\1", text)


def cell(value: Any) -> Markup:
    """A value from data or metadata as one Markdown table cell: escaped, no pipes."""
    if value is None:
        return Markup("")
    text = _escape_text(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return Markup(text)


def inline(value: Any) -> Markup:
    """A value from data or metadata inside Markdown text: escaped, on one line."""
    if value is None:
        return Markup("")
    return Markup(_escape_text(value).replace("\r", " ").replace("\n", " "))


def code(value: Any) -> Markup:
    """A value from data or metadata as an inline code span, shown exactly as written
    (`demographic_parity_ratio<=0.1`): Markdown shows a code span's text literally and
    escapes it for HTML itself, so nothing is escaped here. One line; the fence is longer
    than any run of backticks inside."""
    if value is None:
        return Markup("")
    text = str(value).replace("\r", " ").replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def number(value: float | int | None, precision: int = 3) -> str:
    """A number with `precision` decimals (integers with thousands separators)."""
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:.{precision}f}"


def compact(value: float | int | None, precision: int = 3) -> str:
    """Like `number`, but a whole number drops its decimals and every number has
    thousands separators (`17`, `38.582`, `189,778.367`)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.{precision}f}"


def metric(value: MetricValue | None, precision: int = 3, show_n: bool = True) -> Markup:
    """`0.853 [0.846, 0.860] n=16,281`; an undefined metric reads `undefined (reason)`.

    Safe to place in a table cell: the only text that is not a number, the reason, is
    escaped.
    """
    if value is None:
        return Markup("—")
    n = f" n={value.n:,}" if show_n and value.n is not None else ""
    if value.value is None:
        return Markup(f"undefined ({cell(value.undefined_reason)}){n}")
    text = number(value.value, precision)
    if value.ci_low is not None and value.ci_high is not None:
        text += f" [{number(value.ci_low, precision)}, {number(value.ci_high, precision)}]"
    else:
        text += " (no CI)"
    return Markup(text + n)


def ci_label(value: MetricValue | None) -> str:
    """How an interval was computed, e.g. `95% bootstrap CI`."""
    if value is None or value.ci_level is None:
        return "CI"
    method = f" {value.ci_method}" if value.ci_method and value.ci_method != "none" else ""
    return f"{value.ci_level * 100:g}%{method} CI"


def slug(text: str) -> str:
    """A lower-case identifier for anchors and region names."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


SHORT_METRIC_NAMES = {
    "selection_rate": "selection rate",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "false_negative_rate": "FNR",
    "true_negative_rate": "TNR",
}


def short_metric(name: str) -> str:
    """A metric's short name for notes (`TPR`), its own name otherwise."""
    return SHORT_METRIC_NAMES.get(name, name)


VERDICT_WORDS = {
    "consistent": "✅ consistent",
    "discrepant": "❌ discrepant",
    "unverifiable": "⚪ unverifiable",
}
"""A verdict in words with its mark (the word carries the meaning; the mark only helps)."""


def claim_label(check: ClaimCheck) -> str:
    """`accuracy on imdb (plain_text, test)`: what a claim is about, in a few words."""
    on = check.dataset or check.dataset_name or "unnamed dataset"
    parts = [p for p in (check.config, check.split) if p]
    where = f"{on} ({', '.join(parts)})" if parts else on
    group = f" for {group_label(check.group)}" if check.group else ""
    return f"{check.metric_name or check.metric} on {where}{group}"


def claimed_value(check: ClaimCheck, precision: int = 4) -> str:
    """The claimed value as written, with its reading when it was a percentage."""
    written = check.claimed_as_written
    if written is None:
        return "—"
    if isinstance(written, str):
        return written
    if check.scale == "percent" and check.claimed is not None:
        return f"{written:g} (= {number(check.claimed, precision)})"
    return number(written, precision)


def measured_value(check: ClaimCheck, precision: int = 4) -> str:
    """`0.8510 [0.8454, 0.8572]`; `—` when nothing was measured."""
    if check.measured is None:
        return "—"
    text = number(check.measured, precision)
    if check.ci_low is not None and check.ci_high is not None:
        text += f" [{number(check.ci_low, precision)}, {number(check.ci_high, precision)}]"
    return text


def verdict(check: ClaimCheck) -> str:
    """The verdict in words; a discrepant or unverifiable one with its reason."""
    words = VERDICT_WORDS[check.status]
    return words if check.status == "consistent" else f"{words}: {check.reason}"


def claims_summary(verification: Verification) -> str:
    """`7 claims: 7 consistent, 0 discrepant, 0 unverifiable` (or that there are none)."""
    total = len(verification.claims)
    if not total:
        return "no claims: the card has no model-index results or .eval_results entries"
    counts = ", ".join(
        f"{verification.count(status)} {status}"  # type: ignore[arg-type]
        for status in VERDICT_WORDS
    )
    limited = (
        f" (re-run on the first {verification.limit:,} rows or questions only)"
        if verification.limit
        else ""
    )
    return f"{total:,} claim{'s' if total != 1 else ''}: {counts}{limited}"


def claims_badge(verification: Verification | None) -> str:
    """A card's claims in a few words: `all 7 consistent`, `2 discrepant of 7`, `unchecked`."""
    if verification is None:
        return "unchecked"
    total = len(verification.claims)
    if not total:
        return "no claims"
    discrepant = verification.count("discrepant")
    unverifiable = verification.count("unverifiable")
    if discrepant:
        return f"❌ {discrepant} discrepant of {total}"
    if unverifiable == total:
        return f"⚪ {total} unverifiable"
    if unverifiable:
        return f"✅ {total - unverifiable} consistent, {unverifiable} unverifiable"
    return f"✅ all {total} consistent"
