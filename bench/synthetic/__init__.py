"""Synthetic registry data for scale benchmarks (development only: `bench/` is not part of the image).

`python -m bench.synthetic N` (or `make bench-data`) makes sure synthetic businesses 1..N exist; see
bench/README.md. Nothing in the portal's apps imports this package.
"""

from bench.synthetic.generator import DEFAULT_BATCH, GenerateResult, SyntheticDataError, generate

__all__ = ["DEFAULT_BATCH", "GenerateResult", "SyntheticDataError", "generate"]
