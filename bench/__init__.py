"""Ficshelf benchmarks at scale: `python -m bench [--sizes 10k,100k,1m] [--quick]`.

A deterministic synthetic library (generator.py, built through the real store by build.py
and cached under bench/out/), then index throughput, excerpt and autocomplete latency,
startup time and peak memory, each beside a baseline measured in the same run.
"""
