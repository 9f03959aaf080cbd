"""Operators' KHQR tool: decode, verify or encode a Bakong KHQR string (docs/payments.md).

Exit codes: 0 done (or valid), 1 `verify` found the QR invalid, 2 bad input (unreadable QR or JSON,
refused encoder arguments). Messages name the SDK's error code where it has one.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from payments import khqr

BAD_INPUT = 2
INVALID = 1


def _describe(error: khqr.KHQRError) -> str:
    code = f" (SDK error {error.code})" if error.code is not None else ""
    return f"{error.name}{code}: {error.message}"


class Command(BaseCommand):
    help = "Decode, verify or encode a Bakong KHQR string, as NBC's official SDK does."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{decode,verify,encode}")
        decode = actions.add_parser("decode", help="Print the decoded fields as JSON (the SDK's names).")
        decode.add_argument("qr", help="The KHQR string.")
        verify = actions.add_parser("verify", help="Exit 0 when the QR is valid; else print why and exit 1.")
        verify.add_argument("qr", help="The KHQR string.")
        verify.add_argument("--now", type=int, help="Check expiry at this time (epoch ms) instead of now.")
        encode = actions.add_parser(
            "encode",
            help="Build a QR from the SDK's generateIndividual / generateMerchant arguments.",
        )
        encode.add_argument("json", help='e.g. {"type": "individual", "bakongAccountID": "a@bank", ...}')
        encode.add_argument("--now", type=int, help="Validate the expiration against this time (epoch ms).")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "decode":
                self._print_json(khqr.decode(options["qr"]))
            elif action == "verify":
                self._verify(options["qr"], options["now"])
            else:
                arguments = self._read_json(options["json"])
                self._print_json(self._encode(arguments, options["now"]).as_dict())
        except khqr.KHQRError as error:
            raise CommandError(_describe(error), returncode=BAD_INPUT) from error

    def _verify(self, qr: str, now_ms: int | None) -> None:
        result = khqr.verify(qr, now_ms=now_ms)
        if not result.valid:
            code = f" (SDK error {result.code})" if result.code is not None else ""
            raise CommandError(
                _("invalid: %(reason)s") % {"reason": f"{result.error}{code}: {result.reason}"},
                returncode=INVALID,
            )
        self.stdout.write(_("valid"))

    def _read_json(self, text: str) -> dict:
        if text == "-":
            text = sys.stdin.read()
        try:
            arguments = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                _("The JSON is not valid: %(error)s") % {"error": error}, returncode=BAD_INPUT
            ) from error
        if not isinstance(arguments, dict):
            raise CommandError(_("The JSON must be an object."), returncode=BAD_INPUT)
        return arguments

    def _encode(self, arguments: dict, now_ms: int | None) -> khqr.EncodedKHQR:
        kind = arguments.pop("type", None)
        if kind == "individual":
            return khqr.encode_individual(arguments, now_ms=now_ms)
        if kind == "merchant":
            return khqr.encode_merchant(arguments, now_ms=now_ms)
        raise CommandError(_('"type" must be "individual" or "merchant".'), returncode=BAD_INPUT)

    def _print_json(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
