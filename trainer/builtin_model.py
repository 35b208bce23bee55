"""The built-in model: a small Llama-style causal LM with a locally trained tokenizer.

It lets a fresh machine train without downloads: the byte-level BPE
tokenizer is trained on standard-library sources with ``tokenizers`` and the
model (about 2.6 million parameters) is initialised from a fixed seed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from trainer.corpus import source_text

logger = logging.getLogger(__name__)

VOCAB_SIZE = 4096
TOKENIZER_CORPUS_BYTES = 1_000_000
END_OF_TEXT = "<|endoftext|>"
PADDING = "<|pad|>"
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@dataclass(frozen=True)
class ModelShape:
    """Architecture of the built-in model."""

    hidden_size: int = 192
    intermediate_size: int = 512
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    max_position_embeddings: int = 1024


def build_tokenizer(vocab_size: int = VOCAB_SIZE):  # -> PreTrainedTokenizerFast
    """Train the byte-level BPE tokenizer on standard-library sources."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    bpe_trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[END_OF_TEXT, PADDING],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    text = source_text(TOKENIZER_CORPUS_BYTES)
    lines = text.splitlines()
    tokenizer.train_from_iterator(lines, trainer=bpe_trainer, length=len(lines))

    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=END_OF_TEXT,
        eos_token=END_OF_TEXT,
        pad_token=PADDING,
        unk_token=None,
        model_max_length=ModelShape().max_position_embeddings,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped


def build_model(tokenizer, shape: ModelShape = ModelShape(), seed: int = 0):  # -> LlamaForCausalLM
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden_size,
        intermediate_size=shape.intermediate_size,
        num_hidden_layers=shape.num_hidden_layers,
        num_attention_heads=shape.num_attention_heads,
        num_key_value_heads=shape.num_attention_heads,
        max_position_embeddings=shape.max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config)


def save_builtin_model(directory: Path, seed: int = 0) -> dict[str, object]:
    """Build the tokenizer and model into ``directory``; return metadata for the version."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import tokenizers
    import torch
    import transformers
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    tokenizer = build_tokenizer()
    model = build_model(tokenizer, seed=seed)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    parameters = sum(parameter.numel() for parameter in model.parameters())
    logger.info("built-in model saved to %s (%d parameters)", directory, parameters)
    return {
        "model": "built-in",
        "architecture": "LlamaForCausalLM",
        "parameters": parameters,
        "vocab_size": len(tokenizer),
        "seed": seed,
        "libraries": {"torch": torch.__version__, "transformers": transformers.__version__,
                      "tokenizers": tokenizers.__version__},
    }
