"""Tiny models built from configs (random weights, a word-level tokenizer) for run/probe tests.

Builders for the other test_run_* and test_probe_* modules; nothing is downloaded.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

torch = importlib.import_module("torch")
importlib.import_module("transformers")

# Tiny models gain nothing from intra-op threads, and on a small shared machine the thread
# pool's spin-waiting makes each 32-wide matmul ~100x slower.
torch.set_num_threads(1)

WORDS = (
    "the",
    "a",
    "an",
    "is",
    "be",
    "should",
    "this",
    "patient",
    "applicant",
    "person",
    "loan",
    "kidney",
    "approve",
    "approved",
    "grant",
    "deny",
    "good",
    "bad",
    "old",
    "young",
    "woman",
    "man",
    "male",
    "female",
    "white",
    "black",
    "asian",
    "hispanic",
    "native",
    "american",
    "year",
    "years",
    "of",
    "age",
    "with",
    "and",
    "for",
    "to",
    "in",
    "on",
    "it",
    "has",
    "have",
    "been",
    "yes",
    "no",
    "Yes",
    "No",
    "answer",
    "question",
    "please",
    "above",
    "either",
    "my",
    "would",
    "choose",
    "between",
    "information",
    "provided",
    "based",
    "if",
    "i",
    "had",
    "human",
    "assistant",
    "great",
    "terrible",
    "movie",
    "film",
    "plot",
    "acting",
    "was",
    "very",
    "not",
    "quite",
    # the demographic words of discrim-eval prompts, so that the probe's variations differ
    "Black",
    "Asian",
    "Hispanic",
    "Native",
    "American",
    "non",
    "binary",
    "She",
    "He",
    "They",
    "she",
    "he",
    "they",
    "her",
    "his",
    "their",
    "him",
    "them",
    *(str(age) for age in range(20, 101, 10)),
)
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "<|endoftext|>")

TEXTS = [
    "the movie was great",
    "terrible plot and bad acting",
    "a very good film",
    "not quite good",
    "the acting was very very bad and the plot was not good either",
    "great",
    "bad",
    "the film has a great plot",
    "quite terrible",
    "an old movie with good acting and a very great plot that was not bad",
    "good good good",
    "it was a film",
]


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forbid Hub downloads while local model folders are loaded (call from a fixture)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)


def vocabulary() -> dict[str, int]:
    """Special tokens first, then the words (each once, including yes/Yes/no/No)."""
    vocab: dict[str, int] = {}
    for token in (*SPECIALS, *WORDS, ".", ",", "?", '"', ":", "-"):
        vocab.setdefault(token, len(vocab))
    return vocab


def word_tokenizer(*, bert: bool) -> object:
    """A `PreTrainedTokenizerFast` over a WordLevel model: [CLS] x [SEP] for BERT, plain for
    a causal LM (whose pad token is <|endoftext|>)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = vocabulary()
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Sequence([normalizers.NFKC()])
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    if bert:
        core.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )
        return PreTrainedTokenizerFast(
            tokenizer_object=core,
            unk_token="[UNK]",
            pad_token="[PAD]",
            cls_token="[CLS]",
            sep_token="[SEP]",
            model_max_length=64,
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        model_max_length=256,
    )


def tiny_bert(
    folder: Path, *, num_labels: int = 2, seed: int = 0, id2label: dict[int, str] | None = None
) -> Path:
    """Save a 2-layer BERT classifier (hidden size 32, random weights drawn wide enough that
    scores differ clearly between texts) and its tokenizer."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    extra = (
        {"id2label": id2label, "label2id": {v: k for k, v in id2label.items()}} if id2label else {}
    )
    config = BertConfig(
        vocab_size=len(vocabulary()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=num_labels,
        initializer_range=0.5,
        **extra,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    word_tokenizer(bert=True).save_pretrained(folder)
    return folder


def tiny_gpt2(folder: Path, *, seed: int = 0, chat_template: str | None = None) -> Path:
    """Save a 2-layer GPT-2 language model (random weights) and its tokenizer."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    vocab = vocabulary()
    config = GPT2Config(
        vocab_size=len(vocab),
        n_positions=512,
        n_embd=32,
        n_layer=2,
        n_head=2,
        initializer_range=0.5,
        bos_token_id=vocab["<|endoftext|>"],
        eos_token_id=vocab["<|endoftext|>"],
        pad_token_id=vocab["<|endoftext|>"],
    )
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer = word_tokenizer(bert=False)
    if chat_template:
        tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(folder)
    return folder


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSON Lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
