"""Pieces every question kind shares: names, the value-checking context and the question base class."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from assay.schema.model import LabelSchema

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise PydanticCustomError(
            "invalid_name",
            "'{name}' is not a valid name: use up to 64 letters, digits and underscores, "
            "not starting with a digit",
            {"name": name},
        )
    return name


Name = Annotated[str, AfterValidator(_check_name)]
"""An identifier: question and input names end up as keys in annotation values and export columns."""


def is_int(value: Any) -> bool:
    """True for ints but not bools (``True`` is an ``int`` in Python, never a valid offset or rating)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def show(value: Any) -> str:
    """A value as it should appear inside a message: strings quoted, the rest as Python writes them."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class ValueContext:
    """What checking one annotation value needs: the item payload, answers checked so far and problems."""

    payload: dict[str, Any] | None
    answers: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    def problem(self, question: str, loc: tuple[str | int, ...], msg: str) -> None:
        """Record one problem; the message always starts with the question's name."""
        self.problems.append({"loc": [question, *loc], "msg": f"{question}: {msg}"})


class QuestionBase(BaseModel):
    """Fields and hooks shared by every question kind; subclasses add ``kind`` and their own settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    title: str | None = None
    description: str | None = None
    required: bool = True

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        """Check one answer (never ``None``), record problems in ``ctx`` and return its normal form."""
        raise NotImplementedError

    def check_references(self, schema: LabelSchema) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems with names this question refers to elsewhere in the schema, as (loc, msg) pairs."""
        return []

    def depends_on(self) -> tuple[str, ...]:
        """Questions whose answers must be checked before this one's (relations need their spans)."""
        return ()
