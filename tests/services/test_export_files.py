"""Export files built by the database (``exports.export_chunks``) hold the same rows as the row-by-row path
(``iter_export_batches`` and the format writers): values, types, order, filters, consensus, batches."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import orjson
import pyarrow.parquet as pq
from sqlalchemy import update
from sqlalchemy.orm import Session

from assay.db.models import Annotation, Project
from assay.formats import iter_records, jsonl_chunks, parquet_chunks
from assay.services import consensus, exports
from tests.api.test_quality import label


def _canonical(line: bytes) -> bytes:
    # Sorted keys, orjson's spacing: equal bytes mean equal values *and* types (1.0 is not 1).
    return orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)


def _old_jsonl(engine, pid, **filters) -> bytes:
    batches = exports.iter_export_batches(engine=engine, project_id=pid, **filters)
    return b"".join(jsonl_chunks(row for batch in batches for row in batch))


def _new(engine, pid, fmt="jsonl", **filters) -> bytes:
    return b"".join(exports.export_chunks(engine=engine, project_id=pid, fmt=fmt, batch_size=3, **filters))


def _labeled_project(org, client, engine) -> int:
    """Items with odd text, two annotators on some items, a float lead time of 3.0, stored consensus."""
    pid = org.project(overlap=2)["id"]
    org.add_items(
        pid,
        [
            {"text": "plain"},
            {
                "text": 'quote " back\\slash \t tab é ✓ 🦄',
                "external_id": 'ext "1"',
                "meta": {"x": 0.1, "y": [1]},
            },
            {"data": {"text": "nested"}, "meta": {"deep": {"n": None, "f": 2.0}}, "priority": 3},
            *({"text": f"filler {n}"} for n in range(5)),
        ],
    )
    for member in (org.member(), org.member()):
        label(client, pid, member, lambda text: {"sentiment": "positive" if "e" in text else "negative"})
    with Session(engine) as session:  # a lead time that is a whole number, and one that needs 17 digits
        first, second = session.scalars(
            Annotation.__table__.select()
            .with_only_columns(Annotation.id)
            .where(Annotation.project_id == pid)
            .order_by(Annotation.id)
            .limit(2)
        )
        session.execute(update(Annotation).where(Annotation.id == first).values(lead_seconds=3.0))
        session.execute(update(Annotation).where(Annotation.id == second).values(lead_seconds=0.1 + 0.2))
        session.commit()
        project = session.get(Project, pid)
    consensus.ensure_fresh(engine, project, force=True)
    org.add_items(pid, [{"text": "unlabeled later"}])
    return pid


def test_jsonl_lines_match_the_row_path(org, client, engine):
    pid = _labeled_project(org, client, engine)
    past = datetime.now(UTC) - timedelta(hours=1)
    future = datetime.now(UTC) + timedelta(hours=1)
    for filters in (
        {},
        {"status": "complete"},
        {"status": "unannotated"},
        {"since": past},
        {"until": future},
        {"since": future},
        {"since": past, "until": future, "status": "annotated"},
    ):
        old, new = _old_jsonl(engine, pid, **filters), _new(engine, pid, **filters)
        old_lines, new_lines = old.splitlines(), new.splitlines()
        assert [_canonical(line) for line in new_lines] == [_canonical(line) for line in old_lines], filters
        if engine.dialect.name == "sqlite":
            assert new == old  # SQLite: byte for byte
    rows = [orjson.loads(line) for line in _new(engine, pid).splitlines()]
    assert len(rows) == 9 and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert rows[1]["external_id"] == 'ext "1"' and rows[1]["payload"]["text"].endswith("🦄")
    leads = [a["lead_seconds"] for r in rows for a in r["annotations"]]
    assert 3.0 in leads and isinstance(leads[leads.index(3.0)], float) and 0.1 + 0.2 in leads
    labeled = [r for r in rows if r["annotations"]]
    assert labeled and all(r["consensus"]["sentiment"]["n_labels"] == 2 for r in labeled)
    assert isinstance(labeled[0]["consensus"]["sentiment"]["confidence"], float)
    assert rows[-1]["annotations"] == [] and rows[-1]["consensus"] == {}
    assert rows[0]["created_at"].endswith("+00:00") or engine.dialect.name == "sqlite"


def test_parquet_columns_match_the_row_path(org, client, engine):
    pid = _labeled_project(org, client, engine)
    old_file = b"".join(
        parquet_chunks(
            exports.iter_export_batches(engine=engine, project_id=pid),
            schema=exports.PARQUET_SCHEMA,
            json_columns=exports.JSON_COLUMNS,
        )
    )
    old, new = pq.read_table(io.BytesIO(old_file)), pq.read_table(io.BytesIO(_new(engine, pid, "parquet")))
    assert new.schema.equals(old.schema, check_metadata=True)

    def parsed(table):
        return [
            {k: orjson.loads(v) if k in exports.JSON_COLUMNS else v for k, v in row.items()}
            for row in table.to_pylist()
        ]

    assert parsed(new) == parsed(old) and new.num_rows == 9
    # The JSON columns are marked, so the file imports back as items (payload, meta).
    records = list(iter_records(io.BytesIO(_new(engine, pid, "parquet")), "parquet"))
    assert (
        records[1].data["payload"]["text"].startswith('quote "')
        and records[2].data["meta"]["deep"]["f"] == 2.0
    )


def test_batches_never_mix_projects_whose_ids_interleave(org, client, engine):
    mine, other = org.project()["id"], org.project()["id"]
    for n in range(4):  # alternate imports: the two projects' id ranges overlap
        org.add_items(mine, [{"text": f"mine {n}"}, {"text": f"mine {n}b"}])
        org.add_items(other, [{"text": f"other {n}"}])
    label(client, other, org.member(), lambda text: {"sentiment": "neutral"})
    for fmt in ("jsonl", "parquet"):
        data = _new(engine, mine, fmt)
        rows = (
            [orjson.loads(line) for line in data.splitlines()]
            if fmt == "jsonl"
            else pq.read_table(io.BytesIO(data)).to_pylist()
        )
        texts = [(r["payload"] if fmt == "jsonl" else orjson.loads(r["payload"]))["text"] for r in rows]
        assert texts == [f"mine {n}{s}" for n in range(4) for s in ("", "b")]
        assert all(r["annotations"] in ([], "[]") for r in rows)  # the other project's labels stay out
    assert (
        b"".join(exports.export_chunks(engine=engine, project_id=mine, fmt="jsonl", status="complete")) == b""
    )
    assert pq.read_table(io.BytesIO(_new(engine, mine, "parquet", status="complete"))).num_rows == 0


def test_export_is_streamed_batch_by_batch(org, engine):
    pid = org.project()["id"]
    org.texts(pid, 10)
    chunks = list(exports.export_chunks(engine=engine, project_id=pid, fmt="jsonl", batch_size=4))
    assert [chunk.count(b"\n") for chunk in chunks] == [4, 4, 2]
    table = pq.read_table(io.BytesIO(_new(engine, pid, "parquet")))
    assert (
        table.num_rows == 10 and pq.ParquetFile(io.BytesIO(_new(engine, pid, "parquet"))).num_row_groups == 4
    )
