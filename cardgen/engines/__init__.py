"""Aggregation engines: one GROUP BY that pandas, DuckDB or Spark runs, giving a count table.

It chooses an engine, finds the input files and hands the counts to cardgen.metrics; it
never computes a metric, and only the small count table ever leaves DuckDB or Spark.
"""

from __future__ import annotations

import glob as globbing
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CardgenError
from ._duckdb import source_sql
from ._spec import AggregationSpec, Inputs
from ._sql import CountRows

if TYPE_CHECKING:
    from ._encode import encode_counts

ENGINES = ("auto", "pandas", "duckdb", "spark")
"""Values of `--engine`."""

AUTO_DUCKDB_BYTES = 256 << 20
"""`--engine auto` reads inputs larger than this (256 MiB in all), globs and folders with
DuckDB; smaller single files and in-memory frames with pandas."""

EXTRAS = {"duckdb": ("duckdb", "duckdb"), "spark": ("pyspark", "spark")}
"""Engine -> (module it imports, cardgen extra that installs it)."""

SPARK_PREFIX = "spark:"
"""`spark:db.table` names a table of the Spark catalog."""


def _kind(path: Path) -> str | None:
    """`csv`, `parquet` or `jsonl` by the one list of table types (`cardgen.tables`)."""
    from ..tables import table_format

    try:
        return table_format(path).kind
    except CardgenError:
        return None


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def resolve_inputs(data: str | os.PathLike[str]) -> Inputs:
    """The files behind a path, a glob (`*`, `?`, `[`, `**`), a folder (hive-partitioned
    `key=value/` subfolders allowed), `spark:db.table`, or a URI that only Spark reads
    (`s3a://`, `hdfs://`, `file://`...; Parquet unless it ends in .csv or .jsonl).

    Raises:
        CardgenError: a glob that matches nothing, a missing path, a folder without data
            files, files of mixed or unknown formats.
    """
    given = os.fspath(data)
    if given.startswith(SPARK_PREFIX):
        table = given[len(SPARK_PREFIX) :]
        if not table:
            raise CardgenError(f"{given}: name a table, e.g. spark:db.predictions")
        return Inputs(given, "table", (), table=table)
    if _URI.match(given):
        return Inputs(given, _kind(Path(given.rstrip("/"))) or "parquet", (), uri=given)
    folder = None
    if globbing.has_magic(given):
        files = [Path(p) for p in sorted(globbing.glob(given, recursive=True)) if Path(p).is_file()]
        if not files:
            raise CardgenError(f"{given}: the glob matches no file")
    else:
        path = Path(given)
        if path.is_dir():
            folder = path
            # Spark and Hadoop leave _SUCCESS, .crc and other hidden files next to the data.
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and _kind(p)
                and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
            )
            if not files:
                raise CardgenError(f"{given}: the folder holds no .csv, .parquet or .jsonl file")
        elif path.is_file():
            files = [path]
        else:
            raise CardgenError(f"{given}: no such file or directory")
    kinds = {_kind(f) for f in files}
    if None in kinds:
        bad = next(f for f in files if _kind(f) is None)
        from ..tables import table_format

        table_format(bad)  # raises, naming the suffix and the types expected
    if len(kinds) > 1:
        raise CardgenError(
            f"{given}: the files mix formats ({', '.join(sorted(kinds))}); "  # type: ignore[arg-type]
            f"give one format at a time"
        )
    return Inputs(given, kinds.pop(), tuple(files), folder=folder)  # type: ignore[arg-type]


def default_name(data: str | os.PathLike[str]) -> str:
    """A file-name-safe name for an input: the file stem, a folder's name, a glob's fixed
    file-name prefix (else its folder), or a Spark table's name."""
    given = os.fspath(data)
    if given.startswith(SPARK_PREFIX):
        return given.rsplit(".", 1)[-1].removeprefix(SPARK_PREFIX) or "evaluation"
    fixed = re.split(r"[*?\[]", given)[0]
    if fixed != given:
        return fixed.rsplit("/", 1)[-1].strip("-_.") or Path(fixed).name or "evaluation"
    return Path(given).name.split(".")[0] or "evaluation"


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_extra(engine: str) -> Any:
    """Import an engine's library, or say which extra installs it."""
    import importlib

    module, extra = EXTRAS[engine]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise CardgenError(
            f"the {engine} engine needs the '{extra}' extra: pip install 'cardgen[{extra}]'"
        ) from None


def choose_engine(engine: str, data: Any) -> str:
    """The engine `--engine ENGINE` means for this input (see `AUTO_DUCKDB_BYTES`).

    Raises:
        CardgenError: an unknown engine; a frame given to DuckDB or Spark; a glob, folder
            or Spark table given to pandas.
    """
    if engine not in ENGINES:
        raise CardgenError(f"unknown engine {engine!r}; use {', '.join(ENGINES)}")
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        if engine in ("auto", "pandas"):
            return "pandas"
        raise CardgenError(
            f"the {engine} engine reads files or tables; pass a path instead "
            f"of a DataFrame (or use engine='pandas')"
        )
    given = os.fspath(data)
    if engine == "auto":
        if given.startswith(SPARK_PREFIX) or _URI.match(given):
            return "spark"
        inputs = resolve_inputs(given)
        if (
            len(inputs.files) == 1
            and inputs.folder is None
            and (inputs.size <= AUTO_DUCKDB_BYTES or not _installed("duckdb"))
        ):
            return "pandas"
        return "duckdb"
    remote = given.startswith(SPARK_PREFIX) or _URI.match(given)
    if engine in ("pandas", "duckdb") and remote:
        raise CardgenError(f"{given}: a Spark table or URI needs --engine spark")
    if engine == "pandas" and (globbing.has_magic(given) or Path(given).is_dir()):
        raise CardgenError(
            f"{given}: the pandas engine reads one file; use --engine "
            f"duckdb (or spark) for globs and folders"
        )
    return engine


def engine_version(engine: str) -> tuple[str, str]:
    """The distribution an engine runs on and its installed version."""
    from importlib import metadata

    distribution = {"pandas": "pandas", "duckdb": "duckdb", "spark": "pyspark"}[engine]
    try:
        return distribution, metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return distribution, "unknown"


def aggregate(
    engine: str, inputs: Inputs, spec: AggregationSpec, *, spark_master: str = "local[*]"
) -> CountRows:
    """Run the aggregation on DuckDB or Spark and return the count table's rows."""
    require_extra(engine)
    if engine == "duckdb":
        from ._duckdb import run_duckdb

        return run_duckdb(inputs, spec)
    from ._spark import run_spark

    return run_spark(inputs, spec, spark_master)


__all__ = [
    "AUTO_DUCKDB_BYTES",
    "ENGINES",
    "AggregationSpec",
    "CountRows",
    "Inputs",
    "aggregate",
    "choose_engine",
    "default_name",
    "encode_counts",
    "engine_version",
    "require_extra",
    "resolve_inputs",
    "source_sql",
    "spark_frame",
    "spark_session",
]


def __getattr__(name: str) -> Any:
    # The count encoder needs numpy and the metrics engine: loaded when first asked for.
    if name == "encode_counts":
        from ._encode import encode_counts

        return encode_counts
    # Spark's session and reader: pyspark is loaded when first asked for.
    if name in ("spark_frame", "spark_session"):
        from ._spark import frame_of, session

        return {"spark_frame": frame_of, "spark_session": session}[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
