"""A job handler that kills its whole worker process, as an out-of-memory kill or a native crash would."""

from __future__ import annotations

import os

from assay.jobs import JobContext


def die(ctx: JobContext) -> dict:
    """Exit the process at once (no cleanup, no failure recorded), with status 3."""
    os._exit(3)
