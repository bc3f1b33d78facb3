"""A project's label schema as typed models: inputs, questions, and checks of payloads and answers.

Pure (no I/O): ``load_schema`` reads a dict, JSON or YAML text; ``LabelSchema.validate_value`` and
``LabelSchema.validate_payload`` check annotation values and item payloads against it.
"""

from assay.schema.choices import MultiChoice, Ranking, SingleChoice
from assay.schema.defaults import DEFAULT_TEXT_SCHEMA
from assay.schema.inputs import PAYLOAD_CHECKS, InputField
from assay.schema.loading import load_schema
from assay.schema.model import QUESTION_KINDS, QUESTION_TYPES, LabelSchema, Question
from assay.schema.options import Option
from assay.schema.scales import Pairwise, Rating
from assay.schema.text import FreeText, Relations, Spans

__all__ = [
    "DEFAULT_TEXT_SCHEMA",
    "PAYLOAD_CHECKS",
    "QUESTION_KINDS",
    "QUESTION_TYPES",
    "FreeText",
    "InputField",
    "LabelSchema",
    "MultiChoice",
    "Option",
    "Pairwise",
    "Question",
    "Ranking",
    "Rating",
    "Relations",
    "SingleChoice",
    "Spans",
    "load_schema",
]
