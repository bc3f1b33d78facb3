"""Answers from a local Hugging Face causal language model (optional extra ``assay[local]``).

Nothing is downloaded: model and tokenizer load from a local folder with ``local_files_only=True``, and only
safetensors weights are read (a pickled ``pytorch_model.bin`` could run code when loaded). ``trust_remote_code``
is never set. The prompt is the tokenizer's chat template when it has one, otherwise the plain format

    System: <content>\\n\\nUser: <content>\\n\\nAssistant:

(one block per turn, roles capitalised, the model continues after the last ``Assistant:``).

Generation is greedy when ``temperature`` is unset or 0, and sampled otherwise; with a ``seed``, each batch seeds
torch's generator from the seed and a hash of the batch's prompts, so the same items in the same batches (same
settings, same ``batch_size``) get the same answers again. The model runs on the GPU when torch sees one
(``device`` overrides), else on the CPU. Conversations are generated ``batch_size`` at a time with left padding;
each answer of a batch gets the batch's time divided by its size as latency. A batch that raises is retried item
by item with the HTTP backend's backoff (``backoff * 2**(attempt-1)``) up to ``max_retries`` times; a prompt that
does not fit the model's context fails at once, without a call.
"""

from __future__ import annotations

import hashlib
import importlib.util
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from assay.backends.openai import BackendError, Completion
from assay.errors import InvalidInput

DEFAULT_MAX_NEW_TOKENS = 256
EXTRA = "the hf backend needs torch and transformers: pip install 'assay[local]'"

Conversation = Sequence[dict[str, Any]]


def missing_extra() -> str | None:
    """Why the hf backend cannot run here (torch or transformers not installed), or None."""
    if any(importlib.util.find_spec(name) is None for name in ("torch", "transformers")):
        return EXTRA
    return None


def _refuse(why: str) -> InvalidInput:
    return InvalidInput(why, details=[{"loc": ["model_path"], "msg": why}])


def check_model_path(path: str, *, roots: Iterable[str] = (), allow_any: bool = False) -> Path:
    """The resolved model folder for ``path``; InvalidInput unless it is a model folder the server may load.

    A relative path is looked up under each root in turn. Unless ``allow_any`` (dev mode, the local CLI), the
    resolved folder (symlinks followed) must lie inside one of ``roots`` (``ASSAY_LOCAL_MODEL_DIRS``).
    """
    bases = [Path(root).expanduser().resolve() for root in roots if root.strip()]
    given = Path(path).expanduser()
    candidates = [given] if given.is_absolute() else [base / given for base in bases] or [given]
    folder = next((c for c in candidates if c.is_dir()), candidates[0]).resolve()
    if not allow_any and not any(folder.is_relative_to(base) for base in bases):
        if not bases:
            raise _refuse(
                "this server loads no local models: its operator lists model folders in ASSAY_LOCAL_MODEL_DIRS"
            )
        raise _refuse(f"model path {path!r} is outside the folders listed in ASSAY_LOCAL_MODEL_DIRS")
    if not folder.is_dir():
        raise _refuse(f"model folder {path!r} does not exist on the server")
    if not (folder / "config.json").is_file():
        raise _refuse(f"model folder {path!r} holds no config.json: not a Hugging Face model folder")
    return folder


def plain_prompt(messages: Conversation) -> str:
    """The role-prefixed prompt used when the tokenizer has no chat template (see the module docstring)."""
    blocks = [
        f"{str(m.get('role', 'user')).capitalize()}: {m.get('content') or ''}".rstrip() for m in messages
    ]
    return "\n\n".join([*blocks, "Assistant:"])


class _PromptTooLong(Exception):
    pass


class LocalHF:
    """A causal language model and its tokenizer from a local folder, answering conversations in batches."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        temperature: float | None = None,
        max_new_tokens: int | None = None,
        seed: int | None = None,
        batch_size: int = 8,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        device: str | None = None,
    ) -> None:
        if (why := missing_extra()) is not None:
            raise InvalidInput(why)
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a server log or the CLI's progress bar, not tqdm's
        self.path = Path(model_path)
        self.temperature, self.seed, self.batch_size = temperature, seed, batch_size
        self.max_new_tokens = max_new_tokens or DEFAULT_MAX_NEW_TOKENS
        self.max_retries, self.backoff, self.max_backoff, self.sleep = (
            max_retries,
            backoff,
            max_backoff,
            sleep,
        )
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(
                str(self.path), local_files_only=True, use_safetensors=True
            )
        except Exception as error:  # missing files, an unknown architecture, corrupt weights
            raise InvalidInput(
                f"cannot load the model in {self.path}: {type(error).__name__}: {error}"
            ) from None
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        config = self.model.config
        self.context = getattr(config, "max_position_embeddings", None) or getattr(
            config, "n_positions", None
        )
        self._torch = torch

    def __repr__(self) -> str:
        return f"LocalHF(path={str(self.path)!r})"

    def close(self) -> None:
        """Drop the model so its memory can be freed."""
        self.__dict__.pop("model", None)

    def __enter__(self) -> LocalHF:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def prompt(self, messages: Conversation) -> str:
        """The text the model continues: its chat template, or the plain role-prefixed format."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                list(messages), add_generation_prompt=True, tokenize=False
            )
        return plain_prompt(messages)

    def _generate(self, prompts: list[str]) -> list[str]:
        torch = self._torch
        # A chat template writes its own BOS token; the plain format needs the tokenizer's.
        templated = bool(getattr(self.tokenizer, "chat_template", None))
        encoded = self.tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=not templated
        ).to(self.device)
        width = encoded["input_ids"].shape[1]
        if self.context and width + self.max_new_tokens > self.context:
            raise _PromptTooLong(
                f"the prompt is {width} tokens; with max_tokens={self.max_new_tokens} it exceeds the "
                f"model's context of {self.context} tokens"
            )
        options: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if self.temperature:
            options.update(do_sample=True, temperature=self.temperature)
            if self.seed is not None:
                digest = hashlib.sha256("\x00".join(prompts).encode()).digest()
                torch.manual_seed((self.seed + int.from_bytes(digest[:4], "big")) % 2**63)
        else:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            output = self.model.generate(**encoded, **options)
        return [
            text.strip() for text in self.tokenizer.batch_decode(output[:, width:], skip_special_tokens=True)
        ]

    def _one(self, prompt: str, tried: int = 0, last: str = "") -> Completion | BackendError:
        attempt = tried
        while True:
            if attempt:
                if attempt > self.max_retries:
                    return BackendError(f"{last} (after {attempt} attempts)", attempts=attempt)
                self.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))
            attempt += 1
            started = time.perf_counter()
            try:
                [content] = self._generate([prompt])
            except _PromptTooLong as error:
                return BackendError(str(error), attempts=0)
            except Exception as error:  # a local failure (out of memory, a kernel error) may pass on retry
                last = f"{type(error).__name__}: {error}"
                continue
            return Completion(content, (time.perf_counter() - started) * 1000, attempt)

    def complete_many(self, conversations: Sequence[Conversation]) -> list[Completion | BackendError]:
        """Answers to ``conversations`` in order, ``batch_size`` at a time; failures as BackendError values."""
        results: list[Completion | BackendError] = []
        for start in range(0, len(conversations), self.batch_size):
            batch = conversations[start : start + self.batch_size]
            try:
                prompts = [self.prompt(messages) for messages in batch]
            except Exception:  # one bad conversation must not sink the batch: template each alone
                results.extend(self._templated_one(messages) for messages in batch)
                continue
            started = time.perf_counter()
            try:
                contents = self._generate(prompts)
            except _PromptTooLong:  # nothing ran; each prompt goes alone, and only the long ones fail
                results.extend(self._one(prompt) for prompt in prompts)
                continue
            except Exception as error:  # the batch counts as every item's first attempt; retry one by one
                last = f"{type(error).__name__}: {error}"
                results.extend(self._one(prompt, 1, last) for prompt in prompts)
                continue
            latency = (time.perf_counter() - started) * 1000 / len(batch)
            results.extend(Completion(content, latency, 1) for content in contents)
        return results

    def _templated_one(self, messages: Conversation) -> Completion | BackendError:
        try:
            prompt = self.prompt(messages)
        except Exception as error:
            return BackendError(f"the chat template refused the conversation: {error}", attempts=0)
        return self._one(prompt)

    def complete(self, messages: Conversation) -> Completion:
        """The model's reply to one conversation; BackendError after the last failed attempt."""
        [result] = self.complete_many([messages])
        if isinstance(result, BackendError):
            raise result
        return result
