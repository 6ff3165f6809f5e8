"""Registry-scale benchmark of the warehouse: a synthetic corpus generator and a benchmark harness.

`python -m bench.corpus` (`make corpus N=...`) writes N studies in the ClinicalTrials.gov API v2
shape plus republished pages; `python -m bench.run` (`make bench N=...`) measures a full rebuild,
a nightly increment, the DuckDB scan floor, the ctgforge peer and page parsing on that corpus.
See BENCHMARKS.md.
"""
