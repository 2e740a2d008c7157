"""One rule for a dataset column's role (identifier, personal data, quasi-identifier, free
text, sensitive attribute, ordinary), and the withholding of values that the role implies.

It decides from the profile's detection flags and a card's declarations and rewrites a
profile; it detects nothing (`cardgen.collect` does) and renders nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .schema.data_card import DataCard
from .schema.profile import ColumnRole, DatasetProfile, PersonalDataFlag, PersonalDataKind

WITHHELD_ROLES: tuple[ColumnRole, ...] = (
    "identifier",
    "personal_data",
    "quasi_identifier",
    "free_text",
)
"""Roles whose values (top values, examples, min/max, quantiles, histograms, dates) are
published nowhere, most protective first."""

ROLE_OF_KIND: dict[PersonalDataKind, ColumnRole] = {
    "identifier": "identifier",
    "government_id": "identifier",
    "name": "personal_data",
    "email": "personal_data",
    "phone": "personal_data",
    "address": "personal_data",
    "ip_address": "personal_data",
    "personal_data": "personal_data",
    "date_of_birth": "quasi_identifier",
    "quasi_identifier": "quasi_identifier",
    "free_text": "free_text",
}
"""The role each detected or declared kind gives its column."""

ROLE_NAMES: dict[ColumnRole, str] = {
    "identifier": "identifier",
    "personal_data": "personal data",
    "quasi_identifier": "quasi-identifier",
    "free_text": "free text",
    "sensitive_attribute": "sensitive attribute",
    "ordinary": "ordinary",
}
"""Each role in words, as cards print it."""

_QUOTING_WARNINGS = {"missing_marker", "constant", "mixed_types", "high_cardinality"}
"""Warning kinds whose message may quote a column's values."""


def withheld_note(role: ColumnRole) -> str:
    """The note a withheld column carries: its role and what is still published."""
    kept = "type, counts, missing and distinct shares and text lengths"
    if role != "free_text":
        kept = "type, counts, missing and distinct shares"
    return f"{ROLE_NAMES[role]}: only the {kept} are published"


@dataclass(frozen=True)
class Declarations:
    """What a data card says about its columns (`sensitive_information`)."""

    personal_data: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    quasi_identifiers: tuple[str, ...] = ()
    sensitive_attributes: tuple[str, ...] = ()

    @classmethod
    def of(cls, card: DataCard) -> Declarations:
        """A data card's declarations: `personal_data`, `identifiers`, `quasi_identifiers`
        and `sensitive_attributes` under `sensitive_information`."""
        info = card.sensitive_information
        return cls(
            tuple(info.personal_data),
            tuple(info.identifiers),
            tuple(info.quasi_identifiers),
            tuple(info.sensitive_attributes),
        )

    def flags(self) -> list[PersonalDataFlag]:
        """A `declared` flag for each column declared personal, identifying or quasi-."""
        declared: list[tuple[PersonalDataKind, Iterable[str], str]] = [
            ("identifier", self.identifiers, "declared an identifier by the card"),
            ("personal_data", self.personal_data, "declared personal data by the card"),
            ("quasi_identifier", self.quasi_identifiers, "declared a quasi-identifier by the card"),
        ]
        return [
            PersonalDataFlag(column=column, kind=kind, evidence="declared", detail=detail)
            for kind, columns, detail in declared
            for column in columns
        ]


def _most_protective(flags: Iterable[PersonalDataFlag]) -> dict[str, ColumnRole]:
    """Each flagged column's role: the most protective of its flags'."""
    roles: dict[str, ColumnRole] = {}
    for flag in flags:
        role = ROLE_OF_KIND[flag.kind]
        if flag.column not in roles or WITHHELD_ROLES.index(role) < WITHHELD_ROLES.index(
            roles[flag.column]
        ):
            roles[flag.column] = role
    return roles


def column_roles(
    profile: DatasetProfile, declared: Declarations = Declarations()
) -> dict[str, ColumnRole]:
    """Each column's role, by one rule.

    1. A column the card declares (`identifiers`, `personal_data`, `quasi_identifiers`)
       has the role it is declared with; declarations overrule detection.
    2. Otherwise the profile's flags decide: a kind's role (`ROLE_OF_KIND`), the most
       protective when a column has several.
    3. A column with no such role that is a sensitive attribute (the profile's groups or
       the card's `sensitive_attributes`) is `sensitive_attribute`.
    4. Everything else is `ordinary`.
    """
    roles = _most_protective(profile.personal_data)
    roles.update(_most_protective(declared.flags()))
    sensitive = {*profile.sensitive_features, *declared.sensitive_attributes}
    return {
        c.name: roles.get(c.name, "sensitive_attribute" if c.name in sensitive else "ordinary")
        for c in profile.columns
    }


def assign_roles(
    profile: DatasetProfile, declared: Declarations = Declarations()
) -> DatasetProfile:
    """A copy of `profile` whose columns carry their role (`column_roles`), in which no value
    of a withheld column survives.

    A withheld column keeps its name, type, counts, missing and distinct shares (and, for
    free text, its lengths); its top values, numeric statistics and histogram, earliest and
    latest dates are dropped, with `values_withheld` saying why. Warnings that may quote its
    values go, as do groups (and their warnings) of a sensitive attribute that is withheld.
    Declared columns the profile did not flag as such get a `declared` flag.
    """
    roles = column_roles(profile, declared)
    withheld = {name for name, role in roles.items() if role in WITHHELD_ROLES}
    declared_flags = [f for f in declared.flags() if f.column in roles]
    redeclared = {f.column for f in declared_flags}
    flags = [f for f in profile.personal_data if f.column not in redeclared] + declared_flags
    columns = []
    for column in profile.columns:
        role = roles[column.name]
        if role not in WITHHELD_ROLES:
            columns.append(column.model_copy(update={"role": role}))
            continue
        columns.append(
            column.model_copy(
                update={
                    "role": role,
                    "top_values": [],
                    "numeric": None,
                    "text": column.text if role == "free_text" else None,
                    "earliest": None,
                    "latest": None,
                    "values_withheld": withheld_note(role),
                }
            )
        )
    groups = [g for g in profile.groups if not withheld.intersection(g.features)]
    warnings = [
        w
        for w in profile.warnings
        if not (w.column in withheld and w.kind in _QUOTING_WARNINGS)
        and not (w.group and withheld.intersection(w.group))
        and not (
            w.kind == "differential_missingness"
            and any(f"with {name}=" in w.message for name in withheld)
        )
    ]
    return profile.model_copy(
        update={
            "columns": columns,
            "personal_data": flags,
            "groups": groups,
            "warnings": warnings,
            "sensitive_features": [f for f in profile.sensitive_features if f not in withheld],
        }
    )
