"""Chat items: conversations in the messages format imported from JSONL; malformed ones refused whole."""

from __future__ import annotations

import orjson

from tests.api.llm_fixtures import CHAT_SCHEMA, chat


def _upload(client, org, pid, lines: list[bytes]):
    return client.post(
        f"/api/v1/projects/{pid}/items/import?format=jsonl",
        content=b"\n".join(lines),
        headers={**org.owner.headers, "content-type": "application/x-ndjson"},
    )


def test_jsonl_conversations_with_tool_calls_import(org, client):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    tool_turns = {
        "messages": [
            {"role": "system", "content": "You can call tools."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 21}'},
            {"role": "assistant", "content": "It is 21 °C."},
        ]
    }
    lines = [
        orjson.dumps(chat("hi", system="be brief")),
        orjson.dumps({"data": tool_turns, "meta": {"category": "tools"}}),
    ]
    response = _upload(client, org, pid, lines)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    items = client.get(f"/api/v1/projects/{pid}/items", headers=org.owner.headers).json()["items"]
    assert items[1]["payload"] == tool_turns and items[1]["meta"] == {"category": "tools"}


def test_malformed_conversations_are_refused_with_line_and_field(org, client):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    lines = [
        orjson.dumps(chat("fine")),
        orjson.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "hello"}]}),
        orjson.dumps({"messages": [{"role": "user", "content": "   "}]}),
        b'{"messages": [{"role": "user", "content": "broken',
        orjson.dumps({"messages": []}),
        orjson.dumps(
            {
                "messages": [
                    {"role": "user", "content": "x"},
                    {"role": "assistant", "tool_calls": [{"function": {}}]},
                ]
            }
        ),
        orjson.dumps({"messages": [{"role": "user", "content": 7}]}),
    ]
    response = _upload(client, org, pid, lines)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    by_line = {e["line"]: e for e in error["details"]["errors"]}
    assert set(by_line) == {2, 3, 4, 5, 6, 7}
    assert by_line[2]["field"] == "messages[1].role" and "unknown role 'bot'" in by_line[2]["msg"]
    assert by_line[3]["field"] == "messages[0].content" and "empty turn" in by_line[3]["msg"]
    assert by_line[4]["field"] == "row"
    assert by_line[5]["field"] == "messages" and "at least one message" in by_line[5]["msg"]
    assert by_line[6]["field"].startswith("messages[1].tool_calls[0]")
    assert by_line[7]["field"] == "messages[0].content"
    # all or nothing: the good first line was not kept
    assert client.get(f"/api/v1/projects/{pid}/items", headers=org.owner.headers).json()["items"] == []


def test_conversation_fields_checked_through_the_json_api_too(org, client):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    response = client.post(
        f"/api/v1/projects/{pid}/items",
        headers=org.owner.headers,
        json={"items": [{"messages": [{"role": "user", "content": "ok", "extra": 1}]}]},
    )
    assert response.status_code == 422
    [problem] = response.json()["error"]["details"]["errors"]
    assert problem["field"] == "messages[0].extra" and problem["line"] == 1
