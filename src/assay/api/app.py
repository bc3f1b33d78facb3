"""The FastAPI application: routers under /api/v1, the browser workspace, error handling, middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine
from starlette.types import Receive, Scope, Send

from assay import __version__
from assay.api import errors
from assay.api.fast_queue import QueueFastPath
from assay.api.middleware import BodyLimit, SecurityHeaders
from assay.api.routes import auth, exports, items, orgs, projects, queue, tokens
from assay.api.routes import jobs as job_routes
from assay.api.routes import leaderboards as leaderboard_routes
from assay.api.routes import quality as quality_routes
from assay.api.routes import responses as response_routes
from assay.api.routes import review as review_routes
from assay.api.routes import rewards as reward_routes
from assay.db import async_pg, make_engine, upgrade
from assay.settings import Settings

log = logging.getLogger("assay")


def api_router() -> APIRouter:
    """Every REST router, mounted under /api/v1."""
    router = APIRouter(prefix="/api/v1")
    for module in (auth, orgs, tokens, projects, items, queue, exports):
        router.include_router(module.router)
    for module in (quality_routes, review_routes):
        router.include_router(module.router)
    for module in (response_routes, job_routes):
        router.include_router(module.router)
    router.include_router(leaderboard_routes.router)
    router.include_router(reward_routes.router)

    @router.get("/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness check; needs no credentials and touches no database."""
        return {"status": "ok", "version": __version__}

    return router


class AssayAPI(FastAPI):
    """FastAPI with the labeling queue's fast path in front of everything else (``assay.api.fast_queue``)."""

    fast_path: QueueFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the fast path, which passes everything but the queue's routes on to FastAPI."""
        if self.fast_path is None:
            await super().__call__(scope, receive, send)
        else:
            await self.fast_path(scope, receive, send)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; refuses to start without a strong secret key outside dev mode."""
    settings = settings or Settings()
    secret = settings.resolved_secret()
    engine = engine or make_engine(settings.db_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            upgrade(engine)
        from assay.jobs import Worker

        workers = [Worker(engine, settings) for _ in range(settings.job_workers)]
        for worker in workers:
            worker.start()
        yield
        for worker in workers:
            worker.stop()
        await async_pg.close_pools()

    app = AssayAPI(
        title="assay",
        version=__version__,
        description="Training-data engine: labeling, workforce, quality, model in the loop.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings, app.state.engine, app.state.secret = settings, engine, secret
    errors.install(app)
    app.include_router(api_router())
    from assay.web.routes import install as install_web

    install_web(app)
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    app.fast_path = QueueFastPath(
        partial(FastAPI.__call__, app), state=app.state, max_body=settings.max_body_bytes
    )
    return app


def factory() -> FastAPI:
    """Entry point for ``uvicorn --factory assay.api.app:factory`` (settings from the environment)."""
    return create_app()
