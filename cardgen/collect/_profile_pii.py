"""Flag columns that look like personal data, identifiers or free text (by name and values).

Flags are heuristics for a person to review; `cardgen.privacy` turns them into roles and
withholds values. Detection never guarantees the absence of personal data.
"""

from __future__ import annotations

import datetime as dt
import re

from ..schema.profile import ColumnProfile, PersonalDataFlag

MIN_MATCH_RATE = 0.8
"""Share of inspected values that must match a value pattern to flag a column."""
MIN_VALUES = 20
"""Columns with fewer inspected values are judged by name only."""
FREE_TEXT_WORDS = 5
"""Values of at least this many words, mostly distinct, make a column free text."""

_NAME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"(^|_)e_?mail(_?address)?($|_)")),
    (
        "phone",
        re.compile(
            r"(^|_)(phone|telephone|tel|mobile|cell_?phone|fax)(_?(number|no))?"
            r"($|_)"
        ),
    ),
    ("date_of_birth", re.compile(r"(^|_)(dob|date_?of_?birth|birth_?date|birthday|born)($|_)")),
    (
        "government_id",
        re.compile(
            r"(^|_)(ssn|social_?security(_?number)?|passport(_?(number|no))?"
            r"|national_?id|tax_?id|nin|driver_?s?_?licen[cs]e)($|_)"
        ),
    ),
    (
        "name",
        re.compile(
            r"^name$|(^|_)(first|last|middle|full|given|family|maiden|sur|fore)_?name"
            r"($|_)|^(customer|patient|person|employee|client|contact|user)_?name$"
            r"|^(first|last|middle|surname|forename|given)$"
        ),
    ),
    ("ip_address", re.compile(r"(^|_)(ip|ip_?address|ipv4|ipv6)($|_)")),
    (
        "address",
        re.compile(
            r"(^|_)(address|street|postcode|post_?code|postal_?code|zip_?code|"
            r"zip)($|_)"
        ),
    ),
    (
        "identifier",
        re.compile(
            r"(^|_)(user|customer|patient|person|employee|client|member|"
            r"account)_?(id|number|no)$|(^|_)(mrn|medical_record_number|iban|"
            r"credit_?card(_?number)?|card_?number)($|_)"
        ),
    ),
)

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_IPV4 = re.compile(r"^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$")
_PERSON = re.compile(r"^[A-Z][a-z'’-]+( [A-Z]\.?)?( [A-Z][a-z'’-]+){1,2}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# A date column named for an event (an offence, a screening, an admission) holds when
# something happened, not when someone was born, however its dates spread.
_EVENT_DATE = re.compile(
    r"(offen[cs]e|crime|arrest|screen|assess|jail|custody|release|admi"
    r"|discharge|visit|event|start|end|creat|updat|modif|time|decision|"
    r"filed|charge|case|hire|death|died|issue|expir|order|sale|purchase|"
    r"compas|(^|_)in($|_)|(^|_)out($|_))"
)


def _normalise(name: str) -> str:
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")


def _rate(pattern: re.Pattern[str], sample: list[str]) -> float:
    return sum(1 for v in sample if pattern.match(v.strip())) / len(sample)


def _is_phone(value: str) -> bool:
    """A whole value that Google's libphonenumber (`phonenumbers`) takes for a possible phone
    number: international (+CC) or North American national format."""
    import phonenumbers

    text = value.strip()
    if not 7 <= len(text) <= 24:
        return False
    for match in phonenumbers.PhoneNumberMatcher(
        text, "US", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        return match.start == 0 and match.end == len(text)
    return False


def _phone_rate(sample: list[str]) -> float:
    return sum(1 for v in sample if _is_phone(v)) / len(sample)


_STREET_TYPES = ("StreetNamePostType", "StreetNamePreType")
"""usaddress labels of a street type after ("Oak Street") or before ("Avenue of the Americas")."""
_NOT_ADDRESS = ("Recipient", "NotAddress")
"""Labels usaddress gives to words that are not part of an address."""


def _is_street_address(value: str) -> bool:
    """A whole value that DataMade's `usaddress` parser (a CRF trained on US addresses)
    reads as one street address: a house number with a digit, a street name and a street
    type ("Street", "Ave", "Avenue of ..."), with no word labelled as outside the address.

    A city alone, a job title, a number or a sentence with a number lacks the house
    number or the street type, or has words the parser puts outside the address.
    """
    import usaddress

    text = value.strip()
    # usaddress labels every token of any text: a value without a digit and a space
    # cannot hold a house number and a street, so it is not worth parsing.
    if not 5 <= len(text) <= 200 or " " not in text or not re.search(r"\d", text):
        return False
    try:
        tags, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return False
    return (
        kind == "Street Address"
        and "AddressNumber" in tags
        and "StreetName" in tags
        and any(street_type in tags for street_type in _STREET_TYPES)
        and not any(label in tags for label in _NOT_ADDRESS)
        and bool(re.search(r"\d", tags["AddressNumber"]))
    )


def _address_rate(sample: list[str]) -> float:
    """Share of values that are street addresses; a column is flagged `address` when it
    reaches MIN_MATCH_RATE of at least MIN_VALUES inspected text values."""
    return sum(1 for v in sample if _is_street_address(v)) / len(sample)


_ID_SCHEMES = (
    ("us.ssn", "US social security numbers"),
    ("ca.sin", "Canadian SINs"),
    ("fr.nir", "French NIRs"),
    ("de.idnr", "German tax ids"),
    ("es.dni", "Spanish DNIs"),
    ("it.codicefiscale", "Italian fiscal codes"),
    ("nl.bsn", "Dutch BSNs"),
    ("br.cpf", "Brazilian CPFs"),
    ("in_.aadhaar", "Aadhaar numbers"),
)
"""National id schemes checked with python-stdnum (format and check digits)."""


def _government_ids(sample: list[str]) -> tuple[float, str] | None:
    """The best match rate of a national id scheme (python-stdnum validators), and its name."""
    import importlib

    best: tuple[float, str] | None = None
    texts = [v.strip() for v in sample]
    for module, what in _ID_SCHEMES:
        valid = importlib.import_module(f"stdnum.{module}").is_valid
        rate = sum(1 for v in texts if valid(v)) / len(texts)
        if best is None or rate > best[0]:
            best = (rate, what)
    return best


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
    return (
        f"dates imply ages {ages[0]:.0f} to {ages[-1]:.0f} (median {median:.0f}) "
        "years: they look like dates of birth"
    )


def personal_data_flags(
    column: ColumnProfile, sample: list[str], today: dt.date | None = None
) -> list[PersonalDataFlag]:
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
            flags.append(
                PersonalDataFlag(
                    column=column.name,
                    kind=kind,
                    evidence="column_name",
                    detail=f"column name {column.name!r} suggests {kind}",
                )
            )
            break
    named = {f.kind for f in flags}
    distinct_share = (column.distinct or 0) / column.count if column.count else 0.0
    if len(sample) >= MIN_VALUES and column.type in ("string", "mixed"):
        for kind, rate_of, what in (
            ("email", lambda s: _rate(_EMAIL, s), "e-mail addresses"),
            ("phone", _phone_rate, "phone numbers"),
            ("ip_address", lambda s: _rate(_IPV4, s), "IPv4 addresses"),
            ("address", _address_rate, "street addresses"),
        ):
            rate = rate_of(sample)
            if rate >= MIN_MATCH_RATE and kind not in named:
                flags.append(
                    PersonalDataFlag(
                        column=column.name,
                        kind=kind,
                        evidence="values",
                        match_rate=rate,
                        detail=f"{rate:.0%} of {len(sample)} inspected values look like {what}",
                    )
                )
        found = _government_ids(sample) if "government_id" not in named else None
        if found and found[0] >= MIN_MATCH_RATE:
            flags.append(
                PersonalDataFlag(
                    column=column.name,
                    kind="government_id",
                    evidence="values",
                    match_rate=found[0],
                    detail=f"{found[0]:.0%} of {len(sample)} inspected values are valid {found[1]}",
                )
            )
        rate = _rate(_PERSON, sample)
        if rate >= MIN_MATCH_RATE and distinct_share >= 0.5 and "name" not in named:
            flags.append(
                PersonalDataFlag(
                    column=column.name,
                    kind="name",
                    evidence="values",
                    match_rate=rate,
                    detail=f"{rate:.0%} of {len(sample)} inspected values look like personal names",
                )
            )
    if len(sample) >= MIN_VALUES and not _EVENT_DATE.search(normalised):
        reason = _birth_dates(sample, today or dt.date.today())
        if reason and "date_of_birth" not in named:
            flags.append(
                PersonalDataFlag(
                    column=column.name, kind="date_of_birth", evidence="values", detail=reason
                )
            )
    if not flags and len(sample) >= MIN_VALUES and column.type in ("string", "mixed"):
        prose = sum(1 for v in sample if len(v.split()) >= FREE_TEXT_WORDS) / len(sample)
        if prose >= MIN_MATCH_RATE and distinct_share >= 0.5:
            flags.append(
                PersonalDataFlag(
                    column=column.name,
                    kind="free_text",
                    evidence="values",
                    match_rate=prose,
                    detail=f"{prose:.0%} of {len(sample)} inspected values are prose of "
                    f"{FREE_TEXT_WORDS} or more words, {distinct_share:.0%} of all values "
                    "distinct: free text may name people",
                )
            )
    if (
        not flags
        and column.type in ("string", "integer", "mixed")
        and column.count >= 100
        and column.distinct == column.count
        and (column.text is None or (column.text.mean_length or 0) <= 40)
    ):
        flags.append(
            PersonalDataFlag(
                column=column.name,
                kind="identifier",
                evidence="values",
                match_rate=1.0,
                detail=f"all {column.count} values are distinct: it identifies records (and "
                "possibly people)",
            )
        )
    return flags
