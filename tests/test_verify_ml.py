"""`cardgen verify` with torch models: a tiny random transformers classifier through `cardgen
run`, and a tiny GPT-2 through lm-evaluation-harness on a local task (values against
scikit-learn and the harness's own)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from lm_harness_runs import lm_eval_outputs
from sklearn.metrics import accuracy_score
from tinymodels import TEXTS, offline, tiny_bert

from cardgen.errors import CardgenError
from cardgen.verify import Options, verify

# Builds and runs tiny torch models and the harness: left out of `make test-fast`.
pytestmark = pytest.mark.ml

LABELS = [1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    offline(monkeypatch)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


def write_card(
    folder: Path, results: list[dict[str, object]], entries: list[dict] | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump({"model-index": [{"name": "m", "results": results}]}) if results else ""
    (folder / "README.md").write_text(
        f"---\n{front}license: mit\n---\n\n# Model\n", encoding="utf-8"
    )
    if entries:
        (folder / ".eval_results").mkdir()
        (folder / ".eval_results" / "bench.yaml").write_text(
            yaml.safe_dump(entries), encoding="utf-8"
        )
    return folder / "README.md"


def test_a_tiny_transformers_classifier_measures_what_scikit_learn_counts(tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = tiny_bert(tmp_path / "bert")
    tokenizer = AutoTokenizer.from_pretrained(model)
    network = AutoModelForSequenceClassification.from_pretrained(model).eval()
    with torch.no_grad():
        predicted = [
            int(network(**tokenizer(t, return_tensors="pt")).logits.argmax()) for t in TEXTS
        ]
    expected = accuracy_score(LABELS, predicted)
    pd.DataFrame({"text": TEXTS, "label": LABELS}).to_csv(tmp_path / "reviews.csv", index=False)
    card = write_card(
        tmp_path / "card",
        [
            {
                "task": {"type": "text-classification"},
                "dataset": {"name": "Reviews", "type": "org/reviews", "split": "test"},
                "metrics": [{"type": "accuracy", "value": expected}],
            }
        ],
    )
    found = verify(
        card,
        Options(
            model=str(model), data={"org/reviews": str(tmp_path / "reviews.csv")}, device="cpu"
        ),
    )
    (check,) = found.claims
    assert check.status == "consistent", check.reason
    assert check.measured == pytest.approx(expected, abs=1e-12) and check.n == len(TEXTS)
    (run,) = found.runs
    assert run.model_revision is not None and run.model_revision.startswith("sha256:")
    assert any(name.endswith("model.safetensors") for name in run.model_sha256)
    assert run.device is not None and run.device.startswith("cpu")
    assert "transformers" in run.library_versions


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return lm_eval_outputs(tmp_path_factory)


def harness_values(folder: Path, task: str = "tinyqa") -> dict[str, float]:
    (results,) = folder.rglob("results_*.json")
    entry = json.loads(results.read_text(encoding="utf-8"))["results"][task]
    return {key.split(",")[0]: value for key, value in entry.items() if key.endswith(",none")}


def test_a_tiny_gpt2_through_the_harness_measures_the_harnesss_own_values(
    harness: dict[str, object], tmp_path: Path
) -> None:
    base_model, _ = harness["models"]  # type: ignore[misc]
    own = harness_values(harness["base"])  # type: ignore[arg-type]
    card = write_card(
        tmp_path / "card",
        [
            {
                "task": {"type": "text-generation"},
                "dataset": {"name": "tinyqa", "type": "local/tinyqa", "split": "test"},
                "metrics": [
                    {
                        "type": "acc_norm",
                        "name": "tinyqa acc_norm",
                        "value": round(own["acc_norm"] * 100, 4),
                    }
                ],
            }
        ],
        [{"dataset": {"id": "local/tinyqa", "task_id": "tinyqa"}, "value": own["acc"]}],
    )
    found = verify(
        card, Options(model=str(base_model), task_path=str(harness["tasks"]), device="cpu")
    )
    by_metric = {c.measured_metric: c for c in found.claims}
    assert by_metric["acc"].measured == pytest.approx(own["acc"], abs=1e-12)
    assert by_metric["acc_norm"].measured == pytest.approx(own["acc_norm"], abs=1e-12)
    assert all(c.status == "consistent" for c in found.claims), [c.reason for c in found.claims]
    assert by_metric["acc_norm"].scale == "percent"
    assert "measured by the task's first metric, acc" in by_metric["acc"].reason
    assert by_metric["acc"].ci_method == "clt" and by_metric["acc"].n == 36
    (run,) = found.runs  # one harness run measured both claims
    assert run.kind == "lm-eval" and run.task == "tinyqa"
    assert run.harness is not None and run.harness.startswith("lm-evaluation-harness 0.4")
    assert run.seeds and run.device == "cpu"
    assert any(name.endswith("model.safetensors") for name in run.model_sha256)


def test_a_harness_log_measures_claims_without_running_anything(
    harness: dict[str, object], tmp_path: Path
) -> None:
    own = harness_values(harness["base"])  # type: ignore[arg-type]
    card = write_card(
        tmp_path / "card",
        [],
        [
            {"dataset": {"id": "local/tinyqa", "task_id": "tinyqa"}, "value": own["acc"] + 0.4},
            {"dataset": {"id": "local/other", "task_id": "elsewhere"}, "value": 0.5},
        ],
    )
    found = verify(card, Options(logs=[str(harness["base"])]))
    inflated, missing = found.claims
    assert inflated.status == "discrepant" and inflated.measured == pytest.approx(own["acc"])
    assert inflated.difference == pytest.approx(0.4)
    assert found.runs[0].kind == "log" and found.runs[0].data == str(harness["base"])
    assert missing.status == "unverifiable" and "no runnable model" in missing.reason


def test_a_task_the_harness_does_not_know_is_one_line_naming_the_claim(
    harness: dict[str, object], tmp_path: Path
) -> None:
    base_model, _ = harness["models"]  # type: ignore[misc]
    card = write_card(
        tmp_path / "card",
        [],
        [{"dataset": {"id": "local/tinyqa", "task_id": "no_such_task"}, "value": 0.5}],
    )
    with pytest.raises(CardgenError) as error:
        verify(card, Options(model=str(base_model), task_path=str(harness["tasks"])))
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(
        f"{tmp_path / 'card' / '.eval_results' / 'bench.yaml'}[0] (no_such_task"
    )
    assert "lm-evaluation-harness knows no task 'no_such_task'" in message
    assert "--task local/tinyqa=TASK" in message


def test_limit_reaches_the_harness(harness: dict[str, object], tmp_path: Path) -> None:
    base_model, _ = harness["models"]  # type: ignore[misc]
    card = write_card(
        tmp_path / "card",
        [],
        [{"dataset": {"id": "local/tinyqa", "task_id": "tinyqa"}, "value": 0.3}],
    )
    found = verify(card, Options(model=str(base_model), task_path=str(harness["tasks"]), limit=10))
    (check,) = found.claims
    assert check.n == 10 and "--limit 10" in check.reason and found.runs[0].limit == 10
    assert np.isfinite(check.measured)


def test_an_inspect_log_measures_claims_on_its_task(tmp_path: Path) -> None:
    from lm_harness_runs import inspect_task, run_inspect

    log = run_inspect(inspect_task(tmp_path / "task"), tmp_path / "logs", "eval", 5)
    card = write_card(
        tmp_path / "card",
        [],
        [{"dataset": {"id": "local/questions", "task_id": "tinyqa_inspect"}, "value": 0.8}],
    )
    found = verify(card, Options(logs=[str(log)]))
    (check,) = found.claims
    # mockllm answers every fifth of 30 questions wrong: 24 of 30 right
    assert check.measured == pytest.approx(24 / 30) and check.n == 30
    assert check.status == "consistent" and found.runs[0].kind == "log"
    assert found.runs[0].harness is not None and found.runs[0].harness.startswith("inspect_ai")
