"""deploy/nginx: rate limits on the anonymous doors that write, and forwarding headers set by nginx only.

The template is parsed into nginx's block structure; which limit applies to a request is worked out the way
nginx does it (the map regexes decide each zone's key; an empty key is not counted). When an nginx binary is
installed, `nginx -t` also checks the rendered configuration.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "default.conf.template"


@dataclass
class Block:
    name: str
    args: list[str]
    directives: list[tuple[str, list[str]]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def values(self, name: str) -> list[list[str]]:
        return [args for directive, args in self.directives if directive == name]

    def children(self, name: str) -> list[Block]:
        return [block for block in self.blocks if block.name == name]


# comments, quoted strings, braces and semicolons, words (which may hold envsubst's ${NAME})
TOKEN = re.compile(r"""#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|(?:\$\{\w+\}|[^\s{};"'#])+|[{};]""")


def parse(text: str) -> Block:
    root = Block("main", [])
    stack = [root]
    words: list[str] = []
    for token in TOKEN.findall(text):
        if token.startswith("#"):
            continue
        if token == "{":
            block = Block(words[0], words[1:])
            stack[-1].blocks.append(block)
            stack.append(block)
            words = []
        elif token == ";":
            stack[-1].directives.append((words[0], words[1:]))
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "\"'" else token)
    assert len(stack) == 1 and not words, "unbalanced braces"
    return root


CONF = parse(TEMPLATE.read_text())
HTTPS = next(s for s in CONF.children("server") if any("443" in a[0] for a in s.values("listen")))


def location_for(uri: str) -> Block:
    """nginx's choice among the prefix locations of the HTTPS server (exact match first, then longest)."""
    exact = [b for b in HTTPS.children("location") if b.args[:1] == ["="] and b.args[1] == uri]
    if exact:
        return exact[0]
    prefixes = [b for b in HTTPS.children("location") if len(b.args) == 1 and uri.startswith(b.args[0])]
    return max(prefixes, key=lambda b: len(b.args[0]))


def map_value(variable: str, source: str) -> str:
    """Evaluate `map <source> $variable { ... }` for a concrete source string."""
    block = next(b for b in CONF.children("map") if b.args[1] == variable)
    default = ""
    for key, args in block.directives:
        if key == "default":
            default = args[0]
        elif (key.startswith("~") and re.search(key[1:], source)) or key == source:
            return args[0]
    return default


def zones() -> dict[str, dict[str, str]]:
    found = {}
    for args in CONF.values("limit_req_zone"):
        options = dict(arg.split("=", 1) for arg in args[1:])
        found[options["zone"].split(":")[0]] = {"key": args[0], "rate": options["rate"]}
    return found


def limits_applied(method: str, uri: str) -> set[str]:
    """Zones that count this request: limited in its location, and with a non-empty key for it."""
    location = location_for(uri)
    applied = set()
    for args in location.values("limit_req"):
        zone = dict(arg.split("=", 1) for arg in args if "=" in arg)["zone"]
        key = zones()[zone]["key"]
        if key == "$binary_remote_addr":
            applied.add(zone)
            continue
        variable = key.lstrip("$")
        source_template = next(b for b in CONF.children("map") if b.args[1] == key).args[0]
        source = source_template.replace("$request_method", method).replace("$uri", uri)
        if map_value(f"${variable}", source):
            applied.add(zone)
    return applied


ANONYMOUS_DOORS = [
    ("POST", "/accounts/login/", "esb_login"),
    ("POST", "/backoffice/login/", "esb_login"),
    ("GET", "/accounts/camdigikey/callback/", "esb_callback"),
    ("GET", "/accounts/camdigikey/error/", "esb_callback"),
    ("POST", "/help/support/", "esb_forms"),
    ("POST", "/help/feedback/", "esb_forms"),
    ("GET", "/api/v1/services/", "esb_api"),
    ("POST", "/api/v1/applications/", "esb_api"),
]


@pytest.mark.parametrize(("method", "uri", "zone"), ANONYMOUS_DOORS)
def test_each_anonymous_door_that_writes_is_rate_limited(method, uri, zone):
    assert zone in limits_applied(method, uri)


@pytest.mark.parametrize(
    ("method", "uri"),
    [("GET", "/help/support/"), ("GET", "/accounts/login/"), ("GET", "/services/"), ("POST", "/help/other/")],
)
def test_pages_that_only_show_a_form_are_not_counted_against_the_doors(method, uri):
    assert limits_applied(method, uri) == {"esb_all"}  # only the flood guard


def test_the_limits_are_per_client_address_with_sensible_rates_and_answer_429():
    defined = zones()
    per_minute = {name: zone["rate"] for name, zone in defined.items() if zone["rate"].endswith("r/m")}
    assert set(per_minute) >= {"esb_login", "esb_callback", "esb_forms"}
    for name, rate in per_minute.items():
        assert 1 <= int(rate[:-3]) <= 60, name
    for name, zone in defined.items():
        if zone["key"] != "$binary_remote_addr":
            block = next(b for b in CONF.children("map") if b.args[1] == zone["key"])
            assert {args[0] for key, args in block.directives if key != "default"} == {"$binary_remote_addr"}
    assert CONF.values("limit_req_status") == [["429"]]
    assert HTTPS.values("error_page") == [["429", "@esb_too_many_requests"]]
    named = next(b for b in HTTPS.children("location") if b.args == ["@esb_too_many_requests"])
    assert ["Retry-After", "60", "always"] in named.values("add_header")
    assert named.values("return")[0][0] == "429"


def test_forwarding_headers_are_set_by_nginx_never_passed_through():
    for location in [
        location_for("/"),
        *[b for s in CONF.children("server") for b in s.children("location")],
    ]:
        if not location.values("proxy_pass"):
            continue
        headers = {args[0]: args[1] for args in location.values("proxy_set_header")}
        assert headers["X-Real-IP"] == "$remote_addr"
        assert (
            headers["X-Forwarded-For"] == "$remote_addr"
        )  # not $proxy_add_x_forwarded_for (client-supplied)
        assert headers["X-Forwarded-Proto"] == "$scheme"
        assert headers["Forwarded"] == "" and headers["X-Forwarded-Host"] == ""


@pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)"
)
def test_nginx_accepts_the_rendered_configuration(tmp_path):
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    major, minor = (int(x) for x in re.search(r"nginx/(\d+)\.(\d+)", version).groups())
    text = TEMPLATE.read_text().replace("${ESB_SERVER_NAME}", "portal.example.gov.kh")
    text = text.replace("${ESB_MAX_UPLOAD_MB}", "10")
    if (major, minor) < (1, 27):  # the image runs 1.28; an older local nginx lacks only these two features
        text = text.replace(" resolve;", ";").replace("http2 on;", "")
    text = text.replace("server web:8000", "server 127.0.0.1:8000")
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    text = text.replace("/etc/nginx/certs/fullchain.pem", str(certificate))
    text = text.replace("/etc/nginx/certs/privkey.pem", str(key))
    text = text.replace("/var/log/nginx/access.log", str(tmp_path / "access.log"))
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
