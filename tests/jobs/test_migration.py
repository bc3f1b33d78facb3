"""Migration 0004 creates exactly the tables, columns and indexes the models declare."""

from __future__ import annotations

from sqlalchemy import inspect

from assay.db.models import Job, ModelResponse


def test_llm_tables_match_the_models(engine):
    inspector = inspect(engine)
    for model in (Job, ModelResponse):
        table = model.__table__
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, column.name
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes
    uniques = [set(u["column_names"]) for u in inspector.get_unique_constraints("responses")]
    assert {"item_id", "model", "model_version"} in uniques
