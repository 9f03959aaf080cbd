"""Synthetic registry data for scale benchmarks (development only: `bench/` is not part of the image).

`python -m bench.synthetic N` (or `make bench-data`) makes sure synthetic businesses 1..N exist; see
bench/README.md. Nothing in the portal's apps imports this package. `generator` needs Django set up;
`rows` does not (worker processes import it), so this package imports neither.
"""
