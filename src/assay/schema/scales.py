"""Questions answered on a scale: a numeric rating and an A/B pairwise preference."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PlainSerializer, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from assay.schema._base import QuestionBase, ValueContext, is_int, is_number, show

_EPSILON = 1e-9


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


# One float type rather than ``int | float``: a bad bound then gives one error, not one per union member.
Number = Annotated[float, AfterValidator(_plain), PlainSerializer(_plain)]


class Rating(QuestionBase):
    """A number in ``[min, max]`` on a grid of ``step`` from ``min``.

    Value: a number, e.g. ``4``. With whole ``min`` and ``step`` (the default ``step`` is 1) only whole
    numbers are accepted and returned as ``int`` (``4.0`` becomes ``4``); ``step: 0.5`` allows ``3.5``.
    """

    kind: Literal["rating"] = "rating"
    min: Number = 1
    max: Number = 5
    step: Number = Field(default=1, gt=0)

    @field_validator("max")
    @classmethod
    def _above_min(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("min")
        if low is not None and high <= low:
            raise PydanticCustomError(
                "max_not_above_min",
                "max ({high}) must be greater than min ({low})",
                {"high": high, "low": low},
            )
        return high

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not is_number(value):
            ctx.problem(self.name, (), f"must be a number from {self.min} to {self.max}, got {show(value)}")
            return value
        if not self.min - _EPSILON <= value <= self.max + _EPSILON:
            ctx.problem(self.name, (), f"{show(value)} is outside {self.min}..{self.max}")
            return value
        steps = (value - self.min) / self.step
        if abs(steps - round(steps)) > 1e-6:
            if float(self.step).is_integer() and float(self.min).is_integer():
                ctx.problem(self.name, (), f"{show(value)} must be a whole number")
            else:
                ctx.problem(
                    self.name, (), f"{show(value)} is not on the grid {self.min}, {self.min + self.step}, ..."
                )
            return value
        return _plain(value)


class Pairwise(QuestionBase):
    """Which of two responses is better.

    Value: ``{"choice": "A" | "B" | "tie" | "both_bad", "strength": 1..3 | None, "rationale": str | None}``;
    a plain ``"A"``, ``"B"``, ``"tie"`` or ``"both_bad"`` (any case) is accepted and normalised to that form.
    ``"tie"`` only with ``allow_tie``, ``"both_bad"`` only with ``allow_both_bad``; ``strength`` (how much
    better, 1 slightly .. 3 much) only for A or B.
    """

    kind: Literal["pairwise"] = "pairwise"
    allow_tie: bool = False
    allow_both_bad: bool = False

    def _choices(self) -> tuple[str, ...]:
        return ("A", "B") + (("tie",) if self.allow_tie else ()) + (("both_bad",) if self.allow_both_bad else ())

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if isinstance(value, str):
            value = {"choice": value}
        if not isinstance(value, dict):
            ctx.problem(self.name, (), f"must be 'A', 'B' or a mapping with 'choice', got {show(value)}")
            return value
        unknown = sorted(set(value) - {"choice", "strength", "rationale"})
        for key in unknown:
            ctx.problem(self.name, (key,), f"unknown field {show(key)}")
        choice, strength, rationale = value.get("choice"), value.get("strength"), value.get("rationale")
        spelled = {option.lower(): option for option in self._choices()}
        if isinstance(choice, str) and choice.lower() in spelled:
            choice = spelled[choice.lower()]
        elif choice is None:
            ctx.problem(self.name, ("choice",), "a choice is required")
        else:
            hint = "" if self.allow_tie or str(choice).lower() != "tie" else " (ties are not allowed)"
            if not self.allow_both_bad and str(choice).lower() == "both_bad":
                hint = " (both_bad is not allowed)"
            ctx.problem(
                self.name, ("choice",), f"{show(choice)} is not one of {', '.join(self._choices())}{hint}"
            )
        if strength is not None:
            if not is_int(strength) or not 1 <= strength <= 3:
                ctx.problem(self.name, ("strength",), f"strength must be 1, 2 or 3, got {show(strength)}")
            elif choice in ("tie", "both_bad"):
                ctx.problem(self.name, ("strength",), "strength only applies when A or B is chosen")
        if rationale is not None and not isinstance(rationale, str):
            ctx.problem(self.name, ("rationale",), f"rationale must be text, got {show(rationale)}")
        return {"choice": choice, "strength": strength, "rationale": rationale}
