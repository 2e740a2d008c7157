"""Columns that look like personal data are flagged, by their names and by their values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from shareddata import shipped_adult

from cardgen.collect._profile_pii import _is_street_address, personal_data_flags
from cardgen.collect.profile import profile
from cardgen.schema.profile import ColumnProfile

DATA = Path(__file__).parent / "data" / "profile"


def test_synthetic_people_are_flagged_by_their_values() -> None:
    result = profile(DATA / "pii.csv")
    flags = {(f.column, f.kind, f.evidence) for f in result.personal_data}
    assert flags == {
        ("customer", "name", "values"),
        ("contact", "email", "values"),
        ("reach", "phone", "values"),
        ("d1", "date_of_birth", "values"),
        ("ref", "identifier", "values"),
    }
    email = next(f for f in result.personal_data if f.kind == "email")
    assert email.match_rate == 1.0
    assert email.detail == "100% of 120 inspected values look like e-mail addresses"


def test_categories_numbers_and_recent_dates_are_not_flagged() -> None:
    result = profile(DATA / "pii.csv")
    assert not {"city", "score", "segment"} & {f.column for f in result.personal_data}
    orders = ColumnProfile(
        name="ordered", type="date", storage_type="date32", count=200, missing=0, distinct=30
    )
    recent = [(dt.date(2024, 1, 1) + dt.timedelta(days=i % 30)).isoformat() for i in range(200)]
    assert personal_data_flags(orders, recent, today=dt.date(2025, 1, 1)) == []


def _column(name: str) -> ColumnProfile:
    return ColumnProfile(
        name=name, type="string", storage_type="string", count=3, missing=0, distinct=3
    )


def test_column_names_suggest_personal_data() -> None:
    expected = {
        "email": "email",
        "E-Mail Address": "email",
        "first_name": "name",
        "lastName": "name",
        "phone_number": "phone",
        "DOB": "date_of_birth",
        "date_of_birth": "date_of_birth",
        "SSN": "government_id",
        "passport_no": "government_id",
        "street_address": "address",
        "zip": "address",
        "ip_address": "ip_address",
        "customer_id": "identifier",
    }
    for name, kind in expected.items():
        flags = personal_data_flags(_column(name), [])
        assert [(f.kind, f.evidence) for f in flags] == [(kind, "column_name")], name
    for name in ["file_name", "product_name", "zipper", "tip", "shipment", "ratio"]:
        assert personal_data_flags(_column(name), []) == [], name


# Addresses of public landmarks (not of people): real US street addresses in the forms a
# table holds them, with directionals, abbreviated and spelled-out street types.
LANDMARKS = [
    "1600 Pennsylvania Ave NW, Washington, DC 20500",
    "350 Fifth Avenue, New York, NY 10118",
    "233 S Wacker Dr, Chicago, IL 60606",
    "400 Broad St, Seattle, WA 98109",
    "1000 5th Ave, New York, NY 10028",
    "11 Wall Street, New York, NY 10005",
    "2 Lincoln Memorial Cir NW, Washington, DC 20002",
    "151 3rd St, San Francisco, CA 94103",
    "111 S Michigan Ave, Chicago, IL 60603",
    "600 Independence Ave SW, Washington, DC 20560",
    "4 Yawkey Way, Boston, MA 02215",
    "1600 Amphitheatre Pkwy, Mountain View, CA 94043",
    "700 Clark Ave, St. Louis, MO 63102",
    "30 Rockefeller Plaza, New York, NY 10112",
    "1111 S Figueroa St, Los Angeles, CA 90015",
    "2800 E Observatory Rd, Los Angeles, CA 90027",
    "1313 Disneyland Dr, Anaheim, CA 92802",
    "201 E Randolph St, Chicago, IL 60602",
    "99 Grove St, San Francisco, CA 94102",
    "3400 Vine St, Cincinnati, OH 45220",
    "1 Avenue of the Americas, New York, NY 10013",
    "4059 Mt Lee Dr, Hollywood, CA 90068",
]


def _text_column(name: str, sample: list[str]) -> ColumnProfile:
    return ColumnProfile(
        name=name,
        type="string",
        storage_type="string",
        count=len(sample),
        missing=0,
        distinct=len(set(sample)),
    )


def test_street_addresses_are_flagged_by_their_values() -> None:
    # two of 24 values are not addresses: 22 / 24 of the sample match (hand count)
    sample = [*LANDMARKS, "?", "unknown"]
    flags = personal_data_flags(_text_column("location", sample), sample)
    assert [(f.kind, f.evidence, f.match_rate) for f in flags] == [("address", "values", 22 / 24)]
    assert flags[0].detail == "92% of 24 inspected values look like street addresses"
    # below the 80% rule: 16 of 24 values (two thirds) are addresses
    fewer = [*LANDMARKS[:16], *["?"] * 8]
    assert personal_data_flags(_text_column("location", fewer), fewer) == []


def test_cities_occupations_notes_and_missing_codes_are_not_addresses() -> None:
    adult = pd.read_csv(shipped_adult("adult.data"), skipinitialspace=True)
    occupations = adult["occupation"].head(1000).astype(str).tolist()
    assert "?" in occupations  # the data's own missing code
    cities = [
        "New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Philadelphia",
        "San Antonio", "San Diego", "Dallas", "San Jose, CA", "St. Louis, MO", "Fort Worth, TX",
        "Washington, DC", "Boston", "El Paso", "Nashville", "Detroit", "Oklahoma City",
        "Portland, OR", "Las Vegas", "Salt Lake City, UT", "Kansas City, MO",
    ]  # fmt: skip
    notes = [
        "Called back 2 times, no answer", "Patient walked 200 meters without help",
        "Follow-up in 3 weeks", "Took 2 tablets at 8 pm", "Rated 4 out of 5 stars",
        "Paid 150 dollars in cash on Monday", "Moved to room 12 on the 3rd floor",
        "Seen by 2 nurses before discharge", "Waited 45 minutes at the front desk",
        "Owns 3 cars and 1 truck", "Lost 10 pounds over 6 months", "Lives on 5th Avenue",
        "Drives 30 miles to work each day", "Worked 40 hours per week", "Born in 1970 in Ohio",
        "Has 2 children under 5", "Score went from 12 to 18", "Reported pain level 7 of 10",
        "Visited 4 clinics in 2019", "Returned 3 items by mail",
    ]  # fmt: skip
    numbers = [str(n) for n in adult["fnlwgt"].head(1000)]
    for name, sample in {
        "occupation": occupations,
        "city": cities,
        "notes": notes,
        "code": ["?"] * 50,
        "weight": numbers,
    }.items():
        column = _text_column(name, sample)
        # Notes are prose, distinct: free text (which may name people), not addresses.
        kinds = [f.kind for f in personal_data_flags(column, sample)]
        assert kinds == (["free_text"] if name == "notes" else []), name
        assert [_is_street_address(v) for v in sample].count(True) == 0, name
