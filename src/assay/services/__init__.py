"""Use cases, one module per area. Functions are keyword-only; each write is one transaction."""
