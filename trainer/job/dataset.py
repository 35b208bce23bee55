"""Turn a validated JSONL file into token ids and labels for causal LM training."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from trainer.data import record_kind
from trainer.errors import DataError

IGNORE_INDEX = -100


def fallback_chat(messages: list[dict[str, str]]) -> str:
    """Format a chat for a tokenizer without a chat template."""
    return "".join(f"<|{message['role']}|>\n{message['content']}\n" for message in messages)


def encode_record(record: dict[str, Any], tokenizer: Any, max_length: int) -> dict[str, list[int]] | None:
    """Return input ids and labels (prompt tokens masked), or None when nothing is left to learn."""
    kind = record_kind(record)
    if kind == "text":
        prompt, completion = "", record["text"]
    elif kind == "prompt_completion":
        prompt, completion = record["prompt"], record["completion"]
    elif getattr(tokenizer, "chat_template", None):
        prompt, completion = "", tokenizer.apply_chat_template(record["messages"], tokenize=False)
    else:
        prompt, completion = "", fallback_chat(record["messages"])

    prompt_ids = tokenizer(prompt, add_special_tokens=True)["input_ids"] if prompt else []
    completion_ids = tokenizer(completion, add_special_tokens=not prompt)["input_ids"]
    if tokenizer.eos_token_id is not None and (not completion_ids or completion_ids[-1] != tokenizer.eos_token_id):
        completion_ids.append(tokenizer.eos_token_id)
    input_ids = (prompt_ids + completion_ids)[:max_length]
    labels = ([IGNORE_INDEX] * len(prompt_ids) + completion_ids)[:max_length]
    if all(label == IGNORE_INDEX for label in labels) or len(input_ids) < 2:
        return None
    return {"input_ids": input_ids, "labels": labels}


class EncodedDataset(torch.utils.data.Dataset):
    def __init__(self, examples: list[dict[str, list[int]]]) -> None:
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        return self.examples[index]


def load_dataset(path: Path, tokenizer: Any, max_length: int) -> EncodedDataset:
    """Encode every record of ``path``; raise :class:`DataError` when none is usable."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                example = encode_record(json.loads(line), tokenizer, max_length)
            except (ValueError, TypeError) as exc:
                raise DataError(str(exc), file=str(path), line=line_number) from exc
            if example is not None:
                examples.append(example)
    if not examples:
        raise DataError("no record has a token left to train on after masking and truncation",
                        file=str(path), hint="raise max_length in config.json or send longer completions")
    return EncodedDataset(examples)


@dataclass
class PaddingCollator:
    """Pad a batch to its longest example; padding is masked out of attention and loss."""

    pad_token_id: int

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        width = max(len(example["input_ids"]) for example in batch)
        input_ids, labels, attention = [], [], []
        for example in batch:
            padding = width - len(example["input_ids"])
            input_ids.append(example["input_ids"] + [self.pad_token_id] * padding)
            labels.append(example["labels"] + [IGNORE_INDEX] * padding)
            attention.append([1] * len(example["input_ids"]) + [0] * padding)
        return {"input_ids": torch.tensor(input_ids), "labels": torch.tensor(labels),
                "attention_mask": torch.tensor(attention)}
