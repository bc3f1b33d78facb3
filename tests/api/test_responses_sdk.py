"""The SDK's LLM-data methods against the real app in-process."""

from __future__ import annotations

import io

import orjson
import pytest

from assay.sdk import Client, Job, ModelResponse, PermissionDenied
from tests.api.llm_fixtures import CHAT_SCHEMA, COMPARISON_SCHEMA, chat


@pytest.fixture
def sdk(org, client):
    return Client("http://testserver", org.owner.token, http=client, backoff=0)


def test_responses_jobs_comparisons_and_training_export(sdk, org, client, monkeypatch):
    monkeypatch.setattr("assay.backends.guard._resolve", lambda host, port: ["93.184.216.34"])
    src = sdk.create_project(name="sdk-prompts-" + str(org.org_id), label_schema=CHAT_SCHEMA).id
    sdk.add_items(src, [chat("one"), chat("two")])
    ids = [item.id for item in sdk.items(src)]
    added = sdk.add_responses(
        src,
        [
            {"item_id": i, "model": m, "model_version": "1", "content": f"{m}:{i}"}
            for i in ids
            for m in ("x", "y")
        ],
    )
    assert all(isinstance(r, ModelResponse) for r in added) and len(added) == 4
    assert [r.content for r in sdk.responses(src, model="y", page_size=1)] == [f"y:{i}" for i in ids]

    job = sdk.generate(src, model="gen", base_url="https://llm.test/v1", temperature=0.1)
    assert isinstance(job, Job) and job.status == "queued" and job.params["temperature"] == 0.1
    assert [j.id for j in sdk.jobs(src)] == [job.id] and job.id in [j.id for j in sdk.jobs()]
    assert sdk.cancel_job(job.id).status == "cancelled"
    assert sdk.wait_for_job(job.id, poll=0).status == "cancelled"

    target = sdk.create_project(name="sdk-pairs-" + str(org.org_id), label_schema=COMPARISON_SCHEMA).id
    report = sdk.make_comparisons(target, ["x@1", "y@1"], source_project_id=src, seed=5)
    assert report.created == 2
    annotator = Client("http://testserver", org.member().token, http=client, backoff=0)
    task = annotator.next_task(target)
    while task:
        task = annotator.submit(
            target, task.lease_id, {"preference": {"choice": "B", "strength": 1}}, next=True
        ).task
    buffer = io.BytesIO()
    written = sdk.export_training(target, buffer, "preferences")
    rows = [orjson.loads(line) for line in buffer.getvalue().splitlines()]
    assert written == len(buffer.getvalue()) and len(rows) == 2 and rows[0]["strength"] == 1
    with pytest.raises(PermissionDenied):
        list(annotator.responses(src))
