"""Training-row transforms (pure): SFT, TRL preference pairs, ranking pairs, Parquet streaming."""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from assay.formats import parquet_chunks
from assay.formats.llm import PARQUET_SCHEMAS, preference_rows, ranking_pair_rows, sft_rows, training_batches


def _row(item_id, answers, responses=("a", "b"), messages=None):
    return {
        "id": item_id,
        "payload": {
            "messages": messages or [{"role": "user", "content": f"q{item_id}"}],
            "responses": [{"content": r} for r in responses],
        },
        "meta": {},
        "annotations": [
            {"id": 100 + n, "annotator_id": 7, "value": value} for n, value in enumerate(answers)
        ],
    }


def test_preferences_one_row_per_judgment_without_ties():
    rows = [
        _row(
            1,
            [
                {"p": {"choice": "A", "strength": 2}},
                {"p": {"choice": "B"}},
                {"p": {"choice": "tie"}},
                {"p": {"choice": "both_bad"}},
                {"other": 1},
            ],
        )
    ]
    out = list(preference_rows(rows, "p"))
    assert [(r["chosen"][0]["content"], r["rejected"][0]["content"], r["strength"]) for r in out] == [
        ("a", "b", 2),
        ("b", "a", None),
    ]
    assert out[0]["prompt"] == [{"role": "user", "content": "q1"}]
    assert (out[0]["item_id"], out[0]["annotation_id"], out[0]["annotator_id"]) == (1, 100, 7)


def test_items_without_two_responses_or_prompt_are_skipped():
    assert list(preference_rows([_row(1, [{"p": "A"}], responses=("only",))], "p")) == []
    no_prompt = _row(2, [{"p": "A"}])
    no_prompt["payload"] = {"responses": [{"content": "a"}, {"content": "b"}]}
    assert list(preference_rows([no_prompt], "p")) == []


def test_sft_keeps_system_and_tool_turns_and_drops_the_old_answer():
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "old"},
    ]
    [row] = sft_rows(
        [_row(1, [{"d": {"content": "new", "edited_from": 0}}, {"d": {"content": " "}}], messages=messages)],
        "d",
    )
    assert row["messages"] == [*messages[:2], {"role": "assistant", "content": "new"}]


def test_ranking_pairs_from_best_to_worst():
    out = list(ranking_pair_rows([_row(1, [{"r": [1, 2, 0]}], responses=("x", "y", "z"))], "r"))
    assert [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in out] == [
        ("y", "z"),
        ("y", "x"),
        ("z", "x"),
    ]


def test_parquet_training_rows_stream_and_flatten_tool_calls():
    messages = [
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "f"}}]},
        {"role": "tool", "content": "r", "tool_call_id": "1"},
    ]
    batches = [
        [_row(i, [{"d": f"answer {i}"}], messages=messages) for i in range(3)],
        [],
        [_row(9, [{"d": "z"}])],
    ]
    body = b"".join(
        parquet_chunks(
            training_batches(batches, "sft", "d", for_parquet=True),
            schema=PARQUET_SCHEMAS["sft"],
            json_columns=(),
        )
    )
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == 4 and table.column_names == [
        "messages",
        "item_id",
        "annotation_id",
        "annotator_id",
    ]
    first = table.to_pylist()[0]["messages"]
    assert first[1] == {"role": "assistant", "content": ""} and first[-1] == {
        "role": "assistant",
        "content": "answer 0",
    }
