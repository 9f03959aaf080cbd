"""Container health probe for the `web` service: GET /health on the local gunicorn.

Exit 0 when the portal answers 200, 1 otherwise (docker-compose.yml `healthcheck`). The request carries one
of the portal's own host names, so Django's ALLOWED_HOSTS accepts it. Standard library only: it runs in the
application image, where nothing else should be needed.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def host_name(allowed_hosts: str) -> str:
    """The first usable ALLOWED_HOSTS entry ('.example.gov.kh' means example.gov.kh and its subdomains)."""
    for entry in allowed_hosts.split(","):
        name = entry.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    port = os.environ.get("ESB_HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health",
        headers={"Host": host_name(os.environ.get("ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"health check failed: {exc.__class__.__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
