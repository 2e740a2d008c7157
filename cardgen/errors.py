"""Exceptions cardgen raises for problems a user can fix.

The CLI prints them as one clear line each and exits 1; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass


class CardgenError(Exception):
    """A problem with the user's input or environment, explained in the message."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file, located as precisely as the input allows."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class EncodingError(CardgenError):
    """A text table whose bytes do not decode in the encoding it was read with; the message
    locates the first bad byte and offers `--encoding` (`encoding:` in a spec's source)."""

    def __init__(self, message: str, path: str, encoding: str):
        super().__init__(message)
        self.path = path
        self.encoding = encoding


class HubError(CardgenError):
    """A Hub request failed; the message names the repository and what to do."""


class SpecError(CardgenError):
    """A spec file could not be loaded; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
