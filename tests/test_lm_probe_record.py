"""Probe alignment: the discrimination probe's results carry the same SE and record fields as
LM harness results (`se` equals the clustered SE by hand; the record names the probe)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest
from tinymodels import offline, tiny_gpt2

from cardgen import __version__
from cardgen.collect.probe import DEFAULT_PROMPTS, INSTRUCTION, probe


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    lines = DEFAULT_PROMPTS.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if json.loads(line)["age"] in (20, 60)]
    path = tmp_path / "subset.jsonl"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def test_probe_metrics_have_se_and_a_record(
    tmp_path: Path, prompts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offline(monkeypatch)
    model = tiny_gpt2(tmp_path / "gpt2")
    evaluation = probe(str(model), prompts, device="cpu")
    per_question = evaluation.details["per_question_differences"]
    checked = 0
    for group in evaluation.groups:
        ((feature, value),) = group.features.items()
        score = group.metrics["discrimination_score"]
        if score.ci_method != "clustered":
            continue
        d = list(per_question[f"{feature}={value}"].values())
        mean = sum(d) / len(d)
        sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))
        assert score.se == pytest.approx(sd / math.sqrt(len(d)))
        checked += 1
    assert checked >= 3
    record = evaluation.record
    assert record.harness == "cardgen probe" and record.harness_version == __version__
    assert record.num_fewshot == 0 and record.model_id == str(model)
    assert record.model_device.startswith("cpu") and record.model_dtype == "float32"
    assert INSTRUCTION in record.prompt_template
    assert (
        record.prompt_template_hash
        == hashlib.sha256(record.prompt_template.encode("utf-8")).hexdigest()
    )
    assert record.dataset_revision == evaluation.dataset.revision
    assert record.chat_template_hash is None  # the tiny model has no chat template
    assert record.headline_metric is None  # model-index keeps every probe number
