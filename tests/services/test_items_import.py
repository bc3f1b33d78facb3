"""Bulk import through the service: rows go to the database in chunks from a background thread (COPY on
PostgreSQL, executemany on SQLite); order, de-duplication, escaping and all-or-nothing must hold regardless."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.db.models import Item, Project
from assay.errors import ImportRejected
from assay.formats import Record
from assay.schema import load_schema
from assay.services.item_rows import content_hash, parse_row
from assay.services.items import import_records
from tests.factories import TEXT_SCHEMA


def _import(engine, org, pid, rows, *, source="import"):
    with Session(engine, expire_on_commit=False) as session:
        project = session.get(Project, pid)
        records = (Record(line=n, data=row) for n, row in enumerate(rows, start=1))
        return import_records(
            session=session,
            actor=org.owner.actor(org.org_id),
            project=project,
            records=records,
            source=source,
        )


def _items(engine, pid):
    with Session(engine) as session:
        return list(session.scalars(select(Item).where(Item.project_id == pid).order_by(Item.id)))


def test_large_import_keeps_file_order_and_drops_duplicates_across_chunks(org, engine):
    pid = org.project()["id"]
    # 2,600 rows: more than a few chunks; every 7th row repeats a row about 1,200 rows earlier.
    rows = [{"text": f"item {n}", "external_id": f"e{n}", "priority": n % 3} for n in range(2600)]
    for n in range(1300, 2600, 7):
        rows[n] = {"text": f"item {n - 1200}", "external_id": f"dup{n}"}
    duplicates = len(range(1300, 2600, 7))
    report = _import(engine, org, pid, rows)
    assert (report.rows, report.created, report.duplicates) == (2600, 2600 - duplicates, duplicates)
    items = _items(engine, pid)
    kept = [row for n, row in enumerate(rows) if not (n >= 1300 and (n - 1300) % 7 == 0)]
    assert [i.external_id for i in items] == [row["external_id"] for row in kept]  # ids follow the file
    assert [i.priority for i in items[:5]] == [0, 1, 2, 0, 1]
    assert items[0].content_hash == content_hash({"text": "item 0"})
    assert {i.source for i in items} == {"import"} and not any(i.complete or i.n_done for i in items)

    # A second import into the (now non-empty) project: existing content is skipped, new content added.
    again = _import(engine, org, pid, [{"text": "item 5"}, {"text": "brand new"}, {"text": "brand new"}])
    assert (again.created, again.duplicates) == (1, 2)
    assert _items(engine, pid)[-1].payload == {"text": "brand new"}


def test_values_that_need_escaping_arrive_unchanged(org, engine):
    pid = org.project()["id"]
    tricky = "tab\there, new\nline, cr\r, back\\slash, \\N, quote \" and 'single', unicode é ✓ 🦄"
    rows = [
        {
            "text": tricky,
            "external_id": "id\twith\\odd\nbits",
            "meta": {"path": "C:\\dir\\file", "n": [1, 2.5]},
        },
        {"data": {"text": "\\", "extra": {"nested": "\t"}}, "meta": {}, "external_id": 42},
        {"text": "plain"},
    ]
    assert _import(engine, org, pid, rows).created == 3
    first, second, third = _items(engine, pid)
    assert first.payload == {"text": tricky} and first.external_id == "id\twith\\odd\nbits"
    assert first.meta == {"path": "C:\\dir\\file", "n": [1, 2.5]}
    assert second.payload == {"text": "\\", "extra": {"nested": "\t"}} and second.external_id == "42"
    assert third.external_id is None and third.meta == {}


def test_a_bad_row_after_many_good_ones_imports_nothing(org, engine):
    pid = org.project()["id"]
    rows = (
        [{"text": f"good {n}"} for n in range(3000)] + [{"text": 5}] + [{"text": "after"}, {"priority": "x"}]
    )
    with pytest.raises(ImportRejected) as caught:
        _import(engine, org, pid, rows)
    problems = {(e["line"], e["field"]) for e in caught.value.details["errors"]}
    assert problems == {(3001, "text"), (3003, "data"), (3003, "priority")}
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Item.project_id == pid)) == 0
    # The connection went back clean: the next import works.
    assert _import(engine, org, pid, [{"text": "good 1"}]).created == 1


def test_records_may_come_from_a_generator_that_queries_the_same_session(org, engine):
    """Comparison and reward imports read their rows through the importing session while rows are written."""
    pid = org.project()["id"]
    result: dict[str, object] = {}

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            project = session.get(Project, pid)

            def records():
                for n in range(2500):
                    if n % 250 == 0:  # a query between rows, as a lazy generator over the database does
                        session.execute(select(func.count()).select_from(Item)).scalar()
                    yield Record(line=n + 1, data={"text": f"queried {n}"})

            result["report"] = import_records(
                session=session, actor=org.owner.actor(org.org_id), project=project, records=records()
            )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the import hung"
    assert result["report"].created == 2500  # type: ignore[attr-defined]


def test_parse_row_checks_each_field():
    schema = load_schema(TEXT_SCHEMA)
    row, problems = parse_row({"text": "hi", "priority": " 7 ", "external_id": 12, "meta": {"a": 1}}, schema)
    assert problems == [] and (row.priority, row.external_id, row.meta) == (7, "12", {"a": 1})
    assert row.payload == {"text": "hi"} and row.content_hash == content_hash({"text": "hi"})
    assert parse_row({"data": {"text": "x"}, "text": "ignored"}, schema)[0].payload == {"text": "x"}
    cases = {
        "priority": [
            {"text": "a", "priority": True},
            {"text": "a", "priority": 1.5},
            {"text": "a", "priority": 2**31},
        ],
        "meta": [{"text": "a", "meta": None}, {"text": "a", "meta": [1]}],
        "external_id": [{"text": "a", "external_id": False}, {"text": "a", "external_id": "x" * 201}],
        "data": [{"data": None}, {"data": "text"}, {"meta": {}}, {"data": {}}],
        "text": [{"text": 3}, {"body": "no text field"}],
    }
    for field, rows in cases.items():
        for data in rows:
            row, problems = parse_row(data, schema)
            assert row is None and field in {f for f, _ in problems}, (data, problems)
    assert parse_row({"text": "a", "priority": "-3"}, schema)[0].priority == -3
