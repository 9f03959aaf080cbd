"""Registry lookup latency at scale: p50/p95/p99 of the registry selectors against a large database.

Prepare a database with synthetic businesses, then run this script against it:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_registry
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    .venv/bin/python -m bench.synthetic 1000000
    .venv/bin/python bench/registry_lookups.py --samples 1000

Each lookup goes through `registry.selectors` exactly as the portal and the APIs call it, and the timing
includes fetching the rows into Python objects. Inputs are drawn (seeded, so runs are comparable) from the
synthetic businesses present: their Single IDs, their owners' identity numbers, and names as an officer would
type them. See bench/README.md for what each line measures and docs/registry.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
os.environ.setdefault("DEBUG", "0")  # DEBUG records every query: not what production does

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.synthetic import rows  # noqa: E402
from registry import selectors  # noqa: E402
from registry.models import Business  # noqa: E402


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def synthetic_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(single_id) FROM registry_business WHERE single_id BETWEEN %s AND %s",
            [rows.single_id(1), rows.single_id(rows.MAX_SYNTHETIC)],
        )
        top = cursor.fetchone()[0]
    return int(top[1:]) if top else 0


def brand_words(index: int, script: int) -> str:
    """The two distinctive words of a synthetic name (what someone who knows the company types)."""
    words, _activity = rows.name_parts(index)
    return " ".join(word[script] for word in words)


def typo(text: str, rng: random.Random) -> str:
    """Drop one letter from a longer word: the kind of slip trigram similarity should survive."""
    words = text.split()
    longest = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[longest]
    cut = rng.randrange(1, len(word) - 1)
    words[longest] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def lookups(indexes: list[int], rng: random.Random) -> dict[str, tuple[Callable, list]]:
    """name -> (call returning a list of businesses, inputs)."""
    search = lambda q: selectors.search_businesses(q, limit=20)  # noqa: E731
    full_names = dict(
        Business.objects.filter(single_id__in=[rows.single_id(i) for i in indexes]).values_list(
            "single_id", "name_en"
        )
    )
    return {
        "Single ID (exact)": (
            lambda sid: [b] if (b := selectors.business_by_single_id(sid)) else [],
            [rows.single_id(i) for i in indexes],
        ),
        "owner identity number (keyed hash)": (
            lambda number: list(selectors.businesses_for_person(number)),
            [rows.owner_identity(i)[1] for i in indexes],
        ),
        "name in Khmer (2 words)": (search, [brand_words(i, 0) for i in indexes]),
        "name in English (2 words)": (search, [brand_words(i, 1) for i in indexes]),
        "name in English, full name": (search, [full_names[rows.single_id(i)] for i in indexes]),
        "name in English with a typo (fuzzy)": (search, [typo(brand_words(i, 1), rng) for i in indexes]),
        "name, one common word (broad)": (
            search,
            [rng.choice(rows.BRAND_WORDS)[rng.randrange(2)] for _ in indexes],
        ),
    }


def run(samples: int, seed: int, warmup: int) -> dict:
    total = synthetic_count()
    if total < 1000:
        sys.exit(
            "Fewer than 1,000 synthetic businesses: "
            "run `python -m bench.synthetic 1000000` (make bench-data) first."
        )
    rng = random.Random(seed)
    indexes = [rng.randint(1, total) for _ in range(samples)]
    targets = [rows.single_id(i) for i in indexes]
    report = {
        "synthetic_businesses": total,
        "businesses": Business.objects.count(),
        "samples": samples,
        "lookups": {},
    }
    for name, (call, inputs) in lookups(indexes, rng).items():
        for value in inputs[:warmup]:
            call(value)
        timings, answered, hit = [], 0, 0
        for value, target in zip(inputs, targets, strict=True):
            started = time.perf_counter()
            result = call(value)
            timings.append((time.perf_counter() - started) * 1000)
            answered += bool(result)
            hit += target in {b.single_id for b in result}
        timings.sort()
        report["lookups"][name] = {
            "n": len(timings),
            "p50_ms": round(percentile(timings, 0.50), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "p99_ms": round(percentile(timings, 0.99), 2),
            "max_ms": round(timings[-1], 2),
            "mean_ms": round(statistics.fmean(timings), 2),
            "answered_pct": round(100 * answered / len(timings), 1),
            # the business the input was drawn from is among the (at most 20) results
            "target_found_pct": round(100 * hit / len(timings), 1),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1000, help="lookups per kind (default 1000)")
    parser.add_argument("--seed", type=int, default=20260101, help="random seed for the inputs")
    parser.add_argument("--warmup", type=int, default=50, help="untimed lookups per kind first (default 50)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    report = run(args.samples, args.seed, args.warmup)
    print(
        f"{report['businesses']:,} businesses ({report['synthetic_businesses']:,} synthetic), "
        f"{args.samples:,} lookups of each kind, PostgreSQL {connection.pg_version // 10000}"
    )
    print(
        f"{'lookup':<40} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'answered':>9} {'target':>7}"
    )
    for name, figures in report["lookups"].items():
        print(
            f"{name:<40} {figures['p50_ms']:>8.2f} {figures['p95_ms']:>8.2f} {figures['p99_ms']:>8.2f} "
            f"{figures['max_ms']:>8.2f} {figures['answered_pct']:>8.1f}% {figures['target_found_pct']:>6.1f}%"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
