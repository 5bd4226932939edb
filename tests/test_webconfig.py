"""The web config loader and Basic auth: real certificates, real TLS handshakes, no secret leaks."""

import base64
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from exporters import webconfig
from exporters.errors import ConfigError
from exporters.webconfig import WebConfig, load_web_config
from tests.harness.tls import self_signed_certificate

PASSWORD = "correct horse"


def hashed(password: str = PASSWORD, cost: int = 4) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return str(path)


def problems_of(path: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_web_config(path)
    return caught.value.problems


@pytest.fixture(scope="module")
def server_pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="module")
def client_pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("client"))


def tls_yaml(pem: tuple[Path, Path], *extra: str) -> str:
    lines = [f"  cert_file: {pem[0]}", f"  key_file: {pem[1]}", *(f"  {line}" for line in extra)]
    return "tls_server_config:\n" + "\n".join(lines) + "\n"


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def https_server(context: ssl.SSLContext) -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Ok)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(port: int, client: ssl.SSLContext) -> tuple[str | None, str | None, bytes]:
    """GET / over TLS; return the negotiated version, cipher and the raw reply."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        client.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        version, cipher = tls.version(), tls.cipher()
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        reply = b""
        while chunk := tls.recv(4096):
            reply += chunk
        return version, cipher[0] if cipher else None, reply


def refused(port: int, client: ssl.SSLContext) -> bool:
    try:
        _, _, reply = fetch(port, client)
    except (ssl.SSLError, ConnectionError):
        return True
    return reply == b""


# --- loading -------------------------------------------------------------------------------


def test_an_empty_file_is_plain_http_without_auth(tmp_path: Path) -> None:
    config = load_web_config(write(tmp_path, ""))
    assert config.tls is None
    assert config.users == {}
    assert config.headers == {}
    assert config.authorize(None)
    assert config.authorize("Basic garbage")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    assert problems_of(str(tmp_path / "nope.yml")) == [
        "cannot read file: No such file or directory"
    ]


def test_tls_and_users_load(tmp_path: Path, server_pem: tuple[Path, Path]) -> None:
    users = f"basic_auth_users:\n  alice: '{hashed()}'\n"
    config = load_web_config(write(tmp_path, tls_yaml(server_pem) + users))
    assert isinstance(config.tls, ssl.SSLContext)
    assert config.tls.verify_mode == ssl.CERT_NONE
    assert config.tls.minimum_version == ssl.TLSVersion.TLSv1_2
    assert set(config.users) == {"alice"}
    assert config.authorize(basic("alice", PASSWORD))
    assert not config.authorize(basic("alice", "wrong"))
    assert not config.authorize(basic("mallory", PASSWORD))
    assert not config.authorize(None)


def test_every_problem_is_reported_at_once(tmp_path: Path, server_pem: tuple[Path, Path]) -> None:
    path = write(
        tmp_path,
        f"tls_server_config:\n  cert_file: {server_pem[0]}\n  colour: blue\n"
        "basic_auth_users:\n  alice: not-a-hash\n",
    )
    assert problems_of(path) == [
        "tls_server_config.colour: unknown field",
        "tls_server_config.key_file: required when TLS is configured",
        "basic_auth_users.alice: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, as htpasswd"
        " -nB makes)",
    ]


def test_no_error_quotes_a_hash(tmp_path: Path) -> None:
    good, swapped = hashed(), hashed("other")
    path = write(
        tmp_path,
        f"basic_auth_users:\n  bob: '{good}'\n  carol: '{good[:-1]}!'\n  '{swapped}': dave\n"
        "  eve: 42\n  frank: '$2b$03$" + good[7:] + "'\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_web_config(path)
    report = caught.value.render()
    assert len(caught.value.problems) == 4
    for secret in (good, good[7:], good[7:-1], swapped, swapped[7:]):
        assert secret not in report


def test_a_yaml_syntax_error_gives_the_position_not_the_line(tmp_path: Path) -> None:
    secret = hashed()
    path = write(tmp_path, f"basic_auth_users:\n  alice: '{secret}\n")
    [problem] = problems_of(path)
    assert problem.startswith("not valid YAML: ") and "line 3" in problem
    assert secret not in problem


def test_non_utf8_text_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_bytes(b"basic_auth_users:\n  alice: \xff\xfe\xfa\n")
    [problem] = problems_of(str(path))
    assert problem.startswith("not valid YAML: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2]\n", "(top level): must be a mapping"),
        ("colour: blue\n", "colour: unknown field"),
        ("rate_limit:\n  burst: 1\n", "rate_limit: not implemented; rate-limit in a reverse proxy"),
        ("basic_auth_users: [alice]\n", "basic_auth_users: must map user names to bcrypt hashes"),
        ("http_server_config:\n  http2: maybe\n",
         "http_server_config.http2: must be true or false"),
        ("http_server_config:\n  headers:\n    Server: x\n",
         "http_server_config.headers.Server: unknown field"),
        ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
         "http_server_config.headers.X-Frame-Options: must be one of ['deny', 'sameorigin']"),
        ('http_server_config:\n  headers:\n    X-XSS-Protection: "1\\r\\nSet-Cookie: a=b"\n',
         "http_server_config.headers.X-XSS-Protection: must be printable ASCII on one line"),
    ],
)
def test_structure_problems_name_their_path(tmp_path: Path, text: str, expected: str) -> None:
    assert problems_of(write(tmp_path, text)) == [expected]


def test_user_names_with_a_colon_can_never_log_in(tmp_path: Path) -> None:
    path = write(tmp_path, f"basic_auth_users:\n  'a:b': '{hashed()}'\n")
    assert problems_of(path) == [
        "basic_auth_users.a:b: a user name cannot contain ':' in Basic auth"
    ]


def test_headers_are_kept_and_blank_means_unset(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n"
        "    Content-Security-Policy: default-src 'self'\n    X-XSS-Protection: ''\n",
    )
    assert load_web_config(path).headers == {
        "X-Frame-Options": "deny", "Content-Security-Policy": "default-src 'self'",
    }


# --- TLS settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["min_version: [TLS12]"], "tls_server_config.min_version: must be one of"),
        (["min_version: TLS13", "max_version: TLS12"],
         "tls_server_config.min_version: is above max_version"),
        (["client_auth_type: {a: 1}"], "tls_server_config.client_auth_type: must be one of"),
        (["client_auth_type: RequireAnyClientCert"],
         "tls_server_config.client_ca_file: required with RequireAnyClientCert"),
        (["cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]"],
         "tls_server_config.cipher_suites: unknown cipher suite 'TLS_RSA_WITH_RC4_128_SHA'"),
        (["cipher_suites: TLS_AES_128_GCM_SHA256"],
         "tls_server_config.cipher_suites: must be a list of cipher suite names"),
        (["prefer_server_cipher_suites: yes please"],
         "tls_server_config.prefer_server_cipher_suites: must be true or false"),
        (["curve_preferences: [X25519]"], "tls_server_config.curve_preferences: Python's ssl"),
        (["key: inline"], "tls_server_config.key: inline PEM is not supported; use key_file"),
    ],
)
def test_bad_tls_settings_are_problems_not_crashes(
    tmp_path: Path, server_pem: tuple[Path, Path], extra: list[str], expected: str
) -> None:
    [problem] = problems_of(write(tmp_path, tls_yaml(server_pem, *extra)))
    assert problem.startswith(expected)


def test_a_client_ca_needs_a_client_auth_type(
    tmp_path: Path, server_pem: tuple[Path, Path], client_pem: tuple[Path, Path]
) -> None:
    path = write(tmp_path, tls_yaml(server_pem, f"client_ca_file: {client_pem[0]}"))
    assert problems_of(path) == [
        "tls_server_config.client_ca_file: set, but client_auth_type is NoClientCert"
    ]


def test_missing_files_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tls_server_config:\n  cert_file: cert.pem\n  key_file: /nonexistent/key.pem\n",
    )
    assert problems_of(path) == [
        f"tls_server_config.cert_file: file not found: {tmp_path / 'cert.pem'}",
        "tls_server_config.key_file: file not found: /nonexistent/key.pem",
    ]


def test_a_certificate_that_is_not_one_is_named_without_its_contents(
    tmp_path: Path, server_pem: tuple[Path, Path]
) -> None:
    key = server_pem[1]
    path = write(tmp_path, f"tls_server_config:\n  cert_file: {key}\n  key_file: {key}\n")
    assert problems_of(path) == [f"tls_server_config.cert_file: no PEM certificate in {key}"]


def test_an_encrypted_key_is_refused_without_prompting(
    tmp_path: Path, server_pem: tuple[Path, Path]
) -> None:
    encrypted = tmp_path / "encrypted.pem"
    subprocess.run(
        ["openssl", "pkey", "-in", str(server_pem[1]), "-aes256", "-passout", "pass:hunter2",
         "-out", str(encrypted)],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )
    path = write(tmp_path, f"tls_server_config:\n  cert_file: {server_pem[0]}\n"
                           f"  key_file: {encrypted}\n")
    assert problems_of(path) == [
        f"tls_server_config.key_file: {encrypted} is encrypted; "
        "an unencrypted private key is needed"
    ]


def test_a_key_that_is_not_one_is_named_without_its_contents(
    tmp_path: Path, server_pem: tuple[Path, Path]
) -> None:
    cert = server_pem[0]
    path = write(tmp_path, f"tls_server_config:\n  cert_file: {cert}\n  key_file: {cert}\n")
    [problem] = problems_of(path)
    assert problem == ("tls_server_config.key_file: cannot load cert_file/key_file pair: "
                       f"no PEM private key in {cert}")


# --- real handshakes ------------------------------------------------------------------------


def test_the_context_serves_a_real_tls_handshake(
    tmp_path: Path, server_pem: tuple[Path, Path]
) -> None:
    context = load_web_config(write(tmp_path, tls_yaml(server_pem))).tls
    assert context is not None
    with https_server(context) as port:
        version, _, reply = fetch(port, ssl.create_default_context(cafile=server_pem[0]))
        assert version == "TLSv1.3"
        assert reply.startswith(b"HTTP/1.0 200") and reply.endswith(b"ok")
        assert refused(port, ssl.create_default_context())  # an untrusting client says no


@pytest.mark.parametrize(
    ("extra", "version", "cipher"),
    [
        (["max_version: TLS12"], "TLSv1.2", None),
        (["max_version: TLS12", "cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]"],
         "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"),
        (["cipher_suites: [TLS_AES_128_GCM_SHA256]"], "TLSv1.3", None),
    ],
)
def test_versions_and_cipher_suites_reach_the_handshake(
    tmp_path: Path, server_pem: tuple[Path, Path], extra: list[str], version: str,
    cipher: str | None,
) -> None:
    context = load_web_config(write(tmp_path, tls_yaml(server_pem, *extra))).tls
    assert context is not None
    with https_server(context) as port:
        got_version, got_cipher, _ = fetch(port, ssl.create_default_context(cafile=server_pem[0]))
    assert got_version == version
    assert cipher is None or got_cipher == cipher


def test_only_tls13_suites_leave_tls12_nothing(
    tmp_path: Path, server_pem: tuple[Path, Path]
) -> None:
    context = load_web_config(
        write(tmp_path, tls_yaml(server_pem, "cipher_suites: [TLS_AES_128_GCM_SHA256]"))
    ).tls
    assert context is not None
    client = ssl.create_default_context(cafile=server_pem[0])
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    with https_server(context) as port:
        assert refused(port, client)


def test_require_and_verify_client_cert_checks_the_client(
    tmp_path: Path, server_pem: tuple[Path, Path], client_pem: tuple[Path, Path]
) -> None:
    path = write(tmp_path, tls_yaml(
        server_pem, "client_auth_type: RequireAndVerifyClientCert",
        f"client_ca_file: {client_pem[0]}",
    ))
    context = load_web_config(path).tls
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED
    with https_server(context) as port:
        anonymous = ssl.create_default_context(cafile=server_pem[0])
        assert refused(port, anonymous)
        known = ssl.create_default_context(cafile=server_pem[0])
        known.load_cert_chain(*client_pem)
        assert fetch(port, known)[2].startswith(b"HTTP/1.0 200")
        stranger = ssl.create_default_context(cafile=server_pem[0])
        stranger.load_cert_chain(*server_pem)  # a certificate the client CA did not sign
        assert refused(port, stranger)


def test_request_client_cert_accepts_any_client(
    tmp_path: Path, server_pem: tuple[Path, Path]
) -> None:
    path = write(tmp_path, tls_yaml(server_pem, "client_auth_type: RequestClientCert"))
    context = load_web_config(path).tls
    assert context is not None
    client = ssl.create_default_context(cafile=server_pem[0])
    client.load_cert_chain(*server_pem)  # Go never verifies it, so it must not be refused
    with https_server(context) as port:
        assert fetch(port, client)[2].startswith(b"HTTP/1.0 200")


# --- authorize ------------------------------------------------------------------------------


@pytest.fixture
def alice() -> WebConfig:
    return WebConfig(users={"alice": hashed().encode()})


@pytest.mark.parametrize(
    "header",
    [
        None, "", "Basic", "Basic ", "Basic !!!", "Basic ====", "Basic é",
        "Bearer " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode(),
        "Digest " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode(),
        "Basic " + base64.b64encode(b"alice").decode(),  # no colon
        "Basic " + base64.b64encode(b"\xff\xfe:" + PASSWORD.encode()).decode(),  # not UTF-8
        "Basic " + base64.b64encode(b"alice:" + b"\0" * 100).decode(),
        basic("alice", ""), basic("alice", "wrong"), basic("mallory", PASSWORD),
        basic("Alice", PASSWORD),
    ],
)
def test_anything_but_the_right_credentials_is_refused(alice: WebConfig, header: str) -> None:
    assert alice.authorize(header) is False


def test_the_right_credentials_pass_with_any_scheme_case(alice: WebConfig) -> None:
    assert alice.authorize(basic("alice", PASSWORD))
    assert alice.authorize(basic("alice", PASSWORD).replace("Basic", "basic"))


def test_passwords_beyond_72_bytes_compare_like_bcrypt_always_did() -> None:
    long = "x" * 72
    config = WebConfig(users={"alice": hashed(long).encode()})
    assert config.authorize(basic("alice", long + "ignored"))
    assert not config.authorize(basic("alice", "y" + long))


def test_verified_credentials_are_cached_and_misses_always_pay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = WebConfig(users={"alice": hashed(cost=5).encode(), "bob": hashed(cost=4).encode()})
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed_password: bytes) -> bool:
        checked.append(hashed_password[:7])
        return real(password, hashed_password)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    assert all(config.authorize(basic("alice", PASSWORD)) for _ in range(5))
    assert checked == [b"$2b$05$"]
    assert not config.authorize(basic("alice", "wrong"))
    assert not config.authorize(basic("alice", "wrong"))
    assert not config.authorize(basic("nobody", PASSWORD))
    # wrong passwords are checked every time; unknown users at the highest configured cost
    assert checked == [b"$2b$05$"] * 4


def test_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    count = webconfig.VERIFIED_CACHE_SIZE + 1
    config = WebConfig(users={f"user{i}": hashed(f"pw{i}").encode() for i in range(count)})
    assert all(config.authorize(basic(f"user{i}", f"pw{i}")) for i in range(count))
    calls: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed_password: bytes) -> bool:
        calls.append(password)
        return real(password, hashed_password)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    assert config.authorize(basic(f"user{count - 1}", f"pw{count - 1}"))
    assert calls == []
    assert config.authorize(basic("user0", "pw0"))  # the oldest was evicted: verified again
    assert calls == [b"pw0"]


def test_a_malformed_hash_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"\['alice'\]: not bcrypt hashes") as caught:
        WebConfig(users={"alice": b"plaintext", "bob": hashed().encode()})
    assert "plaintext" not in str(caught.value)
