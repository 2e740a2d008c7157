"""`cardgen collect inspect` on real Inspect AI logs (.eval and .json) of a local task run with
mockllm: values and SEs equal the log's own metrics; paired comparison of two runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from lm_harness_runs import in_own_thread, inspect_task, once_per_session, run_inspect

from cardgen.cli import cli
from cardgen.collect.inspect_log import read_inspect
from cardgen.compare import compare_runs, load_run
from cardgen.errors import CardgenError


def _inspect_runs(root: Path) -> dict[str, str]:
    task = inspect_task(root / "task")
    return {
        "eval": str(run_inspect(task, root / "eval", "eval", wrong_every=4)),
        "json": str(run_inspect(task, root / "json", "json", wrong_every=4)),
        "new": str(run_inspect(task, root / "new", "eval", wrong_every=5)),
    }


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three runs, made once per session (pytest-xdist workers share them)."""
    _, made = once_per_session(tmp_path_factory, "inspect-runs", _inspect_runs)
    return {kind: Path(path) for kind, path in made.items()}


@pytest.mark.parametrize("kind", ["eval", "json"])
def test_values_and_se_equal_the_logs_metrics(logs: dict, kind: str) -> None:
    from inspect_ai.log import read_eval_log

    log = read_eval_log(str(logs[kind]))
    metrics = log.results.scores[0].metrics
    run = read_inspect(logs[kind])
    assert run.warnings == []
    evaluation = run.tasks[0].evaluation
    value = evaluation.overall["accuracy"]
    assert value.value == pytest.approx(metrics["accuracy"].value, abs=1e-12)
    assert value.se == pytest.approx(metrics["stderr"].value, rel=1e-9)
    assert value.ci_method == "clt" and value.n == 30
    # 1 in 4 answers (questions 0, 4, ..., 28) is wrong: a hand count
    assert value.value == pytest.approx(1 - 8 / 30)
    record = evaluation.record
    assert record.harness == "inspect_ai" and record.task == "tinyqa_inspect"
    assert record.harness_version == log.eval.packages["inspect_ai"]
    assert record.model_id == "mockllm/model"
    assert record.system_prompt_hash is not None  # the task's system_message solver
    assert record.num_fewshot is None and record.task_hash is None  # not in the log: unknown


def test_clustered_se_by_sample_metadata_equals_statsmodels(logs: dict) -> None:
    import statsmodels.api as sm

    run = read_inspect(logs["json"], cluster_key="metadata.passage_id")
    value = run.tasks[0].evaluation.overall["accuracy"]
    data = json.loads(logs["json"].read_text(encoding="utf-8"))
    scores = np.array(
        [1.0 if s["scores"]["includes"]["value"] == "C" else 0.0 for s in data["samples"]]
    )
    groups = np.unique([s["metadata"]["passage_id"] for s in data["samples"]], return_inverse=True)[
        1
    ]
    fit = sm.OLS(scores, np.ones((len(scores), 1))).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    assert value.ci_method == "clustered"
    assert value.se == pytest.approx(fit.bse[0], rel=1e-12)


def test_paired_comparison_of_two_inspect_runs(logs: dict) -> None:
    comparison = compare_runs(load_run(logs["eval"]), load_run(logs["new"]))
    (row,) = comparison.rows
    # baseline wrong on multiples of 4, new on multiples of 5, by question id
    d = [(i % 5 != 0) - (i % 4 != 0) for i in range(30)]
    mean = sum(d) / 30
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / 29)
    assert row.paired and row.n == 30
    assert row.diff == pytest.approx(mean) and row.se == pytest.approx(sd / math.sqrt(30))


def test_cli_collect_inspect_stores_the_fact(
    logs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cards").mkdir()
    Path("cards/m.yaml").write_text("kind: model\nname: m\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["collect", "inspect", str(logs["eval"]), "--card", "cards/m.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert Path(".cardgen/m/inspect-tinyqa_inspect.json").is_file()
    assert Path(".cardgen/m/samples/inspect-tinyqa_inspect.json").is_file()


def test_failed_run_and_non_log_are_clear_errors(logs: dict, tmp_path: Path) -> None:
    data = json.loads(logs["json"].read_text(encoding="utf-8"))
    data["status"] = "error"
    failed = tmp_path / "failed.json"
    failed.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CardgenError, match=r"status is 'error'.*results are incomplete"):
        read_inspect(failed)
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(CardgenError, match="not an Inspect AI log"):
        read_inspect(bogus)


def test_nan_score_and_duplicate_ids_fail(logs: dict, tmp_path: Path) -> None:
    data = json.loads(logs["json"].read_text(encoding="utf-8"))
    sample = next(s for s in data["samples"] if s["id"] == "q2")
    sample["scores"]["includes"]["value"] = float("nan")
    bad = tmp_path / "nan.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        CardgenError, match=r"sample q2 \(epoch 1\) has score nan .* NaN or not a number"
    ):
        read_inspect(bad)
    data = json.loads(logs["json"].read_text(encoding="utf-8"))
    data["samples"].append(data["samples"][0])
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CardgenError, match=rf"duplicate sample id '{data['samples'][0]['id']}'"):
        read_inspect(dup)


def test_epochs_are_averaged_per_sample_like_inspects_reducer(tmp_path: Path) -> None:
    from inspect_ai import eval as inspect_eval
    from inspect_ai.log import read_eval_log
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    task = inspect_task(tmp_path / "task", count=12)
    calls: dict[str, int] = {}

    def answer(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]
        text = messages[-1].text
        calls[text] = calls.get(text, 0) + 1
        index = int(text.split()[-1])
        # question i is right in epoch 1 only when i is even, and always in epoch 2
        right = calls[text] == 2 or index % 2 == 0
        output = ModelOutput.from_content(model="mockllm", content="right" if right else "no")
        output.usage = ModelUsage(input_tokens=3, output_tokens=1, total_tokens=4)
        return output

    import os

    cwd = Path.cwd()
    os.chdir(task.parent)
    try:
        (log,) = in_own_thread(
            lambda: inspect_eval(
                task.name,
                model=get_model("mockllm/model", custom_outputs=answer),
                log_dir=str(tmp_path / "logs"),
                epochs=2,
                display="none",
                max_samples=1,
            )
        )
    finally:
        os.chdir(cwd)
    metrics = read_eval_log(log.location).results.scores[0].metrics
    run = read_inspect(log.location)
    value = run.tasks[0].evaluation.overall["accuracy"]
    assert value.n == 12  # questions, not question-epochs
    assert value.value == pytest.approx(metrics["accuracy"].value)
    assert value.se == pytest.approx(metrics["stderr"].value, rel=1e-9)
    assert value.value == pytest.approx((6 * 1.0 + 6 * 0.5) / 12)


def test_build_collects_an_inspect_source(
    logs: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    monkeypatch.chdir(tmp_path)
    Path("cards").mkdir()
    Path("cards/m.yaml").write_text(
        "kind: model\nname: m\nsources:\n  inspect:\n"
        f"  - path: {logs['eval']}\n    dataset_id: cardgen/tinyqa\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["build", "--no-site", "-q"])
    assert result.exit_code == 0, result.output
    readme = Path("build/cards/m/README.md").read_text(encoding="utf-8")
    assert "| tinyqa_inspect | accuracy |" in readme and "inspect_ai" in readme
    (entry,) = yaml.safe_load(
        Path("build/cards/m/.eval_results/tinyqa_inspect.yaml").read_text(encoding="utf-8")
    )
    assert entry["dataset"] == {"id": "cardgen/tinyqa", "task_id": "tinyqa_inspect"}
    assert entry["value"] == pytest.approx(1 - 8 / 30)
    again = CliRunner().invoke(cli, ["build", "--no-site"])
    assert "0 files written" in again.output  # nothing changed, nothing rewritten


def test_log_without_samples_falls_back_to_inspects_stderr(logs: dict, tmp_path: Path) -> None:
    data = json.loads(logs["json"].read_text(encoding="utf-8"))
    stderr = data["results"]["scores"][0]["metrics"]["stderr"]["value"]
    data.pop("samples")
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data), encoding="utf-8")
    run = read_inspect(bare)
    value = run.tasks[0].evaluation.overall["accuracy"]
    assert value.ci_method == "harness-stderr" and value.se == stderr
    assert value.n == data["results"]["scores"][0]["scored_samples"] == 30
    assert any("no samples" in w and "harness-stderr" in w for w in run.warnings)
