"""Flag columns that look like personal data, by column name and by value patterns.

Heuristics for the card's personal-information section: it flags for a person to review,
it never removes, masks or guarantees the absence of personal data.
"""

from __future__ import annotations

import datetime as dt
import re

from ..schema.profile import ColumnProfile, PersonalDataFlag

MIN_MATCH_RATE = 0.8
"""Share of inspected values that must match a value pattern to flag a column."""
MIN_VALUES = 20
"""Columns with fewer inspected values are judged by name only."""

_NAME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"(^|_)e_?mail(_?address)?($|_)")),
    ("phone", re.compile(r"(^|_)(phone|telephone|tel|mobile|cell_?phone|fax)(_?(number|no))?"
                         r"($|_)")),
    ("date_of_birth", re.compile(r"(^|_)(dob|date_?of_?birth|birth_?date|birthday|born)($|_)")),
    ("government_id", re.compile(r"(^|_)(ssn|social_?security(_?number)?|passport(_?(number|no))?"
                                 r"|national_?id|tax_?id|nin|driver_?s?_?licen[cs]e)($|_)")),
    ("name", re.compile(r"^name$|(^|_)(first|last|middle|full|given|family|maiden|sur|fore)_?name"
                        r"($|_)|^(customer|patient|person|employee|client|contact|user)_?name$")),
    ("ip_address", re.compile(r"(^|_)(ip|ip_?address|ipv4|ipv6)($|_)")),
    ("address", re.compile(r"(^|_)(address|street|postcode|post_?code|postal_?code|zip_?code|"
                           r"zip)($|_)")),
    ("identifier", re.compile(r"(^|_)(user|customer|patient|person|employee|client|member|"
                              r"account)_?(id|number|no)$|(^|_)(mrn|medical_record_number|iban|"
                              r"credit_?card(_?number)?|card_?number)($|_)")),
)

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(?!\d{4}-\d{2}-\d{2})(\+\d{1,3}[\s.-]?)?(\(\d{1,4}\)[\s.-]?|\d{1,4}[\s.-])"
                    r"\d{2,4}([\s.-]?\d{2,4}){1,2}$")
_IPV4 = re.compile(r"^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$")
_PERSON = re.compile(r"^[A-Z][a-z'’-]+( [A-Z]\.?)?( [A-Z][a-z'’-]+){1,2}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _normalise(name: str) -> str:
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")


def _rate(pattern: re.Pattern[str], sample: list[str]) -> float:
    return sum(1 for v in sample if pattern.match(v.strip())) / len(sample)


def _dates(sample: list[str]) -> list[dt.date]:
    found = []
    for value in sample:
        match = _ISO_DATE.match(value.strip())
        if match:
            try:
                found.append(dt.date(*(int(g) for g in match.groups())))
            except ValueError:
                continue
    return found


def _birth_dates(sample: list[str], today: dt.date) -> str | None:
    """Why the dates look like dates of birth (ages 0-120, spread over years), or None."""
    dates = _dates(sample)
    if len(dates) < max(MIN_VALUES, MIN_MATCH_RATE * len(sample)):
        return None
    ages = sorted((today - d).days / 365.25 for d in dates)
    median = ages[len(ages) // 2]
    if ages[0] < 0 or ages[-1] > 120 or not 1 <= median <= 100 or ages[-1] - ages[0] < 10:
        return None
    return (f"dates imply ages {ages[0]:.0f} to {ages[-1]:.0f} (median {median:.0f}) "
            "years: they look like dates of birth")


def personal_data_flags(column: ColumnProfile, sample: list[str],
                        today: dt.date | None = None) -> list[PersonalDataFlag]:
    """Personal-data flags for one column from its name, sample values and statistics.

    Args:
        column: the column's computed profile (type, counts, distinct values).
        sample: up to 1000 of the column's first non-missing values, as text.
        today: the reference date for ages (today when omitted).

    Returns:
        Flags, name evidence first; empty when nothing looks personal.
    """
    flags: list[PersonalDataFlag] = []
    normalised = _normalise(column.name)
    for kind, pattern in _NAME_PATTERNS:
        if pattern.search(normalised):
            flags.append(PersonalDataFlag(column=column.name, kind=kind, evidence="column_name",
                                          detail=f"column name {column.name!r} suggests {kind}"))
            break
    named = {f.kind for f in flags}
    if len(sample) >= MIN_VALUES and column.type in ("string", "mixed"):
        for kind, pattern, what in (("email", _EMAIL, "e-mail addresses"),
                                    ("phone", _PHONE, "phone numbers"),
                                    ("ip_address", _IPV4, "IPv4 addresses")):
            rate = _rate(pattern, sample)
            if rate >= MIN_MATCH_RATE and kind not in named:
                flags.append(PersonalDataFlag(
                    column=column.name, kind=kind, evidence="values", match_rate=rate,
                    detail=f"{rate:.0%} of {len(sample)} inspected values look like {what}"))
        distinct_share = (column.distinct or 0) / column.count if column.count else 0.0
        rate = _rate(_PERSON, sample)
        if rate >= MIN_MATCH_RATE and distinct_share >= 0.5 and "name" not in named:
            flags.append(PersonalDataFlag(
                column=column.name, kind="name", evidence="values", match_rate=rate,
                detail=f"{rate:.0%} of {len(sample)} inspected values look like personal names"))
    if len(sample) >= MIN_VALUES:
        reason = _birth_dates(sample, today or dt.date.today())
        if reason and "date_of_birth" not in named:
            flags.append(PersonalDataFlag(column=column.name, kind="date_of_birth",
                                          evidence="values", detail=reason))
    if (not flags and column.type in ("string", "integer", "mixed") and column.count >= 100
            and column.distinct == column.count
            and (column.text is None or (column.text.mean_length or 0) <= 40)):
        flags.append(PersonalDataFlag(
            column=column.name, kind="identifier", evidence="values", match_rate=1.0,
            detail=f"all {column.count} values are distinct: it identifies records (and "
                   "possibly people)"))
    return flags
