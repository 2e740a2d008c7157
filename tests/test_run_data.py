"""`cardgen run` reads saved `datasets` folders and Hub datasets (from the local Hub server)."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

skops_io = importlib.import_module("skops.io")

from hubserver import HubServer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from cardgen._io import sha256_file  # noqa: E402
from cardgen.collect._data import split_of  # noqa: E402
from cardgen.collect.run import run  # noqa: E402
from cardgen.errors import CardgenError  # noqa: E402

SHA = "5" * 40


@pytest.fixture(scope="module")
def model_and_frame(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"x1": rng.normal(size=40), "x2": rng.normal(size=40), "group": rng.choice(["a", "b"], 40)}
    )
    frame["y"] = (frame["x1"] > 0).astype(int)
    skops_io.dump(LogisticRegression().fit(frame[["x1", "x2"]], frame["y"]), folder / "m.skops")
    return folder / "m.skops", frame


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("data/test-00000-of-00001.parquet", "test"),
        ("train.parquet", "train"),
        ("default/validation/0000.parquet", "validation"),
        ("data/test.parquet", "test"),
    ],
)
def test_split_of_follows_hub_file_names(name: str, split: str) -> None:
    assert split_of(name) == split


def test_hub_dataset_is_fetched_through_huggingface_hub(
    hub: HubServer, tmp_path: Path, model_and_frame: tuple
) -> None:
    model, frame = model_and_frame
    test_part = parquet_bytes(frame.iloc[:25])
    served = hub.add_repo(
        "dataset",
        {
            "_id": "6600000000000000000000dd",
            "id": "org/eval-set",
            "sha": SHA,
            "siblings": [
                {"rfilename": "README.md"},
                {"rfilename": "data/train-00000-of-00001.parquet"},
                {"rfilename": "data/test-00000-of-00001.parquet"},
            ],
        },
        readme="# eval\n",
    )
    served.files["data/test-00000-of-00001.parquet"] = test_part
    served.files["data/train-00000-of-00001.parquet"] = parquet_bytes(frame.iloc[25:])
    result = run(
        str(model),
        "hub:org/eval-set",
        split="test",
        label_column="y",
        sensitive=["group"],
        out=tmp_path / "p.parquet",
        endpoint=hub.url,
    )
    assert len(result.table) == 25
    assert result.table["group"].tolist() == frame["group"].iloc[:25].tolist()
    expected = skops_io.load(model).predict_proba(frame[["x1", "x2"]].iloc[:25])[:, 1]
    np.testing.assert_allclose(result.table["score"], expected, atol=1e-12)
    run_settings = result.record["run"]
    assert (run_settings["data_revision"], run_settings["split"]) == (SHA, "test")
    ((key, digest),) = [
        (k, v)
        for k, v in result.record["provenance"]["input_sha256"].items()
        if k.startswith("hub:")
    ]
    assert key == "hub:org/eval-set/data/test-00000-of-00001.parquet"
    import hashlib

    assert digest == hashlib.sha256(test_part).hexdigest()
    assert any(
        path.endswith("/resolve/" + SHA + "/data/test-00000-of-00001.parquet")
        for _, path, _ in hub.requests
    )
    with pytest.raises(
        CardgenError,
        match=r"hub:org/eval-set: give --split, one of test, "
        r"train",
    ):
        run(str(model), "hub:org/eval-set", out=tmp_path / "q.parquet", endpoint=hub.url)
    with pytest.raises(CardgenError, match=r"no split 'dev'; splits: test, train"):
        run(
            str(model),
            "hub:org/eval-set",
            split="dev",
            out=tmp_path / "q.parquet",
            endpoint=hub.url,
        )


def test_missing_hub_dataset_fails_clearly(
    hub: HubServer, tmp_path: Path, model_and_frame: tuple
) -> None:
    model, _ = model_and_frame
    with pytest.raises(CardgenError, match=r"hub:org/nope: cannot read the dataset"):
        run(str(model), "hub:org/nope", out=tmp_path / "p.parquet", endpoint=hub.url)


def test_saved_datasets_folder(tmp_path: Path, model_and_frame: tuple) -> None:
    datasets = importlib.import_module("datasets")
    model, frame = model_and_frame
    splits = datasets.DatasetDict(
        {
            "test": datasets.Dataset.from_pandas(frame.iloc[:30]),
            "train": datasets.Dataset.from_pandas(frame.iloc[30:]),
        }
    )
    splits.save_to_disk(str(tmp_path / "saved"))
    result = run(
        str(model),
        str(tmp_path / "saved"),
        split="test",
        label_column="y",
        out=tmp_path / "p.parquet",
        limit=12,
    )
    assert result.table["y"].tolist() == frame["y"].iloc[:12].tolist()
    arrow = sorted((tmp_path / "saved" / "test").glob("*.arrow"))
    hashes = result.record["provenance"]["input_sha256"]
    assert arrow and all(hashes[str(p)] == sha256_file(p) for p in arrow)
    assert result.record["run"]["data_revision"].startswith("sha256:")
    with pytest.raises(CardgenError, match=r"give --split, one of test, train"):
        run(str(model), str(tmp_path / "saved"), out=tmp_path / "q.parquet")
    with pytest.raises(CardgenError, match=r"not a dataset folder"):
        run(str(model), str(tmp_path), out=tmp_path / "q.parquet")
