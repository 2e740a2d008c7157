"""The `profile` collector: compute a data card's composition facts from a data file.

One streaming pass over Arrow batches (bounded memory) yields a `DatasetProfile` with
provenance; it reads data and writes facts, never a spec or a rendered card.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._io import sha256_file
from .._words import count as count_of
from ..errors import CardgenError
from ..facts import facts_dir, new_provenance, read_facts, write_fact
from ..metrics import MISSING
from ..privacy import Declarations, assign_roles
from ..schema.evaluation import MetricValue
from ..schema.profile import ColumnProfile, DatasetProfile, GroupProfile, ProfileWarning
from ..tables import check_encoding
from ._profile_pii import personal_data_flags
from ._profile_read import DataSource, RetypeColumn, open_source
from ._profile_stats import (
    ColumnAccumulator,
    DuplicateCounter,
    as_text,
    wilson_interval,
)

MISSINGNESS_GAP = 0.10
"""Missing rates between groups that differ by this much (absolute) ..."""
MISSINGNESS_RATIO = 2.0
"""... and by this factor are flagged as differential missingness."""
MISSING_MARKERS = frozenset(
    {
        "?",
        "-",
        "--",
        "n/a",
        "na",
        "none",
        "null",
        "nan",
        "missing",
        "#n/a",
        "undefined",
        "not available",
    }
)
"""Values that usually stand for a missing value."""
SENTINEL_NUMBERS = frozenset({-1, -9, -99, -999, -9999, 99, 999, 9999, 99999, 999999})
"""Numbers often used as missing-value codes when they are a column's smallest or largest."""
MAX_LABEL_GROUPS = 200_000
"""Cap on group × label-value cells; a label with more values needs `pos_label`."""
_LABEL = "\x00label"
_POSITIVE_NAMES = (
    ("1", "0"),
    ("true", "false"),
    ("yes", "no"),
    ("y", "n"),
    ("positive", "negative"),
)

ProgressCallback = Callable[[int], None]


def profile(
    path: str | Path,
    *,
    sensitive: Sequence[str] = (),
    label: str | None = None,
    pos_label: str | None = None,
    split: str | None = None,
    encoding: str = "utf-8",
    strip_whitespace: bool = True,
    min_group_size: int = 30,
    top_k: int = 10,
    ci_level: float = 0.95,
    max_tracked_values: int = 1_000_000,
    max_exact_values: int = 2_000_000,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    engine: str = "auto",
    spark_master: str = "local[*]",
    declared: Declarations | None = None,
) -> DatasetProfile:
    """Profile a dataset: per-column statistics, duplicates, groups, base rates, warnings.

    The file is streamed as Arrow record batches, so files larger than memory work, with
    bounded memory: per text column its distinct values up to `max_tracked_values`, then
    16 bytes (hash + count) per distinct value up to 4 x that, then a sketch (distinct values
    estimated by HyperLogLog, top values followed from the first part of the file, both
    flagged as not exact); per numeric column up to `max_exact_values` values (then a
    uniform random sample of that size for quantiles and histogram) and, beyond, 16 bytes
    per distinct value up to `max_tracked_values`, then the same sketch; 8 bytes per row for
    duplicate rows, up to 5 x 10^7 rows (then not counted); one cell per group x label value.
    Min, max, mean, std, counts and missing values are always exact.

    Input choices: a header-only CSV is a valid profile with 0 rows (an empty file is an
    error); bytes that are not valid in `encoding` are an error naming the line and column,
    never silently replaced; spaces around CSV fields are trimmed unless
    `strip_whitespace=False`; CSV fields such as `NA`, `null` or empty are missing (Arrow's
    and pandas' defaults), while markers such as `?` are counted as values and warned about.

    Args:
        path: CSV, Parquet, JSON Lines file or a saved `datasets` folder; with the duckdb
            or spark engine also a glob or a hive-partitioned folder; with spark also a URI
            Spark reads (`s3a://...`) or `spark:db.table`.
        sensitive: sensitive attributes; each alone and their intersections are reported.
        label: label column whose base rate (share of `pos_label`) is reported per group.
        pos_label: the label value counted as positive; inferred for two-valued labels
            (`1`, `true`, `yes`, else the rarer value).
        split: split of a saved `DatasetDict` folder.
        encoding: text encoding of CSV and JSON Lines files.
        strip_whitespace: trim spaces around CSV fields and header names (as pandas'
            `skipinitialspace`); a field of spaces only is missing.
        min_group_size: groups with fewer rows are flagged as small.
        top_k: most frequent values kept per column.
        ci_level: confidence level of the base rates' Wilson intervals.
        max_tracked_values: distinct values kept per column before switching to hashes.
        max_exact_values: numeric values kept per column for exact quantiles before sampling.
        seed: seed of that sample.
        progress: called with the number of rows of each batch read.
        engine: `pandas` streams the file with pyarrow; `duckdb` reads it through DuckDB,
            which also takes globs and hive-partitioned folders; `spark` lets Spark read it
            and streams the rows to this process in Arrow batches (one partition at a
            time); `auto` picks DuckDB for globs, folders and files over
            `cardgen.engines.AUTO_DUCKDB_BYTES`, Spark for `spark:` tables and URIs.
        spark_master: Spark master URL when the spark engine starts a new SparkSession.
        declared: what the data card declares about its columns
            (`Declarations.of(card)`): with the detection flags, it gives each column its
            role (`cardgen.privacy`); a withheld column's values never enter the profile.

    Returns:
        The profile, with provenance (file SHA-256, rows, time, versions), each column
        with its role.

    Raises:
        CardgenError: unreadable or empty file, bad encoding (with line and column), a
            sensitive or label column that does not exist, a label that needs `pos_label`.

    Example:
        >>> p = profile("adult.csv", sensitive=["race", "sex"], label="income")  # doctest: +SKIP
        >>> p.groups[0].base_rate.value  # doctest: +SKIP
        0.2557
    """
    if top_k < 0 or min_group_size < 0:
        raise CardgenError("top_k and min_group_size must not be negative")
    source = _open(
        path, engine, split=split, encoding=encoding, strip=strip_whitespace, master=spark_master
    )
    sensitive = list(dict.fromkeys(sensitive))
    _check_columns(source, sensitive, label)
    for _ in range(len(source.schema or []) + 2):
        try:
            return _profile_once(
                source,
                sensitive,
                label,
                pos_label,
                min_group_size,
                top_k,
                ci_level,
                max_tracked_values,
                max_exact_values,
                seed,
                progress,
                declared or Declarations(),
            )
        except RetypeColumn as retype:
            source.retype(retype.column)
    raise CardgenError(f"{source.path}: column types keep changing while reading")


def _open(
    path: str | Path, engine: str, *, split: str | None, encoding: str, strip: bool, master: str
) -> DataSource:
    """The source to stream, read by pyarrow (`pandas`), DuckDB or Spark."""
    from ..engines import choose_engine

    folder = Path(path)
    datasets_folder = folder.is_dir() and (
        (folder / "state.json").exists() or (folder / "dataset_dict.json").exists()
    )
    pyarrow_only = datasets_folder or (
        folder.is_file()
        and folder.suffix.lower()
        not in (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")
    )
    # Saved datasets folders (Arrow streams) and .txt/.data CSV files: pyarrow only.
    if engine in ("auto", "pandas") and pyarrow_only:
        return open_source(path, split=split, encoding=encoding, strip=strip)
    chosen = choose_engine(engine, str(path))
    if chosen == "pandas":
        return open_source(path, split=split, encoding=encoding, strip=strip)
    check_encoding(encoding, chosen)
    from ._profile_engines import open_duckdb_source, open_spark_source

    if chosen == "spark":
        return open_spark_source(str(path), strip=strip, master=master)
    return open_duckdb_source(str(path), strip=strip)


def _check_columns(source: DataSource, sensitive: list[str], label: str | None) -> None:
    assert source.schema is not None
    names = source.schema.names
    for role, column in [("sensitive", c) for c in sensitive] + [("label", label)]:
        if column is not None and column not in names:
            raise CardgenError(
                f"{_name(source)}: no {role} column {column!r}; columns are: "
                f"{', '.join(names) or '(none)'}"
            )


def _profile_once(
    source: DataSource,
    sensitive: list[str],
    label: str | None,
    pos_label: str | None,
    min_group_size: int,
    top_k: int,
    ci_level: float,
    max_tracked_values: int,
    max_exact_values: int,
    seed: int,
    progress: ProgressCallback | None,
    declared: Declarations,
) -> DatasetProfile:
    assert source.schema is not None
    columns = [
        ColumnAccumulator(
            f.name,
            f.type,
            top_k=top_k,
            max_tracked_values=max_tracked_values,
            max_exact_values=max_exact_values,
            seed=seed,
        )
        for f in source.schema
    ]
    duplicates = DuplicateCounter()
    groups = _GroupCounter(sensitive, label, [c.name for c in columns])
    rows = 0
    for batch in source.batches():
        rows += batch.num_rows
        row_hash = np.zeros(batch.num_rows, dtype=np.uint64)
        for accumulator, values in zip(columns, batch.columns, strict=True):
            row_hash = accumulator.update(values, row_hash)
        duplicates.add(row_hash)
        groups.add(batch)
        if progress is not None:
            progress(batch.num_rows)
    hashed = [c for c in columns if c.hashed]
    if hashed:
        _recover_top_values(source, hashed)
    results = [c.result() for c in columns]
    flags = [
        flag
        for c, r in zip(columns, results, strict=True)
        for flag in personal_data_flags(r, c.sample)
    ]
    pos = _positive_label(source, label, pos_label, groups) if label else None
    overall, group_results = groups.results(pos, rows, min_group_size, ci_level)
    warnings = _column_warnings(
        results, rows, [c for c in columns if c.hashed or c.sketched], max_tracked_values
    )
    warnings += _group_warnings(group_results, groups, min_group_size)
    duplicate_rows = duplicates.duplicates()
    if duplicate_rows is None:
        warnings.append(
            ProfileWarning(
                kind="duplicates_unchecked",
                message=f"duplicate rows were not counted: more than {duplicates.max_rows} rows",
            )
        )
    return assign_roles(
        DatasetProfile(
            source=_name(source),
            format=source.format,
            encoding=source.encoding,
            num_rows=rows,
            num_columns=len(columns),
            duplicate_rows=duplicate_rows,
            duplicate_rate=duplicate_rows / rows if rows and duplicate_rows is not None else None,
            top_k=top_k,
            columns=results,
            sensitive_features=sensitive,
            label=label,
            pos_label=pos,
            min_group_size=min_group_size,
            ci_level=ci_level,
            base_rate=overall,
            groups=group_results,
            personal_data=flags,
            warnings=warnings,
            provenance=new_provenance(
                "profile",
                libraries=("pyarrow", "numpy", "pandas", *_engine_library(source)),
                uri=_name(source),
                input_sha256={str(f): sha256_file(f) for f in source.files},
                seed=seed,
                engine=_engine_name(source),
            ),
        ),
        declared,
    )


def _engine(source: DataSource) -> str:
    return {"DuckDBSource": "duckdb", "SparkSource": "spark"}.get(type(source).__name__, "pandas")


def _name(source: DataSource) -> str:
    """The data as given: a Path would fold a URI's `//` (s3a://lake/x becomes s3a:/lake/x)."""
    return str(getattr(source, "given", "")) if _engine(source) == "spark" else str(source.path)


def _engine_library(source: DataSource) -> tuple[str, ...]:
    return {"duckdb": ("duckdb",), "spark": ("pyspark",)}.get(_engine(source), ())


def _engine_name(source: DataSource) -> str:
    from ..engines import engine_version

    name = _engine(source)
    return f"{name} {engine_version(name)[1]}"


def _recover_top_values(source: DataSource, hashed: list[ColumnAccumulator]) -> None:
    """Second pass for hashed columns: find the values behind their most frequent hashes."""
    wanted = {c.name: {h for h, _ in c.top_hashes()} for c in hashed}
    for batch in source.batches():
        for column in hashed:
            missing = wanted[column.name] - column.top_hash_values.keys()
            if not missing:
                continue
            values = batch.column(column.name)
            hashes = column.value_hashes(values)
            hits = np.flatnonzero(np.isin(hashes, np.fromiter(missing, np.uint64)))
            if hits.size:
                texts = as_text(values.take(pa.array(hits))).to_pylist()
                for index, text in zip(hits, texts, strict=True):
                    column.top_hash_values.setdefault(int(hashes[index]), text)
        if all(wanted[c.name] <= c.top_hash_values.keys() for c in hashed):
            return


class _GroupCounter:
    """Rows, label values and missing values per intersectional group, summed over batches."""

    def __init__(self, sensitive: list[str], label: str | None, columns: list[str]):
        self.sensitive = sensitive
        self.label = label
        self.columns = [c for c in columns if c not in sensitive]
        self._parts: list[pa.Table] = []
        self._rows = 0
        self.missing_by_group: dict[str, pd.DataFrame] = {}
        """Per sensitive attribute: each group's missing rate per column, and its size."""

    @property
    def active(self) -> bool:
        """Whether there is anything to count (sensitive attributes or a label)."""
        return bool(self.sensitive) or self.label is not None

    def add(self, batch: pa.RecordBatch) -> None:
        """Count one batch's rows, label values and missing values per group."""
        if not self.active:
            return
        keys = {
            name: pc.fill_null(_key_text(batch.column(name)), MISSING) for name in self.sensitive
        }
        if self.label is not None:
            keys[_LABEL] = _key_text(batch.column(self.label))
        table = pa.table(
            {
                **keys,
                **{
                    f"m{i}": _missing_mask(batch.column(name))
                    for i, name in enumerate(self.columns)
                    if self.sensitive
                },
                "n": pa.array(np.ones(batch.num_rows, dtype=np.int64)),
            }
        )
        aggregations = [("n", "sum")] + [
            (f"m{i}", "sum") for i in range(len(self.columns)) if self.sensitive
        ]
        summed = table.group_by(list(keys), use_threads=False).aggregate(aggregations)
        self._parts.append(summed.rename_columns(list(keys) + [a for a, _ in aggregations]))
        self._rows += len(summed)
        if self._rows > 4 * MAX_LABEL_GROUPS:
            self._merge()

    def _merge(self) -> None:
        if len(self._parts) > 1:
            merged = pa.concat_tables(self._parts)
            keys = [*self.sensitive] + ([_LABEL] if self.label else [])
            sums = [c for c in merged.column_names if c not in keys]
            merged = (
                merged.group_by(keys, use_threads=False)
                .aggregate([(c, "sum") for c in sums])
                .rename_columns(keys + sums)
            )
            self._parts = [merged]
        self._rows = len(self._parts[0]) if self._parts else 0

    def frame(self) -> pd.DataFrame:
        """Summed cells: sensitive values, label value, n, missing counts per column."""
        self._merge()
        if not self._parts:
            return pd.DataFrame(columns=[*self.sensitive, _LABEL, "n"])
        return self._parts[0].to_pandas()

    def label_counts(self) -> dict[str, int]:
        """Rows per label value (missing labels left out)."""
        cells = self.frame()
        if self.label is None or cells.empty:
            return {}
        present = cells[cells[_LABEL].notna()]
        return {str(k): int(v) for k, v in present.groupby(_LABEL)["n"].sum().items()}

    def results(
        self, pos: str | None, rows: int, min_group_size: int, level: float
    ) -> tuple[MetricValue | None, list[GroupProfile]]:
        """Overall base rate, and every group (each attribute alone, then intersections)."""
        cells = self.frame()
        overall = None
        if self.label is not None and pos is not None:
            labelled = cells[cells[_LABEL].notna()]
            overall = wilson_interval(
                int(labelled.loc[labelled[_LABEL] == pos, "n"].sum()),
                int(labelled["n"].sum()),
                level,
            )
        if not self.sensitive or cells.empty:
            return overall, []
        feature_sets = [[s] for s in self.sensitive]
        feature_sets += [
            list(c)
            for r in range(2, len(self.sensitive) + 1)
            for c in combinations(self.sensitive, r)
        ]
        results: list[GroupProfile] = []
        for features in feature_sets:
            grouped = cells.groupby(features, sort=True, dropna=False)
            n = grouped["n"].sum()
            if self.label is not None and pos is not None:
                labelled = cells[cells[_LABEL].notna()]
                denominators = labelled.groupby(features, dropna=False)["n"].sum()
                positives = (
                    labelled[labelled[_LABEL] == pos].groupby(features, dropna=False)["n"].sum()
                )
            if len(features) == 1:
                missing = grouped[[f"m{i}" for i in range(len(self.columns))]].sum()
                self.missing_by_group[features[0]] = missing.div(n, axis=0).assign(n=n)
            ordered = sorted(n.items(), key=lambda item: (-int(item[1]), _key(item[0])))
            for key, count in ordered:
                values = key if isinstance(key, tuple) else (key,)
                base_rate = None
                if self.label is not None and pos is not None:
                    base_rate = wilson_interval(
                        int(positives.get(key, 0)), int(denominators.get(key, 0)), level
                    )
                results.append(
                    GroupProfile(
                        features=dict(zip(features, (str(v) for v in values), strict=True)),
                        count=int(count),
                        share=int(count) / rows if rows else None,
                        small=int(count) < min_group_size,
                        base_rate=base_rate,
                    )
                )
        return overall, results


def _key_text(values: pa.Array) -> pa.Array:
    """Group keys as text; NaN is missing, as everywhere in the profile."""
    if pa.types.is_floating(values.type):
        values = pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
    return as_text(values)


def _key(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, tuple) else (str(value),)


def _missing_mask(values: pa.Array) -> pa.Array:
    missing = (
        pc.is_null(values, nan_is_null=True)
        if pa.types.is_floating(values.type)
        else pc.is_null(values)
    )
    return missing.cast(pa.int64())


def _positive_label(
    source: DataSource, label: str, pos_label: str | None, groups: _GroupCounter
) -> str | None:
    counts = groups.label_counts()
    if pos_label is not None:
        if counts and pos_label not in counts:
            raise CardgenError(
                f"{source.path}: label {label!r} has no value {pos_label!r}; "
                f"values are: {', '.join(sorted(counts)[:20])}"
            )
        return pos_label
    if not counts:
        return None
    if len(counts) > 2:
        raise CardgenError(
            f"{source.path}: label {label!r} has {len(counts)} values; pass "
            f"--pos-label with the positive one (e.g. "
            f"{', '.join(sorted(counts)[:5])})"
        )
    lowered = {v.lower(): v for v in counts}
    for positive, negative in _POSITIVE_NAMES:
        if set(lowered) <= {positive, negative} and positive in lowered:
            return lowered[positive]
    # Otherwise the rarer value is the one whose rate is interesting (ties: the larger).
    return min(counts, key=lambda v: (counts[v], [-ord(ch) for ch in v]))


def _column_warnings(
    results: list[ColumnProfile],
    rows: int,
    hashed: list[ColumnAccumulator],
    max_tracked_values: int,
) -> list[ProfileWarning]:
    warnings = []
    hashed_names = {c.name for c in hashed}
    for column in results:
        if rows and column.count == 0:
            warnings.append(
                ProfileWarning(
                    kind="all_missing",
                    column=column.name,
                    message=f"column {column.name!r} has no values",
                )
            )
            continue
        if rows > 1 and column.distinct == 1:
            warnings.append(
                ProfileWarning(
                    kind="constant",
                    column=column.name,
                    message=f"column {column.name!r} holds one value only",
                )
            )
        if column.type == "mixed":
            warnings.append(
                ProfileWarning(
                    kind="mixed_types",
                    column=column.name,
                    message=f"column {column.name!r} mixes numbers "
                    f"({column.numeric_values} values) and text "
                    f"({column.count - (column.numeric_values or 0)} values)",
                )
            )
        markers = [v for v in column.top_values if v.value.strip().lower() in MISSING_MARKERS]
        for marker in markers:
            warnings.append(
                ProfileWarning(
                    kind="missing_marker",
                    column=column.name,
                    message=f"column {column.name!r}: value {marker.value!r} ({marker.count} rows) "
                    "probably means missing; it is counted as a value",
                )
            )
        warnings += _sentinel_warnings(column)
        if column.name in hashed_names:
            how = (
                "estimated (HyperLogLog), and its top values were followed from the first "
                "part of the file"
                if not column.distinct_exact
                else "counted by 64-bit hash"
            )
            warnings.append(
                ProfileWarning(
                    kind="high_cardinality",
                    column=column.name,
                    message=f"column {column.name!r} has more than {max_tracked_values} distinct "
                    f"values; they were {how}",
                )
            )
    return warnings


def _sentinel_warnings(column: ColumnProfile) -> list[ProfileWarning]:
    """A numeric column whose smallest or largest value is a usual missing-value code
    (-1, 99, 999, 99999, ...) probably codes missing values as that number."""
    stats = column.numeric
    if stats is None or column.type not in ("integer", "float"):
        return []
    counts = {v.value: v.count for v in column.top_values}
    out = []
    for end, value in (("smallest", stats.min), ("largest", stats.max)):
        if (
            value is None
            or value not in SENTINEL_NUMBERS
            or (end == "largest" and stats.min == stats.max)
        ):
            continue
        text = f"{value:g}"
        rows = f" ({counts[text]} rows)" if text in counts else ""
        out.append(
            ProfileWarning(
                kind="missing_marker",
                column=column.name,
                message=f"column {column.name!r}: its {end} value {text}{rows} is a common "
                f"missing-value code; check whether it means missing (it is counted "
                f"as a number)",
            )
        )
    return out


def _group_warnings(
    results: list[GroupProfile], groups: _GroupCounter, min_group_size: int
) -> list[ProfileWarning]:
    warnings = []
    for group in results:
        if group.small:
            label = ", ".join(f"{k}={v}" for k, v in group.features.items())
            warnings.append(
                ProfileWarning(
                    kind="small_group",
                    group=group.features,
                    message=f"group {label} has {count_of(group.count, 'row')} "
                    f"(< {min_group_size}): its statistics are uncertain",
                )
            )
    for feature, rates in groups.missing_by_group.items():
        large = rates[rates["n"] >= max(min_group_size, 1)]
        if len(large) < 2:
            continue
        for i, column in enumerate(groups.columns):
            series = large[f"m{i}"]
            high, low = float(series.max()), float(series.min())
            if high - low >= MISSINGNESS_GAP and high >= MISSINGNESS_RATIO * low:
                warnings.append(
                    ProfileWarning(
                        kind="differential_missingness",
                        column=column,
                        message=f"column {column!r} is missing in {high:.1%} of rows with "
                        f"{feature}={series.idxmax()} but {low:.1%} with "
                        f"{feature}={series.idxmin()}: missingness differs between groups",
                    )
                )
    return warnings


def profile_fact_key(path: str | Path) -> str:
    """The facts-store key of a data file's profile: `profile-<file stem>` (for
    `spark:db.table`, `profile-<table>`)."""
    if str(path).startswith("spark:"):
        from ..engines import default_name

        return f"profile-{default_name(str(path))}"
    return f"profile-{Path(path).stem or Path(path).name}"


def stored_profiles(card_name: str, root: str | Path = ".") -> dict[str, DatasetProfile]:
    """The profiles stored for a card (`.cardgen/<card>/profile-*.json`), keyed by fact key.

    Raises:
        CardgenError: a stored profile that is unreadable or does not match the schema.
    """
    profiles = {}
    for key, fact in read_facts(card_name, root).items():
        if key.startswith("profile-"):
            try:
                profiles[key] = DatasetProfile.model_validate(fact)
            except ValueError as exc:
                raise CardgenError(
                    f"{facts_dir(card_name, root) / key}.json: not a dataset profile: {exc}"
                ) from None
    return profiles


def store_profile(card_name: str, result: DatasetProfile, root: str | Path = ".") -> Path:
    """Write a profile as the card's fact `.cardgen/<card>/profile-<stem>.json`.

    Returns:
        The path written.
    """
    return write_fact(card_name, profile_fact_key(result.source), result, root=root)


def profile_for_card(
    data: str,
    card: str | Path | None = None,
    *,
    out: str | Path | None = None,
    sensitive: Sequence[str] = (),
    label: str | None = None,
    **options: Any,
) -> tuple[DatasetProfile, list[Path]]:
    """`profile` a data file for the card a spec file defines, and store the result.

    With neither `sensitive` nor `label`, the spec's `sources.profile` entry for `data`
    supplies both; a data card's declarations (`Declarations.of`) give the columns their
    roles. The profile goes to `out` as JSON (paths as `portable` writes them) and to the
    card's facts.

    Returns:
        The profile and the paths written (`out`, then the card's fact).
    """
    from .._io import atomic_write_text, dumps_json
    from .._paths import portable
    from ..schema import DataCard
    from ..spec import load_spec

    spec = load_spec(card) if card is not None else None
    if spec is not None and not sensitive and label is None:
        for source in getattr(getattr(spec, "sources", None), "profile", []):
            if Path(source.data) == Path(data):
                sensitive, label = tuple(source.sensitive), source.label
    declared = Declarations.of(spec) if isinstance(spec, DataCard) else None
    result = profile(data, sensitive=sensitive, label=label, declared=declared, **options)
    written = []
    if out is not None:
        written.append(atomic_write_text(out, dumps_json(portable(result.model_dump(mode="json")))))
    if spec is not None:
        written.append(store_profile(spec.name, result))
    return result, written
