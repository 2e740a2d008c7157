"""`cardgen verify` on a real table: a skops model trained here on UCI Adult, claims that are
true, inflated, written as percentages or on data nobody mapped; values against scikit-learn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hubserver import HubServer
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from cardgen.cli import cli
from cardgen.demo import CATEGORICAL, NUMERIC, read_adult, train_model
from cardgen.errors import CardgenError
from cardgen.schema import Verification
from cardgen.verify import Options, judge, parse_mapping, read_claims, verify

ROOT = Path(__file__).resolve().parents[1]
DATASET = "scikit-learn/adult-census-income"
Z_975 = 1.959963984540054
N_BOOT = 200


@pytest.fixture(scope="module")
def adult(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A logistic regression trained on 4,000 Adult training rows, 1,500 test rows, and the
    test set's accuracy, F1 and ROC AUC by scikit-learn."""
    from skops import io as sio

    folder = tmp_path_factory.mktemp("adult")
    train = read_adult("train").iloc[:4000]
    test = read_adult("test").iloc[:1500].copy()
    for column in CATEGORICAL:
        train[column] = train[column].fillna("(missing)")
        test[column] = test[column].fillna("(missing)")
    model_path = folder / "adult.skops"
    train_model(train, model_path)
    test_path = folder / "adult-test.csv"
    test.to_csv(test_path, index=False)
    model = sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))
    features = test[NUMERIC + CATEGORICAL]
    predicted = model.predict(features)
    positive = list(model.classes_).index(">50K")
    truth = {
        "accuracy": accuracy_score(test["income"], predicted),
        "f1": f1_score(test["income"], predicted, pos_label=">50K"),
        "roc_auc": roc_auc_score(test["income"] == ">50K", model.predict_proba(features)[:, 1]),
        "female_accuracy": accuracy_score(
            test.loc[test["sex"] == "Female", "income"], predicted[(test["sex"] == "Female")]
        ),
    }
    assert positive == 1  # classes sorted: the run's score is P(>50K)
    return {"folder": folder, "model": model_path, "test": test_path, "truth": truth}


def readme(folder: Path, results: list[dict[str, object]], name: str = "README.md") -> Path:
    front = yaml.safe_dump({"model-index": [{"name": "adult-lr", "results": results}]})
    path = folder / name
    path.write_text(f"---\n{front}---\n\n# Adult classifier\n", encoding="utf-8")
    return path


def result(metrics: list[dict[str, object]], dataset: str = DATASET) -> dict[str, object]:
    return {
        "task": {"type": "tabular-classification"},
        "dataset": {"name": "Adult", "type": dataset, "split": "test"},
        "metrics": metrics,
    }


def options(adult: dict[str, object], **extra: object) -> Options:
    values: dict[str, object] = {
        "model": str(adult["model"]),
        "data": {DATASET: str(adult["test"])},
        "label_column": "income",
        "n_boot": N_BOOT,
        **extra,
    }
    return Options(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def checked(adult: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Verification:
    """The README with one claim of each kind, verified once for the tests below."""
    truth = adult["truth"]
    assert isinstance(truth, dict)
    folder = tmp_path_factory.mktemp("card")
    card = readme(
        folder,
        [
            result(
                [
                    {"type": "accuracy", "value": truth["accuracy"]},
                    {"type": "accuracy", "name": "inflated", "value": truth["accuracy"] + 0.10},
                    {
                        "type": "accuracy",
                        "name": "percent",
                        "value": round(truth["accuracy"] * 100, 1),
                    },
                    {"type": "f1", "value": truth["f1"]},
                    {"type": "roc_auc", "value": truth["roc_auc"]},
                    {"type": "accuracy", "config": "sex=Female", "value": truth["female_accuracy"]},
                    {"type": "bleu", "value": 20.5},
                    {"type": "mean_reward", "value": "200.50 +/- 20.1"},
                ]
            ),
            result([{"type": "accuracy", "value": 0.8}], dataset="someone/unmapped-adult"),
        ],
    )
    return verify(card, options(adult))


def by_name(verification: Verification) -> dict[str, Any]:
    """The claims on the mapped dataset by metric name (and group)."""
    return {
        (c.metric_name or c.metric) + (f"@{c.group}" if c.group else ""): c
        for c in verification.claims
        if c.dataset == DATASET
    }


def test_true_claims_are_consistent_and_measured_values_equal_scikit_learns(
    adult: dict[str, object], checked: Verification
) -> None:
    truth = adult["truth"]
    assert isinstance(truth, dict)
    claims = by_name(checked)
    for name, key in (("accuracy", "accuracy"), ("f1", "f1"), ("roc_auc", "roc_auc")):
        check = claims[name]
        assert check.status == "consistent", check.reason
        assert check.measured == pytest.approx(truth[key], abs=1e-12)
        assert check.ci_low <= check.measured <= check.ci_high
        assert check.ci_method == "bootstrap" and check.ci_level == 0.95
    assert claims["accuracy"].n == 1500
    group = claims["accuracy@{'sex': 'Female'}"]
    assert group.status == "consistent"
    assert group.measured == pytest.approx(truth["female_accuracy"], abs=1e-12)
    # every claim on the mapped dataset was measured by one run, recorded with its digests
    (run,) = checked.runs
    assert run.kind == "run" and run.rows == 1500 and run.dataset == DATASET
    assert run.model_sha256 == {str(adult["model"]): run.model_revision.removeprefix("sha256:")}
    assert list(run.data_sha256) == [str(adult["test"])] and run.seeds == {"bootstrap": 0}
    assert run.device == "cpu" and "scikit-learn" in run.library_versions


def test_an_inflated_claim_is_discrepant_with_its_difference_and_z(
    adult: dict[str, object], checked: Verification
) -> None:
    check = by_name(checked)["inflated"]
    truth = adult["truth"]
    assert isinstance(truth, dict)
    assert check.status == "discrepant"
    assert check.difference == pytest.approx(0.10, abs=1e-12)
    se = (check.ci_high - check.ci_low) / (2 * Z_975)
    assert check.se == pytest.approx(se) and check.z == pytest.approx(0.10 / se)
    assert "claimed − measured = +0.1000" in check.reason
    assert f"[{check.ci_low:.4f}, {check.ci_high:.4f}]" in check.reason


def test_a_percentage_is_recognised_and_said(
    adult: dict[str, object], checked: Verification
) -> None:
    check = by_name(checked)["percent"]
    truth = adult["truth"]
    assert isinstance(truth, dict)
    written = round(truth["accuracy"] * 100, 1)
    assert check.scale == "percent" and check.claimed_as_written == written
    assert check.claimed == pytest.approx(written / 100)
    assert f"claimed {written:g} read as a percentage" in check.reason
    assert check.status == "consistent"


def test_unmapped_data_text_values_and_foreign_metrics_are_unverifiable_with_reasons(
    checked: Verification,
) -> None:
    claims = {c.dataset + ":" + c.metric: c for c in checked.claims if c.status == "unverifiable"}
    assert set(claims) == {
        f"{DATASET}:bleu",
        f"{DATASET}:mean_reward",
        "someone/unmapped-adult:accuracy",
    }
    unmapped = claims["someone/unmapped-adult:accuracy"]
    assert "--data someone/unmapped-adult=PATH" in unmapped.reason
    assert "not available from the Hub" in unmapped.reason
    assert "'bleu' is not computable by cardgen" in claims[f"{DATASET}:bleu"].reason
    assert "'200.50 +/- 20.1' is not a number" in claims[f"{DATASET}:mean_reward"].reason
    assert checked.counts == {"consistent": 5, "discrepant": 1, "unverifiable": 3}


def test_the_verdict_rule_with_a_tolerance() -> None:
    from cardgen.schema import MetricValue

    measured = MetricValue(
        value=0.80, ci_low=0.78, ci_high=0.82, ci_level=0.95, ci_method="bootstrap"
    )
    assert judge(0.82, measured, tolerance=0, level=0.95)[0] == "consistent"  # the bound is inside
    assert judge(0.83, measured, tolerance=0, level=0.95)[0] == "discrepant"
    status, reason, difference, _, se = judge(0.83, measured, tolerance=0.01, level=0.95)
    assert status == "consistent" and "widened by ±0.01" in reason
    assert difference == pytest.approx(0.03) and se == pytest.approx(0.02 / Z_975)
    assert judge(0.5, MetricValue(value=0.6), tolerance=0, level=0.95)[0] == "unverifiable"


def test_cli_writes_schema_valid_json_exits_1_on_a_discrepancy_and_prints_the_table(
    adult: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = adult["truth"]
    assert isinstance(truth, dict)
    card = readme(
        tmp_path,
        [result([{"type": "accuracy", "value": truth["accuracy"]}, {"type": "f1", "value": 0.99}])],
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = [
        "verify",
        str(card),
        "--model",
        str(adult["model"]),
        "--data",
        f"{DATASET}={adult['test']}",
        "--label-column",
        "income",
        "--n-boot",
        str(N_BOOT),
        "-q",
        "--out",
        str(tmp_path / "verify.json"),
    ]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1, done.output
    assert "2 claims: 1 consistent, 1 discrepant, 0 unverifiable" in done.output
    assert "accuracy on scikit-learn/adult-census-income (test)" in done.output
    assert "error: 1 claim discrepant" in done.output
    data = json.loads((tmp_path / "verify.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "verification.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    first = data["claims"][0]
    assert {k: first[k] for k in ("dataset", "split", "metric", "status", "n")} == {
        "dataset": DATASET,
        "split": "test",
        "metric": "accuracy",
        "status": "consistent",
        "n": 1500,
    }
    assert first["measured"] == pytest.approx(truth["accuracy"], abs=1e-12)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## cardgen verify") and "❌ 1 claim fails the gate" in text
    assert "| f1 on scikit-learn/adult-census-income (test) | 0.9900 |" in text


def test_consistent_and_unverifiable_claims_pass_unless_fail_on_unverifiable(
    adult: dict[str, object], tmp_path: Path
) -> None:
    truth = adult["truth"]
    assert isinstance(truth, dict)
    card = readme(
        tmp_path,
        [
            result([{"type": "accuracy", "value": truth["accuracy"]}]),
            result([{"type": "accuracy", "value": 0.5}], dataset="someone/unmapped-adult"),
        ],
    )
    base = [
        "verify",
        str(card),
        "--model",
        str(adult["model"]),
        "--data",
        f"{DATASET}={adult['test']}",
    ]
    base += ["--label-column", "income", "--n-boot", str(N_BOOT), "-q"]
    assert CliRunner().invoke(cli, base).exit_code == 0
    strict = CliRunner().invoke(cli, [*base, "--fail-on", "unverifiable"])
    assert strict.exit_code == 1 and "1 claim unverifiable" in strict.output


def test_a_card_with_no_claims_says_so_and_exits_0(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n\n# No numbers here\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["verify", str(card), "--out", str(tmp_path / "v.json")])
    assert done.exit_code == 0, done.output
    assert "no claims: the card has no model-index results or .eval_results entries" in done.output
    assert json.loads((tmp_path / "v.json").read_text())["claims"] == []


def test_percent_signs_and_numbers_in_text_are_read(tmp_path: Path) -> None:
    card = readme(
        tmp_path,
        [result([{"type": "accuracy", "value": "85.2 %"}, {"type": "f1", "value": "0.7"}])],
    )
    found = read_claims(card)
    assert [c.number() for c in found.claims] == [(85.2, True), (0.7, False)]
    assert found.claims[0].where == f"{card}: model-index[0].results[0].metrics[0]"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "missing.skops"}, "missing.skops: no such model file"),
        ({"label_column": "salary"}, "salary"),
    ],
)
def test_a_run_that_cannot_start_names_the_claim_and_writes_nothing(
    adult: dict[str, object], tmp_path: Path, change: dict[str, str], message: str
) -> None:
    card = readme(tmp_path, [result([{"type": "accuracy", "value": 0.8}])])
    out = tmp_path / "verify.json"
    out.write_text("previous\n", encoding="utf-8")
    args = ["verify", str(card), "--data", f"{DATASET}={adult['test']}", "-q", "--out", str(out)]
    args += ["--model", change.get("model", str(adult["model"]))]
    args += ["--label-column", change.get("label_column", "income")]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 1
    lines = [line for line in done.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, done.output
    assert lines[0].startswith(f"error: {card}: model-index[0].results[0].metrics[0] (accuracy on")
    assert message in lines[0]
    assert out.read_text(encoding="utf-8") == "previous\n"  # nothing half-written


def test_a_predictions_table_is_evaluated_like_a_run(
    adult: dict[str, object], tmp_path: Path
) -> None:
    from cardgen.collect.run import run

    truth = adult["truth"]
    assert isinstance(truth, dict)
    run(str(adult["model"]), str(adult["test"]), label_column="income", out=tmp_path / "p.parquet")
    card = readme(tmp_path, [result([{"type": "accuracy", "value": truth["accuracy"]}])])
    found = verify(
        card,
        Options(
            predictions={DATASET: str(tmp_path / "p.parquet")}, label_column="income", n_boot=N_BOOT
        ),
    )
    (check,) = found.claims
    assert check.status == "consistent"
    assert check.measured == pytest.approx(truth["accuracy"], abs=1e-12)
    (record,) = found.runs
    assert record.kind == "predictions" and record.model == "adult.skops"  # no absolute path


def test_limit_runs_the_first_rows_and_every_verdict_says_so(
    adult: dict[str, object], tmp_path: Path
) -> None:
    card = readme(
        tmp_path, [result([{"type": "accuracy", "value": 0.8}, {"type": "bleu", "value": 3}])]
    )
    found = verify(card, options(adult, limit=300))
    assert all(
        "--limit 300" in c.reason and "the interval is the sample's" in c.reason
        for c in found.claims
    )
    assert found.claims[0].n == 300 and found.runs[0].limit == 300 and found.runs[0].rows == 300


def test_hub_card_claims_and_eval_results_from_the_hub(
    adult: dict[str, object], hub: HubServer, tmp_path: Path
) -> None:
    truth = adult["truth"]
    assert isinstance(truth, dict)
    front = yaml.safe_dump(
        {
            "license": "mit",
            "model-index": [
                {
                    "name": "m",
                    "results": [result([{"type": "accuracy", "value": truth["accuracy"]}])],
                }
            ],
        }
    )
    measured = {
        "filename": ".eval_results/cardgen-verify.yaml",
        "data": {
            "dataset": {"id": DATASET, "task_id": "accuracy"},
            "value": truth["accuracy"],
            "notes": "cardgen: metric=accuracy; n=1500; verdict=consistent",
        },
    }
    hub.add_repo(
        "model",
        {"id": "org/adult-lr", "modelId": "org/adult-lr", "sha": "c" * 40, "siblings": []},
        readme=f"---\n{front}---\n\n# Adult\n",
        eval_results=[measured],
    )
    found = verify("hub:org/adult-lr", options(adult, endpoint=hub.url))
    assert found.card == "hub:org/adult-lr@" + "c" * 40
    (check,) = found.claims
    assert check.status == "consistent" and check.where.startswith(
        f"hub:org/adult-lr@{'c' * 12} README.md"
    )
    assert found.notes == [
        f"hub:org/adult-lr@{'c' * 12} .eval_results[0]: written by cardgen verify (a measurement, "
        "not a claim); not checked"
    ]


def test_parse_mapping_names_what_is_wrong() -> None:
    assert parse_mapping(["a/b=x.csv", "*=y.csv"], "--data") == {"a/b": "x.csv", "*": "y.csv"}
    with pytest.raises(CardgenError, match=r"--data 'x\.csv': expected DATASET_ID=VALUE"):
        parse_mapping(["x.csv"], "--data")
    with pytest.raises(CardgenError, match="mapped twice"):
        parse_mapping(["a=1", "a=2"], "--data")


def test_a_regression_claim_is_measured_like_scikit_learn(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_absolute_error
    from skops import io as sio

    train, test = read_adult("train").iloc[:3000], read_adult("test").iloc[:600]
    features = ["age", "education-num", "capital-gain"]
    model = LinearRegression().fit(train[features], train["hours-per-week"])
    sio.dump(model, tmp_path / "hours.skops")
    test[[*features, "hours-per-week"]].to_csv(tmp_path / "hours.csv", index=False)
    expected = mean_absolute_error(test["hours-per-week"], model.predict(test[features]))
    card = readme(
        tmp_path,
        [
            {
                "task": {"type": "tabular-regression"},
                "dataset": {
                    "name": "Adult",
                    "type": DATASET,
                    "split": "test",
                    "revision": "abc123",
                },
                "metrics": [{"type": "mae", "value": expected}],
            }
        ],
    )
    found = verify(
        card,
        Options(
            model=str(tmp_path / "hours.skops"),
            data={"*": str(tmp_path / "hours.csv")},
            label_column="hours-per-week",
            n_boot=N_BOOT,
        ),
    )
    (check,) = found.claims
    assert check.status == "consistent" and check.measured_metric == "mean_absolute_error"
    assert check.measured == pytest.approx(expected, abs=1e-9)
    assert "'mae' is cardgen's mean_absolute_error" in check.reason
    digest = found.runs[0].data_revision
    assert f"the claim names dataset revision abc123, the data re-run is {digest}" in check.reason
