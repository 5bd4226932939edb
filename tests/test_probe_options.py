"""Probe module options: blackbox_exporter's names, validated with their full paths."""

from pathlib import Path

import pytest

from exporters.config import parse_settings
from exporters.errors import ConfigError
from exporters.probes.dns_options import DNSOptions
from exporters.probes.http_options import Authorization, BasicAuth, HTTPOptions
from exporters.probes.tcp_options import TCPOptions
from exporters.secrets import SecretRef
from tests.harness.tls import self_signed_certificate


def problems(modules: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as error:
        parse_settings({"modules": modules})
    return error.value.render()


def test_every_bad_http_option_is_reported_with_its_path() -> None:
    text = problems({"web": {"prober": "http", "http": {
        "method": "FETCH", "valid_status_codes": [200, 999],
        "headers": {"Authorization": "Bearer literal", "Bad Name": {"env": "X"},
                    "X-Api-Key": "k3y-literal", "Cookie": "session=c00kie", "Accept": "*/*",
                    "X-Two-Lines": "a\r\nX-Injected: 1"},
        "fail_if_body_matches_regexp": ["("],
        "fail_if_header_not_matches": [{"header": "X", "regexp": "["}, {"regexp": "a"}],
        "tls_config": {"ca_file": "/nonexistent/ca.pem", "insecure_skip_verify": "yes"},
        "preferred_ip_protocol": "ip5", "no_follow_redirects": 1, "unknown": True,
        "enable_http2": "no",
    }}})
    for path in (
        "modules.web.http.method", "modules.web.http.valid_status_codes",
        "modules.web.http.headers.Authorization", "modules.web.http.headers: bad header name",
        "modules.web.http.headers.X-Api-Key", "modules.web.http.headers.Cookie",
        "modules.web.http.fail_if_body_matches_regexp[0]",
        "modules.web.http.fail_if_header_not_matches[0].regexp",
        "modules.web.http.fail_if_header_not_matches[1].header",
        "modules.web.http.tls_config.ca_file",
        "modules.web.http.tls_config.insecure_skip_verify",
        "modules.web.http.preferred_ip_protocol", "modules.web.http.no_follow_redirects",
        "modules.web.http.unknown", "modules.web.http.enable_http2",
        "modules.web.http.headers.X-Two-Lines: a header value is one line",
    ):
        assert path in text, path
    assert not any(secret in text for secret in ("Bearer literal", "k3y-literal", "c00kie"))
    assert "modules.web.http.headers.Accept" not in text  # a plain value where it is no secret


def test_every_bad_credential_and_tls_option_is_reported_with_its_path(tmp_path: Path) -> None:
    cert, _key = self_signed_certificate(tmp_path)
    text = problems({
        "basic": {"prober": "http", "http": {
            "basic_auth": {"username": "probe", "password": "hunter2-literal"},
            "valid_http_versions": ["HTTP/1.1", "HTTP/2"],
            "tls_config": {"cert_file": str(cert), "server_name": "a/b"},
        }},
        "both": {"prober": "http", "http": {
            "basic_auth": {"password": {"env": "P"}, "password_file": "/run/pw",
                           "username": "probe", "username_file": "/run/user"},
            "bearer_token_file": "/run/token", "headers": {"Authorization": {"env": "A"}},
        }},
        "bearer": {"prober": "http", "http": {
            "bearer_token": "literal-token", "valid_http_versions": "HTTP/1.1",
            "tls_config": {"cert_file": str(cert), "key_file": str(cert)},  # no key in it
        }},
        "scheme": {"prober": "http", "http": {"authorization": {
            "type": "Basic", "credentials": {"env": "C"}, "credentials_file": "/run/c",
        }}},
        "empty": {"prober": "http", "http": {"authorization": {"type": "Bad Scheme"}}},
        "banner": {"prober": "tcp", "tcp": {"tls_config": {
            "key_file": "/nonexistent/key.pem", "server_name": "", "min_version": "TLS14",
        }}},
        "bounds": {"prober": "http", "http": {"tls_config": {
            "min_version": "TLS13", "max_version": "TLS12",
        }}},
    })
    for path in (
        "modules.basic.http.basic_auth.password: must be a reference",
        "modules.basic.http.valid_http_versions[1]: must be one of",
        "modules.basic.http.tls_config: cert_file and key_file go together",
        "modules.basic.http.tls_config.server_name: must be a host name",
        "modules.both.http: at most one of basic_auth",
        "modules.both.http.basic_auth: at most one of password and password_file",
        "modules.both.http.basic_auth: at most one of username and username_file",
        "modules.both.http.headers.Authorization: conflicts",
        "modules.bearer.http.bearer_token: must be a reference",
        "modules.bearer.http.valid_http_versions: must be a list",
        "modules.bearer.http.tls_config: cert_file and key_file must be a PEM certificate",
        "modules.scheme.http.authorization.type: Basic is not allowed",
        "modules.scheme.http.authorization: at most one of credentials and credentials_file",
        "modules.empty.http.authorization.type: must be an authorization scheme",
        "modules.empty.http.authorization: needs credentials or credentials_file",
        "modules.banner.tcp.tls_config.key_file: must be a readable file",
        "modules.banner.tcp.tls_config: cert_file and key_file go together",
        "modules.banner.tcp.tls_config.min_version: must be one of TLS10, TLS11, TLS12, TLS13",
        "modules.bounds.http.tls_config: min_version TLS13 is above max_version TLS12",
    ):
        assert path in text, path
    assert "hunter2" not in text and "literal-token" not in text


def test_credentials_are_references_to_read_at_use() -> None:
    modules = parse_settings({"modules": {
        "web": {"prober": "http", "http": {
            "basic_auth": {"username": {"env": "USER"}, "password_file": "/run/pw"},
            "valid_http_versions": ["HTTP/1.1", "HTTP/2.0"],
        }},
        "api": {"prober": "http", "http": {"bearer_token_file": "/run/token"}},
        "token": {"prober": "http", "http": {"authorization": {
            "type": "Token", "credentials": {"env": "TOKEN"}}}},
        "named": {"prober": "tcp", "tcp": {"tls_config": {"server_name": "db.internal"}}},
    }}).modules
    web = modules["web"].options
    assert web.authorization == BasicAuth(SecretRef(env="USER"), SecretRef(file="/run/pw"))
    assert web.valid_http_versions == ("HTTP/1.1", "HTTP/2.0")
    assert modules["api"].options.authorization == Authorization(SecretRef(file="/run/token"))
    assert modules["token"].options.authorization == Authorization(SecretRef(env="TOKEN"), "Token")
    assert modules["named"].options.tls_config.server_hostname("10.0.0.5") == "db.internal"


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
