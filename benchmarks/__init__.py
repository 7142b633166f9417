"""Runnable benchmarks and the demo journey (`make bench`, `make demo`)."""
