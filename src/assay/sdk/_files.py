"""Streaming file transfer: uploads read in chunks, downloads written in chunks, both with progress."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

CHUNK = 256 * 1024

Progress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_done, bytes_total)``; the total is None when unknown."""

PathOrFile = str | os.PathLike[str] | IO[bytes]


def file_size(fileobj: IO[bytes]) -> int | None:
    """Bytes left to read in a seekable file; None when it cannot tell."""
    try:
        here = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(here)
        return end - here
    except (OSError, AttributeError, ValueError):
        return None


def read_chunks(fileobj: IO[bytes], total: int | None, progress: Progress | None) -> Iterator[bytes]:
    """The file's bytes chunk by chunk, reporting progress after each."""
    done = 0
    if progress:
        progress(0, total)
    while chunk := fileobj.read(CHUNK):
        if isinstance(chunk, str):
            chunk = chunk.encode()
        done += len(chunk)
        if progress:
            progress(done, total)
        yield chunk


def name_of(source: Any) -> str | None:
    """The file name of a path or open file, if it has one."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else None
