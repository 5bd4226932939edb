"""Web config rules: every problem reported at once, credentials checked strictly."""

import base64
from pathlib import Path

import bcrypt
import pytest

from exporters.errors import ConfigError
from exporters.webconfig import WebConfig, load_web_config
from tests.harness.tls import self_signed_certificate


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def config() -> WebConfig:
    return WebConfig(users={"alice": bcrypt.hashpw(b"right", bcrypt.gensalt(4))})


def test_an_empty_file_means_plain_http_without_auth(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text("")
    loaded = load_web_config(str(path))
    assert loaded.tls is None
    assert loaded.authorize(None)


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer token", "Basic !!!notbase64",
     "Basic " + base64.b64encode(b"nocolon").decode(),
     basic("alice", "wrong"), basic("mallory", "right")],
)
def test_anything_but_the_right_credentials_is_refused(config: WebConfig, header: str) -> None:
    assert not config.authorize(header)


def test_the_right_credentials_pass_again_and_again(config: WebConfig) -> None:
    assert all(config.authorize(basic("alice", "right")) for _ in range(3))
    assert not config.authorize(basic("alice", "right-ish"))


def test_tls_settings_are_validated_together(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text(
        f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
        "  min_version: TLS11\n  client_auth_type: RequireAndVerifyClientCert\n"
        "http_server_config:\n  http2: maybe\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_web_config(str(path))
    assert caught.value.problems == [
        "tls_server_config.min_version: must be one of ['TLS12', 'TLS13']",
        "tls_server_config.client_ca_file: required with RequireAndVerifyClientCert",
        "http_server_config.http2: must be true or false",
    ]


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    cert, _ = self_signed_certificate(first)
    _, other_key = self_signed_certificate(second)
    path = tmp_path / "web.yml"
    path.write_text(f"tls_server_config:\n  cert_file: {cert}\n  key_file: {other_key}\n")
    with pytest.raises(ConfigError, match="cannot load cert_file/key_file pair") as caught:
        load_web_config(str(path))
    assert "PRIVATE KEY" not in caught.value.render()


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    self_signed_certificate(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
    assert load_web_config(str(path)).tls is not None
