"""Input fields: what every item's payload of a project must carry, and the check bulk import runs on rows.

Payload types (a new type is one more entry in ``PAYLOAD_CHECKS``):

* ``text``: a string;
* ``url`` and ``image``: a string with a URL scheme (``https://...``, ``s3://...``, ``data:...``) or an
  absolute path (``/media/cat.png``);
* ``conversation``: a list of ``{"role": str, "content": str}`` messages (chat rules in ``assay.schema.llm``);
* ``responses``: a list of ``{"content": str}`` model responses to judge;
* ``json``: any JSON value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from assay.schema._base import Name
from assay.schema.llm import conversation_problems, response_problems

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+|/\S*")


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _url(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return (
        None
        if _URL.fullmatch(value)
        else "must be a URL (https://..., s3://..., data:...) or an absolute path"
    )


def _first(problems: list[tuple[str, str]]) -> str | None:
    # "[2].role: unknown role 'bot'": the import names the field messages[2].role (see item_rows).
    if not problems:
        return None
    path, problem = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{path}: {problem}{more}" if path else problem + more


def _conversation(value: Any) -> str | None:
    # Strict chat rules (roles, empty turns, tool calls) live with the chat question kinds.
    return _first(conversation_problems(value, field=""))


def _responses(value: Any) -> str | None:
    return _first(response_problems(value, field=""))


def _json(value: Any) -> str | None:
    return None


PAYLOAD_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "text": _text,
    "url": _url,
    "image": _url,
    "conversation": _conversation,
    "responses": _responses,
    "json": _json,
}
"""Input type -> check returning a problem (without the field name) or None."""


class InputField(BaseModel):
    """One payload field: its ``name``, ``type`` and whether every item must carry it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    type: str
    required: bool = True
    title: str | None = None
    description: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in PAYLOAD_CHECKS:
            raise PydanticCustomError(
                "unknown_input_type",
                "unknown input type '{type}'; supported types: {types}",
                {"type": value, "types": ", ".join(PAYLOAD_CHECKS)},
            )
        return value

    def problem(self, payload: dict[str, Any]) -> str | None:
        """What is wrong with this field in ``payload``, in plain words, or None."""
        value = payload.get(self.name)
        if value is None:
            return f"missing field '{self.name}'" if self.required else None
        problem = PAYLOAD_CHECKS[self.type](value)
        return f"field '{self.name}' {problem}" if problem else None
