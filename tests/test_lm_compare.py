"""`cardgen compare` and LM error bars: paired SE by hand, MDE by the textbook formula,
clustered SE against statsmodels, and every bad input of the harness readers."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lm_harness_runs import lm_eval_outputs

from cardgen.cli import cli
from cardgen.collect.lm_eval import read_lm_eval
from cardgen.collect.lm_stats import clustered_se, mde, paired_difference
from cardgen.compare import compare_runs, load_run
from cardgen.errors import CardgenError

Z_975, Z_80 = 1.959963984540054, 0.8416212335729143  # normal quantiles, from tables


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return lm_eval_outputs(tmp_path_factory)


def sample_scores(folder: Path, metric: str = "acc") -> dict[int, float]:
    (path,) = (p for p in folder.rglob("samples_tinyqa_2*.jsonl"))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {r["doc_id"]: r[metric] for r in rows}


def test_paired_difference_equals_a_hand_computation(runs: dict) -> None:
    comparison = compare_runs(load_run(runs["base"]), load_run(runs["new"]))
    base, new = sample_scores(runs["base"]), sample_scores(runs["new"])
    d = [new[k] - base[k] for k in sorted(base)]
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1))
    (row,) = [r for r in comparison.rows if r.task == "tinyqa" and r.metric == "acc"]
    assert row.paired and row.n == 36 and row.note is None
    assert row.diff == pytest.approx(mean)
    assert row.se == pytest.approx(sd / math.sqrt(n))
    assert (row.ci_low, row.ci_high) == pytest.approx(
        (mean - Z_975 * sd / math.sqrt(n), mean + Z_975 * sd / math.sqrt(n))
    )
    assert row.mde == pytest.approx((Z_975 + Z_80) * sd / math.sqrt(n))
    assert comparison.only_baseline == ["tinygroup"] and comparison.only_new == []


def test_mde_is_the_textbook_formula() -> None:
    assert mde(0.01) == pytest.approx(0.01 * (Z_975 + Z_80))
    assert mde(0.01) == pytest.approx(0.028, abs=1e-4)  # the familiar 2.8 x SE
    assert mde(None) is None


def test_unmatched_ids_are_compared_unpaired_and_said_so() -> None:
    from cardgen.collect.lm_common import LMRun, TaskResult
    from cardgen.schema import DisaggregatedEvaluation, EvaluationRecord, MetricValue

    def run(ids: list[str], scores: list[float], se: float) -> LMRun:
        mean = sum(scores) / len(scores)
        evaluation = DisaggregatedEvaluation(
            name="t",
            task="generation",
            record=EvaluationRecord(task="t"),
            overall={"acc": MetricValue(value=mean, se=se, n=len(scores), ci_method="clt")},
        )
        return LMRun(
            "x", "x", [TaskResult(evaluation, {"acc": dict(zip(ids, scores, strict=True))})]
        )

    comparison = compare_runs(run(["a", "b"], [1.0, 0.0], 0.3), run(["c", "d"], [1.0, 1.0], 0.4))
    (row,) = comparison.rows
    assert not row.paired and "ids do not match" in row.note
    assert row.se == pytest.approx(math.sqrt(0.3**2 + 0.4**2))
    assert row.diff == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 5)), min_size=3, max_size=40))
def test_clustered_se_equals_statsmodels_cluster_robust_se(data: list) -> None:
    import statsmodels.api as sm

    scores = np.array([s for s, _ in data])
    clusters = [c for _, c in data]
    result = clustered_se(scores, clusters)
    if len(set(clusters)) < 2:
        assert result.se is None
        return
    fit = sm.OLS(scores, np.ones((len(scores), 1))).fit(
        cov_type="cluster", cov_kwds={"groups": np.unique(clusters, return_inverse=True)[1]}
    )
    assert result.se == pytest.approx(float(fit.bse[0]), rel=1e-9, abs=1e-12)


def test_paired_difference_without_shared_ids_is_an_error() -> None:
    with pytest.raises(ValueError, match="share no question id"):
        paired_difference({"a": 1.0}, {"b": 0.0})


def test_cli_gate_table_json_and_markdown(
    runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    diff = tmp_path / "diff.json"
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(runs["base"]),
            str(runs["new"]),
            "--out",
            str(diff),
            "--markdown",
            str(tmp_path / "c.md"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(diff.read_text(encoding="utf-8"))
    rows = {r["metric"]: r for r in data["rows"]}
    comparison = compare_runs(load_run(runs["base"]), load_run(runs["new"]))
    assert rows["acc"]["se"] == pytest.approx(comparison.rows[0].se)
    assert "| tinyqa | acc |" in summary.read_text(encoding="utf-8")
    assert (tmp_path / "c.md").read_text(encoding="utf-8") == summary.read_text(encoding="utf-8")
    assert "paired" in result.output
    # a limit so large that nothing regresses passes; a negative lower bound fails it
    low = min(r["ci_low"] for r in data["rows"])
    gate = CliRunner().invoke(
        cli, ["compare", str(runs["base"]), str(runs["new"]), "--max-regression", "1"]
    )
    assert gate.exit_code == 0
    assert low < 0  # the seeded models' acc difference has an interval straddling 0
    limit = f"{-low / 2:.6f}"
    failed = CliRunner().invoke(
        cli, ["compare", str(runs["base"]), str(runs["new"]), "--max-regression", limit]
    )
    assert failed.exit_code == 1
    assert "regresses by more than" in failed.output
    # the same run against itself never regresses: every difference is exactly 0
    same = CliRunner().invoke(
        cli, ["compare", str(runs["base"]), str(runs["base"]), "--max-regression", "0"]
    )
    assert same.exit_code == 0, same.output


def test_compare_with_no_shared_task_fails(runs: dict, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(runs["new"], other)
    (path,) = other.rglob("results_*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("results", "configs", "versions", "n-shot"):
        data[key] = {"renamed" if k == "tinyqa" else k: v for k, v in data[key].items()}
    path.write_text(json.dumps(data), encoding="utf-8")
    for sample in other.rglob("samples_*.jsonl"):
        sample.unlink()
    result = CliRunner().invoke(cli, ["compare", str(runs["base"]), str(other)])
    assert result.exit_code == 1
    assert "no shared task" in result.output and "renamed" in result.output


# --- bad input --------------------------------------------------------------------------


def copy_run(runs: dict, tmp_path: Path) -> tuple[Path, Path, Path]:
    folder = tmp_path / "run"
    shutil.copytree(runs["base"], folder)
    (results,) = folder.rglob("results_*.json")
    (samples,) = (p for p in folder.rglob("samples_tinyqa_2*.jsonl"))
    return folder, results, samples


def test_unknown_layout_names_the_expected_keys(tmp_path: Path) -> None:
    path = tmp_path / "results_x.json"
    path.write_text(json.dumps({"scores": {}}), encoding="utf-8")
    with pytest.raises(
        CardgenError,
        match=r"expected the keys results, configs, versions, "
        r"n-shot .*missing results, configs, versions, n-shot; found scores",
    ):
        read_lm_eval(path)


def test_unknown_harness_version_is_a_named_warning(runs: dict, tmp_path: Path) -> None:
    _, results, _ = copy_run(runs, tmp_path)
    data = json.loads(results.read_text(encoding="utf-8"))
    data["lm_eval_version"] = "9.1.0"
    results.write_text(json.dumps(data), encoding="utf-8")
    run = read_lm_eval(results.parent)
    assert any("lm_eval_version 9.1.0 is not one this reader knows" in w for w in run.warnings)
    assert run.task("tinyqa").evaluation.record.harness_version == "9.1.0"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", r"score 'acc' of question 0 is nan; a NaN"),
        ('"high"', r"score 'acc' of question 0 is 'high', not a number"),
    ],
)
def test_nan_or_text_scores_fail_with_file_and_line(
    runs: dict, tmp_path: Path, value: str, message: str
) -> None:
    folder, _, samples = copy_run(runs, tmp_path)
    lines = samples.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    lines[0] = json.dumps(record).replace(f'"acc": {json.dumps(record["acc"])}', f'"acc": {value}')
    samples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CardgenError, match=rf"{samples.name}:1: {message}"):
        read_lm_eval(folder)
    result = CliRunner().invoke(
        cli, ["collect", "lm-eval", str(folder), "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 1 and not (tmp_path / "x.json").exists()


def test_duplicate_question_ids_fail(runs: dict, tmp_path: Path) -> None:
    folder, _, samples = copy_run(runs, tmp_path)
    lines = samples.read_text(encoding="utf-8").splitlines()
    samples.write_text("\n".join([*lines, lines[3]]) + "\n", encoding="utf-8")
    with pytest.raises(
        CardgenError,
        match=rf"{samples.name}:{len(lines) + 1}: duplicate "
        r"question id '3' \(doc_id\)",
    ):
        read_lm_eval(folder)


def test_non_numeric_aggregate_is_undefined_not_zero(runs: dict, tmp_path: Path) -> None:
    folder, results, _ = copy_run(runs, tmp_path)
    for path in folder.rglob("samples_*.jsonl"):
        path.unlink()
    data = json.loads(results.read_text(encoding="utf-8"))
    data["results"]["tinyqa"]["acc,none"] = "N/A"
    data["results"]["tinyqa"]["acc_norm_stderr,none"] = "N/A"
    results.write_text(json.dumps(data), encoding="utf-8")
    overall = read_lm_eval(folder).task("tinyqa").evaluation.overall
    assert overall["acc"].value is None and "'N/A', not a number" in overall["acc"].undefined_reason
    assert overall["acc_norm"].value is not None and overall["acc_norm"].se is None


def test_missing_path_and_several_runs(tmp_path: Path, runs: dict) -> None:
    with pytest.raises(CardgenError, match="no results_"):
        read_lm_eval(tmp_path)
    shutil.copytree(runs["base"], tmp_path / "a")
    shutil.copytree(runs["new"], tmp_path / "b")
    with pytest.raises(CardgenError, match="results of several runs"):
        read_lm_eval(tmp_path)


def test_action_compare_step_writes_the_summary_and_gates(runs: dict, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import yaml

    action = yaml.safe_load((Path(__file__).parents[1] / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "compare"]
    assert set(step["env"]) == {
        "BASELINE",
        "NEW",
        "MAX_REGRESSION",
        "MAX_NEGATIVE_FLIP_RATE",
        "GH_TOKEN",
    }
    summary = tmp_path / "summary.md"

    def run_step(limit: str, flips: str = "") -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "BASELINE": str(runs["base"]),
            "NEW": str(runs["base"]),
            "MAX_REGRESSION": limit,
            "MAX_NEGATIVE_FLIP_RATE": flips,
            "GH_TOKEN": "",
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_STEP_SUMMARY": str(summary),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    done = run_step("0.01")
    assert done.returncode == 0, done.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## cardgen compare") and "✅ no task regresses" in text
    assert (tmp_path / "cardgen-compare.md").read_text(encoding="utf-8") == text
    summary.write_text("")
    # a run compared with itself flips nothing: 0 of 36, Wilson upper bound 0.096
    assert run_step("", "0.2").returncode == 0
    assert "✅ no task flips more than 20.0% of instances" in summary.read_text(encoding="utf-8")
    assert run_step("", "0.05").returncode == 1


def test_compare_two_cards_facts_pairs_their_stored_scores(
    runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cards").mkdir()
    for name, folder in (("v1", runs["base"]), ("v2", runs["new"])):
        Path(f"cards/{name}.yaml").write_text(f"kind: model\nname: {name}\n", encoding="utf-8")
        done = CliRunner().invoke(
            cli, ["collect", "lm-eval", str(folder), "--card", f"cards/{name}.yaml"]
        )
        assert done.exit_code == 0, done.output
    from_cards = compare_runs(load_run("cards/v1.yaml"), load_run("cards/v2.yaml"))
    from_logs = compare_runs(load_run(runs["base"]), load_run(runs["new"]))
    assert [(r.task, r.metric, r.diff, r.se, r.paired) for r in from_cards.rows] == [
        (r.task, r.metric, r.diff, r.se, r.paired) for r in from_logs.rows
    ]
    Path("cards/empty.yaml").write_text("kind: model\nname: empty\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["compare", "cards/empty.yaml", "cards/v2.yaml"])
    assert result.exit_code == 1 and "no language-model evaluations stored" in result.output


def test_id_key_pairs_by_a_field_of_the_question(runs: dict, tmp_path: Path) -> None:
    # the new run's samples listed in reverse with renumbered doc_ids: pairing by doc_id
    # would match different questions; pairing by the question's own id (doc.qid) does not
    folder = tmp_path / "shuffled"
    shutil.copytree(runs["new"], folder)
    (path,) = (p for p in folder.rglob("samples_tinyqa_2*.jsonl"))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for index, row in enumerate(reversed(rows)):
        row["doc_id"] = index
    path.write_text("".join(json.dumps(r) + "\n" for r in reversed(rows)), encoding="utf-8")
    by_qid = compare_runs(
        load_run(runs["base"], id_key="doc.qid"), load_run(folder, id_key="doc.qid")
    )
    expected = compare_runs(load_run(runs["base"]), load_run(runs["new"]))
    assert [(r.diff, r.se) for r in by_qid.rows] == [(r.diff, r.se) for r in expected.rows]
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(runs["base"]),
            str(folder),
            "--id-key",
            "doc.qid",
            "--out",
            str(tmp_path / "d.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    rows_out = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["rows"]
    assert rows_out[0]["se"] == expected.rows[0].se


def test_missing_cluster_key_names_the_line(runs: dict) -> None:
    with pytest.raises(
        CardgenError,
        match=r"samples_tinyqa_.*\.jsonl:1: no cluster key "
        r"'doc\.chapter'",
    ):
        read_lm_eval(runs["base"], cluster_key="doc.chapter")


def test_flips_of_two_harness_runs_equal_a_hand_count_and_statsmodels(runs: dict) -> None:
    from statsmodels.stats.contingency_tables import mcnemar
    from statsmodels.stats.proportion import proportion_confint

    base, new = sample_scores(runs["base"]), sample_scores(runs["new"])
    table = np.zeros((2, 2), dtype=int)
    for key in base:
        table[int(base[key]), int(new[key])] += 1
    negative, positive = int(table[1, 0]), int(table[0, 1])
    comparison = compare_runs(
        load_run(runs["base"]), load_run(runs["new"]), max_negative_flip_rate=0.9
    )
    (row,) = [r for r in comparison.rows if r.task == "tinyqa" and r.metric == "acc"]
    assert row.flips is not None
    assert (row.flips.negative, row.flips.positive, row.flips.n) == (negative, positive, 36)
    assert row.flips.negative_ci == pytest.approx(
        proportion_confint(negative, 36, method="wilson"), abs=1e-12
    )
    assert row.flips.mcnemar_p == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-15)
    assert not row.flip_failure and comparison.failures == []
    strict = compare_runs(load_run(runs["base"]), load_run(runs["new"]), max_negative_flip_rate=0)
    failing = {(r.task, r.metric) for r in strict.flip_failures}
    assert (("tinyqa", "acc") in failing) == (negative > 0)
