"""A tiny random GPT-2 and a word-level tokenizer, built offline and saved as a Hugging Face model folder."""

from __future__ import annotations

from pathlib import Path

SPECIAL = ["<pad>", "<eos>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]
WORDS = [
    *("hello", "world", "the", "a", "model", "answer", "one", "two", "three", "first", "second", "third"),
    *("sys", "p0", "p1", "p2", "p3", "p4", "p5", "yes", "no", "."),
]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
CONTEXT = 64  # positions: a prompt of more than CONTEXT - max_tokens words does not fit


def build_tiny_model(folder: Path, *, chat_template: bool = True, seed: int = 0) -> Path:
    """Save a 1-layer GPT-2 (16-dim) with a tokenizer over a few dozen words into ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    vocab = {word: index for index, word in enumerate(SPECIAL + WORDS)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.decoder = decoders.WordPiece()  # joins words with spaces
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        additional_special_tokens=SPECIAL[3:],
    )
    if chat_template:
        fast.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=len(vocab),
        n_positions=CONTEXT,
        n_embd=16,
        n_layer=1,
        n_head=2,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
    )
    folder.mkdir(parents=True, exist_ok=True)
    GPT2LMHeadModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
