"""Benchmark data and measurements at national scale (docs/performance.md)."""
