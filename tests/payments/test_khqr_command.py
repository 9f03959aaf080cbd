"""`manage.py khqr decode|verify|encode`: JSON output with the SDK's names, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from payments.management.commands.khqr import Command
from tests.payments.khqr_vectors import G2, G3, G3_DECODED, G5, G5_NEGATIVE, G7, G7_CREATED, MD5

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("khqr", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("khqr", *args, stdout=StringIO())
    return error.value


def test_decode_prints_the_sdk_fields_as_json():
    assert json.loads(run("decode", G3)) == G3_DECODED


def test_decode_keeps_khmer_readable():
    qr = json.loads(
        run(
            "encode",
            json.dumps(
                {
                    "type": "individual",
                    "bakongAccountID": "a@bank",
                    "merchantName": "A",
                    "languagePreference": "km",
                    "merchantNameAlternateLanguage": "ក្រសួងពាណិជ្ជកម្ម",
                }
            ),
        )
    )["qr"]
    output = run("decode", qr)
    assert "ក្រសួងពាណិជ្ជកម្ម" in output
    assert json.loads(output)["languagePreference"] == "km"


def test_decode_of_a_malformed_string_is_bad_input():
    error = refused("decode", G2)
    assert error.returncode == 2
    assert "TLV_LENGTH_NOT_NUMERIC" in str(error)


def test_verify_valid_and_invalid():
    assert run("verify", G5).strip() == "valid"
    assert run("verify", G7, "--now", str(G7_CREATED)).strip() == "valid"
    error = refused("verify", G5_NEGATIVE)
    assert error.returncode == 1
    assert "CRC_INVALID" in str(error)
    expired = refused("verify", G7)
    assert expired.returncode == 1
    assert "KHQR_EXPIRED (SDK error 46)" in str(expired)


def test_encode_individual_with_sdk_arguments():
    arguments = {
        "type": "individual",
        "bakongAccountID": "jonhsmith@nbcq",
        "merchantName": "Jonh Smith",
        "merchantCity": "Phnom Penh",
        "optional": {"currency": 116, "billNumber": "INV-0001", "storeLabel": "MOC", "terminalLabel": "WEB"},
    }
    assert json.loads(run("encode", json.dumps(arguments))) == {"qr": G5, "md5": MD5["G5"]}


def test_encode_merchant_dynamic():
    arguments = {
        "type": "merchant",
        "bakongAccountID": "moc@nbcq",
        "merchantName": "Ministry of Commerce",
        "merchantID": "MOC-001",
        "acquiringBank": "National Bank",
        "currency": "USD",
        "amount": 12.5,
        "billNumber": "MOC-2026-000123",
        "creationTimestamp": 1767225600000,
        "expirationTimestamp": 1767226200000,
    }
    result = json.loads(run("encode", json.dumps(arguments), "--now", "1767225600000"))
    assert "540512.50" in result["qr"]
    decoded = json.loads(run("decode", result["qr"]))
    assert (decoded["merchantType"], decoded["billNumber"]) == ("30", "MOC-2026-000123")
    assert run("verify", result["qr"], "--now", "1767225600000").strip() == "valid"


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("{not json", "JSON"),
        ("[1, 2]", "object"),
        ('{"bakongAccountID": "a@bank", "merchantName": "A"}', '"type"'),
        ('{"type": "shop", "bakongAccountID": "a@bank", "merchantName": "A"}', '"type"'),
        ('{"type": "individual", "merchantName": "A"}', "BAKONG_ACCOUNT_ID_REQUIRED (SDK error 1)"),
        ('{"type": "individual", "bakongAccountID": "a@bank", "merchantName": "A", "currency": "EUR"}', "28"),
        ('{"type": "merchant", "bakongAccountID": "a@bank", "merchantName": "A"}', "MERCHANT_ID_REQUIRED"),
        ('{"type": "individual", "bakongAccountID": "a@bank", "merchantName": "A", "amount": 5}', "45"),
        ('{"type": "individual", "bakongAccountID": "a@bank", "merchantName": "A", "x": 1}', "'x'"),
    ],
)
def test_encode_bad_input(text, mentions):
    error = refused("encode", text)
    assert error.returncode == 2
    assert mentions in str(error)


def _from_command_line(capsys, *args: str) -> tuple[int, str, str]:
    """What `manage.py khqr ...` does with its arguments (run_from_argv), in this process."""
    with translation.override("en"), pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "khqr", *args])
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_.value.code, captured.out, captured.err


def test_exit_codes_from_the_command_line(capsys, monkeypatch):
    """0 valid, 1 invalid (the reason on stderr), 2 bad input; never a traceback."""
    assert _from_command_line(capsys, "verify", G5)[0] == 0
    code, _, err = _from_command_line(capsys, "verify", G5_NEGATIVE)
    assert code == 1
    assert "CRC_INVALID" in err
    monkeypatch.setattr("sys.stdin", StringIO('{"type": "individual"}'))
    for args in (("decode", "not a qr"), ("encode", "-"), ("encode", "{"), ()):
        code, _, err = _from_command_line(capsys, *args)
        assert code == 2, args
        assert err.strip()
        assert "Traceback" not in err


def test_a_real_process_exits_1_for_an_invalid_qr():
    result = subprocess.run(
        [sys.executable, "manage.py", "khqr", "--skip-checks", "verify", G5_NEGATIVE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 1
    assert "CRC_INVALID" in result.stderr
    assert "Traceback" not in result.stderr
