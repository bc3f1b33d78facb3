"""Browser pages (placeholder until the workspace lands)."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the workspace pages and static files on ``app``."""
