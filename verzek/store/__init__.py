"""Crash-safe JSON persistence under the data directory, and the repositories over it."""
