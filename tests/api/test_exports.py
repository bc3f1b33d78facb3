"""Exports: JSONL and Parquet, streamed, filtered by status and date."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import orjson
import pyarrow.parquet as pq


def _label_all(client, pid, member, value=None):
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=member.headers).json()["task"]
    while task:
        task = client.post(
            f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
            json={"value": value or {"sentiment": "positive"}, "next": True},
            headers=member.headers,
        ).json()["task"]


def test_jsonl_export_has_items_with_annotations(org, client):
    pid = org.project()["id"]
    org.texts(pid, 4)
    annotator = org.member()
    _label_all(client, pid, annotator)
    org.texts(pid, 2, prefix="later")
    response = client.get(f"/api/v1/projects/{pid}/export", headers=org.owner.headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = [orjson.loads(line) for line in response.content.splitlines()]
    assert len(rows) == 6
    labeled = [r for r in rows if r["annotations"]]
    assert len(labeled) == 4 and all(r["status"] == "complete" for r in labeled)
    assert labeled[0]["annotations"][0]["annotator"] == annotator.email
    assert labeled[0]["annotations"][0]["value"] == {"sentiment": "positive"}
    complete = client.get(f"/api/v1/projects/{pid}/export?status=complete", headers=org.owner.headers)
    assert len(complete.content.splitlines()) == 4
    unannotated = client.get(f"/api/v1/projects/{pid}/export?status=unannotated", headers=org.owner.headers)
    assert len(unannotated.content.splitlines()) == 2


def test_export_date_filter(org, client):
    pid = org.project()["id"]
    org.texts(pid, 2)
    _label_all(client, pid, org.member())
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    none = client.get(f"/api/v1/projects/{pid}/export", params={"since": future}, headers=org.owner.headers)
    assert none.content == b""
    some = client.get(
        f"/api/v1/projects/{pid}/export", params={"since": past, "until": future}, headers=org.owner.headers
    )
    assert len(some.content.splitlines()) == 2


def test_parquet_export_reads_back(org, client):
    pid = org.project()["id"]
    org.texts(pid, 3)
    org.add_items(pid, [{"text": "with id", "external_id": "ext-9"}])
    _label_all(client, pid, org.member())
    response = client.get(f"/api/v1/projects/{pid}/export?format=parquet", headers=org.owner.headers)
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(response.content))
    assert table.num_rows == 4
    rows = table.to_pylist()
    assert {r["external_id"] for r in rows} == {None, "ext-9"}
    annotations = rows[0]["annotations"]
    assert (orjson.loads(annotations) if isinstance(annotations, str) else annotations)[0]["value"]


def test_only_managers_export(org, client):
    pid = org.project()["id"]
    assert (
        client.get(f"/api/v1/projects/{pid}/export", headers=org.member("reviewer").headers).status_code
        == 403
    )


def test_export_streams_in_batches(org, engine):
    from assay.services.exports import iter_export_batches

    pid = org.project()["id"]
    org.texts(pid, 25)
    batches = list(iter_export_batches(engine=engine, project_id=pid, batch_size=10))
    assert [len(b) for b in batches] == [10, 10, 5]
