"""Profile input read by DuckDB or Spark: globs, hive-partitioned folders, files of any
size (and for Spark URIs and `spark:db.table`), streamed as Arrow batches into the same
accumulators as the pyarrow reader.

Reading only; it computes no statistics and never loads the whole input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..errors import CardgenError
from ..tables import duplicate_columns
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


@dataclass
class SparkSource(DataSource):
    """Files, a URI or `spark:db.table` read by Spark; rows come to the driver in Arrow
    batches, one partition at a time."""

    given: str = ""
    frame: Any = None

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows as record batches of up to `BATCH_ROWS` rows, cleaned as the CSV reader
        cleans its own."""
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        def arrow_ipc(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            # Runs in Spark's Python workers. Defined here, so that it is pickled by value:
            # a cluster's executors need pyarrow, not cardgen.
            import pyarrow as pa

            for batch in batches:
                sink = pa.BufferOutputStream()
                with pa.ipc.new_stream(sink, batch.schema) as writer:
                    writer.write_batch(batch)
                blob = pa.array([sink.getvalue().to_pybytes()], pa.binary())
                yield pa.RecordBatch.from_arrays([blob], ["ipc"])

        assert self.schema is not None
        pending: list[pa.RecordBatch] = []
        rows = 0
        # Each Arrow batch crosses as one row holding its IPC stream; toLocalIterator fetches
        # one partition at a time, so the driver holds at most one partition's batches plus
        # the rows gathered here.
        blobs = self.frame.mapInArrow(arrow_ipc, "ipc binary").toLocalIterator()
        try:
            for row in blobs:
                for batch in pa.ipc.open_stream(pa.py_buffer(row[0])):
                    pending.append(batch)
                    rows += batch.num_rows
                if rows >= BATCH_ROWS:
                    yield from self._combine(pending)
                    pending, rows = [], 0
        except (PySparkException, Py4JJavaError) as exc:
            # A failed task (an unreadable file, a worker without pyarrow) reaches the
            # iterator as a Java error; its first line names the cause.
            text = str(exc)
            if "No module named 'pyarrow'" in text:
                raise CardgenError(
                    f"{self.given}: Spark's Python workers have no pyarrow, which the profile "
                    "needs there: install pyarrow where they run, or point PYSPARK_PYTHON at a "
                    "Python that has it (before the Spark session starts)"
                ) from None
            detail = text.strip().splitlines()[0]
            raise CardgenError(f"{self.given}: Spark cannot read it: {detail}") from None
        if pending:
            yield from self._combine(pending)

    def _combine(self, batches: list[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Spark's small batches (10,000 rows by default) as one, in the schema of `open`."""
        assert self.schema is not None
        table = pa.Table.from_batches(batches).cast(self.schema).combine_chunks()
        for batch in table.to_batches():
            yield self._clean_csv(batch) if self.format == "csv" else batch

    def retype(self, column: str) -> None:
        """Spark types columns up front; a column whose type keeps changing is an error."""
        raise CardgenError(f"{self.given}: cannot read column {column!r} with one type")


def open_spark_source(path: str, *, strip: bool = True, master: str = "local[*]") -> SparkSource:
    """Open files, a URI or `spark:db.table` for profiling through Spark (the spark extra)."""
    from pathlib import Path

    from ..engines import require_extra, resolve_inputs
    from ..engines import spark_frame as frame_of
    from ..engines import spark_session as session

    require_extra("spark")
    from pyspark.errors import PySparkException
    from pyspark.sql.pandas.types import to_arrow_schema

    inputs = resolve_inputs(path)
    spark = session(master)
    try:
        frame = frame_of(spark, inputs)
        # Spark's own mapping of its types to Arrow's (pyspark 3.5 and 4).
        schema = to_arrow_schema(frame.schema)
    except (PySparkException, TypeError) as exc:
        detail = str(exc).strip().splitlines()[0]
        raise CardgenError(f"{path}: Spark cannot read it: {detail}") from None
    fmt = {"json": "jsonl"}.get(inputs.kind, inputs.kind)
    source = SparkSource(Path(path), fmt, list(inputs.files), strip=strip, given=path, frame=frame)
    source.schema = schema
    duplicate_columns(path, schema.names)
    return source
