"""No personal data in published cards: values of detected or declared personal-data
columns appear in no rendered format and not on the site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cardgen.build import build
from cardgen.collect.profile import profile
from cardgen.hub.model_index import size_category
from cardgen.render import render
from cardgen.spec import load_spec

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"]
STREETS = ["Oak St", "Maple Ave", "N Main St", "Cedar Ln", "Washington Blvd", "E 5th St"]
TOWNS = ["Springfield, IL 62704", "Dayton, OH 45402", "Tucson, AZ 85701", "Fresno, CA 93721"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recidivism-like table: names, date of birth, phone, home address, event dates, a -1
    code."""
    root = tmp_path_factory.mktemp("people")
    rng = np.random.default_rng(0)
    n = 300
    first, last = rng.choice(FIRST, n), rng.choice(LAST, n)
    days = pd.to_timedelta(rng.integers(0, 365 * 50, n), unit="D")
    offence = pd.to_timedelta(rng.integers(0, 365 * 25, n), unit="D")
    table = pd.DataFrame(
        {
            "case": [f"K{i:05d}" for i in range(n)],
            "name": [f"{a} {b}" for a, b in zip(first, last, strict=True)],
            "first": first,
            "last": last,
            "dob": (pd.Timestamp("1950-01-01") + days).strftime("%Y-%m-%d"),
            "c_offense_date": (pd.Timestamp("1990-01-01") + offence).strftime("%Y-%m-%d"),
            "reach": [
                f"({rng.integers(201, 989)}) {rng.integers(201, 989)}-{rng.integers(1000, 9999)}"
                for _ in range(n)
            ],
            "tin": [
                f"{rng.integers(1, 665):03d}-{rng.integers(1, 99):02d}-{rng.integers(1, 9999):04d}"
                for _ in range(n)
            ],
            "home": [
                f"{rng.integers(1, 9999)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
                for _ in range(n)
            ],
            "priors": np.where(rng.random(n) < 0.1, -1, rng.integers(0, 10, n)),
            "race": rng.choice(["A", "B", "C"], n),
            "sex": rng.choice(["Male", "Female"], n),
            "recid": rng.integers(0, 2, n),
        }
    )
    table.to_csv(root / "people.csv", index=False)
    (root / "cards").mkdir()
    (root / "cards" / "people.yaml").write_text(
        "kind: data\nname: people\nsensitive_information:\n  personal_data: [case]\n"
        "sources:\n  profile:\n    - {data: people.csv, sensitive: [race, sex], "
        "label: recid}\n"
    )
    build("cards", root=root, out=root / "build", site_project=root / "site", progress=False)
    return root


def personal_values(root: Path) -> list[str]:
    table = pd.read_csv(root / "people.csv")
    values = set()
    for column in ("case", "name", "first", "last", "dob", "reach", "tin", "home"):
        values |= set(table[column].astype(str))
    return sorted(values)


def test_no_personal_value_in_any_format_or_on_the_site(project: Path) -> None:
    values = personal_values(project)
    pattern = re.compile("|".join(re.escape(v) for v in values))
    card = load_spec(project / "cards" / "people.yaml")
    assert card.kind == "data"
    outputs = {
        p: p.read_text(encoding="utf-8")
        for p in [
            *(project / "build" / "people").iterdir(),
            *(project / "site" / "public").rglob("*"),
        ]
        if p.is_file()
        and p.suffix in (".md", ".json", ".html", ".js", ".svg", ".xml")
        and "assets" not in p.relative_to(project).parts
    }  # Material's own files
    assert any(p.name == "croissant.json" for p in outputs)
    assert any(p.suffix == ".html" for p in outputs)
    leaks = {
        str(p): pattern.findall(text)[:3] for p, text in outputs.items() if pattern.search(text)
    }
    assert leaks == {}
    readme = (project / "build" / "people" / "README.md").read_text()
    # By role: names, phone, home address and the declared `case` are personal data; the
    # date of birth a quasi-identifier; the social security number an identifier.
    assert readme.count("values withheld (personal data)") == 6
    assert readme.count("values withheld (quasi-identifier)") == 1
    assert readme.count("values withheld (identifier)") == 1
    # the page format, rendered directly, is clean too
    from cardgen.merge import load_card

    merged = load_card(project / "cards" / "people.yaml", project)
    assert not pattern.search(render(merged, "page"))


def test_flags_event_dates_sentinels_and_size_category(project: Path) -> None:
    facts = json.loads(next((project / ".cardgen" / "people").glob("profile-*.json")).read_text())
    flags = {f["column"]: (f["kind"], f["evidence"]) for f in facts["personal_data"]}
    assert flags["reach"] == ("phone", "values")  # found by libphonenumber, not by name
    assert flags["tin"] == ("government_id", "values")  # valid SSNs, by python-stdnum
    assert flags["home"] == ("address", "values")  # parsed by usaddress, not named "address"
    assert flags["dob"] == ("date_of_birth", "column_name")
    assert flags["first"] == flags["last"] == flags["name"] == ("name", "column_name")
    assert "c_offense_date" not in flags  # an event date, not a date of birth
    columns = {c["name"]: c for c in facts["columns"]}
    assert columns["c_offense_date"]["top_values"]  # event dates keep their values
    (sentinel,) = [w for w in facts["warnings"] if w["column"] == "priors"]
    assert sentinel["kind"] == "missing_marker"
    minus_one = int((pd.read_csv(project / "people.csv")["priors"] == -1).sum())
    assert f"smallest value -1 ({minus_one} rows)" in sentinel["message"]
    readme = (project / "build" / "people" / "README.md").read_text()
    assert "size_categories:\n- n<1K\n" in readme
    assert [size_category(n) for n in (999, 1000, 48_842, 2_000_000)] == [
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
    ]


def test_a_declared_column_is_withheld_and_the_page_has_no_empty_heading(project: Path) -> None:
    readme = (project / "build" / "people" / "README.md").read_text()
    assert re.search(r"\| case \| string \| 0 \| 300 \| values withheld", readme)
    page = next((project / "site" / "docs").rglob("people*.md"), None) or next(
        p for p in (project / "site" / "docs").rglob("*.md") if "people" in str(p)
    )
    for text in (readme, page.read_text()):
        lines = [
            line
            for line in text.splitlines()
            if line.strip() and not line.startswith("<!-- cardgen:")
        ]
        for here, after in zip(lines, [*lines[1:], ""], strict=True):
            level = re.match(r"^(#+) ", here)
            below = re.match(r"^(#+) ", after)
            if level:
                assert after and not (below and len(below.group(1)) <= len(level.group(1))), (
                    f"empty heading {here!r}"
                )


def test_profile_alone_withholds_names(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text(
        "full_name,city\n"
        + "".join(f"{FIRST[i % 8]} {LAST[i % 7]},Town{i % 3}\n" for i in range(50))
    )
    result = profile(path)
    names, city = result.columns
    assert names.top_values == [] and names.text is None and names.values_withheld
    assert names.count == 50 and names.missing == 0
    assert city.top_values
