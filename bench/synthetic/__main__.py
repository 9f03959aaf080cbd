"""`python -m bench.synthetic N`: add synthetic businesses 1..N (with owners) to the database of DATABASE_URL.

Idempotent: run it again with a larger N to grow the data set. Refused when ESB_ENV=production.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    # DEFAULT_BATCH is repeated here rather than imported: the generator needs Django set up first.
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__)
    parser.add_argument("businesses", type=int, metavar="N", help="synthetic businesses wanted, e.g. 1000000")
    parser.add_argument(
        "--batch", type=int, default=20_000, metavar="ROWS", help="rows per COPY batch (default 20,000)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes that encrypt identifiers (default: 2 for large runs, 0 for small)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench.synthetic.generator import SyntheticDataError, generate

    if settings.IS_PRODUCTION:
        print("Synthetic data is never generated when ESB_ENV=production.", file=sys.stderr)
        return 2
    try:
        generate(args.businesses, sys.stdout, batch_size=max(1000, args.batch), workers=args.workers)
    except SyntheticDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
