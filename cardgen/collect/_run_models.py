"""Load the models `cardgen run` can run and turn rows into class probabilities.

Transformers sequence classifiers (length-sorted batches on a torch device) and scikit-learn
models (skops, or pickle when trusted); nothing here reads evaluation data or writes files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import sha256_file
from ..errors import CardgenError
from ._run_device import (
    Placement,
    default_batch_size,
    import_torch,
    import_transformers,
    run_in_batches,
)

PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
_DEFAULT_LABEL = re.compile(r"^LABEL_(\d+)$")
_WEIGHT_FILES = (
    "config.json",
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)


@dataclass
class Predictions:
    """Model outputs for every row, in the evaluation set's order."""

    classes: list[Any]
    """Class labels in score-column order; empty for a regression model."""
    scores: np.ndarray
    """Shape (rows, classes): probabilities; shape (rows, 1) for regression outputs."""
    batch_size: int
    """Batch size used last (after any out-of-memory halving)."""
    max_length: int | None = None
    """Token limit each text was truncated to (transformers models)."""
    padding_tokens: int = 0
    """Pad tokens processed: the waste length-sorted batching keeps small."""
    rows_at_max_length: int = 0
    """Texts whose tokens reached `max_length` (truncated, or exactly that long)."""


@dataclass
class LoadedModel:
    """A model ready to predict, with what identifies it exactly."""

    kind: str
    """`transformers` or `sklearn`."""
    revision: str
    """Hub commit sha, or `sha256:<digest>` of the model file(s)."""
    input_sha256: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each local model file read."""
    library: tuple[str, ...] = ()
    """Distributions whose versions matter for the outputs."""
    dtype: str | None = None
    """Weights dtype (transformers models)."""


def _file_revision(files: dict[str, str]) -> str:
    import hashlib

    listing = "".join(f"{Path(name).name}\t{digest}\n" for name, digest in sorted(files.items()))
    return "sha256:" + hashlib.sha256(listing.encode("utf-8")).hexdigest()


def is_sklearn_file(model: str) -> bool:
    """True when MODEL names a scikit-learn model file (.skops, .joblib, .pkl, .pickle)."""
    return model.lower().endswith((".skops", *PICKLE_SUFFIXES))


# --- scikit-learn ---------------------------------------------------------------------------


def load_sklearn(model: str, *, trust_pickle: bool = False) -> tuple[Any, LoadedModel]:
    """Load a scikit-learn model saved with skops (or pickle/joblib when trusted).

    Args:
        model: path to a `.skops`, `.joblib`, `.pkl` or `.pickle` file.
        trust_pickle: allow unpickling (it runs code from the file), and accept the
            types a `.skops` file marks as untrusted.

    Returns:
        The estimator and its description.

    Raises:
        CardgenError: for a missing file, an untrusted file, or a model without predictions.
    """
    path = Path(model)
    if not path.is_file():
        raise CardgenError(f"{model}: no such model file")
    if path.suffix.lower() == ".skops":
        try:
            from skops import io as sio
        except ImportError as exc:
            raise CardgenError(
                f"{model}: loading .skops files needs skops; pip install 'cardgen[ml]'"
            ) from exc
        untrusted = sio.get_untrusted_types(file=path)
        if untrusted and not trust_pickle:
            raise CardgenError(
                f"{model}: the file holds types skops does not trust: "
                f"{', '.join(untrusted)}; check them, then pass --trust-pickle"
            )
        try:
            estimator = sio.load(path, trusted=untrusted)
        except Exception as exc:  # skops raises many types for a corrupt file
            raise CardgenError(f"{model}: cannot load skops file: {exc}") from exc
    else:
        if not trust_pickle:
            raise CardgenError(
                f"{model}: loading a pickle runs code stored in the file; pass "
                "--trust-pickle if you trust it, or save the model with skops "
                "(.skops)"
            )
        import joblib

        estimator = joblib.load(path)
    if not hasattr(estimator, "predict"):
        raise CardgenError(f"{model}: {type(estimator).__name__} has no predict method")
    digest = sha256_file(path)
    return estimator, LoadedModel(
        "sklearn", f"sha256:{digest}", {model: digest}, library=("scikit-learn", "skops", "joblib")
    )


def sklearn_features(estimator: Any, text_column: str | None, model: str) -> list[str]:
    """Columns an estimator reads: the text column, or the features it was fitted on.

    Raises:
        CardgenError: when the estimator recorded no feature names and no text column is given.
    """
    if text_column is not None:
        return [text_column]
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        raise CardgenError(
            f"{model}: the model does not record its feature names (fit it on "
            "a DataFrame), and no --text-column was given"
        )
    return [str(n) for n in names]


def predict_sklearn(
    estimator: Any,
    frame: pd.DataFrame,
    text_column: str | None,
    features: Sequence[str],
    batch_size: int,
    progress: Callable[[int], None],
) -> Predictions:
    """Probabilities (or regression outputs) of a scikit-learn model, `batch_size` rows at
    a time; the same rows in the same order give the same numbers as one call."""
    proba = hasattr(estimator, "predict_proba")
    outputs = []
    for start in range(0, len(frame), batch_size):
        part = frame.iloc[start : start + batch_size]
        x = part[text_column].tolist() if text_column is not None else part[list(features)]
        if proba:
            outputs.append(np.asarray(estimator.predict_proba(x), dtype=np.float64))
        else:
            outputs.append(np.asarray(estimator.predict(x), dtype=np.float64).reshape(-1, 1))
        progress(len(part))
    classes = [_plain(c) for c in estimator.classes_] if proba else []
    return Predictions(classes, np.concatenate(outputs), batch_size)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --- transformers --------------------------------------------------------------------------


def load_transformers(
    model: str,
    where: Placement,
    *,
    revision: str | None = None,
    endpoint: str | None = None,
    auto_class: str = "AutoModelForSequenceClassification",
) -> tuple[Any, Any, LoadedModel]:
    """Load a transformers model and its tokenizer onto a device.

    Args:
        model: a local model folder (with config.json) or a Hub model id.
        where: device and dtype.
        revision: Hub revision (ignored for a local folder).
        endpoint: Hub address (default: $HF_ENDPOINT or huggingface.co).
        auto_class: `AutoModelForSequenceClassification` (run) or `AutoModelForCausalLM`
            (probe).

    Returns:
        The model (eval mode), the tokenizer and the model's description.

    Raises:
        CardgenError: for a folder without config.json or a model that cannot be loaded.
    """
    transformers = import_transformers()
    path = Path(model)
    hub_sha = None
    if not path.is_dir():
        if path.suffix or model.startswith((".", "/")) or model.count("/") != 1:
            raise CardgenError(f"{model}: no such model folder or file")
        path, hub_sha = hub_snapshot(model, revision=revision, endpoint=endpoint)
    if not (path / "config.json").is_file():
        raise CardgenError(f"{model}: not a transformers model folder (no config.json)")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        network = getattr(transformers, auto_class).from_pretrained(path, dtype=where.dtype)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CardgenError(f"{model}: cannot load the model: {first}") from exc
    network.to(where.device).eval()
    files = {
        str(path / name): sha256_file(path / name)
        for name in _WEIGHT_FILES
        if (path / name).is_file()
    }
    files.update({str(p): sha256_file(p) for p in sorted(path.glob("model-*.safetensors"))})
    if hub_sha is not None:
        described = LoadedModel(
            "transformers", hub_sha, {f"{model}/{Path(k).name}": v for k, v in files.items()}
        )
    else:
        described = LoadedModel("transformers", _file_revision(files), files)
    described.library = ("torch", "transformers", "tokenizers", "safetensors")
    described.dtype = where.dtype_name
    return network, tokenizer, described


def hub_snapshot(model: str, *, revision: str | None, endpoint: str | None) -> tuple[Path, str]:
    """Download a Hub model's config, tokenizer and weights (safetensors when it has them)
    into huggingface_hub's cache.

    Returns:
        The local snapshot folder and the exact commit sha.

    Raises:
        CardgenError: when the repository or revision cannot be read.
    """
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        info = HfApi(endpoint=endpoint).model_info(model, revision=revision)
        names = [s.rfilename for s in info.siblings or []]
        weights = ".safetensors" if any(n.endswith(".safetensors") for n in names) else ".bin"
        wanted = [
            n
            for n in names
            if "/" not in n and n.endswith((".json", ".txt", ".model", ".jinja", weights))
        ]
        # hf_hub_download puts every file of one commit into the same snapshot folder
        local = [
            hf_hub_download(model, name, revision=info.sha, endpoint=endpoint) for name in wanted
        ]
    except HfHubHTTPError as exc:
        raise CardgenError(f"{model}: cannot read the model from the Hub: {exc}") from exc
    if not local:
        raise CardgenError(f"{model}: the Hub repository lists no model files")
    folder = Path(local[0]).parent
    return Path(folder), str(info.sha)


def class_labels(config: Any) -> list[Any]:
    """Class labels in logit order: the config's names, or 0..n-1 when they are the
    defaults `LABEL_0`, `LABEL_1`, ... (so they compare equal to integer labels)."""
    names = [config.id2label[i] for i in range(config.num_labels)]
    if all(_DEFAULT_LABEL.match(str(n)) for n in names):
        return list(range(len(names)))
    return names


def token_limit(tokenizer: Any, config: Any, max_length: int | None) -> int:
    """The truncation length: `--max-length`, else the smaller of the tokenizer's and the
    model's limits (512 when neither says)."""
    if max_length is not None:
        if max_length < 1:
            raise CardgenError(f"--max-length must be at least 1, got {max_length}")
        return max_length
    limits = [
        getattr(config, "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    ]
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
    return min(usable) if usable else 512


def length_sorted_batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Row indices in batches of similar length, longest first.

    Longest first so that an out-of-memory error, if any, comes at once; a stable sort so
    that equal lengths keep their order and the batches are the same on every run.
    """
    order = np.argsort(-lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def predict_transformers(
    network: Any,
    tokenizer: Any,
    texts: Sequence[str],
    where: Placement,
    *,
    batch_size: int | None,
    max_length: int | None,
    progress: Callable[[int], None],
) -> Predictions:
    """Class probabilities (softmax of the logits, in float32) for every text.

    Texts are tokenized once, sorted by length and batched so that each batch pads only to
    its own longest text. On CUDA without `--batch-size`, a batch that runs out of memory is
    retried at half the size.
    """
    torch = import_torch()
    limit = token_limit(tokenizer, network.config, max_length)
    encoded = tokenizer(list(texts), truncation=True, max_length=limit)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
    lengths = np.array([len(ids) for ids in encoded["input_ids"]], dtype=np.int64)
    size, adaptive = default_batch_size(where, batch_size)
    regression = network.config.num_labels == 1
    multi_label = network.config.problem_type == "multi_label_classification"
    scores = np.empty((len(texts), network.config.num_labels), dtype=np.float64)
    padding = [0]

    def step(rows: np.ndarray) -> None:
        features = [{k: encoded[k][int(i)] for k in keys} for i in rows]
        batch = tokenizer.pad(features, padding=True, return_tensors="pt")
        with torch.inference_mode():
            logits = network(**{k: v.to(where.device) for k, v in batch.items()}).logits
            logits = logits.float()
            if regression:
                out = logits
            elif multi_label:
                out = torch.sigmoid(logits)
            else:
                out = torch.softmax(logits, dim=-1)
            scores[rows] = out.cpu().numpy()
        padding[0] += int(batch["input_ids"].numel() - lengths[rows].sum())
        progress(len(rows))

    size = run_in_batches(length_sorted_batches(lengths, size), size, adaptive, step)
    classes = [] if regression else class_labels(network.config)
    return Predictions(classes, scores, size, limit, padding[0], int((lengths >= limit).sum()))
