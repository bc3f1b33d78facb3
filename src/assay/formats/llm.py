"""Training rows from labeled chat items: SFT conversations and preference pairs in TRL's format (pure).

Input: export rows as ``services.exports`` yields them (``id``, ``payload``, ``meta``, ``annotations`` with
``value``). Output rows, one per annotation (or per ranked pair):

* **SFT** (``sft_rows``): ``{"messages": [...prompt turns..., {"role": "assistant", "content": demo}]}``,
  TRL's conversational ``messages`` format for ``SFTTrainer``;
* **preferences** (``preference_rows``, from ``pairwise`` answers): TRL's conversational preference format
  ``{"prompt": [...turns...], "chosen": [{"role": "assistant", ...}], "rejected": [...]}`` for
  ``DPOTrainer`` / ``RewardTrainer``; ``tie`` and ``both_bad`` answers carry no preference and are left out;
* **ranking pairs** (``ranking_pair_rows``, from ``response_ranking`` answers): every ordered pair of a
  ranking (best over each lower one) as a preference row.

Each row also has ``item_id``, ``annotation_id`` and ``annotator_id`` for lineage (``strength`` for pairwise).
``PARQUET_SCHEMAS`` give fixed Arrow types (messages as ``list<struct<role, content>>``) so Parquet output
loads with ``datasets.load_dataset("parquet", ...)`` and pandas alike; in Parquet a turn keeps only
``role`` and ``content`` (tool calls stay in the JSONL form).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa

from assay.schema.llm import prompt_turns

TRAINING_KINDS = ("sft", "preferences", "ranking_pairs")
QUESTION_KIND = {"sft": "demonstration", "preferences": "pairwise", "ranking_pairs": "response_ranking"}

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
_LINEAGE = [("item_id", pa.int64()), ("annotation_id", pa.int64()), ("annotator_id", pa.int64())]
PARQUET_SCHEMAS: dict[str, pa.Schema] = {
    "sft": pa.schema([("messages", pa.list_(MESSAGE)), *_LINEAGE]),
    "preferences": pa.schema(
        [
            ("prompt", pa.list_(MESSAGE)),
            ("chosen", pa.list_(MESSAGE)),
            ("rejected", pa.list_(MESSAGE)),
            ("strength", pa.int32()),
            *_LINEAGE,
        ]
    ),
    "ranking_pairs": pa.schema(
        [
            ("prompt", pa.list_(MESSAGE)),
            ("chosen", pa.list_(MESSAGE)),
            ("rejected", pa.list_(MESSAGE)),
            ("chosen_rank", pa.int32()),
            ("rejected_rank", pa.int32()),
            *_LINEAGE,
        ]
    ),
}

Row = Mapping[str, Any]


def _answers(row: Row, question: str) -> Iterator[tuple[Mapping[str, Any], Any]]:
    for annotation in row.get("annotations") or ():
        answer = (annotation.get("value") or {}).get(question)
        if answer is not None:
            yield annotation, answer


def _lineage(row: Row, annotation: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "item_id": row["id"],
        "annotation_id": annotation.get("id"),
        "annotator_id": annotation.get("annotator_id"),
    }


def _response(row: Row, index: int) -> list[dict[str, Any]] | None:
    responses = row["payload"].get("responses")
    if not isinstance(responses, list) or not 0 <= index < len(responses):
        return None
    content = responses[index].get("content") if isinstance(responses[index], dict) else None
    return [{"role": "assistant", "content": content}] if isinstance(content, str) else None


def sft_rows(rows: Iterable[Row], question: str) -> Iterator[dict[str, Any]]:
    """One ``{"messages": ...}`` row per demonstration answer, the demonstration as the final assistant turn."""
    for row in rows:
        prompt = prompt_turns(row["payload"])
        if prompt is None:
            continue
        for annotation, answer in _answers(row, question):
            content = answer.get("content") if isinstance(answer, dict) else answer
            if isinstance(content, str) and content.strip():
                yield {
                    "messages": [*prompt, {"role": "assistant", "content": content}],
                    **_lineage(row, annotation),
                }


def preference_rows(rows: Iterable[Row], question: str) -> Iterator[dict[str, Any]]:
    """TRL preference rows from pairwise answers (A = response 0, B = response 1); ties are left out."""
    for row in rows:
        prompt = prompt_turns(row["payload"])
        if prompt is None:
            continue
        for annotation, answer in _answers(row, question):
            choice = answer.get("choice") if isinstance(answer, dict) else answer
            if choice not in ("A", "B"):
                continue
            a, b = _response(row, 0), _response(row, 1)
            if a is None or b is None:
                continue
            chosen, rejected = (a, b) if choice == "A" else (b, a)
            strength = answer.get("strength") if isinstance(answer, dict) else None
            yield {
                "prompt": prompt,
                "chosen": chosen,
                "rejected": rejected,
                "strength": strength,
                **_lineage(row, annotation),
            }


def ranking_pair_rows(rows: Iterable[Row], question: str) -> Iterator[dict[str, Any]]:
    """Every (better, worse) pair of each ranking answer as a TRL preference row, best pairs first."""
    for row in rows:
        prompt = prompt_turns(row["payload"])
        if prompt is None:
            continue
        for annotation, ranking in _answers(row, question):
            if not isinstance(ranking, list):
                continue
            for high in range(len(ranking)):
                for low in range(high + 1, len(ranking)):
                    chosen, rejected = _response(row, ranking[high]), _response(row, ranking[low])
                    if chosen is None or rejected is None:
                        continue
                    yield {
                        "prompt": prompt,
                        "chosen": chosen,
                        "rejected": rejected,
                        "chosen_rank": high + 1,
                        "rejected_rank": low + 1,
                        **_lineage(row, annotation),
                    }


TRANSFORMS = {"sft": sft_rows, "preferences": preference_rows, "ranking_pairs": ranking_pair_rows}


def training_batches(
    batches: Iterable[list[Row]], kind: str, question: str, *, for_parquet: bool = False
) -> Iterator[list[dict[str, Any]]]:
    """Export batches turned into training-row batches of ``kind``; ``for_parquet`` keeps role/content only."""
    transform = TRANSFORMS[kind]
    for batch in batches:
        out = list(transform(batch, question))
        if for_parquet:
            out = [_flat(row) for row in out]
        if out:
            yield out


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: [{"role": m.get("role"), "content": m.get("content") or ""} for m in value]
        if key in ("messages", "prompt", "chosen", "rejected")
        else value
        for key, value in row.items()
    }
