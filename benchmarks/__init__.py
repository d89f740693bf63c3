"""Benchmarks of Watchkeeper against peer tools (run as ``python -m benchmarks.<name>``)."""
