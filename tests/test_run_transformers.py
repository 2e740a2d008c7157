"""`cardgen run` with a tiny transformers classifier on CPU: values, provenance, errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hubserver import HubServer
from tinymodels import TEXTS, offline, tiny_bert

from cardgen.cli import cli
from cardgen.collect.run import run
from cardgen.errors import CardgenError
from cardgen.evaluate import evaluate

# Builds and runs tiny torch models: left out of `make test-fast`.
pytestmark = pytest.mark.ml

LABELS = [1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0]
SEX = ["F", "M", "F", "M", "F", "M", "F", "M", "F", "M", "F", "M"]


@pytest.fixture(autouse=True)
def _offline(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "hub" not in request.fixturenames:  # tests with the local Hub server download
        offline(monkeypatch)


@pytest.fixture(scope="module")
def bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("bert") / "model")


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "reviews.csv"
    pd.DataFrame({"text": TEXTS, "y": LABELS, "sex": SEX, "unused": range(len(TEXTS))}).to_csv(
        path, index=False
    )
    return path


def direct_probabilities(folder: Path, texts: list[str]) -> np.ndarray:
    """Softmax of the logits of a plain forward pass, one text at a time (no padding)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    rows = []
    with torch.no_grad():
        for text in texts:
            logits = model(**tokenizer(text, return_tensors="pt")).logits
            rows.append(torch.softmax(logits, dim=-1)[0].numpy())
    return np.array(rows, dtype=np.float64)


def test_scores_equal_a_direct_forward_pass(bert: Path, data_csv: Path, tmp_path: Path) -> None:
    result = run(
        str(bert),
        str(data_csv),
        text_column="text",
        label_column="y",
        sensitive=["sex"],
        out=tmp_path / "pred.parquet",
        device="cpu",
    )
    table = pd.read_parquet(tmp_path / "pred.parquet")
    assert list(table.columns) == ["row", "y", "sex", "prediction", "score", "score_0", "score_1"]
    assert table["row"].tolist() == list(range(len(TEXTS)))
    assert table["y"].tolist() == LABELS and table["sex"].tolist() == SEX
    expected = direct_probabilities(bert, TEXTS)
    np.testing.assert_allclose(table[["score_0", "score_1"]].to_numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(table["score"], expected[:, 1], atol=1e-5)
    assert table["prediction"].tolist() == expected.argmax(axis=1).tolist()
    assert expected[:, 1].max() - expected[:, 1].min() > 0.1  # the check has teeth
    pd.testing.assert_frame_equal(result.table, table)


def test_provenance_names_model_data_device_and_timing(
    bert: Path, data_csv: Path, tmp_path: Path
) -> None:
    from cardgen._io import sha256_file
    from cardgen.schema import Provenance

    result = run(
        str(bert),
        str(data_csv),
        text_column="text",
        label_column="y",
        out=tmp_path / "pred.csv",
        device="auto",
    )
    record = json.loads((tmp_path / "pred.csv.provenance.json").read_text())
    assert result.provenance_path == tmp_path / "pred.csv.provenance.json"
    provenance = Provenance.model_validate(record["provenance"])
    assert provenance.source_kind == "run"
    assert provenance.uri == "model"  # outside the project: its name, no absolute path
    assert provenance.revision.startswith("sha256:")
    assert provenance.input_sha256 == {
        data_csv.name: sha256_file(data_csv),
        "config.json": sha256_file(bert / "config.json"),
        "model.safetensors": sha256_file(bert / "model.safetensors"),
    }
    assert provenance.device.startswith("cpu")
    assert {"torch", "transformers", "tokenizers", "python"} <= set(provenance.library_versions)
    settings = record["run"]
    assert settings["data_revision"] == f"sha256:{sha256_file(data_csv)}"
    assert (settings["rows"], settings["dtype"], settings["batch_size"]) == (12, "float32", 32)
    assert settings["device"] == "cpu" and settings["task"] == "binary"
    assert settings["classes"] == ["0", "1"] and settings["positive_class"] == "1"
    assert settings["seconds"] > 0 and settings["rows_per_second"] > 0
    assert settings["length_sorted_batches"] is True
    assert settings["max_length"] == 64 and settings["rows_at_max_length"] == 0
    assert pd.read_csv(tmp_path / "pred.csv").shape == (12, 6)


def test_batch_size_1_and_32_give_the_same_scores(
    bert: Path, data_csv: Path, tmp_path: Path
) -> None:
    one = run(
        str(bert),
        str(data_csv),
        text_column="text",
        batch_size=1,
        out=tmp_path / "one.parquet",
        device="cpu",
    )
    many = run(
        str(bert),
        str(data_csv),
        text_column="text",
        batch_size=32,
        out=tmp_path / "many.parquet",
        device="cpu",
    )
    np.testing.assert_allclose(
        one.table[["score_0", "score_1"]], many.table[["score_0", "score_1"]], atol=1e-5
    )
    assert one.record["run"]["padding_tokens"] == 0
    assert many.record["run"]["padding_tokens"] > 0


def test_same_inputs_write_the_same_table_bytes(bert: Path, data_csv: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        run(
            str(bert),
            str(data_csv),
            text_column="text",
            label_column="y",
            sensitive=["sex"],
            batch_size=4,
            out=tmp_path / f"{name}.parquet",
            device="cpu",
        )
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_length_sorted_batches_pad_less_than_file_order(
    bert: Path, data_csv: Path, tmp_path: Path
) -> None:
    from cardgen.collect._run_models import length_sorted_batches

    lengths = np.array([3, 20, 4, 19, 5, 18])
    batches = length_sorted_batches(lengths, 2)
    assert [b.tolist() for b in batches] == [[1, 3], [5, 4], [2, 0]]
    padded = sum(int(lengths[b].max()) * len(b) for b in batches)
    in_order = sum(int(lengths[i : i + 2].max()) * 2 for i in range(0, 6, 2))
    assert padded < in_order


def test_limit_and_jsonl_output_feed_cardgen_evaluate(
    bert: Path, data_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pred.jsonl"
    run(
        str(bert),
        str(data_csv),
        text_column="text",
        label_column="y",
        sensitive=["sex"],
        limit=10,
        out=out,
        device="cpu",
    )
    table = pd.read_json(out, lines=True)
    assert len(table) == 10
    evaluation = evaluate(out, label="y", score="score", sensitive=["sex"], n_boot=20)
    expected_accuracy = float(((table["score"] >= 0.5).astype(int) == table["y"]).mean())
    assert evaluation.overall["accuracy"].value == pytest.approx(expected_accuracy)
    assert {g.features["sex"] for g in evaluation.groups} == {"F", "M"}


def test_named_labels_become_predictions(tmp_path: Path, data_csv: Path) -> None:
    folder = tiny_bert(
        tmp_path / "named", num_labels=3, id2label={0: "negative", 1: "neutral", 2: "positive"}
    )
    result = run(
        str(folder), str(data_csv), text_column="text", out=tmp_path / "p.parquet", device="cpu"
    )
    table = result.table
    scores = table[["score_negative", "score_neutral", "score_positive"]].to_numpy()
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-6)
    names = np.array(["negative", "neutral", "positive"])
    assert table["prediction"].tolist() == names[scores.argmax(axis=1)].tolist()
    np.testing.assert_allclose(table["score"], scores.max(axis=1))
    assert result.record["run"]["task"] == "multiclass"


def test_cuda_without_a_gpu_fails_clearly(bert: Path, data_csv: Path, tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(CardgenError) as info:
        run(str(bert), str(data_csv), text_column="text", device="cuda", out=tmp_path / "p.parquet")
    assert str(info.value) == (
        "CUDA requested but no GPU is available "
        "(torch.cuda.is_available() is False); use --device cpu or auto"
    )
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(bert),
            "--data",
            str(data_csv),
            "--text-column",
            "text",
            "--device",
            "cuda:1",
            "--out",
            str(tmp_path / "p.parquet"),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: CUDA requested but no GPU is available")
    assert not (tmp_path / "p.parquet").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing-column", "no column 'review'; available columns: text, y, sex, unused"),
        ("empty-file", "file is empty"),
        ("header-only", "no rows to run the model on"),
        ("no-config", "not a transformers model folder (no config.json)"),
        ("no-text-column", "--text-column is required for a transformers model"),
        ("bad-text", "column 'y' must hold text; row 1 has 1"),
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(
    setup: str, message: str, bert: Path, data_csv: Path, tmp_path: Path
) -> None:
    model, data, text = str(bert), str(data_csv), "text"
    if setup == "missing-column":
        text = "review"
    elif setup == "empty-file":
        data = str(tmp_path / "empty.csv")
        Path(data).write_text("")
    elif setup == "header-only":
        data = str(tmp_path / "header.csv")
        Path(data).write_text("text,y\n")
    elif setup == "no-config":
        model = str(tmp_path / "folder")
        Path(model).mkdir()
        (Path(model) / "model.safetensors").write_bytes(b"")
    elif setup == "no-text-column":
        text = None
    elif setup == "bad-text":
        text = "y"
    args = ["run", model, "--data", data, "--out", str(tmp_path / "p.parquet"), "-q"]
    if text:
        args += ["--text-column", text]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert not (tmp_path / "p.parquet").exists()


def test_cli_run_prints_what_it_wrote(bert: Path, data_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.parquet"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(bert),
            "--data",
            str(data_csv),
            "--text-column",
            "text",
            "--label-column",
            "y",
            "--sensitive",
            "sex",
            "--device",
            "cpu",
            "--batch-size",
            "5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (12 rows, binary) and {out}.provenance.json" in result.stdout
    assert "cpu (" in result.stdout and "float32, batch size 5" in result.stdout
    assert "rows/s" in result.stdout
    assert list(pd.read_parquet(out).columns)[:3] == ["row", "y", "sex"]


def test_hub_model_id_is_fetched_at_its_commit(
    bert: Path, data_csv: Path, tmp_path: Path, hub: HubServer
) -> None:
    sha = "7" * 40
    files = {p.name: p.read_bytes() for p in bert.iterdir() if p.is_file()}
    served = hub.add_repo(
        "model",
        {
            "_id": "6600000000000000000000ee",
            "id": "org/tiny-bert",
            "sha": sha,
            "siblings": [{"rfilename": n} for n in files],
        },
    )
    served.files.update(files)
    result = run(
        "org/tiny-bert",
        str(data_csv),
        text_column="text",
        device="cpu",
        out=tmp_path / "p.parquet",
        endpoint=hub.url,
    )
    np.testing.assert_allclose(
        result.table[["score_0", "score_1"]], direct_probabilities(bert, TEXTS), atol=1e-5
    )
    provenance = result.record["provenance"]
    assert (provenance["uri"], provenance["revision"]) == ("org/tiny-bert", sha)
    assert (
        provenance["input_sha256"]["org/tiny-bert/model.safetensors"]
        == hashlib.sha256(files["model.safetensors"]).hexdigest()
    )
    with pytest.raises(CardgenError, match="org/missing: cannot read the model from the Hub"):
        run(
            "org/missing",
            str(data_csv),
            text_column="text",
            device="cpu",
            out=tmp_path / "q.parquet",
            endpoint=hub.url,
        )


def test_out_of_memory_on_cuda_halves_the_batch_and_keeps_every_row(bert: Path) -> None:
    """The GPU path, simulated on the CPU: batches above 3 rows 'run out of memory'."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from cardgen.collect._run_device import Placement
    from cardgen.collect._run_models import predict_transformers

    model = AutoModelForSequenceClassification.from_pretrained(bert).eval()
    seen: list[int] = []

    class SmallGpu:
        config = model.config

        def __call__(self, **batch: torch.Tensor) -> object:
            seen.append(len(batch["input_ids"]))
            if len(batch["input_ids"]) > 3:
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return model(**batch)

    cuda_like = type("CudaLike", (Placement,), {"is_cuda": property(lambda self: True)})
    fake = cuda_like(torch.device("cpu"), "simulated GPU", torch.float32)
    done: list[int] = []
    predictions = predict_transformers(
        SmallGpu(),
        AutoTokenizer.from_pretrained(bert),
        TEXTS,
        fake,
        batch_size=None,
        max_length=None,
        progress=done.append,
    )
    # 256, 128, 64, 32, 16 (all 12 rows at once), 8 and 4 fail; 2 fits
    assert seen == [12, 12, 12, 12, 12, 8, 4, 2, 2, 2, 2, 2, 2]
    assert predictions.batch_size == 2 and sum(done) == len(TEXTS)
    np.testing.assert_allclose(predictions.scores, direct_probabilities(bert, TEXTS), atol=1e-5)
