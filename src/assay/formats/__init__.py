"""Streaming readers and writers for bulk import and export of items (JSON lines, CSV/TSV, Parquet)."""

from assay.formats._common import DEFAULT_JSON_COLUMNS, Record
from assay.formats.rows import FORMATS, SUPPORTED_EXTENSIONS, Format, detect_format, iter_records
from assay.formats.writers import csv_chunks, jsonl_chunks, parquet_chunks, parquet_tables

__all__ = [
    "DEFAULT_JSON_COLUMNS",
    "FORMATS",
    "SUPPORTED_EXTENSIONS",
    "Format",
    "Record",
    "csv_chunks",
    "detect_format",
    "iter_records",
    "jsonl_chunks",
    "parquet_chunks",
    "parquet_tables",
]
