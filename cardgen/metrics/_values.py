"""Group and class values as text, and which class of a binary task is positive.

The one rule the pandas path, the DuckDB and Spark engines and the probe share; it names
values and never counts them.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from ..errors import CardgenError
from ._groups import MISSING


def _is_pandas_missing(value: Any) -> bool:
    # pandas' missing markers can only come from a pandas that is already loaded.
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def value_text(value: Any) -> str:
    """The text of a group or class value: `1` for 1 and 1.0, `(missing)` for NaN/None."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return MISSING
    if _is_pandas_missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def positive_class(classes: list[str], pos_label: Any, label: str) -> tuple[int, str]:
    """Index of the positive class in `classes` (-1 when no row has it) and its name."""
    if pos_label is not None:
        wanted = value_text(pos_label)
        if wanted in classes:
            return classes.index(wanted), wanted
        if len(classes) == 2:
            raise CardgenError(
                f"--pos-label {wanted!r} is not a value of the label or the "
                f"prediction; values: {', '.join(classes)}"
            )
        return -1, wanted
    for negative, positive in (("0", "1"), ("-1", "1"), ("False", "True")):
        if set(classes) <= {negative, positive}:
            return (classes.index(positive) if positive in classes else -1), positive
    raise CardgenError(
        f"cannot tell the positive class of {label!r} (values: "
        f"{', '.join(classes)}); pass --pos-label"
    )
