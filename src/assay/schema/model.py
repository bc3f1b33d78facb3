"""The label schema: inputs, questions, structural checks, and checks of payloads and annotation values."""

from __future__ import annotations

from typing import Annotated, Any, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from assay.errors import SchemaError
from assay.schema._base import QuestionBase, ValueContext, show
from assay.schema.choices import MultiChoice, Ranking, SingleChoice
from assay.schema.inputs import InputField
from assay.schema.llm import LLM_QUESTION_TYPES
from assay.schema.scales import Pairwise, Rating
from assay.schema.text import FreeText, Relations, Spans

# Adding a question kind (bbox, polygon, keypoints, cuboid, mask...) is adding its class here.
QUESTION_TYPES: tuple[type[QuestionBase], ...] = (
    SingleChoice,
    MultiChoice,
    Spans,
    Relations,
    FreeText,
    Rating,
    Ranking,
    Pairwise,
    *LLM_QUESTION_TYPES,
)
Question = Annotated[Union[QUESTION_TYPES], Field(discriminator="kind")]  # noqa: UP007
QUESTION_KINDS: tuple[str, ...] = tuple(
    get_args(cls.model_fields["kind"].annotation)[0] for cls in QUESTION_TYPES
)


def summarise(what: str, details: list[dict[str, Any]]) -> str:
    """``<what>: <first problem>`` plus how many more, for a SchemaError's message."""
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{what}: {details[0]['msg']}{more}"


class LabelSchema(BaseModel):
    """A project's label schema: the payload fields each item carries and the questions annotators answer.

    Build it with ``load_schema``; constructing it directly raises pydantic's ValidationError for field
    problems and SchemaError for cross-field ones (duplicate names, dangling references).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    inputs: list[InputField]
    questions: list[Question]
    instructions: str | None = None

    @field_validator("inputs", "questions")
    @classmethod
    def _not_empty(cls, items: list[Any], info: ValidationInfo) -> list[Any]:
        if not items:
            raise PydanticCustomError(
                "empty", "a schema needs at least one {what}", {"what": (info.field_name or "")[:-1]}
            )
        return items

    @model_validator(mode="after")
    def _structure(self) -> LabelSchema:
        # Raised as SchemaError (not ValueError) so each problem keeps its own location.
        details: list[dict[str, Any]] = []
        for section, entries in (("inputs", self.inputs), ("questions", self.questions)):
            seen: set[str] = set()
            for index, entry in enumerate(entries):
                if entry.name in seen:
                    kind = section[:-1]
                    details.append(
                        {"loc": [section, index, "name"], "msg": f"duplicate {kind} name '{entry.name}'"}
                    )
                seen.add(entry.name)
        for index, question in enumerate(self.questions):
            for loc, msg in question.check_references(self):
                details.append(
                    {"loc": ["questions", index, *loc], "msg": f"question '{question.name}': {msg}"}
                )
        if details:
            raise SchemaError(summarise("invalid label schema", details), details=details)
        return self

    def question(self, name: str) -> QuestionBase:
        """The question called ``name``; KeyError if there is none."""
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(name)

    def validate_value(
        self, value: dict[str, Any], *, payload: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Check an annotation value (question name -> answer) and return its normal form.

        Unanswered optional questions (absent or ``None``) are left out of the result. With ``payload``,
        span offsets are checked against the item's text and span ``text`` is filled in. Raises
        SchemaError listing every problem, each with ``loc`` ``[question_name, ...]``.
        """
        if not isinstance(value, dict):
            details = [
                {
                    "loc": [],
                    "msg": f"an annotation value must map question names to answers, got {show(value)}",
                }
            ]
            raise SchemaError(details[0]["msg"], details=details)
        ctx = ValueContext(payload=payload)
        known = {question.name for question in self.questions}
        for name in value:
            if name not in known:
                ctx.problems.append(
                    {"loc": [name], "msg": f"{name}: unknown question; questions: {', '.join(sorted(known))}"}
                )
        # Questions that refer to other answers (relations -> spans) go after the answers they need.
        for question in sorted(self.questions, key=lambda question: bool(question.depends_on())):
            answer = value.get(question.name)
            if answer is None:
                if question.required:
                    ctx.problem(question.name, (), "an answer is required")
                continue
            before = len(ctx.problems)
            ctx.answers[question.name] = question.check_value(answer, ctx)
            if len(ctx.problems) > before:
                ctx.failed.add(question.name)
        if ctx.problems:
            raise SchemaError(summarise("invalid annotation", ctx.problems), details=ctx.problems)
        return {
            question.name: ctx.answers[question.name]
            for question in self.questions
            if question.name in ctx.answers
        }

    def validate_payload(self, payload: dict[str, Any]) -> list[str]:
        """Problems with an item's payload (missing field, wrong type), in plain words; empty when fine."""
        if not isinstance(payload, dict):
            return [f"payload must be a mapping of field name to value, got {show(payload)}"]
        return [problem for field in self.inputs if (problem := field.problem(payload)) is not None]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data that ``load_schema`` turns back into an equal schema."""
        data = self.model_dump(mode="json", exclude_none=True)
        # name and kind first, as people write them, so a dumped schema reads like a hand-written one
        data["questions"] = [{"name": q["name"], "kind": q["kind"], **q} for q in data["questions"]]
        return data

    @classmethod
    def default_for_text(cls) -> LabelSchema:
        """The demo project's schema: one text input, a sentiment choice and entity spans."""
        from assay.schema.defaults import DEFAULT_TEXT_SCHEMA

        return DEFAULT_TEXT_SCHEMA
