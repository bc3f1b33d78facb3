"""Shared API models."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Strict(BaseModel):
    """Request bodies: unknown fields are an error, so typos don't pass silently."""

    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    """Response bodies, built from table rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``after`` to get the next page (null at the end)."""

    items: list[T]
    next_cursor: int | None = None
