"""The local Hugging Face backend on a tiny random GPT-2 built offline: templates, batching, seeds, retries."""

from __future__ import annotations

import pytest

from assay.backends import BackendError, LocalHF
from assay.errors import InvalidInput

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.jobs.tiny_hf import CONTEXT, build_tiny_model  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A model folder with a chat template."""
    return build_tiny_model(tmp_path_factory.mktemp("hf") / "tiny-gpt2")


def _ask(*prompts: str) -> list[list[dict]]:
    return [[{"role": "system", "content": "sys"}, {"role": "user", "content": p}] for p in prompts]


def test_answers_in_batches_with_the_chat_template(tiny):
    model = LocalHF(tiny, max_new_tokens=6, batch_size=2)
    assert model.prompt(_ask("hello")[0]) == "<|system|> sys <|user|> hello <|assistant|>"
    answers = model.complete_many(_ask("hello", "one two", "p1", "three"))
    assert len(answers) == 4 and all(a.attempts == 1 and isinstance(a.content, str) for a in answers)
    assert all(len(a.content.split()) <= 6 for a in answers)
    # greedy decoding: the same answers again, alone or batched
    assert model.complete(_ask("one two")[0]).content == answers[1].content


def test_without_a_chat_template_the_plain_role_format_is_used(tmp_path):
    model = LocalHF(build_tiny_model(tmp_path / "plain", chat_template=False), max_new_tokens=3)
    assert model.prompt(_ask("hello")[0]) == "System: sys\n\nUser: hello\n\nAssistant:"
    assert model.complete(_ask("hello")[0]).attempts == 1


def test_sampling_is_reproducible_with_a_seed(tiny):
    prompts = _ask("hello", "p2", "one")

    def sample(seed: int) -> list[str]:
        model = LocalHF(tiny, max_new_tokens=12, temperature=1.0, seed=seed, batch_size=3)
        return [a.content for a in model.complete_many(prompts)]

    assert sample(7) == sample(7)
    assert sample(7) != sample(8)


def test_a_failing_batch_is_retried_item_by_item_with_backoff(tiny):
    sleeps: list[float] = []
    model = LocalHF(tiny, max_new_tokens=4, batch_size=3, max_retries=2, backoff=0.5, sleep=sleeps.append)
    real, calls = model.model.generate, []

    def flaky(**kwargs):
        calls.append(kwargs["input_ids"].shape[0])
        if len(calls) <= 2:  # the batch and the first item's retry fail
            raise RuntimeError("out of memory")
        return real(**kwargs)

    model.model.generate = flaky
    answers = model.complete_many(_ask("a", "b", "c"))
    assert calls[:2] == [3, 1] and [a.attempts for a in answers] == [3, 2, 2]
    assert sleeps == [0.5, 1.0, 0.5, 0.5]

    model.model.generate = lambda **kwargs: (_ for _ in ()).throw(RuntimeError("device lost"))
    with pytest.raises(BackendError) as caught:
        model.complete(_ask("a")[0])
    assert (
        caught.value.attempts == 3 and "RuntimeError: device lost (after 3 attempts)" in caught.value.message
    )


def test_a_prompt_longer_than_the_context_fails_alone_without_a_call(tiny):
    model = LocalHF(tiny, max_new_tokens=8, batch_size=4, sleep=lambda _s: None)
    long = " ".join(["hello"] * CONTEXT)
    short, too_long = model.complete_many(_ask("hello", long))
    assert short.attempts == 1 and isinstance(too_long, BackendError) and too_long.attempts == 0
    assert "exceeds the model's context of 64 tokens" in too_long.message


def test_folders_that_hold_no_loadable_model_are_refused(tmp_path, tiny):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(InvalidInput, match="cannot load the model"):
        LocalHF(tmp_path / "broken")


def test_without_the_extra_a_clear_error(monkeypatch, tiny):
    monkeypatch.setattr("assay.backends.hf.missing_extra", lambda: "needs assay[local]")
    with pytest.raises(InvalidInput, match=r"assay\[local\]"):
        LocalHF(tiny)


def test_a_conversation_the_chat_template_refuses_fails_alone(tiny):
    model = LocalHF(tiny, max_new_tokens=3, batch_size=4)
    model.tokenizer.chat_template = (
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system turns') }}{% endif %}"
        "{% for m in messages %}{{ m['content'] }} {% endfor %}"
    )
    plain, refused = model.complete_many([[{"role": "user", "content": "hello"}], _ask("hello")[0]])
    assert plain.attempts == 1 and isinstance(refused, BackendError) and refused.attempts == 0
    assert "the chat template refused the conversation: no system turns" in refused.message
