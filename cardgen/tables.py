"""Read the tables every command takes (CSV, TSV, Parquet, JSON Lines or a JSON array of
records; gzip or bz2 compressed).

One list of file types and one set of checks (missing and duplicated columns, encodings,
separators, empty files) serve `evaluate`, `run` and `profile`; nothing here computes on
the rows.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from ._columns import copy_names, explain, repeated
from .errors import CardgenError, EncodingError

if TYPE_CHECKING:
    import pandas as pd

KINDS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".data": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
"""File suffix -> the kind of table it holds."""
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2"}
"""Compression suffixes accepted after a CSV or JSON Lines suffix (pandas and Arrow read both)."""
EXPECTED = (
    ".csv, .tsv, .txt, .data, .parquet, .pq, .jsonl, .ndjson or .json "
    "(text formats optionally .gz or .bz2)"
)


@dataclass(frozen=True)
class TableFormat:
    """How a table file is laid out, read from its name."""

    kind: str
    """`csv`, `parquet` or `jsonl`."""
    delimiter: str
    """Field separator a CSV file's name implies: a tab for `.tsv`, a comma otherwise
    (`detect_delimiter` finds the one a file uses)."""
    compression: str | None
    """`gzip`, `bz2` or None."""


def table_format(path: str | Path) -> TableFormat:
    """The format of a table file, from its suffixes (`adult.data.gz`: gzip-compressed CSV).

    Raises:
        CardgenError: an unknown suffix, or a compressed Parquet file (Parquet compresses
            inside the file).
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    base = (
        (suffixes[-2] if len(suffixes) > 1 else "")
        if compression
        else (suffixes[-1] if suffixes else "")
    )
    kind = KINDS.get(base)
    if kind is None or (compression and kind == "parquet"):
        shown = "".join(Path(path).suffixes[-2 if compression else -1 :]) or "(none)"
        raise CardgenError(f"{path}: unknown file type {shown}; expected {EXPECTED}")
    return TableFormat(kind, "\t" if base == ".tsv" else ",", compression)


def check_exists(path: str | Path) -> Path:
    """The path, if it names an existing, non-empty file or folder."""
    path = Path(path)
    if not path.exists():
        raise CardgenError(f"{path}: no such file or directory")
    if path.is_file() and path.stat().st_size == 0:
        raise CardgenError(f"{path}: file is empty")
    return path


def open_bytes(path: str | Path) -> IO[bytes]:
    """The file's bytes, decompressed as its suffix says."""
    compression = COMPRESSIONS.get(Path(path).suffix.lower())
    if compression == "gzip":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if compression == "bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    return open(path, "rb")


def missing_columns(source: str, needed: Sequence[str], available: Sequence[str]) -> None:
    """Raise naming the columns of `needed` that `available` lacks, and what it has."""
    missing = [c for c in needed if c not in available]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise CardgenError(
            f"{source}: no column {names}; available columns: "
            f"{', '.join(map(str, available)) or '(none)'}"
        )


def duplicate_columns(source: str, names: Sequence[str]) -> None:
    """Raise when a header names a column twice and every column is wanted (a profile):
    copies under one name cannot be told apart there, so the file is refused with the
    names that select each copy elsewhere."""
    if repeated(names):
        raise CardgenError(
            explain(source, names).replace(
                "select a copy as", "rename the copies in the file, e.g."
            )
            + " (a profile describes every column, and copies of one name cannot be told apart)"
        )


def wanted_copies(source: str, names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The header with each copy of a repeated name numbered (`p.1`, `p.2`, see
    `cardgen._columns`); a wanted column whose bare name repeats is an error that says how
    to select each copy."""
    clash = [c for c in wanted if c in repeated(names)]
    if clash:
        raise CardgenError(explain(source, names, clash))
    return copy_names(names)


ENCODING_HINT = (
    "pass --encoding (`encoding:` in the spec's source) with the file's encoding, "
    "e.g. --encoding cp1252 or latin-1"
)


def encoding_error(path: str | Path, encoding: str) -> EncodingError:
    """Locate the first byte that does not decode and say how to read the file instead."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset_in_file = 1, 0
    with open_bytes(path) as fh:
        for raw in fh:
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                column = len(raw[: exc.start].decode(encoding, errors="replace")) + 1
                byte = raw[exc.start]
                return EncodingError(
                    f"{path}:{line}:{column}: not valid {encoding} (byte 0x{byte:02x} at offset "
                    f"{offset_in_file + exc.start}); {ENCODING_HINT}",
                    str(path),
                    encoding,
                )
            line += 1
            offset_in_file += len(raw)
    return EncodingError(f"{path}: not valid {encoding}; {ENCODING_HINT}", str(path), encoding)


def check_encoding(encoding: str, engine: str = "pandas") -> None:
    """Raise for an encoding Python does not know, or one DuckDB and Spark cannot read
    (they read UTF-8 only)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise CardgenError(f"unknown encoding {encoding!r} (--encoding)") from None
    if engine not in ("pandas", "auto") and name != "utf-8":
        reader = {"duckdb": "DuckDB", "spark": "Spark"}.get(engine, engine)
        raise CardgenError(f"--encoding {encoding} needs --engine pandas ({reader} reads UTF-8)")


SEPARATORS = ",;\t|"
"""Field separators a CSV file may use; `detect_delimiter` chooses among them."""
_SNIFF_BYTES = 1 << 16


def detect_delimiter(path: str | Path, encoding: str = "utf-8") -> str:
    """The field separator of a CSV file: the one its name implies (a tab for `.tsv`, a
    comma otherwise) when the header holds it, else the one Python's `csv.Sniffer` finds
    among `SEPARATORS` in the first lines (a `;` file written where `,` is the decimal mark).

    Example:
        A header `age;sex;income` gives `;`; `age,sex,income` gives `,`.
    """
    implied = table_format(path).delimiter
    with open_bytes(path) as fh:
        head = fh.read(_SNIFF_BYTES)
    lines = head.decode(encoding, errors="replace").splitlines()
    if len(head) == _SNIFF_BYTES and len(lines) > 1:
        lines.pop()  # cut off mid-line
    if not lines or implied in lines[0]:
        return implied
    try:
        found = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=SEPARATORS).delimiter
    except csv.Error:
        return implied
    return found if found in lines[0] else implied


def is_json_array(path: str | Path) -> bool:
    """Whether a `.json`/`.jsonl` file holds one JSON array (pandas' `orient="records"`)
    rather than one object per line."""
    with open_bytes(path) as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[")


def json_records(path: str | Path, encoding: str = "utf-8") -> list[dict[str, object]]:
    """The records of a file holding one JSON array of objects (read whole, in memory).

    Raises:
        CardgenError: text that is not valid JSON (with line and column), not an array,
            or an item that is not an object (with its position).
    """
    with open_bytes(path) as fh:
        data = fh.read()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CardgenError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(records, list):
        raise CardgenError(
            f"{path}: expected a JSON array of records, found {type(records).__name__}"
        )
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise CardgenError(
                f"{path}: item {number} of the JSON array is {type(record).__name__}, not an "
                "object; expected one object per record (pandas' orient='records')"
            )
    return records


def _csv_header(path: Path, delimiter: str, encoding: str) -> list[str]:
    with open_bytes(path) as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        try:
            return next(csv.reader(text, delimiter=delimiter))
        except StopIteration:
            raise CardgenError(f"{path}: file is empty") from None


def column_names(path: str | Path, *, encoding: str = "utf-8") -> list[str]:
    """The column names of a table file, in file order, without reading its rows.

    Raises:
        CardgenError: missing or empty file, unknown type, text that does not decode.
    """
    import pandas as pd

    path = Path(path)
    fmt = table_format(path)
    check_exists(path)
    try:
        if fmt.kind == "parquet":
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(path).schema_arrow.names)
        if fmt.kind == "csv":
            return _csv_header(path, detect_delimiter(path, encoding), encoding)
        if is_json_array(path):
            return [str(c) for c in pd.DataFrame(json_records(path, encoding)).columns]
        first = next(
            pd.read_json(path, lines=True, chunksize=1, encoding=encoding, compression="infer")
        )
        return [str(c) for c in first.columns]
    except CardgenError:
        raise
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    except StopIteration:
        raise CardgenError(f"{path}: file is empty") from None
    except Exception as exc:  # pyarrow and pandas raise their own types for corrupt files
        raise CardgenError(f"{path}: cannot read the {fmt.kind} file's columns: {exc}") from exc


def read_frames(
    path: str | Path,
    columns: Sequence[str],
    *,
    chunk_rows: int = 1_000_000,
    encoding: str = "utf-8",
) -> Iterator[pd.DataFrame]:
    """The `columns` of a table file as pandas frames of `chunk_rows` rows (Parquet by row
    groups), in file order.

    A CSV file's separator is detected (`detect_delimiter`); a `.json` file may hold JSON
    Lines or one JSON array of records (read whole).

    Raises:
        EncodingError: text that does not decode in `encoding`.
        CardgenError: missing or empty file, unknown type, missing or duplicated columns,
            a file that does not parse.
    """
    import pandas as pd

    path = Path(path)
    fmt = table_format(path)
    check_exists(path)
    if path.is_dir():
        raise CardgenError(f"{path}: is a folder; expected a {fmt.kind} file")
    try:
        if fmt.kind == "parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(path)
            names = parquet.schema_arrow.names
            copies = wanted_copies(str(path), names, columns)
            missing_columns(str(path), columns, copies)
            if copies == names:
                for batch in parquet.iter_batches(batch_size=chunk_rows, columns=list(columns)):
                    yield batch.to_pandas()
            else:  # repeated names: read every column, then select the copies by position
                for batch in parquet.iter_batches(batch_size=chunk_rows):
                    yield batch.rename_columns(copies).select(list(columns)).to_pandas()
        elif fmt.kind == "csv":
            delimiter = detect_delimiter(path, encoding)
            header = _csv_header(path, delimiter, encoding)
            copies = wanted_copies(str(path), header, columns)
            missing_columns(str(path), columns, copies)
            # All columns are parsed (not `usecols`) so that a row with too many fields is
            # an error rather than silently shifted data.
            for chunk in pd.read_csv(
                path,
                chunksize=chunk_rows,
                sep=delimiter,
                encoding=encoding,
                compression="infer",
                header=0,
                names=copies if copies != header else None,
            ):
                yield chunk[list(columns)]
        elif is_json_array(path):
            frame = pd.DataFrame(json_records(path, encoding))
            missing_columns(str(path), columns, [str(c) for c in frame.columns])
            for start in range(0, len(frame), chunk_rows):
                yield frame.iloc[start : start + chunk_rows][list(columns)]
        else:
            first = True
            for chunk in pd.read_json(
                path, lines=True, chunksize=chunk_rows, encoding=encoding, compression="infer"
            ):
                if first:
                    missing_columns(str(path), columns, list(chunk.columns))
                    first = False
                yield chunk.reindex(columns=list(columns))
    except CardgenError:
        raise
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CardgenError(f"{path}: cannot read {fmt.kind} file: {detail}") from exc
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        if type(exc).__module__.startswith("pyarrow"):
            raise CardgenError(f"{path}: cannot read parquet file: {exc}") from exc
        raise
