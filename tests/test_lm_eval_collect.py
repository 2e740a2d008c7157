"""`cardgen collect lm-eval` on a real lm-evaluation-harness run of a tiny GPT-2.

Values equal the harness's printed metrics; SEs equal its stderr; clustered SEs equal
statsmodels'; paired SEs equal a hand computation from the samples files.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from lm_harness_runs import lm_eval_outputs

from cardgen.cli import cli
from cardgen.collect.lm_eval import read_lm_eval
from cardgen.errors import CardgenError


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One harness run per model (shared with the other LM test modules)."""
    return lm_eval_outputs(tmp_path_factory)


def results_file(folder: Path) -> dict:
    (path,) = folder.rglob("results_*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def samples(folder: Path, task: str) -> list[dict]:
    (path,) = (
        p
        for p in folder.rglob("samples_*.jsonl")
        if re.fullmatch(rf"samples_{task}_\d{{4}}-.*", p.stem)
    )
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def printed_table(stdout: str) -> dict[tuple[str, str], tuple[float, float]]:
    """{(task, metric): (value, stderr)} from the harness's printed Markdown table."""
    rows, task = {}, None
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or not re.match(r"^\d", cells[6]):
            continue
        task = cells[0].lstrip("- ") or task
        rows[(task, cells[4])] = (float(cells[6]), float(cells[8]))
    return rows


def test_values_and_se_equal_the_harness(runs: dict) -> None:
    run = read_lm_eval(runs["base"])
    assert run.warnings == []
    printed = printed_table(runs["printed"])
    raw = results_file(runs["base"])["results"]
    tinyqa = run.task("tinyqa")
    assert tinyqa is not None
    for metric in ("acc", "acc_norm"):
        value = tinyqa.evaluation.overall[metric]
        assert value.value == pytest.approx(raw["tinyqa"][f"{metric},none"], abs=1e-12)
        assert value.se == pytest.approx(raw["tinyqa"][f"{metric}_stderr,none"], rel=1e-9)
        assert round(value.value, 4) == printed[("tinyqa", metric)][0]
        assert round(value.se, 4) == printed[("tinyqa", metric)][1]
        assert value.ci_method == "clt" and value.n == 36
        half = 1.959963984540054 * value.se
        assert (value.ci_low, value.ci_high) == pytest.approx(
            (value.value - half, value.value + half)
        )
    # the per-question scores are the samples file's, keyed by doc_id
    rows = samples(runs["base"], "tinyqa")
    assert tinyqa.samples["acc"] == {str(r["doc_id"]): r["acc"] for r in rows}


def test_task_group_is_a_disaggregation_with_the_small_group_rule(runs: dict) -> None:
    run = read_lm_eval(runs["base"])
    group = run.task("tinygroup")
    assert group is not None and run.task("tinyqa_a") is None  # subtasks live in the group
    raw = results_file(runs["base"])["results"]
    evaluation = group.evaluation
    assert evaluation.sensitive_features == ["subtask"]
    assert evaluation.overall["acc"].value == pytest.approx(raw["tinygroup"]["acc,none"])
    assert evaluation.overall["acc"].n == 36
    by_name = {g.features["subtask"]: g for g in evaluation.groups}
    assert set(by_name) == {"tinyqa_a", "tinyqa_b"}
    for name, n in (("tinyqa_a", 24), ("tinyqa_b", 12)):
        value = by_name[name].metrics["acc"]
        assert value.value == pytest.approx(raw[name]["acc,none"])
        assert value.se == pytest.approx(raw[name]["acc_stderr,none"], rel=1e-9)
        assert by_name[name].n == n
        assert by_name[name].small is (n < 30)
    # pooled SE over the group's 36 questions, by hand
    pooled = [r["acc"] for t in ("tinyqa_a", "tinyqa_b") for r in samples(runs["base"], t)]
    assert evaluation.overall["acc"].se == pytest.approx(np.std(pooled, ddof=1) / math.sqrt(36))


def test_record_fields_come_from_the_log_and_unknowns_stay_null(runs: dict) -> None:
    data = results_file(runs["base"])
    record = read_lm_eval(runs["base"]).task("tinyqa").evaluation.record
    assert record.harness == "lm-evaluation-harness"
    assert record.harness_version == data["lm_eval_version"]
    assert record.task_hash == data["task_hashes"]["tinyqa"]
    assert record.task_version == "1.0"
    assert record.dataset_id == "json" and record.dataset_split == "test"
    assert record.num_fewshot == 0 and record.fewshot_seed == 0
    assert record.formulation == "multiple_choice"
    assert record.prompt_template == "{{question}} answer:"
    assert record.model_id == str(runs["models"][0]) and record.model_device == "cpu"
    assert record.seeds == {"random": 0, "numpy": 0, "torch": 0, "fewshot": 0}
    assert record.duration_seconds == pytest.approx(float(data["total_evaluation_time_seconds"]))
    assert record.harness_commit == data["git_hash"]
    # no chat template and no dataset revision in the log: unknown (null), not guessed
    assert data["chat_template_sha"] is None and record.chat_template_hash is None
    assert record.dataset_revision is None


def test_clustered_se_equals_statsmodels(runs: dict) -> None:
    import statsmodels.api as sm

    run = read_lm_eval(runs["base"], cluster_key="doc.passage_id")
    value = run.task("tinyqa").evaluation.overall["acc"]
    rows = samples(runs["base"], "tinyqa")
    scores = np.array([r["acc"] for r in rows])
    groups = np.unique([r["doc"]["passage_id"] for r in rows], return_inverse=True)[1]
    fit = sm.OLS(scores, np.ones((len(scores), 1))).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    assert value.ci_method == "clustered"
    assert value.value == pytest.approx(fit.params[0])
    assert value.se == pytest.approx(fit.bse[0], rel=1e-12)


def test_results_without_samples_fall_back_to_the_harness_stderr(
    runs: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "no-samples"
    shutil.copytree(runs["base"], folder)
    for path in folder.rglob("samples_*.jsonl"):
        path.unlink()
    run = read_lm_eval(folder)
    assert any("no samples_*.jsonl" in w and "harness-stderr" in w for w in run.warnings)
    raw = results_file(folder)["results"]["tinyqa"]
    value = run.task("tinyqa").evaluation.overall["acc"]
    assert value.ci_method == "harness-stderr"
    assert value.se == raw["acc_stderr,none"] and value.value == raw["acc,none"]
    assert value.n == results_file(folder)["n-samples"]["tinyqa"]["effective"] == 36
    assert run.task("tinygroup").evaluation.overall["acc"].n == 36  # 24 + 12 subtask questions
    assert run.task("tinyqa").samples == {}
    with pytest.raises(CardgenError, match=r"--cluster-key doc\.passage_id needs per-question"):
        read_lm_eval(folder, cluster_key="doc.passage_id")


def test_cli_stores_facts_and_samples_for_the_card(
    runs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "tiny.yaml").write_text("kind: model\nname: tiny\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["collect", "lm-eval", str(runs["base"]), "--card", "cards/tiny.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".cardgen" / "tiny" / "lm-eval-tinyqa.json").is_file()
    stored = json.loads(
        (tmp_path / ".cardgen" / "tiny" / "samples" / "lm-eval-tinyqa.json").read_text(
            encoding="utf-8"
        )
    )
    assert len(stored["samples"]["acc"]) == 36
    assert re.search(r"tinyqa acc: \d\.\d{4} ± \d\.\d{4} \(SE, clt\)", result.output)
