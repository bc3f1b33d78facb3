"""Questions answered by picking options: single choice, multi choice and ranking."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from assay.schema._base import QuestionBase, ValueContext, show
from assay.schema.options import ChoiceOptions, values_text


class SingleChoice(QuestionBase):
    """Pick exactly one option. Value: the option's value, e.g. ``"positive"``."""

    kind: Literal["single_choice"] = "single_choice"
    options: ChoiceOptions

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        allowed = [option.value for option in self.options]
        if not isinstance(value, str) or value not in allowed:
            ctx.problem(self.name, (), f"{show(value)} is not one of {values_text(self.options)}")
        return value


class MultiChoice(QuestionBase):
    """Pick several options. Value: a list of unique option values, returned in the options' order."""

    kind: Literal["multi_choice"] = "multi_choice"
    options: ChoiceOptions
    min_selected: int = Field(default=0, ge=0)
    max_selected: int | None = Field(default=None, ge=1)

    @field_validator("min_selected", "max_selected")
    @classmethod
    def _within_options(cls, bound: int | None, info: ValidationInfo) -> int | None:
        options = info.data.get("options")
        if bound is not None and options is not None and bound > len(options):
            raise PydanticCustomError(
                "bound_over_options",
                "{field} is {bound} but there are only {count} options",
                {"field": info.field_name, "bound": bound, "count": len(options)},
            )
        low = info.data.get("min_selected")
        if info.field_name == "max_selected" and bound is not None and low is not None and bound < low:
            raise PydanticCustomError(
                "max_below_min",
                "max_selected ({high}) is less than min_selected ({low})",
                {"high": bound, "low": low},
            )
        return bound

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, list):
            ctx.problem(self.name, (), f"must be a list of options, got {show(value)}")
            return value
        order = {option.value: index for index, option in enumerate(self.options)}
        seen: set[str] = set()
        for index, choice in enumerate(value):
            if not isinstance(choice, str) or choice not in order:
                ctx.problem(self.name, (index,), f"{show(choice)} is not one of {values_text(self.options)}")
            elif choice in seen:
                ctx.problem(self.name, (index,), f"{show(choice)} is selected twice")
            else:
                seen.add(choice)
        if len(value) < self.min_selected:
            ctx.problem(self.name, (), f"select at least {self.min_selected}, got {len(value)}")
        if self.max_selected is not None and len(value) > self.max_selected:
            ctx.problem(self.name, (), f"select at most {self.max_selected}, got {len(value)}")
        return sorted(seen, key=order.__getitem__)


class Ranking(QuestionBase):
    """Order every option, best first.

    Value without ``allow_ties``: a permutation of the option values, e.g. ``["b", "a", "c"]``.
    With ``allow_ties``: a list of tie groups, best first, e.g. ``[["b"], ["a", "c"]]``; a plain string is
    accepted as a group of one and normalised to a list.
    """

    kind: Literal["ranking"] = "ranking"
    options: ChoiceOptions
    allow_ties: bool = False

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, list):
            ctx.problem(self.name, (), f"must be a list ranking every option, got {show(value)}")
            return value
        groups: list[list[Any]] = []
        for index, entry in enumerate(value):
            if isinstance(entry, list) and self.allow_ties:
                if not entry:
                    ctx.problem(self.name, (index,), "a tie group must not be empty")
                groups.append(entry)
            elif isinstance(entry, list):
                ctx.problem(self.name, (index,), "ties are not allowed; list each option on its own")
                groups.append(entry)
            else:
                groups.append([entry])
        allowed = {option.value for option in self.options}
        seen: set[str] = set()
        for index, group in enumerate(groups):
            for choice in group:
                if not isinstance(choice, str) or choice not in allowed:
                    ctx.problem(
                        self.name, (index,), f"{show(choice)} is not one of {values_text(self.options)}"
                    )
                elif choice in seen:
                    ctx.problem(self.name, (index,), f"{show(choice)} is ranked twice")
                else:
                    seen.add(choice)
        missing = [option.value for option in self.options if option.value not in seen]
        if missing:
            ctx.problem(self.name, (), f"every option must be ranked; missing {', '.join(missing)}")
        return groups if self.allow_ties else [group[0] for group in groups if group]
