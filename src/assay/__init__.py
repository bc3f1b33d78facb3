"""assay: an open training-data engine."""

__version__ = "0.1.0"
__all__ = ["__version__"]
