"""The claims a card makes: its `model-index` results and `.eval_results` entries, one per number.

It reads a README, a spec (as it would render) or `hub:OWNER/NAME` and lists every claimed
number with where it was written; it measures nothing and judges nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import CardgenError

HUB_PREFIX = "hub:"
VERDICT_KEY = "verdict"
"""Key of the `.eval_results` notes cardgen writes for a verified claim: those entries are
cardgen's own measurements, not claims, and are not checked again."""
_PERCENT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*%\s*$")


@dataclass
class Claim:
    """One claimed number and where the card says it."""

    source: str
    """`model-index` or `.eval_results`."""
    where: str
    """The claim's place, e.g. `README.md: model-index[0].results[1].metrics[0]`."""
    metric: str
    """The metric's type as written."""
    value: Any
    """The claimed value as written."""
    task: str | None = None
    dataset: str | None = None
    dataset_name: str | None = None
    config: str | None = None
    split: str | None = None
    revision: str | None = None
    metric_name: str | None = None
    metric_args: dict[str, Any] = field(default_factory=dict)
    group: dict[str, str] | None = None
    notes: dict[str, Any] | None = None
    """Fields of cardgen-written `.eval_results` notes (metric, n, CI), when present."""

    @property
    def label(self) -> str:
        """A short name for messages: `accuracy on imdb (test)`."""
        on = self.dataset or self.dataset_name or "an unnamed dataset"
        parts = [p for p in (self.config, self.split) if p]
        where = f"{on} ({', '.join(parts)})" if parts else on
        group = " for " + ", ".join(f"{k}={v}" for k, v in self.group.items()) if self.group else ""
        return f"{self.metric_name or self.metric} on {where}{group}"

    def number(self) -> tuple[float | None, bool]:
        """The claimed value as a float, and whether it was written with a `%` sign;
        (None, False) when it is not a finite number."""
        raw = self.value
        if isinstance(raw, bool):
            return None, False
        if isinstance(raw, (int, float)):
            return (float(raw), False) if math.isfinite(raw) else (None, False)
        if isinstance(raw, str):
            percent = _PERCENT.match(raw)
            if percent:
                return float(percent.group(1)), True
            try:
                number = float(raw.strip())
            except ValueError:
                return None, False
            return (number, False) if math.isfinite(number) else (None, False)
        return None, False


@dataclass
class CardClaims:
    """Everything read from one card: its claims, what runs them by default, and notes."""

    card: str
    """The card as named (path or `hub:OWNER/NAME`), with the Hub revision read."""
    claims: list[Claim]
    model: str | None = None
    """The model the card describes, when the card says where it is (a Hub repository,
    or a spec's `run` source)."""
    model_revision: str | None = None
    notes: list[str] = field(default_factory=list)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def model_index_claims(model_index: Any, where: str, notes: list[str]) -> list[Claim]:
    """Every metric of a `model-index` as a claim (free-form YAML: checked here).

    Args:
        model_index: the front matter's `model-index` value.
        where: prefix of each claim's place (the README or spec).
        notes: receives a line for each entry that holds no claim.
    """
    from ..hub.model_index import parse_group

    if model_index is None:
        return []
    if not isinstance(model_index, list):
        notes.append(f"{where}: model-index is not a list; it holds no claim that can be read")
        return []
    claims = []
    for i, model in enumerate(model_index):
        results = _mapping(model).get("results")
        if not isinstance(results, list):
            notes.append(f"{where}: model-index[{i}] has no `results` list")
            continue
        for j, result in enumerate(results):
            if not isinstance(result, dict):
                notes.append(f"{where}: model-index[{i}].results[{j}] is not a mapping")
                continue
            task, dataset = _mapping(result.get("task")), _mapping(result.get("dataset"))
            data_group = parse_group(dataset.get("config"))
            for k, metric in enumerate(result.get("metrics") or []):
                place = f"{where}: model-index[{i}].results[{j}].metrics[{k}]"
                if not isinstance(metric, dict) or not _text(metric.get("type")):
                    notes.append(f"{place} has no metric `type`; not a claim that can be read")
                    continue
                args = _mapping(metric.get("args"))
                group_args = args.get("group")
                group = (
                    {str(a): str(b) for a, b in group_args.items()}
                    if isinstance(group_args, dict) and group_args
                    else parse_group(metric.get("config")) or data_group
                )
                claims.append(
                    Claim(
                        source="model-index",
                        where=place,
                        metric=str(metric["type"]),
                        value=metric.get("value"),
                        task=_text(task.get("type")),
                        dataset=_text(dataset.get("type")),
                        dataset_name=_text(dataset.get("name")),
                        config=None if data_group else _text(dataset.get("config")),
                        split=_text(dataset.get("split")),
                        revision=_text(dataset.get("revision")),
                        metric_name=_text(metric.get("name")),
                        metric_args={
                            key: value
                            for key, value in args.items()
                            if key not in ("group", "small_group")
                        },
                        group=group,
                    )
                )
    return claims


def eval_results_claims(entries: list[Any], where: str, notes: list[str]) -> list[Claim]:
    """Every `.eval_results` entry (huggingface_hub `EvalResultEntry`) as a claim; entries
    cardgen wrote from a verification are its measurements and are left out (noted)."""
    from ..hub.eval_results import parse_notes

    claims = []
    for i, entry in enumerate(entries):
        place = f"{where}[{i}]"
        fields = parse_notes(entry.notes)
        if fields is not None and VERDICT_KEY in fields:
            notes.append(
                f"{place}: written by cardgen verify (a measurement, not a claim); not checked"
            )
            continue
        claims.append(
            Claim(
                source=".eval_results",
                where=place,
                metric=str((fields or {}).get("metric") or "value"),
                value=entry.value,
                task=entry.task_id,
                dataset=entry.dataset_id,
                revision=entry.dataset_revision,
                metric_name=f"{entry.task_id} {(fields or {}).get('metric', '')}".strip(),
                notes=fields,
            )
        )
    return claims


def _folder_entries(folder: Path, notes: list[str]) -> list[tuple[str, list[Any]]]:
    """`.eval_results/*.yaml` beside a README, parsed by huggingface_hub."""
    from huggingface_hub import parse_eval_result_entries

    found = []
    for path in sorted((folder / ".eval_results").glob("*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CardgenError(f"{path}: cannot read .eval_results entries: {exc}") from exc
        if not isinstance(data, list):
            notes.append(f"{path}: not a list of entries; no claim read")
            continue
        try:
            found.append((str(path), parse_eval_result_entries(data)))
        except (KeyError, TypeError, ValueError) as exc:
            raise CardgenError(
                f"{path}: not valid .eval_results entries (each needs dataset.id, "
                f"dataset.task_id and value): {exc}"
            ) from exc
    return found


def _readme_claims(path: Path) -> CardClaims:
    from ..hub.importer import parse_readme

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CardgenError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    parsed = parse_readme(data)
    notes: list[str] = []
    claims = model_index_claims(parsed.metadata.get("model-index"), str(path), notes)
    for name, entries in _folder_entries(path.parent, notes):
        claims += eval_results_claims(entries, name, notes)
    return CardClaims(str(path), claims, notes=notes)


def _spec_claims(path: Path, root: Path) -> CardClaims:
    from .._paths import looks_like_hub_id, source_path
    from ..hub.eval_results import entries
    from ..hub.model_index import front_matter
    from ..merge import load_card
    from ..schema import ModelCard

    card = load_card(path, root)
    if not isinstance(card, ModelCard):
        raise CardgenError(f"{path}: a data card makes no performance claims to verify")
    notes: list[str] = []
    where = f"{path} (as rendered)"
    claims = model_index_claims(front_matter(card).get("model-index"), where, notes)
    files, _ = entries(card)
    for name, items in sorted(files.items()):
        claims += eval_results_claims(items, f"{where}: .eval_results/{name}", notes)
    runs = card.sources.run
    model = None
    if runs:
        model = runs[0].model
        if not looks_like_hub_id(model):
            model = str(Path(root, source_path(model, path.parent, root)))
    return CardClaims(str(path), claims, model=model, notes=notes)


def _hub_claims(reference: str, endpoint: str | None) -> CardClaims:
    from ..hub.collect import fetch_repo

    repo_id, _, revision = reference.removeprefix(HUB_PREFIX).strip("/").partition("@")
    if repo_id.count("/") != 1:
        raise CardgenError(f"{reference}: expected hub:OWNER/NAME or hub:OWNER/NAME@REVISION")
    snapshot = fetch_repo(repo_id, revision=revision or None, endpoint=endpoint)
    metadata = snapshot.parsed.metadata if snapshot.parsed is not None else {}
    return _hub_card(snapshot.repo_id, snapshot.sha, metadata, snapshot.info)


def _hub_card(repo_id: str, sha: str, metadata: dict[str, Any], info: Any) -> CardClaims:
    """A Hub repository's claims: `model-index` from its front matter, and the
    `.eval_results` entries its record lists."""
    notes: list[str] = []
    where = f"hub:{repo_id}@{sha[:12]}"
    claims = model_index_claims(metadata.get("model-index"), f"{where} README.md", notes)
    entries = list(getattr(info, "eval_results", None) or [])
    claims += eval_results_claims(entries, f"{where} .eval_results", notes)
    card = f"hub:{repo_id}@{sha}"
    return CardClaims(card, claims, model=repo_id, model_revision=sha, notes=notes)


def listed_claims(repo_id: str, record: dict[str, Any], info: Any) -> CardClaims:
    """The claims of a repository as a Hub listing (or `model_info`) with `expand` gives them.

    The `model-index` is the Hub's own reading of the README's front matter (`cardData`,
    or the record's `model-index` property when the card data is absent); the
    `.eval_results` entries are the record's `evalResults`. Nothing is downloaded.

    Args:
        repo_id: the repository.
        record: the Hub's JSON record as sent (`cardgen.hub.bulk.RepoMetadata.record`).
        info: the record as huggingface_hub's `ModelInfo` (with `sha` and `eval_results`).

    Raises:
        CardgenError: a record without a commit sha.
    """
    sha = getattr(info, "sha", None)
    if not sha:
        raise CardgenError(f"hub:{repo_id}: the Hub record has no commit sha")
    card_data = record.get("cardData")
    metadata = dict(card_data) if isinstance(card_data, dict) else {}
    if "model-index" not in metadata and record.get("model-index") is not None:
        metadata["model-index"] = record["model-index"]
    return _hub_card(repo_id, sha, metadata, info)


def read_claims(
    card: str | Path, *, root: str | Path = ".", endpoint: str | None = None
) -> CardClaims:
    """The claims of a card.

    Args:
        card: a Hub README (`README.md`, with `.eval_results/*.yaml` beside it), a spec
            (`cards/NAME.yaml`: its `model-index` and `.eval_results` as they would
            render, from its collected facts) or `hub:OWNER/NAME[@REVISION]` (the README
            and the `.eval_results` the Hub lists).
        root: project folder whose `.cardgen/` holds a spec's facts.
        endpoint: Hub address for `hub:` cards.

    Returns:
        The claims in the order the card lists them, and the model the card names.

    Raises:
        CardgenError: an unreadable card, or a Hub repository that cannot be read.
    """
    text = str(card)
    if text.startswith(HUB_PREFIX):
        return _hub_claims(text, endpoint)
    path = Path(card)
    if not path.is_file():
        raise CardgenError(f"{path}: no such file (give a README, a spec or hub:OWNER/NAME)")
    if path.suffix.lower() in (".yaml", ".yml"):
        return _spec_claims(path, Path(root))
    return _readme_claims(path)
