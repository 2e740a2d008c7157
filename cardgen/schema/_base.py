"""Base class and shared field types for every cardgen schema model.

It only fixes validation behaviour (unknown fields rejected, docstrings become
descriptions); it must not hold any card content.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict

SCHEMA_VERSION: Final = "1.0"
"""Version of the card format; bumped on any incompatible change."""


def _one_or_many(value: Any) -> Any:
    # People write `primary_uses: Ranking loan applications` as often as a list;
    # both mean the same thing, so a lone string becomes a one-item list.
    if isinstance(value, str):
        return [value]
    return value


StrList = Annotated[list[str], BeforeValidator(_one_or_many)]
"""A list of strings that also accepts a single string."""


class CardModel(BaseModel):
    """Strict base: unknown keys are errors, attribute docstrings document fields."""

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        coerce_numbers_to_str=True,
        validate_default=False,
        str_strip_whitespace=False,
    )
