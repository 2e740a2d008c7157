"""`profile` on the UCI Adult data, checked against pandas computing the same facts directly."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shareddata import shipped_adult

from cardgen.cli import cli
from cardgen.collect.profile import profile
from cardgen.completeness import completeness
from cardgen.schema import DataCard
from cardgen.schema.profile import DatasetProfile

ADULT = shipped_adult("adult.data")
Z95 = 1.959963984540054  # standard normal 97.5% quantile


@pytest.fixture(scope="module")
def adult() -> DatasetProfile:
    return profile(ADULT, sensitive=["race", "sex"], label="Y")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(ADULT, skipinitialspace=True)


def _group(result: DatasetProfile, **features: str):
    matches = [g for g in result.groups if g.features == features]
    assert len(matches) == 1, features
    return matches[0]


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    return centre - half, centre + half


def test_adult_has_32561_records_and_15_columns(adult: DatasetProfile) -> None:
    assert (adult.num_rows, adult.num_columns) == (32561, 15)
    assert [c.name for c in adult.columns][:3] == ["age", "workclass", "fnlwgt"]
    assert adult.provenance is not None
    assert adult.provenance.source_kind == "profile"
    assert len(adult.provenance.input_sha256[str(ADULT)]) == 64


def test_adult_race_sex_counts_match_pandas(adult: DatasetProfile, frame: pd.DataFrame) -> None:
    expected = frame.groupby(["race", "sex"]).size()
    intersectional = [g for g in adult.groups if set(g.features) == {"race", "sex"}]
    assert len(intersectional) == len(expected) == 10
    for (race, sex), count in expected.items():
        group = _group(adult, race=race, sex=sex)
        assert group.count == count
        assert group.share == pytest.approx(count / len(frame))
    for race, count in frame["race"].value_counts().items():
        assert _group(adult, race=race).count == count
    assert _group(adult, sex="Female").count == 10771
    # ordered by attribute, then by size descending
    assert [g.features for g in adult.groups[:2]] == [{"race": "White"}, {"race": "Black"}]


def test_adult_base_rates_match_pandas_with_wilson_intervals(
    adult: DatasetProfile, frame: pd.DataFrame
) -> None:
    assert adult.pos_label == ">50K"  # the rarer of two label values
    positive = frame["Y"].eq(">50K")
    assert adult.base_rate is not None
    assert adult.base_rate.value == pytest.approx(positive.mean())
    rates = positive.groupby([frame["race"], frame["sex"]]).agg(["sum", "count"])
    for (race, sex), row in rates.iterrows():
        rate = _group(adult, race=race, sex=sex).base_rate
        assert rate is not None and rate.ci_method == "wilson" and rate.ci_level == 0.95
        assert rate.n == row["count"]
        assert rate.value == pytest.approx(row["sum"] / row["count"])
        low, high = _wilson(int(row["sum"]), int(row["count"]))
        assert (rate.ci_low, rate.ci_high) == (pytest.approx(low), pytest.approx(high))
    black_women = _group(adult, race="Black", sex="Female").base_rate
    assert black_women is not None and black_women.value == pytest.approx(90 / 1555)


def test_wilson_interval_agrees_with_statsmodels(adult: DatasetProfile) -> None:
    stats = importlib.import_module("statsmodels.stats.proportion")
    rate = _group(adult, race="Other", sex="Female").base_rate
    assert rate is not None and rate.n is not None and rate.value is not None
    low, high = stats.proportion_confint(round(rate.value * rate.n), rate.n, method="wilson")
    assert (rate.ci_low, rate.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_adult_column_statistics_match_pandas(adult: DatasetProfile, frame: pd.DataFrame) -> None:
    by_name = {c.name: c for c in adult.columns}
    for name in ["age", "fnlwgt", "capital-gain", "hours-per-week"]:
        column, series = by_name[name], frame[name]
        assert column.type == "integer"
        assert column.numeric is not None and column.numeric.exact
        described = series.describe()
        assert column.numeric.mean == pytest.approx(described["mean"])
        assert column.numeric.std == pytest.approx(described["std"])
        assert column.numeric.min == described["min"] and column.numeric.max == described["max"]
        for q in (0.01, 0.25, 0.5, 0.75, 0.99):
            assert column.numeric.quantiles[str(q)] == pytest.approx(series.quantile(q))
        counts, _ = np.histogram(series, bins=20)
        assert column.numeric.histogram is not None
        assert column.numeric.histogram.counts == counts.tolist()
        assert column.distinct == series.nunique()
    occupation = by_name["occupation"]
    counts = frame["occupation"].value_counts()
    assert occupation.distinct == len(counts)
    assert [(v.value, v.count) for v in occupation.top_values[:3]] == list(counts.items())[:3]
    assert occupation.text is not None
    assert occupation.text.mean_length == pytest.approx(frame["occupation"].str.len().mean())


def test_adult_duplicate_rows_match_pandas(adult: DatasetProfile, frame: pd.DataFrame) -> None:
    assert adult.duplicate_rows == frame.duplicated().sum() == 24


def test_adult_question_marks_are_flagged_as_missing_markers(adult: DatasetProfile) -> None:
    markers = {w.column for w in adult.warnings if w.kind == "missing_marker"}
    question = {
        w.column for w in adult.warnings if w.kind == "missing_marker" and "'?'" in w.message
    }
    assert question == {"workclass", "occupation", "native-country"}
    # Adult codes unknown capital gains as 99999 (and caps hours at 99): largest values that
    # are common missing-value codes are reported as possible codes, with their counts.
    assert markers - question == {"capital-gain", "hours-per-week"}
    gain = next(w for w in adult.warnings if w.column == "capital-gain")
    column = next(c for c in adult.columns if c.name == "capital-gain")
    count = next(v.count for v in column.top_values if v.value == "99999")
    assert f"largest value 99999 ({count} rows)" in gain.message
    assert adult.personal_data == []


def test_profile_command_stores_a_fact_the_card_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cards").mkdir()
    Path("cards/adult.yaml").write_text(
        "kind: data\nname: adult\nsources:\n  profile:\n"
        f"    - {{data: {ADULT}, sensitive: [race, sex], label: Y}}\n"
    )
    result = CliRunner().invoke(
        cli, ["profile", str(ADULT), "--card", "cards/adult.yaml", "--out", "out/adult.json"]
    )
    assert result.exit_code == 0, result.output
    assert "32561 rows, 15 columns, 24 duplicate rows" in result.stdout
    assert "group race=Black, sex=Female: 1555 rows, base rate 0.058" in result.stdout
    stored = json.loads(Path(".cardgen/adult/profile-adult.json").read_text())
    assert stored == json.loads(Path("out/adult.json").read_text())
    card = DataCard(name="adult", composition={"profile": stored})
    assert card.composition.profile is not None
    assert card.composition.profile.sensitive_features == ["race", "sex"]
    assert "composition.fields" in completeness(card).filled


def test_many_small_batches_give_the_same_profile_as_one(
    adult: DatasetProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Streaming must not change a number: merge counts, moments and groups across ~60 batches.
    from cardgen.collect import _profile_read

    monkeypatch.setattr(_profile_read, "CSV_BLOCK_BYTES", 64 << 10)
    streamed = profile(ADULT, sensitive=["race", "sex"], label="Y")
    first, second = adult.model_dump(mode="json"), streamed.model_dump(mode="json")
    for dump in (first, second):
        dump["provenance"].pop("collected_at")
    for one, other in zip(first.pop("columns"), second.pop("columns"), strict=True):
        if one["numeric"] is not None:  # sums in another order: equal up to rounding
            for moment in ("mean", "std"):
                assert one["numeric"].pop(moment) == pytest.approx(other["numeric"].pop(moment))
        assert one == other, one["name"]
    assert first == second
