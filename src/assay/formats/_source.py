"""Open an import source as a binary stream, undoing gzip transparently (private helpers)."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Union

from assay.errors import InvalidInput

Source = Union[str, "os.PathLike[str]", BinaryIO]

GZIP_MAGIC = b"\x1f\x8b"
# Errors a truncated or corrupt gzip stream raises part-way through reading.
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
_SPOOL_LIMIT = 16 * 1024 * 1024
# Checked longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_FOREIGN_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


class _Prefixed(io.RawIOBase):
    """A stream that replays bytes already read from a non-seekable stream, then the rest of it."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._prefix:
            count = min(len(view), len(self._prefix))
            view[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        chunk = self._rest.read(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)


def _peek(stream: BinaryIO, size: int) -> tuple[bytes, BinaryIO]:
    """The first ``size`` bytes of ``stream`` and a stream that still starts at them."""
    if isinstance(stream, io.BufferedReader):
        return stream.peek(size)[:size], stream
    if stream.seekable():
        position = stream.tell()
        head = stream.read(size)
        stream.seek(position)
        return head, stream
    head = stream.read(size)
    return head, io.BufferedReader(_Prefixed(head, stream))  # type: ignore[return-value]


@contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    """Yield ``source`` as a binary stream; paths are opened and closed here, streams are left open."""
    if not isinstance(source, (str, os.PathLike)):
        yield source
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below, after the caller's generator finishes
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise InvalidInput(f"cannot open {os.fspath(source)}: {exc.strerror}") from exc
    with handle:
        yield handle


def text_bytes(stream: BinaryIO) -> BinaryIO:
    """The UTF-8 bytes of a text file: gunzipped when it starts with the gzip magic, UTF-16/32 refused."""
    head, stream = _peek(stream, len(GZIP_MAGIC))
    if head == GZIP_MAGIC:
        stream = io.BufferedReader(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type,assignment]
    try:
        head, stream = _peek(stream, 4)
    except GZIP_ERRORS as exc:
        raise InvalidInput(f"file is not a valid gzip stream: {exc}") from exc
    for bom, encoding in _FOREIGN_BOMS:
        if head.startswith(bom):
            raise InvalidInput(f"file is encoded as {encoding}; save it as UTF-8")
    return stream


@contextmanager
def seekable(stream: BinaryIO) -> Iterator[BinaryIO]:
    """``stream`` if it can seek, else a copy spooled to a temporary file (Parquet reads its footer first)."""
    if stream.seekable():
        yield stream
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT) as spool:
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        yield spool  # type: ignore[misc]
