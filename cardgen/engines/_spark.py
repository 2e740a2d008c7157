"""The aggregation on Spark: files Spark reads, or `spark:db.table`; only the count table
comes back to the driver.

It starts (or reuses) a SparkSession and runs the shared SQL; it never computes a metric.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CardgenError
from ..tables import detect_delimiter, is_json_array
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

_VIEW = "cardgen_input"


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def java_available() -> bool:
    """Whether a `java` executable is on PATH or under JAVA_HOME."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return True
    return shutil.which("java") is not None


def session(master: str) -> Any:
    """The active SparkSession, or a new one on `master` (Spark's UI off)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not java_available():
        raise CardgenError(
            "the spark engine needs Java (17 or newer): install Debian's "
            "default-jre-headless (apt-get install default-jre-headless) or "
            "set JAVA_HOME"
        )
    if master.startswith("local"):
        # Python work (the profile's Arrow batches) runs in `python3` from PATH unless told
        # otherwise: locally, this interpreter, which has pyarrow whether or not a venv is
        # activated.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("cardgen")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # stderr is the caller's
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def frame_of(spark: Any, inputs: Inputs) -> Any:
    if inputs.table is not None:
        return spark.table(inputs.table)
    paths = [inputs.uri] if inputs.uri else [str(f) for f in inputs.files]
    reader = spark.read
    if inputs.folder is not None:
        reader = reader.option("basePath", str(inputs.folder))  # key=value/ partitions
    if inputs.kind == "parquet":
        return reader.parquet(*paths)
    if inputs.kind == "csv":
        tab = (
            inputs.given.lower().endswith(".tsv")
            if inputs.uri
            else all(f.name.lower().endswith(".tsv") for f in inputs.files)
        )
        # A local file's separator is detected as the other engines do; a URI's is implied.
        sep = detect_delimiter(inputs.files[0]) if inputs.files else "\t" if tab else ","
        return reader.csv(paths, header=True, inferSchema=True, sep=sep)
    # A JSON array of records spans lines: Spark reads it only as multi-line JSON.
    return reader.json(paths, multiLine=bool(inputs.files) and is_json_array(inputs.files[0]))


def run_spark(inputs: Inputs, spec: AggregationSpec, master: str) -> CountRows:
    """Run the aggregation on Spark; collect only the grouped counts."""
    from pyspark.errors import PySparkException
    from pyspark.sql.types import NumericType

    spark = session(master)
    try:
        frame = frame_of(spark, inputs)
        check_columns(inputs.given, spec, frame.columns)
        if spec.score:
            check_score_type(
                inputs.given, spec, isinstance(frame.schema[spec.score].dataType, NumericType)
            )
        frame.createOrReplaceTempView(_VIEW)
        exact, low, high, scale = True, 0.0, 0.0, 0.0
        if spec.score:
            stats = spark.sql(stats_sql(_quote, _VIEW, spec)).collect()[0]
            exact, low, high, scale = plan_scores(
                tuple(stats),
                lambda: int(spark.sql(distinct_sql(_quote, _VIEW, spec)).collect()[0][0]),
                spec,
            )
        rows = [
            tuple(r)
            for r in spark.sql(
                group_sql(_quote, _VIEW, spec, exact=exact, low=low, scale=scale)
            ).collect()
        ]
    except PySparkException as exc:
        detail = str(exc).strip().splitlines()[0]
        raise CardgenError(f"{inputs.given}: Spark cannot read it: {detail}") from None
    finally:
        spark.catalog.dropTempView(_VIEW)
    return CountRows(
        rows, exact if spec.score else None, (low, high) if spec.score else None, "spark"
    )
