"""Probe module options: blackbox_exporter's names, validated with their full paths."""

import pytest

from exporters.config import parse_settings
from exporters.errors import ConfigError
from exporters.probes.dns import DNSOptions
from exporters.probes.http_options import HTTPOptions
from exporters.probes.tcp import TCPOptions


def problems(modules: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as error:
        parse_settings({"modules": modules})
    return error.value.render()


def test_every_bad_http_option_is_reported_with_its_path() -> None:
    text = problems({"web": {"prober": "http", "http": {
        "method": "FETCH", "valid_status_codes": [200, 999],
        "headers": {"Authorization": "Bearer literal", "Bad Name": {"env": "X"}},
        "fail_if_body_matches_regexp": ["("],
        "fail_if_header_not_matches": [{"header": "X", "regexp": "["}, {"regexp": "a"}],
        "tls_config": {"ca_file": "/nonexistent/ca.pem", "insecure_skip_verify": "yes"},
        "preferred_ip_protocol": "ip5", "no_follow_redirects": 1, "unknown": True,
    }}})
    for path in (
        "modules.web.http.method", "modules.web.http.valid_status_codes",
        "modules.web.http.headers.Authorization", "modules.web.http.headers: bad header name",
        "modules.web.http.fail_if_body_matches_regexp[0]",
        "modules.web.http.fail_if_header_not_matches[0].regexp",
        "modules.web.http.fail_if_header_not_matches[1].header",
        "modules.web.http.tls_config.ca_file",
        "modules.web.http.tls_config.insecure_skip_verify",
        "modules.web.http.preferred_ip_protocol", "modules.web.http.no_follow_redirects",
        "modules.web.http.unknown",
    ):
        assert path in text, path
    assert "Bearer literal" not in text


def test_tcp_and_dns_options_are_checked() -> None:
    text = problems({
        "banner": {"prober": "tcp", "tcp": {"query_response": [{"expect": "("}, {"sned": "x"}],
                                            "tls": "on"}},
        "resolver": {"prober": "dns", "dns": {"query_type": "BOGUS", "transport": "quic",
                                              "valid_rcodes": ["NOPE"]}},
    })
    for path in (
        "modules.banner.tcp.query_response[0].expect", "modules.banner.tcp.query_response[1].sned",
        "modules.banner.tcp.tls", "modules.resolver.dns.query_name",
        "modules.resolver.dns.query_type", "modules.resolver.dns.transport",
        "modules.resolver.dns.valid_rcodes[0]",
    ):
        assert path in text, path


def test_the_embedded_modules_are_blackboxs_usual_ones() -> None:
    modules = parse_settings({}).modules
    assert modules["http_2xx"].options == HTTPOptions()
    assert modules["http_post_2xx"].options.method == "POST"
    assert modules["tcp_connect"].options == TCPOptions()
    assert modules["tls_connect"].options.tls is True
    assert modules["dns_udp"].options == DNSOptions(query_name="example.com")
    assert modules["dns_tcp"].options.transport == "tcp"
    assert all(modules[name].allow_unlisted_targets for name in ("http_2xx", "tcp_connect"))
    assert all(modules[name].min_interval_seconds == 0 for name in ("http_2xx", "dns_udp"))
