"""SDK fixtures: a Client that talks to the real app in-process, as the test organization's owner."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from assay.sdk import Client

BASE_URL = "http://testserver"


@pytest.fixture
def sdk(org, client: TestClient) -> Client:
    """The owner's SDK client over the shared in-process HTTP client (no backoff sleeps)."""
    return Client(BASE_URL, org.owner.token, http=client, backoff=0)


class FlakyTransport(httpx.BaseTransport):
    """Wraps a transport; ``fault(request, attempt)`` may return a response or exception to inject instead."""

    def __init__(self, inner: httpx.BaseTransport, fault: Callable[[httpx.Request, int], object]) -> None:
        self.inner, self.fault, self.calls = inner, fault, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        injected = self.fault(request, len(self.calls))
        if isinstance(injected, httpx.Response):
            return injected
        response = self.inner.handle_request(request)
        # Read the body here: the test client may hand back a stream that only it knows how to consume.
        body = response.read()
        if isinstance(injected, Exception):
            raise injected  # the server did the work, but the reply is "lost"
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)


@pytest.fixture
def flaky(app) -> Callable[..., tuple[httpx.Client, FlakyTransport]]:
    """Make an httpx client over the app whose transport injects faults."""
    made: list[httpx.Client] = []

    def make(fault: Callable[[httpx.Request, int], object]) -> tuple[httpx.Client, FlakyTransport]:
        inner = TestClient(app, base_url=BASE_URL)._transport
        transport = FlakyTransport(inner, fault)
        http = httpx.Client(transport=transport, base_url=BASE_URL)
        made.append(http)
        return http, transport

    yield make
    for http in made:
        http.close()
