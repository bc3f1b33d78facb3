"""The SDK's HTTP layer: URLs under /api/v1, the bearer token, retries with backoff, error mapping."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from assay import __version__
from assay.sdk._errors import ConnectionFailed, error_from_response

RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MASK = "**********"


class Http:
    """Sends requests for a Client; retries idempotent ones on connection errors and 502/503/504."""

    def __init__(
        self, url: str, token: str | None, *, http: httpx.Client | None, timeout: float, retries: int,
        backoff: float,
    ) -> None:
        url = url.rstrip("/")
        self.base_url = url.removesuffix("/api/v1")
        self.token = token
        self.owns_http = http is None
        self.http = http if http is not None else httpx.Client(timeout=timeout)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as ``/projects``."""
        return f"{self.base_url}/api/v1{path}"

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Headers for every request: the token and a User-Agent."""
        headers = {"User-Agent": f"assay-sdk/{__version__}", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    def _pause(self, attempt: int) -> None:
        # Exponential backoff with full jitter, so many clients retrying don't arrive in step.
        if self.backoff > 0:
            time.sleep(random.uniform(0, self.backoff * 2**attempt))

    def _send(self, request: httpx.Request, *, retry: bool, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.http.send(request, stream=stream)
            except httpx.TransportError as exc:
                # A refused connection never reached the server, so even a non-idempotent call may retry.
                if attempt < self.retries and (retry or isinstance(exc, httpx.ConnectError)):
                    self._pause(attempt)
                    attempt += 1
                    continue
                raise ConnectionFailed(f"cannot reach {self.base_url}: {exc or type(exc).__name__}",
                                       status=0, code="connection_failed") from exc
            if retry and response.status_code in RETRY_STATUSES and attempt < self.retries:
                response.close()
                self._pause(attempt)
                attempt += 1
                continue
            if response.is_error:
                if stream:
                    response.read()
                    response.close()
                raise error_from_response(response)
            return response

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None, content: Any = None, retry: bool | None = None,
    ) -> httpx.Response:
        """Send a request and return the (successful) response; raises an ApiError otherwise."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        request = self.http.build_request(method, self.url(path), json=json, params=params, content=content,
                                          headers=self.headers(headers), timeout=self.timeout)
        retry = method in IDEMPOTENT_METHODS if retry is None else retry
        return self._send(request, retry=retry, stream=False)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and decode its JSON body (None for 204)."""
        response = self.request(method, path, **kwargs)
        return None if response.status_code == 204 or not response.content else response.json()

    @contextmanager
    def stream(self, path: str, *, params: dict[str, Any] | None = None) -> Iterator[httpx.Response]:
        """GET a streamed response (retried until its headers arrive); closed on exit."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        request = self.http.build_request("GET", self.url(path), params=params, headers=self.headers(),
                                          timeout=self.timeout)
        response = self._send(request, retry=True, stream=True)
        try:
            yield response
        finally:
            response.close()

    def close(self) -> None:
        """Close the connection pool, unless the caller passed in their own client."""
        if self.owns_http:
            self.http.close()
