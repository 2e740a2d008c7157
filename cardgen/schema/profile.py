"""A dataset profile: computed composition facts of one data file, with provenance.

Filled by the `profile` collector (cardgen/collect/profile.py); the types compute nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import CardModel
from .evaluation import MetricValue
from .provenance import Provenance

ColumnType = Literal[
    "integer", "float", "boolean", "string", "date", "datetime", "mixed", "null", "other"
]
PersonalDataKind = Literal[
    "name",
    "email",
    "phone",
    "date_of_birth",
    "identifier",
    "address",
    "government_id",
    "ip_address",
    "free_text",
    "personal_data",
    "quasi_identifier",
]
ColumnRole = Literal[
    "identifier",
    "personal_data",
    "quasi_identifier",
    "free_text",
    "sensitive_attribute",
    "ordinary",
]
"""What a column is to the people in the data (`cardgen.privacy` decides it): only
`sensitive_attribute` and `ordinary` columns have their values published."""
WarningKind = Literal[
    "small_group",
    "differential_missingness",
    "missing_marker",
    "mixed_types",
    "all_missing",
    "constant",
    "high_cardinality",
    "duplicates_unchecked",
]


class ValueCount(CardModel):
    """One frequent value of a column and how often it occurs."""

    value: str
    """The value as text, cut to 200 characters (untrusted data: renderers escape it)."""
    count: int = Field(ge=0)
    """Rows holding the value."""
    share: float = Field(ge=0, le=1)
    """Share of the column's non-missing rows holding the value."""
    truncated: bool = False
    """True when `value` was cut to keep facts small."""


class Histogram(CardModel):
    """Counts of a numeric column over equal-width bins."""

    bin_edges: list[float]
    """Bin edges, one more than `counts`; the last bin includes its upper edge."""
    counts: list[int]
    """Values per bin (of the sample, when the statistics are not exact)."""


class NumericStats(CardModel):
    """Summary statistics of a numeric column (missing values and NaN excluded)."""

    min: float | None = None
    """Smallest value."""
    max: float | None = None
    """Largest value."""
    mean: float | None = None
    """Arithmetic mean."""
    std: float | None = None
    """Sample standard deviation (ddof=1, as pandas); null below two values."""
    quantiles: dict[str, float] = Field(default_factory=dict)
    """Quantiles keyed by probability (`"0.25"`), linear interpolation as numpy and pandas."""
    histogram: Histogram | None = None
    """Equal-width histogram between `min` and `max`."""
    exact: bool = True
    """False when quantiles and histogram come from a uniform random sample of the values
    (columns with more values than the profile keeps in memory); min/max/mean/std are exact."""
    sample_size: int | None = Field(default=None, ge=0)
    """Values the quantiles and histogram rest on when `exact` is false."""


class TextStats(CardModel):
    """Length statistics of a text column, in Unicode characters."""

    min_length: int | None = None
    """Shortest value."""
    max_length: int | None = None
    """Longest value."""
    mean_length: float | None = None
    """Mean length."""
    empty: int = Field(default=0, ge=0)
    """Values that are the empty string (not counted as missing)."""


class ColumnProfile(CardModel):
    """Computed facts about one column."""

    name: str
    """Column name as in the file."""
    type: ColumnType
    """Logical type: `integer`, `float`, `boolean`, `string`, `date`, `datetime`, `mixed`
    (text in which some values look numeric and others do not), `null` (no values at all)
    or `other` (lists, structs, binary)."""
    storage_type: str
    """Arrow type the values were read as, e.g. `int64`, `string`."""
    count: int = Field(ge=0)
    """Non-missing values."""
    missing: int = Field(ge=0)
    """Missing values (empty CSV fields, JSON null, NaN)."""
    missing_rate: float | None = Field(default=None, ge=0, le=1)
    """`missing / rows`; null for a file with no rows."""
    distinct: int | None = Field(default=None, ge=0)
    """Distinct non-missing values; null for types that are not counted (lists, structs)."""
    distinct_exact: bool = True
    """False when `distinct` is a HyperLogLog estimate (about 1% error): a column with more
    distinct values than the profile keeps in memory."""
    top_values: list[ValueCount] = Field(default_factory=list)
    """Most frequent values, by count then value; at most the profile's `top_k`."""
    top_values_exact: bool = True
    """False when `top_values` were followed from the first part of the file only (their
    counts are exact; a value that becomes frequent later may be missing)."""
    numeric_values: int | None = Field(default=None, ge=0)
    """For `mixed` columns: non-missing values that look like numbers."""
    numeric: NumericStats | None = None
    """Statistics of numeric columns."""
    text: TextStats | None = None
    """Length statistics of text columns."""
    earliest: str | None = None
    """For `date` and `datetime` columns: the earliest value (ISO 8601)."""
    latest: str | None = None
    """For `date` and `datetime` columns: the latest value (ISO 8601)."""
    role: ColumnRole = "ordinary"
    """`identifier` (it identifies records or people: a case number, an id whose every
    value is distinct), `personal_data` (names, e-mails, phones, addresses),
    `quasi_identifier` (a date of birth), `free_text` (prose that may name people),
    `sensitive_attribute` (an attribute whose groups are reported) or `ordinary`; from the
    profile's detection and the card's declarations, by one rule (`cardgen.privacy`)."""
    values_withheld: str | None = None
    """Why the column's values (top values, min/max, quantiles, histogram, dates, and for
    all but free text the lengths) are not kept: its role. Only type, counts, missing and
    distinct shares remain."""


class GroupProfile(CardModel):
    """Representation of one group of the sensitive attributes, and its label base rate."""

    features: dict[str, str]
    """The group's value of each sensitive attribute, e.g. `{race: Black, sex: Female}`; one
    key for a single attribute's group, all attributes for an intersectional group. Missing
    values form the group `(missing)`."""
    count: int = Field(ge=0)
    """Rows in the group."""
    share: float | None = Field(default=None, ge=0, le=1)
    """`count / rows`; null for a file with no rows."""
    small: bool = False
    """True when `count` is below the profile's `min_group_size`."""
    base_rate: MetricValue | None = None
    """Share of the group's rows with a non-missing label whose label is `pos_label`, with a
    Wilson interval; null value with a reason when no row of the group has a label."""


class PersonalDataFlag(CardModel):
    """A column that looks like personal data, for the card's personal-information section."""

    column: str
    """Column name."""
    kind: PersonalDataKind
    """What it looks like: `name`, `email`, `phone`, `date_of_birth`, `identifier`,
    `address`, `government_id`, `ip_address` or `free_text`; a column the card declares is
    `personal_data`, `identifier` or `quasi_identifier` as declared."""
    evidence: Literal["column_name", "values", "declared"]
    """Whether the column's name or its values gave it away, or the spec declared it
    (`sensitive_information.personal_data`, `.identifiers`, `.quasi_identifiers`)."""
    detail: str
    """Why it was flagged, in words."""
    match_rate: float | None = Field(default=None, ge=0, le=1)
    """For value evidence: share of the inspected values that match the pattern."""


class ProfileWarning(CardModel):
    """Something a reader of the data card should know about the data."""

    kind: WarningKind
    """`small_group`, `differential_missingness` (missingness that differs
    strongly between groups, a known source of bias), `missing_marker` (a value such as `?`
    that probably means missing), `mixed_types`, `all_missing`, `constant`,
    `high_cardinality` (distinct values hashed or estimated) or `duplicates_unchecked`
    (too many rows to look for duplicates)."""
    message: str
    """The warning in words."""
    column: str | None = None
    """Column concerned, if one."""
    group: dict[str, str] | None = None
    """Group concerned, if one."""


class DatasetProfile(CardModel):
    """Computed composition facts of one data file: columns, duplicates, groups, warnings.

    Example:
        >>> DatasetProfile(source="a.csv", format="csv", num_rows=0, num_columns=0).groups
        []
    """

    source: str
    """The data file or folder profiled, as given."""
    format: Literal["csv", "parquet", "jsonl", "json", "arrow", "table"]
    """How it was read: CSV, Parquet, JSON Lines, a JSON array of records, Arrow (a saved
    `datasets` folder) or a Spark catalog table."""
    encoding: str = "utf-8"
    """Text encoding the file was read with (CSV and JSON)."""
    num_rows: int = Field(ge=0)
    """Rows (records), not counting a CSV header."""
    num_columns: int = Field(ge=0)
    """Columns."""
    duplicate_rows: int | None = Field(default=None, ge=0)
    """Rows that exactly repeat an earlier row (all columns equal; missing equals missing).
    Found by 64-bit row hashes (a collision is possible but below 1e-4 under 5 x 10^7
    rows); null above 5 x 10^7 rows, where it is not counted."""
    duplicate_rate: float | None = Field(default=None, ge=0, le=1)
    """`duplicate_rows / rows`; null for a file with no rows."""
    top_k: int = Field(default=10, ge=0)
    """Most frequent values kept per column."""
    columns: list[ColumnProfile] = Field(default_factory=list)
    """Per-column facts, in file order."""
    sensitive_features: list[str] = Field(default_factory=list)
    """Sensitive attributes whose groups are reported."""
    label: str | None = None
    """Label column whose base rate is reported per group."""
    pos_label: str | None = None
    """Label value counted as positive for base rates."""
    min_group_size: int = Field(default=30, ge=0)
    """Groups with fewer rows are flagged as small."""
    ci_level: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level of the base rates' Wilson intervals."""
    base_rate: MetricValue | None = None
    """Share of labelled rows whose label is `pos_label`, over the whole file."""
    groups: list[GroupProfile] = Field(default_factory=list)
    """Groups of each sensitive attribute alone, then their intersections, by count."""
    personal_data: list[PersonalDataFlag] = Field(default_factory=list)
    """Columns that look like personal data."""
    warnings: list[ProfileWarning] = Field(default_factory=list)
    """Things to know: small groups, missingness differing between groups, and more."""
    provenance: Provenance | None = None
    """Which file (and its SHA-256), when, and with which code."""
