"""Tiny random-weight models built on the fly (no hub here) for architecture coverage. Their text is
noise: tests compare engine paths with each other, never with expected words."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "special_tokens_map.json",
)


def tiny_model(dest: Path, arch: str, tokenizer_from: Path, max_positions: int = 512) -> Path:
    """Save a 2-layer random `arch` ("llama" | "qwen2") model with the SmolLM2 tokenizer into dest."""
    from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

    common = {
        "vocab_size": 49152,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": max_positions,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": 2,
        "tie_word_embeddings": True,
    }
    config = Qwen2Config(**common, use_sliding_window=False) if arch == "qwen2" else LlamaConfig(**common)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():  # larger logits than the default init, so greedy choices are not near-ties
        model.lm_head.weight.mul_(20)
    model.save_pretrained(str(dest))
    for name in TOKENIZER_FILES:
        if (tokenizer_from / name).is_file():
            shutil.copy(tokenizer_from / name, dest / name)
    return dest
