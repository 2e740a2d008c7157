"""A recidivism-like table for privacy tests: case numbers, names, e-mails, dates of birth.

Writes a deterministic CSV shaped like a public pretrial-risk data set (ids, court case
numbers, people's names and dates of birth beside race, sex and a label) and a data card
spec that profiles it; it builds nothing. `PERSONAL` maps each column that must never show
a value in a published output to the role cardgen should give it.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

# Names no other text on a page contains, so a search for them finds only a leak.
FIRST = ["Xandrea", "Quorwin", "Zelphine", "Yvarro", "Wenzeline", "Vorrick", "Ulmara", "Tasziana"]
LAST = ["Quenneville", "Zabrowski", "Xanthopoulos", "Vuillemard", "Wrzesniak", "Yordanova"]
CHARGES = ["Battery", "Grand Theft", "Driving Under Influence", "Possession of Cannabis"]
ROWS = 400

PERSONAL = {
    "id": "identifier",
    "c_case_number": "identifier",
    "r_case_number": "identifier",
    "name": "personal_data",
    "first": "personal_data",
    "last": "personal_data",
    "email": "personal_data",
    "dob": "quasi_identifier",
    "officer_notes": "free_text",
}
"""Column -> the role that withholds its values."""

SPEC = """\
schema_version: "1.0"
kind: data
name: recidivism
summary: Pretrial risk scores of people arrested in one county, with their later arrests.
sensitive_information:
  sensitive_attributes: [race, sex]
  identifiers: [booking_ref]
sources:
  profile:
    - data: ../data/recidivism.csv
      sensitive: [race, sex]
      label: two_year_recid
"""


def rows(seed: int = 7) -> list[dict[str, str]]:
    """The table's rows as text (empty string = missing), deterministic for a seed."""
    rng = random.Random(seed)
    out = []
    for index in range(ROWS):
        first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
        # Distinct names: a middle initial from the row number keeps every one different.
        middle = chr(ord("A") + index // (len(FIRST) * len(LAST)))
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
        offence = dt.date(2013, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
        out.append(
            {
                "id": str(7_340_000 + index * 37),
                "name": f"{first} {middle}. {last}",
                "first": first,
                "last": f"{last}{middle}",
                "email": f"{first.lower()}.{last.lower()}{index}@example.org",
                "dob": born.isoformat(),
                "sex": rng.choice(["Male", "Male", "Female"]),
                "race": rng.choice(["African-American", "Caucasian", "Hispanic", "Other"]),
                "c_case_number": f"{13 + index % 2:02d}{11352 + index * 7:06d}CF10A",
                "c_offense_date": offence.isoformat(),
                "c_charge_desc": rng.choice(CHARGES),
                "r_case_number": f"{15 + index % 2:02d}{20417 + index * 11:06d}MM10A"
                if index % 3 == 0
                else "",
                "booking_ref": f"B{index // 2:05d}",
                "officer_notes": (
                    f"Spoke with {first} {last} at the {rng.choice(['north', 'south'])} "
                    f"station about case {index}; follow-up on {offence.isoformat()}."
                ),
                "decile_score": str(rng.randint(1, 10)),
                "priors_count": str(rng.randint(0, 12)),
                "two_year_recid": str(rng.randint(0, 1)),
            }
        )
    return out


def write_project(folder: Path) -> Path:
    """Write `data/recidivism.csv` and `cards/recidivism.yaml` under `folder`; the spec path."""
    import csv

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    table = rows()
    with open(data / "recidivism.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    cards = folder / "cards"
    cards.mkdir(parents=True, exist_ok=True)
    spec = cards / "recidivism.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec


def personal_values() -> dict[str, set[str]]:
    """Every value of every column whose values must stay unpublished, by column."""
    values: dict[str, set[str]] = {}
    for row in rows():
        for column in [*PERSONAL, "booking_ref"]:
            if row[column]:
                values.setdefault(column, set()).add(row[column])
    return values


def leaks(folder: Path, skip: tuple[str, ...] = ("data",)) -> dict[str, list[tuple[str, str]]]:
    """Every (file, value) under `folder` holding a value of a withheld column, by column.

    Gzip-compressed files (Pagefind's index fragments) are searched decompressed; a value
    counts only as a whole word, so an id inside a longer number or hash is not a hit.
    """
    import gzip
    import re

    patterns = {
        column: re.compile(
            "(?<![0-9A-Za-z])("
            + "|".join(re.escape(v) for v in sorted(values))
            + ")(?![0-9A-Za-z])"
        )
        for column, values in personal_values().items()
    }
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.relative_to(folder).parts[0] in skip:
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        for column, pattern in patterns.items():
            match = pattern.search(text)
            if match:
                found.setdefault(column, []).append((str(path.relative_to(folder)), match.group(1)))
    return found
