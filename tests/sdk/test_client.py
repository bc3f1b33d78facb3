"""The SDK against the real app in-process: the labeling loop end to end, files, errors and retries."""

from __future__ import annotations

import csv
import json

import httpx
import pyarrow.parquet as pq
import pytest

from assay import errors
from assay.sdk import (
    ApiError,
    Client,
    Conflict,
    ConnectionFailed,
    ImportRejected,
    NotFound,
    PermissionDenied,
    Project,
    Unauthenticated,
)
from tests.factories import TEXT_SCHEMA
from tests.sdk.conftest import BASE_URL

REVIEWS = [
    "Great phone, battery lasts two days.",
    "Arrived broken and support never answered.",
    "It is a kettle. It boils water.",
    "Alice from Acme fixed it in Paris within an hour.",
    "Would not buy again.",
]


def _write_jsonl(path, texts):  # type: ignore[no-untyped-def]
    path.write_text("".join(json.dumps({"text": t, "meta": {"n": i}}) + "\n" for i, t in enumerate(texts)))
    return path


def test_repr_hides_the_token():
    client = Client("http://example.com/api/v1/", "assay_secret-value")
    assert repr(client) == "Client(url='http://example.com', token='**********')"
    assert "secret" not in repr(client) and "secret" not in str(client)
    client.close()


def test_labeling_loop_end_to_end(sdk, org, client, tmp_path):
    project = sdk.create_project("Reviews", TEXT_SCHEMA, guidelines="# Be kind", overlap=1)
    assert isinstance(project, Project) and project.label_schema["inputs"][0]["name"] == "text"
    assert sdk.project(project.id).guidelines == "# Be kind"

    sent: list[tuple[int, int | None]] = []
    report = sdk.import_items(
        project.id,
        _write_jsonl(tmp_path / "reviews.jsonl", REVIEWS),
        progress=lambda done, total: sent.append((done, total)),
    )
    assert (report.rows, report.created, report.duplicates) == (5, 5, 0)
    size = (tmp_path / "reviews.jsonl").stat().st_size
    assert sent[0] == (0, size) and sent[-1] == (size, size)

    annotator = Client(BASE_URL, org.member("annotator").token, http=client, backoff=0)
    task = annotator.next_task(project.id)
    labeled = 0
    while task is not None:
        result = annotator.submit(project.id, task.lease_id, {"sentiment": "positive"}, next=True)
        assert result.annotation.item_id == task.item.id and not result.replayed
        labeled, task = labeled + 1, result.task
    assert labeled == 5 and annotator.next_task(project.id) is None

    progress = sdk.progress(project.id)
    assert (progress.items, progress.done, progress.annotations, progress.remaining) == (5, 5, 5, 0)
    [stats] = sdk.annotators(project.id)
    assert stats.annotations == 5

    out = tmp_path / "out.jsonl"
    received: list[int] = []
    written = sdk.export(project.id, out, progress=lambda done, total: received.append(done))
    assert written == out.stat().st_size == received[-1]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["payload"]["text"] for r in rows) == sorted(REVIEWS)
    assert all(len(r["annotations"]) == 1 for r in rows)
    assert not list(tmp_path.glob("*.part"))

    sdk.export(project.id, tmp_path / "out.parquet", format="parquet")
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert sorted(json.loads(r["payload"])["text"] for r in table) == sorted(REVIEWS)

    streamed = list(sdk.iter_export(project.id, status="complete"))
    assert [r["id"] for r in streamed] == [r["id"] for r in rows]


def test_import_csv_from_an_open_file_and_page_through_items(sdk, tmp_path):
    project = sdk.create_project("CSV", TEXT_SCHEMA)
    path = tmp_path / "rows.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([[f"review number {i}"] for i in range(7)])
    with open(path, "rb") as f:
        assert sdk.import_items(project.id, f).created == 7
    with open(path, "rb") as f:
        assert sdk.import_items(project.id, f, format="csv").duplicates == 7
    items = list(sdk.items(project.id, page_size=3))
    assert [i.payload["text"] for i in items] == [f"review number {i}" for i in range(7)]
    assert list(sdk.items(project.id, status="annotated")) == []
    detail = sdk.item(project.id, items[0].id)
    assert detail.annotations == []
    assert sdk.add_items(project.id, [{"text": "one more"}]).created == 1


def test_import_rejection_carries_every_bad_line(sdk, tmp_path):
    project = sdk.create_project("Bad rows", TEXT_SCHEMA)
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n{"other": 1}\nnot json\n')
    with pytest.raises(ImportRejected) as caught:
        sdk.import_items(project.id, path)
    error = caught.value
    assert isinstance(error, errors.ImportRejected)
    assert (error.status, error.code) == (422, "import_rejected")
    assert "nothing was imported" in error.message
    assert {e["line"] for e in error.details["errors"]} == {2, 3}
    assert sdk.progress(project.id).items == 0


def test_import_needs_a_format_for_a_nameless_stream(sdk):
    import io

    with pytest.raises(ValueError, match="format"):
        sdk.import_items(1, io.BytesIO(b'{"text": "x"}\n'))


def test_errors_map_to_exceptions_with_the_servers_message(sdk, org, client):
    with pytest.raises(NotFound, match="project 987654321 not found") as caught:
        sdk.project(987654321)
    assert caught.value.status == 404 and isinstance(caught.value, errors.NotFound)

    sdk.create_project("Twice", TEXT_SCHEMA)
    with pytest.raises(Conflict, match="already exists"):
        sdk.create_project("Twice", TEXT_SCHEMA)

    annotator = Client(BASE_URL, org.member("annotator").token, http=client)
    with pytest.raises(PermissionDenied, match="manager role"):
        annotator.create_project("Nope", TEXT_SCHEMA)

    with pytest.raises(Unauthenticated, match="invalid or revoked"):
        Client(BASE_URL, "assay_not-a-token", http=client).me()

    with pytest.raises(ApiError) as caught:
        sdk.create_project("Bad schema", {"questions": "nope"})
    assert caught.value.status == 422 and caught.value.message


def test_members_tokens_and_orgs(sdk, org, client):
    me = sdk.me()
    assert me.email == org.owner.email and me.role == "owner"
    assert sdk.org().id == org.org_id and [o.id for o in sdk.orgs()] == [org.org_id]

    added = sdk.add_member(f"person-{org.org_id}@example.com", "reviewer", skills=["fr"])
    assert added.password and added.role == "reviewer"
    assert sdk.update_member(added.user_id, role="manager").role == "manager"
    assert {m.user_id for m in sdk.members()} == {me.user_id, added.user_id}
    sdk.remove_member(added.user_id)
    with pytest.raises(NotFound):
        sdk.member(added.user_id)

    created = sdk.create_token("ci")
    assert created.token.startswith("assay_")
    assert Client(BASE_URL, created.token, http=client).me().user_id == me.user_id
    assert created.id in {t.id for t in sdk.tokens()}
    assert sdk.revoke_token(created.id).revoked_at is not None
    with pytest.raises(Unauthenticated):
        Client(BASE_URL, created.token, http=client).me()
    assert any(e.action == "token.revoke" for e in sdk.audit(limit=10))

    other = sdk.create_org(f"Second {org.org_id}")
    assert other.role == "owner"


def test_login_makes_a_token(org, client):
    member = org.member("annotator", password="a-long-password-1")
    sdk = Client.login(BASE_URL, member.email, "a-long-password-1", http=client)
    assert sdk.me().email == member.email
    assert "assay_session" not in client.cookies
    with pytest.raises(Unauthenticated, match="wrong e-mail or password"):
        Client.login(BASE_URL, member.email, "wrong-password", http=client)


def test_project_update_and_archive(sdk):
    project = sdk.create_project("Edit me", TEXT_SCHEMA)
    changed = sdk.update_project(project.id, guidelines="new text", overlap=2)
    assert changed.guidelines_version == project.guidelines_version + 1 and changed.overlap == 2
    assert [s.version for s in sdk.schemas(project.id)] == [1]
    assert sdk.archive_project(project.id).archived_at is not None
    assert project.id not in {p.id for p in sdk.projects()}
    assert project.id in {p.id for p in sdk.projects(include_archived=True)}


def test_submit_retry_after_a_lost_reply_is_replayed(org, flaky):
    project = org.project()
    org.texts(project["id"], 2)
    lost = []

    def lose_first_submit_reply(request: httpx.Request, attempt: int) -> object:
        if request.url.path.endswith("/submit") and not lost:
            lost.append(request.headers["idempotency-key"])
            return httpx.ReadTimeout("reply lost", request=request)
        return None

    http, transport = flaky(lose_first_submit_reply)
    sdk = Client(BASE_URL, org.member("annotator").token, http=http, backoff=0)
    task = sdk.next_task(project["id"])
    result = sdk.submit(project["id"], task.lease_id, {"sentiment": "negative"})
    assert result.replayed
    keys = [r.headers["idempotency-key"] for r in transport.calls if r.url.path.endswith("/submit")]
    assert keys == [lost[0], lost[0]]
    owner = Client(BASE_URL, org.owner.token, http=http, backoff=0)
    assert len(owner.item(project["id"], task.item.id).annotations) == 1


def test_idempotent_calls_retry_on_503_and_then_give_up(org, flaky):
    def unavailable_twice(request: httpx.Request, attempt: int) -> object:
        busy = {"error": {"code": "unavailable", "message": "busy"}}
        return httpx.Response(503, json=busy) if attempt <= 2 else None

    http, transport = flaky(unavailable_twice)
    assert Client(BASE_URL, org.owner.token, http=http, backoff=0).me().email == org.owner.email
    assert len(transport.calls) == 3

    http, _ = flaky(lambda request, attempt: httpx.Response(503, text="down"))
    with pytest.raises(ApiError) as caught:
        Client(BASE_URL, org.owner.token, http=http, backoff=0, retries=2).me()
    assert caught.value.status == 503

    # A POST that is not idempotent is not retried on 503.
    http, transport = flaky(lambda request, attempt: httpx.Response(503, text="down"))
    with pytest.raises(ApiError):
        Client(BASE_URL, org.owner.token, http=http, backoff=0).create_org("x")
    assert len(transport.calls) == 1


def test_unreachable_server_raises_connection_failed():
    with (
        Client("http://127.0.0.1:9", "t", retries=1, backoff=0, timeout=2) as sdk,
        pytest.raises(ConnectionFailed, match="cannot reach"),
    ):
        sdk.me()


def test_skip_gives_the_item_back_and_returns_the_next(org, client):
    project = org.project()
    org.texts(project["id"], 2)
    sdk = Client(BASE_URL, org.member("annotator").token, http=client, backoff=0)
    first = sdk.next_task(project["id"])
    second = sdk.skip(project["id"], first.lease_id, next=True)
    assert second is not None and second.item.id != first.item.id
    assert sdk.skip(project["id"], second.lease_id) is None
    assert sdk.next_task(project["id"]) is None
    with pytest.raises(errors.AssayError) as caught:
        sdk.submit(project["id"], first.lease_id, {"sentiment": "positive"})
    assert caught.value.status in (404, 409)
