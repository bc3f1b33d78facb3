"""Training exports over the API: SFT JSONL, TRL preference pairs, ranking pairs; JSONL and Parquet; datasets."""

from __future__ import annotations

import io

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.api.llm_fixtures import CHAT_SCHEMA, COMPARISON_SCHEMA, RANKING_SCHEMA, chat


def _label(client, pid, member, values):
    """Label every task in order with the next value from ``values``."""
    answers = iter(values)
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=member.headers).json()["task"]
    while task:
        response = client.post(
            f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
            headers=member.headers,
            json={"value": next(answers), "next": True},
        )
        assert response.status_code == 200, response.text
        task = response.json()["task"]


def _jsonl(client, org, pid, **params):
    response = client.get(f"/api/v1/projects/{pid}/export/training", params=params, headers=org.owner.headers)
    assert response.status_code == 200, response.text
    return [orjson.loads(line) for line in response.content.splitlines()]


def _pair_item(prompt, a, b):
    return {
        "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": prompt}],
        "responses": [{"content": a}, {"content": b}],
    }


def test_preference_pairs_in_trl_conversational_format(org, client):
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(
        pid,
        [
            _pair_item("p1", "good1", "bad1"),
            _pair_item("p2", "bad2", "good2"),
            _pair_item("p3", "same", "same too"),
            _pair_item("p4", "meh", "meh2"),
        ],
    )
    annotator = org.member()
    _label(
        client,
        pid,
        annotator,
        [
            {"preference": {"choice": "A", "strength": 3}},
            {"preference": "B"},
            {"preference": "tie"},
            {"preference": "both_bad"},
        ],
    )
    rows = _jsonl(client, org, pid, kind="preferences")
    assert len(rows) == 2  # tie and both_bad carry no preference
    first = rows[0]
    assert first["prompt"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "p1"}]
    assert first["chosen"] == [{"role": "assistant", "content": "good1"}]
    assert first["rejected"] == [{"role": "assistant", "content": "bad1"}]
    assert first["strength"] == 3 and first["annotator_id"] == annotator.user_id
    assert rows[1]["chosen"][0]["content"] == "good2" and rows[1]["rejected"][0]["content"] == "bad2"


def test_sft_export_ends_with_the_demonstration(org, client):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    org.add_items(
        pid,
        [
            {
                **chat("Say hi", system="be kind", assistant="old answer"),
                "responses": [{"content": "model draft"}],
            },
            chat("Count to 3"),
        ],
    )
    _label(client, pid, org.member(), [{"ideal": {"content": "Hi!", "edited_from": 0}}, {"ideal": "1, 2, 3"}])
    rows = _jsonl(client, org, pid, kind="sft")
    assert rows[0]["messages"] == [
        {"role": "system", "content": "be kind"},
        {"role": "user", "content": "Say hi"},
        {"role": "assistant", "content": "Hi!"},
    ]
    assert rows[1]["messages"][-1] == {"role": "assistant", "content": "1, 2, 3"}


def test_rankings_expand_to_all_pairs(org, client):
    pid = org.project(label_schema=RANKING_SCHEMA)["id"]
    item = {
        "messages": [{"role": "user", "content": "q"}],
        "responses": [{"content": c} for c in ("r0", "r1", "r2")],
    }
    org.add_items(pid, [item])
    _label(client, pid, org.member(), [{"order": [2, 0, 1]}])
    rows = _jsonl(client, org, pid, kind="ranking_pairs")
    pairs = [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in rows]
    assert pairs == [("r2", "r0"), ("r2", "r1"), ("r0", "r1")]
    assert [(r["chosen_rank"], r["rejected_rank"]) for r in rows] == [(1, 2), (1, 3), (2, 3)]


def test_parquet_training_exports_have_native_message_columns(org, client, tmp_path):
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(pid, [_pair_item(f"p{i}", f"a{i}", f"b{i}") for i in range(3)])
    _label(client, pid, org.member(), [{"preference": "A"}] * 3)
    response = client.get(
        f"/api/v1/projects/{pid}/export/training",
        headers=org.owner.headers,
        params={"kind": "preferences", "format": "parquet"},
    )
    assert response.status_code == 200 and "preferences.parquet" in response.headers["content-disposition"]
    table = pq.read_table(io.BytesIO(response.content))
    prompt_type = table.schema.field("prompt").type
    assert table.num_rows == 3 and pa.types.is_list(prompt_type)
    assert prompt_type.value_type == pa.struct([("role", pa.string()), ("content", pa.string())])
    assert table.to_pylist()[0]["chosen"] == [{"role": "assistant", "content": "a0"}]


def test_exports_load_with_hugging_face_datasets(org, client, tmp_path):
    datasets = pytest.importorskip("datasets")
    pid = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    org.add_items(pid, [_pair_item(f"p{i}", f"a{i}", f"b{i}") for i in range(4)])
    _label(client, pid, org.member(), [{"preference": "B"}] * 4)
    for fmt in ("jsonl", "parquet"):
        body = client.get(
            f"/api/v1/projects/{pid}/export/training",
            headers=org.owner.headers,
            params={"kind": "preferences", "format": fmt},
        ).content
        path = tmp_path / f"prefs.{fmt}"
        path.write_bytes(body)
        loader = "json" if fmt == "jsonl" else "parquet"
        dataset = datasets.load_dataset(
            loader, data_files=str(path), split="train", cache_dir=str(tmp_path / f"cache-{fmt}")
        )
        assert dataset.num_rows == 4
        assert dataset[0]["chosen"] == [{"role": "assistant", "content": "b0"}]
        assert dataset[0]["prompt"][-1] == {"role": "user", "content": "p0"}


def test_training_export_needs_the_right_question_and_a_manager(org, client):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    wrong = client.get(
        f"/api/v1/projects/{pid}/export/training", params={"kind": "preferences"}, headers=org.owner.headers
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["loc"] == ["question"]
    named = client.get(
        f"/api/v1/projects/{pid}/export/training",
        params={"kind": "sft", "question": "nope"},
        headers=org.owner.headers,
    )
    assert named.status_code == 422
    annotator = org.member()
    assert (
        client.get(
            f"/api/v1/projects/{pid}/export/training", params={"kind": "sft"}, headers=annotator.headers
        ).status_code
        == 403
    )
