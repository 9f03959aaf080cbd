"""Print a CamDigiKey ORGANIZATION access token of the Ministry of Commerce's sandbox client (`moc-api-dev`,
domain api.moc.gov.kh), as that ministry's system would get one, for trying the Part 5 API by hand
(docs/api.md):

    TOKEN=$(.venv/bin/python scripts/sandbox_org_token.py)                     # portal at ESB_PUBLIC_BASE_URL
    TOKEN=$(.venv/bin/python scripts/sandbox_org_token.py --base-url http://127.0.0.1:8000/sandbox/camdigikey)

The request is CamDigiKey's real protocol (an HMAC-signed, AES-encrypted envelope), which is why a plain curl
cannot ask for the token. Sandbox credentials only: a real ministry uses its own CamDigiKey client.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base-url",
        default="",
        help="the CamDigiKey simulator (default: {ESB_PUBLIC_BASE_URL}/sandbox/camdigikey, as the portal)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
    os.environ.setdefault("ESB_ENV", "development")
    import django

    django.setup()
    from accounts.camdigikey.client import CamDigiKeyClient, http_config
    from accounts.camdigikey.config import CamDigiKeyConfig
    from esb import http
    from sandbox.camdigikey.demo import MOC_API_CLIENT

    config = dataclasses.replace(
        CamDigiKeyConfig.from_settings(),
        client_id=MOC_API_CLIENT["client_id"],
        domain=MOC_API_CLIENT["domain"],
        hmac_key=MOC_API_CLIENT["hmac_key"],
        aes_secret_key=MOC_API_CLIENT["aes_secret_key"],
        aes_iv=MOC_API_CLIENT["aes_iv"],
    )
    if args.base_url:
        config = dataclasses.replace(config, base_url=args.base_url.rstrip("/"))
    client = CamDigiKeyClient(config, http_client=http.HttpClient(http_config(config)))
    print(client.get_organization_access_token())
    return 0


if __name__ == "__main__":
    sys.exit(main())
