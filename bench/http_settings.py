"""Settings of the HTTP benchmarks: the portal's own (esb.settings, same environment variables), with a URL
configuration that adds the bench-only reference views of `bench.http_urls`. Only gunicorn processes the
benchmarks start use it (`DJANGO_SETTINGS_MODULE=bench.http_settings`): the production URL configuration has
no such view, and bench/ is not in the image (.dockerignore)."""

from esb import settings as _portal

# every setting of the portal (its __all__ names only UNFOLD, so `import *` would not do)
globals().update({name: value for name, value in vars(_portal).items() if name.isupper()})

ROOT_URLCONF = "bench.http_urls"

# bench/dashboard.py --uncached: the dashboard draws its figures on every request (no kept drawing)
import os as _os  # noqa: E402

if _os.environ.get("BENCH_DASHBOARD_UNCACHED") == "1":
    DASHBOARD_FIGURES_SECONDS = 0
