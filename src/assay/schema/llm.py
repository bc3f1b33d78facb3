"""Chat conversations and the questions asked about model responses (pure: no I/O).

Payloads follow the common messages format::

    {"messages": [{"role": "system" | "user" | "assistant" | "tool", "content": "..."}, ...],
     "responses": [{"content": "..."}, ...]}           # optional: model answers to judge

Question kinds (value forms in each class docstring): ``demonstration`` (SFT: write or edit the ideal
response), ``response_ranking`` (order n responses), ``rubric`` (1..7 per criterion with comments),
``safety_flags`` (red-teaming categories, severity, note). The A/B preference is ``pairwise``
(:class:`assay.schema.scales.Pairwise`, with ``allow_both_bad``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from assay.schema._base import Name, QuestionBase, ValueContext, is_int, show
from assay.schema.options import ChoiceOptions, values_text

ROLES = ("system", "user", "assistant", "tool")
MESSAGE_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id"}
SEVERITIES = ("low", "medium", "high", "critical")
DEFAULT_CRITERIA = ("helpfulness", "honesty", "harmlessness")
DEFAULT_SAFETY_CATEGORIES = (
    "violence",
    "self_harm",
    "sexual",
    "hate",
    "harassment",
    "illegal",
    "privacy",
    "misinformation",
    "jailbreak",
)


def _tool_call_problems(calls: Any, where: str) -> list[tuple[str, str]]:
    if not isinstance(calls, list) or not calls:
        return [(f"{where}.tool_calls", "must be a non-empty list of tool calls")]
    problems: list[tuple[str, str]] = []
    for index, call in enumerate(calls):
        at = f"{where}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(function, dict)
            or not isinstance(function.get("name"), str)
            or not function["name"]
        ):
            problems.append((f"{at}.function.name", "a tool call needs function.name (a non-empty string)"))
            continue
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str | dict):
            problems.append((f"{at}.function.arguments", "must be a JSON string or an object"))
        if "id" in call and not isinstance(call["id"], str):
            problems.append((f"{at}.id", "must be a string"))
    return problems


def conversation_problems(messages: Any, *, field: str = "messages") -> list[tuple[str, str]]:
    """Every problem of a conversation as ``(path, problem)``, e.g. ``("messages[2].role", "unknown role")``.

    Rules: a non-empty list; each turn an object with a known ``role`` and a non-blank string ``content``,
    except that an assistant turn carrying ``tool_calls`` may have empty or null content; a ``tool`` turn
    may name the call it answers in ``tool_call_id``.
    """
    if not isinstance(messages, list):
        return [(field, "must be a list of messages with 'role' and 'content'")]
    if not messages:
        return [(field, "a conversation needs at least one message")]
    problems: list[tuple[str, str]] = []
    for index, message in enumerate(messages):
        where = f"{field}[{index}]"
        if not isinstance(message, dict):
            problems.append(
                (where, f"a message must be an object with 'role' and 'content', got {show(message)}")
            )
            continue
        for key in sorted(set(message) - MESSAGE_KEYS):
            problems.append((f"{where}.{key}", f"unknown message field {show(key)}"))
        role = message.get("role")
        if role not in ROLES:
            problems.append((f"{where}.role", f"unknown role {show(role)}; roles: {', '.join(ROLES)}"))
        content = message.get("content")
        has_calls = "tool_calls" in message and message["tool_calls"] is not None
        if has_calls:
            if role != "assistant":
                problems.append((f"{where}.tool_calls", "only assistant turns may carry tool calls"))
            problems.extend(_tool_call_problems(message["tool_calls"], where))
        if content is None and has_calls:
            pass
        elif not isinstance(content, str):
            problems.append((f"{where}.content", f"must be a string, got {show(content)}"))
        elif not content.strip() and not has_calls:
            problems.append((f"{where}.content", "empty turn: content must not be blank"))
        if "tool_call_id" in message and not isinstance(message["tool_call_id"], str):
            problems.append((f"{where}.tool_call_id", "must be a string"))
        if "name" in message and not isinstance(message["name"], str):
            problems.append((f"{where}.name", "must be a string"))
    return problems


def response_problems(responses: Any, *, field: str = "responses") -> list[tuple[str, str]]:
    """Problems of a payload's list of responses to judge (each ``{"content": str}``)."""
    if not isinstance(responses, list) or not responses:
        return [(field, "must be a non-empty list of {'content': ...} objects")]
    problems = []
    for index, response in enumerate(responses):
        if not isinstance(response, dict) or not isinstance(response.get("content"), str):
            problems.append((f"{field}[{index}].content", "each response needs a string 'content'"))
    return problems


def _responses_in(ctx: ValueContext, source: str) -> list[Any] | None:
    if ctx.payload is None:
        return None
    responses = ctx.payload.get(source)
    return responses if isinstance(responses, list) else None


class Demonstration(QuestionBase):
    """Write (or edit) the ideal assistant response: the SFT demonstration.

    Value: ``{"content": str, "edited_from": int | None}`` (a plain string is accepted); ``edited_from`` is
    the index of the payload response the annotator started from. With ``prefill`` (the default) the
    workspace fills the editor with the item's first response, ``payload[source][0]``, when there is one.
    """

    kind: Literal["demonstration"] = "demonstration"
    source: Name = "responses"
    prefill: bool = True
    min_length: int = Field(default=1, ge=1)
    max_length: int = Field(default=100_000, ge=1)

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if isinstance(value, str):
            value = {"content": value}
        if not isinstance(value, dict):
            ctx.problem(self.name, (), f"must be text or {{'content': ...}}, got {show(value)}")
            return value
        for key in sorted(set(value) - {"content", "edited_from"}):
            ctx.problem(self.name, (key,), f"unknown field {show(key)}")
        content, edited_from = value.get("content"), value.get("edited_from")
        if not isinstance(content, str) or len(content.strip()) < self.min_length:
            ctx.problem(self.name, ("content",), "the demonstration must not be empty")
        elif len(content) > self.max_length:
            ctx.problem(self.name, ("content",), f"at most {self.max_length} characters, got {len(content)}")
        if edited_from is not None:
            responses = _responses_in(ctx, self.source)
            if not is_int(edited_from) or edited_from < 0:
                ctx.problem(self.name, ("edited_from",), f"must be a response index, got {show(edited_from)}")
            elif responses is not None and edited_from >= len(responses):
                ctx.problem(self.name, ("edited_from",), f"no response {edited_from} in '{self.source}'")
        return {"content": content, "edited_from": edited_from}


class ResponseRanking(QuestionBase):
    """Order the item's n responses, best first.

    Value: a permutation of response indices, e.g. ``[2, 0, 1]`` means response 2 is best. With a
    payload, every index ``0..n-1`` of ``payload[source]`` must appear exactly once.
    """

    kind: Literal["response_ranking"] = "response_ranking"
    source: Name = "responses"

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, list) or not value:
            ctx.problem(self.name, (), f"must be a list of response indices, best first, got {show(value)}")
            return value
        responses = _responses_in(ctx, self.source)
        seen: set[int] = set()
        for index, entry in enumerate(value):
            if not is_int(entry) or entry < 0:
                ctx.problem(self.name, (index,), f"{show(entry)} is not a response index")
            elif responses is not None and entry >= len(responses):
                ctx.problem(self.name, (index,), f"there is no response {entry} ({len(responses)} responses)")
            elif entry in seen:
                ctx.problem(self.name, (index,), f"response {entry} is ranked twice")
            else:
                seen.add(entry)
        if responses is not None:
            missing = [str(i) for i in range(len(responses)) if i not in seen]
            if missing:
                ctx.problem(self.name, (), f"every response must be ranked; missing {', '.join(missing)}")
        return value


class Criterion(BaseModel):
    """One rubric criterion: its ``name`` (key in the value), shown ``title`` and ``description``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    title: str | None = None
    description: str | None = None


def _criteria(raw: Any) -> Any:
    if isinstance(raw, list):
        return [{"name": entry} if isinstance(entry, str) else entry for entry in raw]
    return raw


class Rubric(QuestionBase):
    """Rate a response on several criteria, each on ``min..max`` (default 1..7), with optional comments.

    Value: ``{criterion: {"score": int, "comment": str | None}}``; a bare number is accepted as the score.
    Every criterion must be scored.
    """

    kind: Literal["rubric"] = "rubric"
    criteria: list[Criterion] = Field(default_factory=lambda: [Criterion(name=n) for n in DEFAULT_CRITERIA])
    min: int = 1
    max: int = 7

    @model_validator(mode="before")
    @classmethod
    def _plain_criteria(cls, data: Any) -> Any:
        if isinstance(data, dict) and "criteria" in data:
            return {**data, "criteria": _criteria(data["criteria"])}
        return data

    @model_validator(mode="after")
    def _sane(self) -> Rubric:
        if not self.criteria:
            raise PydanticCustomError("no_criteria", "a rubric needs at least one criterion")
        names = [criterion.name for criterion in self.criteria]
        if len(set(names)) != len(names):
            raise PydanticCustomError("duplicate_criterion", "criterion names must be unique")
        if self.max <= self.min:
            raise PydanticCustomError("max_not_above_min", "max must be greater than min")
        return self

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, dict):
            ctx.problem(self.name, (), f"must map each criterion to a score, got {show(value)}")
            return value
        known = {criterion.name for criterion in self.criteria}
        for key in sorted(set(value) - known):
            ctx.problem(
                self.name, (key,), f"unknown criterion {show(key)}; criteria: {', '.join(sorted(known))}"
            )
        out: dict[str, Any] = {}
        for criterion in self.criteria:
            entry = value.get(criterion.name)
            if is_int(entry):
                entry = {"score": entry}
            if entry is None:
                ctx.problem(self.name, (criterion.name,), f"{criterion.name} needs a score")
                continue
            if not isinstance(entry, dict):
                ctx.problem(
                    self.name,
                    (criterion.name,),
                    f"must be a score or {{'score', 'comment'}}, got {show(entry)}",
                )
                continue
            for key in sorted(set(entry) - {"score", "comment"}):
                ctx.problem(self.name, (criterion.name, key), f"unknown field {show(key)}")
            score, comment = entry.get("score"), entry.get("comment")
            if not is_int(score) or not self.min <= score <= self.max:
                ctx.problem(
                    self.name,
                    (criterion.name, "score"),
                    f"{criterion.name} score must be a whole number {self.min}..{self.max}, got {show(score)}",
                )
            if comment is not None and not isinstance(comment, str):
                ctx.problem(self.name, (criterion.name, "comment"), "comment must be text")
            out[criterion.name] = {"score": score, "comment": comment or None}
        return out


class SafetyFlags(QuestionBase):
    """Red-teaming: flag harmful content by category, with a severity and a note.

    Value: ``{"flags": [category, ...], "severity": "low"|"medium"|"high"|"critical"|None, "note": str|None}``.
    No flags means safe (severity must then be empty); any flag needs a severity.
    """

    kind: Literal["safety_flags"] = "safety_flags"
    categories: ChoiceOptions = Field(
        default_factory=lambda: list(DEFAULT_SAFETY_CATEGORIES),
        validate_default=True,  # type: ignore[arg-type]
    )

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, dict):
            ctx.problem(self.name, (), f"must be {{'flags', 'severity', 'note'}}, got {show(value)}")
            return value
        for key in sorted(set(value) - {"flags", "severity", "note"}):
            ctx.problem(self.name, (key,), f"unknown field {show(key)}")
        flags, severity, note = value.get("flags") or [], value.get("severity"), value.get("note")
        order = {option.value: index for index, option in enumerate(self.categories)}
        if not isinstance(flags, list):
            ctx.problem(self.name, ("flags",), f"must be a list of categories, got {show(flags)}")
            flags = []
        for index, flag in enumerate(flags):
            if flag not in order:
                ctx.problem(
                    self.name, ("flags", index), f"{show(flag)} is not one of {values_text(self.categories)}"
                )
        if severity is not None and severity not in SEVERITIES:
            ctx.problem(self.name, ("severity",), f"{show(severity)} is not one of {', '.join(SEVERITIES)}")
        if flags and severity is None:
            ctx.problem(self.name, ("severity",), "flagged content needs a severity")
        if not flags and severity is not None:
            ctx.problem(self.name, ("severity",), "a severity needs at least one flag")
        if note is not None and not isinstance(note, str):
            ctx.problem(self.name, ("note",), "note must be text")
        unique = sorted({f for f in flags if f in order}, key=order.__getitem__)
        return {"flags": unique, "severity": severity, "note": note or None}


LLM_QUESTION_TYPES: tuple[type[QuestionBase], ...] = (Demonstration, ResponseRanking, Rubric, SafetyFlags)


def prompt_turns(payload: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The conversation a model should answer: the item's messages without trailing assistant turns.

    Items without ``messages`` but with a ``prompt`` (or ``text``) string become one user turn; None when
    the payload holds no prompt at all.
    """
    messages = payload.get("messages")
    if isinstance(messages, list):
        turns = [dict(m) for m in messages if isinstance(m, dict)]
        while turns and turns[-1].get("role") == "assistant" and not turns[-1].get("tool_calls"):
            turns.pop()
        return turns or None
    for key in ("prompt", "text"):
        if isinstance(payload.get(key), str) and payload[key].strip():
            return [{"role": "user", "content": payload[key]}]
    return None
