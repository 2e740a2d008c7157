"""The aggregation on DuckDB: CSV (its sniffer finds the separator), Parquet, JSON Lines and
JSON array files, globs, hive-partitioned folders, out of core.

It runs the shared SQL and returns the count table; it never computes a metric.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import CardgenError
from ..tables import is_json_array
from ._sql import (
    CountRows,
    check_columns,
    check_score_type,
    distinct_sql,
    group_sql,
    plan_scores,
    stats_sql,
)

if TYPE_CHECKING:
    from ._spec import AggregationSpec, Inputs

_NUMERIC = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def source_sql(inputs: Inputs) -> str:
    """The table function that reads the inputs (partition columns from `key=value/`)."""
    files = "[" + ", ".join(_text(str(f)) for f in inputs.files) + "]"
    if inputs.kind == "parquet":
        return f"read_parquet({files}, hive_partitioning = true, union_by_name = true)"
    if inputs.kind == "csv":
        tab = all(f.name.lower().endswith(".tsv") for f in inputs.files)
        delimiter = ", delim = '\\t'" if tab else ""
        return (
            f"read_csv({files}, header = true, union_by_name = true, "
            f"hive_partitioning = true{delimiter})"
        )
    layout = "array" if inputs.files and is_json_array(inputs.files[0]) else "newline_delimited"
    return (
        f"read_json({files}, format = '{layout}', union_by_name = true, hive_partitioning = true)"
    )


def run_duckdb(inputs: Inputs, spec: AggregationSpec) -> CountRows:
    """Run the aggregation in an in-memory DuckDB (it spills to disk when it must)."""
    import duckdb

    source = source_sql(inputs)
    with duckdb.connect() as con:
        # Row order does not matter to a GROUP BY; not keeping it lets DuckDB stream.
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")  # stdout is the caller's
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            types = {str(name): str(kind) for name, kind, *_ in described}
            check_columns(inputs.given, spec, list(types))
            check_score_type(
                inputs.given, spec, bool(spec.score and _NUMERIC.match(types[spec.score]))
            )
            exact, low, high, scale = True, 0.0, 0.0, 0.0
            if spec.score:
                stats = con.execute(stats_sql(_quote, source, spec)).fetchone()
                assert stats is not None

                def distinct() -> int:
                    row = con.execute(distinct_sql(_quote, source, spec)).fetchone()
                    assert row is not None
                    return int(row[0])

                exact, low, high, scale = plan_scores(stats, distinct, spec)
            rows = con.execute(
                group_sql(_quote, source, spec, exact=exact, low=low, scale=scale)
            ).fetchall()
        except duckdb.Error as exc:
            detail = str(exc).strip().splitlines()[0]
            raise CardgenError(f"{inputs.given}: DuckDB cannot read it: {detail}") from None
    return CountRows(
        rows, exact if spec.score else None, (low, high) if spec.score else None, "duckdb"
    )
