"""Turn an existing Hub README (a file or `hub:REPO`) into a spec a person can keep editing.

Known headings go to spec fields, everything else verbatim to `extra_sections`, in order;
it loses no prose and never overwrites an existing spec without being asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .. import frontmatter
from .._io import atomic_write_text
from ..errors import CardgenError
from ..placeholders import is_placeholder
from ..schema import DataCard, HubDatasetMetadata, HubModelMetadata, ModelCard
from ..schema.model_card import CARD_NAME_PATTERN
from ..sections import DATA_SECTIONS, LAYOUT_KEY, MODEL_SECTIONS, normalize_heading
from ._markdown import ParsedReadme, Section, parse_readme, refuse_non_markdown

METADATA_KEY = "hub_metadata"
"""Key under the spec's `extra` holding front matter that has no metadata field."""
RENDERED_PLACEHOLDER = "_More information needed._"
"""What cardgen's Hub README shows in an empty section: not prose to import."""


DATASET_KEYS = {
    "task_categories",
    "task_ids",
    "size_categories",
    "annotations_creators",
    "language_creators",
    "multilinguality",
    "source_datasets",
    "pretty_name",
    "configs",
    "dataset_info",
    "paperswithcode_id",
}


@dataclass
class ImportResult:
    """A spec built from a README, with the warnings raised on the way."""

    spec: dict[str, Any]
    card: ModelCard | DataCard
    warnings: list[str] = field(default_factory=list)


def _field_kind(model: type, path: str) -> str:
    """`list` or `str`: how a prose section is stored in the field at `path`."""
    current: Any = model
    for part in path.split("."):
        annotation = current.model_fields[part].annotation
        current = annotation
    return "list" if "list" in str(current).lower() else "str"


def _set(spec: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = spec
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _get(spec: dict[str, Any], path: str) -> Any:
    node: Any = spec
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _metadata_fields(
    metadata: dict[str, Any], meta_model: type[BaseModel], warnings: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split front matter into typed metadata fields and the rest (kept verbatim).

    A value goes into a field only when the field stores it unchanged (a lone string
    becoming a one-item list is the same datum); anything else is kept under `extra`.
    """
    fields: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in metadata.items():
        if key in meta_model.model_fields and value not in (None, "", []):
            try:
                stored = meta_model.model_validate({key: value}).model_dump(mode="json")[key]
            except ValidationError:
                stored = None
            expected = [value] if isinstance(value, str) and isinstance(stored, list) else value
            if stored == expected:
                fields[key] = stored
                continue
        rest[key] = value
    if "model_index" in rest:
        warnings.append(
            "legacy `model_index:` metadata kept under extra.hub_metadata; the Hub "
            "reads only `model-index`"
        )
    return fields, rest


def _check_model_index(model_index: Any, warnings: list[str]) -> None:
    from huggingface_hub.repocard_data import model_index_to_eval_results

    try:
        model_index_to_eval_results(model_index)
    except Exception as exc:  # huggingface_hub raises KeyError/TypeError/ValueError here
        warnings.append(
            f"invalid model-index kept verbatim under extra.hub_metadata: "
            f"{type(exc).__name__}: {exc}"
        )


def looks_like_dataset(parsed: ParsedReadme) -> bool:
    if DATASET_KEYS & set(parsed.metadata):
        return True
    first = next((s.heading for s in parsed.sections if s.heading), "") or ""
    return first.lower().startswith("dataset card")


def readme_to_spec(
    data: bytes | str, name: str, *, kind: str | None = None, hub_repo: str | None = None
) -> ImportResult:
    """Build a spec from a README's text.

    Metadata goes into `metadata` fields where they hold it unchanged, the rest under
    `extra.hub_metadata`. The first level-1 heading becomes `title`; sections with a known
    heading fill the matching field (a list field collects several); all other sections,
    and known ones whose field is already taken, go to `extra_sections` in order.
    `extra.hub_import.layout` records where each section went, with its heading line,
    blank lines and any placeholder text ("More information needed" fills no field), and
    `extra.hub_import.front_matter` the front matter as written, so that a render gives
    the author's README back (see `reconstruct_body` and `cardgen.render.layout`).

    Args:
        data: the README (bytes are decoded leniently; problems become warnings).
        name: the card name.
        kind: `model` or `data`; guessed from the metadata and headings when None.
        hub_repo: `owner/name` when the README came from the Hub (recorded as a source).

    Returns:
        The spec mapping, the validated card, and warnings.

    Raises:
        CardgenError: `name` is not a valid card name.
    """
    if not re.match(CARD_NAME_PATTERN, name):
        raise CardgenError(f"card name {name!r} must match {CARD_NAME_PATTERN}")
    parsed = parse_readme(data)
    warnings = list(parsed.warnings)
    if kind is None:
        kind = "data" if looks_like_dataset(parsed) else "model"
    card_model: type[ModelCard | DataCard] = DataCard if kind == "data" else ModelCard
    meta_model: type = HubDatasetMetadata if kind == "data" else HubModelMetadata
    table = DATA_SECTIONS if kind == "data" else MODEL_SECTIONS

    spec: dict[str, Any] = {"name": name, "kind": kind}
    metadata, rest = _metadata_fields(parsed.metadata, meta_model, warnings)
    if "model-index" in rest:
        _check_model_index(rest["model-index"], warnings)
    if (
        parsed.front_matter_text is not None
        and not parsed.metadata
        and parsed.front_matter_text.strip()
    ):
        rest["_front_matter_text"] = parsed.front_matter_text
    layout: list[dict[str, Any]] = []
    extra_sections: list[dict[str, Any]] = []
    for section in parsed.sections:
        entry: dict[str, Any] = {"heading": section.heading, "level": section.level}
        target = _place(section, spec, table, card_model, entry)
        if target is None:
            if section.heading is None and not section.body:
                continue
            extra_sections.append(
                {
                    "heading": section.heading or "",
                    "level": max(section.level, 1),
                    "body": section.body,
                }
            )
            entry["to"] = "extra_sections"
        else:
            entry["to"] = target
        if section.line != _heading_line(section.heading, section.level):
            entry["line"] = section.line
        # Blank lines before the first line of the file are not layout.
        gaps = section.gaps if section.heading is not None else (1, section.gaps[1])
        if gaps != ((1, 1) if section.body else (1, 0)):
            entry["gaps"] = list(gaps)
        layout.append(entry)
    _claim_placeholders(layout, spec)
    if metadata:
        spec["metadata"] = metadata
    if hub_repo:
        repo_type = "dataset" if kind == "data" else "model"
        spec["sources"] = {"hub": {"repo_id": hub_repo, "repo_type": repo_type}}
    if extra_sections:
        spec["extra_sections"] = extra_sections
    preamble = spec.pop("extra", {}).get(LAYOUT_KEY, {}).get("preamble")
    extra: dict[str, Any] = {}
    if rest:
        extra[METADATA_KEY] = rest
    extra[LAYOUT_KEY] = {"layout": layout}
    if preamble is not None:
        extra[LAYOUT_KEY]["preamble"] = preamble
    if parsed.metadata and parsed.front_matter_text is not None:
        # The author's text, so that a render keeps its comments, key order and quoting.
        extra[LAYOUT_KEY]["front_matter"] = frontmatter.strip_hash_comment(
            parsed.front_matter_text
        )[0]
    spec["extra"] = extra
    try:
        card = card_model.model_validate(spec)
    except ValidationError as exc:  # a bug here, not bad input: every value was checked
        raise CardgenError(f"imported spec does not validate: {exc}") from exc
    return ImportResult(spec, card, warnings)


def _heading_line(heading: str | None, level: int) -> str:
    if heading is None:
        return ""
    return "#" * level + (" " + heading if heading else "")


def _place(
    section: Section,
    spec: dict[str, Any],
    table: dict[str, str],
    card_model: type,
    entry: dict[str, Any],
) -> str | None:
    """Put a section into its field when it has one and the field is free; return the field.

    Placeholder bodies fill nothing: their text is kept in the layout `entry`.
    """
    if section.heading is None:
        if not section.body:
            return None
        if not is_placeholder(section.body):
            spec["summary"] = section.body
            return "summary"
        # Only a template's HTML comment ("generated automatically... proofread"): not a
        # summary; kept with the import layout so it can be put back.
        spec.setdefault("extra", {}).setdefault(LAYOUT_KEY, {})["preamble"] = section.body
        return "preamble"
    placeholder = bool(section.body) and is_placeholder(section.body)
    if section.level == 1 and "title" not in spec and section.heading:
        if not section.body or placeholder:
            spec["title"] = section.heading
            if placeholder:
                entry["placeholder"] = section.body
            return "title"
        if "summary" not in spec:
            spec["title"], spec["summary"] = section.heading, section.body
            return "title+summary"
    if not section.body:
        return None
    path = table.get(normalize_heading(section.heading))
    if placeholder:
        entry["placeholder"] = section.body
        if path is not None:
            entry["field"] = path
        return "placeholder"
    if path is None:
        return None
    if _field_kind(card_model, path) == "list":
        current = _get(spec, path) or []
        _set(spec, path, [*current, section.body])
        return path
    if _get(spec, path) is not None:
        return None
    _set(spec, path, section.body)
    return path


def _claim_placeholders(layout: list[dict[str, Any]], spec: dict[str, Any]) -> None:
    """A placeholder section becomes the place of its field when nothing else fills it,
    so that text written into the spec later appears there."""
    taken = {entry["to"] for entry in layout}
    for entry in layout:
        path = entry.pop("field", None)
        if entry["to"] == "placeholder" and path and path not in taken and _get(spec, path) is None:
            entry["to"] = path
            taken.add(path)


def reconstruct_body(spec: dict[str, Any]) -> str:
    """The imported README's body, rebuilt from a spec in its original order.

    Headings, blank lines and placeholders come from the import layout; bodies from the
    fields the layout names (list fields are consumed item by item) or `extra_sections`.

    Args:
        spec: a spec mapping written by `readme_to_spec` (or loaded from its YAML).

    Returns:
        Markdown equal to the original body, apart from line endings and trailing spaces.
    """
    from ..render.layout import layout_text

    return layout_text(spec)


class _SpecDumper(yaml.SafeDumper):
    """YAML dumper that writes multi-line strings as `|` blocks, so prose stays readable."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(str, _str_representer)


def dump_spec(spec: dict[str, Any]) -> str:
    """A spec mapping as YAML: keys in schema order, prose as block scalars, Unicode kept."""
    return yaml.dump(
        spec,
        Dumper=_SpecDumper,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )


def import_card(
    source: str,
    out: str | Path,
    *,
    name: str | None = None,
    kind: str | None = None,
    endpoint: str | None = None,
    overwrite: bool = False,
) -> ImportResult:
    """Import a README file or `hub:OWNER/NAME` (`hub:datasets/OWNER/NAME`) into a spec file.

    Args:
        source: a path to a README, or `hub:` followed by a repository id.
        out: where to write the spec YAML.
        name: card name; the file name of `out` without `.yaml` when None.
        kind: `model` or `data`; guessed when None.
        endpoint: Hub address for `hub:` sources.
        overwrite: replace an existing spec file.

    Returns:
        The import result (the file is written atomically).

    Raises:
        CardgenError: unreadable source, Hub failure, a source that is not a Markdown
            card, or `out` exists without `overwrite`.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise CardgenError(f"{out} exists; pass --force to replace it")
    name = name or re.sub(r"\.(ya?ml)$", "", out.name)
    hub_repo = None
    if source.startswith("hub:"):
        from .collect import fetch_repo

        repo_id = source[4:]
        repo_type = "model"
        if repo_id.startswith("datasets/"):
            repo_id, repo_type, kind = repo_id[9:], "dataset", kind or "data"
        snapshot = fetch_repo(repo_id, repo_type=repo_type, endpoint=endpoint)
        if snapshot.readme is None:
            raise CardgenError(f"{repo_type} {repo_id} has no README.md to import")
        data, hub_repo = snapshot.readme, snapshot.repo_id
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CardgenError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    refuse_non_markdown(data, source)
    result = readme_to_spec(data, name, kind=kind, hub_repo=hub_repo)
    atomic_write_text(out, dump_spec(result.spec))
    return result
