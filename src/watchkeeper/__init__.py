"""Watchkeeper: maritime and land-border monitoring for partner agencies."""

__version__ = "0.1.0"
__all__ = ["__version__"]
