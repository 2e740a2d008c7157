"""Stream a data file (CSV, Parquet, JSON Lines or a JSON array of records, saved `datasets`
folder) as Arrow batches.

Reading and input checking only: bad input becomes a `CardgenError` naming the file and,
where the format allows, the line; no statistics are computed here.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from ..errors import CardgenError
from ..tables import (
    detect_delimiter,
    duplicate_columns,
    encoding_error,
    is_json_array,
    json_records,
    open_bytes,
    table_format,
)

CSV_BLOCK_BYTES = 32 << 20
"""Bytes of CSV (or JSON Lines) parsed per batch; larger blocks mean fewer merges."""
PARQUET_ROW_GROUP_ROWS = 1 << 22
"""Parquet row groups up to this many rows are read whole; larger ones in batches."""
PARQUET_BATCH_ROWS = 1 << 20
"""Rows per batch of a large Parquet row group."""
JSON_FALLBACK_ROWS = 1 << 16
"""Rows per batch when JSON Lines are parsed line by line (mixed types, bad lines)."""

_CSV_COLUMN = re.compile(r"In CSV column #(\d+)")
_COLUMN_COUNT = re.compile(r"Expected (\d+) columns, got (\d+): (.*)", re.DOTALL)


@dataclass
class DataSource:
    """A data file opened for streaming: its format, columns and the files it consists of."""

    path: Path
    format: str
    files: list[Path]
    encoding: str = "utf-8"
    strip: bool = True
    schema: pa.Schema | None = None
    _string_columns: set[str] = field(default_factory=set)
    _names: list[str] | None = None
    _json_fallback: bool = False
    _reader: pacsv.CSVStreamingReader | None = None
    _newlines_in_values: bool = False
    _delimiter: str | None = None

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Yield the data as record batches with one schema (`self.schema`)."""
        if self.format == "csv":
            yield from self._csv_batches()
        elif self.format == "parquet":
            yield from self._parquet_batches()
        elif self.format == "jsonl":
            yield from self._json_batches()
        elif self.format == "json":
            yield from self._json_fallback_batches()
        else:
            yield from self._arrow_batches()

    # -- CSV ------------------------------------------------------------------------------

    def _csv_reader(self) -> pacsv.CSVStreamingReader:
        read = pacsv.ReadOptions(
            block_size=CSV_BLOCK_BYTES, encoding=self.encoding, use_threads=True
        )
        if self._delimiter is None:
            self._delimiter = detect_delimiter(self.path, self.encoding)
        parse = pacsv.ParseOptions(
            delimiter=self._delimiter, newlines_in_values=self._newlines_in_values
        )
        convert = pacsv.ConvertOptions(
            strings_can_be_null=True, column_types={c: pa.string() for c in self._string_columns}
        )
        try:
            return pacsv.open_csv(
                self.path, read_options=read, parse_options=parse, convert_options=convert
            )
        except pa.ArrowInvalid as exc:
            if self._parse_error(exc):
                self._newlines_in_values = True
                return self._csv_reader()
            raise self._csv_error(exc) from None

    def _parse_error(self, exc: pa.ArrowInvalid) -> bool:
        """True for a parse error worth one retry allowing quoted line breaks in values."""
        # Parallel parsing splits blocks at line breaks, which breaks a quoted value that
        # holds one; the slower mode that allows them is tried before giving up.
        message = str(exc)
        return (
            "CSV parse error" in message or "newlines_in_values" in message
        ) and not self._newlines_in_values

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        # Opening a CSV reader parses its first block; reuse the one `open` made.
        reader, self._reader = self._reader or self._csv_reader(), None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                # Types come from the first block; a later block that does not fit (a number
                # column with text further down) makes the column mixed: read it as text.
                match = _CSV_COLUMN.search(str(exc))
                if match and "conversion error" in str(exc):
                    raise RetypeColumn(reader.schema.names[int(match.group(1))]) from None
                if self._parse_error(exc):
                    raise RetypeColumn("") from None
                raise self._csv_error(exc) from None
            yield self._clean_csv(batch)

    def _clean_csv(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = []
        for array in batch.columns:
            if pa.types.is_binary(array.type):
                raise encoding_error(self.path, self.encoding)
            if self.strip and pa.types.is_string(array.type):
                # Spaces after a delimiter are layout, not data (pandas' skipinitialspace);
                # a field of spaces only is as missing as an empty one.
                array = pc.utf8_trim_whitespace(array)
                array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
            arrays.append(array)
        return pa.RecordBatch.from_arrays(arrays, names=self.column_names(batch.schema))

    def column_names(self, schema: pa.Schema) -> list[str]:
        """Column names as reported: stripped of surrounding spaces when that keeps them unique."""
        if self._names is None:
            names = list(schema.names)
            stripped = [n.strip() for n in names]
            self._names = stripped if self.strip and len(set(stripped)) == len(names) else names
        return self._names

    def _csv_error(self, exc: pa.ArrowInvalid) -> CardgenError:
        message = str(exc)
        if "UTF8" in message or "UTF-8" in message:
            return encoding_error(self.path, self.encoding)
        if message.startswith("Empty CSV file"):
            return CardgenError(f"{self.path}: empty file: no header and no rows")
        columns = _COLUMN_COUNT.search(message)
        if columns:
            expected, found, row = columns.groups()
            line = _find_line(self.path, row.encode(self.encoding, errors="replace"))
            where = f"{self.path}:{line}" if line else str(self.path)
            return CardgenError(
                f"{where}: expected {expected} fields as in the header, found "
                f"{found} (an unquoted delimiter in a value?)"
            )
        return CardgenError(f"{self.path}: cannot read as CSV: {message}")

    def open(self) -> None:
        """Read the schema (and the row count where the format stores it); check columns."""
        if self.format == "csv":
            self._open_csv()
        elif self.format == "parquet":
            try:
                meta = pq.ParquetFile(self.path)
            except (pa.ArrowInvalid, OSError) as exc:
                raise CardgenError(f"{self.path}: not a readable Parquet file: {exc}") from None
            self.schema = meta.schema_arrow
        elif self.format == "jsonl":
            self.schema = self._open_json()
        elif self.format == "json":
            self.schema = self._json_fallback_schema()
        else:
            self._open_arrow()
        if self.schema is None:
            raise CardgenError(f"{self.path}: empty file: no rows and no columns")
        duplicate_columns(str(self.path), self.schema.names)

    def _open_csv(self) -> None:
        if self.path.stat().st_size == 0 or not _head(self.path).strip():
            raise CardgenError(f"{self.path}: empty file: no header and no rows")
        self._reader = self._csv_reader()
        schema = self._reader.schema
        self.schema = pa.schema(
            [pa.field(n, f.type) for n, f in zip(self.column_names(schema), schema, strict=True)]
        )

    def retype(self, column: str) -> None:
        """Read `column` as text from now on (its values mix numbers and text).

        An empty `column` means: read again in the slower, more tolerant mode (JSON Lines
        parsed line by line; CSV with line breaks allowed inside quoted values).
        """
        if self.format == "csv" and not column:
            self._newlines_in_values = True
            self._open_csv()
            return
        if self.format in ("jsonl", "json"):
            self._json_fallback = True
            self.schema = self._json_fallback_schema()
            return
        if column in self._string_columns:
            raise CardgenError(f"{self.path}: cannot read column {column!r} as text")
        self._string_columns.add(column)
        self._open_csv()

    # -- Parquet and Arrow ------------------------------------------------------------------

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        try:
            parquet = pq.ParquetFile(self.path)
            for index in range(parquet.num_row_groups):
                rows = parquet.metadata.row_group(index).num_rows
                if rows <= PARQUET_ROW_GROUP_ROWS:
                    # A whole row group decodes fastest (its columns in parallel).
                    yield from parquet.read_row_group(index).to_batches()
                else:
                    yield from parquet.iter_batches(
                        batch_size=PARQUET_BATCH_ROWS, row_groups=[index]
                    )
        except (pa.ArrowInvalid, OSError) as exc:
            raise CardgenError(f"{self.path}: cannot read Parquet: {exc}") from None

    def _open_arrow(self) -> None:
        for file in self.files:
            try:
                with pa.memory_map(str(file)) as source:
                    schema = pa.ipc.open_stream(source).schema
            except (pa.ArrowInvalid, OSError) as exc:
                raise CardgenError(f"{file}: not an Arrow stream file: {exc}") from None
            if self.schema is not None and schema != self.schema:
                raise CardgenError(f"{file}: columns differ from {self.files[0].name}'s")
            self.schema = schema

    def _arrow_batches(self) -> Iterator[pa.RecordBatch]:
        for file in self.files:
            with pa.memory_map(str(file)) as source:
                yield from pa.ipc.open_stream(source)

    # -- JSON Lines -------------------------------------------------------------------------

    def _open_json(self) -> pa.Schema:
        if self.path.stat().st_size == 0 or not _head(self.path).strip():
            raise CardgenError(f"{self.path}: empty file: no records")
        try:
            return pajson.open_json(
                self.path, read_options=pajson.ReadOptions(block_size=CSV_BLOCK_BYTES)
            ).schema
        except pa.ArrowInvalid:
            self._json_fallback = True
            return self._json_fallback_schema()

    def _json_batches(self) -> Iterator[pa.RecordBatch]:
        if self._json_fallback:
            yield from self._json_fallback_batches()
            return
        reader = pajson.open_json(
            self.path, read_options=pajson.ReadOptions(block_size=CSV_BLOCK_BYTES)
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid:
                # Arrow cannot read it (a type that changes, a bad line): parse line by line,
                # which types mixed columns as text and locates bad lines.
                raise RetypeColumn("") from None
            yield batch

    def _json_lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.format == "json":  # one array of records, numbered from 1
            yield from enumerate(json_records(self.path, self.encoding), start=1)
            return
        decoder = codecs.getincrementaldecoder(self.encoding)()
        with open_bytes(self.path) as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    text = decoder.decode(raw)
                except UnicodeDecodeError:
                    raise encoding_error(self.path, self.encoding) from None
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise CardgenError(
                        f"{self.path}:{number}:{exc.colno}: invalid JSON: {exc.msg}"
                    ) from None
                if not isinstance(record, dict):
                    raise CardgenError(
                        f"{self.path}:{number}: expected a JSON object per "
                        f"line, found {type(record).__name__}"
                    )
                yield number, record

    def _json_fallback_schema(self) -> pa.Schema:
        kinds: dict[str, set[str]] = {}
        for _, record in self._json_lines():
            for key, value in record.items():
                kinds.setdefault(key, set())
                if value is not None:
                    kinds[key].add(_json_kind(value))
        if not kinds:
            raise CardgenError(f"{self.path}: empty file: no records")
        fields = []
        for key, found in kinds.items():
            if found == {"int"}:
                fields.append(pa.field(key, pa.int64()))
            elif found <= {"int", "float"} and found:
                fields.append(pa.field(key, pa.float64()))
            elif found == {"bool"}:
                fields.append(pa.field(key, pa.bool_()))
            elif not found:
                fields.append(pa.field(key, pa.null()))
            else:  # text, or a mix of kinds: every value as text (JSON for nested values)
                fields.append(pa.field(key, pa.string()))
        return pa.schema(fields)

    def _json_fallback_batches(self) -> Iterator[pa.RecordBatch]:
        assert self.schema is not None
        text_columns = {f.name for f in self.schema if pa.types.is_string(f.type)}
        rows: list[dict[str, Any]] = []
        for _, record in self._json_lines():
            for key in text_columns.intersection(record):
                value = record[key]
                if value is not None and not isinstance(value, str):
                    record[key] = json.dumps(value, ensure_ascii=False, sort_keys=True)
            rows.append(record)
            if len(rows) == JSON_FALLBACK_ROWS:
                yield pa.RecordBatch.from_pylist(rows, schema=self.schema)
                rows = []
        if rows:
            yield pa.RecordBatch.from_pylist(rows, schema=self.schema)


class RetypeColumn(Exception):
    """Raised mid-stream when a column's values stop fitting its type; profile again."""

    def __init__(self, column: str):
        super().__init__(column)
        self.column = column


def _find_line(path: Path, row: bytes) -> int | None:
    """Line number of the first line that starts with `row` (the text Arrow quotes)."""
    row = row.strip()[:200]
    with open_bytes(path) as fh:
        for number, line in enumerate(fh, start=1):
            if row and line.strip().startswith(row):
                return number
    return None


def _head(path: Path) -> bytes:
    with open_bytes(path) as fh:
        return fh.read(4096)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else "nested"


def open_source(
    path: str | Path, *, split: str | None = None, encoding: str = "utf-8", strip: bool = True
) -> DataSource:
    """Open a data file or saved `datasets` folder for streaming.

    Args:
        path: CSV (`.csv`, `.tsv`, `.txt`, `.data`; the separator detected), Parquet, JSON
            Lines or a JSON array of records (`.json`, read whole), or a folder written by
            `datasets.Dataset.save_to_disk` (or a `DatasetDict`, with `split`).
        split: split to read from a saved `DatasetDict` folder.
        encoding: text encoding of CSV and JSON Lines files.
        strip: trim spaces around CSV fields and header names.

    Returns:
        The opened source; its `schema` is known.

    Raises:
        CardgenError: missing file, unknown format, empty file, bad encoding, bad JSON.
    """
    source_path = Path(path)
    if not source_path.exists():
        raise CardgenError(f"{source_path}: no such file or directory")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CardgenError(f"unknown encoding {encoding!r}") from None
    if source_path.is_dir():
        source = DataSource(
            source_path, "arrow", _arrow_files(source_path, split), encoding=encoding, strip=strip
        )
    else:
        fmt = table_format(source_path).kind
        if fmt == "jsonl" and source_path.stat().st_size and is_json_array(source_path):
            fmt = "json"
        source = DataSource(source_path, fmt, [source_path], encoding=encoding, strip=strip)
    source.open()
    return source


def _arrow_files(folder: Path, split: str | None) -> list[Path]:
    splits_file = folder / "dataset_dict.json"
    if splits_file.exists():
        splits = json.loads(splits_file.read_text(encoding="utf-8")).get("splits", [])
        if split is None or split not in splits:
            what = f"no split {split!r}" if split else "a DatasetDict folder"
            raise CardgenError(f"{folder}: {what}; pass --split with one of: {', '.join(splits)}")
        folder = folder / split
    state = folder / "state.json"
    if not state.exists():
        raise CardgenError(
            f"{folder}: not a saved datasets folder (no state.json or dataset_dict.json)"
        )
    try:
        names = [f["filename"] for f in json.loads(state.read_text("utf-8"))["_data_files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise CardgenError(f"{state}: unreadable datasets state: {exc}") from None
    return [folder / name for name in names]
