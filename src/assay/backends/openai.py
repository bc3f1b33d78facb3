"""A chat-completion client for any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI).

``complete(messages)`` posts to ``{base_url}/chat/completions`` and retries what may pass (timeouts,
connection errors, 408/409/425/429 and 5xx answers, and garbage bodies) with exponential backoff
(``backoff * 2**(attempt-1)``, plus a Retry-After a server sends, capped at ``max_backoff``); other 4xx
answers fail at once. Redirects are not followed (see ``assay.backends.guard``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_ERROR_TEXT = 300


@dataclass(frozen=True, slots=True)
class Completion:
    """A model's answer: its text, how long the successful call took, and how many calls it needed."""

    content: str
    latency_ms: float
    attempts: int


class BackendError(Exception):
    """The backend gave no usable answer after every attempt; ``attempts`` says how many were made."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.message, self.attempts = message, attempts


class _Retry(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.message, self.wait = message, wait


def chat_url(base_url: str) -> str:
    """``{base}/chat/completions``; a base URL without a path gets OpenAI's ``/v1`` prefix."""
    base = base_url.rstrip("/")
    if urlsplit(base).path in ("", "/"):
        base += "/v1"
    return base + "/chat/completions"


class OpenAICompatible:
    """Chat completions over HTTP with timeouts, retries and exponential backoff."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url, self.model = chat_url(base_url), model
        self.temperature, self.max_tokens = temperature, max_tokens
        self.max_retries, self.backoff, self.max_backoff, self.sleep = (
            max_retries,
            backoff,
            max_backoff,
            sleep,
        )
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            timeout=timeout, headers=headers, follow_redirects=False, transport=transport, trust_env=False
        )

    def __repr__(self) -> str:
        return f"OpenAICompatible(url={self.url!r}, model={self.model!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> OpenAICompatible:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _body(self, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        return body

    def _once(self, body: dict[str, Any]) -> str:
        try:
            response = self._http.post(self.url, json=body)
        except httpx.TimeoutException:
            raise _Retry("timed out") from None
        except httpx.TransportError as error:
            raise _Retry(f"connection failed: {type(error).__name__}") from None
        if response.status_code in RETRYABLE_STATUS:
            wait = _retry_after(response)
            raise _Retry(f"HTTP {response.status_code}: {response.text[:MAX_ERROR_TEXT]}", wait)
        if response.status_code >= 300:
            raise BackendError(f"HTTP {response.status_code}: {response.text[:MAX_ERROR_TEXT]}", attempts=0)
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Retry(f"unreadable answer: {response.text[:MAX_ERROR_TEXT]!r}") from None
        if not isinstance(content, str):
            raise _Retry(f"answer has no text content: {response.text[:MAX_ERROR_TEXT]!r}")
        return content

    def complete(self, messages: Sequence[dict[str, Any]]) -> Completion:
        """The model's reply to ``messages``; BackendError after the last failed attempt."""
        body = self._body(messages)
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                content = self._once(body)
            except BackendError as error:
                raise BackendError(error.message, attempts=attempt) from None
            except _Retry as error:
                if attempt > self.max_retries:
                    raise BackendError(
                        f"{error.message} (after {attempt} attempts)", attempts=attempt
                    ) from None
                delay = self.backoff * 2 ** (attempt - 1)
                if error.wait is not None:
                    delay = max(delay, error.wait)
                self.sleep(min(delay, self.max_backoff))
                continue
            return Completion(content, (time.perf_counter() - started) * 1000, attempt)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
