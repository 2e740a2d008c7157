"""Side-by-side throughput of `cardgen run` against a plain `transformers.pipeline` loop.

Builds a BERT classifier with random weights and texts of mixed length (nothing is
downloaded), then times both on the same device in the same process and compares their
probabilities. It is a benchmark, not a test: it prints and writes JSON, and asserts nothing.

Usage:
    python benchmarks/bench_run.py                        # GPU: BERT-base, 20k texts
    python benchmarks/bench_run.py --device cpu           # CPU: small model, 400 texts
    python benchmarks/bench_run.py --rows 2000 --size base --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SIZES = {
    # BERT-base: 110M parameters, 12 layers, 768 wide, 30522-token vocabulary.
    "base": {
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "vocab_size": 30522,
    },
    # What a 2-core CPU finishes in a minute or two.
    "small": {
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 512,
        "vocab_size": 8000,
    },
}


def build_model(folder: Path, size: str, seed: int = 0) -> None:
    """A random-weight BERT classifier and a word-level tokenizer over `w0`..`wN`."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    spec = SIZES[size]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {t: i for i, t in enumerate(specials)}
    for i in range(spec["vocab_size"] - len(specials)):
        vocab[f"w{i}"] = len(vocab)
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=512,
    )
    torch.manual_seed(seed)
    config = BertConfig(num_labels=2, max_position_embeddings=512, **spec)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_texts(n: int, vocab_size: int, seed: int = 0) -> list[str]:
    """Texts of mixed length: log-normal, median ~40 words, a long tail up to 500."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(mean=3.7, sigma=0.9, size=n), 3, 500).astype(int)
    words = rng.integers(0, vocab_size - 4, size=int(lengths.sum()))
    texts, start = [], 0
    for length in lengths:
        texts.append(" ".join(f"w{w}" for w in words[start : start + length]))
        start += length
    return texts


def run_pipeline(
    folder: Path, texts: list[str], device: str, batch_size: int, max_length: int
) -> tuple[np.ndarray, float]:
    """Probabilities from `transformers.pipeline` in file order (float32), and seconds."""
    import torch
    from transformers import pipeline

    classify = pipeline(
        "text-classification",
        model=str(folder),
        device=device,
        top_k=None,
        batch_size=batch_size,
        truncation=True,
        max_length=max_length,
    )
    classify(texts[: min(len(texts), 2 * batch_size)])  # warm-up (CUDA context, kernels)
    _sync(torch, device)
    start = time.perf_counter()
    outputs = classify(texts)
    _sync(torch, device)
    seconds = time.perf_counter() - start
    probs = np.array(
        [
            [
                next(d["score"] for d in out if d["label"] == label)
                for label in ("LABEL_0", "LABEL_1")
            ]
            for out in outputs
        ]
    )
    return probs, seconds


def _sync(torch, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run_cardgen(
    folder: Path,
    data: Path,
    out: Path,
    device: str,
    dtype: str,
    batch_size: int | None,
    max_length: int,
) -> tuple[np.ndarray, dict]:
    """Probabilities from `cardgen.collect.run.run` and its run record (timing inside)."""
    from cardgen.collect.run import run

    run(
        str(folder),
        str(data),
        text_column="text",
        out=out,
        device=device,
        dtype=dtype,
        batch_size=batch_size,
        max_length=max_length,
        limit=256,
    )  # warm-up
    result = run(
        str(folder),
        str(data),
        text_column="text",
        out=out,
        device=device,
        dtype=dtype,
        batch_size=batch_size,
        max_length=max_length,
    )
    return result.table[["score_0", "score_1"]].to_numpy(), result.record["run"]


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda[:N]")
    parser.add_argument(
        "--rows", type=int, default=None, help="texts (default: 20000 on GPU, 400 on CPU)"
    )
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default=None,
        help="model size (default: base on GPU, small on CPU)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="pipeline batch size (default: 64 on GPU, 16 on CPU); cardgen "
        "uses its own default unless --same-batch-size",
    )
    parser.add_argument(
        "--same-batch-size", action="store_true", help="give cardgen the pipeline's batch size too"
    )
    parser.add_argument("--max-length", type=int, default=512, help="token limit per text")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    gpu = device.startswith("cuda")
    rows = args.rows or (20_000 if gpu else 400)
    size = args.size or ("base" if gpu else "small")
    batch = args.batch_size or (64 if gpu else 16)
    device_name = (
        torch.cuda.get_device_name(torch.device(device))
        if gpu
        else f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        build_model(folder, size)
        texts = make_texts(rows, SIZES[size]["vocab_size"])
        data = Path(tmp) / "texts.parquet"
        pd.DataFrame({"text": texts}).to_parquet(data, index=False)

        ref, pipe_seconds = run_pipeline(folder, texts, device, batch, args.max_length)
        cg_batch = batch if args.same_batch_size else None
        fp32, fp32_record = run_cardgen(
            folder, data, Path(tmp) / "a.parquet", device, "float32", cg_batch, args.max_length
        )
        runs = [("cardgen_float32", fp32, fp32_record)]
        if gpu and torch.cuda.is_bf16_supported():  # else `auto` is float32 again
            auto, auto_record = run_cardgen(
                folder, data, Path(tmp) / "b.parquet", device, "auto", cg_batch, args.max_length
            )
            runs.append(("cardgen_auto", auto, auto_record))

    pipe_rate = rows / pipe_seconds
    results = {
        "device": device_name,
        "rows": rows,
        "model": f"bert-{size} (random weights)",
        "max_length": args.max_length,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "pipeline": {
            "dtype": "float32",
            "batch_size": batch,
            "seconds": pipe_seconds,
            "rows_per_second": pipe_rate,
        },
    }
    for name, probs, record in runs:
        diff = np.abs(probs[:, 1] - ref[:, 1])
        results[name] = {
            "dtype": record["dtype"],
            "batch_size": record["batch_size"],
            "seconds": record["seconds"],
            "rows_per_second": record["rows_per_second"],
            "speedup_vs_pipeline": record["rows_per_second"] / pipe_rate,
            "padding_tokens": record["padding_tokens"],
            "max_abs_diff_p1": float(diff.max()),
            "same_argmax": float((probs.argmax(1) == ref.argmax(1)).mean()),
        }

    print(
        f"# cardgen run vs transformers.pipeline — {results['model']}, {rows} texts, {device_name}"
    )
    print("| runner | dtype | batch | seconds | rows/s | speed-up | max |Δp| | same argmax |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| pipeline (file order) | float32 | {batch} | {pipe_seconds:.2f} | "
        f"{pipe_rate:.1f} | 1.00× | — | — |"
    )
    for name, _, _ in runs:
        r = results[name]
        print(
            f"| cardgen run (length-sorted) | {r['dtype']} | {r['batch_size']} | "
            f"{r['seconds']:.2f} | {r['rows_per_second']:.1f} | "
            f"{r['speedup_vs_pipeline']:.2f}× | {r['max_abs_diff_p1']:.2e} | "
            f"{r['same_argmax']:.4f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
