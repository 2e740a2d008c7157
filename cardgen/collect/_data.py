"""Read an evaluation set for `cardgen run`: a file, a saved `datasets` folder or `hub:ORG/NAME`.

It returns the needed columns with the data's hashes and revision; it runs no model and writes
nothing except huggingface_hub's own download cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from .._io import sha256_file
from .._paths import HUB_PREFIX
from ..errors import CardgenError
from ..tables import missing_columns, read_frames


@dataclass
class EvaluationSet:
    """Rows to run a model over, and where exactly they came from."""

    frame: pd.DataFrame
    """The needed columns, rows in the source's order."""
    uri: str
    """The data as the user named it (a path, or `hub:ORG/NAME`)."""
    revision: str
    """Hub commit sha, or `sha256:<digest>` of the local file (or folder's files)."""
    input_sha256: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each file read, keyed by its path (or `hub:ORG/NAME/FILE`)."""
    split: str | None = None
    """Split read, for a `datasets` folder or a Hub dataset."""


def load_evaluation_set(
    data: str,
    columns: Sequence[str],
    *,
    split: str | None = None,
    limit: int | None = None,
    endpoint: str | None = None,
    encoding: str = "utf-8",
) -> EvaluationSet:
    """Read the `columns` of an evaluation set.

    Args:
        data: a CSV, Parquet or JSON (Lines or an array of records) file, a folder written
            by `datasets`' `save_to_disk`, or `hub:ORG/NAME[@REVISION]` (a Hub dataset's
            Parquet files).
        columns: columns to keep (text, label, sensitive features, model features).
        split: split of a `datasets` folder or Hub dataset; optional when there is one.
        limit: keep only the first `limit` rows.
        endpoint: Hub address for `hub:` data (default: $HF_ENDPOINT or huggingface.co).
        encoding: text encoding of a CSV or JSON file.

    Returns:
        The rows and their provenance.

    Raises:
        CardgenError: for a missing file or column, an unknown split, or an empty set.
    """
    if limit is not None and limit < 1:
        raise CardgenError(f"--limit must be at least 1, got {limit}")
    if data.startswith(HUB_PREFIX):
        loaded = _load_hub(data, columns, split=split, endpoint=endpoint)
    elif Path(data).is_dir():
        loaded = _load_saved_dataset(Path(data), columns, split)
    else:
        path = Path(data)
        frame = _read_file(path, columns, limit, encoding)
        digest = sha256_file(path)
        loaded = EvaluationSet(frame, data, f"sha256:{digest}", {data: digest})
    if limit is not None:
        loaded.frame = loaded.frame.iloc[:limit].reset_index(drop=True)
    if len(loaded.frame) == 0:
        raise CardgenError(f"{data}: no rows to run the model on")
    return loaded


def _read_file(
    path: Path, columns: Sequence[str], limit: int | None, encoding: str = "utf-8"
) -> pd.DataFrame:
    chunks: list[pd.DataFrame] = []
    rows = 0
    for chunk in read_frames(path, list(columns), encoding=encoding):
        chunks.append(chunk)
        rows += len(chunk)
        if limit is not None and rows >= limit:
            break
    if not chunks:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(chunks, ignore_index=True)


def _folder_revision(files: dict[str, str]) -> str:
    listing = "".join(f"{name}\t{digest}\n" for name, digest in sorted(files.items()))
    return "sha256:" + hashlib.sha256(listing.encode("utf-8")).hexdigest()


def _load_saved_dataset(folder: Path, columns: Sequence[str], split: str | None) -> EvaluationSet:
    try:
        import datasets
    except ImportError as exc:
        raise CardgenError(
            f"{folder}: reading a saved `datasets` folder needs the datasets "
            "library; pip install 'cardgen[ml]'"
        ) from exc
    if (folder / "dataset_dict.json").is_file():
        splits = json.loads((folder / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
        if split is None and len(splits) == 1:
            split = splits[0]
        if split not in splits:
            raise CardgenError(
                f"{folder}: give --split, one of {', '.join(splits)}"
                if split is None
                else f"{folder}: no split {split!r}; splits: {', '.join(splits)}"
            )
        part = folder / str(split)
    elif (folder / "dataset_info.json").is_file() or (folder / "state.json").is_file():
        part = folder
    else:
        raise CardgenError(
            f"{folder}: not a dataset folder (no dataset_dict.json or "
            "state.json from `datasets`' save_to_disk)"
        )
    dataset = datasets.load_from_disk(str(part))
    missing_columns(str(part), columns, dataset.column_names)
    frame = dataset.select_columns(list(columns)).to_pandas()
    files = {str(p): sha256_file(p) for p in sorted(part.glob("*.arrow"))}
    return EvaluationSet(frame, str(folder), _folder_revision(files), files, split)


def split_of(filename: str) -> str:
    """The split a Hub Parquet file belongs to, by the Hub's naming conventions.

    `data/test-00000-of-00001.parquet`, `test.parquet` and `default/test/0000.parquet`
    (the Hub's Parquet conversion) all belong to `test`.
    """
    path = PurePosixPath(filename)
    stem = path.name.removesuffix(".parquet").split("-")[0]
    if stem.isdigit() and len(path.parts) > 1:
        return path.parts[-2]
    return stem


def _load_hub(
    data: str, columns: Sequence[str], *, split: str | None, endpoint: str | None
) -> EvaluationSet:
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    repo_id, _, revision = data.removeprefix(HUB_PREFIX).strip("/").partition("@")
    if repo_id.count("/") != 1:
        raise CardgenError(f"{data}: expected hub:ORG/NAME or hub:ORG/NAME@REVISION")
    try:
        info = HfApi(endpoint=endpoint).dataset_info(repo_id, revision=revision or None)
    except HfHubHTTPError as exc:
        raise CardgenError(f"{data}: cannot read the dataset from the Hub: {exc}") from exc
    parquet = sorted(s.rfilename for s in info.siblings or [] if s.rfilename.endswith(".parquet"))
    by_split: dict[str, list[str]] = {}
    for name in parquet:
        by_split.setdefault(split_of(name), []).append(name)
    if not by_split:
        raise CardgenError(f"{data}: the dataset has no Parquet files")
    if split is None and len(by_split) == 1:
        split = next(iter(by_split))
    if split not in by_split:
        known = ", ".join(sorted(by_split))
        raise CardgenError(
            f"{data}: give --split, one of {known}"
            if split is None
            else f"{data}: no split {split!r}; splits: {known}"
        )
    frames = []
    files: dict[str, str] = {}
    for name in by_split[split]:
        try:
            local = hf_hub_download(
                repo_id, name, repo_type="dataset", revision=info.sha, endpoint=endpoint
            )
        except HfHubHTTPError as exc:
            raise CardgenError(f"{data}: cannot download {name}: {exc}") from exc
        frames.append(_read_file(Path(local), columns, None))
        files[f"{HUB_PREFIX}{repo_id}/{name}"] = sha256_file(local)
    frame = pd.concat(frames, ignore_index=True)
    return EvaluationSet(frame, data, str(info.sha), files, split)
