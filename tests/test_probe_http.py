"""http, tcp and dns probers against the local origin and DNS server: outcomes and options."""

import re
import ssl
import time
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from exporters.config import parse_settings
from exporters.multitarget.runner import ProbeRunner
from exporters.names import probe as names
from tests.harness.dns_responder import Zone, running_dns
from tests.harness.exporter import running_exporter
from tests.harness.origin import Origin, running_origin
from tests.harness.probe_client import Values, parse, probing_exporter, secret_file
from tests.harness.servers import real_time_scheduling
from tests.harness.tls import self_signed_certificate
from tests.probe_helpers import module, probe, value

pytestmark = pytest.mark.integration
TOKEN = "s3cret-token"
BASIC = "Basic " + b64encode(f"probe:{TOKEN}".encode()).decode()
# options sending credentials from $PROBE_TOKEN, the header they set and the value it must have
CREDENTIALS: dict[str, tuple[dict[str, Any], str, str]] = {
    "headers": ({"headers": {"X-Token": {"env": "PROBE_TOKEN"}}}, "X-Token", TOKEN),
    "basic_auth": ({"basic_auth": {"username": "probe", "password": {"env": "PROBE_TOKEN"}}},
                   "Authorization", BASIC),
    "bearer_token": ({"bearer_token": {"env": "PROBE_TOKEN"}}, "Authorization", f"Bearer {TOKEN}"),
    "authorization": ({"authorization": {"type": "Token", "credentials": {"env": "PROBE_TOKEN"}}},
                      "Authorization", f"Token {TOKEN}"),
}


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    with running_origin() as running:
        yield running


def outcome(url: str, options: dict[str, Any] | None = None) -> tuple[float, dict[str, Any]]:
    values = probe("http", url, options)
    return value(values, names.PROBE_SUCCESS), values


def test_status_codes_decide_success(origin: Origin) -> None:
    success, values = outcome(f"{origin.url}/status?code=500")
    assert (success, value(values, names.PROBE_HTTP_STATUS_CODE)) == (0, 500)
    assert outcome(f"{origin.url}/status?code=500", {"valid_status_codes": [500]})[0] == 1


def test_redirects_are_followed_and_counted_unless_disabled(origin: Origin) -> None:
    success, values = outcome(f"{origin.url}/redirect?to=/ok")
    assert (success, value(values, names.PROBE_HTTP_REDIRECTS)) == (1, 1)
    assert value(values, names.PROBE_HTTP_STATUS_CODE) == 200
    success, values = outcome(f"{origin.url}/redirect?to=/ok", {"no_follow_redirects": True})
    assert (success, value(values, names.PROBE_HTTP_STATUS_CODE)) == (0, 302)


def test_large_bodies_are_measured(origin: Origin) -> None:
    _, values = outcome(f"{origin.url}/large?bytes=1000000")
    assert value(values, names.PROBE_HTTP_UNCOMPRESSED_BODY_LENGTH) == 1_000_000
    assert value(values, names.PROBE_HTTP_CONTENT_LENGTH) == 1_000_000


def test_body_regexes(origin: Origin) -> None:
    success, values = outcome(f"{origin.url}/ok", {"fail_if_body_not_matches_regexp": ["nope"]})
    assert (success, value(values, names.PROBE_FAILED_DUE_TO_REGEX)) == (0, 1)
    assert outcome(f"{origin.url}/ok", {"fail_if_body_matches_regexp": ["origin ok"]})[0] == 0
    assert outcome(f"{origin.url}/ok", {"fail_if_body_not_matches_regexp": ["origin ok"]})[0] == 1


def test_header_rules(origin: Origin) -> None:
    def rule(regexp: str) -> dict[str, Any]:
        return {"fail_if_header_not_matches": [{"header": "Last-Modified", "regexp": regexp}]}

    assert outcome(f"{origin.url}/ok", rule("2015"))[0] == 1
    assert outcome(f"{origin.url}/ok", rule("2020"))[0] == 0
    missing = {"fail_if_header_not_matches": [{"header": "X-None", "regexp": "."}]}
    assert outcome(f"{origin.url}/ok", missing)[0] == 0


def test_method_body_and_secret_headers_are_sent(
    origin: Origin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROBE_TOKEN", "s3cret-token")
    options = {
        "method": "POST", "body": "ping",
        "headers": {"X-Token": {"env": "PROBE_TOKEN"}},
        "fail_if_body_not_matches_regexp": ["^POST s3cret-token$"],
    }
    assert outcome(f"{origin.url}/echo?header=X-Token", options)[0] == 1
    monkeypatch.delenv("PROBE_TOKEN")
    assert outcome(f"{origin.url}/echo?header=X-Token", options)[0] == 0


@pytest.mark.parametrize("kind", CREDENTIALS)
def test_configured_credentials_stay_with_the_targets_origin_across_redirects(
    origin: Origin, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("PROBE_TOKEN", TOKEN)
    credentials, header, expected = CREDENTIALS[kind]
    options = {**credentials, "preferred_ip_protocol": "ip4"}
    port = origin.url.rsplit(":", 1)[1]
    echo = f"/echo?header={header}"

    def echoed_after_redirect_to(base: str) -> str:
        target = f"{origin.url}/redirect?" + urlencode({"to": f"{base}{echo}"})
        checked = {**options, "fail_if_body_matches_regexp": [re.escape(expected)]}
        success, values = outcome(target, checked)
        assert value(values, names.PROBE_HTTP_REDIRECTS) == 1
        return "sent" if success == 0 else "withheld"  # the echo shows the header it was sent

    same = {**options, "fail_if_body_not_matches_regexp": [f"^GET {re.escape(expected)}$"]}
    assert outcome(f"{origin.url}/redirect?" + urlencode({"to": echo}), same)[0] == 1
    # another origin (the same server, named localhost): followed without the credentials
    assert echoed_after_redirect_to(f"http://localhost:{port}") == "withheld"
    assert echoed_after_redirect_to(origin.url) == "sent"


def test_credentials_are_read_from_files_at_each_probe(
    origin: Origin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = secret_file(tmp_path, "token", f"{TOKEN}\n")["file"]
    user = secret_file(tmp_path, "user", "probe")
    echo = f"{origin.url}/echo?header=Authorization"
    for options, expected in (
        ({"basic_auth": {"username": user, "password_file": token}}, BASIC),
        ({"basic_auth": {"username_file": user["file"], "password_file": token}}, BASIC),
        ({"bearer_token_file": token}, f"Bearer {TOKEN}"),
        ({"authorization": {"credentials_file": token}}, f"Bearer {TOKEN}"),
    ):
        checked = {**options, "fail_if_body_not_matches_regexp": [f"^GET {re.escape(expected)}$"]}
        assert outcome(echo, checked)[0] == 1, options
    Path(token).unlink()
    assert outcome(echo, {"bearer_token_file": token})[0] == 0
    assert any(f"credentials unavailable: cannot read secret file {token}" in line
               for line in caplog.messages)


def test_a_secret_with_a_line_break_inside_is_refused_not_sent(
    origin: Origin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a token file that would add a header of its own to the probe's request
    token = secret_file(tmp_path, "token", f"{TOKEN}\r\nX-Injected: yes\n")["file"]
    echo = f"{origin.url}/echo?header=X-Injected"
    for options in ({"bearer_token_file": token}, {"headers": {"X-Token": {"file": token}}}):
        success, _values = outcome(echo, {**options, "fail_if_body_matches_regexp": ["yes"]})
        assert success == 0, options
        assert outcome(f"{origin.url}/ok", options)[0] == 0, options  # refused before sending
    assert any(f"secret file {token} holds a line break" in line for line in caplog.messages)
    assert not any(TOKEN in line for line in caplog.messages)


def test_modules_with_credentials_probe_listed_targets_only(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    client = {"tls_config": {"cert_file": str(cert), "key_file": str(key)}}
    sending = {
        **{kind: {"prober": "http", "http": options}
           for kind, (options, _header, _value) in CREDENTIALS.items()},
        "bearer_token_file": {"prober": "http", "http": {"bearer_token_file": "/run/token"}},
        "client_cert": {"prober": "http", "http": client},
        "tcp_client_cert": {"prober": "tcp", "tcp": {"tls": True, **client}},
    }
    unlisted = {
        "open": {"prober": "http", "http": {}},
        "plain_headers": {"prober": "http", "http": {"headers": {"Accept-Language": "de"}}},
        "tcp_open": {"prober": "tcp", "tcp": {"tls": True}},
        "chosen": {"prober": "http", "allow_unlisted_targets": True,
                   "http": CREDENTIALS["basic_auth"][0]},
    }
    modules = parse_settings({"modules": {**sending, **unlisted}}).modules
    assert not any(modules[name].allow_unlisted_targets for name in sending)
    assert all(modules[name].allow_unlisted_targets for name in unlisted)


def test_plain_header_values_are_sent_as_written(origin: Origin) -> None:
    options = {"headers": {"Accept-Language": "de-CH", "Host": "shop.example"}}
    for header, expected in (("Accept-Language", "de-CH"), ("Host", "shop.example")):
        checked = {**options, "fail_if_body_not_matches_regexp": [f"^GET {expected}$"]}
        assert outcome(f"{origin.url}/echo?header={header}", checked)[0] == 1, header


def test_valid_http_versions_decide_success(
    origin: Origin, caplog: pytest.LogCaptureFixture
) -> None:
    assert outcome(f"{origin.url}/ok", {"valid_http_versions": ["HTTP/1.0", "HTTP/1.1"]})[0] == 1
    success, values = outcome(f"{origin.url}/ok", {"valid_http_versions": ["HTTP/2.0"]})
    assert (success, value(values, names.PROBE_HTTP_VERSION)) == (0, 1.1)
    assert any(line.endswith("HTTP/1.1 is not one of valid_http_versions")
               for line in caplog.messages)


def test_enable_http2_decides_whether_tls_offers_h2(tmp_path: Path) -> None:
    cert = self_signed_certificate(tmp_path)
    with running_origin(cert, alpn=("h2", "http/1.1")) as tls:
        trusting = {"tls_config": {"ca_file": str(cert[0])}}
        success, values = outcome(f"{tls.url}/ok", {**trusting, "enable_http2": False})
        assert (success, value(values, names.PROBE_HTTP_VERSION)) == (1, 1.1)
        assert tls.protocols == ["http/1.1"]
        # by default h2 is offered, and chosen: this origin then fails to speak it
        assert outcome(f"{tls.url}/ok", trusting)[0] == 0
        assert tls.protocols == ["http/1.1", "h2"]


def test_tls_version_bounds_decide_the_handshake(tmp_path: Path) -> None:
    cert = self_signed_certificate(tmp_path)
    trusting = {"ca_file": str(cert[0])}

    def tls_version(values: Values) -> str:
        (labels,) = values[names.PROBE_TLS_VERSION_INFO]
        return dict(labels)[names.LABEL_VERSION]

    only = {version: (version, version) for version in (ssl.TLSVersion.TLSv1_2,
                                                         ssl.TLSVersion.TLSv1_3)}
    with running_origin(cert, tls_versions=only[ssl.TLSVersion.TLSv1_2]) as tls12, \
            running_origin(cert, tls_versions=only[ssl.TLSVersion.TLSv1_3]) as tls13:
        for origin, bounds, expected in (
            (tls12, {}, "TLS 1.2"),
            (tls12, {"max_version": "TLS12"}, "TLS 1.2"),
            (tls12, {"min_version": "TLS13"}, None),
            (tls13, {"min_version": "TLS13"}, "TLS 1.3"),
            (tls13, {"min_version": "TLS10", "max_version": "TLS12"}, None),
        ):
            config = {"tls_config": {**trusting, **bounds}}
            success, values = outcome(f"{origin.url}/ok", config)
            assert success == (expected is not None), (origin.url, bounds)
            if expected is not None:
                assert tls_version(values) == expected
            address = origin.url.removeprefix("https://")
            connected = probe("tcp", address, {"tls": True, **config})
            assert value(connected, names.PROBE_SUCCESS) == (expected is not None), bounds
            if expected is not None:
                assert tls_version(connected) == expected


def test_a_client_certificate_goes_to_the_targets_origin_only(tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "client").mkdir()
    server = self_signed_certificate(tmp_path / "server")
    cert, key = self_signed_certificate(tmp_path / "client")
    trusting = {"ca_file": str(server[0])}
    presenting = {**trusting, "cert_file": str(cert), "key_file": str(key)}
    with running_origin(server, client_ca=cert) as tls:
        assert outcome(f"{tls.url}/ok", {"tls_config": trusting})[0] == 0
        assert outcome(f"{tls.url}/ok", {"tls_config": presenting})[0] == 1
        # the same server named localhost is another origin: the redirect goes without it
        away = f"{tls.url}/redirect?to=https://localhost:{tls.url.rsplit(':', 1)[1]}/ok"
        success, values = outcome(away, {"tls_config": presenting, "preferred_ip_protocol": "ip4"})
        assert (success, value(values, names.PROBE_HTTP_REDIRECTS)) == (0, 1)
        address = tls.url.removeprefix("https://")
        exchange = [{"send": "GET /ok HTTP/1.0\r\n\r"}, {"expect": "^HTTP/1\\.[01] 200"}]
        for config, expected in ((trusting, 0), (presenting, 1)):
            options = {"tls": True, "tls_config": config, "query_response": exchange}
            assert value(probe("tcp", address, options), names.PROBE_SUCCESS) == expected


def test_server_name_is_the_name_sent_and_verified(tmp_path: Path) -> None:
    cert = self_signed_certificate(tmp_path, "DNS:probe.test")
    trusting = {"ca_file": str(cert[0])}
    named = {**trusting, "server_name": "probe.test"}
    with running_origin(cert) as tls:
        address = tls.url.removeprefix("https://")
        port = address.rsplit(":", 1)[1]
        assert outcome(f"{tls.url}/ok", {"tls_config": trusting})[0] == 0  # not 127.0.0.1's
        assert outcome(f"{tls.url}/ok", {"tls_config": {**named, "server_name": "other.test"}}
                       )[0] == 0
        for base, host in ((tls.url, address), (f"https://localhost:{port}", f"localhost:{port}")):
            # probe.test resolves nowhere: the probe connects to the URL's host, says it is
            # probe.test in the handshake, and sends the URL's host in the Host header
            options = {"tls_config": named, "preferred_ip_protocol": "ip4",
                       "fail_if_body_not_matches_regexp": [f"^GET {re.escape(host)}$"]}
            assert outcome(f"{base}/echo?header=Host", options)[0] == 1, base
        assert tls.server_names[-1] == "probe.test"
        # a configured Host header is the one sent, server_name or not
        hosted = {"tls_config": named, "headers": {"Host": "shop.example"},
                  "fail_if_body_not_matches_regexp": ["^GET shop.example$"]}
        assert outcome(f"{tls.url}/echo?header=Host", hosted)[0] == 1
        for config, expected in ((trusting, 0), (named, 1)):
            connect = {"tls": True, "tls_config": config}
            assert value(probe("tcp", address, connect), names.PROBE_SUCCESS) == expected


def test_a_slow_origin_fails_within_the_timeout_with_what_was_measured(
    origin: Origin, caplog: pytest.LogCaptureFixture
) -> None:
    # the probe keeps 10 % of its 2 s timeout (0.2 s) in reserve; under real-time scheduling
    # a loaded host's run queue cannot eat it (a run at load 9 once answered late)
    with real_time_scheduling():
        runner = ProbeRunner({"test": module("http", timeout=2.0)}, {})
        try:
            started = time.monotonic()
            answer = runner.answer({"target": [f"{origin.url}/slow?ttfb_ms=5000"],
                                    "module": ["test"]}, 10)
            elapsed = time.monotonic() - started
        finally:
            runner.close()
    samples = {(s.name, s.labels.get("phase")): s.value
               for f in answer.families for s in f.samples}
    assert elapsed < 2.1
    assert samples[(names.PROBE_SUCCESS, None)] == 0
    # as blackbox_exporter: the duration and the phases reached are still reported
    assert 1.6 < samples[(names.PROBE_DURATION_SECONDS, None)] < 2.0
    assert samples[(names.PROBE_HTTP_DURATION_SECONDS, "connect")] > 0
    assert not any("exceeded its timeout" in line for line in caplog.messages)


def test_tcp_send_and_expect(origin: Origin) -> None:
    address = origin.url.removeprefix("http://")
    request = {"send": "GET /ok HTTP/1.0\r\n\r"}
    assert value(probe("tcp", address, {"query_response": [
        request, {"expect": "^HTTP/1\\.[01] 200"}]}), names.PROBE_SUCCESS) == 1
    values = probe("tcp", address, {"query_response": [request, {"expect": "^SSH-2.0"}]})
    assert value(values, names.PROBE_SUCCESS) == 0
    assert value(values, names.PROBE_FAILED_DUE_TO_REGEX) == 1


def test_dns_rcodes_and_transports() -> None:
    with running_dns(Zone({"origin.test": "127.0.0.1"})) as port:
        target = f"127.0.0.1:{port}"
        for transport in ("udp", "tcp"):
            found = probe("dns", target, {"query_name": "origin.test", "transport": transport})
            assert value(found, names.PROBE_SUCCESS) == 1, transport
            assert value(found, names.PROBE_DNS_ANSWER_RRS) == 1
        missing = {"query_name": "missing.test"}
        answered = probe("dns", target, missing)
        assert value(answered, names.PROBE_SUCCESS) == 0
        assert value(answered, names.PROBE_DNS_QUERY_SUCCEEDED) == 1
        assert answered[names.PROBE_DNS_RCODE_INFO] == {
            frozenset({(names.LABEL_RCODE, "NXDOMAIN")}): 1}
        assert found[names.PROBE_DNS_RCODE_INFO] == {frozenset({(names.LABEL_RCODE, "NOERROR")}): 1}
        silent = probe("dns", "127.0.0.1:1", {**missing, "transport": "tcp"})
        assert value(silent, names.PROBE_DNS_QUERY_SUCCEEDED) == 0
        assert names.PROBE_DNS_RCODE_INFO not in silent  # no answer, no rcode
        assert value(probe("dns", target, {**missing, "valid_rcodes": ["NXDOMAIN"]}),
                     names.PROBE_SUCCESS) == 1


def test_default_modules_work_without_a_config_file(origin: Origin, tmp_path: Path) -> None:
    with running_exporter(tmp_path) as url:
        def ask(module: str, target: str) -> float:
            response = requests.get(f"{url}/probe", params={"module": module, "target": target},
                                    timeout=10)
            assert response.status_code == 200, response.text
            return parse(response.text)[names.PROBE_SUCCESS][frozenset()]

        assert ask("http_2xx", f"{origin.url}/ok") == 1
        assert ask("http_post_2xx", f"{origin.url}/ok") == 1
        assert ask("tcp_connect", origin.url.removeprefix("http://")) == 1
        assert ask("http_2xx", "http://127.0.0.1:1/") == 0


def test_header_secrets_stay_out_of_answers_metrics_and_logs(
    origin: Origin, tmp_path: Path
) -> None:
    secret = "Bearer s3cret-header-value"
    modules = {"auth": {"prober": "http", "http": {
        "headers": {"Authorization": secret_file(tmp_path, "token", secret)},
        "fail_if_body_not_matches_regexp": ["never"],
    }}}
    targets = {"down": ("http://127.0.0.1:1/", "auth"),
               "failing": (f"{origin.url}/echo?header=Authorization", "auth")}
    with probing_exporter(tmp_path, modules, targets, "auth") as exporter:
        answers = [exporter.probe(name)[0].text for name in targets]
        metrics = requests.get(f"{exporter.url}/metrics", timeout=10).text
        log = exporter.log()
    assert all("probe_success 0.0" in answer for answer in answers)
    assert "s3cret" not in "".join(answers) + metrics + log
    assert "failing is down" in log  # the failure itself is logged, without the secret


def test_credential_secrets_stay_out_of_answers_metrics_and_logs(
    origin: Origin, tmp_path: Path
) -> None:
    password = "s3cret-password"
    basic = {"username": "probe", "password_file": secret_file(tmp_path, "pw", password)["file"]}
    modules = {
        "basic": {"prober": "http", "http": {"basic_auth": basic}},
        "bearer": {"prober": "http", "http": {
            "bearer_token_file": secret_file(tmp_path, "token", TOKEN)["file"]}},
        "gone": {"prober": "http", "http": {"bearer_token_file": str(tmp_path / "missing")}},
    }

    def reflecting(secret: str) -> str:  # a redirect whose (refused) URL quotes the secret
        return f"{origin.url}/redirect?" + urlencode({"to": f"ftp://elsewhere/{secret}"})

    targets = {"down": ("http://127.0.0.1:1/", "basic"), "basic": (reflecting(password), "basic"),
               "bearer": (reflecting(TOKEN), "bearer"), "unreadable": (f"{origin.url}/ok", "gone")}
    with probing_exporter(tmp_path, modules, targets, "basic") as exporter:
        answers = [exporter.probe(name, module)[0] for name, (_, module) in targets.items()]
        metrics = requests.get(f"{exporter.url}/metrics", timeout=10).text
        log = exporter.log()
    assert all(answer.status_code == 200 for answer in answers)
    assert all("probe_success 0.0" in answer.text for answer in answers)
    assert "s3cret" not in "".join(answer.text for answer in answers) + metrics + log
    assert "bearer is down: redirect to ftp://elsewhere/<redacted>: not an http(s) URL" in log
    assert "unreadable is down: credentials unavailable: cannot read secret file" in log


def test_a_redirect_loop_stops_after_ten_redirects(origin: Origin) -> None:
    success, values = outcome(f"{origin.url}/loop")
    assert (success, value(values, names.PROBE_HTTP_REDIRECTS)) == (0, 10)
