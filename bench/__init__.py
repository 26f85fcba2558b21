"""Performance benchmarks (not tests): `make bench`. Figures go to docs/performance.md."""
