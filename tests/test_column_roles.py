"""Nothing personal, by role: one rule gives each column its role, stored in the profile, and
no value of an identifier, personal data, quasi-identifier or free text reaches any output.

The table (tests/recidivism.py) has what a public recidivism data set has: record ids,
court case numbers (`13011352CF10A`), names, e-mails, dates of birth, officers' notes beside
race, sex and the label. Every file that profile -> build -> render (all formats) -> audit
write is searched for every one of those values; an ordinary value is searched alike, so
that a search that finds nothing is known to look where the values would be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from recidivism import PERSONAL, leaks, rows, write_project

from cardgen.build import build
from cardgen.cli import cli
from cardgen.collect.profile import profile
from cardgen.merge import load_card
from cardgen.privacy import Declarations, assign_roles, column_roles
from cardgen.render import render
from cardgen.schema.profile import ColumnProfile, DatasetProfile, PersonalDataFlag

ORDINARY = {
    "sex": "sensitive_attribute",
    "race": "sensitive_attribute",
    "c_offense_date": "ordinary",
    "c_charge_desc": "ordinary",
    "decile_score": "ordinary",
    "priors_count": "ordinary",
    "two_year_recid": "ordinary",
}


def render_everything(root: Path, site: bool) -> None:
    """build (README, card.json, croissant.json; the site when `site`), every render format
    and the audit's JSON and Parquet (and its site when `site`)."""
    build("cards", root=root, site_project="site-project" if site else None, progress=False)
    runner = CliRunner()
    spec = str(root / "cards" / "recidivism.yaml")
    for fmt in ("hub", "page", "json", "croissant"):
        out = str(root / "out" / f"card.{fmt}")
        result = runner.invoke(
            cli, ["render", spec, "--format", fmt, "--out", out, "--force", "--facts", str(root)]
        )
        assert result.exit_code == 0, result.output
    audit = ["audit", str(root / "cards"), "--out", str(root / "audit")]
    if site:
        audit += ["--site", str(root / "audit-site")]
    result = runner.invoke(cli, audit)
    assert result.exit_code == 0, result.output


def containing(root: Path, value: str) -> set[str]:
    """Output files (decompressed when gzip) holding `value`: the positive control."""
    import gzip

    found = set()
    for path in root.rglob("*"):
        if path.is_file() and path.relative_to(root).parts[0] != "data":
            data = path.read_bytes()
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            if value.encode() in data:
                found.add(str(path.relative_to(root)))
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("recidivism")
    write_project(root)
    render_everything(root, site=False)
    return root


def test_every_column_has_its_role_stored_in_the_profile(project: Path) -> None:
    fact = json.loads((project / ".cardgen" / "recidivism" / "profile-recidivism.json").read_text())
    roles = {c["name"]: c["role"] for c in fact["columns"]}
    assert roles == {**PERSONAL, "booking_ref": "identifier", **ORDINARY}
    withheld = {c["name"] for c in fact["columns"] if c["values_withheld"]}
    assert withheld == {*PERSONAL, "booking_ref"}


def test_no_withheld_value_in_any_output(project: Path) -> None:
    assert leaks(project) == {}
    # The search looks where values would be: an ordinary one is in every card output,
    # a group of a sensitive attribute in the audit's JSON too.
    expected = {
        "build/cards/recidivism/README.md",
        "build/cards/recidivism/card.json",
        "out/card.hub",
        "out/card.page",
        "out/card.json",
    }
    assert expected <= containing(project, "Possession of Cannabis")
    assert {"build/cards/recidivism/croissant.json", "out/card.croissant"} <= containing(
        project, "race=Caucasian"
    )
    table = pq.read_table(project / "audit" / "audit.parquet").to_pylist()
    assert [row["source"].endswith("recidivism.yaml") for row in table] == [True]


def test_detection_alone_finds_identifiers_and_the_card_declares_the_rest(tmp_path: Path) -> None:
    write_project(tmp_path)
    detected = profile(tmp_path / "data" / "recidivism.csv", sensitive=["race", "sex"])
    roles = {c.name: c.role for c in detected.columns}
    # All-distinct case numbers and ids are identifiers by detection; the booking reference
    # repeats (two rows each), so only the card's `identifiers:` withholds it.
    assert roles["c_case_number"] == roles["r_case_number"] == roles["id"] == "identifier"
    assert roles["booking_ref"] == "ordinary"
    booking = next(c for c in detected.columns if c.name == "booking_ref")
    assert booking.top_values and booking.top_values[0].count == 2
    card = load_card(tmp_path / "cards" / "recidivism.yaml", tmp_path)
    assert card.kind == "data"
    declared = assign_roles(detected, Declarations.of(card))
    booking = next(c for c in declared.columns if c.name == "booking_ref")
    assert (booking.role, booking.top_values, booking.values_withheld) == (
        "identifier",
        [],
        "identifier: only the type, counts, missing and distinct shares are published",
    )
    flag = next(f for f in declared.personal_data if f.column == "booking_ref")
    assert (flag.kind, flag.evidence) == ("identifier", "declared")
    # The free-text column keeps its lengths (not values): 100% distinct prose.
    notes = next(c for c in declared.columns if c.name == "officer_notes")
    lengths = [len(r["officer_notes"]) for r in rows()]
    assert notes.text is not None and notes.text.max_length == max(lengths)
    assert notes.top_values == []


def test_a_declared_sensitive_attribute_that_is_withheld_loses_its_groups(tmp_path: Path) -> None:
    write_project(tmp_path)
    detected = profile(tmp_path / "data" / "recidivism.csv", sensitive=["race", "booking_ref"])
    assert any("booking_ref" in g.features for g in detected.groups)
    withheld = assign_roles(detected, Declarations(identifiers=("booking_ref",)))
    assert withheld.groups and not any("booking_ref" in g.features for g in withheld.groups)
    assert withheld.sensitive_features == ["race"]
    assert column_roles(withheld)["race"] == "sensitive_attribute"
    published = withheld.model_dump_json()
    assert not [r["booking_ref"] for r in rows() if f'"{r["booking_ref"]}"' in published]


def test_the_card_lists_withheld_columns_by_role(project: Path) -> None:
    readme = (project / "build" / "cards" / "recidivism" / "README.md").read_text()
    assert "| c_case_number | string | 0 | 400 | values withheld (identifier) |" in readme
    assert "| dob | date | 0 | 391 | values withheld (quasi-identifier) |" in readme
    assert "- **booking_ref**: identifier (declared an identifier by the card)" in readme
    assert "- **officer_notes**: free text (100% of 400 inspected values are prose" in readme
    assert "Sensitive attributes: race, sex." in readme
    card = load_card(project / "cards" / "recidivism.yaml", project)
    assert "Possession of Cannabis" in render(card, "page")


@pytest.mark.slow
def test_no_withheld_value_on_the_sites_or_in_their_search_index(tmp_path: Path) -> None:
    write_project(tmp_path)
    render_everything(tmp_path, site=True)
    assert leaks(tmp_path) == {}
    fragments = list((tmp_path / "site-project" / "public" / "pagefind" / "fragment").iterdir())
    assert fragments  # Pagefind indexed the site; its fragments were searched decompressed
    indexed = containing(tmp_path, "race=Caucasian")
    assert any(p.startswith("site-project/public/pagefind/fragment/") for p in indexed)
    assert "site-project/public/data/recidivism/index.html" in containing(
        tmp_path, "Possession of Cannabis"
    )
    assert any(p.startswith("audit-site/public/") for p in containing(tmp_path, "recidivism"))


def test_declarations_overrule_detection_and_the_most_protective_role_wins() -> None:
    columns = [
        ColumnProfile(name=name, type="string", storage_type="string", count=3, missing=0)
        for name in ("dob", "zip", "race", "city")
    ]
    detected = PersonalDataFlag(
        column="dob", kind="date_of_birth", evidence="column_name", detail="named dob"
    )
    table = DatasetProfile(
        source="t.csv",
        format="csv",
        num_rows=3,
        num_columns=4,
        columns=columns,
        personal_data=[detected],
        sensitive_features=["race"],
    )
    assert column_roles(table) == {
        "dob": "quasi_identifier",
        "zip": "ordinary",
        "race": "sensitive_attribute",
        "city": "ordinary",
    }
    declared = Declarations(
        identifiers=("dob",), quasi_identifiers=("zip", "dob"), sensitive_attributes=("city",)
    )
    assert column_roles(table, declared) == {
        "dob": "identifier",
        "zip": "quasi_identifier",
        "race": "sensitive_attribute",
        "city": "sensitive_attribute",
    }
