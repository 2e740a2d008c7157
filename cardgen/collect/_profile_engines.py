"""Profile input read by DuckDB: globs, hive-partitioned folders and files of any size,
streamed as Arrow batches into the same accumulators as the pyarrow reader.

Reading only; it computes no statistics and never loads the whole input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from ..errors import CardgenError
from ._profile_read import DataSource

BATCH_ROWS = 1 << 20
"""Rows per Arrow batch fetched from DuckDB."""


@dataclass
class DuckDBSource(DataSource):
    """A file, glob or hive-partitioned folder read through DuckDB."""

    sql_source: str = ""
    given: str = ""

    def _duckdb_reader(self, sql: str, rows: int) -> pa.RecordBatchReader:
        import duckdb

        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")  # stdout is the caller's
        try:
            # The reader keeps the connection alive while batches are read.
            return con.sql(sql).to_arrow_reader(rows)
        except duckdb.Error as exc:
            detail = str(exc).strip().splitlines()[0]
            raise CardgenError(f"{self.given}: DuckDB cannot read it: {detail}") from None

    def open(self) -> None:
        """Read the schema (DuckDB samples the files to type CSV and JSON columns)."""
        self.schema = self._duckdb_reader(f"SELECT * FROM {self.sql_source} LIMIT 0", 1).schema

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows as record batches, cleaned as the CSV reader cleans its own."""
        import duckdb

        reader = self._duckdb_reader(f"SELECT * FROM {self.sql_source}", BATCH_ROWS)
        try:
            for batch in reader:
                yield self._clean_csv(batch) if self.format == "csv" else batch
        except duckdb.Error as exc:
            detail = str(exc).strip().splitlines()[0]
            raise CardgenError(f"{self.given}: DuckDB cannot read it: {detail}") from None

    def retype(self, column: str) -> None:
        """DuckDB types columns up front; a column whose type keeps changing is an error."""
        raise CardgenError(f"{self.given}: cannot read column {column!r} with one type")


def open_duckdb_source(path: str, *, strip: bool = True) -> DuckDBSource:
    """Open a file, glob or folder for profiling through DuckDB (the duckdb extra)."""
    from pathlib import Path

    from ..engines import require_extra, resolve_inputs, source_sql

    require_extra("duckdb")
    inputs = resolve_inputs(path)
    if inputs.table is not None:
        raise CardgenError(f"{path}: profile reads files; a Spark table is not supported")
    fmt = {"json": "jsonl"}.get(inputs.kind, inputs.kind)
    source = DuckDBSource(
        Path(path), fmt, list(inputs.files), strip=strip, sql_source=source_sql(inputs), given=path
    )
    source.open()
    return source
