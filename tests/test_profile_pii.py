"""Columns that look like personal data are flagged, by their names and by their values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cardgen.collect._profile_pii import personal_data_flags
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
