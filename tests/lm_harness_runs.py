"""Real lm-evaluation-harness and Inspect AI runs on tiny local models, for the LM tests.

Helpers only (imported by the test modules); each run is offline and takes seconds.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from filelock import FileLock
from tinymodels import tiny_gpt2

T = TypeVar("T")

WORDS = ("the", "movie", "good", "bad", "yes", "no")
CHOICES = ["yes", "no", "good", "bad"]


def write_questions(path: Path, count: int, seed: int, *, per_passage: int = 3) -> Path:
    """`count` four-choice questions; every `per_passage` consecutive ones share a passage."""
    rng = random.Random(seed)
    rows = [
        {
            "qid": f"q{i}",
            "passage_id": f"p{i // per_passage}",
            "question": " ".join(rng.choice(WORDS) for _ in range(4)),
            "choices": CHOICES,
            "answer": rng.randrange(4),
        }
        for i in range(count)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


TASK_YAML = """task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{question}}}} answer:"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: answer
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: acc_norm
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
"""

GROUP_YAML = """group: tinygroup
task:
  - tinyqa_a
  - tinyqa_b
aggregate_metric_list:
  - metric: acc
    aggregation: mean
    weight_by_size: true
metadata:
  version: 2
"""


def lm_eval_tasks(folder: Path) -> Path:
    """Task YAMLs over local JSON Lines: `tinyqa` (36 questions) and the group `tinygroup`
    of `tinyqa_a` (24) and `tinyqa_b` (12, a small group)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, count, seed in (("tinyqa", 36, 0), ("tinyqa_a", 24, 1), ("tinyqa_b", 12, 2)):
        data = write_questions(folder / f"{name}.jsonl", count, seed)
        (folder / f"{name}.yaml").write_text(
            TASK_YAML.format(name=name, data=data), encoding="utf-8"
        )
    (folder / "tinygroup.yaml").write_text(GROUP_YAML, encoding="utf-8")
    return folder


def run_lm_eval(
    model: Path,
    tasks: Path,
    out: Path,
    *,
    task_names: str = "tinyqa,tinygroup",
    log_samples: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run the lm_eval command line offline on CPU; returns the finished process."""
    env = {
        **os.environ,
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(out.parent / "hf-home"),
        "TOKENIZERS_PARALLELISM": "false",
    }
    command = [
        sys.executable,
        "-m",
        "lm_eval",
        "--model",
        "hf",
        "--model_args",
        f"pretrained={model},dtype=float32",
        "--tasks",
        task_names,
        "--include_path",
        str(tasks),
        "--device",
        "cpu",
        "--batch_size",
        "16",
        "--output_path",
        str(out),
        "--seed",
        "0",
    ]
    if log_samples:
        command.append("--log_samples")
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def lm_eval_models(folder: Path) -> tuple[Path, Path]:
    """Two tiny GPT-2s with different random weights (a baseline and a new model)."""
    return tiny_gpt2(folder / "base", seed=0), tiny_gpt2(folder / "new", seed=1)


INSPECT_TASK = """
from inspect_ai import Task, task
from inspect_ai.dataset import FieldSpec, json_dataset
from inspect_ai.scorer import includes
from inspect_ai.solver import generate, system_message


@task
def tinyqa_inspect():
    return Task(dataset=json_dataset("{data}", FieldSpec(input="input", target="target",
                                     id="id", metadata=["passage_id"])),
                solver=[system_message("Answer briefly."), generate()], scorer=includes())
"""


def inspect_task(folder: Path, count: int = 30) -> Path:
    """A local Inspect task file over `count` questions (three per passage)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {"id": f"q{i}", "input": f"Say {i}", "target": "right", "passage_id": f"p{i // 3}"}
        for i in range(count)
    ]
    data = folder / "questions.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    task = folder / "tinyqa_task.py"
    task.write_text(INSPECT_TASK.format(data=data), encoding="utf-8")
    return task


def in_own_thread(call: Callable[[], T]) -> T:
    """`call()` in a thread of its own. Inspect runs its own event loop, which a thread of
    its own keeps clear of one already running in this thread (Playwright's sync API keeps
    one running when browser tests ran first in the session)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def run_inspect(task: Path, log_dir: Path, log_format: str, wrong_every: int) -> Path:
    """Run the task with Inspect's mockllm, which answers `right` except for every
    `wrong_every`-th question; returns the log file written."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    def answer(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]
        index = int(messages[-1].text.split()[-1])
        output = ModelOutput.from_content(
            model="mockllm", content="wrong" if index % wrong_every == 0 else "right"
        )
        # with usage set, mockllm does not download a tokenizer to count tokens
        output.usage = ModelUsage(input_tokens=3, output_tokens=1, total_tokens=4)
        return output

    def run() -> list:  # type: ignore[type-arg]
        return inspect_eval(
            task.name,
            model=get_model("mockllm/model", custom_outputs=answer),
            log_dir=str(log_dir),
            log_format=log_format,
            display="none",
        )

    cwd = Path.cwd()
    os.chdir(task.parent)  # inspect resolves task files relative to the working folder
    try:
        logs = in_own_thread(run)
    finally:
        os.chdir(cwd)
    assert logs[0].status == "success", logs[0].error
    return Path(logs[0].location)


def once_per_session(
    tmp_path_factory: object, name: str, make: Callable[[Path], dict[str, str]]
) -> tuple[Path, dict[str, str]]:
    """`make(folder)` run once per test session, even across pytest-xdist workers: the first
    worker to ask runs it in the session's common temporary folder while the others wait on
    a lock. Returns the folder and what `make` returned (text values, kept as JSON)."""
    base_temp = tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    shared = base_temp.parent if os.environ.get("PYTEST_XDIST_WORKER") else base_temp
    root, record = shared / name, shared / f"{name}.json"
    with FileLock(f"{root}.lock"):
        if not record.exists():
            shutil.rmtree(root, ignore_errors=True)  # one stopped half-way
            made = make(root)
            part = record.with_suffix(".part")
            part.write_text(json.dumps(made), encoding="utf-8")
            part.replace(record)
    return root, json.loads(record.read_text(encoding="utf-8"))


_CACHE: dict[str, dict[str, object]] = {}


def _harness_runs(root: Path) -> dict[str, str]:
    base_model, new_model = lm_eval_models(root / "models")
    tasks = lm_eval_tasks(root / "tasks")
    base = run_lm_eval(base_model, tasks, root / "base")
    run_lm_eval(new_model, tasks, root / "new", task_names="tinyqa")
    return {"printed": base.stdout}


def lm_eval_outputs(tmp_path_factory: object) -> dict[str, object]:
    """The harness runs all LM test modules share, run once per test session (shared by
    pytest-xdist workers too): a baseline (tinyqa and tinygroup, with samples) and a new
    model (tinyqa)."""
    if "runs" not in _CACHE:
        root, made = once_per_session(tmp_path_factory, "lm-eval-runs", _harness_runs)
        _CACHE["runs"] = {
            "root": root,
            "tasks": root / "tasks",
            "base": root / "base",
            "new": root / "new",
            "printed": made["printed"],
            "models": (root / "models" / "base", root / "models" / "new"),
        }
    return _CACHE["runs"]
