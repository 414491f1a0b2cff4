"""Benchmarks of the quarterly job: ``python -m bench`` (see ``bench.run``). Not shipped."""
