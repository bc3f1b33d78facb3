"""PostgreSQL connections for code that runs on the event loop: one small psycopg async pool per loop.

The queue's fast path (``assay.services.labeling.cycle_pg_async``) waits on the database without a thread hop.
Connections are in autocommit mode: each statement is its own transaction. Pools belong to the event loop that
opened them (an ASGI server has one per worker process); ``close_pools`` closes the current loop's pools, as
the app does on shutdown.
"""

from __future__ import annotations

import asyncio
import weakref

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine

POOL_SIZE = 8  # the queue's statements take about a millisecond: a few connections keep up with a worker
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncConnectionPool]] = (
    weakref.WeakKeyDictionary()
)
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def conninfo(engine: Engine) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL engine."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def pool_for(engine: Engine) -> AsyncConnectionPool:
    """This event loop's pool for ``engine``'s database, opened on first use."""
    loop = asyncio.get_running_loop()
    key = conninfo(engine)
    pools = _pools.setdefault(loop, {})
    pool = pools.get(key)
    if pool is not None:
        return pool
    async with _locks.setdefault(loop, asyncio.Lock()):
        pool = pools.get(key)
        if pool is None:
            pool = AsyncConnectionPool(
                key,
                min_size=0,
                max_size=POOL_SIZE,
                max_idle=60,
                open=False,
                kwargs={"autocommit": True, "prepare_threshold": 1},
                name="assay-queue",
            )
            await pool.open()
            pools[key] = pool
    return pool


async def close_pools() -> None:
    """Close the pools this event loop opened."""
    loop = asyncio.get_running_loop()
    for pool in _pools.pop(loop, {}).values():
        await pool.close()
