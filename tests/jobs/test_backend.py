"""The OpenAI-compatible backend client: retries with backoff, timeouts, garbage, and the URL guard."""

from __future__ import annotations

import pytest

from assay.backends import BackendError, OpenAICompatible, chat_url, check_backend_url
from assay.errors import InvalidInput
from tests.jobs.fake_openai import FakeOpenAI, SocketServer


def _client(fake: FakeOpenAI, sleeps: list[float], **kwargs) -> OpenAICompatible:
    return OpenAICompatible(
        "http://backend.test/v1", "m1", transport=fake.transport(), sleep=sleeps.append, **kwargs
    )


def test_answers_and_sends_model_and_key():
    fake = FakeOpenAI()
    client = OpenAICompatible(
        "http://backend.test/v1",
        "m1",
        api_key="sk-test",
        temperature=0.2,
        max_tokens=9,
        transport=fake.transport(),
    )
    done = client.complete([{"role": "user", "content": "hello"}])
    assert done.content == "echo: hello" and done.attempts == 1 and done.latency_ms >= 0
    body = fake.calls[0]["body"]
    assert body["model"] == "m1" and body["temperature"] == 0.2 and body["max_tokens"] == 9
    assert fake.calls[0]["authorization"] == "Bearer sk-test"
    assert "sk-test" not in repr(client)


def test_retries_server_errors_with_exponential_backoff():
    fake, sleeps = FakeOpenAI(), []
    done = _client(fake, sleeps, max_retries=3, backoff=0.5).complete(
        [{"role": "user", "content": "[500x2] hi"}]
    )
    assert done.attempts == 3 and done.content.startswith("echo")
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("prompt", "needle"),
    [("[always500]", "HTTP 500"), ("[garbage]", "unreadable"), ("[timeout]", "timed out")],
)
def test_gives_up_after_retries(prompt, needle):
    fake, sleeps = FakeOpenAI(), []
    with pytest.raises(BackendError) as caught:
        _client(fake, sleeps, max_retries=2, backoff=0.1).complete([{"role": "user", "content": prompt}])
    assert caught.value.attempts == 3 and needle in caught.value.message
    assert sleeps == [0.1, 0.2]


def test_client_errors_are_not_retried():
    fake, sleeps = FakeOpenAI(), []
    with pytest.raises(BackendError) as caught:
        _client(fake, sleeps).complete([{"role": "user", "content": "[400]"}])
    assert caught.value.attempts == 1 and "HTTP 400" in caught.value.message and sleeps == []


def test_over_a_real_socket_with_a_real_timeout():
    fake = FakeOpenAI(slow_seconds=1.0)
    with SocketServer(fake) as base_url:
        client = OpenAICompatible(base_url, "m1", timeout=0.3, max_retries=1, backoff=0.01)
        assert client.complete([{"role": "user", "content": "over tcp"}]).content == "echo: over tcp"
        with pytest.raises(BackendError, match="timed out"):
            client.complete([{"role": "user", "content": "[timeout]"}])
        client.close()


def test_chat_url():
    assert chat_url("http://h:8000") == "http://h:8000/v1/chat/completions"
    assert chat_url("http://h:11434/v1/") == "http://h:11434/v1/chat/completions"
    assert (
        chat_url("https://api.example.com/openai/v1") == "https://api.example.com/openai/v1/chat/completions"
    )


def _resolver(mapping):
    return lambda host, port: mapping[host]


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://metadata.test/v1", "169.254.169.254"),
        ("http://internal.test/v1", "10.1.2.3"),
        ("http://internal.test/v1", "192.168.0.7"),
        ("http://internal.test/v1", "fd00::1"),
        ("http://internal.test/v1", "::ffff:10.0.0.1"),
        ("http://internal.test/v1", "0.0.0.0"),
        ("http://local.test/v1", "127.0.0.1"),
    ],
)
def test_guard_refuses_non_public_addresses(url, address):
    host = url.split("/")[2]
    with pytest.raises(InvalidInput) as caught:
        check_backend_url(url, resolve=_resolver({host: [address]}))
    assert caught.value.details[0]["loc"] == ["base_url"]


def test_guard_allows_public_operator_listed_and_loopback_when_enabled():
    check_backend_url("https://api.test/v1", resolve=_resolver({"api.test": ["93.184.216.34"]}))
    internal = _resolver({"vllm.internal": ["10.0.0.5"], "localhost": ["127.0.0.1", "::1"]})
    check_backend_url("http://vllm.internal:8000/v1", allow_hosts=["vllm.internal:8000"], resolve=internal)
    check_backend_url("http://vllm.internal/v1", allow_hosts=["VLLM.internal"], resolve=internal)
    with pytest.raises(InvalidInput):
        check_backend_url(
            "http://vllm.internal:9000/v1", allow_hosts=["vllm.internal:8000"], resolve=internal
        )
    check_backend_url("http://localhost:11434/v1", allow_loopback=True, resolve=internal)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://x.test/", "http://user:pw@api.test/v1", "http:///v1"]
)
def test_guard_refuses_bad_urls(url):
    with pytest.raises(InvalidInput):
        check_backend_url(url, resolve=lambda host, port: ["93.184.216.34"])
