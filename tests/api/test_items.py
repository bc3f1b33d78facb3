"""Bulk import: formats, de-duplication, all-or-nothing with every bad row reported."""

from __future__ import annotations

import io

import orjson
import pyarrow as pa
import pyarrow.parquet as pq


def _upload(client, org, pid, body: bytes, **params):
    return client.post(
        f"/api/v1/projects/{pid}/items/import", content=body, params=params, headers=org.owner.headers
    )


def test_jsonl_import_with_metadata_priority_and_dedup(org, client):
    pid = org.project()["id"]
    lines = [
        {"text": "alpha", "meta": {"source": "web"}, "priority": 5, "external_id": "a-1"},
        {"data": {"text": "beta"}, "meta": {"source": "mail"}},
        {"text": "alpha"},
        {"text": "gamma"},
    ]
    body = b"\n".join(orjson.dumps(line) for line in lines) + b"\n\n"
    report = _upload(client, org, pid, body, format="jsonl")
    assert report.status_code == 201, report.text
    assert report.json() == {"rows": 4, "created": 3, "duplicates": 1}
    again = _upload(client, org, pid, body, format="jsonl").json()
    assert again == {"rows": 4, "created": 0, "duplicates": 4}
    items = client.get(f"/api/v1/projects/{pid}/items", headers=org.owner.headers).json()["items"]
    first = items[0]
    assert first["payload"] == {"text": "alpha"} and first["meta"] == {"source": "web"}
    assert first["priority"] == 5 and first["external_id"] == "a-1"


def test_bad_rows_reject_everything_and_each_is_reported(org, client):
    pid = org.project()["id"]
    body = b'{"text": "fine"}\n{"txt": "typo"}\nnot json\n{"text": 5}\n{"text": "ok", "priority": "high"}\n'
    response = _upload(client, org, pid, body, format="jsonl")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    problems = {(e["line"], e["field"]) for e in error["details"]["errors"]}
    assert {(2, "text"), (3, "row"), (4, "text"), (5, "priority")} <= problems
    assert client.get(f"/api/v1/projects/{pid}/items", headers=org.owner.headers).json()["items"] == []


def test_csv_import_via_multipart_upload(org, client):
    pid = org.project()["id"]
    csv = "text,meta.source,priority\nhello world,forum,2\nsecond row,,\n"
    response = client.post(
        f"/api/v1/projects/{pid}/items/import",
        files={"file": ("rows.csv", csv, "text/csv")},
        headers=org.owner.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    items = client.get(f"/api/v1/projects/{pid}/items", headers=org.owner.headers).json()["items"]
    assert items[0]["meta"] == {"source": "forum"} and items[0]["priority"] == 2


def test_csv_missing_column_names_line_and_field(org, client):
    pid = org.project()["id"]
    response = _upload(client, org, pid, b"body\nsomething\n", format="csv")
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0] == {
        "line": 2,
        "field": "text",
        "msg": response.json()["error"]["details"]["errors"][0]["msg"],
    }


def test_parquet_import(org, client):
    pid = org.project()["id"]
    table = pa.table({"text": [f"row {i}" for i in range(1000)], "priority": list(range(1000))})
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=100)
    response = _upload(client, org, pid, sink.getvalue(), filename="items.parquet")
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 1000


def test_unknown_format_and_garbage_files_are_clear_errors(org, client):
    pid = org.project()["id"]
    assert _upload(client, org, pid, b"x", filename="items.xlsx").status_code == 422
    assert _upload(client, org, pid, b"not parquet at all", format="parquet").status_code == 422
    assert _upload(client, org, pid, b"", format="jsonl").status_code == 422
    no_format = client.post(
        f"/api/v1/projects/{pid}/items/import",
        content=b"{}",
        headers={**org.owner.headers, "content-type": "application/octet-stream"},
    )
    assert no_format.status_code == 422 and "format" in no_format.json()["error"]["message"]


def test_only_managers_import(org, client):
    pid = org.project()["id"]
    annotator = org.member("annotator")
    response = client.post(
        f"/api/v1/projects/{pid}/items/import?format=jsonl",
        content=b'{"text": "x"}',
        headers=annotator.headers,
    )
    assert response.status_code == 403
    reviewer = org.member("reviewer")
    assert client.get(f"/api/v1/projects/{pid}/items", headers=reviewer.headers).status_code == 200
    assert client.get(f"/api/v1/projects/{pid}/items", headers=annotator.headers).status_code == 403


def test_item_list_pagination_is_capped_and_follows_cursor(org, client):
    pid = org.project()["id"]
    org.texts(pid, 7)
    page = client.get(f"/api/v1/projects/{pid}/items?limit=3", headers=org.owner.headers).json()
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        page = client.get(
            f"/api/v1/projects/{pid}/items?limit=3&after={page['next_cursor']}", headers=org.owner.headers
        ).json()
        seen += [i["id"] for i in page["items"]]
    assert len(seen) == len(set(seen)) == 7
    capped = client.get(f"/api/v1/projects/{pid}/items?limit=100000", headers=org.owner.headers)
    assert capped.status_code == 200
