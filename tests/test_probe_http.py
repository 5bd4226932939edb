"""http, tcp and dns probers against the local origin and DNS server: outcomes and options."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exporters.multitarget.base import Target
from exporters.multitarget.kinds import KINDS_BY_NAME
from exporters.names import probe as names
from tests.harness.dns_responder import Zone, running_dns
from tests.harness.exporter import running_exporter
from tests.harness.origin import Origin, running_origin
from tests.harness.probe_client import parse, probing_exporter, secret_file
from tests.probe_helpers import module, probe, value

pytestmark = pytest.mark.integration


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


def test_a_slow_origin_fails_within_the_timeout(origin: Origin) -> None:
    prober = KINDS_BY_NAME["http"].build(module("http"))
    families = prober.probe(Target("slow", f"{origin.url}/slow?ttfb_ms=3000"), 0.5)
    samples = {s.name: s.value for f in families for s in f.samples}
    assert samples[names.PROBE_SUCCESS] == 0
    assert samples[names.PROBE_DURATION_SECONDS] < 1.0


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
        silent = probe("dns", "127.0.0.1:1", {**missing, "transport": "tcp"})
        assert value(silent, names.PROBE_DNS_QUERY_SUCCEEDED) == 0
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


def test_a_redirect_loop_stops_after_ten_redirects(origin: Origin) -> None:
    success, values = outcome(f"{origin.url}/loop")
    assert (success, value(values, names.PROBE_HTTP_REDIRECTS)) == (0, 10)
