"""Options of choice questions and labels of span and relation questions, with default hotkeys.

Options may be written as plain strings or as ``{value, label, hotkey}`` objects; both become
:class:`Option` objects whose ``label`` defaults to the value. Hotkeys the schema leaves out are filled in,
in order, skipping keys already taken explicitly in the same question:

* choice and ranking options get the number keys ``"1"`` .. ``"9"`` (options past the ninth get none);
* span labels get the letters ``"a"`` .. ``"z"``, so they never clash with the number keys of a choice
  question shown beside them in the text workspace;
* relation labels get none (they are picked from a menu after two spans are selected).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

DIGIT_HOTKEYS = tuple("123456789")
LETTER_HOTKEYS = tuple(string.ascii_lowercase)


class Option(BaseModel):
    """One answer a question offers: the stored ``value``, the ``label`` shown, its ``hotkey``, and an
    optional display ``color`` (CSS colour, used for span highlights)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(min_length=1)
    label: str
    hotkey: str | None = Field(default=None, min_length=1, max_length=20)
    color: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _label_defaults_to_value(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("label") is None and "value" in data:
            return {**data, "label": data["value"]}
        return data


def _objects(raw: Any) -> Any:
    """Turn plain strings (and numbers, which YAML makes of ``1``) into ``{"value": ...}`` objects."""
    if not isinstance(raw, list):
        return raw
    out: list[Any] = []
    for item in raw:
        if isinstance(item, bool):
            raise PydanticCustomError(
                "option_bool",
                "option {value} is a boolean; quote it (YAML reads yes/no/on/off as true/false)",
                {"value": str(item).lower()},
            )
        if isinstance(item, str | int | float):
            out.append({"value": str(item)})
        else:
            out.append(item)
    return out


def _unique(options: list[Option]) -> list[Option]:
    if not options:
        raise PydanticCustomError("no_options", "must list at least one option")
    seen: set[str] = set()
    keys: set[str] = set()
    for option in options:
        if option.value in seen:
            raise PydanticCustomError(
                "duplicate_option", "duplicate option '{value}'", {"value": option.value}
            )
        seen.add(option.value)
        if option.hotkey is not None:
            if option.hotkey in keys:
                raise PydanticCustomError(
                    "duplicate_hotkey", "hotkey '{key}' is used twice", {"key": option.hotkey}
                )
            keys.add(option.hotkey)
    return options


def with_default_hotkeys(options: Sequence[Option], keys: Sequence[str]) -> list[Option]:
    """Give options without a hotkey the next free key from ``keys``, in order."""
    taken = {option.hotkey for option in options if option.hotkey is not None}
    free = iter(key for key in keys if key not in taken)
    out: list[Option] = []
    for option in options:
        if option.hotkey is None:
            key = next(free, None)
            option = option.model_copy(update={"hotkey": key}) if key is not None else option
        out.append(option)
    return out


def _hotkeys(keys: Sequence[str]) -> Callable[[list[Option]], list[Option]]:
    return lambda options: with_default_hotkeys(options, keys)


ChoiceOptions = Annotated[
    list[Option], BeforeValidator(_objects), AfterValidator(_unique), AfterValidator(_hotkeys(DIGIT_HOTKEYS))
]
"""Options of single/multi choice and ranking questions; hotkeys default to "1".."9"."""

SpanLabels = Annotated[
    list[Option], BeforeValidator(_objects), AfterValidator(_unique), AfterValidator(_hotkeys(LETTER_HOTKEYS))
]
"""Labels of a spans question; hotkeys default to "a".."z"."""

RelationLabels = Annotated[list[Option], BeforeValidator(_objects), AfterValidator(_unique)]
"""Labels of a relations question; no default hotkeys."""


def values_text(options: Sequence[Option]) -> str:
    """``positive, negative, neutral`` — the allowed values as they appear in messages."""
    return ", ".join(option.value for option in options)
